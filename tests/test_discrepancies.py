"""Figures outlets state differently, corrections between versions, and no false alarms."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from newstrail.coverage.discrepancies import (
    contradicts,
    figures_in,
    find_discrepancies,
    quote_wordings,
)
from newstrail.coverage.reuse import StoryArticle
from newstrail.jobs.pipeline import import_all
from newstrail.serve.web import create_app
from newstrail.settings import Settings
from newstrail.store.database import Store

WHEN = datetime(2024, 5, 7, tzinfo=UTC)


def _article(article_id: str, source: str, *sentences: str) -> StoryArticle:
    return StoryArticle(
        id=article_id,
        source=source,
        published=WHEN,
        title="Senate passes the budget",
        text="\n\n".join(sentences),
        url=f"https://{source.lower().replace(' ', '')}.test/{article_id}",
    )


LEAD = "The Senate passed the state budget on Thursday after a long night of debate."


def test_a_planted_vote_count_discrepancy_between_two_outlets_is_found() -> None:
    first = _article("1", "Herald", LEAD, "Senators voted 21-19 to approve the spending plan.")
    second = _article(
        "2", "Times", LEAD, "The measure passed by a 22-18 vote, with two Democrats joining in."
    )
    third = _article("3", "Post", LEAD, "The governor is expected to sign it next week.")
    (found,) = find_discrepancies([first, second, third])
    assert found.kind == "vote" and found.about == "vote tally"
    values = {v["text"]: (v["outlets"], v["article_ids"]) for v in found.values}
    assert values == {"21-19": (["Herald"], [1]), "22-18": (["Times"], [2])}
    assert all(v["sentences"] for v in found.values)  # the supporting sentences are linked


def test_money_and_casualties_that_differ_are_found_and_equal_ones_are_not() -> None:
    first = _article(
        "1",
        "Herald",
        LEAD,
        "The plan sets aside $4.2 million for flood repairs in the valley towns.",
        "At least 12 people were killed in the floods last spring, officials said.",
    )
    second = _article(
        "2",
        "Times",
        LEAD,
        "The plan sets aside $4.5 million for flood repairs in the valley towns.",
        "At least 12 people were killed in the floods last spring, officials said.",
    )
    (found,) = find_discrepancies([first, second])
    assert found.kind == "money"
    assert sorted(v["text"] for v in found.values) == ["$4.2 million", "$4.5 million"]


def test_unrelated_figures_raise_no_alarm() -> None:
    first = _article(
        "1",
        "Herald",
        LEAD,
        "The plan sets aside $4.2 million for flood repairs in the valley towns.",
        "Senators voted 21-19 to approve the spending plan.",
    )
    second = _article(
        "2",
        "Times",
        LEAD,
        "Teachers will get $300 million more for salaries under the new budget.",
        # Another vote of another body: a different total.
        "Earlier the House voted 60-40 to approve its own version of the plan.",
        # The same vote stated both ways in one outlet: no disagreement with it.
        "Herald readers were told the vote was 21-19.",
    )
    assert find_discrepancies([first, second]) == []


def test_a_corrected_figure_is_shown_as_corrected() -> None:
    before = _article("1", "Herald", LEAD, "Senators voted 21-19 to approve the spending plan.")
    after = _article(
        "1", "Herald", LEAD, "Senators voted 20-20, and the lieutenant governor broke the tie."
    )
    other = _article("2", "Times", LEAD, "The measure passed by a 21-19 vote in the Senate.")
    (found,) = find_discrepancies([after, other], earlier=[before])
    assert found.corrected == [
        {
            "article_id": 1,
            "outlet": "Herald",
            "from": "21-19",
            "to": "20-20",
            "earlier_sentence": "Senators voted 21-19 to approve the spending plan.",
        }
    ]
    assert {v["text"] for v in found.values} == {"20-20", "21-19"}


def test_a_summary_sentence_is_not_supported_by_a_sentence_with_another_figure() -> None:
    assert contradicts("The justices voted 7-2 in favour.", "The justices voted 6-3 in favour.")
    assert not contradicts("The justices voted 7-2 in favour.", "The court ruled 7-2 on Tuesday.")
    assert not contradicts("The justices ruled for the agency.", "The justices voted 6-3.")


def test_figures_are_read_with_their_scale_and_unit() -> None:
    (money,) = figures_in("The agency will receive $4.2 million in penalties this year.", "1", None)
    assert money.value == (4_200_000.0,) and money.unit == "USD"
    (count,) = figures_in("Officials said that 1,200 people were evacuated overnight.", "1", None)
    assert count.value == (1200.0,) and count.unit == "evacuated"
    assert figures_in("The 2019-2020 season ended early for the team.", "1", None) == []


def test_a_quote_worded_differently_is_a_discrepancy_and_a_cut_is_not() -> None:
    found = quote_wordings(
        "Ana Ruiz",
        [
            ("We will rebuild every bridge", "Herald", "1"),
            ("We will repair every bridge", "Times", "2"),
            ("We will rebuild every bridge", "Post", "3"),
        ],
    )
    assert found is not None and found.kind == "quote"
    assert [v["outlets"] for v in found.values] == [["Herald", "Post"], ["Times"]]
    cut = quote_wordings(
        "Ana Ruiz",
        [
            ("We will rebuild every bridge this year", "Herald", "1"),
            ("We will rebuild", "Times", "2"),
        ],
    )
    assert cut is None


def test_spelling_and_punctuation_of_a_quote_are_no_discrepancy() -> None:
    assert (
        quote_wordings(
            "Joe Biden",
            [
                (
                    "On any issue that matters to the US-China relationship – we are stronger",
                    "A",
                    "1",
                ),
                (
                    "On any issue that matters to the U.S.-China relationship—we are stronger.",
                    "B",
                    "2",
                ),
            ],
        )
        is None
    )
    assert (
        quote_wordings(
            "X", [("We want a fair deal", "A", "1"), ("We want the fair deal", "B", "2")]
        )
        is None
    )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _story_one(tmp_path: Path, *imports: list[Path]) -> tuple[dict[str, Any], str]:
    """Story 1's JSON and page after importing each list of files in turn."""
    store = Store(f"sqlite:///{tmp_path / 'news.db'}")
    for paths in imports:
        import_all(store, paths, Settings(workers=1))
    transport = httpx.ASGITransport(app=create_app(store, Settings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        data = (await client.get("/stories/1.json")).json()
        page = (await client.get("/stories/1")).text
    store.close()
    return data, page


@pytest.mark.anyio
async def test_the_story_page_shows_discrepancies_escaped(tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script>"
    lines = [
        {
            "url": "https://herald.test/a",
            "source": "Herald",
            "date": "2024-05-07",
            "title": "Senate passes the budget",
            "text": f"{LEAD}\n\nSenators voted 21-19 to approve the spending plan {hostile}.",
        },
        {
            "url": "https://times.test/a",
            "source": "Times",
            "date": "2024-05-07",
            "title": "Senate passes the budget",
            "text": f"{LEAD}\n\nThe measure passed by a 22-18 vote, with two Democrats joining in.",
        },
    ]
    path = tmp_path / "budget.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    data, page = await _story_one(tmp_path, [path])
    (vote,) = data["discrepancies"]
    assert {v["text"] for v in vote["values"]} == {"21-19", "22-18"}
    assert 'id="discrepancies"' in page and "22-18" in page
    assert hostile not in page and "&lt;script&gt;" in page


def test_a_tally_written_out_by_side_is_a_vote_and_disagreements_are_found() -> None:
    lead = "Parliament passed next year's budget on Friday after a long debate."
    first = _article("1", "Herald", lead, "412 members voted in favour and 230 against.")
    second = _article("2", "Times", lead, "414 members voted for the draft and 228 voted against.")
    (found,) = find_discrepancies([first, second])
    assert found.kind == "vote"
    assert {v["text"] for v in found.values} == {
        "412 members voted in favour and 230 against",
        "414 members voted for the draft and 228 voted against",
    }
    assert contradicts(
        "414 members voted for the draft and 228 voted against.",
        "412 members voted in favour and 230 against.",
    )
    # German, both orders of number and side.
    (german,) = figures_in(
        "Für den Entwurf stimmten 414 Abgeordnete, 228 stimmten dagegen.", "1", None
    )
    assert german.value == (414.0, 228.0)
    assert figures_in("412 Abgeordnete stimmten dafür, 230 dagegen.", "1", None)[0].value == (
        412,
        230,
    )
    # A year before "against" and one side alone are no tally.
    assert figures_in("He voted for the bill in 2019 against the advice of aides.", "1", None) == []
    assert figures_in("Only 12 members voted against the motion on Tuesday.", "1", None) == []


def test_money_named_after_the_amount_is_read() -> None:
    (euros,) = figures_in("The opposition criticised new borrowing of 51 billion euros.", "1", None)
    assert (euros.unit, euros.value) == ("EUR", (51e9,))
    (german,) = figures_in("Die Neuverschuldung liegt bei 51 Milliarden Euro im Jahr.", "1", None)
    assert (german.unit, german.value) == ("EUR", (51e9,))
    assert contradicts(
        "New borrowing stands at 51 billion euros.", "New borrowing next year is 48 billion euros."
    )


def test_the_bench_plants_a_changed_figure_of_the_same_kind() -> None:
    from bench.discrepancies import changed_figure

    (vote,) = figures_in("Senators voted 60-48 to approve the spending plan.", "1", None)
    assert changed_figure(vote) == "59-49"  # one vote moves: the same body
    (money,) = figures_in("The plan sets aside $4.2 million for flood repairs.", "1", None)
    assert changed_figure(money) == "$5.2 million"
    (count,) = figures_in("Officials said that 1,200 people were evacuated overnight.", "1", None)
    assert changed_figure(count).startswith("1,320 people")


@pytest.mark.anyio
async def test_a_disagreement_one_outlet_corrected_away_is_shown_as_corrected(
    tmp_path: Path,
) -> None:
    def line(source: str, sentence: str) -> dict[str, str]:
        return {
            "url": f"https://{source.lower()}.test/a",
            "source": source,
            "date": "2024-05-07",
            "title": "Parliament passes the budget",
            "text": f"{LEAD}\n\n{sentence}",
        }

    first = tmp_path / "first.jsonl"
    first.write_text(
        json.dumps(line("Herald", "412 members voted in favour and 230 against."))
        + "\n"
        + json.dumps(line("Times", "414 members voted for the draft and 228 voted against."))
        + "\n",
        encoding="utf-8",
    )
    corrected = tmp_path / "corrected.jsonl"
    corrected.write_text(
        json.dumps(line("Herald", "414 members voted in favour and 228 against.")) + "\n",
        encoding="utf-8",
    )
    data, page = await _story_one(tmp_path, [first], [corrected])
    (vote,) = data["discrepancies"]
    assert [c["from"] for c in vote["corrected"]] == ["412 members voted in favour and 230 against"]
    assert "corrected: the outlets now agree" in page
