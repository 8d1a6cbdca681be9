"""Online story clustering: place each arriving article into a story or start one.

The method follows Miranda et al. (2018, "Multilingual clustering of streaming
news"): per-article TF-IDF sub-vectors (headline, body, entities) with IDF
estimated online, candidate stories retrieved from an inverted index, a
weighted similarity faded by the time gap, then join-or-create against a
threshold. Maintenance on top: a story that has grown is merged with a close
neighbour, and members that no longer fit their story are re-placed; both are
reported as ``StoryMove`` events. Thresholds and weights were chosen by
cross-validation over whole gold stories (bench/clustering.py).
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from newstrail.stories.clustering.ahead import vectorised_ahead
from newstrail.stories.clustering.bisection import group_similarity, member_matrix, spectral_cut
from newstrail.stories.clustering.features import (
    ArticleTerms,
    ArticleVectoriser,
    ArticleVectors,
    OnlineIdf,
)
from newstrail.stories.clustering.index import StoryIndex
from newstrail.stories.clustering.story import Story, SubvectorScratch, Weights

_SECONDS_PER_DAY = 86_400.0
# Story sizes the bisect check cuts. From 6: at 4 a cut is two pairs, thin
# evidence, and those checks were ~45% of all cuts on the scale stream
# (bench/clustering_scale.py); cutting from 4 instead, held-out B³ F1 fell
# (ECB+ 0.951 → 0.924, AllSides 0.948 → 0.942, overall 0.955 → 0.944). Up to
# 32: a second event is caught while it is small, and the member matrix grows
# with the square of the size.
_BISECT_MIN_MEMBERS = 6
_BISECT_MAX_MEMBERS = 32


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class ClusterSettings:
    """Clustering options, each with its default and help text.

    The defaults come from bench/clustering.py: join threshold, closeness bonus
    and entity weight were swept there and are cross-validated by story group
    (5 folds, settings picked on four, scored on the fifth). Lowering
    ``body_terms`` to 100 cost ECB+ 6 points of B³ F1; 8 candidates score the
    same as 24 on all three gold sets at a third of the cost. The year-mismatch
    factor was added to that grid: 0.7 was chosen in 4 of the 5 folds (0.5 in
    the fifth) and lifts held-out ECB+ B³ F1 0.880 → 0.889; BASIL and AllSides
    are dated, so it never applies to them.

    Then the bisect check (``_maybe_bisect``) and figures counted twice among
    the entity terms (``features.FIGURE_REPEATS``) came in, and the grid was
    re-centred on what the folds chose: join threshold 0.22 (all 5 folds;
    was 0.24), entity weight 0.5 (all 5; was 0.4), closeness bonus 0.25 (4 of
    5; was 0.2), bisect threshold 0.38 (all 5), year-mismatch factor 0.7 (all
    5). Held-out B³ F1 before → after: ECB+ 0.889 → 0.951, BASIL 0.958 →
    1.000, AllSides 0.950 → 0.948, overall 0.933 → 0.955 (held-out pairwise
    F1: 0.834 → 0.948, 0.924 → 1.000, 0.861 → 0.868, 0.846 → 0.929).
    """

    join_threshold: float = _setting(0.22, "Lowest score that puts an article in a story.")
    merge_threshold: float = _setting(0.45, "Lowest centroid similarity that merges two stories.")
    rejoin_threshold: float = _setting(
        0.30, "Lowest similarity at which a one-article story joins a grown neighbour."
    )
    split_threshold: float = _setting(
        0.10, "Members fitting the rest of their story below this are re-placed."
    )
    bisect_threshold: float = _setting(
        0.38,
        "A story whose two halves (a spectral cut, two or more members each) are less "
        "similar than this is split in two (0 = off).",
    )
    headline_weight: float = _setting(0.15, "Weight of the headline similarity.")
    body_weight: float = _setting(0.45, "Weight of the body similarity.")
    entity_weight: float = _setting(0.50, "Weight of the entity (names, numbers) similarity.")
    time_scale_days: float = _setting(4.0, "Days over which similarity fades (Gaussian sigma).")
    time_bonus: float = _setting(
        0.25, "Score added for dated articles published close together (see time_bonus_days)."
    )
    time_bonus_days: float = _setting(
        0.5, "Days over which the closeness bonus fades (Gaussian sigma)."
    )
    busy_day_stories: float = _setting(
        10.0,
        "New stories a day beyond which the closeness bonus shrinks in proportion.",
    )
    year_mismatch_factor: float = _setting(
        0.7,
        "Score factor for an undated article or story whose written years share none "
        "with the other side's (1 = off).",
    )
    dormant_after_days: float = _setting(
        7.0, "A story idle this many days before an article's date is no longer a candidate."
    )
    body_chars: int = _setting(1000, "Characters of the article body used (the lead).")
    body_terms: int = _setting(150, "Heaviest body terms kept per article.")
    entity_terms: int = _setting(60, "Heaviest entity terms kept per article.")
    index_terms: int = _setting(
        24, "Top terms a story is indexed under (plus half as many entities)."
    )
    candidates: int = _setting(8, "Most candidate stories scored per article.")
    max_postings: int = _setting(
        300, "Terms indexing more stories than this are too common to retrieve by."
    )

    @classmethod
    def documented(cls) -> dict[str, str]:
        """Each setting's name and help text."""
        return {item.name: item.metadata["help"] for item in fields(cls)}

    def weights(self) -> Weights:
        """The scoring weights these settings describe."""
        return Weights(
            headline=self.headline_weight,
            body=self.body_weight,
            entities=self.entity_weight,
            time_scale_days=self.time_scale_days,
            time_bonus=self.time_bonus,
            time_bonus_days=self.time_bonus_days,
            year_mismatch=self.year_mismatch_factor,
        )


@dataclass(frozen=True)
class ClusterArticle:
    """An article to place: identity, text, and optional metadata."""

    id: str
    title: str
    text: str
    date: datetime | None = None
    source: str | None = None
    url: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class StoryMove:
    """An article whose story changed after it was placed."""

    article_id: str
    from_story: int
    to_story: int
    reason: str  # "merge" or "split"


@dataclass(frozen=True)
class Placement:
    """Where an article went, and what else moved as a consequence."""

    article_id: str
    story_id: int
    new_story: bool
    score: float
    moves: tuple[StoryMove, ...] = ()


@dataclass(frozen=True)
class StoryInfo:
    """A story as shown to readers."""

    story_id: int
    title: str
    first_seen: datetime | None
    last_seen: datetime | None
    article_ids: tuple[str, ...]


def to_day(moment: datetime | None) -> float | None:
    """Days since the epoch (naive datetimes are taken as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp() / _SECONDS_PER_DAY


def from_day(day: float | None) -> datetime | None:
    """Inverse of ``to_day``."""
    return None if day is None else datetime.fromtimestamp(day * _SECONDS_PER_DAY, tz=UTC)


class StoryClusterer:
    """Places articles into stories one at a time, in arrival order."""

    def __init__(self, settings: ClusterSettings | None = None) -> None:
        """Start with no stories.

        Args:
            settings: clustering options; the defaults are the cross-validated ones.
        """
        self.settings = settings or ClusterSettings()
        self._base_weights = self.settings.weights()
        self._weights = self._base_weights
        self._weights_when_busy = (0, self._base_weights)  # (busy count, its weights)
        self._recent_starts: deque[float] = deque()  # days of stories started lately
        self._vectoriser = ArticleVectoriser(
            self.settings.body_chars, self.settings.body_terms, self.settings.entity_terms
        )
        self._index = StoryIndex(self.settings.max_postings)
        self._scratch = SubvectorScratch()
        self._stories: dict[int, Story] = {}
        self._next_id = 1
        self._watermark: float | None = None  # latest article day seen
        self._expiry: list[tuple[float, int]] = []  # (last day, story id), lazily pruned

    # -- placing ---------------------------------------------------------------

    def place(self, article: ClusterArticle, tokens: ArticleTerms | None = None) -> Placement:
        """Put ``article`` into the best-matching active story, or a new one.

        Args:
            article: the arriving article; its ``date`` drives time fading and dormancy.
            tokens: the article already tokenised (see ``place_all``); else it is done here.

        Returns:
            The placement, with any merge/split moves of other articles it caused.
        """
        day = to_day(article.date)
        vectoriser = self._vectoriser
        if tokens is None:
            vectors = vectoriser.vectorise(article.id, article.title, article.text, article.date)
        else:
            vectors = vectoriser.weigh(article.id, article.date, tokens)
        if day is not None:
            self._advance_watermark(day)
            self._expire()
        self._weights = self._current_weights()
        ranked = self._rank(vectors, day, exclude=None)
        if ranked and ranked[0][0] >= self.settings.join_threshold:
            score, story = ranked[0]
            story.add(vectors, day)
            self._refresh_index(story)
            moves: list[StoryMove] = []
            # Only neighbours the article itself found close can have come close to
            # its story; scoring the rest would cost three dot products each for nothing.
            neighbours = [s for value, s in ranked[1:4] if value >= score / 2]
            final = self._maybe_merge(story, neighbours, moves)
            final = self._maybe_split(final, moves)
            final = self._maybe_bisect(final, moves)
            # If the article itself was split out, its last move says where it went.
            home = next(
                (m.to_story for m in reversed(moves) if m.article_id == article.id),
                final.story_id,
            )
            return Placement(article.id, home, False, score, tuple(moves))
        story = self._new_story(vectors, day)
        score = ranked[0][0] if ranked else 0.0
        return Placement(article.id, story.story_id, True, score, ())

    def place_all(
        self, articles: Iterable[ClusterArticle], *, workers: int | None = None
    ) -> Iterator[Placement]:
        """``place`` each article in turn, vectorising long streams ahead in another process.

        No other ``place`` call may run on this clusterer until the stream ends
        (it would still be placed correctly, but every later article would be
        weighed twice).

        Args:
            articles: the stream, in arrival order.
            workers: 1 for a vectorising worker process, 0 for none (see
                ``ahead.vectorised_ahead``; default: one on 2+ cores).

        Returns:
            One placement per article, in order; the same as calling ``place`` on each.
        """
        for article, tokens in vectorised_ahead(articles, self._vectoriser, workers=workers):
            yield self.place(article, tokens)

    def _rank(
        self, vectors: ArticleVectors, day: float | None, exclude: int | None
    ) -> list[tuple[float, Story]]:
        """Candidate stories scored against the article, best first."""
        query = vectors.top(1, self.settings.index_terms) + vectors.top(
            2, self.settings.index_terms // 2
        )
        window = self.settings.dormant_after_days
        stories = self._stories
        candidates = [
            story
            for story in map(
                stories.__getitem__, self._index.candidates(query, self.settings.candidates)
            )
            if story.story_id != exclude
            and story.active
            and not _outside_window(day, story, window)
        ]
        self._scratch.load(vectors)
        scored = list(
            zip(self._scratch.score_all(candidates, day, self._weights), candidates, strict=True)
        )
        # Scores equal but for float rounding (the order of a dot product's terms
        # differs between NumPy builds) tie-break on the story id, newest first.
        scored.sort(key=lambda item: (-round(item[0], 12), -item[1].story_id))
        return scored

    def _advance_watermark(self, day: float) -> None:
        """Note the latest article day seen (dormancy is measured from it)."""
        self._watermark = day if self._watermark is None else max(self._watermark, day)

    def _current_weights(self) -> Weights:
        """Scoring weights, with the closeness bonus shrunk on busy days.

        Being published the same day says a lot when a few stories break a day
        (AllSides: ~1-4) and little when hundreds do, so past
        ``busy_day_stories`` new stories in the last day the bonus falls in
        proportion (the chance that two same-day articles share a story does).
        """
        if self._watermark is None:
            return self._base_weights
        while self._recent_starts and self._recent_starts[0] < self._watermark - 1.0:
            self._recent_starts.popleft()
        busy = len(self._recent_starts)
        if busy <= self.settings.busy_day_stories:
            return self._base_weights
        # The count changes a few times a day while articles arrive by the
        # hundred, so the shrunk weights are kept per count (``replace`` on every
        # article cost 1.2% of placing one at 100k: 0.095 of 8.2 s in cProfile).
        if self._weights_when_busy[0] != busy:
            shrunk = self._base_weights.time_bonus * self.settings.busy_day_stories / busy
            self._weights_when_busy = (busy, replace(self._base_weights, time_bonus=shrunk))
        return self._weights_when_busy[1]

    def _new_story(self, vectors: ArticleVectors, day: float | None) -> Story:
        if day is not None:
            self._recent_starts.append(day)
        story = Story(self._next_id)
        self._next_id += 1
        self._stories[story.story_id] = story
        story.add(vectors, day)
        self._refresh_index(story)
        return story

    def _refresh_index(self, story: Story) -> None:
        """Re-post the story under its current top terms when it reaches a size checkpoint."""
        size = len(story.members)
        if story.indexed_terms and not _is_checkpoint(size):
            self._track_expiry(story)
            return
        self._index.remove(story.story_id, story.indexed_terms)
        story.indexed_terms = story.top_terms(self.settings.index_terms)
        self._index.add(story.story_id, story.indexed_terms)
        self._track_expiry(story)

    def _reindex(self, story: Story) -> None:
        """Re-post ``story`` under its current top terms, whatever its size."""
        story.indexed_terms, old_terms = [], story.indexed_terms
        self._index.remove(story.story_id, old_terms)
        self._refresh_index(story)

    def _take_out(
        self, story: Story, positions: list[int]
    ) -> list[tuple[ArticleVectors, float | None]]:
        """Remove the members at ``positions`` (ascending) and re-index ``story``; return them."""
        assert story.vectors is not None
        leaving = [(story.vectors[p], story.member_days[p]) for p in positions]
        for position in reversed(positions):
            del story.vectors[position]
            del story.member_days[position]
            del story.members[position]
        story.rebuild()
        self._reindex(story)
        return leaving

    def _track_expiry(self, story: Story) -> None:
        if story.last_day is not None:
            heapq.heappush(self._expiry, (story.last_day, story.story_id))

    def _expire(self) -> None:
        """Send stories idle longer than the dormancy window to sleep."""
        assert self._watermark is not None
        horizon = self._watermark - self.settings.dormant_after_days
        while self._expiry and self._expiry[0][0] < horizon:
            last_day, story_id = heapq.heappop(self._expiry)
            story = self._stories.get(story_id)
            if story is None or not story.active or story.last_day != last_day:
                continue  # merged away, already dormant, or touched since
            self._index.remove(story_id, story.indexed_terms)
            story.go_dormant()

    # -- maintenance -------------------------------------------------------------

    def _maybe_merge(self, story: Story, neighbours: list[Story], moves: list[StoryMove]) -> Story:
        """Merge ``story`` with a neighbour whose centroid has come close; return the survivor."""
        for neighbour in neighbours:
            if neighbour.story_id not in self._stories or not neighbour.active:
                continue
            # A one-article story absorbed now is just a late join, so it needs only
            # about the join score; merging two grown stories needs more.
            smallest = min(len(story.members), len(neighbour.members))
            needed = (
                self.settings.rejoin_threshold if smallest == 1 else self.settings.merge_threshold
            )
            if story.similarity(neighbour, self._weights) < needed:
                continue
            big, small = sorted((story, neighbour), key=lambda s: (-len(s.members), s.story_id))
            assert small.vectors is not None
            for vectors, day in zip(small.vectors, small.member_days, strict=True):
                big.add(vectors, day)
                moves.append(StoryMove(vectors.article_id, small.story_id, big.story_id, "merge"))
            self._index.remove(small.story_id, small.indexed_terms)
            del self._stories[small.story_id]
            self._reindex(big)
            story = big
        return story

    def _maybe_split(self, story: Story, moves: list[StoryMove]) -> Story:
        """Re-place members that no longer fit the rest of their story (at size checkpoints)."""
        size = len(story.members)
        if size < 4 or not _is_checkpoint(size) or story.vectors is None:
            return story
        threshold = self.settings.split_threshold
        misfits = [
            position
            for position in self._scratch.possible_misfits(story, self._weights, threshold)
            if story.fit_without(position, self._weights) < threshold
        ]
        if not misfits or len(misfits) * 2 >= size:
            return story  # a story that is mostly misfits is left for merges to sort out
        for vectors, day in self._take_out(story, misfits):
            ranked = self._rank(vectors, day, exclude=story.story_id)
            if ranked and ranked[0][0] >= self.settings.join_threshold:
                target = ranked[0][1]
                target.add(vectors, day)
                self._refresh_index(target)
            else:
                target = self._new_story(vectors, day)
            moves.append(StoryMove(vectors.article_id, story.story_id, target.story_id, "split"))
        return story

    def _maybe_bisect(self, story: Story, moves: list[StoryMove]) -> Story:
        """Split off half of a story whose halves would not be merged (at size checkpoints).

        Two events of one kind (two title defences of one boxer) can share a
        story once an article of the second joins the first: later articles of
        the second then join it too. The misfit check cannot see this, since
        each half fits the mixed centroid. So the members are cut in two by the
        graph of their similarities, and when both halves have two or more
        members and their centroids are less similar than ``bisect_threshold``,
        the smaller half (the later event, usually) becomes a story of its own.
        Only stories of ``_BISECT_MIN_MEMBERS`` to ``_BISECT_MAX_MEMBERS`` members are cut.
        On bench/clustering_scale.py's stream (10k articles, A/B in one process)
        the check lifts B³ F1 against its story labels 0.961 → 0.985 and costs
        about a tenth of placing time (2,003 → 1,744 articles per CPU-second).
        """
        size = len(story.members)
        if (
            not self.settings.bisect_threshold
            or size < _BISECT_MIN_MEMBERS
            or size > _BISECT_MAX_MEMBERS
            or not _is_checkpoint(size)
            or story.vectors is None
        ):
            return story
        matrix, bounds = member_matrix(story.vectors)
        weights = self._weights
        column_weights = np.repeat(
            np.sqrt([weights.headline, weights.body, weights.entities]), np.diff(bounds)
        )
        weighted = matrix * column_weights
        leaves = spectral_cut(weighted @ weighted.T)
        # The larger half stays; of equal halves, the one with the first member.
        leaving_count = int(leaves.sum())
        if leaving_count * 2 > size or (leaving_count * 2 == size and not leaves[0]):
            leaves = ~leaves
            leaving_count = size - leaving_count
        if leaving_count < 2:
            return story
        if (
            group_similarity(story, matrix, bounds, leaves, weights)
            >= self.settings.bisect_threshold
        ):
            return story
        leaving = self._take_out(story, np.flatnonzero(leaves).tolist())
        target = self._new_story(*leaving[0])
        for vectors, day in leaving[1:]:
            target.add(vectors, day)
        self._reindex(target)
        for vectors, _ in leaving:
            moves.append(StoryMove(vectors.article_id, story.story_id, target.story_id, "split"))
        return story

    # -- reading -----------------------------------------------------------------

    def stories(self) -> dict[int, list[str]]:
        """Story id → member article ids, for every story (active or dormant)."""
        return {story_id: list(story.members) for story_id, story in self._stories.items()}

    def story_title(self, story_id: int) -> str:
        """The representative headline of a story (closest to its headline centroid)."""
        return self._stories[story_id].title()

    def story_info(self, story_id: int) -> StoryInfo:
        """Title, first/last seen and members of a story."""
        story = self._stories[story_id]
        return StoryInfo(
            story_id=story_id,
            title=story.title(),
            first_seen=from_day(story.first_day),
            last_seen=from_day(story.last_day),
            article_ids=tuple(story.members),
        )

    @classmethod
    def from_assignments(
        cls,
        assignments: Iterable[tuple[ClusterArticle, int]],
        settings: ClusterSettings | None = None,
        *,
        next_id: int = 1,
    ) -> StoryClusterer:
        """A clusterer holding given stories, for when no saved state can be read.

        Each article is counted into the IDF, in the order given (arrival
        order), and added to its story, with no placement decision; stories
        idle past the dormancy window at the end go dormant. Later placements
        then see these stories under their own ids.

        Args:
            assignments: ``(article, story id)`` pairs in arrival order.
            settings: clustering options.
            next_id: lowest id a new story may take (ids of stories merged
                away must not come back); at least one above every story given.
        """
        clusterer = cls(settings)
        clusterer._next_id = next_id
        for article, story_id in assignments:
            day = to_day(article.date)
            vectors = clusterer._vectoriser.vectorise(
                article.id, article.title, article.text, article.date
            )
            if day is not None:
                clusterer._advance_watermark(day)
            story = clusterer._stories.setdefault(story_id, Story(story_id))
            story.add(vectors, day)
            clusterer._refresh_index(story)
            clusterer._next_id = max(clusterer._next_id, story_id + 1)
        if clusterer._watermark is not None:
            clusterer._expire()
        return clusterer

    def to_state(self) -> bytes:
        """Serialise everything needed to resume (zstd-compressed npz of arrays and JSON)."""
        from newstrail.stories.clustering.state import encode_state

        return encode_state(self)

    @classmethod
    def from_state(cls, data: bytes) -> StoryClusterer:
        """Resume from ``to_state`` output; later placements are identical to an unbroken run."""
        from newstrail.stories.clustering.state import decode_state

        return decode_state(data)

    def _restore(
        self,
        stories: dict[int, Story],
        idf: OnlineIdf,
        next_id: int,
        watermark: float | None,
        recent_starts: list[float],
    ) -> None:
        """Install decoded state (used by ``from_state``)."""
        self._recent_starts = deque(recent_starts)
        self._stories = stories
        self._vectoriser.idf = idf
        self._next_id = next_id
        self._watermark = watermark
        self._index = StoryIndex(self.settings.max_postings)
        self._expiry = []
        for story in stories.values():
            if story.active:
                self._index.add(story.story_id, story.indexed_terms)
                if story.last_day is not None:
                    self._expiry.append((story.last_day, story.story_id))
        heapq.heapify(self._expiry)


def _outside_window(day: float | None, story: Story, window: float) -> bool:
    """Whether a dated article is more than ``window`` days from a dated story's span."""
    if day is None or story.first_day is None or story.last_day is None:
        return False
    return day - story.last_day > window or story.first_day - day > window


def _is_checkpoint(size: int) -> bool:
    """Sizes at which a story is re-indexed and checked: 1-4, then ~1.5× steps."""
    if size <= 4:
        return True
    power = 1 << (size.bit_length() - 1)
    return size in (power, power + power // 2)


def parse_date(value: object) -> datetime | None:
    """A record's ``date`` (ISO string, date or datetime) as a datetime, else None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def arrival_key(date: datetime | None) -> tuple[float, float]:
    """Where an article falls in a record stream's arrival order: undated first, then by date.

    Sorting is stable, so articles with equal keys keep their input order.
    """
    day = to_day(date)
    return (0.0, 0.0) if day is None else (1.0, day)


def article_from_record(record: dict[str, Any], body_chars: int) -> ClusterArticle:
    """An input record as the clusterer sees it; only the lead of the text it reads is kept."""
    return ClusterArticle(
        id=str(record["id"]),
        title=str(record.get("title") or ""),
        text=str(record.get("text") or "")[:body_chars],
        date=parse_date(record.get("date")),
        source=record.get("source"),
        url=record.get("url"),
        lang=record.get("lang"),
    )


def cluster_records(
    records: Iterable[dict[str, Any]],
    settings: ClusterSettings | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[str, int]]:
    """Cluster article records as one stream and yield each article's final story.

    Gold fields (``story_id``, ``topic_id``, ``event_label``, ...) are never read.
    Only the part of each text the clusterer reads (``body_chars``) is kept
    while the stream is sorted into date order, so memory does not grow with
    article length (1M articles of a few KB each would otherwise be held whole).

    Args:
        records: dicts with ``id``, ``title``, ``text`` and optionally ``date``,
            ``source``, ``url``, ``lang``.
        settings: clustering options.
        progress: called as ``progress(placed, total)`` every 1,000 articles and at the end.

    Returns:
        ``(article id, story id)`` in input order, after all merges and splits;
        articles are placed in date order when dates exist (undated first, in
        file order), file order otherwise.
    """
    settings = settings or ClusterSettings()
    articles = [article_from_record(record, settings.body_chars) for record in records]
    arriving = sorted(articles, key=lambda article: arrival_key(article.date))
    story_of = final_stories(arriving, len(articles), settings, progress)
    for article in articles:
        yield article.id, story_of[article.id]


def final_stories(
    arriving: Iterable[ClusterArticle],
    total: int,
    settings: ClusterSettings,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Place ``arriving`` (in arrival order) as one stream; each article id's final story.

    Args:
        arriving: the articles, in the order they are placed.
        total: how many there are (for ``progress``).
        settings: clustering options.
        progress: called as ``progress(placed, total)`` every 1,000 articles and at the end.
    """
    clusterer = StoryClusterer(settings)
    for count, _ in enumerate(clusterer.place_all(arriving), start=1):
        if progress is not None and (count % 1000 == 0 or count == total):
            progress(count, total)
    return {
        article_id: story_id
        for story_id, members in clusterer.stories().items()
        for article_id in members
    }
