"""How a check ends: its row, the article's next due time, and any event.

The watcher (``watch.py``) fetches and records; each check then ends here in
one of four ways: finished (rescheduled by ``schedule.py``, slower while the
page does not change), failed (retried with backoff), ended (the article was
deleted or moved: kept, never checked again) or handed back unchecked when the
watcher stops. The rows go to the ``CheckLedger`` (``ledger.py``), which writes
them a batch per transaction.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from newstrail.jobs.leases import Claim, Release
from newstrail.jobs.ledger import CheckLedger, Entry
from newstrail.jobs.polling import Clock, WatchReport
from newstrail.jobs.schedule import RecheckPolicy, after_error, next_check
from newstrail.store import schema
from newstrail.store.database import Store


class CheckOutcomes:
    """Settles each check of a watcher: records it and reschedules its article."""

    def __init__(
        self, store: Store, policy: RecheckPolicy, clock: Clock, ledger: CheckLedger
    ) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock
        self.ledger = ledger
        # Feed options are read once per pass, not once per check: the read
        # transaction was 0.5 ms of the 3.3 ms CPU an unchanged (304) check cost
        # (bench/watch.py). Cleared each pass, so edited options apply next pass.
        self.feed_options_seen: dict[int, dict[str, Any]] = {}

    def fail(
        self,
        claim: Claim,
        check: dict[str, Any],
        started: float,
        report: WatchReport,
        message: str,
        kind: str = "other",
    ) -> None:
        """Record a failed check (one line) and retry later with backoff."""
        report.add_error(message, kind)
        failed = check | {"outcome": "error", "error": message}
        self.finish(claim, failed, started, report, error=True)

    def finish(
        self,
        claim: Claim,
        check: dict[str, Any],
        started: float,
        report: WatchReport,
        *,
        changed: bool = False,
        error: bool = False,
    ) -> None:
        """Settle the check: record it and reschedule the article, releasing our lease."""
        now = check["checked_at"]
        policy = self.policy.overridden(self.feed_options(claim.feed_id))
        if error:
            failures = claim.consecutive_errors + 1
            decision = after_error(now, claim.check_interval, failures)
        else:
            failures = 0
            decision = next_check(policy, now, claim.check_interval, changed=changed)
        check["elapsed_ms"] = (time.monotonic() - started) * 1000
        report.outcomes[check["outcome"]] += 1
        report.attempt(claim.url, failed=error)
        event = None
        if decision.retired:
            interval_days = round(decision.interval / 86400, 1)
            event = self.event(claim, now, "retired", {"interval_days": interval_days})
        state = "retired" if decision.retired else "active"
        self.ledger.add(
            Entry(
                check=check,
                article={"last_checked_at": now, "consecutive_errors": failures},
                release=Release(claim.article_id, decision.due, decision.interval, state),
                event=event,
            )
        )

    def end_article(
        self,
        claim: Claim,
        check: dict[str, Any],
        started: float,
        report: WatchReport,
        state: str,
        detail: dict[str, Any],
        moved_to: str | None,
    ) -> None:
        """Record a deletion or move (the check's outcome is ``state``); the
        article and its versions are kept."""
        now = check["checked_at"]
        check = check | {"outcome": state, "elapsed_ms": (time.monotonic() - started) * 1000}
        report.outcomes[state] += 1
        report.attempt(claim.url, failed=False)
        self.ledger.add(
            Entry(
                check=check,
                article={"last_checked_at": now, "moved_to": moved_to},
                release=Release(claim.article_id, None, claim.check_interval or 0.0, state),
                event=self.event(claim, now, state, detail),
            )
        )

    def hand_back(self, claim: Claim) -> None:
        """Release a claim unchecked (stopping): still due, schedule unchanged."""
        release = Release(claim.article_id, self.clock(), claim.check_interval, "active")
        self.ledger.add(Entry(check=None, article={}, release=release))

    @staticmethod
    def event(claim: Claim, at: datetime, kind: str, detail: dict[str, Any]) -> dict[str, Any]:
        """An ``article_events`` row for the claimed article."""
        return {"article_id": claim.article_id, "at": at, "kind": kind, "detail": detail}

    def feed_options(self, feed_id: int | None) -> dict[str, Any]:
        if feed_id is None:
            return {}
        if feed_id not in self.feed_options_seen:
            with self.store.read() as connection:
                options = connection.execute(
                    sa.select(schema.feeds.c.options).where(schema.feeds.c.id == feed_id)
                ).scalar()
            self.feed_options_seen[feed_id] = dict(options or {})
        return dict(self.feed_options_seen[feed_id])
