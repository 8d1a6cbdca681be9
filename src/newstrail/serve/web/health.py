"""A source's health and change statistics, and where in its articles edits happen."""

from __future__ import annotations

import difflib
import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from newstrail.errors import NotFound
from newstrail.serve.web.stories import iso
from newstrail.store import schema
from newstrail.store.database import Store, utcnow

HEATMAP_BINS = 10
# The latest changes are what the heat-map describes; 200 keeps the page under
# ~100 ms on a busy source while still giving every bin a fair sample.
HEATMAP_CHANGES = 200
WINDOW_DAYS = 30
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    """A rough sentence split, enough to locate edits within an article."""
    return [part.strip() for part in SENTENCE_END.split(text) if part.strip()]


def edit_positions(old_text: str, new_text: str) -> list[float]:
    """Relative positions (0 = top, 1 = end) of the sentences an edit touched."""
    old, new = sentences(old_text), sentences(new_text)
    length = max(len(old), 1)
    positions = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for index in range(i1, max(i2, i1 + 1)):
            positions.append(min(index / length, 1.0))
    return positions


def heatmap(positions: list[float], bins: int = HEATMAP_BINS) -> list[dict[str, Any]]:
    """Binned edit positions with an opacity for drawing (the fullest bin is 1)."""
    counts = [0] * bins
    for position in positions:
        counts[min(int(position * bins), bins - 1)] += 1
    peak = max(counts) or 1
    return [
        {
            "bin": index,
            "from": index / bins,
            "to": (index + 1) / bins,
            "count": count,
            "opacity": round(0.08 + 0.92 * count / peak, 3) if count else 0.04,
        }
        for index, count in enumerate(counts)
    ]


def source_report(store: Store, source_id: int) -> dict[str, Any]:
    """Health, change statistics and the edit heat-map of one source; raises NotFound."""
    s, a, f, c, v = schema.sources, schema.articles, schema.feeds, schema.checks, schema.versions
    since = utcnow() - timedelta(days=WINDOW_DAYS)
    with store.read() as connection:
        source = connection.execute(sa.select(s).where(s.c.id == source_id)).first()
        if source is None:
            raise NotFound(f"no source {source_id}")
        feed_rows = connection.execute(
            sa.select(f).where(f.c.source_id == source_id).order_by(f.c.id)
        ).all()
        article_total = connection.execute(
            sa.select(sa.func.count()).select_from(a).where(a.c.source_id == source_id)
        ).scalar_one()
        recent_articles = connection.execute(
            sa.select(sa.func.count())
            .select_from(a)
            .where(a.c.source_id == source_id, a.c.first_seen_at >= since)
        ).scalar_one()
        changed_articles = connection.execute(
            sa.select(sa.func.count())
            .select_from(a)
            .where(a.c.source_id == source_id, a.c.version_count > 1)
        ).scalar_one()
        check_row = connection.execute(
            sa.select(
                sa.func.count().label("checks"),
                sa.func.sum(sa.case((c.c.outcome == "error", 1), else_=0)).label("errors"),
                sa.func.max(sa.case((c.c.outcome != "error", c.c.checked_at))).label(
                    "last_success"
                ),
            )
            .select_from(c.join(a, a.c.id == c.c.article_id))
            .where(a.c.source_id == source_id, c.c.checked_at >= since)
        ).one()
        previous = v.alias("previous")
        change_rows = connection.execute(
            sa.select(previous.c.text.label("old"), v.c.text.label("new"))
            .select_from(
                v.join(a, a.c.id == v.c.article_id).join(
                    previous,
                    sa.and_(
                        previous.c.article_id == v.c.article_id, previous.c.number == v.c.number - 1
                    ),
                )
            )
            .where(a.c.source_id == source_id, v.c.number > 1, v.c.kind == "new")
            .order_by(v.c.captured_at.desc())
            .limit(HEATMAP_CHANGES)
        ).all()
    positions = [p for row in change_rows for p in edit_positions(row.old, row.new)]
    feed_success = [row.last_success_at for row in feed_rows if row.last_success_at]
    last_success = max(
        [*feed_success, *([check_row.last_success] if check_row.last_success else [])], default=None
    )
    checks = int(check_row.checks or 0)
    errors = int(check_row.errors or 0)
    return {
        "id": source.id,
        "name": source.name,
        "domain": source.domain,
        "health": {
            "last_success": iso(last_success),
            "checks_30d": checks,
            "errors_30d": errors,
            "error_rate": round(errors / checks, 3) if checks else None,
            "articles_per_day": round(recent_articles / WINDOW_DAYS, 2),
        },
        "feeds": [
            {
                "id": row.id,
                "url": row.url,
                "kind": row.kind,
                "active": row.active,
                "last_success_at": iso(row.last_success_at),
                "last_error": row.last_error,
                "check_count": row.check_count,
                "error_count": row.error_count,
            }
            for row in feed_rows
        ],
        "changes": {
            "articles": article_total,
            "changed_articles": changed_articles,
            "changed_share": round(changed_articles / article_total, 3) if article_total else None,
            "sampled_changes": len(change_rows),
        },
        "heatmap": heatmap(positions),
    }
