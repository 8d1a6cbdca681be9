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
        view.wait_for_url("**sort=-article_count")
        counts = [
            int(text)
            for text in view.locator("table.listing tbody td.num:nth-child(2)").all_inner_texts()
        ]
        assert counts == sorted(counts, reverse=True)
    no_sideways_scroll(view)
    shoot(view, "stories")
    view.locator("table.listing tbody td:first-child > a").first.click()
    view.wait_for_url("**/stories/*")


def xi_story(site: Site) -> dict[str, Any]:
    """The imported Xi–Putin story (four outlets)."""
    from test_browser import corpus_story

    return corpus_story(site)


def test_story_page_reads_at_a_glance(site: Site, view: Any) -> None:
    story = xi_story(site)
    view.goto(f"{site.base_url}/stories/{story['id']}")
    fold = view.viewport_size["height"]
    # The coverage grid is the first thing under the title, and on screen.
    grid = view.locator("#coverage")
    assert grid.bounding_box()["y"] < fold
    rows = view.locator("#coverage .grid-row:not(.axis) strong.outlet").all_inner_texts()
    assert set(rows) == {"Republic World", "WION", "South China Morning Post", "Newsweek"}
    # Key quotes: the one three outlets carry word for word comes first, by Xi Jinping.
    first_key = view.locator("#key-quotes blockquote").first
    assert "not affected by changes" in first_key.inner_text()
    assert "Xi Jinping" in first_key.locator("strong.speaker").inner_text()
    assert "carried by 3 outlets" in first_key.inner_text()
    speakers = view.locator("#quotes summary strong.speaker").all_inner_texts()
    assert speakers[0] == "Xi Jinping" and len(speakers) == len(set(speakers))
    # Sections a journalist looks for are on the page, in this order.
    order = [
        view.locator(f"#{name}").bounding_box()["y"]
        for name in ("coverage", "summary", "key-quotes", "discrepancies", "exclusive", "quotes")
    ]
    assert order == sorted(order)
    no_sideways_scroll(view)
    shoot(view, "story")


def test_a_citation_chip_opens_the_sentence_in_its_article(site: Site, view: Any) -> None:
    story = xi_story(site)
    view.goto(f"{site.base_url}/stories/{story['id']}")
    chip = view.locator("#summary a.chip.cite").first
    outlet = chip.inner_text()
    sentence = story["summary"][0]["text"]
    chip.click()
    view.wait_for_url("**/articles/*?cite=*#cited")
    marked = view.locator("mark#cited")
    assert marked.count() == 1 and marked.is_visible()
    assert outlet in view.locator("p.meta .outlet").inner_text()
    shared = set(sentence.lower().split()) & set(marked.inner_text().lower().split())
    assert len(shared) >= len(set(sentence.lower().split())) // 2
    # Scrolled to it: the marked sentence is within the viewport.
    box = marked.bounding_box()
    assert 0 <= box["y"] < view.viewport_size["height"]
    shoot(view, "cited-sentence")


def test_diff_page_side_by_side_on_desktop_inline_on_a_phone(site: Site, view: Any) -> None:
    article = site.archive.edited_article
    view.goto(f"{site.base_url}/articles/{article}/diff?from=1&to=3")
    changed = view.locator("div.diff .row.changed").first
    if view.width_name == "desktop":
        assert changed.locator(".old").is_visible() and changed.locator(".new").is_visible()
        assert not changed.locator(".inline").is_visible()
        assert "210" in changed.locator(".old del").first.inner_text()
    else:  # two 170 px columns were unreadable: one column, deletions then insertions
        assert changed.locator(".inline").is_visible()
        assert not changed.locator(".old").is_visible()
        inline = changed.locator(".inline")
        assert "210" in inline.locator("del").first.inner_text()
        assert "212" in inline.locator("ins").first.inner_text()
    titles = view.locator(".row.titles > div:visible")
    assert titles.locator("ins").count() >= 1  # the headline's new words are marked
    if view.width_name == "desktop":  # the two columns share the width (no empty third)
        old_box, new_box = (
            changed.locator(".old").bounding_box(),
            changed.locator(".new").bounding_box(),
        )
        assert abs(old_box["width"] - new_box["width"]) < 2
        assert new_box["x"] + new_box["width"] > view.viewport_size["width"] * 0.8
    no_sideways_scroll(view)
    shoot(view, "diff")
    image = view.request.get(site.base_url + view.locator("a.share").get_attribute("href"))
    assert image.status == 200 and image.headers["content-type"] == "image/png"
