"""A story (one real-world event) as the clusterer holds it, and how to score against it."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

from newstrail.clustering.features import ArticleVectors, SparseVector

SUBVECTORS = ("headline", "body", "entities")


@dataclass(frozen=True)
class Weights:
    """How much each similarity counts, and how fast it fades with the time gap."""

    headline: float
    body: float
    entities: float
    time_scale_days: float
    time_bonus: float
    time_bonus_days: float


def dot(left: SparseVector, right: SparseVector) -> float:
    """Sparse dot product over the shared terms.

    The key intersection runs in C; most candidate pairs share few terms, so this
    is ~3× faster than looking up every term of the smaller vector (profiled on
    bench/clustering_scale.py).
    """
    if len(left) > len(right):
        left, right = right, left
    return sum([left[term] * right[term] for term in left.keys() & right.keys()])


def add_into(total: SparseVector, vector: SparseVector, sign: float = 1.0) -> None:
    """``total += sign * vector`` in place."""
    get = total.get
    for term, weight in vector.items():
        total[term] = get(term, 0.0) + sign * weight


def time_factor(gap_days: float, scale_days: float) -> float:
    """Gaussian fading of similarity with the days between an article and a story."""
    if gap_days <= 0.0 or scale_days <= 0.0:
        return 1.0
    return math.exp(-0.5 * (gap_days / scale_days) ** 2)


def time_closeness(
    first: float | None,
    last: float | None,
    other_first: float | None,
    other_last: float | None,
    weights: Weights,
) -> tuple[float, float]:
    """(fading factor, bonus) for two date spans; undated spans get (1, 0).

    Being published within a day of each other is evidence of one event in its
    own right (AllSides roundups are same-day), so dated pairs that are close get a
    small additive bonus besides the fading.
    """
    if first is None or last is None or other_first is None or other_last is None:
        return 1.0, 0.0
    gap = max(0.0, other_first - last, first - other_last)
    factor = time_factor(gap, weights.time_scale_days)
    return factor, weights.time_bonus * time_factor(gap, weights.time_bonus_days)


@dataclass
class Story:
    """Members, centroid sums and time span of one story.

    Centroids are sums of member vectors with the squared norm kept beside each,
    so adding a member costs one sparse pass. Member vectors are dropped when the
    story goes dormant: only ids, dates and the title stay (memory at 1M articles).
    """

    story_id: int
    members: list[str] = field(default_factory=list)
    member_days: list[float | None] = field(default_factory=list)
    vectors: list[ArticleVectors] | None = field(default_factory=list)
    centroids: dict[str, SparseVector] = field(
        default_factory=lambda: {name: {} for name in SUBVECTORS}
    )
    squared_norms: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SUBVECTORS, 0.0))
    first_day: float | None = None
    last_day: float | None = None
    frozen_title: str | None = None
    indexed_terms: list[int] = field(default_factory=list)

    @property
    def active(self) -> bool:
        """Whether the story can still receive articles."""
        return self.vectors is not None

    def add(self, vectors: ArticleVectors, day: float | None) -> None:
        """Add one member article."""
        assert self.vectors is not None, "dormant stories take no members"
        for name in SUBVECTORS:
            vector: SparseVector = getattr(vectors, name)
            centroid = self.centroids[name]
            self.squared_norms[name] += 2.0 * dot(centroid, vector) + dot(vector, vector)
            add_into(centroid, vector)
        self.members.append(vectors.article_id)
        self.member_days.append(day)
        self.vectors.append(vectors)
        if day is not None:
            self.first_day = day if self.first_day is None else min(self.first_day, day)
            self.last_day = day if self.last_day is None else max(self.last_day, day)

    def rebuild(self) -> None:
        """Recompute centroids and span from the member vectors (after removals)."""
        assert self.vectors is not None
        members = list(zip(self.vectors, self.member_days, strict=True))
        self.members, self.member_days, self.vectors = [], [], []
        self.centroids = {name: {} for name in SUBVECTORS}
        self.squared_norms = dict.fromkeys(SUBVECTORS, 0.0)
        self.first_day = self.last_day = None
        for vectors, day in members:
            self.add(vectors, day)

    def score(self, vectors: ArticleVectors, day: float | None, weights: Weights) -> float:
        """Weighted cosine of an article with this story's centroids, faded by time."""
        total = 0.0
        for name, weight in (
            ("headline", weights.headline),
            ("body", weights.body),
            ("entities", weights.entities),
        ):
            norm = self.squared_norms[name]
            if weight and norm > 1e-12:
                total += (
                    weight * dot(getattr(vectors, name), self.centroids[name]) / math.sqrt(norm)
                )
        factor, bonus = time_closeness(self.first_day, self.last_day, day, day, weights)
        return total * factor + bonus

    def similarity(self, other: Story, weights: Weights) -> float:
        """Weighted cosine between two stories' centroids, faded by their time gap."""
        total = 0.0
        for name, weight in (
            ("headline", weights.headline),
            ("body", weights.body),
            ("entities", weights.entities),
        ):
            norms = self.squared_norms[name] * other.squared_norms[name]
            if weight and norms > 1e-24:
                overlap = dot(self.centroids[name], other.centroids[name])
                total += weight * overlap / math.sqrt(norms)
        factor, bonus = time_closeness(
            self.first_day, self.last_day, other.first_day, other.last_day, weights
        )
        return total * factor + bonus

    def fit_without(self, position: int, weights: Weights) -> float:
        """How well member ``position`` fits the centroid of the other members."""
        assert self.vectors is not None
        vectors = self.vectors[position]
        total = 0.0
        for name, weight in (
            ("headline", weights.headline),
            ("body", weights.body),
            ("entities", weights.entities),
        ):
            vector: SparseVector = getattr(vectors, name)
            own = dot(vector, vector)
            shared = dot(vector, self.centroids[name]) - own
            rest = self.squared_norms[name] - 2.0 * shared - own
            if weight and own > 1e-12 and rest > 1e-12:
                total += weight * shared / math.sqrt(rest * own)
        return total

    def top_terms(self, count: int) -> list[int]:
        """The heaviest body and entity terms of the centroid, for the index."""
        terms = heapq.nlargest(count, self.centroids["body"].items(), key=lambda item: item[1])
        entities = heapq.nlargest(
            count // 2, self.centroids["entities"].items(), key=lambda item: item[1]
        )
        return [term for term, _ in terms] + [term for term, _ in entities]

    def title(self) -> str:
        """Representative headline: the member headline closest to the headline centroid."""
        if self.frozen_title is not None or not self.vectors:
            return self.frozen_title or ""
        centroid = self.centroids["headline"]
        best = max(
            range(len(self.vectors)),
            key=lambda position: (dot(self.vectors[position].headline, centroid), -position)
            if self.vectors is not None
            else (0.0, 0),
        )
        return self.vectors[best].title

    def go_dormant(self) -> None:
        """Drop vectors and centroids; keep ids, dates and the title."""
        self.frozen_title = self.title()
        self.vectors = None
        self.centroids = {name: {} for name in SUBVECTORS}
        self.squared_norms = dict.fromkeys(SUBVECTORS, 0.0)
        self.indexed_terms = []
