"""Changes you can trust: a change is checked against both raw captures before it is
recorded; a source whose extraction degrades is flagged and its would-be versions
held back; teasers are never diffed against a full text."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from newstrail.demo.fixture_site import FixtureSite
from newstrail.demo.fixture_site.redesigns import LEDGER_ARTICLES
from newstrail.extract.article import extract_html
from newstrail.jobs.alerts.outbox import add_alert
from newstrail.jobs.importer import import_paths
from newstrail.jobs.sources import add_source
from newstrail.jobs.watch import Watcher
from newstrail.serve.archive import get_article
from newstrail.serve.atom import list_changes
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.versions.diff import VersionText
from newstrail.versions.health import flagged_sources
from newstrail.versions.rechecking import recheck_suspects
from newstrail.versions.recording import Capture, record_capture
from newstrail.versions.verification import Side, verify_change

SETTINGS = Settings(
    allow_private=True,
    per_host_delay=0.0,
    per_host_concurrency=8,
    connect_timeout=2,
    read_timeout=2,
    total_timeout=4,
    retries=1,
    workers=1,
)
PARAGRAPHS = [
    "The city council approved a budget of 4.2 million pounds on Monday night.",
    "Councillors voted 7 to 2 after a debate that lasted more than five hours.",
    "The mayor said the plan would protect libraries and bus routes across the district.",
    "Opposition members argued that the rise in parking charges would hurt small shops.",
    "A final vote on the parking charges is expected next month, officials said.",
]


def page(
    paragraphs: list[str],
    *,
    h1: str = "Council approves budget",
    og_title: str | None = None,
    inside: str = "",
    outside: str = "",
    free: bool | None = None,
) -> bytes:
    """An article page: story paragraphs in <article>, optional furniture inside and out."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    ld = ""
    if free is not None:
        data = {"@type": "NewsArticle", "headline": h1, "isAccessibleForFree": free}
        ld = f'<script type="application/ld+json">{json.dumps(data)}</script>'
    return (
        f"<html><head><title>{h1}</title>"
        f'<meta property="og:title" content="{og_title or h1}">{ld}</head><body>'
        f'<header class="site-banner"><p>The Courier</p></header>{outside}'
        f'<main><article><h1>{h1}</h1><p class="byline">By Jane Smith</p>'
        f'<div class="article-body">{body}{inside}</div></article></main>'
        f"<footer><p>Copyright The Courier.</p></footer></body></html>"
    ).encode()


def text(paragraphs: list[str], title: str = "Council approves budget") -> VersionText:
    return VersionText(title, "Jane Smith", None, "\n\n".join(paragraphs))


# -- the check against both raw captures -------------------------------------------


def test_a_headline_changed_only_in_og_title_is_not_an_edit() -> None:
    old = Side(text(PARAGRAPHS), page(PARAGRAPHS))
    # The extractor took og:title, which the redesign changed; the <h1> did not.
    new_raw = page(PARAGRAPHS, og_title="Council budget: live reaction")
    verdict = verify_change(old, Side(text(PARAGRAPHS, "Council budget: live reaction"), new_raw))
    assert not verdict.editorial
    assert "metadata headline" in verdict.reason()
    # A changed <h1> is an edit.
    shown = page(PARAGRAPHS, h1="Council approves budget after five-hour debate")
    changed = text(PARAGRAPHS, "Council approves budget after five-hour debate")
    assert verify_change(old, Side(changed, shown)).editorial


def test_a_byline_widget_is_not_a_new_author() -> None:
    old = Side(text(PARAGRAPHS), page(PARAGRAPHS))
    widget = page(PARAGRAPHS, outside='<div class="account"><span>Username</span></div>')
    new = VersionText("Council approves budget", "Username", None, "\n\n".join(PARAGRAPHS))
    verdict = verify_change(old, Side(new, widget))
    assert not verdict.editorial and "not a person" in verdict.reason()
    # A second reporter added to the byline is an edit.
    both = VersionText(
        "Council approves budget", "Jane Smith and Omar Reyes", None, "\n\n".join(PARAGRAPHS)
    )
    raw = page(PARAGRAPHS).replace(b"By Jane Smith", b"By Jane Smith and Omar Reyes")
    assert verify_change(old, Side(both, raw)).editorial


def test_a_lead_dropped_by_extraction_is_not_a_deletion() -> None:
    raw = page(PARAGRAPHS)
    # Same page bytes but the extractor dropped the lead in one capture.
    verdict = verify_change(Side(text(PARAGRAPHS), raw), Side(text(PARAGRAPHS[1:]), raw + b" "))
    assert not verdict.editorial
    assert "extraction missed it" in verdict.reason()
    # Removed from the page itself, it is a deletion.
    verdict = verify_change(
        Side(text(PARAGRAPHS), raw), Side(text(PARAGRAPHS[1:]), page(PARAGRAPHS[1:]))
    )
    assert verdict.editorial


@pytest.mark.parametrize(
    "box",
    [
        '<div class="newsletter-signup"><p>Get our morning briefing by email every day.</p></div>',
        "<figure><video></video>"
        "<figcaption>Watch: councillors debate the plan in full.</figcaption></figure>",
        "<aside><p>Read more: how the council spends your money each year.</p></aside>",
    ],
)
def test_furniture_inside_the_article_is_template(box: str) -> None:
    old = Side(text(PARAGRAPHS), page(PARAGRAPHS))
    sentence = box.split("<p>")[-1].split("<figcaption>")[-1].split("</")[0]
    flooded = text([*PARAGRAPHS, sentence])
    verdict = verify_change(old, Side(flooded, page(PARAGRAPHS, inside=box)))
    assert not verdict.editorial, verdict.to_json()
    # A real edit on top of the same redesign is caught.
    edited = [*PARAGRAPHS[:1], PARAGRAPHS[1].replace("7 to 2", "6 to 3"), *PARAGRAPHS[2:]]
    verdict = verify_change(old, Side(text([*edited, sentence]), page(edited, inside=box)))
    assert verdict.editorial


# -- recording -------------------------------------------------------------------------


def _capture(raw: bytes, *, at: datetime, url: str = "https://courier.example/a") -> Capture:
    return Capture(
        url=url,
        extracted=extract_html(raw, url),
        origin="fetch",
        captured_at=at,
        raw=raw,
        content_type="text/html",
        source_name="The Courier",
        source_domain="courier.example",
    )


def test_a_template_only_capture_is_stored_with_its_reason_and_not_published(
    store: Store,
) -> None:
    now = datetime(2025, 3, 1, tzinfo=UTC)
    first = record_capture(store, _capture(page(PARAGRAPHS), at=now))
    redesign = page(PARAGRAPHS, og_title="Council budget: live reaction")
    again = record_capture(store, _capture(redesign, at=now + timedelta(hours=1)))
    assert again.outcome == "template" and again.version_id is not None
    assert "metadata headline" in str((again.verification or {}).get("reason"))
    assert [c.version_id for c in list_changes(store, article_id=first.article_id)] == []


def test_reimporting_after_an_extractor_upgrade_records_nothing(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "capture"
    folder.mkdir()
    path = folder / "article.html"
    path.write_bytes(page(PARAGRAPHS))
    older = extract_html(path.read_bytes(), "https://courier.example/a")
    # What an older extractor made of the same bytes: the banner kept in the text.
    stale = replace(
        older,
        text="The Courier is the county's paper of record since 1901.\n\n" + older.text,
        extractor="newstrail/1+old",
    )
    record_capture(
        store,
        Capture(
            url="https://courier.example/a",
            extracted=stale,
            origin="import:html",
            captured_at=datetime(2025, 3, 1, tzinfo=UTC),
            raw=path.read_bytes(),
        ),
    )
    (folder / "manifest.json").write_text(
        json.dumps({"files": {"article.html": {"url": "https://courier.example/a"}}})
    )
    report = import_paths(store, [folder], SETTINGS)
    assert report.failures == []
    with store.read() as connection:
        kinds = connection.execute(sa.select(schema.versions.c.kind)).scalars().all()
    assert kinds == ["new"], kinds


def test_a_paywalled_teaser_is_never_diffed_against_the_full_text(store: Store) -> None:
    now = datetime(2025, 3, 1, tzinfo=UTC)
    full = record_capture(store, _capture(page(PARAGRAPHS, free=True), at=now))
    teaser = page(PARAGRAPHS[:2], free=False)
    held = record_capture(store, _capture(teaser, at=now + timedelta(hours=1)))
    assert held.outcome == "teaser"
    assert (held.verification or {}).get("access") == "restricted"
    # The full text again is no change, and the teaser seen again adds nothing.
    assert (
        record_capture(
            store, _capture(page(PARAGRAPHS, free=True) + b"\n", at=now + timedelta(hours=2))
        ).outcome
        == "unchanged"
    )
    article = get_article(store, full.article_id)
    assert article.text.count("\n\n") == len(PARAGRAPHS) - 1
    assert list_changes(store, article_id=full.article_id) == []


# -- the degrading source on the fixture site -------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite() as running:
        yield running


def _ledger_versions(store: Store) -> list[tuple[str, int, str]]:
    a, v = schema.articles, schema.versions
    with store.read() as connection:
        rows = connection.execute(
            sa.select(a.c.url, v.c.number, v.c.kind)
            .join(a, a.c.id == v.c.article_id)
            .where(a.c.url.contains("/ledger/"))
            .order_by(a.c.url, v.c.number)
        ).all()
    return [(row.url.rsplit("/", 1)[-1], row.number, row.kind) for row in rows]


def test_a_source_whose_template_breaks_is_flagged_and_publishes_no_false_version(
    site: FixtureSite, tmp_path: Path
) -> None:
    store = Store(tmp_path / "ledger.db")
    asyncio.run(add_source(store, SETTINGS, site.ledger_feed_url, "The Ledger", {}))
    add_alert(store, SETTINGS, "webhook", "http://127.0.0.1:9/hook")
    clock = Clock()
    watcher = Watcher(store, SETTINGS, clock=clock, analyse=False)

    def step() -> None:
        site.advance()
        clock.now += timedelta(days=3)
        asyncio.run(watcher.run_once())

    asyncio.run(watcher.run_once())  # step 0: three articles
    step()  # step 1: a real edit in council-budget
    assert [k for k in _ledger_versions(store) if k[0] == "council-budget"][-1][2] == "new"

    site.advance()  # step 2: the template collapses every body to its lead
    clock.now += timedelta(days=3)
    report = asyncio.run(watcher.run_once())
    assert [flag.name for flag in flagged_sources(store)] == ["The Ledger"], (
        report.line(),
        _ledger_versions(store),
    )
    assert "extraction degraded: The Ledger" in report.line()
    assert report.outcomes["suspect"] == 3 and report.new_versions == 0, report.line()

    step()  # step 3: a real edit hidden behind the broken template
    assert all(kind != "new" for _, number, kind in _ledger_versions(store) if number > 2)
    published = {c.version_id for c in list_changes(store, limit=100)}

    step()  # step 4: the template is fixed: the source recovers, the hidden edit is published
    assert flagged_sources(store) == []
    harbour = [kind for slug, _, kind in _ledger_versions(store) if slug == "harbour-plan"]
    assert harbour[-1] == "new", harbour

    step()  # step 5: a redesign with the same story text: nothing published
    before = {c.version_id for c in list_changes(store, limit=100)}
    step()  # step 6: a real edit on top of the redesign is caught
    after = [c for c in list_changes(store, limit=100) if c.version_id not in before]
    assert [c.url.rsplit("/", 1)[-1] for c in after] == ["school-report"]

    # Only the three real edits were ever published, and alerted.
    changes = list_changes(store, limit=100)
    assert sorted(c.url.rsplit("/", 1)[-1] for c in changes) == sorted(
        a.slug for a in LEDGER_ARTICLES
    )
    assert published <= {c.version_id for c in changes}
    v, d = schema.versions, schema.alert_deliveries
    with store.read() as connection:
        alerted = (
            connection.execute(sa.select(v.c.kind).join(d, d.c.version_id == v.c.id))
            .scalars()
            .all()
        )
        held = connection.execute(
            sa.select(sa.func.count()).where(v.c.kind == "suspect")
        ).scalar_one()
    assert held >= 3 and set(alerted) <= {"new"}


def test_suspect_captures_are_rechecked_after_an_extractor_upgrade(store: Store) -> None:
    now = datetime(2025, 3, 1, tzinfo=UTC)
    old = "newstrail/0+old"
    story = [*PARAGRAPHS, *(p.replace("council", "board") for p in PARAGRAPHS)]
    full = _capture(page(story), at=now)
    first = record_capture(store, replace(full, extracted=replace(full.extracted, extractor=old)))
    # The old extractor collapsed the next capture, whose page carries a real edit.
    edited = [story[0], story[1].replace("7 to 2", "6 to 3"), *story[2:]]
    capture = _capture(page(edited), at=now + timedelta(hours=1))
    collapsed = replace(capture, extracted=replace(capture.extracted, text=story[0], extractor=old))
    held = record_capture(store, collapsed)
    assert held.outcome == "suspect", held
    assert list_changes(store, article_id=first.article_id) == []

    done = recheck_suspects(store, None, other_extractor=True)
    assert [(d.version_id, d.outcome) for d in done] == [(held.version_id, "new")]
    assert [c.version_id for c in list_changes(store, article_id=first.article_id)] == [
        held.version_id
    ]
    assert recheck_suspects(store, None, other_extractor=True) == []


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_a_person_sees_the_access_state_and_why_a_capture_was_held(tmp_path: Path) -> None:
    import threading
    import time

    import uvicorn
    from playwright.sync_api import sync_playwright

    from newstrail.serve.web import create_app
    from test_browser import ARTIFACTS, CHROMIUM_ARGS, free_port

    store = Store(tmp_path / "held.db")
    now = datetime(2025, 3, 1, tzinfo=UTC)
    full = record_capture(store, _capture(page(PARAGRAPHS, free=True), at=now))
    record_capture(store, _capture(page(PARAGRAPHS[:2], free=False), at=now + timedelta(hours=1)))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(store, SETTINGS), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            view = browser.new_page(viewport={"width": 1100, "height": 800})
            view.goto(f"http://127.0.0.1:{port}/articles/{full.article_id}")
            assert "Access: restricted" in view.locator("p.access").inner_text()
            rows = view.locator("table.versions tbody tr")
            assert rows.count() == 2
            assert "teaser" in rows.nth(1).inner_text()
            assert "not diffed" in rows.nth(1).locator("small.note").inner_text()
            assert "held back" in rows.nth(1).inner_text() and rows.nth(1).locator("a").count() == 0
            # The current text is the full one, not the teaser.
            assert view.locator(".article-text p").count() == len(PARAGRAPHS)
            ARTIFACTS.mkdir(exist_ok=True)
            view.screenshot(path=str(ARTIFACTS / "held-teaser-article.png"), full_page=True)
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()
