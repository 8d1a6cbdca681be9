"""A story (one real-world event) as the clusterer holds it, and how to score against it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from newstrail.stories.clustering.features import HASH_BITS, ArticleVectors, StackedVector

SUBVECTORS = ("headline", "body", "entities")
# Stories up to this size are scored through packed arrays (see ``Story.packed``);
# bigger ones through dict lookups, whose cost does not grow with the centroid,
# because re-packing a centroid of tens of thousands of terms after every join
# would cost more than the lookups save.
PACKED_MAX_MEMBERS = 32
_BUCKET_MASK = (1 << HASH_BITS) - 1  # a stacked key's bucket, without its sub-vector
# How far above the split threshold a numpy estimate of a member's fit must be
# for the exact check to be skipped (see ``SubvectorScratch.possible_misfits``).
_FIT_MARGIN = 1e-6


@dataclass(frozen=True)
class Weights:
    """How much each similarity counts, and how fast it fades with the time gap."""

    headline: float
    body: float
    entities: float
    time_scale_days: float
    time_bonus: float
    time_bonus_days: float
    year_mismatch: float = 1.0


def year_factor(
    years: frozenset[int] | set[int], other_years: frozenset[int] | set[int], weights: Weights
) -> float:
    """``weights.year_mismatch`` when both sides name years and none is shared, else 1.

    Only applied where one side is undated (dated pairs fade with their time gap
    instead): the year in an undated article's dateline is then the one clue
    that tells a topic's two events apart (ECB+: a boxer's 2008 and 2012 title
    defences share every name but the opponent's).
    """
    if years and other_years and years.isdisjoint(other_years):
        return weights.year_mismatch
    return 1.0


def sorted_stacked(vectors: ArticleVectors) -> StackedVector:
    """An article's stacked (keys, values) in ascending key order, for merging into centroids."""
    keys, values = vectors.stacked
    order = np.argsort(keys)
    return keys[order], values[order]


def grouped_dots(
    keys: np.ndarray,
    values: np.ndarray,
    groups: np.ndarray,
    count: int,
    centroid_keys: np.ndarray,
    centroid_sums: np.ndarray,
) -> np.ndarray:
    """Dot products of (keys, values) with a sorted centroid, summed per group (0..count-1)."""
    if not len(centroid_keys) or not len(keys):
        return np.zeros(count)
    positions = np.minimum(np.searchsorted(centroid_keys, keys), len(centroid_keys) - 1)
    shared = centroid_keys[positions] == keys
    return np.bincount(groups[shared], values[shared] * centroid_sums[positions[shared]], count)


def subvector_dots(
    keys: np.ndarray, values: np.ndarray, centroid_keys: np.ndarray, centroid_sums: np.ndarray
) -> np.ndarray:
    """Per sub-vector dot products of stacked (keys, values) with a sorted centroid."""
    return grouped_dots(
        keys, values, keys >> HASH_BITS, len(SUBVECTORS), centroid_keys, centroid_sums
    )


def _merge(
    keys: np.ndarray, sums: np.ndarray, new_keys: np.ndarray, new_values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``sums`` over ``keys`` plus ``new_values`` over ``new_keys`` (both ascending, distinct).

    Returns the merged keys and sums (new arrays) and how much each
    sub-vector's squared norm grew. The merge is written out rather than
    done with ``np.insert``, whose argument handling cost more than the
    merge itself (~6% of placing an article, py-spy).
    """
    if not len(keys):
        squares = np.bincount(new_keys >> HASH_BITS, new_values * new_values, len(SUBVECTORS))
        return new_keys, new_values.copy(), squares
    positions = np.searchsorted(keys, new_keys)
    clipped = np.minimum(positions, len(keys) - 1)
    present = keys[clipped] == new_keys
    old = sums[clipped] * present
    # |c + v|² - |c|² = Σ v (2 c + v) over v's terms, per sub-vector.
    grown = np.bincount(
        new_keys >> HASH_BITS, new_values * (2.0 * old + new_values), len(SUBVECTORS)
    )
    absent = np.flatnonzero(~present)
    # Where each absent key lands in the merged arrays: its insertion point,
    # shifted by the absent keys inserted before it.
    landing = positions[absent] + np.arange(len(absent))
    kept = np.ones(len(keys) + len(absent), dtype=bool)
    kept[landing] = False
    merged_keys = np.empty(len(kept), dtype=keys.dtype)
    merged_sums = np.empty(len(kept))
    merged_keys[kept] = keys
    merged_sums[kept] = sums
    merged_sums[kept] += np.bincount(clipped[present], new_values[present], len(keys))
    merged_keys[landing] = new_keys[absent]
    merged_sums[landing] = new_values[absent]
    return merged_keys, merged_sums, grown


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


_NO_KEYS = np.zeros(0, dtype=np.int64)
_NO_SUMS = np.zeros(0, dtype=np.float64)


@dataclass
class Story:
    """Members, centroid sums and time span of one story.

    The centroid is the sum of the member sub-vectors, kept as two parallel
    arrays in ascending stacked-key order (sub-vector in the high bits, as in
    ``ArticleVectors.stacked``) with each sub-vector's squared norm beside
    them. Adding a member is a sorted merge in numpy; dicts cost a Python step
    per term there and a re-pack into arrays for every scoring after a join
    (together ~16% of placing an article at 40k, py-spy on
    bench/clustering_scale.py), and ~5× the memory. Member vectors are dropped
    when the story goes dormant: only ids, dates and the title stay.
    """

    story_id: int
    members: list[str] = field(default_factory=list)
    member_days: list[float | None] = field(default_factory=list)
    vectors: list[ArticleVectors] | None = field(default_factory=list)
    keys: np.ndarray = field(default_factory=lambda: _NO_KEYS, repr=False, compare=False)
    sums: np.ndarray = field(default_factory=lambda: _NO_SUMS, repr=False, compare=False)
    squared_norms: np.ndarray = field(
        default_factory=lambda: np.zeros(len(SUBVECTORS)), repr=False, compare=False
    )
    first_day: float | None = None
    last_day: float | None = None
    frozen_title: str | None = None
    indexed_terms: list[int] = field(default_factory=list)
    packed: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)
    years: set[int] = field(default_factory=set)  # years of the members (see ``year_factor``)

    @property
    def active(self) -> bool:
        """Whether the story can still receive articles."""
        return self.vectors is not None

    def add(self, vectors: ArticleVectors, day: float | None) -> None:
        """Add one member article."""
        assert self.vectors is not None, "dormant stories take no members"
        self.keys, self.sums, grown = _merge(self.keys, self.sums, *sorted_stacked(vectors))
        self.squared_norms = self.squared_norms + grown
        self.packed = None
        self.members.append(vectors.article_id)
        self.member_days.append(day)
        self.vectors.append(vectors)
        self.years |= vectors.years
        if day is not None:
            self.first_day = day if self.first_day is None else min(self.first_day, day)
            self.last_day = day if self.last_day is None else max(self.last_day, day)

    def rebuild(self) -> None:
        """Recompute centroids and span from the member vectors (after removals, or a read-back).

        The centroid is a function of the member list alone (members are
        added in list order, merges append), so rebuilding reproduces it bit
        for bit.
        """
        assert self.vectors is not None
        members = list(zip(self.vectors, self.member_days, strict=True))
        self.members, self.member_days, self.vectors = [], [], []
        self.keys, self.sums = _NO_KEYS, _NO_SUMS
        self.squared_norms = np.zeros(len(SUBVECTORS))
        self.first_day = self.last_day = None
        self.packed = None
        self.years = set()
        for vectors, day in members:
            self.add(vectors, day)

    def subvector_cosines(self, keys: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Cosine of L2-normalised stacked sub-vectors with each centroid (0 where empty)."""
        dots = subvector_dots(keys, values, self.keys, self.sums)
        norms = self.squared_norms
        counted = norms > 1e-12
        return dots / np.sqrt(np.where(counted, norms, 1.0)) * counted

    def score(self, vectors: ArticleVectors, day: float | None, weights: Weights) -> float:
        """Weighted cosine of an article with this story's centroids, faded by time."""
        cosines = self.subvector_cosines(*vectors.stacked).tolist()
        total = 0.0
        for cosine, weight in zip(
            cosines, (weights.headline, weights.body, weights.entities), strict=True
        ):
            if weight:
                total += weight * cosine
        if day is None or self.first_day is None:
            return total * year_factor(vectors.years, self.years, weights)
        factor, bonus = time_closeness(self.first_day, self.last_day, day, day, weights)
        return total * factor + bonus

    def content_fit(self, vectors: ArticleVectors, weights: Weights) -> float:
        """Weighted cosine of an article with this story's centroids, with no time terms.

        What ``fit_without`` measures for a member, for an article outside the
        story: the split check's measure, free of the closeness bonus that lets
        any same-day article clear the join threshold.
        """
        cosines: list[float] = self.subvector_cosines(*vectors.stacked).tolist()
        total = 0.0
        for weight, cosine in zip(
            (weights.headline, weights.body, weights.entities), cosines, strict=True
        ):
            total += weight * cosine
        return total

    def pack(self, weights: Weights) -> tuple[np.ndarray, np.ndarray]:
        """Centroids as one (keys, values) pair with values pre-scaled.

        Each value is divided by its sub-vector norm and multiplied by its
        weight, so the weighted cosine with an article scattered into a dense
        array (``SubvectorScratch``) is one gather and one dot product. The
        cache assumes the sub-vector weights never change, which holds within a
        clusterer (only the closeness bonus varies, and it is applied outside).
        """
        if self.packed is None:
            norms = self.squared_norms
            weight = np.array((weights.headline, weights.body, weights.entities))
            scale = np.where(
                (weight != 0.0) & (norms > 1e-12), weight / np.sqrt(np.maximum(norms, 1e-300)), 0.0
            )
            self.packed = (self.keys, self.sums * scale[self.keys >> HASH_BITS])
        return self.packed

    def similarity(self, other: Story, weights: Weights) -> float:
        """Weighted cosine between two stories' centroids, faded by their time gap."""
        smaller, larger = sorted((self, other), key=lambda story: len(story.keys))
        dots = subvector_dots(smaller.keys, smaller.sums, larger.keys, larger.sums).tolist()
        norms = (self.squared_norms * other.squared_norms).tolist()
        total = 0.0
        for weight, overlap, norm in zip(
            (weights.headline, weights.body, weights.entities), dots, norms, strict=True
        ):
            if weight and norm > 1e-24:
                total += weight * overlap / math.sqrt(norm)
        if self.first_day is None or other.first_day is None:
            return total * year_factor(self.years, other.years, weights)
        factor, bonus = time_closeness(
            self.first_day, self.last_day, other.first_day, other.last_day, weights
        )
        return total * factor + bonus

    def fit_without(self, position: int, weights: Weights) -> float:
        """How well member ``position`` fits the centroid of the other members."""
        assert self.vectors is not None
        keys, values = self.vectors[position].stacked
        shared_with_all = subvector_dots(keys, values, self.keys, self.sums).tolist()
        # Article sub-vectors are L2-normalised (OnlineIdf.weigh): |v|² is 1, or 0 if empty.
        owns = np.bincount(keys >> HASH_BITS, minlength=len(SUBVECTORS)).tolist()
        total = 0.0
        for weight, dot_with_all, terms, norm in zip(
            (weights.headline, weights.body, weights.entities),
            shared_with_all,
            owns,
            self.squared_norms.tolist(),
            strict=True,
        ):
            own = 1.0 if terms else 0.0
            shared = dot_with_all - own
            rest = norm - 2.0 * shared - own
            if weight and own > 1e-12 and rest > 1e-12:
                total += weight * shared / math.sqrt(rest * own)
        return total

    def top_terms(self, count: int) -> list[int]:
        """The heaviest body and entity terms of the centroid (buckets), for the index."""
        if self.vectors is not None and len(self.vectors) == 1:
            # One member: the centroid is its vector, already heaviest first with
            # ties in bucket order, as ``_heaviest`` ranks (a new story skips the sort).
            only = self.vectors[0]
            return [bucket for bucket, _ in only.top(1, count) + only.top(2, count // 2)]
        bounds = np.searchsorted(self.keys >> HASH_BITS, (1, 2, 3)).tolist()
        return _heaviest(self.keys, self.sums, bounds[0], bounds[1], count) + _heaviest(
            self.keys, self.sums, bounds[1], bounds[2], count // 2
        )

    def title(self) -> str:
        """Representative headline: the member headline closest to the headline centroid."""
        if self.frozen_title is not None or not self.vectors:
            return self.frozen_title or ""
        # All members at once: a stacked key below 1 << HASH_BITS is a headline term.
        parts = [vectors.stacked for vectors in self.vectors]
        keys = np.concatenate([keys for keys, _ in parts])
        member = np.repeat(np.arange(len(parts)), [len(keys) for keys, _ in parts])
        headline = keys < (1 << HASH_BITS)
        values = np.concatenate([values for _, values in parts])
        closeness = grouped_dots(
            keys[headline], values[headline], member[headline], len(parts), self.keys, self.sums
        ).tolist()
        best = max(range(len(closeness)), key=lambda position: (closeness[position], -position))
        return self.vectors[best].title

    def go_dormant(self) -> None:
        """Drop vectors and centroids; keep ids, dates and the title."""
        self.frozen_title = self.title()
        self.vectors = None
        self.keys, self.sums = _NO_KEYS, _NO_SUMS
        self.squared_norms = np.zeros(len(SUBVECTORS))
        self.indexed_terms = []
        self.packed = None
        self.years = set()


def _heaviest(keys: np.ndarray, sums: np.ndarray, start: int, end: int, count: int) -> list[int]:
    """Buckets of the ``count`` heaviest centroid terms in ``[start, end)``, ties in key order.

    On a large centroid only the terms at least as heavy as the ``count``-th
    heaviest (found by a linear-time partition) are sorted; the stable sort
    of those has the same first ``count`` as a stable sort of all.
    """
    weights = sums[start:end]
    size = len(weights)
    if size > 4 * count:
        threshold = np.partition(weights, size - count)[size - count]
        chosen = np.flatnonzero(weights >= threshold)
        order = chosen[np.argsort(-weights[chosen], kind="stable")[:count]]
    else:
        order = np.argsort(-weights, kind="stable")[:count]
    buckets: list[int] = (keys[start:end][order] & _BUCKET_MASK).tolist()
    return buckets


class SubvectorScratch:
    """A dense array holding one article's three sub-vectors, to score many stories against.

    Scoring candidates by three dict-lookup dots each took ~20% of placing an
    article (cProfile on bench/clustering_scale.py); scattering the article once
    and gathering each packed centroid moves that work into numpy. The array
    costs 24 MB (3 × 2^20 float64) per clusterer, allocated lazily by the OS.
    """

    def __init__(self) -> None:
        self._dense = np.zeros(len(SUBVECTORS) << HASH_BITS, dtype=np.float64)
        self._keys = np.zeros(0, dtype=np.int64)
        self._vectors: ArticleVectors | None = None

    def load(self, vectors: ArticleVectors) -> None:
        """Hold ``vectors`` (replacing the previous article)."""
        self._dense[self._keys] = 0.0
        self._vectors = vectors
        self._keys, values = vectors.stacked
        self._dense[self._keys] = values

    def score(self, story: Story, day: float | None, weights: Weights) -> float:
        """``story.score`` of the held article, through the packed centroids when small."""
        return self.score_all([story], day, weights)[0]

    def score_all(self, stories: list[Story], day: float | None, weights: Weights) -> list[float]:
        """``score`` for each of ``stories``, in order.

        One call for all candidates with the time closeness written out: the
        per-candidate calls (``score``, ``pack``, ``time_closeness``) cost more
        than the gather itself, ~4 µs against ~2.5 µs a candidate. The arithmetic
        is ``time_closeness``'s, operation for operation.
        """
        vectors, dense = self._vectors, self._dense
        assert vectors is not None, "load an article first"
        scores = []
        for story in stories:
            if len(story.members) > PACKED_MAX_MEMBERS:
                scores.append(story.score(vectors, day, weights))
                continue
            keys, values = story.packed or story.pack(weights)
            total = float(values @ dense[keys])
            first, last = story.first_day, story.last_day
            if day is None or first is None or last is None:
                scores.append(total * year_factor(vectors.years, story.years, weights))
                continue
            gap = max(0.0, day - last, first - day)
            factor = time_factor(gap, weights.time_scale_days)
            scores.append(
                total * factor + weights.time_bonus * time_factor(gap, weights.time_bonus_days)
            )
        return scores

    def possible_misfits(self, story: Story, weights: Weights, threshold: float) -> list[int]:
        """Member positions whose ``story.fit_without`` may fall below ``threshold``.

        The split check computed ``fit_without`` for every member at each size
        checkpoint, three dict dots each: 12% of placing an article at 100k
        (cProfile on bench/clustering_scale.py). Here all members are scored at
        once against the packed centroids in numpy (a story of 4 members: 118 →
        39 µs; of 15: 420 → 58 µs). Only members whose estimate is below the
        threshold plus ``_FIT_MARGIN`` (or whose leave-one-out norm is near
        zero, where rounding is amplified) are returned, for the caller to
        decide with the exact ``fit_without``. The estimate differs from it by
        rounding only (at most 3.4e-15 over the 7,059 active members at 95k
        articles), far inside the margin, so the misfits found are exactly
        those of checking every member (placement hashes unchanged).
        """
        assert story.vectors is not None
        scales = list(
            zip(
                (weights.headline, weights.body, weights.entities),
                story.squared_norms.tolist(),
                strict=True,
            )
        )
        if any(weight and norm <= 1e-12 for weight, norm in scales):
            return list(range(len(story.vectors)))  # a sub-vector is not packed: check all
        members = len(story.vectors)
        member_keys_list = [vectors.stacked[0] for vectors in story.vectors]
        member_keys = np.concatenate(member_keys_list)
        products = np.concatenate([vectors.stacked[1] for vectors in story.vectors])
        article_keys, dense = self._keys, self._dense
        dense[article_keys] = 0.0
        centroid_keys, centroid_values = story.packed or story.pack(weights)
        dense[centroid_keys] = centroid_values
        products *= dense[member_keys]
        dense[centroid_keys] = 0.0
        if self._vectors is not None:  # put the held article back
            dense[article_keys] = self._vectors.stacked[1]
        # One segment per (member, sub-vector): member * 3 + sub-vector position.
        segments = np.repeat(
            np.arange(0, len(SUBVECTORS) * members, len(SUBVECTORS)),
            list(map(len, member_keys_list)),
        )
        segments += member_keys >> HASH_BITS
        scaled_dots = np.bincount(segments, products, len(SUBVECTORS) * members)
        own = np.zeros(len(SUBVECTORS) * members)
        own[segments] = 1.0  # article sub-vectors are L2-normalised: |v|² is 1 or 0
        weight = np.array([weight for weight, _ in scales])
        norm = np.array([norm for _, norm in scales])
        used = (weight != 0.0) & (own.reshape(members, -1) > 0.0)
        unscale = np.sqrt(norm) / np.where(weight != 0.0, weight, 1.0)
        shared = scaled_dots.reshape(members, -1) * unscale - own.reshape(members, -1)
        rest = norm - 2.0 * shared - own.reshape(members, -1)
        counted = used & (rest > 1e-12)
        fits = (weight * shared / np.sqrt(np.where(counted, rest, 1.0)) * counted).sum(axis=1)
        unsure = (used & (rest < 1e-6 * np.maximum(norm, 1.0))).any(axis=1)
        return np.flatnonzero((fits < threshold + _FIT_MARGIN) | unsure).tolist()
