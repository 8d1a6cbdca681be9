"""The body-miss bench sorts a missed line by the page element that holds it."""

from __future__ import annotations

from bench.extraction_misses import page_kinds

PAGE = (
    "<html><body><article><h2>What happened</h2>"
    "<p>The harbour wall was rebuilt after the storms of the winter.</p>"
    "<figure><img src='a.jpg'>"
    "<figcaption>The wall in March, photo by Jane Doe</figcaption></figure>"
    "<p><a href='/more'>Learn more about the harbour</a></p></article>"
    "<div id='comments'><p>Great news for the town, finally someone acted</p></div>"
    "</body></html>"
)
GOLD = "\n".join(
    [
        "What happened",
        "The harbour wall was rebuilt after the storms of the winter.",
        "The wall in March, photo by Jane Doe",
        "Learn more about the harbour",
        "Great news for the town, finally someone acted",
        "A line the page does not hold as one element",
    ]
)


def test_each_missed_line_is_sorted_by_the_element_that_holds_it() -> None:
    missed, extra = page_kinds(
        PAGE, GOLD, "The harbour wall was rebuilt after the storms of the winter."
    )
    assert missed == {
        "headings": 2,
        "captions": 8,
        "links and buttons": 5,
        "comments": 8,
        "other": 10,
    }
    assert not extra


def test_extra_lines_are_sorted_the_same_way() -> None:
    output = (
        "The harbour wall was rebuilt after the storms of the winter.\nLearn more about the harbour"
    )
    missed, extra = page_kinds(
        PAGE, "The harbour wall was rebuilt after the storms of the winter.", output
    )
    assert extra == {"links and buttons": 5}
    assert not missed
