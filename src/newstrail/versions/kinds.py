"""The kinds a stored version can be, and which of them readers see.

Kept apart from ``recording`` (which needs the extractor) so that read models
and the command line can name the kinds without importing trafilatura.
"""

from __future__ import annotations

import sqlalchemy as sa

from newstrail.store import schema

# Versions readers see; the others are stored and shown only in an article's history.
VISIBLE_KINDS = ("new", "flipflop")
# Captures held back: never the text a later capture is compared with.
HELD_KINDS = ("suspect", "teaser")


def latest_visible_numbers() -> sa.Subquery:
    """A subquery of each article's latest visible version: ``article_id``, ``number``."""
    v = schema.versions
    return (
        sa.select(v.c.article_id, sa.func.max(v.c.number).label("number"))
        .where(v.c.kind.in_(VISIBLE_KINDS))
        .group_by(v.c.article_id)
        .subquery()
    )
