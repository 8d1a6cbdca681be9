"""Polling feeds and sitemaps: new article URLs become articles due for a check.

``FeedPoller.poll_due`` fetches every active feed, sitemap or watched page
whose poll is due (conditional GET, sitemap indexes followed one level),
filters the URLs by the source's include/exclude patterns, and creates an
article row, due at once, for each URL not seen before. A failed poll is
recorded on the feed and in the pass's ``WatchReport``; the pass goes on.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from newstrail.extract.outlets import outlet_from_url
from newstrail.fetch.errors import FetchError
from newstrail.fetch.feeds import discover, filter_urls
from newstrail.fetch.http import Fetcher, FetchSettings
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store, insert_ignoring_duplicates
from newstrail.text.urls import canonicalise

Clock = Callable[[], datetime]
PAGE = 500  # URLs looked up (and articles inserted) per transaction


def fetch_settings(settings: Settings) -> FetchSettings:
    """The fetcher's options from newstrail's settings."""
    return FetchSettings(
        user_agent=settings.user_agent,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        total_timeout=settings.total_timeout,
        max_body_bytes=settings.max_page_bytes,
        max_redirects=settings.max_redirects,
        retries=settings.retries,
        per_host_concurrency=settings.per_host_concurrency,
        per_host_delay=settings.per_host_delay,
        respect_robots=settings.respect_robots,
        allow_private=settings.allow_private,
    )


@dataclass
class WatchReport:
    """What a pass did."""

    feeds_polled: int = 0
    feed_errors: int = 0
    discovered: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    new_articles: list[int] = field(default_factory=list)
    changed_articles: list[int] = field(default_factory=list)
    retries: int = 0  # transactions run again after a transient conflict (Store.transact)

    @property
    def checks(self) -> int:
        return sum(self.outcomes.values())

    @property
    def succeeded(self) -> bool:
        """Whether the pass did something, or had nothing that failed.

        False only when every feed poll and every check failed: one dead
        outlet among many is the watcher's ordinary day, not a failed pass.
        """
        failed_checks = self.outcomes.get("error", 0)
        return (
            not self.errors or self.feeds_polled > self.feed_errors or self.checks > failed_checks
        )

    def line(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes.items())) or "nothing due"
        retried = f"; {self.retries} store conflicts retried" if self.retries else ""
        return (
            f"{self.feeds_polled} feeds polled ({self.discovered} new articles found), "
            f"{self.checks} checks: {counts}{retried}"
        )


class FeedPoller:
    """Polls a store's due feeds for one watcher."""

    def __init__(self, store: Store, settings: Settings, clock: Clock, worker: str) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.worker = worker

    async def poll_due(self, fetcher: Fetcher, report: WatchReport) -> None:
        """Poll every active feed whose time has come; new article URLs become due articles.

        Due feeds are leased to this watcher first (as article checks are), so
        two watchers on one store never poll the same feed at once.
        """
        due = self.store.transact(self._claim_feeds)
        await asyncio.gather(*(self._poll_feed(fetcher, feed, report) for feed in due))

    def _claim_feeds(self, connection: sa.Connection) -> list[Any]:
        """Lease the due, free, active feeds to this watcher (SKIP LOCKED on PostgreSQL)."""
        now = self.clock()
        f = schema.feeds
        free = sa.or_(f.c.lease_expires_at.is_(None), f.c.lease_expires_at <= now)
        ids: list[int] = list(
            connection.execute(
                sa.select(f.c.id)
                .where(
                    f.c.active.is_(True),
                    sa.or_(f.c.next_check_at.is_(None), f.c.next_check_at <= now),
                    free,
                )
                .order_by(f.c.id)
                .with_for_update(skip_locked=True)
            ).scalars()
        )
        if not ids:
            return []
        until = now + timedelta(minutes=self.settings.lease_minutes)
        return list(
            connection.execute(
                f.update()
                .where(f.c.id.in_(ids), free)
                .values(lease_owner=self.worker, lease_expires_at=until)
                .returning(*f.c)
            ).all()
        )

    async def _poll_feed(self, fetcher: Fetcher, feed: Any, report: WatchReport) -> None:
        now = self.clock()
        values: dict[str, Any] = {
            "last_checked_at": now,
            "check_count": schema.feeds.c.check_count + 1,
            "next_check_at": now + timedelta(minutes=self.settings.feed_interval_minutes),
            "lease_owner": None,
            "lease_expires_at": None,
        }
        report.feeds_polled += 1
        try:
            if feed.kind == "article":
                self.ensure_article(canonicalise(feed.url), feed.source_id, feed.id, now, report)
                values.update(last_success_at=now, last_error=None)
            else:
                urls = await self._discover(fetcher, feed, values)
                options = feed.options or {}
                wanted = filter_urls(
                    urls, options.get("include") or [], options.get("exclude") or []
                )
                if self._add_new_articles(wanted, feed, now, report):
                    # More new entries than one poll takes: the rest come with the
                    # next pass, so fetch the feed again then, unconditionally.
                    values.update(next_check_at=now, etag=None, last_modified=None)
                values.update(last_success_at=now, last_error=None)
        except FetchError as error:
            report.feed_errors += 1
            report.errors.append(str(error))
            values.update(last_error=str(error), error_count=schema.feeds.c.error_count + 1)
        except ValueError as error:  # malformed feed or sitemap beyond what parsed
            report.feed_errors += 1
            report.errors.append(f"{feed.url}: {error}")
            values.update(last_error=str(error), error_count=schema.feeds.c.error_count + 1)

        def settle(connection: sa.Connection) -> None:
            f = schema.feeds
            connection.execute(
                f.update().where(f.c.id == feed.id, f.c.lease_owner == self.worker).values(**values)
            )
            connection.execute(
                schema.checks.insert().values(
                    feed_id=feed.id,
                    checked_at=now,
                    outcome="error" if values.get("last_error") else "polled",
                    error=values.get("last_error"),
                    worker=self.worker,
                )
            )

        self.store.transact(settle)

    async def _discover(self, fetcher: Fetcher, feed: Any, values: dict[str, Any]) -> list[str]:
        """Article URLs a feed or sitemap lists (following sitemap indexes one level)."""
        result = await fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        if result.not_modified:
            return []
        values.update(etag=result.etag, last_modified=result.last_modified)
        discovery = discover(result.body, result.final_url, result.headers.get("content-type"))
        urls = list(discovery.article_urls)
        for child in list(discovery.sitemaps)[:50]:
            child_result = await fetcher.fetch(child)
            urls += discover(
                child_result.body, child_result.final_url, child_result.headers.get("content-type")
            ).article_urls
        return urls

    def _add_new_articles(
        self, urls: Iterable[str], feed: Any, now: datetime, report: WatchReport
    ) -> bool:
        """Create up to ``max_new_per_poll`` articles for URLs not seen before.

        Returns:
            True when more new URLs were listed than one poll takes: the feed is
            then polled again next pass, and the rest are added a page at a time,
            so a sitemap of 50,000 URLs never fills the queue at once.
        """
        room = self.settings.max_new_per_poll
        candidates = list(dict.fromkeys(urls))
        for start in range(0, len(candidates), PAGE):
            page = candidates[start : start + PAGE]

            def add(connection: sa.Connection, page: list[str] = page, room: int = room) -> int:
                return self._add_page(connection, page, room, feed, now)

            added = self.store.transact(add)
            report.discovered += added
            room -= added
            if room == 0:
                return start + PAGE < len(candidates) or self._any_unknown(candidates[start:])
        return False

    def _add_page(
        self, connection: sa.Connection, page: list[str], room: int, feed: Any, now: datetime
    ) -> int:
        """Insert at most ``room`` of ``page``'s unknown URLs; returns how many."""
        a = schema.articles
        listed = sa.select(a.c.url).where(a.c.url.in_(page))
        known: set[str] = set(connection.execute(listed).scalars())
        added = 0
        for url in page:
            if url in known:
                continue
            if added == room:
                break
            added += self._insert_article(connection, url, feed.source_id, feed.id, now)
        return added

    def _any_unknown(self, urls: list[str]) -> bool:
        """Whether any of ``urls`` is not an article yet."""
        a = schema.articles
        with self.store.read() as connection:
            for start in range(0, len(urls), PAGE):
                page = urls[start : start + PAGE]
                known = connection.execute(
                    sa.select(sa.func.count()).select_from(a).where(a.c.url.in_(page))
                ).scalar_one()
                if known < len(page):
                    return True
        return False

    def _insert_article(
        self,
        connection: sa.Connection,
        url: str,
        source_id: int | None,
        feed_id: int | None,
        now: datetime,
    ) -> int:
        """Insert an article row due now unless its URL exists; 1 if inserted, else 0.

        ``ON CONFLICT DO NOTHING``: two watchers discovering one URL at once
        both succeed (a read-then-insert made one die on ``uq_articles_url``).
        """
        outlet = outlet_from_url(url) if source_id is None else None
        if outlet is not None:
            source_id = self.store.ensure_source(connection, outlet.name, outlet.domain)
        values = {
            "url": url,
            "source_id": source_id,
            "feed_id": feed_id,
            "state": "active",
            "version_count": 0,
            "first_seen_at": now,
            "next_check_at": now,
        }
        return int(insert_ignoring_duplicates(connection, schema.articles, values, ["url"]))

    def ensure_article(
        self,
        url: str,
        source_id: int | None,
        feed_id: int | None,
        now: datetime,
        report: WatchReport,
    ) -> int:
        """The id of the article at ``url``, created (due at once) when new."""

        def ensure(connection: sa.Connection) -> tuple[int, int]:
            a = schema.articles
            row = connection.execute(sa.select(a.c.id).where(a.c.url == url)).first()
            if row is not None:
                return int(row.id), 0
            added = self._insert_article(connection, url, source_id, feed_id, now)
            return connection.execute(sa.select(a.c.id).where(a.c.url == url)).scalar_one(), added

        article_id, added = self.store.transact(ensure)
        report.discovered += added
        return int(article_id)
