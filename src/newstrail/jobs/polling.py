"""Polling feeds and sitemaps: new article URLs become articles due for a check.

``FeedPoller.poll_due`` fetches every active feed, sitemap or watched page
whose poll is due (conditional GET, sitemap indexes followed one level),
filters the URLs by the source's include/exclude patterns, and creates an
article row, due at once, for each URL not seen before. A failed poll is
recorded on the feed and in the pass's ``WatchReport``; the pass goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from newstrail.extract.outlets import outlet_from_url
from newstrail.extract.records import FeedEntry
from newstrail.fetch.errors import (
    BlockedAddress,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    InvalidURL,
    NetworkError,
    RedirectLoop,
    RobotsDisallowed,
    TooLarge,
    TooManyRedirects,
)
from newstrail.fetch.feeds import DiscoveredEntry, discover, filter_urls
from newstrail.fetch.http import Fetcher, FetchSettings
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store, insert_ignoring_duplicates
from newstrail.text.counts import counted
from newstrail.text.urls import canonicalise

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)
PAGE = 500  # URLs looked up (and articles inserted) per transaction


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


def source_host_options(store: Store) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Per-host exceptions that active sources ask for in their options.

    Returns:
        The host names whose sources were added with ``allow_private``, and
        (host, User-Agent) pairs for sources given their own ``user_agent``.
    """
    f = schema.feeds
    with store.read() as connection:
        rows = connection.execute(sa.select(f.c.url, f.c.options).where(f.c.active.is_(True)))
        private: set[str] = set()
        agents: dict[str, str] = {}
        for row in rows:
            url: str = row.url
            options: dict[str, Any] = row.options or {}
            host = (urlsplit(url).hostname or "").lower()
            if not host or not options:
                continue
            if options.get("allow_private") is True:
                private.add(host)
            if isinstance(options.get("user_agent"), str) and options["user_agent"]:
                agents[host] = options["user_agent"]
    return tuple(sorted(private)), tuple(sorted(agents.items()))


def fetch_settings(settings: Settings, store: Store | None = None) -> FetchSettings:
    """The fetcher's options from newstrail's settings (and the store's sources' options)."""
    private_hosts, user_agents = source_host_options(store) if store is not None else ((), ())
    return FetchSettings(
        private_hosts=private_hosts,
        user_agents=user_agents,
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


# What kind of failure an error was, for the pass summary ("errors: 3 timeout, 1 http").
_ERROR_KINDS: tuple[tuple[type[Exception], str], ...] = (
    (BlockedAddress, "refused"),
    (RobotsDisallowed, "robots"),
    (FetchTimeout, "timeout"),
    (HTTPStatusError, "http"),
    (NetworkError, "network"),
    (TooLarge, "too-large"),
    (InvalidURL, "invalid-url"),
    (TooManyRedirects, "redirects"),
    (RedirectLoop, "redirects"),
    (ValueError, "malformed"),
)


def error_kind(error: Exception) -> str:
    """A short name for the kind of failure ``error`` is."""
    return next((kind for cls, kind in _ERROR_KINDS if isinstance(error, cls)), "other")


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
    error_kinds: Counter[str] = field(default_factory=Counter)
    # Requests and failures per host: a host whose every request failed is suspect.
    host_attempts: Counter[str] = field(default_factory=Counter)
    host_failures: Counter[str] = field(default_factory=Counter)
    # Sources whose extraction is flagged as degraded: "name (reason)".
    degraded_sources: list[str] = field(default_factory=list)
    seconds: float = 0.0
    retries: int = 0  # transactions run again after a transient conflict (Store.transact)

    @property
    def checks(self) -> int:
        return sum(self.outcomes.values())

    @property
    def new_versions(self) -> int:
        """Versions a reader sees that this pass stored (first versions included)."""
        return self.outcomes.get("new", 0) + self.outcomes.get("flipflop", 0)

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

    def add_error(self, message: str, kind: str = "other") -> None:
        """Count one failed poll or check (its one-line message and its kind)."""
        self.errors.append(message)
        self.error_kinds[kind] += 1
        log.debug(message, extra={"error_kind": kind})

    def attempt(self, url: str, *, failed: bool) -> None:
        """Count one request to ``url``'s host, and whether it failed."""
        host = urlsplit(url).hostname or url
        self.host_attempts[host] += 1
        if failed:
            self.host_failures[host] += 1

    def suspects(self) -> list[str]:
        """Hosts every request of this pass to which failed, most failures first."""
        dead = [h for h, n in self.host_failures.items() if n == self.host_attempts[h]]
        return sorted(dead, key=lambda h: (-self.host_failures[h], h))

    def line(self) -> str:
        """The pass in one line: polls, checks, new versions, errors by kind, suspects."""
        counts = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes.items())) or "nothing due"
        polled = f"{counted(self.feeds_polled, 'feed')} polled"
        if self.feed_errors:
            polled += f" ({self.feed_errors} failed)"
        parts = [
            f"{polled}, {counted(self.discovered, 'new article')} found",
            f"{counted(self.checks, 'check')}: {counts}",
            counted(self.new_versions, "new version"),
        ]
        if self.error_kinds:
            kinds = ", ".join(f"{n} {k}" for k, n in self.error_kinds.most_common())
            parts.append(f"errors: {kinds}")
        suspects = self.suspects()
        if suspects:
            shown = ", ".join(
                f"{h} ({self.host_failures[h]}/{self.host_attempts[h]} failed)"
                for h in suspects[:5]
            )
            more = f" and {len(suspects) - 5} more" if len(suspects) > 5 else ""
            parts.append(f"suspect: {shown}{more}")
        if self.retries:
            parts.append(f"{counted(self.retries, 'store conflict')} retried")
        if self.degraded_sources:
            held = self.outcomes.get("suspect", 0)
            shown = ", ".join(self.degraded_sources[:5])
            parts.append(f"extraction degraded: {shown} ({counted(held, 'version')} held back)")
        if not self.succeeded and self.errors:
            parts.append(f"first error: {self.errors[0]}")
        return "; ".join(parts) + f" ({self.seconds:.1f} s)"

    def fields(self) -> dict[str, Any]:
        """The pass as structured log fields (``--log-format json``)."""
        return {
            "feeds_polled": self.feeds_polled,
            "feed_errors": self.feed_errors,
            "discovered": self.discovered,
            "checks": self.checks,
            "outcomes": dict(self.outcomes),
            "new_versions": self.new_versions,
            "errors": dict(self.error_kinds),
            "suspects": self.suspects(),
            "retries": self.retries,
            "degraded_sources": list(self.degraded_sources),
            "succeeded": self.succeeded,
            "seconds": round(self.seconds, 3),
        }


def feed_interval(options: dict[str, Any] | None, settings: Settings) -> float:
    """Minutes between polls of a feed: its own ``feed_interval_minutes``, else the setting."""
    value = (options or {}).get("feed_interval_minutes")
    return (
        float(value)
        if isinstance(value, int | float) and value > 0
        else settings.feed_interval_minutes
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
            "next_check_at": now + timedelta(minutes=feed_interval(feed.options, self.settings)),
            "lease_owner": None,
            "lease_expires_at": None,
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
                wanted = filter_urls(
                    urls, options.get("include") or [], options.get("exclude") or []
                )
                if self._add_new_articles(wanted, feed, now, report, hints):
                    # More new entries than one poll takes: the rest come with the
                    # next pass, so fetch the feed again then, unconditionally.
                    values.update(next_check_at=now, etag=None, last_modified=None)
                values.update(last_success_at=now, last_error=None)
        except FetchError as error:
            report.feed_errors += 1
            report.add_error(str(error), error_kind(error))
            values.update(last_error=str(error), error_count=schema.feeds.c.error_count + 1)
        except ValueError as error:  # malformed feed or sitemap beyond what parsed
            report.feed_errors += 1
            report.add_error(f"{feed.url}: {error}", error_kind(error))
            values.update(last_error=str(error), error_count=schema.feeds.c.error_count + 1)
        report.attempt(feed.url, failed=values.get("last_error") is not None)

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

    def _add_new_articles(
        self,
        urls: Iterable[str],
        feed: Any,
        now: datetime,
        report: WatchReport,
        hints: dict[str, FeedEntry] | None = None,
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
                return self._add_page(connection, page, room, feed, now, hints or {})

            added = self.store.transact(add)
            report.discovered += added
            room -= added
            if room == 0:
                return start + PAGE < len(candidates) or self._any_unknown(candidates[start:])
        return False

    def _add_page(
        self,
        connection: sa.Connection,
        page: list[str],
        room: int,
        feed: Any,
        now: datetime,
        hints: dict[str, FeedEntry],
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
            added += self._insert_article(
                connection, url, feed.source_id, feed.id, now, hints.get(url)
            )
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
        entry: FeedEntry | None = None,
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
            "feed_entry": entry.to_dict() if entry is not None else None,
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
        entry: FeedEntry | None = None,
    ) -> int:
        """The id of the article at ``url``, created (due at once) when new.

        ``entry`` is what the feed said about it, stored for extraction to weigh.
        """

        def ensure(connection: sa.Connection) -> tuple[int, int]:
            a = schema.articles
            row = connection.execute(sa.select(a.c.id).where(a.c.url == url)).first()
            if row is not None:
                return int(row.id), 0
            added = self._insert_article(connection, url, source_id, feed_id, now, entry)
            return connection.execute(sa.select(a.c.id).where(a.c.url == url)).scalar_one(), added

        article_id, added = self.store.transact(ensure)
        report.discovered += added
        return int(article_id)
