"""The browse lists, the story page and the diff page as a person sees them, in Chromium.

Each page is opened at desktop (1280 px) and phone (390 px) widths and
screenshotted to ``test-artifacts/`` (full page), so a reviewer can look.
The site is ``test_browser``'s: the bundled corpus plus the hostile archive.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from test_browser import ARTIFACTS, CHROMIUM, Site, browser, site

__all__ = ["browser", "site"]  # module-scoped fixtures shared with test_browser

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium"
)

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(params=sorted(WIDTHS))
def view(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """A page at one width; ``view.width_name`` says which."""
    context = browser.new_context(viewport={"width": WIDTHS[request.param], "height": 900})
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    opened.width_name = request.param
    yield opened
    context.close()
    assert dialogs == [], f"a script ran: {dialogs}"


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{page.width_name}.png"), full_page=True)


def no_sideways_scroll(page: Any) -> None:
    """The page fits the viewport's width: nothing to scroll sideways on a phone."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{overflow}px wider than the screen"


def test_articles_list_filters_by_chip_and_form(site: Site, view: Any) -> None:
    view.goto(site.base_url + "/")
    view.get_by_role("link", name="Articles", exact=True).click()
    view.wait_for_url("**/articles")
    total = view.locator("table.listing tbody tr").count()
    assert total >= 5
    view.select_option("select[name=outlet]", "Wire Daily")
    view.select_option("select[name=changed]", "yes")
    view.get_by_role("button", name="Filter").click()
    view.wait_for_url("**/articles?*outlet=Wire+Daily*")
    rows = view.locator("table.listing tbody tr")
    assert rows.count() == 1 and "Minister resigns" in rows.first.inner_text()
    assert view.locator("a.chip").count() == 2
    no_sideways_scroll(view)
    shoot(view, "articles")
    view.locator("a.chip", has_text="outlet").click()
    assert view.locator("a.chip").count() == 1
    assert view.locator("table.listing tbody tr").count() >= 2


def test_stories_list_sorts_and_links(site: Site, view: Any) -> None:
    view.goto(site.base_url + "/stories")
    titles = view.locator("table.listing tbody td:first-child > a").all_inner_texts()
    assert len(titles) >= 2
    if view.width_name == "desktop":
        view.get_by_role("link", name="Articles", exact=True).nth(1).click()  # the column header
        view.wait_for_url("**sort=-articles")
        counts = [
            int(text)
            for text in view.locator("table.listing tbody td.num:nth-child(2)").all_inner_texts()
        ]
        assert counts == sorted(counts, reverse=True)
    no_sideways_scroll(view)
    shoot(view, "stories")
    view.locator("table.listing tbody td:first-child > a").first.click()
    view.wait_for_url("**/stories/*")
