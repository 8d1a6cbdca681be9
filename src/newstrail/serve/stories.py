"""One story in full, as people and programs read it: members, moves and its coverage.

The stories stage knows the members (``stories.reading``); the coverage stage
knows what was computed about them (``coverage.results.read_analysis``); this
read model joins the two, so neither stage has to reach into the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from newstrail.coverage.results import read_analysis
from newstrail.errors import NotFound
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.stories.reading import (
    STORY_ROW,
    StoryArticleRef,
    StorySummary,
    story_members,
    story_summary,
)
from newstrail.versions.kinds import VISIBLE_KINDS


@dataclass(frozen=True)
class StoryDetail:
    """One story with its articles in time order and what was computed about it."""

    summary: StorySummary
    articles: list[StoryArticleRef]
    quotes: list[dict[str, Any]] = field(default_factory=list)
    summary_sentences: list[dict[str, Any]] = field(default_factory=list)
    passages: list[dict[str, Any]] = field(default_factory=list)
    exclusive: dict[str, Any] = field(default_factory=dict)
    discrepancies: list[dict[str, Any]] = field(default_factory=list)
    moves: list[dict[str, Any]] = field(default_factory=list)
    analysed_at: str | None = None
    analysed_version_ids: list[int] = field(default_factory=list)
    stale: bool = False
    # Per article: version_count, state, last_changed_at and its visible changes.
    history: dict[int, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = self.summary.to_json()
        # A shallow copy of each flat ref: ``asdict`` recurses and deep-copies,
        # ~10 % of an uncached story read (cProfile, 200 stories).
        data["articles"] = [
            {
                "id": a.id,
                "url": a.url,
                "outlet": a.source,  # one vocabulary: serve/models/
                "title": a.title,
                "published": a.published,
                "first_seen_at": _utc(a.first_seen_at).isoformat(),
                **self.history.get(a.id, {}),
            }
            for a in self.articles
        ]
        data.update(
            analysed_at=self.analysed_at,
            analysed_version_ids=self.analysed_version_ids,
            stale=self.stale,
            quotes=self.quotes,
            summary=self.summary_sentences,
            passages=self.passages,
            exclusive=self.exclusive,
            discrepancies=self.discrepancies,
            moves=self.moves,
        )
        return data


def _utc(moment: datetime) -> datetime:
    """A stored timestamp with its UTC offset (SQLite returns it naive)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_A, _V = schema.articles, schema.versions
ARTICLE_HISTORY = sa.select(_A.c.id, _A.c.version_count, _A.c.state, _A.c.last_changed_at).where(
    _A.c.id.in_(sa.bindparam("ids", expanding=True))
)
# Changes a reader is shown: visible versions after the first (held-back ones are not news).
ARTICLE_CHANGES = (
    sa.select(_V.c.article_id, _V.c.number, _V.c.kind, _V.c.captured_at, _V.c.title)
    .where(
        _V.c.article_id.in_(sa.bindparam("ids", expanding=True)),
        _V.c.kind.in_(VISIBLE_KINDS),
    )
    .order_by(_V.c.article_id, _V.c.number)
)


def article_history(connection: sa.Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each article's version count, state, last change and visible changes (``changes``)."""
    if not ids:
        return {}
    history: dict[int, dict[str, Any]] = {
        row.id: {
            "version_count": row.version_count,
            "state": row.state,
            "last_changed_at": _utc(row.last_changed_at).isoformat()
            if row.last_changed_at
            else None,
            "changes": [],
        }
        for row in connection.execute(ARTICLE_HISTORY, {"ids": ids})
    }
    previous_title: dict[int, str | None] = {}
    for row in connection.execute(ARTICLE_CHANGES, {"ids": ids}):
        if row.article_id in previous_title:
            history[row.article_id]["changes"].append(
                {
                    "number": row.number,
                    "kind": row.kind,
                    "captured_at": _utc(row.captured_at).isoformat(),
                    "title_changed": row.title != previous_title[row.article_id],
                }
            )
        previous_title[row.article_id] = row.title
    return history


STORY_MOVES = (
    sa.select(schema.story_moves)
    .where(
        sa.or_(
            schema.story_moves.c.from_story == sa.bindparam("story_id"),
            schema.story_moves.c.to_story == sa.bindparam("story_id"),
        )
    )
    .order_by(schema.story_moves.c.id)
)


def get_story(store: Store, story_id: int) -> StoryDetail:
    """One story with its articles and stored analyses; raises NotFound."""
    with store.read() as connection:
        row = connection.execute(STORY_ROW, {"story_id": story_id}).first()
        if row is None:
            raise NotFound(f"no story {story_id}")
        members = story_members(connection, story_id)
        moves = connection.execute(STORY_MOVES, {"story_id": story_id}).all()
        analysis = read_analysis(connection, story_id)
        history = article_history(connection, [member.id for member in members])
        summary = story_summary(connection, row, members)
    return StoryDetail(
        summary=summary,
        articles=members,
        moves=[
            {
                "article_id": m.article_id,
                "from_story_id": m.from_story,
                "to_story_id": m.to_story,
                "reason": m.reason,
                "moved_at": m.at.isoformat(),
            }
            for m in moves
        ],
        history=history,
        **analysis,
    )
