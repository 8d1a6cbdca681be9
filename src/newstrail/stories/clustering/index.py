"""Inverted index from salient terms to the active stories that carry them.

Candidate retrieval must not compare an article with every story: each active
story is posted under the top terms of its centroid, and an article is scored
only against the stories that share its own top terms. Terms posted by very
many stories ("president", "police") are skipped at query time, so the cost
per article stays flat as the archive grows (bench/clustering_scale.py).
"""

from __future__ import annotations

from collections.abc import Iterable


class StoryIndex:
    """Postings: term bucket → ids of active stories indexed under it."""

    def __init__(self, max_postings: int) -> None:
        self.max_postings = max_postings
        self._postings: dict[int, set[int]] = {}

    def add(self, story_id: int, terms: Iterable[int]) -> None:
        """Post ``story_id`` under each of ``terms``."""
        postings = self._postings
        for term in terms:
            stories = postings.get(term)
            if stories is None:
                postings[term] = {story_id}
            else:
                stories.add(story_id)

    def remove(self, story_id: int, terms: Iterable[int]) -> None:
        """Withdraw ``story_id`` from each of ``terms``."""
        postings = self._postings
        for term in terms:
            stories = postings.get(term)
            if stories is not None:
                stories.discard(story_id)
                if not stories:
                    del postings[term]

    def candidates(self, query: Iterable[tuple[int, float]], limit: int) -> list[int]:
        """Stories sharing the most query weight, best first (ties: newest story first).

        Args:
            query: ``(term, weight)`` pairs of the article or story looking for a match.
            limit: most candidates returned.

        Returns:
            Story ids, deterministic for a given index and query.
        """
        overlap: dict[int, float] = {}
        postings = self._postings
        for term, weight in query:
            stories = postings.get(term)
            if stories is None or len(stories) > self.max_postings:
                continue
            for story_id in stories:
                overlap[story_id] = overlap.get(story_id, 0.0) + weight
        # Sorting plain (−weight, −id) tuples: half the cost of a key function.
        ranked = sorted([(-weight, -story_id) for story_id, weight in overlap.items()])
        return [-negated_id for _, negated_id in ranked[:limit]]

    def __len__(self) -> int:
        return len(self._postings)
