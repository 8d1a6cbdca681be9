"""The silent-edit record per outlet: the library, the ranking page and the source
page with their JSON twins, ``newstrail sources report``, and a look in Chromium."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import CliRunner

from newstrail.cli.main import cli
from newstrail.extract.records import Extracted
from newstrail.serve.silent_edits import outlet_records
from newstrail.serve.web import create_app
from newstrail.settings import Settings
from newstrail.store.database import Store
from newstrail.versions.health import observe
from newstrail.versions.recording import Capture, record_capture

BASE = [
    "The council approved a budget of 4.2 million pounds on Monday night.",
    "Councillors voted 7 to 2 after a debate that lasted more than five hours.",
    'The mayor said the plan would "protect libraries and bus routes" across the district.',
    "Opposition members argued that higher parking charges would hurt small shops.",
]
START = datetime(2025, 3, 1, tzinfo=UTC)


def _record(
    store: Store, outlet: str, slug: str, title: str, paragraphs: list[str], hour: int
) -> int:
    extracted = Extracted(
        title=title,
        author="Jane Smith",
        date="2025-03-01",
        site=outlet,
        text="\n\n".join(paragraphs),
        url=None,
        language="en",
        extractor="test/1",
    )
    capture = Capture(
        url=f"https://{outlet.lower().replace(' ', '')}.example/{slug}",
        extracted=extracted,
        origin="import:text",
        captured_at=START + timedelta(hours=hour),
        source_name=outlet,
    )
    return record_capture(store, capture).article_id


def seed(store: Store) -> dict[str, int]:
    """Two outlets: the Courier edits facts silently, the Gazette says so."""
    ids = {}
    # The Courier: a number changed silently, a quote altered silently, a rewording.
    ids["courier-1"] = _record(store, "The Courier", "budget", "Budget approved", BASE, 0)
    edited = [BASE[0].replace("4.2 million", "4.5 million"), *BASE[1:]]
    _record(store, "The Courier", "budget", "Budget approved", edited, 1)
    quoted = [*edited[:2], BASE[2].replace("protect libraries", "save libraries"), edited[3]]
    _record(store, "The Courier", "budget", "Budget approved", quoted, 2)
    ids["courier-2"] = _record(store, "The Courier", "vote", "Vote held", BASE, 0)
    reworded = [*BASE[:3], BASE[3].replace("argued", "contended")]
    _record(store, "The Courier", "vote", "Vote held", reworded, 1)
    # The Gazette: a number changed, with a correction notice.
    ids["gazette"] = _record(store, "The Gazette", "budget", "Council budget", BASE, 0)
    corrected = [
        BASE[0],
        BASE[1].replace("7 to 2", "6 to 3"),
        *BASE[2:],
        "Correction: An earlier version of this article misstated the result of the vote.",
    ]
    _record(store, "The Gazette", "budget", "Council budget", corrected, 1)
    return ids


def test_the_record_counts_factual_edits_and_notices_with_the_articles_behind(
    store: Store,
) -> None:
    ids = seed(store)
    records = {r.name: r for r in outlet_records(store)}
    courier, gazette = records["The Courier"].to_json(), records["The Gazette"].to_json()
    counts = ("edit_count", "factual_count", "silent_count", "noticed_count")
    assert tuple(courier[key] for key in counts) == (
        3,
        2,
        2,
        0,
    )
    assert courier["stylistic_count"] == 1 and courier["facts"] == {"number": 1, "quote": 1}
    assert courier["actions"]["edit"] == 3
    assert {ref["article_id"] for ref in courier["articles"]["silent"]} == {ids["courier-1"]}
    assert [ref["article_id"] for ref in courier["articles"]["stylistic"]] == [ids["courier-2"]]
    assert (gazette["factual_count"], gazette["noticed_count"], gazette["silent_count"]) == (
        1,
        1,
        0,
    )
    assert gazette["articles"]["noticed"][0]["article_id"] == ids["gazette"]
    assert gazette["actions"]["addition"] == 1
    assert outlet_records(store, records["The Gazette"].source_id)[0].name == "The Gazette"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(store, Settings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.mark.anyio
async def test_ranking_page_source_page_and_their_twins(
    client: httpx.AsyncClient, store: Store
) -> None:
    seed(store)
    ranking = (await client.get("/sources/edits.json")).json()
    assert [o["outlet"] for o in ranking["outlets"]] == ["The Courier", "The Gazette"]
    page = await client.get("/sources/edits")
    assert page.status_code == 200 and "Silent edits by outlet" in page.text
    courier = ranking["outlets"][0]["source_id"]
    source = (await client.get(f"/sources/{courier}.json")).json()
    assert source["silent_edits"]["silent_count"] == 2
    assert source["extraction"]["state"] == "ok"
    with store.write() as connection:  # two degraded captures of two articles flag the outlet
        for article in (1, 2):
            observe(
                connection, courier, article, START, "body collapsed from 400 to 60 words", "x/1"
            )
    html = (await client.get(f"/sources/{courier}")).text
    assert "Extraction degraded" in html and "body collapsed" in html
    assert "degraded" in (await client.get("/sources")).text


def test_sources_report_command(tmp_path: Path) -> None:
    db = str(tmp_path / "report.db")
    store = Store(db)
    seed(store)
    store.close()
    result = CliRunner().invoke(cli, ["--db", db, "sources", "report", "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert [line["outlet"] for line in lines] == ["The Courier", "The Gazette"]
    table = CliRunner().invoke(cli, ["--db", db, "sources", "report"])
    assert table.exit_code == 0 and "The Courier" in table.output


CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Store]]:
    from test_browser import free_port

    store = Store(tmp_path / "served.db")
    seed(store)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(store, Settings()), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", store
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_a_person_sees_the_ranking_and_the_articles_behind_it(
    served: tuple[str, Store],
) -> None:
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM_ARGS

    base, _ = served
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page: Any = browser.new_page(viewport={"width": 1200, "height": 700})
        page.goto(f"{base}/sources/edits")
        rows = page.locator("table.edits-ranking tbody tr")
        assert rows.count() == 2
        assert "The Courier" in rows.nth(0).inner_text() and "100 %" in rows.nth(0).inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "silent-edits-ranking.png"))
        rows.nth(0).locator("a").click()
        page.wait_for_load_state()
        assert "Silent factual edits" in page.locator("#silent-edits ~ h3").first.inner_text()
        page.locator("ul.edit-articles a").first.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "Budget approved"
        page.go_back()
        page.screenshot(path=str(ARTIFACTS / "silent-edits-source.png"), full_page=True)
        browser.close()
