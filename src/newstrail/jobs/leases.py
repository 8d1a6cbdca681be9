"""The due-work queue: which articles to check next, leased to one worker at a time.

The queue is the ``articles`` table itself: an article is *due* when its state
is ``active`` and ``next_check_at`` has passed, and *free* when nobody holds a
live lease on it. Many workers, on many machines, share one store:

    claim_due        due + free articles → leased to this worker until now + lease
    extend_lease     a slow check keeps its articles
    release          record the next due time and drop the lease (only if still ours)
    (lease expires)  a crashed worker's articles become free again; nothing is lost

Claims are atomic. On PostgreSQL the candidates are read with
``SELECT … FOR UPDATE SKIP LOCKED``, so concurrent workers each get different
rows without waiting on each other, and the lease is written with
``UPDATE … RETURNING`` in the same transaction. On SQLite the same statements
run inside one ``BEGIN IMMEDIATE`` transaction, which serialises claimers.

Candidates come off the ``ix_articles_due(state, next_check_at)`` index in due
order, so retired, deleted and moved articles are never read: a claim costs the
same with 0 or 100,000 retired rows (``tests/test_queue.py`` counts the rows
touched). ``reserve_host_slot`` keeps request spacing per host across workers
through the ``hosts`` table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from newstrail.errors import InvalidInput
from newstrail.store import schema
from newstrail.store.database import Store

STATES = ("active", "retired", "deleted", "moved")
# With a per-source budget some candidates are skipped, so candidates are read
# in pages that double from 2 × limit: one page when sources are mixed, a few
# when one outlet's backlog is ahead of everyone else's (instead of one read of
# the whole backlog, which on PostgreSQL would also lock all of it).
FIRST_PAGE_FACTOR = 2
MAX_PAGE = 10_000


@dataclass(frozen=True)
class Claim:
    """An article leased to a worker until ``lease_expires_at``."""

    article_id: int
    url: str
    source_id: int | None
    feed_id: int | None
    check_interval: float | None
    lease_expires_at: datetime
    # What a check needs to know of the article, read with the claim so an
    # unchanged check does not read its row again.
    etag: str | None = None
    last_modified: str | None = None
    consecutive_errors: int = 0
    version_count: int = 0


@dataclass(frozen=True)
class Release:
    """A claimed article's next schedule, handed back with ``release_all``."""

    article_id: int
    next_check_at: datetime | None
    check_interval: float | None
    state: str = "active"


def as_utc(moment: datetime) -> datetime:
    """``moment`` as aware UTC; naive values (SQLite hands them back) are taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def due_query(
    now: datetime,
    page: int,
    *,
    after: tuple[datetime, int] | None = None,
    only_ids: Iterable[int] | None = None,
) -> sa.Select[tuple[int, str, int | None, int | None, float | None, datetime]]:
    """The next ``page`` due, free articles in due order (after ``after``), locked on PostgreSQL.

    Args:
        now: the claimer's clock; leases that ended at or before it are free.
        page: most rows returned.
        after: the (next_check_at, id) of the last row of the previous page.
        only_ids: restrict to these articles; retired ones are then eligible too,
            because an explicit check may revisit a retired article.

    Returns:
        A SELECT of id, url, source_id, feed_id, check_interval, next_check_at.
    """
    a = schema.articles
    now = as_utc(now)
    states = ("active", "retired") if only_ids is not None else ("active",)
    query = (
        sa.select(
            a.c.id, a.c.url, a.c.source_id, a.c.feed_id, a.c.check_interval, a.c.next_check_at
        )
        .where(
            a.c.state.in_(states) if len(states) > 1 else a.c.state == states[0],
            a.c.next_check_at <= now,
            sa.or_(a.c.lease_expires_at.is_(None), a.c.lease_expires_at <= now),
            # A quarantined article (jobs/quarantine.py) is kept but not checked.
            ~sa.exists().where(
                schema.quarantine.c.article_id == a.c.id,
                schema.quarantine.c.state == "quarantined",
            ),
        )
        .order_by(a.c.next_check_at, a.c.id)
        .limit(page)
        # SQLite ignores this clause; its BEGIN IMMEDIATE already excludes other writers.
        .with_for_update(skip_locked=True)
    )
    if after is not None:
        after_at, after_id = after
        # The plain >= gives the index scan its lower bound; the OR alone would
        # make every page re-read the rows before it.
        query = query.where(
            a.c.next_check_at >= after_at,
            sa.or_(a.c.next_check_at > after_at, a.c.id > after_id),
        )
    if only_ids is not None:
        query = query.where(a.c.id.in_(list(only_ids)))
    return query


def claim_due(
    store: Store,
    worker: str,
    now: datetime,
    limit: int,
    lease: timedelta = timedelta(minutes=5),
    per_source_budget: int | None = None,
    *,
    only_ids: Iterable[int] | None = None,
) -> list[Claim]:
    """Lease up to ``limit`` due articles to ``worker``, oldest due first.

    Args:
        store: the shared store.
        worker: a name unique to this worker process (e.g. ``host:pid``).
        now: the worker's clock (aware UTC; naive is taken as UTC).
        limit: most articles claimed.
        lease: how long the claims last unless extended or released.
        per_source_budget: most articles of one source in this claim, so one big
            outlet cannot starve the rest (articles without a source share one budget).
        only_ids: claim only among these articles (see ``due_query``).

    Returns:
        The claims, in due order; empty when nothing is due and free.
    """
    if limit <= 0:
        return []
    if per_source_budget is not None and per_source_budget <= 0:
        raise InvalidInput(f"per_source_budget must be positive, not {per_source_budget}")
    return store.transact(
        lambda connection: claim_due_in(
            connection, worker, now, limit, lease, per_source_budget, only_ids=only_ids
        )
    )


def claim_due_in(
    connection: Connection,
    worker: str,
    now: datetime,
    limit: int,
    lease: timedelta = timedelta(minutes=5),
    per_source_budget: int | None = None,
    *,
    only_ids: Iterable[int] | None = None,
) -> list[Claim]:
    """``claim_due`` inside an open write transaction (the claims commit with it)."""
    now = as_utc(now)
    ids = None if only_ids is None else list(only_ids)
    chosen = _choose(connection, now, limit, per_source_budget, ids)
    if not chosen:
        return []
    until = now + lease
    a = schema.articles
    # The lease condition is repeated so the UPDATE alone can never steal a live
    # lease, whatever isolation level the connection runs at.
    rows = connection.execute(
        a.update()
        .where(
            a.c.id.in_(chosen),
            sa.or_(a.c.lease_expires_at.is_(None), a.c.lease_expires_at <= now),
        )
        .values(lease_owner=worker, lease_expires_at=until)
        .returning(
            a.c.id,
            a.c.url,
            a.c.source_id,
            a.c.feed_id,
            a.c.check_interval,
            a.c.etag,
            a.c.last_modified,
            a.c.consecutive_errors,
            a.c.version_count,
        )
    ).all()
    order = {article_id: position for position, article_id in enumerate(chosen)}
    return [_row_claim(row, until) for row in sorted(rows, key=lambda row: order[row.id])]


def _choose(
    connection: Connection,
    now: datetime,
    limit: int,
    per_source_budget: int | None,
    only_ids: list[int] | None,
) -> list[int]:
    """The ids to claim: due order, at most ``per_source_budget`` per source."""
    chosen: list[int] = []
    # Budgets are per watched source (feed) within an outlet: two feeds of one
    # outlet (or of one test site) each get their share, so a feed with
    # 10,000 new entries cannot take the pass from another feed's three.
    per_source: Counter[tuple[int | None, int | None]] = Counter()
    page = limit if per_source_budget is None else min(limit * FIRST_PAGE_FACTOR, MAX_PAGE)
    after: tuple[datetime, int] | None = None
    while True:
        rows = connection.execute(due_query(now, page, after=after, only_ids=only_ids)).all()
        for row in rows:
            key = (row.source_id, row.feed_id)
            if per_source_budget is not None and per_source[key] >= per_source_budget:
                continue
            per_source[key] += 1
            chosen.append(row.id)
            if len(chosen) == limit:
                return chosen
        if len(rows) < page:
            return chosen
        after = (rows[-1].next_check_at, rows[-1].id)
        page = min(page * 2, MAX_PAGE)


def release(
    store: Store,
    claim_or_id: Claim | int,
    worker: str,
    next_check_at: datetime | None,
    check_interval: float,
    state: str = "active",
) -> bool:
    """Reschedule a claimed article and drop the lease, if the lease is still ours.

    Args:
        store: the shared store.
        claim_or_id: the claim, or its article id.
        worker: the worker that claimed it.
        next_check_at: when it is due again (None: never, e.g. deleted or moved).
        check_interval: the interval (seconds) the schedule chose.
        state: the article's state from now on: active, retired, deleted or moved.

    Returns:
        False when another worker holds the article now (our lease expired and it
        was claimed again): that worker's check wins and nothing is written.
    """
    if state not in STATES:
        raise InvalidInput(f"unknown article state {state!r}; expected one of {STATES}")
    article_id = claim_or_id.article_id if isinstance(claim_or_id, Claim) else claim_or_id
    a = schema.articles
    with store.write() as connection:
        result = connection.execute(
            a.update()
            .where(a.c.id == article_id, a.c.lease_owner == worker)
            .values(
                next_check_at=None if next_check_at is None else as_utc(next_check_at),
                check_interval=check_interval,
                state=state,
                lease_owner=None,
                lease_expires_at=None,
            )
        )
    return result.rowcount == 1


def release_all(connection: Connection, releases: Sequence[Release], worker: str) -> None:
    """``release`` for many articles in one statement, inside an open write transaction.

    The watcher hands back a batch of checked articles at once: one
    transaction per batch instead of one per article is what lets a pass of
    unchanged (304) pages run at network speed (bench/watch.py). As in
    ``release``, an article whose lease another worker holds now is left alone.
    """
    for release_ in releases:
        if release_.state not in STATES:
            raise InvalidInput(
                f"unknown article state {release_.state!r}; expected one of {STATES}"
            )
    if not releases:
        return
    a = schema.articles
    statement = (
        a.update()
        .where(a.c.id == sa.bindparam("b_id"), a.c.lease_owner == worker)
        .values(
            next_check_at=sa.bindparam("b_next"),
            check_interval=sa.bindparam("b_interval"),
            state=sa.bindparam("b_state"),
            lease_owner=None,
            lease_expires_at=None,
        )
    )
    connection.execute(
        statement,
        [
            {
                "b_id": r.article_id,
                "b_next": None if r.next_check_at is None else as_utc(r.next_check_at),
                "b_interval": r.check_interval,
                "b_state": r.state,
            }
            for r in releases
        ],
    )


def extend_lease(store: Store, article_ids: Iterable[int], worker: str, until: datetime) -> int:
    """Move the end of this worker's leases on ``article_ids`` to ``until``.

    Returns:
        How many leases were extended (articles claimed since by another worker are not).
    """
    ids = list(article_ids)
    if not ids:
        return 0
    a = schema.articles
    with store.write() as connection:
        result = connection.execute(
            a.update()
            .where(a.c.id.in_(ids), a.c.lease_owner == worker)
            .values(lease_expires_at=as_utc(until))
        )
    return int(result.rowcount)


def reserve_host_slot(store: Store, host: str, now: datetime, delay: float) -> datetime:
    """Reserve the next request slot for ``host``, shared by every worker on the store.

    Args:
        store: the shared store.
        host: the host name requests go to.
        now: the caller's clock.
        delay: seconds between two requests to the host; a larger ``crawl_delay``
            stored for the host (from robots.txt) wins.

    Returns:
        When the caller may send its request (``now`` or later); the host's next
        slot moves one delay past it, so concurrent callers get distinct slots.
    """
    h = schema.hosts
    now = as_utc(now)
    with store.write() as connection:
        _insert_host_if_missing(connection, host)
        row = connection.execute(
            sa.select(h.c.next_request_at, h.c.crawl_delay)
            .where(h.c.host == host)
            .with_for_update()
        ).one()
        start = now if row.next_request_at is None else max(now, as_utc(row.next_request_at))
        spacing = max(delay, row.crawl_delay or 0.0)
        connection.execute(
            h.update()
            .where(h.c.host == host)
            .values(next_request_at=start + timedelta(seconds=spacing))
        )
    return start


def _insert_host_if_missing(connection: Connection, host: str) -> None:
    """Create the host's row; concurrent creators are harmless (ON CONFLICT DO NOTHING)."""
    if connection.dialect.name == "postgresql":
        statement: sa.Insert = (
            postgresql.insert(schema.hosts).values(host=host).on_conflict_do_nothing()
        )
    else:
        statement = sqlite.insert(schema.hosts).values(host=host).on_conflict_do_nothing()
    connection.execute(statement)


def schedule_new(connection: Connection, article_id: int, now: datetime) -> None:
    """Make a newly discovered active article due at once (never postpones an earlier due time)."""
    a = schema.articles
    now = as_utc(now)
    connection.execute(
        a.update()
        .where(
            a.c.id == article_id,
            a.c.state == "active",
            sa.or_(a.c.next_check_at.is_(None), a.c.next_check_at > now),
        )
        .values(next_check_at=now)
    )


def queue_stats(store: Store, now: datetime) -> dict[str, int]:
    """Counts for dashboards: articles per state, and the active queue's shape.

    Returns:
        ``active``, ``retired``, ``deleted``, ``moved`` (per state); ``due`` (active,
        due, free); ``leased`` (live leases); ``unscheduled`` (active, no due time);
        ``lag_seconds`` (how overdue the oldest due article is, 0 when none).
    """
    a = schema.articles
    now = as_utc(now)
    free = sa.or_(a.c.lease_expires_at.is_(None), a.c.lease_expires_at <= now)
    with store.read() as connection:
        stats = {state: 0 for state in STATES}
        counts = sa.select(a.c.state, sa.func.count()).group_by(a.c.state)
        for state, count in connection.execute(counts):
            stats[str(state)] = cast(int, count)
        due = connection.execute(
            sa.select(sa.func.count(), sa.func.min(a.c.next_check_at)).where(
                a.c.state == "active", a.c.next_check_at <= now, free
            )
        ).one()
        stats["due"] = int(due[0])
        oldest: datetime | None = due[1]
        stats["lag_seconds"] = 0 if oldest is None else int((now - as_utc(oldest)).total_seconds())
        stats["leased"] = int(
            connection.execute(
                sa.select(sa.func.count()).where(a.c.lease_expires_at > now)
            ).scalar_one()
        )
        stats["unscheduled"] = int(
            connection.execute(
                sa.select(sa.func.count()).where(a.c.state == "active", a.c.next_check_at.is_(None))
            ).scalar_one()
        )
    return stats


def _row_claim(row: Row[Any], until: datetime) -> Claim:
    """A claim from an UPDATE … RETURNING row."""
    return Claim(
        article_id=int(row.id),
        url=str(row.url),
        source_id=row.source_id,
        feed_id=row.feed_id,
        check_interval=row.check_interval,
        lease_expires_at=until,
        etag=row.etag,
        last_modified=row.last_modified,
        consecutive_errors=int(row.consecutive_errors or 0),
        version_count=int(row.version_count or 0),
    )
