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
The production path (``stories/placement.py``) passes title and text only, so the proxy
is the entity source there too; no spaCy call is made per article.

Each article also carries the years it is anchored in: its publication year
when dated, else the four-digit years written in its lead (where a dateline
sits). ``story.year_factor`` uses them to keep apart undated articles of a
topic's two events (ECB+: the same boxer's 2008 and 2012 title defences).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.utils import murmurhash3_32

# All sub-vectors of one article in two parallel arrays, keys offset by
# ``position << HASH_BITS`` so the three never collide (see ``ArticleVectors``).
StackedVector = tuple[np.ndarray, np.ndarray]


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
# Figures are counted twice among the entity terms (sublinear TF: weight 1.7 ×
# that of a name said once). A figure tells two events of one kind apart (a 5.6
# and a 6.1 quake on one island, a $160 million and a $200 million offer) and
# ties one event's articles together where names are shared by the whole topic.
# With the bisect check in place, held-out B³ F1 (bench/clustering.py, same
# grid) went ECB+ 0.918 → 0.951, BASIL 0.984 → 1.000, AllSides 0.946 → 0.948,
# overall 0.943 → 0.955; counted three times, ECB+ fell back to 0.917.
FIGURE_REPEATS = 2
# Re-joined tokenised text (ECB+, some feeds) writes "6. 1" and "120, 000" for
# 6.1 and 120,000; read as two figures each ("6", "1"), one event's magnitude
# never matched across its articles. A comma closes up only before exactly three
# digits (thousands), so "in 2005, 10 died" keeps its two figures.
_SPACED_SEPARATOR = re.compile(r"(?<=\d)(\.|,(?= \d{3}(?!\d))) (?=\d)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# Every byte but a-z and 0-9 becomes a space (text is lower-cased first).
_SEPARATE_WORDS = bytes(
    byte if chr(byte) in "abcdefghijklmnopqrstuvwxyz0123456789" else ord(" ") for byte in range(256)
)
_YEAR = re.compile(r"(?<![\d$£€])(?:19|20)\d\d(?![\d%])")
# Words journalists use for every story; they only blur event boundaries.
_NEWS_STOP_WORDS = frozenset({"said", "says", "say", "told", "according", "reported", "news"})
STOP_WORDS = ENGLISH_STOP_WORDS | _NEWS_STOP_WORDS


@dataclass(frozen=True)
class ArticleVectors:
    """One article's sub-vectors and arrival data, ready to score against stories.

    The three sub-vectors (headline, body, entities) are one stacked pair of
    arrays, keys offset by ``position << HASH_BITS``, each sub-vector
    L2-normalised, heaviest term first, the sub-vectors in that order. Dicts
    per sub-vector cost ~8% of placing an article to build (py-spy on
    bench/clustering_scale.py) and ~5× the memory of the arrays, and nothing
    needs them any more: stories merge and score arrays.
    """

    article_id: str
    title: str
    date: datetime | None
    stacked: StackedVector = field(repr=False, compare=False)
    years: frozenset[int] = frozenset()
    # Where each sub-vector starts in ``stacked``, and where the last ends.
    bounds: tuple[int, int, int, int] = field(default=(0, 0, 0, 0), repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.bounds[-1] != len(self.stacked[0]):  # not given: find them
            found = np.searchsorted(self.stacked[0] >> HASH_BITS, (0, 1, 2, 3)).tolist()
            object.__setattr__(self, "bounds", tuple(found))

    def top(self, position: int, count: int) -> list[tuple[int, float]]:
        """The ``count`` heaviest (bucket, weight) of sub-vector ``position`` (0, 1 or 2)."""
        keys, values = self.stacked
        start = self.bounds[position]
        end = min(start + count, self.bounds[position + 1])
        buckets = (keys[start:end] & _HASH_MASK).tolist()
        return list(zip(buckets, values[start:end].tolist(), strict=True))


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
        self._word_memo: dict[bytes, int] = {}  # raw token → bucket of its folded form, -1 if none
        self._run_memo: dict[str, list[int]] = {}  # capitalised run → its entity buckets
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

    def _word_bucket(self, token: bytes) -> int:
        """Bucket of a lower-cased ``[a-z0-9]`` run after plural folding; -1 if none.

        The run's content word is what ``_WORD`` would match in it: from its first
        letter on, at least two characters ("2020s" has none), not a stop word.
        """
        if len(self._word_memo) >= self._max_memo:
            self._word_memo.clear()
        word = token.decode("ascii").lstrip("0123456789")
        value = -1 if len(word) < 2 or word in STOP_WORDS else self.bucket(fold_plural(word))
        self._word_memo[token] = value
        return value

    def word_buckets(self, text: str) -> np.ndarray:
        """Buckets of the content words of ``text`` in reading order (see ``words``).

        Tokens are the runs of ``[a-z0-9]`` left after a byte-level translate
        turns everything else into spaces, each looked up once in the memo:
        ~2× faster than ``_WORD.findall``, with the same words (the memo
        strips leading digits and drops runs shorter than two letters).
        """
        tokens = text.lower().encode("ascii", "replace").translate(_SEPARATE_WORDS).split()
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

    def entity_buckets(self, text: str) -> np.ndarray:
        """Buckets of ``entity_terms(text)``, in no particular order.

        Names recur from article to article, so each capitalised run's buckets
        are memoised: the per-run splitting and stripping were about half of
        the entity proxy's cost (A/B on bench/clustering_scale.py's stream).
        """
        memo = self._run_memo
        if len(memo) >= self._max_memo:
            memo.clear()
        buckets: list[int] = []
        for run in _CAPITALISED_RUN.findall(text):
            run_buckets = memo.get(run)
            if run_buckets is None:
                run_buckets = memo[run] = [self.bucket(term) for term in run_terms(run)]
            buckets.extend(run_buckets)
        buckets.extend([self.bucket(term) for term in number_terms(text)] * FIGURE_REPEATS)
        return np.array(buckets, dtype=np.int64)


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
    """Distinct buckets and how often each occurs across ``bucket_arrays``.

    The same result as ``np.unique(..., return_counts=True)`` without its
    generic wrapping (~20% less time on arrays of a few hundred buckets).
    """
    joined = np.sort(np.concatenate(bucket_arrays) if len(bucket_arrays) > 1 else bucket_arrays[0])
    fresh = np.empty(len(joined), dtype=bool)
    fresh[:1] = True
    np.not_equal(joined[1:], joined[:-1], out=fresh[1:])
    starts = np.flatnonzero(fresh)
    counts = np.empty(len(starts), dtype=np.int64)
    counts[:-1] = starts[1:] - starts[:-1]
    counts[-1:] = len(joined) - starts[-1:]
    return joined[starts], counts


class OnlineIdf:
    """Document frequencies over all articles seen so far, and the IDF they give."""

    def __init__(self, document_frequency: np.ndarray | None = None, documents: int = 0) -> None:
        self.document_frequency = (
            document_frequency
            if document_frequency is not None
            else np.zeros(1 << HASH_BITS, dtype=np.int32)
        )
        self.documents = documents

    def observe(self, terms: np.ndarray) -> None:
        """Count one document's distinct stacked terms: its body and entity terms.

        Headline words are body words too, so headline terms are not counted
        again; each sub-vector's terms are distinct, so each bucket counts once
        per sub-vector.
        """
        starts = np.searchsorted(terms >> HASH_BITS, (1, 2, 3)).tolist()
        self.documents += 1
        self.document_frequency[terms[starts[0] : starts[1]] & _HASH_MASK] += 1
        self.document_frequency[terms[starts[1] : starts[2]] & _HASH_MASK] += 1

    def observe_and_weigh(
        self, terms: np.ndarray, counts: np.ndarray, keep: tuple[int, int, int]
    ) -> tuple[StackedVector, tuple[int, int, int, int]]:
        """Count one document, then weigh its headline, body and entity terms.

        Args:
            terms: distinct stacked terms, ascending (bucket + position << HASH_BITS,
                position 0 headline, 1 body, 2 entities).
            counts: occurrences of each term in the article.
            keep: most terms kept per sub-vector, heaviest first.

        Returns:
            The stacked (terms, weights), each sub-vector L2-normalised and
            heaviest first (ties in bucket order), and the four bounds that
            delimit the sub-vectors in it. The document frequencies count
            body and entity terms (headline words are body words).
        """
        self.observe(terms)
        positions = terms >> HASH_BITS
        buckets = terms & _HASH_MASK
        starts = np.searchsorted(positions, (0, 1, 2, 3)).tolist()
        # Sublinear TF × smoothed IDF.
        idf = np.log((1.0 + self.documents) / (1.0 + self.document_frequency[buckets])) + 1.0
        weights = (1.0 + np.log(counts)) * idf
        # Heaviest first within each sub-vector (a stable sort), so callers can
        # take the top terms without sorting again; then the ``keep`` first of each.
        order = np.lexsort((-weights, positions))
        rank = np.arange(len(order)) - np.take(starts, positions)
        kept = order[rank < np.take(keep, positions)]
        terms, weights = terms[kept], weights[kept]
        bounds = [0]
        for position in range(3):
            bounds.append(bounds[-1] + min(keep[position], starts[position + 1] - starts[position]))
            part = weights[bounds[-2] : bounds[-1]]
            if len(part):
                part /= math.sqrt(float(part @ part))
        return (terms, weights), (bounds[0], bounds[1], bounds[2], bounds[3])


def fold_plural(word: str) -> str:
    """``word`` with a plural ``s`` dropped ("stories" → "storie", "boss" kept)."""
    return word[:-1] if word.endswith("s") and len(word) > 3 and not word.endswith("ss") else word


def words(text: str) -> list[str]:
    """Lower-cased content words of ``text`` (stop words dropped, plural ``s`` folded)."""
    return [fold_plural(word) for word in _WORD.findall(text.lower()) if word not in STOP_WORDS]


def entity_terms(text: str) -> list[str]:
    """Named-entity proxy: capitalised runs (whole and per word) and numbers (twice), prefixed.

    A capitalised run such as "Chinese President Xi Jinping" gives the run and
    each of its words, so "Xi" in a later article still matches. Leading and inner
    stop words are dropped: they are sentence starts ("The", "But"), not names.
    """
    terms: list[str] = []
    for run in _CAPITALISED_RUN.findall(text):
        terms.extend(run_terms(run))
    terms.extend(number_terms(text) * FIGURE_REPEATS)
    return terms


def run_terms(run: str) -> list[str]:
    """Entity terms of one capitalised run (see ``entity_terms``)."""
    parts = [
        part.strip(".-&")
        for part in run.replace("’s", "").replace("'s", "").lower().split()
        if part not in STOP_WORDS
    ]
    parts = [part for part in parts if len(part) > 1]
    terms = ["e:" + part for part in parts]
    if len(parts) > 1:
        terms.append("e:" + " ".join(parts))
    return terms


def number_terms(text: str) -> list[str]:
    """Figure terms of ``text`` (see ``entity_terms``)."""
    # A plain scan plus a check of the preceding character is ~3× faster than a
    # look-behind in the pattern; digits inside words ("covid19") are not figures.
    text = _SPACED_SEPARATOR.sub(r"\1", text)
    return [
        "n:" + match.group().replace(",", "")
        for match in _NUMBER.finditer(text)
        if match.start() == 0 or not text[match.start() - 1].isalnum()
    ]


def mentioned_years(text: str) -> frozenset[int]:
    """Four-digit years (1900-2099) in ``text``; figures such as "$2000" or "20%" are not years."""
    return frozenset(int(year) for year in _YEAR.findall(text))


def lead_sentence(text: str) -> str:
    """The first sentence of ``text`` (a stand-in headline when there is none)."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0][:300]


@dataclass(frozen=True)
class ArticleTerms:
    """An article tokenised, before any IDF is applied: all ``ArticleVectoriser.weigh`` needs.

    Tokenising reads the text alone, so it can run ahead in another process
    (``clustering.ahead``) while the clusterer, whose IDF and stories must see
    articles one at a time, places the earlier ones.
    """

    headline_text: str
    terms: np.ndarray  # distinct stacked terms, ascending (see ``OnlineIdf.observe_and_weigh``)
    counts: np.ndarray  # occurrences of each term
    years: frozenset[int]  # years written in the title and lead ("" for dated articles)
    # Set by a worker that also weighed the terms with its own copy of the IDF
    # (see ``clustering.ahead``): the stacked vector, its bounds, and the IDF's
    # document count once it had counted this article.
    weighed: tuple[StackedVector, tuple[int, int, int, int], int] | None = None


class ArticleTokeniser:
    """Turns title and text into stacked term counts (headline, body, entities)."""

    def __init__(self, body_chars: int) -> None:
        self.body_chars = body_chars
        self._hasher = TermHasher()

    def tokenise(self, title: str, text: str, dated: bool) -> ArticleTerms:
        """Count the headline, body and entity terms of one article.

        Args:
            title: the headline; the lead's first sentence stands in when empty.
            text: the body; only its first ``body_chars`` characters are read.
            dated: whether the article has a date (the written years are read
                only for undated ones, see ``ArticleVectors.years``).
        """
        # The lead carries the event (who, what, when); later paragraphs drift
        # into background, and tokenising costs ~40 ns a character here.
        lead = text[: self.body_chars]
        headline_text = title.strip() or lead_sentence(lead)
        hasher = self._hasher
        # Title and lead are tokenised apart (no token spans the newline that
        # joined them), so the title's words serve the headline too.
        title_words = hasher.word_buckets(title)
        body_words = np.concatenate((title_words, hasher.word_buckets(lead)))
        # Word pairs carry event-specific phrasing (quotes, "phone call", "press
        # briefing"): with them the RT seed (same topic, other event) scores 0.16
        # against the Xi-Putin call story instead of 0.30, and ECB+ B³ rises
        # 0.86 → 0.87 (bench/clustering.py).
        # The three sub-vectors are counted and weighed as one stacked array
        # (keys offset per sub-vector). On arrays this small numpy's per-call
        # overhead is the cost, and this needs a third of the calls of three
        # count-and-weigh passes (with the byte tokeniser and the entity memo,
        # vectorising fell ~210 → ~180 µs an article, A/B in one process).
        offset = 1 << HASH_BITS
        entity_text = title + "\n" + lead[:ENTITY_CHARS]
        terms, counts = count_buckets(
            title_words if title.strip() else hasher.word_buckets(headline_text),
            body_words + offset,
            pair_buckets(body_words) + offset,
            hasher.entity_buckets(entity_text) + 2 * offset,
        )
        # An undated article's dateline sits in the lead, like its protagonists.
        years = frozenset() if dated else mentioned_years(entity_text)
        return ArticleTerms(headline_text, terms, counts, years)


class ArticleVectoriser:
    """Featurises articles in arrival order, updating the online IDF as it goes."""

    def __init__(
        self,
        body_chars: int,
        body_terms: int,
        entity_terms_kept: int,
        idf: OnlineIdf | None = None,
    ) -> None:
        self.body_terms = body_terms
        self.entity_terms_kept = entity_terms_kept
        self.idf = idf or OnlineIdf()
        self.tokeniser = ArticleTokeniser(body_chars)

    def vectorise(
        self, article_id: str, title: str, text: str, date: datetime | None
    ) -> ArticleVectors:
        """Count the article into the IDF, then return its weighted sub-vectors."""
        return self.weigh(article_id, date, self.tokeniser.tokenise(title, text, date is not None))

    @property
    def keep(self) -> tuple[int, int, int]:
        """Most terms kept per sub-vector (headline, body, entities)."""
        return (64, self.body_terms, self.entity_terms_kept)

    def weigh(self, article_id: str, date: datetime | None, tokens: ArticleTerms) -> ArticleVectors:
        """Count a tokenised article into the IDF, then return its weighted sub-vectors.

        Terms a worker has already weighed are taken as they are when the
        worker's IDF had counted exactly as many documents as this one has
        (then it counted the same ones, in the same order, and the weights are
        the ones computed here); otherwise they are weighed again.
        """
        idf = self.idf
        if tokens.weighed is not None and tokens.weighed[2] == idf.documents + 1:
            idf.observe(tokens.terms)
            stacked, bounds, _ = tokens.weighed
        else:
            stacked, bounds = idf.observe_and_weigh(tokens.terms, tokens.counts, self.keep)
        return ArticleVectors(
            article_id=article_id,
            title=tokens.headline_text,
            date=date,
            stacked=stacked,
            years=tokens.years if date is None else frozenset({date.year}),
            bounds=bounds,
        )
