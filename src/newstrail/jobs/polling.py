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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from newstrail.extract.outlets import outlet_from_url
from newstrail.extract.records import FeedEntry
from newstrail.fetch.errors import FetchError
from newstrail.fetch.feeds import DiscoveredEntry, discover, filter_urls
from newstrail.fetch.http import Fetcher, FetchSettings
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.text.urls import canonicalise

Clock = Callable[[], datetime]


def feed_entry_of(entry: DiscoveredEntry) -> FeedEntry | None:
    """What a feed entry says about its article, kept so extraction can weigh it.

    A sitemap's <lastmod> is when the page last changed, not when it was
    published, so it is not kept as a date.
    """
    published = None
    if entry.published is not None and not entry.modified_only:
        published = entry.published.isoformat()
    hint = FeedEntry(title=entry.title, published=published, author=entry.author)
    return hint if hint.to_dict() else None


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
        return (
            f"{self.feeds_polled} feeds polled ({self.discovered} new articles found), "
            f"{self.checks} checks: {counts}"
        )


class FeedPoller:
    """Polls a store's due feeds for one watcher."""

    def __init__(self, store: Store, settings: Settings, clock: Clock, worker: str) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.worker = worker

    async def poll_due(self, fetcher: Fetcher, report: WatchReport) -> None:
        """Poll every active feed whose time has come; new article URLs become due articles."""
        now = self.clock()
        f = schema.feeds
        with self.store.read() as connection:
            due = connection.execute(
                sa.select(f).where(
                    f.c.active.is_(True),
                    sa.or_(f.c.next_check_at.is_(None), f.c.next_check_at <= now),
                )
            ).all()
        await asyncio.gather(*(self._poll_feed(fetcher, feed, report) for feed in due))

    async def _poll_feed(self, fetcher: Fetcher, feed: Any, report: WatchReport) -> None:
        now = self.clock()
        values: dict[str, Any] = {
            "last_checked_at": now,
            "check_count": schema.feeds.c.check_count + 1,
            "next_check_at": now + timedelta(minutes=self.settings.feed_interval_minutes),
        }
        report.feeds_polled += 1
        try:
            if feed.kind == "article":
                self.ensure_article(canonicalise(feed.url), feed.source_id, feed.id, now, report)
                values.update(last_success_at=now, last_error=None)
            else:
                hints: dict[str, FeedEntry] = {}
                urls = await self._discover(fetcher, feed, values, hints)
                options = feed.options or {}
                for url in filter_urls(
                    urls, options.get("include") or [], options.get("exclude") or []
                ):
                    self.ensure_article(
                        url, feed.source_id, feed.id, now, report, entry=hints.get(url)
                    )
                values.update(last_success_at=now, last_error=None)
        except FetchError as error:
            report.feed_errors += 1
            report.errors.append(str(error))
            values.update(last_error=str(error), error_count=schema.feeds.c.error_count + 1)
        except ValueError as error:  # malformed feed or sitemap beyond what parsed
            report.feed_errors += 1
            report.errors.append(f"{feed.url}: {error}")
            values.update(last_error=str(error), error_count=schema.feeds.c.error_count + 1)
        with self.store.write() as connection:
            connection.execute(
                schema.feeds.update().where(schema.feeds.c.id == feed.id).values(**values)
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

    async def _discover(
        self,
        fetcher: Fetcher,
        feed: Any,
        values: dict[str, Any],
        hints: dict[str, FeedEntry] | None = None,
    ) -> list[str]:
        """Article URLs a feed or sitemap lists (following sitemap indexes one level).

        ``hints`` receives what each entry said about its article (``feed_entry_of``).
        """
        result = await fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        if result.not_modified:
            return []
        values.update(etag=result.etag, last_modified=result.last_modified)
        discovery = discover(result.body, result.final_url, result.headers.get("content-type"))
        urls = list(discovery.article_urls)
        if hints is not None:
            for entry in discovery.entries:
                hint = feed_entry_of(entry)
                if hint is not None:
                    hints.setdefault(entry.url, hint)
        for child in list(discovery.sitemaps)[:50]:
            child_result = await fetcher.fetch(child)
            urls += discover(
                child_result.body, child_result.final_url, child_result.headers.get("content-type")
            ).article_urls
        return urls

    def ensure_article(
        self,
        url: str,
        source_id: int | None,
        feed_id: int | None,
        now: datetime,
        report: WatchReport,
        entry: FeedEntry | None = None,
    ) -> int:
        """The id of the article at ``url``, created (due at once) when new.

        ``entry`` is what the feed said about it, stored for extraction to weigh.
        """
        a = schema.articles
        with self.store.write() as connection:
            row = connection.execute(sa.select(a.c.id).where(a.c.url == url)).first()
            if row is not None:
                return int(row.id)
            outlet = outlet_from_url(url) if source_id is None else None
            if outlet is not None:
                source_id = self.store.ensure_source(connection, outlet.name, outlet.domain)
            result = connection.execute(
                a.insert().values(
                    url=url,
                    source_id=source_id,
                    feed_id=feed_id,
                    feed_entry=entry.to_dict() if entry is not None else None,
                    state="active",
                    version_count=0,
                    first_seen_at=now,
                    next_check_at=now,
                )
            )
            assert result.inserted_primary_key is not None
            report.discovered += 1
            return int(result.inserted_primary_key[0])
