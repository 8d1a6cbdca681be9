"""Cited extractive summaries: length, faithfulness of every citation, order."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from newstrail.coverage import semantic
from newstrail.coverage.exclusives import supporting_articles
from newstrail.coverage.reuse import StoryArticle
from newstrail.coverage.summary import SummarySentence, summarise_story


@pytest.fixture(scope="module")
def seed_story(seed_articles: list[StoryArticle]) -> list[StoryArticle]:
    return seed_articles[:4]


@pytest.fixture(scope="module")
def stray(shared_data: Path) -> StoryArticle:
    """An article of another story (a US government shutdown), wrongly clustered in."""
    with (shared_data / "stories" / "basil.jsonl").open(encoding="utf-8") as handle:
        record = json.loads(handle.readline())
    return StoryArticle("stray", "Stray Post", None, record["title"], record["text"])


@pytest.fixture(scope="module")
def summary(seed_story: list[StoryArticle], stray: StoryArticle) -> list[SummarySentence]:
    return summarise_story([*seed_story, stray])


def content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if w not in ENGLISH_STOP_WORDS}


def test_summary_has_three_to_six_sentences(summary: list[SummarySentence]) -> None:
    assert 3 <= len(summary) <= 6
    assert len({s.text for s in summary}) == len(summary)


def test_every_citation_is_supported(
    seed_story: list[StoryArticle], stray: StoryArticle, summary: list[SummarySentence]
) -> None:
    story = [*seed_story, stray]
    texts = {a.id: a.text for a in story}
    for sentence in summary:
        own, *others = sentence.supporting
        assert (own.article_id, own.sentence) == (sentence.article_id, sentence.text)
        assert sentence.text in texts[sentence.article_id]
        supporters = dict(supporting_articles(sentence.text, story))
        for support in others:
            assert support.sentence in texts[support.article_id]
            assert support.article_id in supporters
            assert support.score == pytest.approx(supporters[support.article_id])
            # Beyond the support function: the cited sentence shares the content words
            # (lexical support; with the sentence model a paraphrase in other words
            # supports too, which is what the model is for).
            shared = content_words(sentence.text) & content_words(support.sentence)
            least = 0.25 if semantic.available() else 0.4
            assert len(shared) >= least * len(content_words(sentence.text))
        assert sentence.sources == tuple(dict.fromkeys(s.source for s in sentence.supporting))


def test_stray_article_is_neither_summarised_nor_cited(summary: list[SummarySentence]) -> None:
    assert all("stray" not in {s.article_id for s in sentence.supporting} for sentence in summary)
    assert all("Stray Post" not in sentence.sources for sentence in summary)


def test_summary_is_about_the_story_and_cites_several_outlets(
    summary: list[SummarySentence],
) -> None:
    assert any(len(sentence.sources) >= 3 for sentence in summary)
    assert any("Sino-Russian" in s.text or "China and Russia" in s.text for s in summary)


def test_sentences_of_one_article_keep_their_order(
    seed_story: list[StoryArticle], summary: list[SummarySentence]
) -> None:
    texts = {a.id: a.text for a in seed_story}
    for article_id, text in texts.items():
        positions = [text.index(s.text) for s in summary if s.article_id == article_id]
        assert positions == sorted(positions)


def test_max_sentences_is_bounded(seed_story: list[StoryArticle]) -> None:
    assert len(summarise_story(seed_story, max_sentences=3)) == 3
    for wrong in (2, 7):
        with pytest.raises(ValueError, match="max_sentences"):
            summarise_story(seed_story, max_sentences=wrong)


def test_a_sentence_whose_speaker_is_only_a_pronoun_is_not_summarised() -> None:
    texts = [
        "Negotiators returned to Doha on Saturday for a new round of ceasefire talks.\n\n"
        "Qatar's prime minister said the sides were closer than at any point this year.\n\n"
        'A deal could come "within days" and end the fighting, he said.\n\n'
        "Egypt's foreign ministry said the talks would continue until Monday.",
        "Ceasefire talks resumed in Doha on Saturday with a new round of negotiations.\n\n"
        'A deal could come "within days" and end the fighting, he said.\n\n'
        "Egypt's foreign ministry said the talks would last until Monday.",
    ]
    articles = [
        StoryArticle(str(n), f"Outlet {n}", None, "Talks", text, f"https://o{n}.example/a")
        for n, text in enumerate(texts)
    ]
    summary = [s.text for s in summarise_story(articles, max_sentences=5)]
    assert summary and not any(", he said." in text for text in summary)
