"""Each watcher's last pass and running totals, kept in the store.

After every pass a watcher adds its report to its row of ``watchers``: when
the pass ended and how long it took, and running totals of polls, checks by
outcome, new versions and errors by kind. ``/healthz`` and ``/metrics`` read
these rows, so every web worker (and every machine) answers the same, and the
totals survive a restart of the web app. Totals only grow: Prometheus
counters must never go down.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from newstrail.jobs.polling import WatchReport
from newstrail.store import schema
from newstrail.store.database import Store


def _added(totals: dict[str, Any], report: WatchReport) -> dict[str, Any]:
    """``totals`` with one pass's counts added."""
    checks = Counter(totals.get("checks") or {})
    checks.update(report.outcomes)
    errors = Counter(totals.get("errors") or {})
    errors.update(report.error_kinds)
    return {
        "polls": int(totals.get("polls", 0)) + report.feeds_polled,
        "poll_errors": int(totals.get("poll_errors", 0)) + report.feed_errors,
        "discovered": int(totals.get("discovered", 0)) + report.discovered,
        "new_versions": int(totals.get("new_versions", 0)) + report.new_versions,
        "failed_passes": int(totals.get("failed_passes", 0)) + (not report.succeeded),
        "checks": dict(checks),
        "errors": dict(errors),
    }


def record_pass(store: Store, worker: str, report: WatchReport, at: datetime) -> None:
    """Add one pass to ``worker``'s row (created on its first pass)."""
    w = schema.watchers
    with store.write() as connection:
        row = connection.execute(sa.select(w).where(w.c.worker == worker)).first()
        values = {
            "last_pass_at": at,
            "last_pass_seconds": report.seconds,
            "last_pass_succeeded": report.succeeded,
        }
        if row is None:
            connection.execute(
                w.insert().values(
                    worker=worker,
                    passes=1,
                    pass_seconds=report.seconds,
                    totals=_added({}, report),
                    **values,
                )
            )
            return
        connection.execute(
            w.update()
            .where(w.c.worker == worker)
            .values(
                passes=row.passes + 1,
                pass_seconds=row.pass_seconds + report.seconds,
                totals=_added(row.totals or {}, report),
                **values,
            )
        )
