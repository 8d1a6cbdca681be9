"""Follow lists as the web app shows them: the stories a follow list leads to.

The follows themselves and their matching live in ``store/follows.py`` (the
alerts use them too); this module adds what the follows page and the
personal Atom feed read.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.store.follows import (
    FOLLOW_KINDS,
    Follow,
    add_follow,
    list_follows,
    matching_article_ids,
    remove_follow,
)

__all__ = [
    "FOLLOW_KINDS",
    "Follow",
    "add_follow",
    "followed_stories",
    "list_follows",
    "matching_article_ids",
    "remove_follow",
]


def followed_stories(store: Store, article_ids: list[int], limit: int = 30) -> list[dict[str, Any]]:
    """The stories holding any of ``article_ids``, latest activity first."""
    if not article_ids:
        return []
    st, sa_ = schema.stories, schema.story_articles
    with store.read() as connection:
        rows = connection.execute(
            sa.select(st.c.id, st.c.title, st.c.first_seen_at, st.c.last_seen_at)
            .where(st.c.id.in_(sa.select(sa_.c.story_id).where(sa_.c.article_id.in_(article_ids))))
            .order_by(st.c.last_seen_at.desc(), st.c.id.desc())
            .limit(limit)
        ).all()
    return [
        {
            "id": r.id,
            "title": r.title,
            "first_seen_at": r.first_seen_at.isoformat() if r.first_seen_at else None,
            "last_seen_at": r.last_seen_at.isoformat() if r.last_seen_at else None,
        }
        for r in rows
    ]
