"""What a person sees, in a real browser: Playwright driving Debian's chromium.

The app runs under uvicorn on 127.0.0.1 (a free port) over a store filled by
importing the bundled corpus and the hostile test articles. Screenshots go to
``test-artifacts/``. Needs ``apt-get install -y chromium``; skipped without it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from newstrail.serve.web import create_app
from newstrail.serve.web.security import ensure_token
from newstrail.serve.web.stories import get_story_json, list_story_summaries
from newstrail.settings import Settings
from newstrail.store.database import Store
from test_web_support import XSS_TITLE, Archive, seed_archive

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Site:
    """The running app: its base URL, store, token and the seeded ids."""

    def __init__(self, base_url: str, store: Store, token: str, archive: Archive) -> None:
        self.base_url = base_url
        self.store = store
        self.token = token
        self.archive = archive


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from newstrail.jobs.pipeline import bundled_corpus, import_and_place

    store = Store(tmp_path_factory.mktemp("browser") / "store.db")
    import_and_place(store, [bundled_corpus()], Settings())
    archive = seed_archive(store)
    token = ensure_token(store)
    assert token is not None
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
    assert server.started, "uvicorn did not start"
    yield Site(f"http://127.0.0.1:{port}", store, token, archive)
    server.should_exit = True
    thread.join(timeout=10)
    store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    opened.dialogs = dialogs
    yield opened
    context.close()
    assert dialogs == [], f"a script ran: {dialogs}"


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def corpus_story(site: Site) -> dict[str, Any]:
    """The imported story with the most outlets (the Xi–Putin call)."""
    summaries = [s for s in list_story_summaries(site.store) if s["id"] != site.archive.story_id]
    assert summaries, "importing the corpus built no stories"
    best = max(summaries, key=lambda s: (s["outlet_count"], -s["id"]))
    return get_story_json(site.store, best["id"])


def test_story_page_shows_outlets_quotes_and_summary(site: Site, page: Any) -> None:
    story = corpus_story(site)
    page.goto(f"{site.base_url}/stories/{story['id']}")
    assert page.locator("h1").inner_text() == (story["title"] or "Untitled story")
    outlets = {a["outlet"] for a in story["articles"] if a["outlet"]}
    assert len(outlets) >= 2
    shown = set(page.locator("#outlets strong.outlet").all_inner_texts())
    assert shown == outlets
    assert set(page.locator("#coverage .who strong.outlet").all_inner_texts()) == outlets
    plotted = page.locator("#coverage svg.track circle").count()
    unknown = page.locator("#coverage > p.meta a").count()
    assert plotted + unknown == len(story["articles"]) and plotted >= 1
    if story["quotes"]:
        first = story["quotes"][0]["text"]
        assert first[:40] in page.locator("#quotes").inner_text().replace("\n", " ")
    else:
        assert "No quotes" in page.locator("#quotes").inner_text()
    if story["summary"]:
        assert page.locator("#summary ol.summary li").count() == len(story["summary"])
    shoot(page, "story")


def test_article_diff_marks_the_edit(site: Site, page: Any) -> None:
    article = site.archive.edited_article
    page.goto(f"{site.base_url}/articles/{article}")
    page.get_by_role("link", name="headline changed", exact=False).first.click()
    page.wait_for_url("**/diff?from=2&to=3")
    assert "210" in page.locator(".row.changed .old del").all_inner_texts()[0]
    assert any("212" in text for text in page.locator(".row.changed .new ins").all_inner_texts())
    page.select_option("select[name=from]", "1")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/diff?from=1&to=3&mode=side")
    shoot(page, "diff")


def test_corpus_article_with_versions_has_a_diff(site: Site, page: Any) -> None:
    from newstrail.serve.archive import list_articles

    versioned = [
        a for a in list_articles(site.store) if a.version_count >= 2 and a.url.startswith("http")
    ]
    corpus = [a for a in versioned if a.id != site.archive.edited_article]
    if not corpus:
        pytest.skip("no corpus article was stored with two versions (the RT NewsSniffer page)")
    page.goto(f"{site.base_url}/articles/{corpus[0].id}/diff")
    assert page.locator("div.diff .row.changed").count() >= 1
    shoot(page, "corpus-diff")


def test_search_from_the_header(site: Site, page: Any) -> None:
    page.goto(site.base_url + "/")
    page.fill("header input[name=q]", "Putin")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url("**/search?q=Putin")
    results = page.locator("ol.results li")
    assert results.count() >= 2
    assert page.locator("ol.results mark").first.inner_text().lower() == "putin"
    shoot(page, "search")


@pytest.mark.parametrize(("width", "label"), [(1280, "desktop"), (390, "phone")])
def test_search_shows_counts_facets_and_superseded_text(
    site: Site, browser: Any, width: int, label: str
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{site.base_url}/search?q=minister OR 190")
    count = page.locator("p.hit-count").inner_text()
    assert " hits for " in count
    assert page.locator(".facet h2").all_inner_texts()[:1] == ["OUTLET"]
    page.locator(".facet a", has_text="Wire Daily").first.click()
    page.wait_for_url("**outlet=Wire%20Daily**")
    metas = page.locator("ol.results .meta").all_inner_texts()
    assert metas and all(meta.startswith("Wire Daily") for meta in metas)
    page.goto(f"{site.base_url}/search?q=190")
    badge = page.locator("ol.results li.superseded .badge")
    assert (
        badge.count() == 1 and "earlier version" in badge.inner_text().lower()
    )  # CSS may set the case
    assert page.locator("ol.results li.superseded mark").first.inner_text() == "190"
    # Nothing wider than the screen on a phone.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the {label} viewport"
    page.goto(f"{site.base_url}/search?q=minister OR 190")
    page.screenshot(path=str(ARTIFACTS / f"search-{label}.png"), full_page=True)
    context.close()


def test_hostile_article_runs_nothing(site: Site, page: Any) -> None:
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))
    page.goto(f"{site.base_url}/articles/{site.archive.xss_article}")
    assert page.locator("h1").inner_text() == XSS_TITLE  # shown as text
    assert page.locator("main script, main img, main [onmouseover]").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    page.goto(f"{site.base_url}/stories/{site.archive.story_id}")
    page.hover("svg.track circle >> nth=0")
    page.goto(f"{site.base_url}/search?q=markup")
    assert page.locator("ol.results li").count() == 1
    shoot(page, "hostile")
    assert [v for v in violations if "Content Security Policy" in v] == []


def test_log_in_and_follow_through_the_forms(site: Site, page: Any) -> None:
    page.goto(site.base_url + "/login")
    page.fill("input[name=token]", site.token)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/follows")
    page.select_option("select[name=kind]", "outlet")
    page.fill("input[name=value]", "Wire Daily")
    page.get_by_role("button", name="Follow").click()
    page.wait_for_url("**/follows")
    assert "Wire Daily" in page.locator("ul.follows").inner_text()
    assert page.locator("ul.changes li").count() >= 1
    shoot(page, "follows")
