"""The due-work queue: leases, budgets, crash recovery and shared host politeness."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newstrail.extract.records import Extracted
from newstrail.jobs.leases import (
    Claim,
    Release,
    claim_due,
    claim_due_in,
    due_query,
    extend_lease,
    queue_stats,
    release,
    release_all,
    reserve_host_slot,
    schedule_new,
)
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.versions.recording import Capture, record_capture

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def add_articles(
    store: Store, count: int, source: str = "Example News", *, due: datetime | None = NOW
) -> list[int]:
    """Record ``count`` new articles of ``source`` and schedule them (due at ``due``)."""
    ids = []
    domain = source.lower().replace(" ", "") + ".example"
    with store.write() as connection:
        for number in range(count):
            url = f"https://{domain}/story-{number}"
            extracted = Extracted(
                title=f"Story {number}",
                author=None,
                date=None,
                site=source,
                text=f"Body of story {number} from {source}.",
                url=url,
                language="en",
                extractor="test",
            )
            capture = Capture(
                url=url,
                extracted=extracted,
                origin="fetch",
                captured_at=NOW - timedelta(days=1),
                source_name=source,
                source_domain=domain,
            )
            article_id = record_capture(store, capture, connection).article_id
            if due is not None:
                schedule_new(connection, article_id, due)
            ids.append(article_id)
    return ids


def add_retired(store: Store, count: int, state: str = "retired") -> None:
    """Bulk-insert articles that are past due but must never be claimed."""
    rows = [
        {
            "url": f"https://old.example/{state}/{number}",
            "state": state,
            "version_count": 0,
            "first_seen_at": NOW - timedelta(days=300),
            "next_check_at": NOW - timedelta(days=200),
        }
        for number in range(count)
    ]
    with store.write() as connection:
        connection.execute(schema.articles.insert(), rows)


def ids_of(claims: list[Claim]) -> list[int]:
    return [claim.article_id for claim in claims]


def drain(store: Store, worker: str, now: datetime, batch: int) -> list[int]:
    """Claim batches until nothing is left for ``worker``, pausing as if checking each."""
    claimed: list[int] = []
    while batch_claims := claim_due(store, worker, now, batch, LEASE):
        claimed += ids_of(batch_claims)
        time.sleep(0.001)
    return claimed


def test_new_articles_are_due_at_once_and_claimed_in_due_order(store: Store) -> None:
    late = add_articles(store, 2, "Late Times", due=NOW)
    early = add_articles(store, 2, "Early Post", due=NOW - timedelta(hours=1))
    add_articles(store, 1, "Future Herald", due=NOW + timedelta(minutes=1))
    claims = claim_due(store, "w1", NOW, limit=10)
    assert ids_of(claims) == early + late
    first = claims[0]
    assert first.url == "https://earlypost.example/story-0"
    assert first.source_id is not None and first.check_interval is None
    assert first.lease_expires_at == NOW + LEASE


def test_schedule_new_never_postpones_an_earlier_due_time(store: Store) -> None:
    [article] = add_articles(store, 1, due=NOW - timedelta(hours=2))
    with store.write() as connection:
        schedule_new(connection, article, NOW)
    assert queue_stats(store, NOW)["lag_seconds"] == 2 * 3600


def test_a_live_lease_is_never_claimed_twice_and_an_expired_one_is_reclaimed(store: Store) -> None:
    ids = add_articles(store, 3)
    assert ids_of(claim_due(store, "w1", NOW, 10)) == ids
    assert claim_due(store, "w2", NOW + LEASE - timedelta(seconds=1), 10) == []
    reclaimed = claim_due(store, "w2", NOW + LEASE, 10)
    assert ids_of(reclaimed) == ids
    # The first worker's late release must not undo the second worker's claim.
    assert not release(store, ids[0], "w1", NOW + timedelta(hours=1), 1800.0)
    assert release(store, reclaimed[0], "w2", NOW + timedelta(hours=1), 1800.0)
    with store.read() as connection:
        row = connection.execute(
            sa.select(schema.articles).where(schema.articles.c.id == ids[0])
        ).one()
    assert row.lease_owner is None and row.check_interval == 1800.0


def test_release_reschedules_retires_or_ends_an_article(store: Store) -> None:
    ids = add_articles(store, 3)
    claims = claim_due(store, "w1", NOW, 10)
    assert release(store, claims[0], "w1", NOW + timedelta(minutes=30), 1800.0)
    assert release(store, claims[1], "w1", NOW + timedelta(days=50), 4e6, state="retired")
    assert release(store, claims[2], "w1", None, 1800.0, state="deleted")
    with pytest.raises(ValueError, match="unknown article state"):
        release(store, claims[0], "w1", NOW, 1.0, state="gone")
    later = NOW + timedelta(days=100)
    assert ids_of(claim_due(store, "w2", later, 10)) == [ids[0]]
    stats = queue_stats(store, later)
    assert (stats["active"], stats["retired"], stats["deleted"]) == (1, 1, 1)


def test_release_all_hands_back_a_batch_but_not_a_lease_lost_meanwhile(store: Store) -> None:
    ids = add_articles(store, 3)
    mine = claim_due(store, "w1", NOW, 10)
    a = schema.articles
    with store.read() as connection:
        rows = connection.execute(sa.select(a).where(a.c.id.in_(ids)).order_by(a.c.id)).all()
    carried = [(c.etag, c.last_modified, c.consecutive_errors, c.version_count) for c in mine]
    assert carried == [
        (r.etag, r.last_modified, r.consecutive_errors or 0, r.version_count) for r in rows
    ]
    # w1 stalls past its lease; w2 takes the first article over.
    stolen = claim_due(store, "w2", NOW + timedelta(minutes=6), 1)
    assert ids_of(stolen) == [ids[0]]
    releases = [
        Release(ids[0], NOW + timedelta(minutes=30), 1800.0),
        Release(ids[1], NOW + timedelta(days=50), 4e6, state="retired"),
        Release(ids[2], None, 1800.0, state="deleted"),
    ]
    with store.write() as connection:
        release_all(connection, releases, "w1")
    stats = queue_stats(store, NOW + timedelta(minutes=7))
    assert (stats["active"], stats["retired"], stats["deleted"]) == (1, 1, 1)
    assert claim_due(store, "w3", NOW + timedelta(minutes=7), 10) == []  # w2 still holds it
    with pytest.raises(ValueError, match="unknown article state"), store.write() as connection:
        release_all(connection, [Release(ids[0], NOW, 1.0, state="gone")], "w2")


def test_extend_lease_keeps_a_slow_check_away_from_other_workers(store: Store) -> None:
    ids = add_articles(store, 2)
    claim_due(store, "w1", NOW, 10)
    assert extend_lease(store, ids, "w1", NOW + timedelta(minutes=20)) == 2
    assert extend_lease(store, ids, "intruder", NOW + timedelta(days=1)) == 0
    assert claim_due(store, "w2", NOW + timedelta(minutes=19), 10) == []
    assert ids_of(claim_due(store, "w2", NOW + timedelta(minutes=20), 10)) == ids


def test_per_source_budget_shares_one_claim_between_outlets(store: Store) -> None:
    # The big outlet's backlog is due first and is longer than several candidate
    # pages, so the small outlets are only reached by reading past it.
    big = add_articles(store, 40, "Big Daily", due=NOW - timedelta(hours=1))
    small = add_articles(store, 3, "Small Weekly")
    tiny = add_articles(store, 1, "Tiny Gazette")
    claims = claim_due(store, "w1", NOW, limit=6, per_source_budget=2)
    assert ids_of(claims) == big[:2] + small[:2] + tiny
    unbudgeted = claim_due(store, "w2", NOW, limit=6)
    assert ids_of(unbudgeted) == big[2:8]
    with pytest.raises(ValueError):
        claim_due(store, "w3", NOW, limit=6, per_source_budget=0)


def test_retired_deleted_and_moved_articles_are_never_claimed(store: Store) -> None:
    active = add_articles(store, 2)
    for state in ("retired", "deleted", "moved"):
        add_retired(store, 5, state)
    unscheduled = add_articles(store, 1, "Unscheduled", due=None)
    assert sorted(drain(store, "w1", NOW + timedelta(days=400), 3)) == active
    stats = queue_stats(store, NOW)
    assert stats["retired"] == stats["deleted"] == stats["moved"] == 5
    assert stats["unscheduled"] == len(unscheduled) == 1
    assert stats["leased"] == 2 and stats["due"] == 0


def test_an_explicit_claim_may_revisit_a_retired_article(store: Store) -> None:
    [article] = add_articles(store, 1)
    claim = claim_due(store, "w1", NOW, 1)[0]
    release(store, claim, "w1", NOW, 4e6, state="retired")
    assert claim_due(store, "w1", NOW, 10) == []
    assert ids_of(claim_due(store, "w1", NOW, 10, only_ids=[article])) == [article]


def test_queue_stats_counts_due_and_leased(store: Store) -> None:
    add_articles(store, 3, due=NOW - timedelta(minutes=10))
    add_articles(store, 2, "Later", due=NOW + timedelta(hours=1))
    claim_due(store, "w1", NOW, 1)
    stats = queue_stats(store, NOW)
    assert (stats["active"], stats["due"], stats["leased"]) == (5, 2, 1)
    assert stats["lag_seconds"] == 600
    assert queue_stats(store, NOW + LEASE)["due"] == 3


# -- concurrency ---------------------------------------------------------------


def run_threads(count: int, target: Callable[[int], None]) -> None:
    """Run ``target(0..count-1)`` in threads started together; re-raise the first error."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def wrapped(number: int) -> None:
        try:
            start.wait()
            target(number)
        except BaseException as error:  # handed to the test thread, which re-raises it
            errors.append(error)

    threads = [threading.Thread(target=wrapped, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]


def test_concurrent_threads_never_claim_the_same_article(store: Store) -> None:
    ids = add_articles(store, 60)
    claimed: dict[int, list[int]] = {}

    def worker(number: int) -> None:
        claimed[number] = drain(store, f"thread-{number}", NOW, 4)

    run_threads(4, worker)
    every_claim = [article for claims in claimed.values() for article in claims]
    assert sorted(every_claim) == ids  # each article exactly once


def test_host_slots_serialise_across_threads(store: Store) -> None:
    slots: list[datetime] = []
    lock = threading.Lock()

    def worker(_number: int) -> None:
        for _ in range(5):
            slot = reserve_host_slot(store, "news.example", NOW, 2.0)
            with lock:
                slots.append(slot)

    run_threads(4, worker)
    assert sorted(slots) == [NOW + timedelta(seconds=2 * step) for step in range(20)]
    # Another host has its own queue; a robots.txt crawl delay longer than ours wins.
    assert reserve_host_slot(store, "other.example", NOW, 2.0) == NOW
    with store.write() as connection:
        connection.execute(
            schema.hosts.update()
            .where(schema.hosts.c.host == "other.example")
            .values(crawl_delay=30.0)
        )
    assert reserve_host_slot(store, "other.example", NOW, 2.0) == NOW + timedelta(seconds=2)
    assert reserve_host_slot(store, "other.example", NOW, 2.0) == NOW + timedelta(seconds=32)
    # A host idle since its last slot starts at the caller's clock again.
    later = NOW + timedelta(hours=1)
    assert reserve_host_slot(store, "news.example", later, 2.0) == later


CLAIMER = """
import json, sys, time
from datetime import datetime, timedelta
from newstrail.jobs.leases import claim_due, claim_due_in
from newstrail.store.database import Store

url, worker, now, batch, mode = sys.argv[1:6]
now = datetime.fromisoformat(now)
store = Store(url)
if mode == "drain":
    claimed = []
    while claims := claim_due(store, worker, now, int(batch), timedelta(minutes=5)):
        claimed += [claim.article_id for claim in claims]
    print(json.dumps(claimed), flush=True)
elif mode == "hold":  # claim, say so, then wait to be killed before any release
    claims = claim_due(store, worker, now, int(batch), timedelta(minutes=5))
    print(json.dumps([claim.article_id for claim in claims]), flush=True)
    time.sleep(60)
else:  # "uncommitted": killed in the middle of the claim's transaction
    with store.write() as connection:
        claims = claim_due_in(connection, worker, now, int(batch), timedelta(minutes=5))
        print(json.dumps([claim.article_id for claim in claims]), flush=True)
        time.sleep(60)
"""


def shared_url(store: Store) -> str:
    """The store's URL for another process; an in-memory store cannot be shared."""
    if store.url == "sqlite://":
        pytest.skip("an in-memory store lives in one process; the file store covers this")
    return store.engine.url.render_as_string(hide_password=False)


def start_claimer(
    url: str, worker: str, now: datetime, batch: int, mode: str
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CLAIMER, url, worker, now.isoformat(), str(batch), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONWARNINGS": "error"},
    )


@contextmanager
def killed_after_claiming(url: str, now: datetime, batch: int, mode: str) -> Iterator[list[int]]:
    """A claimer process that reports its claims and is then killed with SIGKILL."""
    process = start_claimer(url, "doomed", now, batch, mode)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else "no output"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        yield json.loads(line)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


def test_concurrent_processes_never_claim_the_same_article(store: Store) -> None:
    url = shared_url(store)
    ids = add_articles(store, 30)
    processes = [start_claimer(url, f"process-{n}", NOW, 2, "drain") for n in range(3)]
    claimed: list[int] = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        claimed += json.loads(out)
    assert sorted(claimed) == ids
    assert Counter(claimed).most_common(1)[0][1] == 1


def test_a_killed_workers_claims_come_back_after_the_lease(store: Store) -> None:
    url = shared_url(store)
    ids = add_articles(store, 8)
    with killed_after_claiming(url, NOW, 5, "hold") as lost:
        assert lost == ids[:5]
    # While the dead worker's leases live, nobody else gets those articles...
    assert ids_of(claim_due(store, "survivor", NOW, 10, lease=LEASE * 10)) == ids[5:]
    assert claim_due(store, "survivor", NOW + LEASE - timedelta(seconds=1), 10) == []
    # ...then they come back exactly once: none lost, none doubled.
    assert ids_of(claim_due(store, "survivor", NOW + LEASE, 10)) == lost
    assert claim_due(store, "another", NOW + LEASE, 10) == []


def test_a_worker_killed_inside_the_claim_transaction_claims_nothing(store: Store) -> None:
    url = shared_url(store)
    ids = add_articles(store, 4)
    with killed_after_claiming(url, NOW, 3, "uncommitted") as seen:
        assert seen == ids[:3]
    # The claim never committed, so everything is free at once.
    assert ids_of(claim_due(store, "survivor", NOW, 10)) == ids
    assert queue_stats(store, NOW)["leased"] == 4


# -- cost: the due index, not the archive ---------------------------------------


def driver_sql(connection: Connection, statement: sa.Executable) -> tuple[str, Any]:
    """The SQL and parameters ``statement`` sends to the driver."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_rest: Any) -> None:
        sent.append((sql, parameters))

    sa.event.listen(connection, "before_cursor_execute", capture)
    try:
        connection.execute(statement).all()
    finally:
        sa.event.remove(connection, "before_cursor_execute", capture)
    return sent[0]


def claim_plan(store: Store) -> str:
    """The database's plan for the claim's candidate query."""
    with store.read() as connection:
        sql, parameters = driver_sql(connection, due_query(NOW, 50))
        prefix = "EXPLAIN QUERY PLAN " if store.is_sqlite else "EXPLAIN "
        rows = connection.exec_driver_sql(prefix + sql, parameters).all()
    return "\n".join(str(row[-1]) for row in rows)


def rows_touched(store: Store, run: Callable[[Connection], object]) -> int:
    """Work the database does for ``run`` in a rolled-back transaction.

    SQLite: virtual-machine instructions executed (each row read is several);
    PostgreSQL: tuples its scans of ``articles`` returned, from the statistics of
    the current transaction. Neither depends on the machine's speed.
    """

    class Rollback(Exception):
        pass

    work = 0
    with pytest.raises(Rollback), store.write() as connection:
        if store.is_sqlite:

            def count(_conn: Any, cursor: Any, *_rest: Any) -> None:
                def step() -> int:
                    nonlocal work
                    work += 1
                    return 0

                cursor.connection.set_progress_handler(step, 1)

            sa.event.listen(connection, "before_cursor_execute", count)
            run(connection)
            connection.connection.driver_connection.set_progress_handler(None, 1)  # type: ignore[union-attr]
            sa.event.remove(connection, "before_cursor_execute", count)
        else:
            stats = sa.text(
                "SELECT seq_tup_read + coalesce(idx_tup_fetch, 0) "
                "FROM pg_stat_xact_user_tables WHERE relname = 'articles'"
            )
            before: int = connection.execute(stats).scalar_one()
            run(connection)
            work = connection.execute(stats).scalar_one() - before
        raise Rollback
    return work


def test_claims_use_the_due_index(store: Store) -> None:
    add_articles(store, 5)
    add_retired(store, 2000)
    if not store.is_sqlite:
        with store.write() as connection:
            connection.exec_driver_sql("ANALYZE articles")
    plan = claim_plan(store)
    assert "ix_articles_due" in plan, plan
    if store.is_sqlite:
        assert "SCAN articles" not in plan and "TEMP B-TREE" not in plan, plan
    else:
        assert "Seq Scan" not in plan, plan


def test_claim_cost_does_not_grow_with_retired_articles(store: Store) -> None:
    add_articles(store, 20, "Big Daily", due=NOW - timedelta(minutes=5))
    add_articles(store, 20, "Small Weekly")

    def claim(connection: Connection) -> object:
        return claim_due_in(connection, "w1", NOW, 10, LEASE, per_source_budget=5)

    def scan_everything(connection: Connection) -> object:
        a = schema.articles
        return connection.execute(
            sa.select(sa.func.count()).where(a.c.next_check_at <= NOW, a.c.lease_owner.is_(None))
        ).scalar()

    def analyze() -> None:
        if not store.is_sqlite:
            with store.write() as connection:
                connection.exec_driver_sql("ANALYZE articles")

    analyze()
    claim_before, scan_before = rows_touched(store, claim), rows_touched(store, scan_everything)
    add_retired(store, 3000)
    add_retired(store, 1000, "deleted")
    analyze()
    claim_after, scan_after = rows_touched(store, claim), rows_touched(store, scan_everything)
    # The meter sees the 4000 extra rows when a query does read them...
    assert scan_after >= scan_before + 4000
    # ...and a claim does not: same work (give or take a B-tree level) with 100x the archive.
    assert claim_before > 0
    assert claim_after <= claim_before * 1.05 + 10, (claim_before, claim_after)
