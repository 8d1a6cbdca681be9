"""The half-split bench: publishers sharing a domain stay together, the split never moves."""

from __future__ import annotations

from bench.extraction_halves import half_of, part_of, units


def test_publishers_sharing_a_registered_domain_are_one_unit() -> None:
    truth = {
        "a": {"publisher": "NewsEN", "url": "https://www.news.example.com/en/1"},
        "b": {"publisher": "NewsFR", "url": "https://fr.news.example.com/2"},
        "c": {"publisher": "NewsFR", "url": "https://other.example.org/3"},
        "d": {"publisher": "Daily", "url": "https://daily.example.net/4"},
    }
    unit = units("fundus-meta", truth)
    # NewsFR reaches other.example.org too: all three pages are one unit, named by NewsEN.
    assert unit == {"a": "NewsEN", "b": "NewsEN", "c": "NewsEN", "d": "Daily"}
    assert units("htmldate-bbaw", {"x": {"url": "https://www.blog.example.de/p"}}) == {
        "x": "example.de"
    }


def test_half_of_is_pinned_so_the_held_out_half_never_moves() -> None:
    # SHA-256 of "half:" + unit, even -> A: a change here would leak read pages into B.
    halves = {name: half_of(name) for name in ("NewsEN", "Daily", "example.de", "x", "y", "z")}
    assert halves == {"NewsEN": "B", "Daily": "B", "example.de": "A", "x": "A", "y": "B", "z": "B"}


def test_round_two_splits_only_half_b_and_is_pinned() -> None:
    # Half A stays A; half B splits by SHA-256 of "round2:" + unit, B2 again by
    # "round3:" + unit: the held-out B2b must never move.
    names = ("NewsEN", "example.de", "x", "y", "j", "m")
    parts = {name: part_of(name) for name in names}
    assert all((parts[n] == "A") == (half_of(n) == "A") for n in names)
    assert parts == {"NewsEN": "B1", "example.de": "A", "x": "A", "y": "B1", "j": "B2a", "m": "B2b"}


def test_a_title_miss_that_is_the_displayed_headline_is_told_apart() -> None:
    from bench.extraction_halves import MISS_KINDS, miss_kind

    html = (
        "<html><head><meta property='og:title' content='Short headline'>"
        '<script type=\'application/ld+json\'>{"@type": "NewsArticle", '
        '"headline": "Kicker: Short headline"}</script></head>'
        "<body><h1>Kicker: Short headline</h1><p>Text.</p></body></html>"
    )
    entry = {"url": "https://news.example.com/a", "publisher_name": "Example News"}
    ours = "Kicker: Short headline"
    assert miss_kind("title", "Short headline", ours, html, entry) == MISS_KINDS[1]
    assert miss_kind("title", "Kicker - Short headline", ours, html, entry) == MISS_KINDS[0]
    assert miss_kind("title", "Another headline", ours, html, entry) == MISS_KINDS[3]
    assert miss_kind("author", "Example News", "Jane Doe", html, entry) == MISS_KINDS[2]
    assert miss_kind("author", "example.com", "Jane Doe", html, entry) == MISS_KINDS[2]
    assert miss_kind("author", "John Roe", "Jane Doe", html, entry) == MISS_KINDS[3]
