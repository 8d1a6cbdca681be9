"""The diff engine: splitting, normalisation, alignment, moves, bounded work, rendering."""

from __future__ import annotations

import random

import pytest
from rich.console import Console

from newstrail.serve.terminal import render_side_by_side
from newstrail.text.sentences import (
    count_words,
    sentence_spans,
    split_paragraphs,
    split_sentences,
    split_tokens,
)
from newstrail.versions.diff import ArticleDiff, VersionText, diff_versions
from newstrail.versions.normalise import is_timestamp_line, normalise_for_comparison

STORY = (
    "The council approved the new bridge on Tuesday after a long debate. "
    "Mr. Jones, the council leader, said the vote was close.\n"
    "Work will start in the spring and is expected to take two years. "
    "The bridge will cost £12 million, paid for by a government grant.\n"
    "Residents had campaigned for a crossing since the old ferry closed in 2019. "
    '"We have waited a long time for this," said Ann Price, who runs the village shop.\n'
    "Opponents said the money should go to the town's roads instead."
)


def version(text: str, title: str | None = "Council approves bridge") -> VersionText:
    return VersionText(title=title, byline="By Sam Lee", date="2024-03-05", text=text)


def kinds(diff: ArticleDiff) -> list[str]:
    return [op.kind for op in diff.sentences]


def random_sentences(rng: random.Random, count: int) -> list[str]:
    """Sentences of random dictionary-like words, unrelated to each other."""
    syllables = ["ka", "lo", "mi", "ren", "tu", "sa", "vor", "pel", "din", "gra", "os", "bel"]
    sentences = []
    for _ in range(count):
        words = [
            "".join(rng.choice(syllables) for _ in range(rng.randint(1, 3)))
            for _ in range(rng.randint(12, 24))
        ]
        sentences.append(" ".join(words).capitalize() + ".")
    return sentences


def as_text(sentences: list[str], per_paragraph: int = 3) -> str:
    return "\n".join(
        " ".join(sentences[i : i + per_paragraph]) for i in range(0, len(sentences), per_paragraph)
    )


# ------------------------------------------------------------------ splitting


def test_sentences_keep_abbreviations_and_initials_together() -> None:
    text = "Mr. Smith met the U.S. envoy on Jan. 5 in Washington. J. K. Rowling was there. Was it?"
    assert split_sentences(text) == [
        "Mr. Smith met the U.S. envoy on Jan. 5 in Washington.",
        "J. K. Rowling was there.",
        "Was it?",
    ]


def test_sentences_split_after_quotes_and_table_cells() -> None:
    text = '"We will win," she said. "Nobody doubts it." | Related story | Another story'
    assert split_sentences(text) == [
        '"We will win," she said.',
        '"Nobody doubts it."',
        "Related story",
        "Another story",
    ]


def test_paragraphs_and_tokens_are_lossless() -> None:
    assert split_paragraphs(" One.\n\n  Two. \nThree") == ["One.", "Two.", "Three"]
    sentence = "It cost $1,250.50 (about 3%) on 12 April."
    assert "".join(split_tokens(sentence)) == sentence
    assert count_words(sentence) == 8  # figures like 1,250.50 and 3% are one word each


def test_sentence_spans_point_into_the_text() -> None:
    text = "  Mr.   Smith left. He came back!\nNew paragraph here | A link"
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "Mr.   Smith left.",
        "He came back!",
        "New paragraph here",
        "A link",
    ]


# ------------------------------------------------------------------ normalisation


def test_normalisation_folds_quotes_dashes_whitespace_and_drops_timestamps() -> None:
    old = "Updated 5 minutes ago\n“Yes,” he said — twice.  Really.\n1,234 comments"
    new = 'Last updated: 14:32 GMT, 3 May 2021\n"Yes," he said - twice. Really.\n1,240 comments'
    assert (
        normalise_for_comparison(old)
        == normalise_for_comparison(new)
        == ('"Yes," he said - twice. Really.')
    )


@pytest.mark.parametrize(
    "line",
    [
        "Updated 5 minutes ago",
        "Last Updated: Saturday, 21 October 2006, 14:41 GMT",
        "- Published",
        "12 April 2015",
        "April 12, 2015 at 3:45 p.m. ET",
    ],
)
def test_timestamp_lines(line: str) -> None:
    assert is_timestamp_line(line)


@pytest.mark.parametrize(
    "line", ["Updated: police now say five people died", "The vote was on Friday.", "May I ask?"]
)
def test_sentences_are_not_timestamp_lines(line: str) -> None:
    assert not is_timestamp_line(line)


# ------------------------------------------------------------------ alignment


def test_identical_versions_align_as_equal() -> None:
    diff = diff_versions(version(STORY), version(STORY))
    assert set(kinds(diff)) == {"equal"}
    assert diff.fields == ()
    assert diff.changed_sentences() == []


def test_reflowed_paragraphs_are_not_changes() -> None:
    reflowed = STORY.replace(" Mr. Jones", "\nMr. Jones").replace("\nWork will", " Work will")
    diff = diff_versions(version(STORY), version(reflowed))
    assert set(kinds(diff)) == {"equal"}


def test_edited_sentence_gets_word_level_diff() -> None:
    new = STORY.replace("said the vote was close", "said the vote was very close")
    diff = diff_versions(version(STORY), version(new))
    [edited] = diff.changed_sentences()
    assert edited.kind == "edited"
    assert edited.old_position == edited.new_position == (0, 1)
    inserted = "".join(w.text for w in edited.words if w.tag == "insert")
    assert inserted.strip() == "very"
    assert not [w for w in edited.words if w.tag == "delete"]


def test_moved_sentence_is_a_move_not_delete_and_add() -> None:
    moved = "Opponents said the money should go to the town's roads instead."
    new = moved + "\n" + STORY.replace("\n" + moved, "")
    diff = diff_versions(version(STORY), version(new))
    [op] = diff.changed_sentences()
    assert op.kind == "moved"
    assert op.old_position == (3, 0) and op.new_position == (0, 0)
    assert op.old == op.new == moved


def test_moved_and_lightly_edited_sentence_is_still_a_move() -> None:
    sentence = "Work will start in the spring and is expected to take two years."
    new = STORY.replace(sentence + " ", "") + "\n" + sentence.replace("two", "three")
    diff = diff_versions(version(STORY), version(new))
    moves = [op for op in diff.changed_sentences() if op.kind == "moved"]
    assert len(moves) == 1
    assert {w.text.strip() for w in moves[0].words if w.tag != "equal"} == {"two", "three"}


def test_moved_paragraph_is_reported_as_paragraph_move() -> None:
    paragraphs = STORY.split("\n")
    new = "\n".join([paragraphs[2], paragraphs[0], paragraphs[1], paragraphs[3]])
    diff = diff_versions(version(STORY), version(new))
    assert diff.paragraph_moves == ((2, 0),)
    assert {op.kind for op in diff.changed_sentences()} == {"moved"}
    assert all(op.in_moved_paragraph for op in diff.changed_sentences())


def test_title_byline_and_date_changes_are_reported_separately() -> None:
    old = version(STORY)
    new = VersionText("Council backs bridge", "By Sam Lee and Jo Ray", "2024-03-06", STORY)
    diff = diff_versions(old, new)
    assert [(f.name, f.old, f.new) for f in diff.fields] == [
        ("title", "Council approves bridge", "Council backs bridge"),
        ("byline", "By Sam Lee", "By Sam Lee and Jo Ray"),
        ("date", "2024-03-05", "2024-03-06"),
    ]
    assert diff.changed_sentences() == []


def test_field_case_and_quote_style_are_not_changes() -> None:
    old = VersionText("Council’s bridge", "REUTERS", None, STORY)
    new = VersionText("Council's bridge", "Reuters", None, STORY)
    assert diff_versions(old, new).fields == ()


# ------------------------------------------------------------------ bounded work


def test_fully_rewritten_long_article_is_bounded_and_structured() -> None:
    rng = random.Random(7)
    old_sentences, new_sentences = random_sentences(rng, 280), random_sentences(rng, 280)
    old, new = version(as_text(old_sentences)), version(as_text(new_sentences))
    assert count_words(old.text) > 4500
    diff = diff_versions(old, new)
    counts = {kind: kinds(diff).count(kind) for kind in ("added", "deleted", "edited", "equal")}
    assert counts["equal"] == 0
    # Every sentence is accounted for exactly once on each side.
    assert counts["deleted"] + counts["edited"] == len(old_sentences)
    assert counts["added"] + counts["edited"] == len(new_sentences)
    # Work is linear: a few units per sentence, nowhere near sentences².
    assert diff.work < 40 * (len(old_sentences) + len(new_sentences))
    assert diff.work < len(old_sentences) * len(new_sentences) / 4


def test_work_grows_linearly_with_length() -> None:
    rng = random.Random(11)

    def work_for(count: int) -> int:
        old = as_text(random_sentences(rng, count))
        new = as_text(random_sentences(rng, count))
        return diff_versions(version(old), version(new)).work

    small, large = work_for(150), work_for(600)
    # 4x the input: quadratic work would grow 16x. The bit-parallel alignment
    # is O(n·m/64) and pairing O(n·window), so growth stays near linear.
    assert large < 8 * small


def test_many_repeated_sentences_align_exactly() -> None:
    sentence = "The council said the road would stay closed for repairs until further notice."
    old = version("\n".join([sentence] * 400))
    new = version(
        "\n".join([sentence] * 200 + ["A new sentence was added here today."] + [sentence] * 199)
    )
    diff = diff_versions(old, new)
    assert kinds(diff).count("added") == 1
    assert kinds(diff).count("deleted") == 1
    assert kinds(diff).count("equal") == 399
    assert diff.work < 20 * 800


# ------------------------------------------------------------------ rendering


def test_side_by_side_colours_changed_words() -> None:
    new = STORY.replace("on Tuesday", "on Wednesday")
    table = render_side_by_side(
        diff_versions(version(STORY), version(new, "Council backs bridge")), 120
    )
    console = Console(width=120, force_terminal=True, color_system="truecolor", record=True)
    segments = list(console.render(table))
    text = "".join(segment.text for segment in segments)
    assert "Version a" in text and "Version b" in text
    assert "title: Council approves bridge" in text and "title: Council backs bridge" in text
    struck = {s.text.strip() for s in segments if s.style is not None and s.style.strike}
    green = {
        s.text.strip()
        for s in segments
        if s.style is not None and s.style.color is not None and s.style.color.name == "green"
    }
    assert "Tuesday" in struck
    assert "Wednesday" in green
