"""The watcher: poll feeds for new articles, re-check due articles, keep versions.

One pass (``Watcher.run_once``) polls the feeds that are due
(``polling.py``), claims the articles that are due (leases, a per-source
budget: see ``leases.py``), fetches them politely (``fetch/http.py``),
extracts them in worker processes, records versions
(``versions/recording.py``), settles each check and reschedules its article
(``outcomes.py``, ``schedule.py``) and finally places new articles into
stories and refreshes those stories' analyses. ``run_forever`` repeats passes
until asked to stop; a SIGINT or SIGTERM lets requests in flight finish and
hands the other claims back.

A killed watcher loses nothing: a new version is stored, with its raw capture,
in its own transaction as soon as it is found; the checks themselves and the
articles' next due times are written in batches (``jobs/ledger.py``). A kill loses
at most a batch of check records, whose articles are checked again when their
leases expire — and a page already stored is then unchanged, so no version is
lost or duplicated.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from newstrail.extract.records import Extracted, FeedEntry
from newstrail.fetch.addresses import check_url
from newstrail.fetch.errors import FetchError, FetchStopped, InvalidURL
from newstrail.fetch.http import Fetcher, FetchResult
from newstrail.jobs.alerts.outbox import queue_alerts
from newstrail.jobs.extraction import extract_page, reextract, stored_feed_entry
from newstrail.jobs.leases import Claim, claim_due, reserve_host_slot
from newstrail.jobs.ledger import CheckLedger
from newstrail.jobs.limits import ExtractionOverBudget, bound_capture, bound_extracted
from newstrail.jobs.moves import adopt_url, declared_canonical, moved_elsewhere
from newstrail.jobs.outcomes import CheckOutcomes
from newstrail.jobs.passes import record_pass
from newstrail.jobs.polling import (
    FeedPoller,
    WatchReport,
    error_kind,
    fetch_settings,
    source_host_options,
)
from newstrail.jobs.quarantine import note, record_failure
from newstrail.jobs.schedule import RecheckPolicy
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store, utcnow
from newstrail.text.urls import canonicalise
from newstrail.versions.health import flagged_sources
from newstrail.versions.rechecking import Rechecked, recheck_suspects
from newstrail.versions.recording import Capture, Recorded, record_capture

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)


class Watcher:
    """Polls feeds and re-checks articles on their decaying schedule."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        clock: Clock = utcnow,
        worker: str | None = None,
        on_progress: Callable[[str], None] | None = None,
        analyse: bool = True,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self.policy = RecheckPolicy.from_settings(settings)
        self.on_progress = on_progress or (lambda _line: None)
        self.analyse = analyse
        self._pool: ProcessPoolExecutor | None = None
        self._ledger = CheckLedger(self.worker)
        self._outcomes = CheckOutcomes(store, self.policy, clock, self._ledger)
        self._poller = FeedPoller(store, settings, clock, self.worker)
        self._caught_up = False  # see _update_stories
        self._recovered: set[int] = set()  # sources whose extraction recovered this pass
        self._suspects_rechecked = False

    # -- passes ---------------------------------------------------------------

    async def run_once(self, batch: int = 500, *, fetcher: Fetcher | None = None) -> WatchReport:
        """Poll due feeds, then check up to ``batch`` due articles once (within budgets).

        Args:
            batch: most articles claimed in this pass.
            fetcher: an open fetcher to use (``run_forever`` keeps one across
                passes); by default the pass opens its own.
        """
        if fetcher is None:
            async with Fetcher(fetch_settings(self.settings, self.store)) as own:
                return await self.run_once(batch, fetcher=own)
        report = WatchReport()
        began = time.monotonic()
        # Sources' allow_private and User-Agent, re-read each pass so a source
        # added while the watcher runs is fetched as it asked.
        fetcher.set_host_options(*source_host_options(self.store))
        retries_before = self.store.retries
        self._outcomes.feed_options_seen.clear()
        await self._poller.poll_due(fetcher, report)
        claims = claim_due(
            self.store,
            self.worker,
            self.clock(),
            limit=batch,
            lease=timedelta(minutes=self.settings.lease_minutes),
            per_source_budget=self.settings.per_source_budget,
        )
        await self._check_all(fetcher, claims, report)
        self._recheck_recovered(report)
        if not fetcher.stopped:  # stopping: the next watcher places them (_update_stories)
            self._update_stories(report)
        report.retries = self.store.retries - retries_before
        report.seconds = time.monotonic() - began
        record_pass(self.store, self.worker, report, self.clock())
        level = logging.INFO if report.succeeded else logging.ERROR
        log.log(level, "pass: %s", report.line(), extra=report.fields())
        return report

    async def poll_feeds(self) -> WatchReport:
        """Poll the due feeds only: discover new articles without checking any."""
        report = WatchReport()
        async with Fetcher(fetch_settings(self.settings, self.store)) as fetcher:
            await self._poller.poll_due(fetcher, report)
        return report

    async def run_forever(self, stop: asyncio.Event, idle_seconds: float = 5.0) -> None:
        """Repeat passes until ``stop`` is set.

        When it is, requests already sent finish and are recorded, and claims not
        yet fetched are handed back still due, so stopping takes seconds even when
        politeness delays would stretch the pass over minutes.

        One fetcher serves every pass, so connections stay open between passes
        and each host's politeness delay holds across them. A fresh fetcher per
        pass of 500 paid ~0.1 s for its TLS context and a new connection per host.
        """
        async with Fetcher(fetch_settings(self.settings, self.store)) as fetcher:

            async def stop_fetching() -> None:
                await stop.wait()
                fetcher.stop()  # requests in flight finish, the rest are handed back

            stopper = asyncio.create_task(stop_fetching())
            try:
                while not stop.is_set():
                    report = await self.run_once(fetcher=fetcher)
                    self.on_progress(report.line())
                    if report.checks == 0:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), timeout=idle_seconds)
            finally:
                stopper.cancel()

    async def check_urls(self, urls: list[str]) -> WatchReport:
        """Check these URLs now, whatever their schedule (new ones are added)."""
        report = WatchReport()
        self._outcomes.feed_options_seen.clear()
        now = self.clock()
        claims = []
        for url in urls:
            try:
                check_url(url.strip())
            except InvalidURL as error:  # nothing is stored for a URL that cannot be fetched
                report.add_error(str(error), "invalid-url")
                continue
            article_id = self._poller.ensure_article(canonicalise(url), None, None, now, report)
            claims.append(self._claim_now(article_id, now))
        async with Fetcher(fetch_settings(self.settings, self.store)) as fetcher:
            await self._check_all(fetcher, [c for c in claims if c is not None], report)
        self._update_stories(report)
        return report

    def _reextract(self, raw: bytes, url: str | None, feed: FeedEntry | None = None) -> Extracted:
        """``reextract`` within the same text limits as a capture (else a cut capture of
        unchanged bytes differs from its own re-extraction, and reads as an edit)."""
        extracted = reextract(raw, url, feed)
        limits = (self.settings.max_text_chars, self.settings.max_paragraphs)
        return bound_extracted(extracted, *limits)[0]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _claim_now(self, article_id: int, now: datetime) -> Claim | None:
        """Claim one article regardless of its due time (for ``check``)."""
        a = schema.articles
        with self.store.write() as connection:
            connection.execute(
                a.update()
                .where(a.c.id == article_id, a.c.state.in_(("active", "retired")))
                .values(next_check_at=now)
            )
        claims = claim_due(self.store, self.worker, now, limit=1, only_ids=[article_id])
        return claims[0] if claims else None

    # -- articles -------------------------------------------------------------

    async def _check_all(self, fetcher: Fetcher, claims: list[Claim], report: WatchReport) -> None:
        total = len(claims)
        done = 0

        async def one(claim: Claim) -> None:
            nonlocal done
            try:
                await self._check(fetcher, claim, report)
            except (FetchStopped, asyncio.CancelledError):
                self._outcomes.hand_back(claim)
                raise
            except Exception as error:  # one article's failure is its own, not the pass's
                message = f"{claim.url}: {type(error).__name__}: {error}"
                report.errors.append(" ".join(message.split())[:500])
                report.outcomes["error"] += 1
                self._outcomes.hand_back(claim)
            done += 1
            if self._ledger.full:
                self._ledger.write(self.store)
            self.on_progress(f"checked {done}/{total}: {claim.url}")

        try:
            results = await asyncio.gather(
                *(one(claim) for claim in claims), return_exceptions=True
            )
        finally:
            self._ledger.write(self.store)  # also when interrupted: what finished is kept
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, FetchStopped):
                raise result

    async def _extract(self, result: FetchResult, feed: FeedEntry | None) -> Extracted:
        if self.settings.workers <= 1:
            return extract_page(result.body, result.charset, result.final_url, feed)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.settings.workers)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._pool, extract_page, result.body, result.charset, result.final_url, feed
        )

    async def _check(self, fetcher: Fetcher, claim: Claim, report: WatchReport) -> None:
        started = time.monotonic()
        now = self.clock()
        a = schema.articles
        check: dict[str, Any] = {
            "article_id": claim.article_id,
            "checked_at": now,
            "worker": self.worker,
        }
        await self._wait_for_host_slot(claim.url)
        try:
            result = await fetcher.fetch(
                claim.url, etag=claim.etag, last_modified=claim.last_modified
            )
        except FetchError as error:
            self._outcomes.fail(claim, check, started, report, str(error), error_kind(error))
            return
        check["http_status"] = result.status
        if result.status in (404, 410):
            gone = {"status": result.status}
            self._outcomes.end_article(claim, check, started, report, "deleted", gone, None)
            return
        if result.not_modified:
            self._outcomes.finish(claim, check | {"outcome": "not_modified"}, started, report)
            return
        if result.status >= 400:
            message = f"{claim.url}: HTTP {result.status}"
            self._outcomes.fail(claim, check, started, report, message, "http")
            return
        moved_to = moved_elsewhere(claim.url, result.final_url)
        if moved_to is not None:
            redirect = {"to": moved_to}
            self._outcomes.end_article(claim, check, started, report, "moved", redirect, moved_to)
            return
        # The feed entry is evidence for every extraction of the article, stored
        # captures re-extracted included, so the same page always extracts the same.
        feed = stored_feed_entry(self.store, claim.article_id)
        try:
            extracted = await self._extract(result, feed)
        except ExtractionOverBudget as error:  # at once: a second try would cost as much
            message = f"{claim.url}: {error}"
            article = claim.article_id
            with self.store.write() as connection:
                note(
                    connection,
                    "article",
                    article,
                    "extract",
                    "quarantined",
                    message,
                    article_id=article,
                    failed=True,
                )
            self._outcomes.fail(claim, check, started, report, message, "extraction")
            return
        except Exception as error:  # a page that breaks the extractor must not stop the watcher
            message = f"{claim.url}: extraction failed: {type(error).__name__}: {error}"
            # Twice and the article is quarantined: no longer claimed (leases.py).
            record_failure(
                self.store, "article", claim.article_id, "extract", message, claim.article_id
            )
            self._outcomes.fail(claim, check, started, report, message, "extraction")
            return
        canonical = declared_canonical(claim.url, extracted.url)
        capture = Capture(
            url=canonical or claim.url,
            extracted=extracted,
            origin="fetch",
            captured_at=now,
            raw=result.body,
            content_type=result.headers.get("content-type"),
            http_status=result.status,
            final_url=result.final_url,
            feed_id=claim.feed_id,
        )
        capture = bound_capture(capture, self.settings)

        def store_capture(connection: sa.Connection) -> tuple[bool, Recorded]:
            duplicate = canonical is not None and not adopt_url(
                connection, claim.article_id, canonical
            )
            recorded = record_capture(
                self.store,
                capture,
                connection,
                reextract=functools.partial(self._reextract, feed=feed),
            )
            if recorded.visible and recorded.version_id is not None:  # held versions alert nobody
                # In this transaction: the version and its alerts are kept, or neither.
                first = claim.version_count == 0
                queue_alerts(
                    connection, claim.article_id, recorded.version_id, first=first, now=now
                )
            connection.execute(
                a.update()
                .where(a.c.id == claim.article_id)
                .values(etag=result.etag, last_modified=result.last_modified)
            )
            if capture.truncated:
                cut, article = capture.truncated, recorded.article_id
                note(connection, "article", article, "record", "truncated", cut, article_id=article)
            return duplicate, recorded

        duplicate, recorded = self.store.transact(store_capture)
        if duplicate:
            # Another address of an article we already follow: the version went to
            # that article, and this address is not checked again.
            detail = {"to": canonical, "reason": "rel=canonical"}
            check = check | {"version_id": recorded.version_id}
            self._outcomes.end_article(claim, check, started, report, "moved", detail, canonical)
            return
        if recorded.source_health == "recovered" and recorded.source_id is not None:
            self._recovered.add(recorded.source_id)
        outcome = recorded.outcome
        if claim.version_count == 0 and recorded.visible:
            report.new_articles.append(claim.article_id)
        elif recorded.outcome == "new":
            report.changed_articles.append(claim.article_id)
        check.update(
            outcome=outcome, raw_sha256=recorded.raw_sha256, version_id=recorded.version_id
        )
        self._outcomes.finish(claim, check, started, report, changed=recorded.outcome == "new")

    async def _wait_for_host_slot(self, url: str) -> None:
        """Politeness shared by every worker on a PostgreSQL store.

        Each process spaces its own requests per host (``fetch/http.py``); workers
        on several machines share the store, so there the slot for the next
        request to a host is reserved in the ``hosts`` table. A SQLite store
        serves one machine, where each fetcher's own spacing is what counts.
        """
        delay = self.settings.per_host_delay
        host = urlsplit(url).hostname
        if self.store.is_sqlite or delay <= 0 or not host:
            return
        start = reserve_host_slot(self.store, host, utcnow(), delay)
        wait = (start - utcnow()).total_seconds()
        if wait > 0:
            await asyncio.sleep(wait)

    # -- extraction health -----------------------------------------------------

    def _recheck_recovered(self, report: WatchReport) -> None:
        """Re-check held-back versions of sources that recovered in this pass (and,
        on a watcher's first pass, those an older extractor produced); publish and
        alert on those that turn out to be real edits."""
        recovered, self._recovered = self._recovered, set()
        rechecked: list[Rechecked] = []
        if not self._suspects_rechecked:  # once per watcher: after an extractor upgrade
            rechecked += recheck_suspects(self.store, None, other_extractor=True)
            self._suspects_rechecked = True
        for source_id in sorted(recovered):
            rechecked += recheck_suspects(self.store, source_id)
        for done in rechecked:
            if done.outcome not in ("new", "flipflop"):
                continue
            with self.store.write() as connection:
                queue_alerts(
                    connection, done.article_id, done.version_id, first=False, now=self.clock()
                )
            report.changed_articles.append(done.article_id)
        report.degraded_sources = [
            f"{flag.name} ({flag.reason})" for flag in flagged_sources(self.store)
        ]

    # -- stories --------------------------------------------------------------

    def _update_stories(self, report: WatchReport) -> None:
        """Place new articles into stories and refresh the stories that changed.

        A watcher's first update also catches up on what a watcher stopped or
        killed before this step left behind: articles without a story, stories
        whose analysis misses a newer version. One scan per watcher, not per pass.
        """
        if not self.analyse:
            return
        from newstrail.jobs.pipeline import place_and_analyse, stale_stories, unplaced_articles

        new, stale = list(report.new_articles), []
        if not self._caught_up:
            new = sorted(set(new).union(unplaced_articles(self.store)))
            stale = stale_stories(self.store)
            self._caught_up = True
        if new or report.changed_articles or stale:
            place_and_analyse(self.store, new, report.changed_articles, stale)
