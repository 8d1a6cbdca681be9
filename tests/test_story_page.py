"""The story page's layout logic: coverage grid, key quotes, merged speakers, cited sentences."""

from __future__ import annotations

from typing import Any

from newstrail.serve.web.stories import (
    cited_paragraphs,
    coverage_grid,
    merged_speakers,
    quotes_at_a_glance,
)


def article(id: int, outlet: str, seen: str, published: str | None = None, **extra: Any) -> dict:  # type: ignore[type-arg]
    return {
        "id": id,
        "outlet": outlet,
        "title": f"article {id}",
        "published": published,
        "first_seen_at": seen,
        **extra,
    }


def test_grid_puts_the_first_outlet_on_top_and_places_changes_in_time() -> None:
    articles = [
        article(1, "Late Times", "2024-05-01T12:00:00+00:00", "2024-05-01"),
        article(
            2,
            "Early Post",
            "2024-05-01T09:00:00+00:00",
            "2024-05-01",
            changes=[
                {
                    "number": 2,
                    "kind": "new",
                    "captured_at": "2024-05-01T10:30:00+00:00",
                    "title_changed": True,
                },
            ],
        ),
        # Imported years after publication: placed on its publication day, not the import day.
        article(3, "Archive Daily", "2026-12-07T03:00:00+00:00", "2024-05-01"),
    ]
    grid = coverage_grid(articles)
    assert [row["outlet"] for row in grid["rows"]] == ["Archive Daily", "Early Post", "Late Times"]
    assert [row["first"] for row in grid["rows"]] == [True, False, False]
    early = grid["rows"][1]
    (change,) = early["articles"][0]["changes"]
    assert early["articles"][0]["x"] < change["x"] < grid["rows"][2]["articles"][0]["x"]
    assert early["change_count"] == 1
    assert all(3 <= a["x"] <= 97 for row in grid["rows"] for a in row["articles"])
    assert grid["ticks"][0]["label"] == "2024-05-01 00:00" and len(grid["ticks"]) == 5
    # Dated by its publication day only: no made-up midnight; watched ones keep their hour.
    assert grid["rows"][0]["articles"][0]["when"] == "2024-05-01"
    assert early["articles"][0]["when"] == "2024-05-01 09:00"


def test_an_undated_article_far_from_the_story_is_listed_not_plotted() -> None:
    grid = coverage_grid(
        [
            article(1, "A", "2020-12-29T10:00:00+00:00", "2020-12-29"),
            article(2, "B", "2026-12-07T03:00:00+00:00"),  # imported six years later
            article(3, "C", "2020-12-29T15:00:00+00:00"),  # undated but seen that day
        ]
    )
    assert [item["id"] for item in grid["undated"]] == [2]
    assert {row["outlet"] for row in grid["rows"]} == {"A", "B", "C"}
    assert [row["first"] for row in grid["rows"] if row["outlet"] == "A"] == [True]


def test_no_first_badge_when_every_outlet_appeared_together() -> None:
    same = "2024-05-01T09:00:00+00:00"
    grid = coverage_grid([article(1, "A", same), article(2, "B", same)])
    assert [row["first"] for row in grid["rows"]] == [False, False]


def test_speakers_merge_into_the_one_fuller_name() -> None:
    merged = merged_speakers(
        ["Xi", "Xi Jinping", "President Xi Jinping", "Li", "Li Lifan", "Li Yonghui"]
    )
    assert merged["Xi"] == merged["Xi Jinping"] == "President Xi Jinping"
    assert merged["Li"] == "Li"  # two Lis: ambiguous, kept apart
    assert merged["Li Lifan"] == "Li Lifan"


def test_key_quotes_go_by_outlets_carrying_them_then_first_appearance() -> None:
    articles = [{"id": 1}, {"id": 2}, {"id": 3}]
    quotes = [
        {
            "text": "alphabet first",
            "speaker": "Aaron Able",
            "outlets": ["A"],
            "first_article_id": 1,
        },
        {
            "text": "widely carried, later",
            "speaker": "Xi",
            "outlets": ["A", "B"],
            "variants": [{"article_id": 3, "outlet": "C", "text": "widely carried"}],
            "first_article_id": 2,
        },
        {
            "text": "widely carried, earlier",
            "speaker": "Xi Jinping",
            "outlets": ["A", "B"],
            "variants": [{"article_id": 1, "outlet": "C", "text": "x"}],
            "first_article_id": 1,
        },
    ]
    shown = quotes_at_a_glance(quotes, articles)
    assert [q["text"] for q in shown["key"]] == ["widely carried, earlier", "widely carried, later"]
    speakers = [name for name, _ in shown["speakers"]]
    assert speakers == ["Xi Jinping", "Aaron Able"]  # Xi merged, and first by reach
    chips = shown["key"][0]["chips"]
    assert [c["outlet"] for c in chips] == ["C", "A", "B"] and chips[0]["article_id"] == 1


def test_the_cited_sentence_is_marked_word_for_word_or_by_shared_words() -> None:
    text = "First paragraph here.\nThe minister resigned on Friday. Parliament voted 210 to 190."
    exact = cited_paragraphs(text, "Parliament voted 210 to 190.")
    assert exact[1] == {
        "before": "The minister resigned on Friday. ",
        "mark": "Parliament voted 210 to 190.",
        "after": "",
    }
    reworded = cited_paragraphs(text, "On Friday the minister resigned, reports say.")
    assert reworded[1]["mark"] == "The minister resigned on Friday."
    unrelated = cited_paragraphs(text, "Floods closed the valley road.")
    assert all(p["mark"] == "" for p in unrelated)
    assert [p["before"] for p in cited_paragraphs(text, None)] == text.split("\n")


def test_a_day_known_only_by_its_date_shows_no_made_up_midnight() -> None:
    from datetime import UTC, datetime

    from newstrail.serve.web.rendering import short_time

    assert short_time("2024-05-01T00:00:00+00:00") == "2024-05-01"
    assert short_time(datetime(2024, 5, 1, tzinfo=UTC)) == "2024-05-01"
    assert short_time("2024-05-01T10:05:00+00:00") == "2024-05-01 10:05"
    assert short_time("2024-05-01T00:00:07.5+00:00") == "2024-05-01 00:00"  # a real capture
    assert short_time(None) == ""
