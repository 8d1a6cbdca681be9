"""Turn an article into three sparse TF-IDF sub-vectors: headline, body, entities.

Miranda et al. (2018) compare an article with a story through separate
similarities of title, body and named-entity vectors; we keep that split. Each
vector is a ``{hashed term: weight}`` dict, L2-normalised, weighted by an IDF
that is estimated online (document frequencies grow as articles arrive), so
nothing is ever refitted.

Entities come from a cheap proxy, capitalised word runs plus numbers, not from
spaCy: on this shared 2-core machine ``en_core_web_sm`` (tok2vec, tagger, NER)
processed ~50 leads of 1,000 characters per CPU-second, the proxy ~37,000, and
the whole clustering path must place 2,000 articles a second
(bench/clustering_scale.py). The proxy also catches figures ("$160 million"),
which tell apart similar events (two trade offers) and which NER tags loosely.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.utils import murmurhash3_32

SparseVector = dict[int, float]


# Entities are read from the headline and the first 400 characters only: the
# protagonists of an event are named up front, while later paragraphs name
# background actors shared by the whole topic. Against 1000 characters this lifts
# ECB+ B³ F1 0.87 → 0.89 and keeps the RT seed apart from the Xi-Putin call story
# even when the IDF comes from a year of US-politics news (bench/clustering.py).
ENTITY_CHARS = 400
HASH_BITS = 20  # 1M buckets: collisions stay rare for a news vocabulary (~300k terms)
_HASH_MASK = (1 << HASH_BITS) - 1
_WORD = re.compile(r"[a-z][a-z0-9]+")
_CAPITALISED_RUN = re.compile(r"[A-Z][A-Za-z'’.&-]*(?:[ \t]+[A-Z][A-Za-z'’.&-]*)*")
_NUMBER = re.compile(r"[$\d][\d,.]*\d(?: ?(?:million|billion|%|percent))?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# Words journalists use for every story; they only blur event boundaries.
_NEWS_STOP_WORDS = frozenset({"said", "says", "say", "told", "according", "reported", "news"})
STOP_WORDS = ENGLISH_STOP_WORDS | _NEWS_STOP_WORDS


@dataclass(frozen=True)
class ArticleVectors:
    """One article's sub-vectors and arrival data, ready to score against stories."""

    article_id: str
    title: str
    date: datetime | None
    headline: SparseVector
    body: SparseVector
    entities: SparseVector


class TermHasher:
    """Stable term → bucket hashing (murmurhash3), memoised per term.

    sklearn's ``HashingVectorizer`` hashes every token occurrence (about 0.5 µs
    each, 550 µs for a 3.7k-character article in our measurement); news
    vocabulary is Zipfian, so memoising the same murmurhash per distinct term
    makes hashing ~4× cheaper while giving the same buckets. For words the memo
    also holds the stop-word verdict and the plural folding, so each token
    costs one dict lookup.
    """

    def __init__(self, max_memo: int = 2_000_000) -> None:
        self._memo: dict[str, int] = {}
        self._word_memo: dict[str, int] = {}  # raw token → bucket of its folded form, -1 if stop
        self._max_memo = max_memo

    def bucket(self, term: str) -> int:
        """The hash bucket of ``term``."""
        value = self._memo.get(term)
        if value is None:
            if len(self._memo) >= self._max_memo:
                self._memo.clear()  # bounded memory on endless streams
            value = murmurhash3_32(term, positive=True) & _HASH_MASK
            self._memo[term] = value
        return value

    def _word_bucket(self, token: str) -> int:
        """Bucket of a lower-cased token after plural folding; -1 for a stop word."""
        if len(self._word_memo) >= self._max_memo:
            self._word_memo.clear()
        value = -1 if token in STOP_WORDS else self.bucket(fold_plural(token))
        self._word_memo[token] = value
        return value

    def word_buckets(self, text: str) -> np.ndarray:
        """Buckets of the content words of ``text`` in reading order (see ``words``)."""
        tokens = _WORD.findall(text.lower())
        try:  # fast path: every token seen before (most articles once the stream is warm)
            buckets = np.fromiter(
                map(self._word_memo.__getitem__, tokens), dtype=np.int64, count=len(tokens)
            )
        except KeyError:
            memo_get, slow = self._word_memo.get, self._word_bucket
            buckets = np.fromiter(
                [memo_get(token) or slow(token) for token in tokens],
                dtype=np.int64,
                count=len(tokens),
            )
        return buckets[buckets >= 0]

    def term_buckets(self, terms: list[str]) -> np.ndarray:
        """Buckets of ``terms`` (one per occurrence)."""
        memo_get, bucket = self._memo.get, self.bucket
        return np.fromiter(
            [memo_get(term) or bucket(term) for term in terms], dtype=np.int64, count=len(terms)
        )


def pair_buckets(buckets: np.ndarray) -> np.ndarray:
    """Buckets of adjacent word pairs, mixed from the two word buckets.

    Hashing the pair strings ("phone call") cost a string join and, since pairs
    rarely repeat, a murmurhash call each: ~25% of vectorising time. Mixing the
    two 20-bit buckets with multiply-xorshift (splitmix64 constants) spreads
    pairs as evenly over the buckets and needs no strings.
    """
    if len(buckets) < 2:
        return buckets[:0]
    first = buckets[:-1].astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    mixed = (first ^ buckets[1:].astype(np.uint64)) * np.uint64(0xBF58476D1CE4E5B9)
    return ((mixed >> np.uint64(40)) & np.uint64(_HASH_MASK)).astype(np.int64)


TermCounts = tuple[np.ndarray, np.ndarray]  # (distinct buckets, occurrence counts)


def count_buckets(*bucket_arrays: np.ndarray) -> TermCounts:
    """Distinct buckets and how often each occurs across ``bucket_arrays``."""
    joined = np.concatenate(bucket_arrays) if len(bucket_arrays) > 1 else bucket_arrays[0]
    buckets, counts = np.unique(joined, return_counts=True)
    return buckets, counts


class OnlineIdf:
    """Document frequencies over all articles seen so far, and the IDF they give."""

    def __init__(self, document_frequency: np.ndarray | None = None, documents: int = 0) -> None:
        self.document_frequency = (
            document_frequency
            if document_frequency is not None
            else np.zeros(1 << HASH_BITS, dtype=np.int32)
        )
        self.documents = documents

    def observe(self, *term_sets: TermCounts) -> None:
        """Count one document containing the terms of ``term_sets``."""
        self.documents += 1
        for buckets, _ in term_sets:
            self.document_frequency[buckets] += 1  # buckets are distinct within a set

    def weigh(self, counts: TermCounts, keep: int) -> SparseVector:
        """Sublinear TF × smoothed IDF, L2-normalised; the ``keep`` heaviest terms first."""
        buckets, frequencies = counts
        if not len(buckets):
            return {}
        idf = np.log((1.0 + self.documents) / (1.0 + self.document_frequency[buckets])) + 1.0
        weights = (1.0 + np.log(frequencies)) * idf
        # Heaviest first, so callers can take the top terms without sorting again.
        order = np.argsort(-weights, kind="stable")[:keep]
        buckets, weights = buckets[order], weights[order]
        weights /= math.sqrt(float(weights @ weights))
        return dict(zip(buckets.tolist(), weights.tolist(), strict=True))


def fold_plural(word: str) -> str:
    """``word`` with a plural ``s`` dropped ("stories" → "storie", "boss" kept)."""
    return word[:-1] if word.endswith("s") and len(word) > 3 and not word.endswith("ss") else word


def words(text: str) -> list[str]:
    """Lower-cased content words of ``text`` (stop words dropped, plural ``s`` folded)."""
    return [fold_plural(word) for word in _WORD.findall(text.lower()) if word not in STOP_WORDS]


def entity_terms(text: str) -> list[str]:
    """Named-entity proxy: capitalised runs (whole and per word) and numbers, prefixed.

    A capitalised run such as "Chinese President Xi Jinping" gives the run and
    each of its words, so "Xi" in a later article still matches. Leading and inner
    stop words are dropped: they are sentence starts ("The", "But"), not names.
    """
    terms: list[str] = []
    for run in _CAPITALISED_RUN.findall(text):
        parts = [
            part.strip(".-&")
            for part in run.replace("’s", "").replace("'s", "").lower().split()
            if part not in STOP_WORDS
        ]
        parts = [part for part in parts if len(part) > 1]
        if parts:
            terms.extend(["e:" + part for part in parts])
            if len(parts) > 1:
                terms.append("e:" + " ".join(parts))
    # A plain scan plus a check of the preceding character is ~3× faster than a
    # look-behind in the pattern; digits inside words ("covid19") are not figures.
    terms.extend(
        "n:" + match.group().replace(",", "")
        for match in _NUMBER.finditer(text)
        if match.start() == 0 or not text[match.start() - 1].isalnum()
    )
    return terms


def lead_sentence(text: str) -> str:
    """The first sentence of ``text`` (a stand-in headline when there is none)."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0][:300]


class ArticleVectoriser:
    """Featurises articles in arrival order, updating the online IDF as it goes."""

    def __init__(
        self,
        body_chars: int,
        body_terms: int,
        entity_terms_kept: int,
        idf: OnlineIdf | None = None,
    ) -> None:
        self.body_chars = body_chars
        self.body_terms = body_terms
        self.entity_terms_kept = entity_terms_kept
        self.idf = idf or OnlineIdf()
        self._hasher = TermHasher()

    def vectorise(
        self, article_id: str, title: str, text: str, date: datetime | None
    ) -> ArticleVectors:
        """Count the article into the IDF, then return its weighted sub-vectors."""
        # The lead carries the event (who, what, when); later paragraphs drift
        # into background, and tokenising costs ~40 ns a character here.
        lead = text[: self.body_chars]
        headline_text = title.strip() or lead_sentence(lead)
        hasher = self._hasher
        body_words = hasher.word_buckets(title + "\n" + lead)
        # Word pairs carry event-specific phrasing (quotes, "phone call", "press
        # briefing"): with them the RT seed (same topic, other event) scores 0.16
        # against the Xi-Putin call story instead of 0.30, and ECB+ B³ rises
        # 0.86 → 0.87 (bench/clustering.py).
        body_counts = count_buckets(body_words, pair_buckets(body_words))
        entity_counts = count_buckets(
            hasher.term_buckets(entity_terms(title + "\n" + lead[:ENTITY_CHARS]))
        )
        headline_counts = count_buckets(hasher.word_buckets(headline_text))
        self.idf.observe(body_counts, entity_counts)
        return ArticleVectors(
            article_id=article_id,
            title=headline_text,
            date=date,
            headline=self.idf.weigh(headline_counts, keep=64),
            body=self.idf.weigh(body_counts, keep=self.body_terms),
            entities=self.idf.weigh(entity_counts, keep=self.entity_terms_kept),
        )
