"""The service's state for monitors: is the store reachable, is a watcher
passing, how big are the queues, and the running totals the watchers keep.

``service_status`` is read by ``/healthz`` (JSON, for load balancers and
uptime checks) and ``/metrics`` (Prometheus). Everything comes from the store
(the ``watchers`` rows, counts of articles, feeds and alert deliveries), so
every web worker answers the same. The counts use indexed columns only: at a
million articles a scrape costs a few index scans, not a table scan of checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from newstrail.errors import StoreError
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store, utcnow


@dataclass(frozen=True)
class WatcherState:
    """One watcher's last pass and totals."""

    worker: str
    last_pass_at: datetime
    last_pass_seconds: float
    last_pass_succeeded: bool
    passes: int
    pass_seconds: float
    totals: dict[str, Any]


@dataclass(frozen=True)
class ServiceStatus:
    """What the store says about the service right now."""

    now: datetime
    schema_revision: str | None
    articles: dict[str, int]  # by state
    versions: int
    sources_active: int
    due_articles: int
    due_feeds: int
    deliveries: dict[str, int]  # by status
    watchers: list[WatcherState] = field(default_factory=list)

    @property
    def last_pass_at(self) -> datetime | None:
        return max((w.last_pass_at for w in self.watchers), default=None)

    def watcher_state(self, stale_after: timedelta) -> str:
        """``ok``, ``failing`` (the latest pass failed), ``stale`` or ``none``."""
        if not self.watchers:
            return "none"
        latest = max(self.watchers, key=lambda w: w.last_pass_at)
        if self.now - latest.last_pass_at > stale_after:
            return "stale"
        return "ok" if latest.last_pass_succeeded else "failing"


def _aware(moment: datetime) -> datetime:
    """A stored time as UTC (SQLite hands back naive datetimes)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def stale_after(settings: Settings) -> timedelta:
    """How long without a pass before the watcher counts as stale: three feed intervals."""
    return timedelta(minutes=3 * settings.feed_interval_minutes)


def service_status(store: Store, now: datetime | None = None) -> ServiceStatus:
    """Read the service's state; raises StoreError when the store cannot be read."""
    now = now or utcnow()
    a, v, f = schema.articles, schema.versions, schema.feeds
    d, w = schema.alert_deliveries, schema.watchers
    try:
        revision = store.schema_revision()
        with store.read() as connection:
            articles = {
                str(row[0]): int(row[1])
                for row in connection.execute(
                    sa.select(a.c.state, sa.func.count()).group_by(a.c.state)
                )
            }
            versions = connection.execute(sa.select(sa.func.count()).select_from(v)).scalar_one()
            sources_active = connection.execute(
                sa.select(sa.func.count()).select_from(f).where(f.c.active.is_(True))
            ).scalar_one()
            due_articles = connection.execute(
                sa.select(sa.func.count())
                .select_from(a)
                .where(a.c.state == "active", a.c.next_check_at <= now)
            ).scalar_one()
            due_feeds = connection.execute(
                sa.select(sa.func.count())
                .select_from(f)
                .where(
                    f.c.active.is_(True),
                    sa.or_(f.c.next_check_at.is_(None), f.c.next_check_at <= now),
                )
            ).scalar_one()
            deliveries = {
                str(row[0]): int(row[1])
                for row in connection.execute(
                    sa.select(d.c.status, sa.func.count()).group_by(d.c.status)
                )
            }
            watchers = [
                WatcherState(
                    r.worker,
                    _aware(r.last_pass_at),
                    r.last_pass_seconds,
                    r.last_pass_succeeded,
                    r.passes,
                    r.pass_seconds,
                    dict(r.totals or {}),
                )
                for r in connection.execute(sa.select(w).order_by(w.c.worker))
            ]
    except sa.exc.SQLAlchemyError as error:
        raise StoreError(f"store unreachable: {type(error).__name__}") from error
    return ServiceStatus(
        now=now,
        schema_revision=revision,
        articles=articles,
        versions=int(versions),
        sources_active=int(sources_active),
        due_articles=int(due_articles),
        due_feeds=int(due_feeds),
        deliveries=deliveries,
        watchers=watchers,
    )


def health(status: ServiceStatus, settings: Settings) -> dict[str, Any]:
    """``/healthz``'s body."""
    last = status.last_pass_at
    return {
        "status": "ok",
        "store": "ok",
        "schema_revision": status.schema_revision,
        "watcher": status.watcher_state(stale_after(settings)),
        "last_pass_at": last.isoformat() if last else None,
        "last_pass_age_seconds": round((status.now - last).total_seconds(), 1) if last else None,
        "backlog": {
            "due_articles": status.due_articles,
            "due_feeds": status.due_feeds,
            "pending_alerts": status.deliveries.get("pending", 0),
        },
        "watchers": [
            {
                "worker": w.worker,
                "last_pass_at": w.last_pass_at.isoformat(),
                "last_pass_seconds": round(w.last_pass_seconds, 3),
                "last_pass_succeeded": w.last_pass_succeeded,
                "passes": w.passes,
            }
            for w in status.watchers
        ],
    }
