"""Stories as the web app shows them: a list for the home page, one story in full, its timeline.

One story comes from ``newstrail.serve.stories.get_story``. The home page list is
one grouped query here instead of ``list_stories``, which reads each story's
members separately (21 queries for 20 stories).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from newstrail.serve.stories import get_story
from newstrail.store import schema
from newstrail.store.database import Store


def iso(moment: datetime | None) -> str | None:
    """``moment`` as ISO 8601 in UTC (naive values from SQLite are UTC)."""
    if moment is None:
        return None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).isoformat()


def list_story_summaries(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """The most recently active stories with article and outlet counts."""
    st, sa_, a = schema.stories, schema.story_articles, schema.articles
    latest = (
        sa.select(st.c.id)
        .where(st.c.state != "merged")
        .order_by(st.c.last_seen.desc(), st.c.id.desc())
        .limit(limit)
        .subquery()
    )
    query = (
        sa.select(
            st.c.id,
            st.c.title,
            st.c.first_seen,
            st.c.last_seen,
            sa.func.count(sa_.c.article_id).label("articles"),
            sa.func.count(sa.distinct(a.c.source_id)).label("outlets"),
        )
        .select_from(
            st.join(latest, latest.c.id == st.c.id)
            .outerjoin(sa_, sa_.c.story_id == st.c.id)
            .outerjoin(a, a.c.id == sa_.c.article_id)
        )
        .group_by(st.c.id, st.c.title, st.c.first_seen, st.c.last_seen)
        .order_by(st.c.last_seen.desc(), st.c.id.desc())
    )
    with store.read() as connection:
        rows = connection.execute(query).all()
    return [
        {
            "id": r.id,
            "title": r.title,
            "first_seen": iso(r.first_seen),
            "last_seen": iso(r.last_seen),
            "article_count": r.articles,
            "outlet_count": r.outlets,
        }
        for r in rows
    ]


def get_story_json(store: Store, story_id: int) -> dict[str, Any]:
    """One story as JSON-ready data (``StoryDetail.to_json``); raises NotFound."""
    return get_story(store, story_id).to_json()


def article_day(article: dict[str, Any]) -> date | None:
    """The day an article was published, when the article says.

    When newstrail first saw it is no stand-in: an import years later would
    stretch the timeline to the import day.
    """
    for key in ("published",):
        value = article.get(key)
        if isinstance(value, str) and len(value) >= 10:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                continue
    return None


def timeline(
    articles: list[dict[str, Any]], width: int = 720, row_height: int = 28
) -> dict[str, Any]:
    """Coordinates for the story timeline SVG: one row per outlet, time along x.

    Returns:
        ``rows`` (outlet, y), ``points`` (article id, title, x, y, day),
        ``ticks`` (x, label), and the drawing's ``width`` and ``height``.
    """
    left, right = 170, 45  # room for the last date label
    dated = [(article, article_day(article)) for article in articles]
    days = [day for _, day in dated if day is not None]
    outlets = sorted({article.get("outlet") or "Unknown outlet" for article in articles})
    row_of = {outlet: index for index, outlet in enumerate(outlets)}
    start = min(days) if days else None
    span = max(((max(days) - start).days if start else 0), 1)
    plot = width - left - right
    points = []
    undated = []
    for article, day in dated:
        if day is None or start is None:
            undated.append(
                {"id": article.get("id"), "source": article.get("outlet") or "Unknown outlet"}
            )
            continue
        offset = (day - start).days / span
        row = row_of[article.get("outlet") or "Unknown outlet"]
        points.append(
            {
                "id": article.get("id"),
                "title": article.get("title") or article.get("url") or "",
                "x": round(left + offset * plot, 1),
                "y": row * row_height + row_height // 2 + 4,
                "day": day.isoformat() if day else "undated",
            }
        )
    ticks = []
    if start is not None:
        # Whole days only, each labelled once: up to five, spread over the span
        # (a story of one day gets one tick, not five labels of two dates).
        last = (max(days) - start).days
        count = min(5, last + 1)
        for offset in sorted({round(step * last / max(count - 1, 1)) for step in range(count)}):
            label = date.fromordinal(start.toordinal() + offset).isoformat()
            ticks.append({"x": round(left + offset / span * plot, 1), "label": label})
    height = len(outlets) * row_height + 30
    return {
        "rows": [
            {"outlet": o, "y": i * row_height + row_height // 2 + 8} for o, i in row_of.items()
        ],
        "points": points,
        "undated": undated,
        "ticks": ticks,
        "width": width,
        "height": height,
        "axis_y": len(outlets) * row_height + 4,
        "left": left,
    }
