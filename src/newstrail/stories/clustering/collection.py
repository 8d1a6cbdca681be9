"""The stories a clusterer holds, and the bookkeeping that keeps them findable.

``StoryCollection`` keeps every story by id, posts the active ones in an
inverted index under their top terms (re-posted at size checkpoints), ranks
candidate stories for an article, sends stories idle past the dormancy window
to sleep, and shrinks the same-day bonus on busy days. ``online.py``'s
``StoryClusterer`` builds on it the decisions: join, create, merge, split,
bisect, revise.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import replace

from newstrail.stories.clustering.features import ArticleVectoriser, ArticleVectors
from newstrail.stories.clustering.index import StoryIndex
from newstrail.stories.clustering.records import ClusterSettings
from newstrail.stories.clustering.story import Story, SubvectorScratch, Weights


class StoryCollection:
    """A clusterer's stories: by id, indexed by their top terms, active or dormant."""

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
        if story.indexed_terms and not is_checkpoint(size):
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


def _outside_window(day: float | None, story: Story, window: float) -> bool:
    """Whether a dated article is more than ``window`` days from a dated story's span."""
    if day is None or story.first_day is None or story.last_day is None:
        return False
    return day - story.last_day > window or story.first_day - day > window


def is_checkpoint(size: int) -> bool:
    """Sizes at which a story is re-indexed and checked: 1-4, then ~1.5× steps."""
    if size <= 4:
        return True
    power = 1 << (size.bit_length() - 1)
    return size in (power, power + power // 2)
