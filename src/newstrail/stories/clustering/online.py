"""Online story clustering: place each arriving article into a story or start one.

The method follows Miranda et al. (2018, "Multilingual clustering of streaming
news"): per-article TF-IDF sub-vectors (headline, body, entities) with IDF
estimated online, candidate stories retrieved from an inverted index, a
weighted similarity faded by the time gap, then join-or-create against a
threshold. Maintenance on top: a story that has grown is merged with a close
neighbour, and members that no longer fit their story are re-placed; both are
reported as ``StoryMove`` events. Thresholds and weights were chosen by
cross-validation over whole gold stories (bench/clustering.py). The stories
themselves, their index and dormancy are kept by ``collection.py``.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Iterator

import numpy as np

from newstrail.stories.clustering.ahead import vectorised_ahead
from newstrail.stories.clustering.bisection import group_similarity, member_matrix, spectral_cut
from newstrail.stories.clustering.collection import StoryCollection, is_checkpoint
from newstrail.stories.clustering.features import ArticleTerms
from newstrail.stories.clustering.records import (
    ClusterArticle,
    ClustererSnapshot,
    ClusterSettings,
    Placement,
    Revision,
    StoryInfo,
    StoryMove,
    from_day,
    to_day,
)
from newstrail.stories.clustering.state import decode_state, encode_state
from newstrail.stories.clustering.story import Story

# Story sizes the bisect check cuts. From 6: at 4 a cut is two pairs, thin
# evidence, and those checks were ~45% of all cuts on the scale stream
# (bench/clustering_scale.py); cutting from 4 instead, held-out B³ F1 fell
# (ECB+ 0.951 → 0.924, AllSides 0.948 → 0.942, overall 0.955 → 0.944). Up to
# 32: a second event is caught while it is small, and the member matrix grows
# with the square of the size.
_BISECT_MIN_MEMBERS = 6
_BISECT_MAX_MEMBERS = 32


class StoryClusterer(StoryCollection):
    """Places articles into stories one at a time, in arrival order."""

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

    # -- revising ------------------------------------------------------------------

    def revise(self, article: ClusterArticle, story_id: int) -> Revision | None:
        """Take a placed article's new text: keep it in its story, or re-place it.

        The new text is weighed against the rest of its story (or, alone in
        it, against its old text) by ``Story.content_fit``. At or above the
        split threshold, the clusterer's own measure of a member that no
        longer fits, it stays and the story's centroid takes the new text;
        below, it is placed as a new article would be, but not back into the
        story it left (bench/rewrites.py measures the threshold: light edits
        stay, texts rewritten onto another story's topic move). A story the
        move empties is forgotten.

        Args:
            article: the article with its current title, text and date.
            story_id: the story that holds it.

        Returns:
            The revision, or None when the story is not active (dormant stories
            keep no vectors to weigh against) or does not hold the article.
        """
        story = self._stories.get(story_id)
        if story is None or story.vectors is None or article.id not in story.members:
            return None
        position = story.members.index(article.id)
        old_vectors, old_day = story.vectors[position], story.member_days[position]
        vectors = self._vectoriser.vectorise(article.id, article.title, article.text, article.date)
        day = to_day(article.date)
        if day is not None:
            self._advance_watermark(day)
        self._weights = self._current_weights()
        self._take_out(story, [position])
        reference = story
        if not story.members:
            reference = Story(story_id)
            reference.add(old_vectors, old_day)
        fit = reference.content_fit(vectors, self._weights)
        if fit >= self.settings.split_threshold:
            story.add(vectors, day)
            self._reindex(story)
            return Revision(article.id, story_id, story_id, fit)
        ranked = self._rank(vectors, day, exclude=story_id)
        if ranked and ranked[0][0] >= self.settings.join_threshold:
            target = ranked[0][1]
            target.add(vectors, day)
            self._refresh_index(target)
        elif story.members:
            target = self._new_story(vectors, day)
        else:
            story.add(vectors, day)  # alone and nowhere to go: it keeps its story
            self._reindex(story)
            return Revision(article.id, story_id, story_id, fit)
        emptied = not story.members
        if emptied:
            self._index.remove(story_id, story.indexed_terms)
            del self._stories[story_id]
        return Revision(article.id, story_id, target.story_id, fit, emptied)

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
        if size < 4 or not is_checkpoint(size) or story.vectors is None:
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
            or not is_checkpoint(size)
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
            first_seen_at=from_day(story.first_day),
            last_seen_at=from_day(story.last_day),
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

    def snapshot(self) -> ClustererSnapshot:
        """What a clusterer must keep to resume: settings, stories, IDF, counters.

        The stories and the IDF are shared, not copied: encode the snapshot
        before placing more articles.
        """
        return ClustererSnapshot(
            settings=self.settings,
            stories=self._stories,
            idf=self._vectoriser.idf,
            next_id=self._next_id,
            watermark=self._watermark,
            recent_starts=list(self._recent_starts),
        )

    @classmethod
    def restore(cls, snapshot: ClustererSnapshot) -> StoryClusterer:
        """A clusterer that carries on from ``snapshot`` exactly as the one that took it."""
        clusterer = cls(snapshot.settings)
        clusterer._recent_starts = deque(snapshot.recent_starts)
        clusterer._stories = snapshot.stories
        clusterer._vectoriser.idf = snapshot.idf
        clusterer._next_id = snapshot.next_id
        clusterer._watermark = snapshot.watermark
        for story in snapshot.stories.values():
            if story.active:
                clusterer._index.add(story.story_id, story.indexed_terms)
                if story.last_day is not None:
                    clusterer._expiry.append((story.last_day, story.story_id))
        heapq.heapify(clusterer._expiry)
        return clusterer

    def to_state(self) -> bytes:
        """Serialise everything needed to resume (zstd-compressed npz of arrays and JSON)."""
        return encode_state(self.snapshot())

    @classmethod
    def from_state(cls, data: bytes) -> StoryClusterer:
        """Resume from ``to_state`` output; later placements are identical to an unbroken run."""
        return cls.restore(decode_state(data))
