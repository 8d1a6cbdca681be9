"""Reused passages: the seed story, outlet boilerplate, direction, reworded plants."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newstrail.coverage.reuse import (
    Passage,
    PassageIndex,
    StoryArticle,
    find_passages,
    wire_service,
)

FOOTER = (
    "Sign up for the Daily Example newsletter to get the day's top headlines from our "
    "newsroom delivered to your inbox every morning, free of charge."
)
SHARED_FACT = (
    "The regional council approved the new harbour bridge on Tuesday after a vote of "
    "eleven to four, ending a decade of disputes over its cost and its route."
)


@pytest.fixture(scope="module")
def seed_story(seed_articles: list[StoryArticle]) -> list[StoryArticle]:
    return seed_articles


@pytest.fixture(scope="module")
def story_texts(shared_data: Path) -> list[str]:
    """Twenty unrelated real article texts (one per BASIL story) to host passages."""
    texts: dict[str, str] = {}
    with (shared_data / "stories" / "basil.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if len(record["text"]) > 1500:
                texts.setdefault(record["story_id"], record["text"])
    return list(texts.values())[:20]


def article(
    article_id: str, text: str, source: str | None = None, published: datetime | None = None
) -> StoryArticle:
    return StoryArticle(article_id, source, published, None, text)


def between(passages: list[Passage], one: str, other: str) -> list[Passage]:
    return [p for p in passages if {p.source_article, p.target_article} == {one, other}]


def side_text(passage: Passage, story: list[StoryArticle], article_id: str) -> str:
    """The passage as ``article_id`` prints it."""
    text = next(a.text for a in story if a.id == article_id)
    start, end = (
        passage.source_span if passage.source_article == article_id else passage.target_span
    )
    return text[start:end]


def test_republic_world_shares_passages_with_scmp(seed_story: list[StoryArticle]) -> None:
    shared = between(find_passages(seed_story), "000", "002")
    scmp_sides = [side_text(p, seed_story, "002") for p in shared]
    republic_sides = [side_text(p, seed_story, "000") for p in shared]
    for phrase in (
        "has strong independent value",
        "Sino-Russian relations are not affected by changes in the international situation",
        "ahead of the inauguration of Joe Biden on January 20",
    ):
        assert any(phrase in side for side in scmp_sides), phrase
    # Republic World reworded the inauguration sentence; the passage still spans it.
    assert any("ahead of Joe Biden’s inauguration on January 20" in s for s in republic_sides)
    for passage in shared:
        assert passage.similarity >= 0.5
        assert passage.direction_reason == "undetermined"  # no dates, no wire credit


def test_spans_and_text_agree(seed_story: list[StoryArticle]) -> None:
    by_id = {a.id: a.text for a in seed_story}
    for passage in find_passages(seed_story):
        start, end = passage.target_span
        assert by_id[passage.target_article][start:end] == passage.text
        assert end - start >= 50 and passage.source_span[1] - passage.source_span[0] >= 50


def test_separate_story_shares_no_long_passage(seed_story: list[StoryArticle]) -> None:
    other_story = [
        p for p in find_passages(seed_story) if "004" in (p.source_article, p.target_article)
    ]
    assert all(len(p.text) < 120 for p in other_story)


def test_outlet_boilerplate_is_not_reuse(story_texts: list[str]) -> None:
    own = [
        article(f"daily-{n}", f"{story_texts[n][:800]}\n\n{FOOTER}", "Daily Example")
        for n in range(4)
    ]
    own[0] = article(
        "daily-0", f"{story_texts[0][:800]}\n\n{SHARED_FACT}\n\n{FOOTER}", "Daily Example"
    )
    rival = article("rival", f"{story_texts[5][:800]}\n\n{SHARED_FACT}", "Rival Times")
    passages = find_passages([*own, rival])
    assert not any("newsletter" in p.text for p in passages)
    assert [p.text for p in between(passages, "daily-0", "rival")] == [SHARED_FACT.rstrip(".")]
    # Control: two articles of one outlet are not yet a series, so the footer is reuse.
    assert any("newsletter" in p.text for p in find_passages(own[:2]))


def test_index_finds_candidates_and_counts_boilerplate_archive_wide(story_texts: list[str]) -> None:
    index = PassageIndex()
    for n in range(4):
        body = story_texts[n][:800] + (f"\n\n{SHARED_FACT}" if n == 0 else "")
        index.add(article(f"daily-{n}", f"{body}\n\n{FOOTER}", "Daily Example"))
    for n in range(6, 12):
        index.add(article(f"other-{n}", story_texts[n], "Elsewhere"))
    newcomer = article(
        "newcomer", f"{story_texts[5][:800]}\n\n{SHARED_FACT}\n\n{FOOTER}", "Daily Example"
    )
    assert index.candidates(newcomer)[0] == "daily-0"
    found = index.find_passages(newcomer)
    assert found and all("newsletter" not in p.text for p in found)
    assert {p.source_article for p in found} | {p.target_article for p in found} == {
        "daily-0",
        "newcomer",
    }
    with pytest.raises(ValueError, match="already indexed"):
        index.add(index.articles["daily-0"])


def test_direction_follows_publication_time(story_texts: list[str]) -> None:
    noon = datetime(2024, 3, 1, 12, tzinfo=UTC)
    later = article(
        "later", f"{story_texts[1][:600]} {SHARED_FACT}", "B", noon + timedelta(hours=3)
    )
    earlier = article("earlier", f"{SHARED_FACT} {story_texts[2][:600]}", "A", noon)
    (passage,) = find_passages([later, earlier])
    assert (passage.source_article, passage.target_article) == ("earlier", "later")
    assert passage.direction_reason == "earlier"
    assert passage.text == SHARED_FACT.rstrip(".")
    undated = find_passages([article("x", later.text, "B"), article("y", earlier.text, "A")])
    assert [p.direction_reason for p in undated] == ["undetermined"]


def test_wire_credit_outranks_publication_time(story_texts: list[str]) -> None:
    noon = datetime(2024, 3, 1, 12)
    wire_copy = article(
        "wire-copy", f"LONDON (Reuters) - {SHARED_FACT} {story_texts[3][:500]}", "Daily", noon
    )
    reuser = article(
        "reuser", f"{story_texts[4][:500]} {SHARED_FACT}", "Weekly", noon - timedelta(hours=1)
    )
    assert wire_service(wire_copy) == "reuters" and wire_service(reuser) is None
    (passage,) = find_passages([reuser, wire_copy])
    assert (passage.source_article, passage.direction_reason) == ("wire-copy", "wire:reuters")
    signed_off = article("signed-off", f"{story_texts[9][:900]}\n(With inputs from AFP)", "Daily")
    assert wire_service(signed_off) == "afp"
    mid_story = article(
        "mid", f"{story_texts[9][:500]} Reuters reported it. {story_texts[9][500:1400]}"
    )
    assert wire_service(mid_story) is None
    agency = article("agency", SHARED_FACT + " " + story_texts[6][:300], "Associated Press")
    (from_agency,) = find_passages([reuser, agency])
    assert (from_agency.source_article, from_agency.direction_reason) == ("agency", "wire:ap")


def test_reworded_planted_passage_is_found_with_its_boundaries(story_texts: list[str]) -> None:
    donor_text = story_texts[7]
    source_start = donor_text.index(". ", 300) + 2
    source_end = donor_text.index(". ", source_start + 250) + 1
    words = donor_text[source_start:source_end].split(" ")
    # Light rewording: swap two words, drop one, insert one, drop the commas.
    words[3], words[4] = words[4], words[3]
    del words[12]
    words.insert(20, "reportedly")
    reworded = " ".join(words).replace(",", "")
    host_text = story_texts[8]
    cut = host_text.index(". ", 400) + 2
    planted = host_text[:cut] + reworded + " " + host_text[cut:]
    donor = article("donor", donor_text, "Donor Daily", datetime(2024, 1, 1))
    host = article("host", planted, "Host Herald", datetime(2024, 1, 2))
    passages = find_passages([donor, host])
    assert len(passages) == 1
    (passage,) = passages
    tolerance = 15  # characters: a reworded word at either end may fall outside
    assert abs(passage.target_span[0] - cut) <= tolerance
    assert abs(passage.target_span[1] - (cut + len(reworded))) <= tolerance
    assert abs(passage.source_span[0] - source_start) <= tolerance
    assert abs(passage.source_span[1] - source_end) <= tolerance
    assert passage.source_article == "donor" and passage.direction_reason == "earlier"


def test_duplicate_ids_are_refused(story_texts: list[str]) -> None:
    twice = article("same", story_texts[0])
    with pytest.raises(ValueError, match="unique"):
        find_passages([twice, twice])


def test_bench_combination_is_scored_on_folds_it_was_not_fitted_on() -> None:
    import numpy as np

    from bench.reuse import logistic_cross_validated

    rng = np.random.default_rng(7)
    labels = rng.integers(0, 2, 400)
    # Noise with many features: a model scored on the rows it was fitted on
    # reaches 0.79 here, one that never sees them stays at chance.
    noise = rng.normal(size=(400, 150))
    accuracy, _ = logistic_cross_validated(noise, labels)
    assert accuracy < 0.6
    signal = np.column_stack([labels + rng.normal(scale=0.2, size=400), noise[:, :2]])
    accuracy, f1 = logistic_cross_validated(signal, labels)
    assert accuracy > 0.95 and f1 > 0.95
