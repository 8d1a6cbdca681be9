"""A short extractive summary of a story, each sentence citing the outlets that support it.

Sentences are scored by closeness to the story's centroid (the mean of each
article's TF-IDF vector, so a long article does not outweigh a short one) and by
how many other articles support them, then picked with maximal marginal relevance
(MMR) so that no two say the same thing. Citations come from the same support
function as ``coverage.exclusive_content``: an outlet is cited only when one of its
sentences supports the summary sentence (``support_matrix`` at least
``SUPPORT_THRESHOLD``: the lexical similarity, or with the ``semantic`` extra the
sentence model's word-piece alignment). Runs on CPU; without the extra,
scikit-learn only and no model weights.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer

from newstrail.coverage.exclusives import (
    SUPPORT_THRESHOLD,
    StorySentences,
    best_support_per_article,
    story_sentences,
)
from newstrail.coverage.reuse import StoryArticle
from newstrail.errors import InvalidInput

# Summaries hold three to six sentences: fewer cannot tell a story, more stop being
# a summary (the bound).
MIN_SUMMARY_SENTENCES = 3
MAX_SUMMARY_SENTENCES = 6

# MMR trade-off between salience and novelty (Carbonell & Goldstein 1998 use 0.7).
MMR_SALIENCE_WEIGHT = 0.7

# Weights of the salience score: centroid closeness, cross-outlet support, lead position.
# There are no gold summaries to tune them on, so centroid and support share the
# weight evenly (a sentence several outlets carry is both central and citable) and
# the lead bonus only breaks ties in favour of the inverted pyramid's first sentences.
CENTROID_WEIGHT = 0.45
SUPPORT_WEIGHT = 0.45
LEAD_WEIGHT = 0.10

# Sentences longer than this (in characters) are run-ons from missing punctuation.
MAX_SENTENCE_CHARS = 400

# A sentence whose speaker is only a pronoun ("A deal could come 'within days',
# he said.") names no one once it stands alone in a summary; the summary cites
# outlets' sentences word for word, so it cannot name the speaker itself.
_SPEECH = r"(?:said|says|added|told|noted|continued|explained|stressed|warned|insisted|wrote)"
_PRONOUN_ATTRIBUTION = re.compile(
    rf"^(?:he|she|they)\s+{_SPEECH}\b|[,\"”’']\s*(?:he|she|they)\s+{_SPEECH}\b[^.!?]{{0,60}}[.!?]?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Support:
    """One article's sentence that says what a summary sentence says."""

    article_id: str
    source: str | None
    sentence: str
    score: float


@dataclass(frozen=True)
class SummarySentence:
    """A sentence of the summary, where it comes from, and who supports it."""

    text: str
    article_id: str
    sources: tuple[str, ...]
    supporting: tuple[Support, ...]


def summarise_story(
    articles: Sequence[StoryArticle], max_sentences: int = 5
) -> list[SummarySentence]:
    """Summarise a story in a few extracted sentences, each citing its supporting outlets.

    Args:
        articles: the story's articles.
        max_sentences: how many sentences at most, between 3 and 6.

    Returns:
        Up to ``max_sentences`` sentences in reading order (earlier in its article
        first, then earlier publication); fewer when the story has fewer distinct
        content sentences. Each lists its own article first among ``supporting``.

    Raises:
        InvalidInput: if ``max_sentences`` is outside 3-6.
    """
    if not MIN_SUMMARY_SENTENCES <= max_sentences <= MAX_SUMMARY_SENTENCES:
        raise InvalidInput(
            f"max_sentences must be {MIN_SUMMARY_SENTENCES}-{MAX_SUMMARY_SENTENCES}, "
            f"got {max_sentences}"
        )
    sentences = story_sentences(articles)
    eligible = np.array(
        [
            len(t) <= MAX_SENTENCE_CHARS and not _PRONOUN_ATTRIBUTION.search(t)
            for t in sentences.texts
        ],
        dtype=bool,
    )
    if not eligible.any():
        return []
    support = np.array(
        [
            best_support_per_article(sentences, row, len(articles))
            for row in range(len(sentences.texts))
        ]
    ).reshape(len(sentences.texts), len(articles))
    salience = _salience(articles, sentences, support)
    chosen = _select_by_mmr(salience, sentences.similarity, eligible, max_sentences)
    positions = _relative_positions(sentences)
    chosen.sort(key=lambda row: _reading_order(articles, sentences, positions, row))
    return [_cite(articles, sentences, support, row) for row in chosen]


def _salience(
    articles: Sequence[StoryArticle], sentences: StorySentences, support: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Centroid closeness, cross-outlet support and lead position, blended per sentence."""
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    try:
        vectors = vectorizer.fit_transform(sentences.texts)
    except ValueError:  # only stop words
        return np.zeros(len(sentences.texts))
    owners = sentences.article_index
    article_means = [
        np.asarray(vectors[owners == position].mean(axis=0)).ravel()
        for position in range(len(articles))
        if (owners == position).any()
    ]
    centroid = np.mean(article_means, axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    closeness = np.asarray(vectors @ centroid).ravel()
    others = max(len(articles) - 1, 1)
    supported = (support >= SUPPORT_THRESHOLD).sum(axis=1) - 1  # minus the own article
    lead = 1.0 - _relative_positions(sentences)
    salience: NDArray[np.float64] = (
        CENTROID_WEIGHT * closeness / (closeness.max() or 1.0)
        + SUPPORT_WEIGHT * np.clip(supported, 0, None) / others
        + LEAD_WEIGHT * lead
    )
    return salience


def _relative_positions(sentences: StorySentences) -> NDArray[np.float64]:
    """Each sentence's position in its article, from 0 (first) to 1 (last)."""
    positions = np.zeros(len(sentences.texts))
    for owner in set(sentences.article_index.tolist()):
        rows = np.flatnonzero(sentences.article_index == owner)
        positions[rows] = np.arange(len(rows)) / max(len(rows) - 1, 1)
    return positions


def _select_by_mmr(
    salience: NDArray[np.float64],
    similarity: NDArray[np.float64],
    eligible: NDArray[np.bool_],
    count: int,
) -> list[int]:
    """Greedy MMR; a candidate as similar as a supporting sentence to a chosen one is skipped."""
    chosen: list[int] = []
    available = eligible.copy()
    while len(chosen) < count and available.any():
        redundancy = similarity[:, chosen].max(axis=1) if chosen else np.zeros(len(salience))
        score = MMR_SALIENCE_WEIGHT * salience - (1 - MMR_SALIENCE_WEIGHT) * redundancy
        score[~available] = -np.inf
        best = int(np.argmax(score))
        available[best] = False
        available &= similarity[best] < SUPPORT_THRESHOLD  # drop what merely repeats it
        chosen.append(best)
    return chosen


def _reading_order(
    articles: Sequence[StoryArticle],
    sentences: StorySentences,
    positions: NDArray[np.float64],
    row: int,
) -> tuple[float, datetime, int]:
    """Sort key: relative position in its article, then its article's date, then input order."""
    owner = int(sentences.article_index[row])
    published = articles[owner].published or datetime.max
    if published.tzinfo is not None:  # compare aware and naive dates alike, as UTC
        published = published.astimezone(UTC).replace(tzinfo=None)
    return float(positions[row]), published, owner


def _cite(
    articles: Sequence[StoryArticle],
    sentences: StorySentences,
    support: NDArray[np.float64],
    row: int,
) -> SummarySentence:
    """The summary sentence for ``row`` with its own article and every supporting one."""
    owner = int(sentences.article_index[row])
    supporting = [Support(articles[owner].id, articles[owner].source, sentences.texts[row], 1.0)]
    for position in np.argsort(-support[row]).tolist():
        if position == owner or support[row, position] < SUPPORT_THRESHOLD:
            continue
        rows = np.flatnonzero(sentences.article_index == position)
        best_row = int(rows[np.argmax(sentences.similarity[row, rows])])
        supporting.append(
            Support(
                articles[position].id,
                articles[position].source,
                sentences.texts[best_row],
                float(support[row, position]),
            )
        )
    sources = tuple(dict.fromkeys(s.source for s in supporting if s.source))
    return SummarySentence(sentences.texts[row], articles[owner].id, sources, tuple(supporting))
