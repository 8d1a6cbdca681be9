"""Passages that articles share: who reused what from whom, and where.

Two articles are aligned by seed-and-extend, the way passim does it: shared word
n-grams (seeds) are chained along the diagonal, small gaps are bridged so light
rewording (a swapped, dropped or inserted word) does not break a passage, and a
larger gap is bridged only when its two sides are themselves similar. Passages
shorter than ``min_chars`` (passim's minimum alignment, 50 characters) are dropped.

Seeds that an outlet repeats in many of its own articles (``BOILERPLATE_MIN_ARTICLES``)
are that outlet's boilerplate - footers, newsletter pitches, bylines - and never
seed a passage. Across an archive, :class:`PassageIndex` finds candidate articles
with MinHash LSH over word windows, so only a few pairs are aligned.

Direction: a wire service (by outlet name or by a dateline credit such as
"(Reuters) -") is the source; otherwise the earlier article; otherwise
"undetermined", with the first article given as source.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations

from datasketch import MinHash, MinHashLSH
from rapidfuzz.distance import Indel

from newstrail.errors import InvalidInput

# Seed length in words (passim's 25 characters are about four words). bench/reuse.py
# plants, character recall at 3% / 6% rewording: 4 words 0.955 / 0.875, 3 words
# 0.970 / 0.934, 2 words 0.983 / 0.971 but 2-word seeds also chain loose shared
# phrasing ("the parking lot ... American Boulevard"): +48% passages in the stories
# data, most of them paraphrase rather than reuse.
SEED_WORDS = 3

# Seeds occurring more often than this in one article ("china and russia") anchor
# nothing; passim drops such high-frequency n-grams the same way.
MAX_SEED_REPEATS = 4

# A gap of up to this many words on either side is bridged unconditionally: a changed
# word breaks every seed covering it, a gap of about SEED_WORDS words; six words let
# two nearby changes through.
SMALL_GAP_WORDS = 6

# Gaps up to this many words are bridged when the two sides still share words
# (a reworded clause). Bridging only small gaps (6) drops character recall at 6%
# rewording from 0.934 to 0.873; no unrelated pair gains a passage either way.
LARGE_GAP_WORDS = 14
LARGE_GAP_SIMILARITY = 0.4

# Least word-level similarity (Indel, 0-1) of a whole passage for it to count: a
# safety net against chains of unrelated seeds; no planted passage falls below it.
MIN_PASSAGE_SIMILARITY = 0.5

# A seed an outlet uses in this many of its own articles is its boilerplate.
BOILERPLATE_MIN_ARTICLES = 3

# MinHash LSH settings of the archive index: 20-word windows with half overlap,
# shingled into SEED_WORDS-grams. bench/reuse.py, 200 lightly reworded passages
# planted into the 1,057 story articles: 40-word windows at Jaccard 0.3 recall 0.76 of
# the donors (a one-sentence plant fills too little of a window); 20 words at 0.3
# recall 0.92, at 0.2 recall 0.98 for about 19 candidates per article.
WINDOW_WORDS = 20
LSH_THRESHOLD = 0.2
LSH_PERMUTATIONS = 64

# A wire credit counts only this near the start or end of a text: a wire named
# mid-story ("Reuters reported last week that...") is a source of a fact, not of the copy.
WIRE_CREDIT_CHARS = 400

# Words keep their apostrophe suffix ("Biden’s"), so a passage never starts at an "s".
_WORD = re.compile(r"\w+(?:['’]\w+)*")

# Wire services by outlet name, and the credits they leave in a reuser's text.
_WIRE_NAMES: dict[str, re.Pattern[str]] = {
    "ap": re.compile(r"^(?:the )?(?:ap|associated press)(?: news)?$", re.I),
    "reuters": re.compile(r"^(?:thomson )?reuters$", re.I),
    "afp": re.compile(r"^(?:afp|agence france[- ]presse)$", re.I),
    "press release": re.compile(r"(?:pr ?newswire|business ?wire|globe ?newswire)", re.I),
}
_WIRE_CREDITS: dict[str, re.Pattern[str]] = {
    "ap": re.compile(
        r"\((?:AP|Associated Press)\)\s*[-—–]|[-—–]\s*AP\b|\bAssociated Press\b"
        r"|inputs from (?:the )?AP\b"
    ),
    "reuters": re.compile(
        r"\(Reuters\)\s*[-—–]|[-—–]\s*Reuters\b|\bReuters reported\b|inputs from Reuters\b"
    ),
    "afp": re.compile(r"\(AFP\)\s*[-—–]|[-—–]\s*AFP\b|\bAgence France-Presse\b|inputs from AFP\b"),
    "press release": re.compile(
        r"\bpress release\b|\bPRNewswire\b|\bBusiness Wire\b|\bGLOBE NEWSWIRE\b", re.I
    ),
}


@dataclass(frozen=True)
class StoryArticle:
    """One article of a story, as plain data (the store layer builds these)."""

    id: str
    source: str | None
    published: datetime | None
    title: str | None
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Passage:
    """A passage that ``target_article`` reused from ``source_article``."""

    source_article: str
    target_article: str
    source_span: tuple[int, int]  # character offsets into the source article's text
    target_span: tuple[int, int]  # character offsets into the target article's text
    text: str  # the passage as the target article prints it
    similarity: float  # word-level similarity of the two spans, 0-1
    direction_reason: str  # "earlier" | "wire:<name>" | "undetermined"


@dataclass(frozen=True)
class _Words:
    """An article's normalised words with their character offsets."""

    words: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> _Words:
        """Tokenise ``text``: case-folded words, curly apostrophes made straight."""
        matches = list(_WORD.finditer(text))
        return cls(
            tuple(m.group().casefold().replace("’", "'") for m in matches),
            tuple(m.start() for m in matches),
            tuple(m.end() for m in matches),
        )

    def seeds(self) -> list[tuple[str, ...]]:
        """The word n-gram starting at each position."""
        last = len(self.words) - SEED_WORDS + 1
        return [self.words[i : i + SEED_WORDS] for i in range(max(last, 0))]


@dataclass
class _Boilerplate:
    """Per-outlet counts of the articles each seed appears in, and the frequent seeds."""

    min_articles: int = BOILERPLATE_MIN_ARTICLES
    counts: dict[str, Counter[tuple[str, ...]]] = field(default_factory=dict)
    frequent: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)

    def add(self, source: str | None, seeds: Iterable[tuple[str, ...]]) -> None:
        """Count one article's seeds for its outlet (articles without an outlet are not counted)."""
        if source is None:
            return
        counts = self.counts.setdefault(source, Counter())
        frequent = self.frequent.setdefault(source, set())
        for seed in set(seeds):
            counts[seed] += 1
            if counts[seed] == self.min_articles:
                frequent.add(seed)

    def of(self, source: str | None) -> set[tuple[str, ...]]:
        """The seeds that are boilerplate for ``source`` (do not modify)."""
        return self.frequent.get(source, set()) if source is not None else set()


def find_passages(
    articles: Sequence[StoryArticle],
    min_chars: int = 50,
    *,
    index: PassageIndex | None = None,
) -> list[Passage]:
    """Find passages reused between any two of ``articles``.

    Args:
        articles: the articles to compare (usually one story's).
        min_chars: shortest passage to report, in characters, on both sides.
        index: an archive index whose per-outlet boilerplate counts to use; by default
            boilerplate is counted among ``articles`` themselves.

    Returns:
        Passages ordered by target article, then position in it.

    Raises:
        InvalidInput: if two articles share an id.
    """
    if len({a.id for a in articles}) != len(articles):
        raise InvalidInput("article ids must be unique")
    words = {a.id: _Words.of(a.text) for a in articles}
    if index is not None:
        boilerplate = index.boilerplate
    else:
        boilerplate = _Boilerplate()
        for article in articles:
            boilerplate.add(article.source, words[article.id].seeds())
    passages: list[Passage] = []
    for first, second in combinations(articles, 2):
        passages.extend(
            _passages_between(
                first, second, words[first.id], words[second.id], boilerplate, min_chars
            )
        )
    return sorted(passages, key=lambda p: (p.target_article, p.target_span))


def _drop_contained(passages: list[Passage]) -> list[Passage]:
    """Drop a passage whose target span lies inside a longer one of the same article pair.

    A source that repeats a sentence (a highlight box and the body) aligns twice
    with the target; the reader needs the target's passage once, at its longest.
    """
    by_length = sorted(passages, key=lambda p: p.target_span[0] - p.target_span[1])
    kept: list[Passage] = []
    for passage in by_length:
        start, end = passage.target_span
        if not any(
            k.source_article == passage.source_article
            and k.target_article == passage.target_article
            and k.target_span[0] <= start
            and end <= k.target_span[1]
            for k in kept
        ):
            kept.append(passage)
    return kept


class PassageIndex:
    """Archive-wide candidates for reuse (MinHash LSH) and per-outlet boilerplate counts."""

    def __init__(
        self,
        *,
        threshold: float = LSH_THRESHOLD,
        permutations: int = LSH_PERMUTATIONS,
        boilerplate_min_articles: int = BOILERPLATE_MIN_ARTICLES,
    ) -> None:
        """Start an empty index.

        Args:
            threshold: Jaccard similarity of word windows at which LSH reports a candidate.
            permutations: MinHash permutations (more is more precise and slower).
            boilerplate_min_articles: articles of one outlet a seed must appear in to be
                that outlet's boilerplate.
        """
        self.permutations = permutations
        self.lsh = MinHashLSH(threshold=threshold, num_perm=permutations)
        self.boilerplate = _Boilerplate(boilerplate_min_articles)
        self.articles: dict[str, StoryArticle] = {}

    def __len__(self) -> int:
        return len(self.articles)

    def add(self, article: StoryArticle) -> None:
        """Index ``article`` (adding an id twice is an error: articles are immutable)."""
        if article.id in self.articles:
            raise InvalidInput(f"article {article.id!r} is already indexed")
        words = _Words.of(article.text)
        self.articles[article.id] = article
        self.boilerplate.add(article.source, words.seeds())
        for number, signature in enumerate(self._window_signatures(words)):
            self.lsh.insert(f"{article.id}\x00{number}", signature)

    def candidates(self, article: StoryArticle) -> list[str]:
        """Ids of indexed articles with a window similar to one of ``article``'s.

        Args:
            article: the article to look up (indexed or not; it is never its own candidate).

        Returns:
            Candidate article ids, most matching windows first.
        """
        hits: Counter[str] = Counter()
        for signature in self._window_signatures(_Words.of(article.text)):
            found = {key.split("\x00", 1)[0] for key in self.lsh.query(signature)}
            hits.update(found - {article.id})
        return [article_id for article_id, _ in hits.most_common()]

    def find_passages(self, article: StoryArticle, min_chars: int = 50) -> list[Passage]:
        """Passages ``article`` shares with indexed articles, outlet boilerplate excluded.

        Args:
            article: the article to compare with the archive.
            min_chars: shortest passage to report, in characters, on both sides.

        Returns:
            Passages in either direction between ``article`` and its candidates.
        """
        words = _Words.of(article.text)
        passages: list[Passage] = []
        for candidate_id in self.candidates(article):
            other = self.articles[candidate_id]
            passages.extend(
                _passages_between(
                    article, other, words, _Words.of(other.text), self.boilerplate, min_chars
                )
            )
        return passages

    def _window_signatures(self, words: _Words) -> list[MinHash]:
        """MinHash of each half-overlapping window of the article's seeds."""
        seeds = [" ".join(seed).encode() for seed in words.seeds()]
        step = WINDOW_WORDS // 2
        signatures = []
        for start in range(0, max(len(seeds) - step, 1), step):
            window = seeds[start : start + WINDOW_WORDS]
            if window:
                signature = MinHash(num_perm=self.permutations)
                signature.update_batch(window)
                signatures.append(signature)
        return signatures


def _passages_between(
    first: StoryArticle,
    second: StoryArticle,
    first_words: _Words,
    second_words: _Words,
    boilerplate: _Boilerplate,
    min_chars: int,
) -> list[Passage]:
    """Align two articles and orient each aligned passage by wire credit or date."""
    excluded = boilerplate.of(first.source) | boilerplate.of(second.source)
    source, target, reason = _direction(first, second)
    swapped = source is second
    passages = []
    for (a_start, a_end), (b_start, b_end) in _align(first_words, second_words, excluded):
        first_span = (first_words.starts[a_start], first_words.ends[a_end - 1])
        second_span = (second_words.starts[b_start], second_words.ends[b_end - 1])
        if min(first_span[1] - first_span[0], second_span[1] - second_span[0]) < min_chars:
            continue
        similarity = Indel.normalized_similarity(
            first_words.words[a_start:a_end], second_words.words[b_start:b_end]
        )
        if similarity < MIN_PASSAGE_SIMILARITY:
            continue
        source_span, target_span = (
            (second_span, first_span) if swapped else (first_span, second_span)
        )
        passages.append(
            Passage(
                source_article=source.id,
                target_article=target.id,
                source_span=source_span,
                target_span=target_span,
                text=target.text[target_span[0] : target_span[1]],
                similarity=round(similarity, 4),
                direction_reason=reason,
            )
        )
    return _drop_contained(passages)


def _align(
    first: _Words, second: _Words, excluded: set[tuple[str, ...]]
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Word spans ``((a_start, a_end), (b_start, b_end))`` of chained shared seeds."""
    second_positions: defaultdict[tuple[str, ...], list[int]] = defaultdict(list)
    for position, seed in enumerate(second.seeds()):
        second_positions[seed].append(position)
    first_seeds = first.seeds()
    first_counts = Counter(first_seeds)
    matches: list[tuple[int, int]] = []
    for i, seed in enumerate(first_seeds):
        js = second_positions.get(seed)
        if not js or seed in excluded:
            continue
        if len(js) > MAX_SEED_REPEATS or first_counts[seed] > MAX_SEED_REPEATS:
            continue
        matches.extend((i, j) for j in js)
    chains: list[list[tuple[int, int]]] = []
    for i, j in sorted(matches):
        chain = _chain_to_extend(chains, i, j, first, second)
        if chain is None:
            chains.append([(i, j)])
        else:
            chain.append((i, j))
    return [
        ((chain[0][0], chain[-1][0] + SEED_WORDS), (chain[0][1], chain[-1][1] + SEED_WORDS))
        for chain in chains
    ]


def _chain_to_extend(
    chains: list[list[tuple[int, int]]], i: int, j: int, first: _Words, second: _Words
) -> list[tuple[int, int]] | None:
    """The open chain that seed ``(i, j)`` continues, if any (the nearest one)."""
    best: list[tuple[int, int]] | None = None
    best_gap = LARGE_GAP_WORDS + 1
    for chain in reversed(chains[-50:]):  # only recent chains can be within reach
        last_i, last_j = chain[-1]
        if i <= last_i or j <= last_j:
            continue
        gap_a = i - (last_i + SEED_WORDS)
        gap_b = j - (last_j + SEED_WORDS)
        gap = max(gap_a, gap_b)
        if gap > LARGE_GAP_WORDS or gap >= best_gap:
            continue
        if gap > SMALL_GAP_WORDS and not _similar_gap(first, second, last_i, i, last_j, j):
            continue
        # Overlapping seeds must stay on (nearly) the same diagonal.
        if min(gap_a, gap_b) < 0 and abs((i - last_i) - (j - last_j)) > SMALL_GAP_WORDS:
            continue
        best, best_gap = chain, gap
    return best


def _similar_gap(first: _Words, second: _Words, last_i: int, i: int, last_j: int, j: int) -> bool:
    """Whether the unmatched words between two seeds are alike on both sides."""
    gap_a = first.words[last_i + SEED_WORDS : i]
    gap_b = second.words[last_j + SEED_WORDS : j]
    return Indel.normalized_similarity(gap_a, gap_b) >= LARGE_GAP_SIMILARITY


def wire_service(article: StoryArticle) -> str | None:
    """The wire service an article is, or credits in its dateline or sign-off, if any.

    Args:
        article: the article to inspect.

    Returns:
        "ap", "reuters", "afp" or "press release", or None.
    """
    if article.source:
        for name, pattern in _WIRE_NAMES.items():
            if pattern.search(article.source.strip()):
                return name
    # Credits sit in the dateline or the sign-off ("(With inputs from Reuters)").
    ends = (article.text[:WIRE_CREDIT_CHARS], article.text[-WIRE_CREDIT_CHARS:])
    for name, pattern in _WIRE_CREDITS.items():
        if any(pattern.search(end) for end in ends):
            return name
    return None


def _direction(first: StoryArticle, second: StoryArticle) -> tuple[StoryArticle, StoryArticle, str]:
    """``(source, target, reason)`` for passages shared by two articles."""
    first_wire, second_wire = wire_service(first), wire_service(second)
    if first_wire and not second_wire:
        return first, second, f"wire:{first_wire}"
    if second_wire and not first_wire:
        return second, first, f"wire:{second_wire}"
    first_time, second_time = _as_utc(first.published), _as_utc(second.published)
    if first_time is not None and second_time is not None and first_time != second_time:
        if first_time < second_time:
            return first, second, "earlier"
        return second, first, "earlier"
    return first, second, "undetermined"


def _as_utc(moment: datetime | None) -> datetime | None:
    """``moment`` as naive UTC (naive input is taken to be UTC already)."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
