"""Follow lists: people, topics and outlets someone wants to hear about.

A follow is a kind and a value: ``person`` matches quote speakers,
``topic`` matches words in articles (through full-text search) and ``outlet``
matches a source's name. The records and the matching live here, below both
the web app (a page and a personal Atom feed, ``serve/follows.py``) and the
alerts (``jobs/alerts``), which tell a follower when a matching article
appears or changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from newstrail.errors import InvalidInput, NotFound
from newstrail.store import schema
from newstrail.store.database import Store, utcnow
from newstrail.store.search import SearchFilters, search

FOLLOW_KINDS = ("person", "topic", "outlet")
MAX_VALUE_LENGTH = 200
# Articles considered per follow: the latest ones are what a feed shows.
ARTICLES_PER_FOLLOW = 500


@dataclass(frozen=True)
class Follow:
    """One followed person, topic or outlet."""

    id: int
    kind: str
    value: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "value": self.value,
            "created_at": self.created_at.isoformat(),
        }


def add_follow(store: Store, kind: str, value: str) -> Follow:
    """Follow a person, topic or outlet (adding an existing follow returns it).

    Args:
        store: the store to write to.
        kind: ``person``, ``topic`` or ``outlet``.
        value: the name or words to match.

    Returns:
        The follow.
    """
    value = " ".join(value.split())
    if kind not in FOLLOW_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(FOLLOW_KINDS)}")
    if not value or len(value) > MAX_VALUE_LENGTH:
        raise InvalidInput(f"value must be 1 to {MAX_VALUE_LENGTH} characters")
    table = schema.follows
    with store.write() as connection:
        row = connection.execute(
            sa.select(table).where(table.c.kind == kind, table.c.value == value)
        ).first()
        if row is None:
            connection.execute(table.insert().values(kind=kind, value=value, created_at=utcnow()))
            row = connection.execute(
                sa.select(table).where(table.c.kind == kind, table.c.value == value)
            ).one()
    return Follow(row.id, row.kind, row.value, row.created_at)


def remove_follow(store: Store, follow_id: int) -> None:
    """Stop following; raises NotFound for an unknown id."""
    with store.write() as connection:
        deleted = connection.execute(
            schema.follows.delete().where(schema.follows.c.id == follow_id)
        ).rowcount
    if not deleted:
        raise NotFound(f"no follow {follow_id}")


def list_follows(store: Store) -> list[Follow]:
    """Every follow, oldest first."""
    with store.read() as connection:
        rows = connection.execute(sa.select(schema.follows).order_by(schema.follows.c.id)).all()
    return [Follow(r.id, r.kind, r.value, r.created_at) for r in rows]


def matching_article_ids(store: Store, follows: list[Follow]) -> list[int]:
    """The articles any of ``follows`` matches, newest first."""
    found: set[int] = set()
    a, q, s = schema.articles, schema.quotes, schema.sources
    with store.read() as connection:
        for follow in follows:
            if follow.kind == "outlet":
                query = (
                    sa.select(a.c.id)
                    .join(s, s.c.id == a.c.source_id)
                    .where(sa.func.lower(s.c.name) == follow.value.lower())
                )
            elif follow.kind == "person":
                pattern = "%" + follow.value.lower().replace("%", "").replace("_", "") + "%"
                query = sa.select(q.c.article_id).where(
                    sa.func.lower(q.c.speaker_name).like(pattern)
                )
            else:
                continue
            rows = connection.execute(query.distinct().limit(ARTICLES_PER_FOLLOW)).all()
            found.update(int(row[0]) for row in rows)
    for follow in follows:
        if follow.kind == "topic":
            hits = search(
                store, follow.value, SearchFilters(kind="article"), limit=ARTICLES_PER_FOLLOW
            )
            found.update(hit.article_id for hit in hits)
    return sorted(found, reverse=True)


def follows_matching_article(store: Store, article_id: int) -> list[Follow]:
    """The follows that ``article_id`` matches (for alerts on one article)."""
    follows = list_follows(store)
    if not follows:
        return []
    a, q, s = schema.articles, schema.quotes, schema.sources
    matched: list[Follow] = []
    with store.read() as connection:
        outlet = connection.execute(
            sa.select(s.c.name).join(a, a.c.source_id == s.c.id).where(a.c.id == article_id)
        ).scalar()
        rows = connection.execute(
            sa.select(q.c.speaker_name).where(
                q.c.article_id == article_id, q.c.speaker_name.is_not(None)
            )
        ).all()
        speakers = [str(row.speaker_name).lower() for row in rows]
    for follow in follows:
        value = follow.value.lower()
        is_outlet = follow.kind == "outlet" and outlet is not None and outlet.lower() == value
        is_speaker = follow.kind == "person" and any(value in name for name in speakers)
        if is_outlet or is_speaker:
            matched.append(follow)
        elif follow.kind == "topic":
            hits = search(
                store,
                follow.value,
                SearchFilters(kind="article"),
                limit=ARTICLES_PER_FOLLOW,
            )
            if any(hit.article_id == article_id for hit in hits):
                matched.append(follow)
    return matched
