"""Many workers on one store: discovery and recording are idempotent, conflicts retried.

Two ``watch --once`` processes on one PostgreSQL store with one feed died in
3 of 6 runs with ``UniqueViolation … uq_articles_url``: each read that a URL
was new, then both inserted it. These tests race threads (each transaction its
own connection) through the same discoveries and captures at the same moment.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from newstrail.errors import StoreError
from newstrail.extract.records import Extracted
from newstrail.jobs.polling import FeedPoller, WatchReport
from newstrail.jobs.sources import save_source
from newstrail.jobs.watch import Watcher
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.versions.recording import Capture, record_capture
from servers import running_site

THREADS = 6
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def rows(store: Store, table: sa.Table) -> int:
    """How many rows ``table`` holds."""
    with store.read() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def _race(store: Store, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``THREADS`` threads released at once; re-raise the first error."""
    if store.url == "sqlite://":
        pytest.skip("the in-memory store is one connection: threads take turns")
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def test_workers_discovering_the_same_urls_at_once_all_succeed(store: Store) -> None:
    urls = [f"https://news.example.org/story-{i}" for i in range(40)]

    def discover(index: int) -> list[int]:
        poller = FeedPoller(store, Settings(), lambda: NOW, f"worker-{index}")
        report = WatchReport()
        return [poller.ensure_article(url, None, None, NOW, report) for url in urls]

    results = _race(store, discover)
    assert all(ids == results[0] for ids in results)
    with store.read() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(schema.articles)).scalar()
            == 40
        )
        # One outlet row, however many workers met it first at once.
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(schema.sources)).scalar() == 1
        )


def test_workers_recording_the_same_new_page_at_once_store_it_once(store: Store) -> None:
    extracted = Extracted(
        title="Floods close the valley road",
        author=None,
        date=None,
        site=None,
        text="The valley road was closed on Tuesday after heavy rain.",
        url=None,
        language="en",
        extractor="test/1",
    )

    def record(index: int) -> int:
        capture = Capture(
            url="https://news.example.org/floods",
            extracted=extracted,
            origin="fetch",
            captured_at=NOW,
            raw=b"<html>the same bytes</html>",
            source_name="Example News",
            source_domain="example.org",
        )
        return record_capture(store, capture).article_id

    assert len(set(_race(store, record))) == 1
    with store.read() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(schema.versions)).scalar()
            == 1
        )
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(schema.blobs)).scalar() == 1
        )


def test_two_saves_of_one_source_at_once_both_succeed(store: Store) -> None:
    ids = _race(store, lambda i: save_source(store, "https://news.example.org/rss.xml", "rss"))
    assert len(set(ids)) == 1


def test_a_feed_poll_is_leased_to_one_watcher(store: Store) -> None:
    save_source(store, "https://news.example.org/rss.xml", "rss")
    first = FeedPoller(store, Settings(), lambda: NOW, "worker-1")
    second = FeedPoller(store, Settings(), lambda: NOW, "worker-2")
    assert len(store.transact(first._claim_feeds)) == 1
    assert store.transact(second._claim_feeds) == []  # held by worker-1 until its lease ends


def test_transient_conflicts_are_retried_and_counted(tmp_path: Any) -> None:
    store = Store(tmp_path / "s.db")
    attempts = []

    def work(connection: sa.Connection) -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise sa.exc.OperationalError(
                "BEGIN", {}, sqlite3.OperationalError("database is locked")
            )
        return "done"

    assert store.transact(work) == "done" and store.retries == 2
    with pytest.raises(StoreError, match="persisted through 2 attempts"):
        store.transact(
            lambda c: (_ for _ in ()).throw(
                sa.exc.OperationalError("x", {}, sqlite3.OperationalError("database is locked"))
            ),
            attempts=2,
        )
    with pytest.raises(sa.exc.IntegrityError):  # not transient: not retried
        store.transact(
            lambda c: c.execute(schema.sources.insert().values(name=None, created_at=NOW))
        )
    store.close()


def test_a_feed_of_10000_entries_takes_its_share_and_the_other_feeds_are_checked(
    tmp_path: Any,
) -> None:
    """Per-feed budgets and paged discovery: the flood waits, the good feed's articles do not."""
    store = Store(tmp_path / "s.db")
    settings = Settings(allow_private=True, per_host_delay=0.0, per_source_budget=20, workers=1)
    with running_site() as site:
        flood = save_source(store, f"{site.base_url}/_hostile/huge-feed.xml?n=10000", "rss")
        good = save_source(store, site.feed_urls[0], "rss")
        watcher = Watcher(store, settings, analyse=False)
        try:
            report = asyncio.run(watcher.run_once(batch=100))
        finally:
            watcher.close()
    a, c = schema.articles, schema.checks
    with store.read() as connection:

        def count(*where: Any) -> int:
            return int(
                connection.execute(sa.select(sa.func.count()).select_from(a).where(*where)).scalar()
            )

        good_found = count(a.c.feed_id == good)
        good_checked = count(a.c.feed_id == good, a.c.last_checked_at.is_not(None))
        flood_found = count(a.c.feed_id == flood)
        flood_checked = count(a.c.feed_id == flood, a.c.last_checked_at.is_not(None))
        checks = connection.execute(sa.select(sa.func.count()).select_from(c)).scalar()
    assert good_found > 0 and good_checked == good_found, report.line()
    assert flood_found == settings.max_new_per_poll  # the rest come next pass, a page at a time
    assert flood_checked == 20 and checks
    store.close()
