"""Stories as listed: their members, outlets and time span, read from the store."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newstrail.store import schema
from newstrail.store.database import Store


@dataclass(frozen=True)
class StoryArticleRef:
    """An article as a story lists it."""

    id: int
    url: str
    source: str | None
    title: str | None
    published: str | None
    first_seen_at: datetime


@dataclass(frozen=True)
class StorySummary:
    """A story as listed."""

    id: int
    title: str | None
    state: str
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    article_ids: list[int]
    outlets: list[str]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("first_seen_at", "last_seen_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def published_date(published: str | None) -> datetime | None:
    if published:
        try:
            return datetime.fromisoformat(published).replace(tzinfo=UTC)
        except ValueError:
            return None
    return None


def article_date(published: str | None, first_seen_at: datetime) -> datetime:
    """Publication date when known, else when the article was first seen."""
    return published_date(published) or (
        first_seen_at if first_seen_at.tzinfo else first_seen_at.replace(tzinfo=UTC)
    )


def list_stories(store: Store, *, limit: int = 50, offset: int = 0) -> list[StorySummary]:
    """Active stories, most recently seen first."""
    st = schema.stories
    with store.read() as connection:
        rows = connection.execute(
            sa.select(st)
            .where(st.c.state != "merged")
            .order_by(st.c.last_seen_at.desc(), st.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        return [story_summary(connection, row) for row in rows]


def _members_query(*, with_story: bool = False) -> sa.Select[Any]:
    """A story's articles with their outlets (any stories' with ``with_story``)."""
    a, s, sa_ = schema.articles, schema.sources, schema.story_articles
    query = sa.select(
        a.c.id, a.c.url, s.c.name.label("source"), a.c.title, a.c.published, a.c.first_seen_at
    ).select_from(sa_.join(a, a.c.id == sa_.c.article_id).outerjoin(s, s.c.id == a.c.source_id))
    if with_story:
        return query.add_columns(sa_.c.story_id)
    return query.where(sa_.c.story_id == sa.bindparam("story_id"))


# Built once, like the queries of ``coverage.results.read_analysis``: building a joined
# select costs more Python than SQLite takes to run it on a story page.
STORY_MEMBERS = _members_query()
STORY_ROW = sa.select(schema.stories).where(schema.stories.c.id == sa.bindparam("story_id"))


def stories_members(
    connection: Connection, story_ids: list[int]
) -> dict[int, list[StoryArticleRef]]:
    """Each of ``story_ids``' articles in publication order, as ``story_members`` gives them.

    One query for many stories (a listing's page, an export's batch), so that
    every output lists a story's ``article_ids`` and ``outlets`` in one order.
    """
    if not story_ids:
        return {}
    rows = connection.execute(
        _members_query(with_story=True).where(schema.story_articles.c.story_id.in_(story_ids))
    ).all()
    found: dict[int, list[StoryArticleRef]] = {story_id: [] for story_id in story_ids}
    for r in rows:
        found[r.story_id].append(
            StoryArticleRef(r.id, r.url, r.source, r.title, r.published, r.first_seen_at)
        )
    for refs in found.values():
        refs.sort(key=lambda r: (article_date(r.published, r.first_seen_at), r.id))
    return found


def story_members(connection: Connection, story_id: int) -> list[StoryArticleRef]:
    """A story's articles in publication order (first seen when undated)."""
    rows = connection.execute(STORY_MEMBERS, {"story_id": story_id}).all()
    refs = [
        StoryArticleRef(r.id, r.url, r.source, r.title, r.published, r.first_seen_at) for r in rows
    ]
    refs.sort(key=lambda r: (article_date(r.published, r.first_seen_at), r.id))
    return refs


def story_summary(
    connection: Connection, row: Any, members: list[StoryArticleRef] | None = None
) -> StorySummary:
    """A story row as listed, reading its members unless they are given."""
    members = members if members is not None else story_members(connection, row.id)
    outlets = list(dict.fromkeys(m.source for m in members if m.source))
    return StorySummary(
        id=row.id,
        title=row.title,
        state=row.state,
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        article_ids=[m.id for m in members],
        outlets=outlets,
    )
