"""The watcher against the fixture news site on 127.0.0.1: discovery, every layer
of version detection, the schedule with an injected clock, deletions and moves,
hostile servers, and recovery from kill -9."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from newstrail.demo.fixture_site import FixtureSite
from newstrail.extract.records import Extracted
from newstrail.jobs.schedule import RecheckPolicy, next_check
from newstrail.jobs.sources import add_source
from newstrail.jobs.watch import Watcher
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.versions.diff import VersionText
from newstrail.versions.recording import Capture, record_capture

SETTINGS = Settings(
    allow_private=True,
    per_host_delay=0.0,
    per_host_concurrency=8,
    connect_timeout=2,
    read_timeout=2,
    total_timeout=4,
    retries=1,
    workers=1,
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def site() -> Iterator[FixtureSite]:
    with FixtureSite() as running:
        yield running


def outcomes(store: Store) -> dict[str, str]:
    """Each article's URL path → the outcome of its latest check."""
    a, c = schema.articles, schema.checks
    with store.read() as connection:
        rows = connection.execute(
            sa.select(a.c.url, c.c.outcome)
            .select_from(c.join(a, a.c.id == c.c.article_id))
            .order_by(c.c.id)
        ).all()
    return {row.url.split("/", 3)[-1]: row.outcome for row in rows}


def count_checks(store: Store, fragment: str | None = None) -> dict[str, int] | int:
    """Checks per article (by a fragment of its URL), or of one article."""
    a, c = schema.articles, schema.checks
    with store.read() as connection:
        rows = connection.execute(
            sa.select(a.c.url, sa.func.count(c.c.id))
            .select_from(a.join(c, c.c.article_id == a.c.id))
            .group_by(a.c.url)
        ).all()
    counts = {"newsweek": 0, "566347": 0}
    for url, n in rows:
        for key in counts:
            if key in url:
                counts[key] += n
    return counts if fragment is None else counts[fragment]


def versions_of(store: Store, fragment: str) -> list[tuple[str, str | None]]:
    a, v = schema.articles, schema.versions
    with store.read() as connection:
        rows = connection.execute(
            sa.select(v.c.kind, v.c.title)
            .select_from(v.join(a, a.c.id == v.c.article_id))
            .where(a.c.url.contains(fragment))
            .order_by(v.c.number)
        ).all()
    return [(row.kind, row.title) for row in rows]


def article_state(store: Store, fragment: str) -> str:
    with store.read() as connection:
        return str(
            connection.execute(
                sa.select(schema.articles.c.state).where(schema.articles.c.url.contains(fragment))
            ).scalar_one()
        )


def test_watch_follows_the_fixture_timeline(site: FixtureSite, tmp_path: Path) -> None:
    store = Store(tmp_path / "watch.db")
    for feed in site.feed_urls:
        asyncio.run(add_source(store, SETTINGS, feed, None, {}))
    clock = Clock()
    watcher = Watcher(store, SETTINGS, clock=clock, analyse=False)

    first = asyncio.run(watcher.run_once())
    assert first.discovered == 5 and first.outcomes["new"] == 5, first.line()
    assert versions_of(store, "republic") == [
        ("new", "Xi tells Putin China-Russia ties can resist any 'third nation'")
    ]

    # Nothing is due until the first interval (30 minutes) has passed.
    clock.advance(minutes=10)
    assert asyncio.run(watcher.run_once()).checks == 0

    site.advance()  # step 1: Republic rewords a sentence; WION's page chrome ticks
    clock.advance(minutes=25)
    second = asyncio.run(watcher.run_once())
    # WION's new bytes extract to the same text: unchanged, not a version.
    assert second.outcomes["new"] == 1 and second.outcomes["unchanged"] == 1, second.line()

    site.advance()  # step 2: Republic's headline changes; WION's quote marks turn curly;
    clock.advance(days=3)  # and WION publishes a follow-up, found through its feed
    third = asyncio.run(watcher.run_once())
    assert third.discovered == 1, third.line()
    assert third.outcomes["new"] == 2 and third.outcomes["trivial"] == 1, third.line()
    assert [kind for kind, _ in versions_of(store, "ties-will-not-be-broken")] == ["new", "trivial"]

    for _ in range(3):  # steps 3-5: correction, flip, flop, delete, gone, redirect
        site.advance()
        clock.advance(days=3)  # past any interval
        asyncio.run(watcher.run_once())

    republic = versions_of(store, "xi-tells-putin")
    assert [kind for kind, _ in republic] == ["new", "new", "new", "new"]
    assert republic[2][1] != republic[1][1]  # the headline changed at step 2
    scmp = [kind for kind, _ in versions_of(store, "china-russia-ties-wont-be-broken")]
    assert scmp == ["new", "new", "flipflop"]
    assert article_state(store, "newsweek") == "deleted"
    assert article_state(store, "566347") == "moved"
    with store.read() as connection:
        events = {
            row.kind: row.detail for row in connection.execute(sa.select(schema.article_events))
        }
    assert events["deleted"] == {"status": 404}
    assert events["moved"]["to"] != site.article_url("china-biden-rt")
    # Deleted and moved articles keep their versions and are not checked again.
    assert len(versions_of(store, "newsweek")) == 1 and len(versions_of(store, "566347")) == 1
    checks_before = count_checks(store)
    clock.advance(days=3)
    asyncio.run(watcher.run_once())
    assert count_checks(store, "newsweek") == checks_before["newsweek"]
    assert count_checks(store, "566347") == checks_before["566347"]
    watcher.close()
    store.close()


def test_unchanged_pages_are_304s_and_intervals_grow(site: FixtureSite, tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    url = site.article_url("xi-putin-newsweek")
    clock = Clock()
    watcher = Watcher(store, SETTINGS, clock=clock, analyse=False)
    asyncio.run(watcher.check_urls([url]))
    intervals = []
    for _ in range(3):
        with store.read() as connection:
            due, interval = connection.execute(
                sa.select(schema.articles.c.next_check_at, schema.articles.c.check_interval)
            ).one()
        intervals.append(interval)
        clock.now = due.replace(tzinfo=UTC) + timedelta(seconds=1)
        report = asyncio.run(watcher.run_once())
        assert report.outcomes == {"not_modified": 1}
    assert intervals == pytest.approx([1800, 1800 * 1.2, 1800 * 1.2**2])
    watcher.close()


def test_schedule_retires_after_forty_days() -> None:
    policy = RecheckPolicy()
    now = datetime(2024, 1, 1, tzinfo=UTC)
    decision = next_check(policy, now, None, changed=True)
    checks = 1
    while not decision.retired:
        assert decision.due is not None
        now = decision.due
        decision = next_check(policy, now, decision.interval, changed=False)
        checks += 1
    assert decision.interval > timedelta(days=40).total_seconds()
    assert 40 <= checks <= 45
    # A change resets the interval to 30 minutes.
    assert next_check(policy, now, 10 * 86400, changed=True).interval == 1800
    overridden = policy.overridden(
        {"policy": {"first_interval_minutes": 5, "retire_after_days": 1}}
    )
    assert next_check(overridden, now, None, changed=True).interval == 300


def _capture(
    text: str, *, raw: bytes | None = None, title: str = "Headline", extractor: str = "x/1"
) -> Capture:
    extracted = Extracted(
        title=title,
        author=None,
        date=None,
        site=None,
        text=text,
        url=None,
        language="en",
        extractor=extractor,
    )
    return Capture(
        url="https://news.example.com/a",
        extracted=extracted,
        origin="fetch",
        captured_at=datetime.now(UTC),
        raw=raw if raw is not None else text.encode(),
    )


BODY = "The council approved the budget on Monday.\n\nThe vote was 7 to 2, officials said."


def test_each_layer_of_version_detection(store: Store) -> None:
    first = record_capture(store, _capture(BODY))
    assert first.outcome == "new" and first.new_article
    # 1. identical bytes
    assert record_capture(store, _capture(BODY)).outcome == "unchanged"
    # 2. different bytes, identical extracted text
    assert (
        record_capture(store, _capture(BODY, raw=b"<html>" + BODY.encode())).outcome == "unchanged"
    )
    # 3. trivial: only an "updated" line and quote style differ
    trivial = BODY.replace("officials said", "officials said") + "\n\nUpdated 5 minutes ago"
    assert record_capture(store, _capture(trivial)).outcome == "trivial"
    # 4. a real edit
    edited = BODY.replace("7 to 2", "6 to 3")
    assert record_capture(store, _capture(edited)).outcome == "new"
    # 5. back to the first text: a flip-flop pointing at version 1
    flop = record_capture(store, _capture(BODY, raw=b"again " + BODY.encode()))
    assert flop.outcome == "flipflop"
    with store.read() as connection:
        kinds = connection.execute(
            sa.select(
                schema.versions.c.number, schema.versions.c.kind, schema.versions.c.same_as_id
            ).order_by(schema.versions.c.number)
        ).all()
    assert [(k.number, k.kind) for k in kinds] == [
        (1, "new"),
        (2, "trivial"),
        (3, "new"),
        (4, "flipflop"),
    ]
    assert kinds[-1].same_as_id == first.version_id


def test_extractor_upgrade_reextracts_instead_of_reporting_a_change(store: Store) -> None:
    old = record_capture(
        store, _capture("Old extractor output with menu junk.\n\n" + BODY, extractor="x/1")
    )
    calls: list[bytes] = []

    def reextract(raw: bytes, url: str | None) -> Extracted:
        calls.append(raw)
        return _capture(BODY, extractor="x/2").extracted

    again = record_capture(
        store, _capture(BODY, raw=b"<new bytes>", extractor="x/2"), reextract=reextract
    )
    assert again.outcome == "unchanged" and calls
    with store.read() as connection:
        pinned = connection.execute(sa.select(schema.articles.c.extractor)).scalar()
        events = [row.kind for row in connection.execute(sa.select(schema.article_events))]
    assert pinned == "x/2" and events == ["re_extracted"]
    assert old.version_id is not None


@pytest.mark.parametrize(
    ("endpoint", "reason"),
    [
        ("endless", "exceeds"),
        ("trickle", "no complete response within|read timeout"),
        ("loop-a", "redirect"),
        ("gzip-bomb", "exceeds"),
        ("flaky?n=9", "503"),
    ],
)
def test_hostile_servers_are_recorded_errors_and_the_watcher_goes_on(
    site: FixtureSite, tmp_path: Path, endpoint: str, reason: str
) -> None:
    store = Store(tmp_path / "h.db")
    settings = SETTINGS.with_overrides(max_page_bytes=200_000, total_timeout=2.0, read_timeout=1.0)
    watcher = Watcher(store, settings, analyse=False)
    good = site.article_url("xi-putin-wion")
    report = asyncio.run(watcher.check_urls([f"{site.base_url}/_hostile/{endpoint}", good]))
    watcher.close()
    assert report.outcomes["new"] == 1 and report.outcomes["error"] == 1
    assert any(re.search(reason, error, re.I) for error in report.errors), report.errors
    with store.read() as connection:
        errors = (
            connection.execute(
                sa.select(schema.checks.c.error).where(schema.checks.c.outcome == "error")
            )
            .scalars()
            .all()
        )
    assert len(errors) == 1 and "\n" not in errors[0]


def test_private_addresses_are_refused_unless_allowed(site: FixtureSite, tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    watcher = Watcher(store, Settings(allow_private=False, workers=1), analyse=False)
    report = asyncio.run(watcher.check_urls([site.article_url("xi-putin-wion")]))
    watcher.close()
    assert report.outcomes == {"error": 1}
    assert "private" in report.errors[0].lower() or "loopback" in report.errors[0].lower()


WORKER = """
import asyncio, sys
from datetime import UTC, datetime, timedelta
from newstrail.settings import Settings
from newstrail.store.database import Store
from newstrail.jobs.watch import Watcher
store = Store(sys.argv[1])
# Spaced requests keep the pass at least 4 s long, so the kill lands mid-pass.
settings = Settings(
    allow_private=True, per_host_delay=0.01, per_host_concurrency=2, workers=1, lease_minutes=5
)
watcher = Watcher(store, settings, analyse=False, worker="doomed")
print("ready", flush=True)
asyncio.run(watcher.run_once(batch=100000))
"""


def test_kill_9_mid_pass_loses_nothing_and_restart_resumes(tmp_path: Path) -> None:
    with FixtureSite(synthetic_articles=400) as site:
        db = tmp_path / "k.db"
        store = Store(db)
        for feed in site.feed_urls:
            if "synthetic" in feed:
                asyncio.run(add_source(store, SETTINGS, feed, None, {}))
        # Discover the 400 articles without checking them yet.
        assert asyncio.run(Watcher(store, SETTINGS, analyse=False).poll_feeds()).discovered == 400
        worker = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(db)], stdout=subprocess.PIPE, text=True
        )
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.2)
            with sqlite3.connect(db) as probe:
                if probe.execute("SELECT count(*) FROM versions").fetchone()[0] >= 30:
                    break
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        worker.stdout.close()
        with sqlite3.connect(db) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            stuck = connection.execute(
                "SELECT count(*) FROM articles WHERE lease_owner IS NOT NULL"
            ).fetchone()[0]
        assert stuck > 0  # the killed worker held claims
        # After its leases expire another watcher picks everything up.
        later = Clock()
        later.now = datetime.now(UTC) + timedelta(minutes=6)
        resumed = Watcher(
            store, SETTINGS.with_overrides(per_source_budget=1000), clock=later, analyse=False
        )
        asyncio.run(resumed.run_once(batch=100000))
        resumed.close()
        with sqlite3.connect(db) as connection:
            per_article = connection.execute(
                "SELECT a.id, count(v.id) FROM articles a "
                "LEFT JOIN versions v ON v.article_id = a.id "
                "WHERE a.url LIKE '%synthetic%' GROUP BY a.id"
            ).fetchall()
        assert len(per_article) == 400
        assert {count for _, count in per_article} == {1}  # none lost, none duplicated
        store.close()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_watch_stops_promptly_on_a_signal_and_hands_back_what_it_did_not_check(
    tmp_path: Path, signum: int
) -> None:
    with FixtureSite(synthetic_articles=300) as site:
        db = tmp_path / "w.db"
        store = Store(db)
        feed = next(url for url in site.feed_urls if "synthetic" in url)
        asyncio.run(add_source(store, SETTINGS, feed, None, {}))
        assert asyncio.run(Watcher(store, SETTINGS, analyse=False).poll_feeds()).discovered == 300
        # A polite pace: checking all 300 would take over 15 s.
        config = tmp_path / "newstrail.toml"
        config.write_text("per_host_delay = 0.05\nper_host_concurrency = 2\nworkers = 1\n")
        command = [str(Path(sys.executable).parent / "newstrail"), "--db", str(db), "watch"]
        watcher = subprocess.Popen(
            [*command, "--allow-private"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NEWSTRAIL_CONFIG": str(config)},
        )
        deadline = time.monotonic() + 60
        checked = 0
        while checked < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
            with contextlib.closing(sqlite3.connect(db)) as probe:
                checked = probe.execute("SELECT count(*) FROM versions").fetchone()[0]
        watcher.send_signal(signum)
        _, stderr = watcher.communicate(timeout=10)
        assert watcher.returncode == 0, stderr
        assert "stopped: checks in flight finished" in stderr  # a log line, on stderr
        with contextlib.closing(sqlite3.connect(db)) as connection:
            held = connection.execute(
                "SELECT count(*) FROM articles WHERE lease_owner IS NOT NULL"
            ).fetchone()[0]
            versions, checks, last_checked = connection.execute(
                "SELECT (SELECT count(*) FROM versions),"
                " (SELECT count(*) FROM checks WHERE article_id IS NOT NULL),"
                " (SELECT count(*) FROM articles WHERE last_checked_at IS NOT NULL)"
            ).fetchone()
        assert held == 0  # nothing left leased: finished checks recorded, the rest handed back
        assert 5 <= versions == checks == last_checked < 300
        # The articles handed back are still due: the next pass takes them at once.
        settings = SETTINGS.with_overrides(per_source_budget=1000)
        report = asyncio.run(Watcher(store, settings, analyse=False).run_once(batch=1000))
        assert report.checks == 300 - versions
        store.close()


def test_a_new_watcher_catches_up_on_what_a_stopped_one_left_behind(
    store: Store, seeds_dir: Path
) -> None:
    from dataclasses import replace

    from newstrail.jobs.pipeline import import_and_place, stale_stories, unplaced_articles

    # As a watcher stopped after storing versions, before placing them, leaves them.
    seeds = sorted(seeds_dir.glob("00[0-3]*.txt"))
    imported = import_and_place(store, seeds, SETTINGS, build_stories=False).article_ids
    assert sorted(unplaced_articles(store)) == sorted(imported) and len(imported) == 4
    report = asyncio.run(Watcher(store, SETTINGS).run_once())
    assert report.checks == 0  # nothing was due: the placing is the first pass's catch-up
    assert unplaced_articles(store) == []
    with store.read() as connection:
        stories = connection.execute(
            sa.select(sa.func.count(sa.distinct(schema.story_articles.c.story_id)))
        ).scalar_one()
    assert stories == 1  # the four seeds of the Xi-Putin call: one story
    assert stale_stories(store) == []
    # A new version stored, then the watcher stopped before re-analysing its story.
    a, v = schema.articles, schema.versions
    with store.read() as connection:
        url, text = connection.execute(
            sa.select(a.c.url, v.c.text).join(v, v.c.article_id == a.c.id).limit(1)
        ).one()
    edited = _capture(text + "\n\nThe Kremlin later confirmed the call.", title="Headline")
    version = record_capture(store, replace(edited, url=url)).version_id
    (story,) = stale_stories(store)
    asyncio.run(Watcher(store, SETTINGS).run_once())
    assert stale_stories(store) == []
    with store.read() as connection:
        covered = connection.execute(
            sa.select(schema.story_analyses.c.version_ids).where(
                schema.story_analyses.c.story_id == story
            )
        ).scalar_one()
    assert version in covered


def test_version_text_is_what_the_diff_engine_sees() -> None:
    assert VersionText("t", None, None, "x").text == "x"


def test_sources_listed_in_a_config_file_are_watched(site: FixtureSite, tmp_path: Path) -> None:
    from newstrail.jobs.sources import list_sources, save_configured_sources

    config = tmp_path / "newstrail.toml"
    feed = next(url for url in site.feed_urls if "wion" in url)
    config.write_text(
        f'[[sources]]\nurl = "{feed}"\nname = "WION"\nexclude = ["analysis"]\n'
        f"policy = {{ first_interval_minutes = 10 }}\n"
    )
    store = Store(tmp_path / "c.db")
    assert save_configured_sources(store, config) == save_configured_sources(store, config)
    (source,) = list_sources(store)
    assert source.outlet == "WION" and source.options["exclude"] == ["analysis"]
    site.advance(2)  # WION's follow-up ("...-analysis") is now in its feed
    report = asyncio.run(Watcher(store, SETTINGS, analyse=False).run_once())
    assert report.discovered == 1 and report.outcomes["new"] == 1  # the follow-up was excluded
    with store.read() as connection:
        interval = connection.execute(sa.select(schema.articles.c.check_interval)).scalar_one()
    assert interval == 600  # the source's policy override


def test_workers_on_postgresql_share_per_host_politeness(store: Store, site: FixtureSite) -> None:
    if store.is_sqlite:
        pytest.skip("shared politeness is for stores many machines share (PostgreSQL)")
    delay = 0.3
    settings = SETTINGS.with_overrides(per_host_delay=delay)
    keys = ["xi-putin-republic", "xi-putin-wion", "xi-putin-scmp", "xi-putin-newsweek"]
    urls = [site.article_url(key) for key in keys]

    async def two_workers() -> None:
        first = Watcher(store, settings, worker="one", analyse=False)
        second = Watcher(store, settings, worker="two", analyse=False)
        await asyncio.gather(first.check_urls(urls[:2]), second.check_urls(urls[2:]))

    asyncio.run(two_workers())
    from urllib.parse import urlsplit

    arrivals = sorted(record.at for url in urls for record in site.requests_for(urlsplit(url).path))
    assert len(arrivals) == 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert min(gaps) >= delay * 0.8, gaps


def test_rel_canonical_makes_two_addresses_one_article(site: FixtureSite, tmp_path: Path) -> None:
    store = Store(tmp_path / "canon.db")
    watcher = Watcher(store, SETTINGS, analyse=False)
    wion, scmp = site.article_url("xi-putin-wion"), site.article_url("xi-putin-scmp")
    # A first sighting through an odd address adopts the page's canonical URL.
    asyncio.run(watcher.check_urls([scmp + "?page=1"]))
    # A second address of an article already followed is a duplicate of it.
    asyncio.run(watcher.check_urls([wion]))
    report = asyncio.run(watcher.check_urls([wion + "?page=1"]))
    watcher.close()
    assert report.outcomes == {"moved": 1}
    with store.read() as connection:
        rows = dict(
            connection.execute(sa.select(schema.articles.c.url, schema.articles.c.state)).all()
        )
        versions = connection.execute(
            sa.select(sa.func.count()).select_from(schema.versions)
        ).scalar()
    assert rows == {scmp: "active", wion: "active", wion + "?page=1": "moved"}
    assert versions == 2  # the duplicate's capture went to the WION article, unchanged


@pytest.mark.parametrize("workers", [1, 2])
def test_an_extraction_past_its_budget_is_quarantined_and_the_pass_goes_on(
    site: FixtureSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    from newstrail.jobs import limits
    from newstrail.jobs.quarantine import list_quarantine

    real_extract = limits.extract_html

    def endless_on_wion(html: str, url: str | None, **kwargs: object) -> Extracted:
        while url and "wion" in url:  # a page whose extraction never ends
            pass
        return real_extract(html, url, **kwargs)  # type: ignore[arg-type]

    # The first extraction loads extruct and dateparser (seconds): done here,
    # before the budget is short and before the worker processes fork from us.
    with urllib.request.urlopen(site.article_url("xi-putin-scmp"), timeout=10) as response:
        real_extract(response.read().decode("utf-8"), None)
    # Worker processes are forked, so they see the patched extractor too.
    monkeypatch.setattr(limits, "extract_html", endless_on_wion)
    monkeypatch.setattr(limits, "EXTRACTION_SECONDS", 1.0)
    store = Store(tmp_path / "b.db")
    watcher = Watcher(store, SETTINGS.with_overrides(workers=workers), analyse=False)
    urls = [site.article_url("xi-putin-wion"), site.article_url("xi-putin-scmp")]
    report = asyncio.run(watcher.check_urls(urls))
    watcher.close()
    assert report.outcomes["new"] == 1 and report.outcomes["error"] == 1
    assert any("over its 1 s budget" in error for error in report.errors), report.errors
    (quarantined,) = list_quarantine(store)
    assert quarantined.stage == "extract" and "wion" in quarantined.reason
