"""When to check an article again: NewsSniffer's decaying re-check policy.

A new article is due at once. After an unchanged check the interval grows by
``growth`` (×1.2) from ``first_interval`` (30 minutes); a change resets it; once
the interval passes ``retire_after`` (40 days) the article is retired: it last
changed long ago and won't be checked again. A source may override each value.
With the defaults an article that never changes is checked about 42 times over
~240 days before it retires.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from newstrail.errors import ConfigError
from newstrail.settings import Settings

# An error (timeout, 5xx after retries) is retried after this interval, doubling
# while errors persist, so a broken page neither hammers its host nor retires early.
ERROR_RETRY = timedelta(minutes=15)


@dataclass(frozen=True)
class RecheckPolicy:
    """The decaying schedule's three numbers."""

    first_interval: timedelta = timedelta(minutes=30)
    growth: float = 1.2
    retire_after: timedelta = timedelta(days=40)

    @classmethod
    def from_settings(cls, settings: Settings) -> RecheckPolicy:
        return cls(
            first_interval=timedelta(minutes=settings.first_interval_minutes),
            growth=settings.interval_growth,
            retire_after=timedelta(days=settings.retire_after_days),
        )

    def overridden(self, options: dict[str, Any]) -> RecheckPolicy:
        """This policy with a source's ``policy`` options applied."""
        policy = options.get("policy") or {}
        try:
            changes: dict[str, Any] = {}
            if "first_interval_minutes" in policy:
                changes["first_interval"] = timedelta(
                    minutes=float(policy["first_interval_minutes"])
                )
            if "interval_growth" in policy:
                changes["growth"] = float(policy["interval_growth"])
            if "retire_after_days" in policy:
                changes["retire_after"] = timedelta(days=float(policy["retire_after_days"]))
        except (TypeError, ValueError) as error:
            raise ConfigError(f"invalid re-check policy {policy!r}: {error}") from error
        return replace(self, **changes)


@dataclass(frozen=True)
class NextCheck:
    """What the schedule decided after a check."""

    due: datetime | None  # None once retired
    interval: float  # seconds
    retired: bool


def next_check(
    policy: RecheckPolicy, now: datetime, interval: float | None, *, changed: bool
) -> NextCheck:
    """The next due time after a check that found the article ``changed`` or not.

    Args:
        policy: the schedule to follow.
        now: when the check happened.
        interval: the article's current interval in seconds (None for a new article).
        changed: whether the check stored a new visible version.
    """
    first = policy.first_interval.total_seconds()
    grown = max(interval or first, first) * policy.growth
    new_interval = first if changed or interval is None else grown
    if new_interval > policy.retire_after.total_seconds():
        return NextCheck(due=None, interval=new_interval, retired=True)
    return NextCheck(
        due=now + timedelta(seconds=new_interval), interval=new_interval, retired=False
    )


def after_error(now: datetime, interval: float | None, failures: int) -> NextCheck:
    """Retry a failed check later, backing off with consecutive failures (capped at a day)."""
    delay = min(ERROR_RETRY.total_seconds() * 2 ** max(failures - 1, 0), 86400.0)
    return NextCheck(due=now + timedelta(seconds=delay), interval=interval or 0.0, retired=False)
