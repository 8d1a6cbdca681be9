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
    first_seen: datetime | None
    last_seen: datetime | None
    article_ids: list[int]
    outlets: list[str]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("first_seen", "last_seen"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def published_date(published: str | None) -> datetime | None:
    if published:
        try:
            return datetime.fromisoformat(published).replace(tzinfo=UTC)
        except ValueError:
            return None
    return None


def article_date(published: str | None, first_seen: datetime) -> datetime:
    """Publication date when known, else when the article was first seen."""
    return published_date(published) or (
        first_seen if first_seen.tzinfo else first_seen.replace(tzinfo=UTC)
    )


def list_stories(store: Store, *, limit: int = 50, offset: int = 0) -> list[StorySummary]:
    """Active stories, most recently seen first."""
    st = schema.stories
    with store.read() as connection:
        rows = connection.execute(
            sa.select(st)
            .where(st.c.state != "merged")
            .order_by(st.c.last_seen.desc(), st.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        return [story_summary(connection, row) for row in rows]


def _members_query() -> sa.Select[Any]:
    """A story's articles with their outlets."""
    a, s, sa_ = schema.articles, schema.sources, schema.story_articles
    return (
        sa.select(
            a.c.id, a.c.url, s.c.name.label("source"), a.c.title, a.c.published, a.c.first_seen_at
        )
        .select_from(sa_.join(a, a.c.id == sa_.c.article_id).outerjoin(s, s.c.id == a.c.source_id))
        .where(sa_.c.story_id == sa.bindparam("story_id"))
    )


# Built once, like the queries of ``coverage.results.read_analysis``: building a joined
# select costs more Python than SQLite takes to run it on a story page.
STORY_MEMBERS = _members_query()
STORY_ROW = sa.select(schema.stories).where(schema.stories.c.id == sa.bindparam("story_id"))


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
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        article_ids=[m.id for m in members],
        outlets=outlets,
    )
