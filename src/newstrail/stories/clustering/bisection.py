"""Cutting a story in two: the check that separates two events sharing one story.

Two events of one kind (the same boxer's two title defences, two quakes on one
island) can end up in one story once an article of the second joins the first;
later articles of the second then join it too, and the misfit check cannot see
it, since each half fits the mixed centroid. ``online.StoryClusterer`` cuts
such a story's members in two along their similarity graph (``spectral_cut``)
and splits it when the halves' centroids are less similar than a threshold
(``group_similarity``: what ``Story.similarity`` would give the halves, less
the same-day closeness bonus).
"""

from __future__ import annotations

import math

import numpy as np

from newstrail.stories.clustering.features import HASH_BITS, ArticleVectors
from newstrail.stories.clustering.story import (
    SUBVECTORS,
    Story,
    Weights,
    time_closeness,
    year_factor,
)


def member_matrix(members: list[ArticleVectors]) -> tuple[np.ndarray, np.ndarray]:
    """Members' stacked vectors as the rows of one dense matrix over the terms they use.

    Returns the matrix and the column bounds of the headline, body and entity
    blocks (``np.unique`` sorts the stacked keys, so each sub-vector's columns
    are contiguous). For a story of 32 members that is a 32 × ~7,000 array, and
    every member-to-member dot product is one matrix product instead of ~1,500
    dict dots.
    """
    keys = np.concatenate([vectors.stacked[0] for vectors in members])
    columns, inverse = np.unique(keys, return_inverse=True)
    matrix = np.zeros((len(members), len(columns)))
    rows = np.repeat(np.arange(len(members)), [len(vectors.stacked[0]) for vectors in members])
    matrix[rows, inverse] = np.concatenate([vectors.stacked[1] for vectors in members])
    bounds: np.ndarray = np.searchsorted(columns >> HASH_BITS, range(len(SUBVECTORS) + 1))
    return matrix, bounds


def spectral_cut(similarities: np.ndarray) -> np.ndarray:
    """Whether each member lies on the positive side of the graph's Fiedler vector.

    The normalised-Laplacian cut (Shi and Malik) balances the two sides by their
    inner similarity, where average linkage tends to peel off one outlier (which
    the misfit check already handles).
    """
    affinity = np.clip(similarities, 0.0, None)
    np.fill_diagonal(affinity, 0.0)
    inverse_root = 1.0 / np.sqrt(affinity.sum(axis=1) + 1e-12)
    laplacian = np.eye(len(affinity)) - affinity * np.outer(inverse_root, inverse_root)
    _, eigenvectors = np.linalg.eigh(laplacian)
    side: np.ndarray = eigenvectors[:, 1] * inverse_root > 0.0
    return side


def group_similarity(
    story: Story, matrix: np.ndarray, bounds: np.ndarray, side: np.ndarray, weights: Weights
) -> float:
    """``Story.similarity`` between the members on ``side`` and the rest, without the bonus.

    The bonus lets a thin article join a story published the same day; between
    two halves of one story it would mostly say that both fell on one busy day.
    Without it, AllSides B³ F1 at the defaults rises 0.956 → 0.962 and ECB+
    (undated) is unchanged (bench/clustering.py, in-sample).

    Args:
        story: the story whose members are split.
        matrix: its members' vectors as rows, with the sub-vector column ``bounds``
            (see ``member_matrix``).
        side: which members form the second group.
        weights: the scoring weights.

    Returns:
        The weighted cosine of the two groups' centroids, faded by their time gap
        (or scaled by ``year_factor`` where a group is undated).
    """
    assert story.vectors is not None
    sums = np.stack((matrix[~side].sum(axis=0), matrix[side].sum(axis=0)))
    # Per sub-vector: the two groups' centroid dot product and squared norms.
    # A zero column closes the last block, so an empty one is still a valid index.
    products = np.zeros((3, sums.shape[1] + 1))
    np.multiply(sums[[0, 0, 1]], sums[[1, 0, 1]], out=products[:, :-1])
    overlap, first_norm, second_norm = np.add.reduceat(products, bounds[:-1], axis=1).tolist()
    total = 0.0
    for position, weight in enumerate((weights.headline, weights.body, weights.entities)):
        norms = first_norm[position] * second_norm[position]
        if weight and norms > 1e-24 and bounds[position] < bounds[position + 1]:
            total += weight * overlap[position] / math.sqrt(norms)
    spans = []
    for chosen in (False, True):
        members = [
            (vectors, day)
            for vectors, day, member_side in zip(
                story.vectors, story.member_days, side.tolist(), strict=True
            )
            if member_side is chosen
        ]
        days = [day for _, day in members if day is not None]
        years = set().union(*(vectors.years for vectors, _ in members))
        spans.append((min(days, default=None), max(days, default=None), years))
    (first, last, years), (other_first, other_last, other_years) = spans
    if first is None or other_first is None:
        return total * year_factor(years, other_years, weights)
    factor, _ = time_closeness(first, last, other_first, other_last, weights)
    return total * factor
