"""Edit classification, trivial-change detection, significance and the compare JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newstrail.versions.diff import VersionText
from newstrail.versions.edits import (
    Comparison,
    compare_versions,
    describe,
    entities,
    is_correction_notice,
    is_trivial_change,
)
from newstrail.versions.furniture import same_headline

TITLE = "Storm floods coastal towns"
STORY = (
    "Heavy rain flooded three coastal towns on Sunday, forcing 200 people from their homes.\n"
    "The Environment Agency said river levels were the highest since 1998. "
    "Emergency shelters were opened in two school halls.\n"
    '"We have never seen water rise this fast," said Karen Hill, the mayor of Westport. '
    "She urged residents to stay indoors.\n"
    "Forecasters expect the rain to ease by Tuesday - although more storms are likely next week.\n"
    "Repairs to the sea wall are expected to cost £4 million."
)


def version(
    text: str = STORY, title: str | None = TITLE, byline: str | None = "By Lena Ortiz"
) -> VersionText:
    return VersionText(title=title, byline=byline, date="2024-01-07", text=text)


def compare(
    new_text: str, title: str | None = TITLE, byline: str | None = "By Lena Ortiz"
) -> Comparison:
    return compare_versions(version(), version(new_text, title, byline))


# ------------------------------------------------------------------ each edit type


def test_sentence_added() -> None:
    result = compare(STORY + " The council will meet on Monday to discuss the damage.")
    assert result.types() == {"sentence_added"}
    assert result.edits[0].new == "The council will meet on Monday to discuss the damage."
    assert result.changed and result.significance == "substantive"


def test_sentence_deleted() -> None:
    result = compare(STORY.replace(" She urged residents to stay indoors.", ""))
    assert result.types() == {"sentence_deleted"}
    assert result.edits[0].old == "She urged residents to stay indoors."


def test_reworded_sentence_is_a_minor_change() -> None:
    result = compare(STORY.replace("urged residents to stay", "asked residents to remain"))
    assert result.types() == {"sentence_edited"}
    assert result.changed and not result.trivial
    assert result.significance == "minor"
    assert result.stats["added_word_count"] == 2 and result.stats["removed_word_count"] == 2


def test_sentence_moved() -> None:
    moved = "Emergency shelters were opened in two school halls."
    new = STORY.replace(" " + moved, "") + "\n" + moved
    result = compare(new)
    assert result.types() == {"sentence_moved"}
    assert result.significance == "minor"


def test_paragraph_moved() -> None:
    paragraphs = STORY.split("\n")
    new = "\n".join([paragraphs[0], paragraphs[2], paragraphs[1], *paragraphs[3:]])
    result = compare(new)
    assert result.types() == {"paragraph_moved"}
    assert len(result.edits) == 1


def test_headline_changed_alone() -> None:
    result = compare(STORY, title="Storm floods three coastal towns")
    assert result.types() == {"headline_changed"}
    assert result.title_changed and result.changed
    assert result.significance == "substantive"


def test_headline_site_suffix_is_not_a_change() -> None:
    result = compare(STORY, title=f"{TITLE} - Westport Gazette")
    assert not result.changed and not result.title_changed


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        ("Storm floods towns", "Storm floods towns | Westport Gazette", True),
        ("Storm floods towns | Gazette", "Storm floods towns | The Westport Gazette", True),
        ("Storm floods towns - three dead", "Storm floods towns - four dead", False),
        ("Storm floods towns: three dead", "Storm floods towns: four dead", False),
    ],
)
def test_headline_comparison_allows_only_site_names(old: str, new: str, same: bool) -> None:
    assert same_headline(old, new) is same


def test_byline_changed_is_reported_separately() -> None:
    result = compare(STORY, byline="By Lena Ortiz and Tom Reed")
    assert result.types() == {"byline_changed"}
    assert result.byline_changed and not result.title_changed
    assert result.significance == "minor"


def test_byline_lost_by_a_new_template_is_not_a_change() -> None:
    result = compare(STORY, byline=None)
    assert not result.changed


def test_date_change_alone_is_not_a_visible_change() -> None:
    result = compare_versions(version(), VersionText(TITLE, "By Lena Ortiz", "2024-01-08", STORY))
    assert result.date_changed
    assert not result.changed and result.trivial


def test_number_changed() -> None:
    result = compare(STORY.replace("forcing 200 people", "forcing 350 people"))
    assert result.types() == {"sentence_edited", "number_changed"}
    [number] = [e for e in result.edits if e.type == "number_changed"]
    assert (number.old, number.new) == ("200", "350")
    assert result.significance == "substantive"


def test_money_changed() -> None:
    result = compare(STORY.replace("£4 million", "£6 million"))
    [number] = [e for e in result.edits if e.type == "number_changed"]
    assert (number.old, number.new) == ("£4 million", "£6 million")


def test_quote_altered() -> None:
    result = compare(STORY.replace("rise this fast", "rise so quickly"))
    assert result.types() == {"sentence_edited", "quote_altered"}
    [quote] = [e for e in result.edits if e.type == "quote_altered"]
    assert quote.old == "We have never seen water rise this fast,"
    assert quote.new == "We have never seen water rise so quickly,"


def test_quote_added_and_removed() -> None:
    added = compare(STORY + ' "It was terrifying," said one resident.')
    assert {"sentence_added", "quote_added"} <= added.types()
    removed = compare(
        STORY.replace('"We have never seen water rise this fast," said Karen Hill', "Karen Hill")
    )
    assert "quote_removed" in removed.types()


def test_named_entity_added_and_removed() -> None:
    result = compare(
        STORY.replace(
            "said Karen Hill, the mayor of Westport", "said Paul Grant, the mayor of Westport"
        )
    )
    assert {e.new for e in result.edits if e.type == "entity_added"} == {"Paul Grant"}
    assert {e.old for e in result.edits if e.type == "entity_removed"} == {"Karen Hill"}


def test_entity_heuristic_skips_sentence_starters_and_calendar_words() -> None:
    found = entities("The Environment Agency said on Sunday that Karen Hill of Westport was safe.")
    assert found == {"Environment Agency", "Karen Hill", "Westport"}


@pytest.mark.parametrize(
    "notice",
    [
        "Correction: An earlier version of this article misstated the number of people evacuated.",
        "This article has been updated to include comments from the Environment Agency.",
        "Clarification: Karen Hill is the mayor of Westport, not its council leader.",
        "An earlier version of this story gave the wrong date for the sea wall repairs.",
        "Editor's note: This story was updated with new figures.",
    ],
)
def test_correction_notice_added(notice: str) -> None:
    result = compare(STORY + "\n" + notice)
    assert "correction_added" in result.types()
    assert "sentence_added" not in result.types()
    assert result.significance == "substantive"


def test_ordinary_sentences_are_not_correction_notices() -> None:
    assert not is_correction_notice("The agency updated its flood warnings on Sunday.")
    assert not is_correction_notice("Updated 5 minutes ago")


# ------------------------------------------------------------------ trivial changes


TRIVIAL_VARIANTS = {
    "whitespace": STORY.replace(" ", "  ").replace("\n", "\n\n"),
    "quote style and dashes": STORY.replace('"We', "“We")
    .replace('fast,"', "fast,”")
    .replace(" - ", " — "),
    "updated line": "Updated 5 minutes ago\n" + STORY,
    "dateline": "Last updated: 14:32 GMT, 7 January 2024\n" + STORY,
    "counters": "4 min read\n" + STORY + "\n1,204 comments",
    "related links": STORY
    + "\nRelated\nHomes evacuated as river bursts its banks\nWhat to do if your house floods"
    + "\nRail services cancelled across the region",
    "labels and repeated headline": "Advertisement\n" + TITLE + "\n" + STORY + "\nSupported by",
}


@pytest.mark.parametrize("name", TRIVIAL_VARIANTS)
def test_template_only_changes_are_not_changed(name: str) -> None:
    result = compare(TRIVIAL_VARIANTS[name])
    assert not result.changed, result.edits
    assert result.trivial
    assert result.significance == "trivial"
    assert result.edits == ()
    assert is_trivial_change(version(), version(TRIVIAL_VARIANTS[name]))


def test_standalone_heading_line_is_template_but_short_sentence_is_not() -> None:
    heading = compare(STORY + "\nHow to protect your home from floods")
    assert not heading.changed
    sentence = compare(STORY + "\nWater levels are falling.")
    assert sentence.types() == {"sentence_added"}


def test_counter_values_changing_are_trivial() -> None:
    old = version("5 min read\n" + STORY + "\n1,204 comments")
    new = version("6 min read\n" + STORY + "\n1,388 comments")
    assert is_trivial_change(old, new)


def test_related_links_swapped_are_trivial() -> None:
    old = version(
        STORY + "\nMore on this story\nHomes evacuated as river bursts\nRoads closed in the north"
    )
    new = version(STORY + "\nMore on this story\nSchools shut after storm\nWhat insurers will pay")
    assert is_trivial_change(old, new)


def test_template_change_does_not_hide_a_real_edit() -> None:
    new = "Updated 2 minutes ago\n" + STORY.replace("200 people", "300 people") + "\nAdvertisement"
    result = compare(new)
    assert result.changed
    assert result.types() == {"sentence_edited", "number_changed"}
    assert not is_trivial_change(version(), version(new))


def test_identical_versions() -> None:
    result = compare(STORY)
    assert not result.changed and not result.trivial
    assert describe(result) == "no change"
    assert is_trivial_change(version(), version())


def test_seed_newssniffer_rewording_is_a_change() -> None:
    # Hand-copied from shared/data/seeds/004 (RT, NewsSniffer versions 1 and 2).
    old = (
        "Relations between Moscow and Beijing are as healthy as ever, Zhao Lijian, China’s "
        "Foreign Ministry spokesman, said on Friday, denying an assertion by US President Joe "
        "Biden that China is attempting to distance itself from Russia."
    )
    new = old.replace("an assertion by", "a statement by")
    result = compare_versions(
        VersionText("China responds to Biden’s claim about ties with Moscow", None, None, old),
        VersionText("China responds to Biden’s claim on ties with Moscow", None, None, new),
    )
    assert result.changed
    assert result.types() == {"headline_changed", "sentence_edited"}
    assert describe(result) == "headline changed; 1 sentence edited"


# ------------------------------------------------------------------ summary and JSON


def test_compare_json_shape() -> None:
    result = compare(
        STORY.replace("200 people", "300 people") + " A second sentence was added today."
    )
    data = json.loads(json.dumps(result.to_json()))
    assert set(data) >= {"changed", "trivial", "title_changed", "edits", "stats", "significance"}
    # The publication date is `published`, as in the article JSON.
    assert {"byline_changed", "published_changed"} <= set(data) and "date_changed" not in data
    assert data["changed"] is True and data["trivial"] is False and data["title_changed"] is False
    assert data["significance"] in ("trivial", "minor", "substantive")
    assert all(set(edit) == {"type", "old", "new"} for edit in data["edits"])
    stats = data["stats"]
    assert stats["sentence_added"] == 1 and stats["number_changed"] == 1
    assert 0 < stats["share_changed"] < 0.1
    assert stats["old_word_count"] == len(STORY.replace(" - ", " ").split())  # a dash is no word


def test_describe_counts_in_a_fixed_order() -> None:
    new = STORY + " The council will meet on Monday. Schools will reopen on Wednesday."
    result = compare(new, title="Storm floods three towns")
    assert describe(result) == "headline changed; 2 sentences added"


def test_heavy_rewording_is_substantive_by_share() -> None:
    rewording = {
        "Heavy rain flooded": "Torrential downpours swamped",
        "forcing": "driving",
        "were the highest": "had reached their peak",
        "were opened in": "have been set up inside",
        "urged residents to stay": "told people to remain",
        "expect the rain to ease": "predict the downpours will abate",
        "are likely": "could follow",
    }
    new = STORY
    for old_words, new_words in rewording.items():
        new = new.replace(old_words, new_words)
    result = compare(new)
    assert result.types() == {"sentence_edited"}
    assert result.stats["share_changed"] >= 0.1
    assert result.significance == "substantive"


def test_real_captures_template_vs_real_edit(shared_data: Path) -> None:
    extract = pytest.importorskip("newstrail.extract.article")
    base = shared_data / "revisions"

    def load(name: str) -> VersionText:
        page = extract.extract_html((base / name).read_bytes())
        return VersionText(page.title, page.author, page.date, page.text)

    nyt_2018 = load("nyt_french-comedian/v1_2018-06-12.html")
    nyt_2020 = load("nyt_french-comedian/v2_2020-09-02.html")
    assert not compare_versions(nyt_2018, nyt_2020).changed
    bbc = compare_versions(
        load("bbc_32275608/v0_2015-04-12.html"), load("bbc_32275608/v1_2020-11-01.html")
    )
    assert bbc.changed and bbc.title_changed and bbc.significance == "substantive"
