"""Soak: several watchers on one store, a hostile source among good ones, a kill -9, then checks.

Against the fixture news site (on 127.0.0.1, in this process), with its good
outlets' feeds and three hostile sources (a feed of thousands of entries, an
article of 1.2 million characters and a tag of 50,000 attributes, a body that
never ends), this runs as real processes (``python -m newstrail …``):

- ``watchers`` watchers (``watch``, until stopped) on one store;
- the web app (``serve``), asked for its pages while the watchers run;
- an import of the bundled corpus into the same store;
- after a random moment, one watcher is killed with SIGKILL and a new one
  started; at the end the others are stopped with SIGTERM.

Then one ``watch --once --force`` catches up on what the killed watcher left (its
leases expire; unplaced articles are placed), and the checks run:
``check-store`` is clean, no article has two versions with one number or a
gap in its numbers, every article of the good feeds has been checked and has
a version, and no process's stderr holds a traceback.

The suite runs a short soak on a SQLite file and on PostgreSQL
(``tests/test_soak.py``); ``python -m bench.soak`` runs longer ones (2 and 4
watchers, each store) and prints a table of what they did. Writes
``bench/results/soak.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import sqlalchemy as sa

from newstrail.demo.fixture_site.server import FixtureSite
from newstrail.jobs.pipeline import bundled_corpus
from newstrail.store import schema
from newstrail.store.database import Store

FLOOD_ENTRIES = 3000


@dataclass
class SoakResult:
    """What a soak did and what the checks found."""

    store: str
    watchers: int
    seconds: float
    killed_after: float
    articles: int = 0
    versions: int = 0
    checks: int = 0
    good_articles: int = 0
    good_unchecked: list[str] = field(default_factory=list)
    version_gaps: list[int] = field(default_factory=list)
    check_store: str = ""
    check_store_status: int = -1
    tracebacks: list[str] = field(default_factory=list)
    web_statuses: list[int] = field(default_factory=list)
    import_status: int = -1
    phases: dict[str, float] = field(default_factory=dict)  # wall seconds of each phase

    @property
    def clean(self) -> bool:
        """Whether every check passed."""
        return (
            self.check_store_status == 0
            and not self.good_unchecked
            and not self.version_gaps
            and not self.tracebacks
            and self.good_articles > 0
            and all(status == 200 for status in self.web_statuses)
            and self.import_status == 0
        )


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(folder: Path, site: FixtureSite) -> Path:
    """Settings for a fast soak on loopback, and the good and hostile sources."""
    base = site.base_url
    good = site.feed_urls
    hostile = [
        (f"{base}/_hostile/huge-feed.xml?n={FLOOD_ENTRIES}", "feed"),
        (f"{base}/_hostile/poison-article", "article"),
        (f"{base}/_hostile/endless", "article"),
    ]
    lines = [
        "allow_private = true",
        "per_host_delay = 0.0",
        "per_host_concurrency = 4",
        "retries = 0",
        "total_timeout = 5.0",
        "read_timeout = 5.0",
        "max_page_bytes = 3000000",  # the endless body is cut here
        "max_new_per_poll = 100",
        "per_source_budget = 200",
        "lease_minutes = 0.05",  # a killed watcher's claims come back after 3 s
        "feed_interval_minutes = 0.05",
        "max_text_chars = 8000",  # the poison article and record are cut here (and noted)
        "workers = 1",
    ]
    for url, kind in [(url, "feed") for url in good] + hostile:
        lines += ["", "[[sources]]", f'url = "{url}"', f'kind = "{kind}"']
    path = folder / "soak.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Processes:
    """The soak's child processes, each with its stderr in a file."""

    def __init__(self, folder: Path, db: str, config: Path) -> None:
        self.folder = folder
        self.db = db
        self.config = config
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.stderr: dict[str, Path] = {}
        self._files: list[IO[bytes]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """``python -m newstrail --db DB --config CONFIG ARGS`` as ``name``."""
        self.stderr[name] = self.folder / f"{name}.stderr"
        err = self.stderr[name].open("wb")
        self._files.append(err)
        command = [sys.executable, "-m", "newstrail", "--db", self.db, "--config", str(self.config)]
        environment = {k: v for k, v in os.environ.items() if k != "NEWSTRAIL_DEBUG"}
        process = subprocess.Popen(
            [*command, *args],
            stdout=subprocess.DEVNULL,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env=environment,
        )
        self.running[name] = process
        return process

    def run(self, name: str, *args: str, timeout: float = 120) -> tuple[int, str]:
        """Run to the end: exit status and stdout."""
        command = [sys.executable, "-m", "newstrail", "--db", self.db, "--config", str(self.config)]
        done = subprocess.run(
            [*command, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        self.stderr[name] = self.folder / f"{name}.stderr"
        self.stderr[name].write_text(done.stderr, encoding="utf-8")
        return done.returncode, done.stdout

    def tracebacks(self) -> list[str]:
        """Names of the processes whose stderr holds a traceback."""
        return [
            name
            for name, path in self.stderr.items()
            if path.exists() and "Traceback" in path.read_text(encoding="utf-8", errors="replace")
        ]

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.kill()
                process.wait()
        for file in self._files:
            file.close()


@contextmanager
def fixture_site() -> Iterator[FixtureSite]:
    site = FixtureSite()
    site.start("127.0.0.1", 0)
    try:
        yield site
    finally:
        site.stop()


def soak(
    db: str, *, watchers: int = 2, seconds: float = 20.0, seed: int | None = None
) -> SoakResult:
    """Run one soak on the store at ``db`` (a SQLite file path or a PostgreSQL URL)."""
    chance = random.Random(seed)
    killed_after = chance.uniform(seconds * 0.2, seconds * 0.6)
    result = SoakResult(
        store=db.split("://")[0],
        watchers=watchers,
        seconds=seconds,
        killed_after=round(killed_after, 1),
    )
    Store(db).close()  # migrated once, before the processes race to do it
    with tempfile.TemporaryDirectory() as scratch, fixture_site() as site:
        folder = Path(scratch)
        config = write_config(folder, site)
        children = Processes(folder, db, config)
        port = free_port()
        try:
            children.start("serve", "serve", "--port", str(port))
            for number in range(watchers):
                children.start(f"watcher-{number}", "watch")
            importer = children.start("import", "import", *_import_inputs(folder))
            started = time.monotonic()
            killed = False
            killed_at = started
            while time.monotonic() - started < seconds:
                time.sleep(0.5)
                if not killed and time.monotonic() - started > killed_after:
                    victim = children.running["watcher-0"]
                    victim.send_signal(signal.SIGKILL)
                    victim.wait()
                    children.start("watcher-after-kill", "watch")
                    killed, killed_at = True, time.monotonic()
                result.web_statuses += _ask_web(port)
            result.phases["run"] = round(time.monotonic() - started, 1)
            deadline = time.monotonic() + 60
            while not result.web_statuses and time.monotonic() < deadline:
                result.web_statuses += _ask_web(port)  # the app may still be starting
                time.sleep(0.5)
            result.import_status = importer.wait(timeout=120)
            result.phases["web and import"] = round(time.monotonic() - started, 1)
            for name, process in children.running.items():
                if name.startswith("watcher") and process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for name, process in children.running.items():
                if name.startswith("watcher"):
                    try:
                        process.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        children.stderr[name].write_text("did not stop on SIGTERM\n")
            children.running["serve"].send_signal(signal.SIGTERM)
            children.running["serve"].wait(timeout=30)
            result.phases["stopped"] = round(time.monotonic() - started, 1)
            # The killed watcher's leases run out (lease_minutes = 0.05).
            time.sleep(max(0.0, killed_at + 3.5 - time.monotonic()))
            # --force re-checks now the articles whose last check failed: on a
            # loaded machine (load 7-10 with the suite beside it) a good page's
            # fetch can miss total_timeout while the one-process watcher
            # extracts the poison page on its event loop; the schedule retries
            # such a check later, and --force stands in for "later".
            children.run("catch-up", "watch", "--once", "--force")
            result.phases["caught up"] = round(time.monotonic() - started, 1)
            result.check_store_status, result.check_store = children.run(
                "check-store", "check-store"
            )
            result.phases["checked"] = round(time.monotonic() - started, 1)
        finally:
            children.stop_all()
        result.tracebacks = children.tracebacks()
        _count(db, site, result)
    return result


def _import_inputs(folder: Path) -> list[str]:
    """Two files of the bundled corpus and a poison JSON Lines record, copied to ``folder``."""
    inputs = folder / "import"
    inputs.mkdir()
    for path in sorted(bundled_corpus().iterdir())[:2]:
        if path.is_file():
            (inputs / path.name).write_bytes(path.read_bytes())
    words = " ".join(f"word{i % 5003}" for i in range(200_000))  # 1.3 MB, cut on import
    poison = {"url": "https://example.org/poison", "text": words}
    (inputs / "poison.jsonl").write_text(json.dumps(poison) + "\n", encoding="utf-8")
    return [str(inputs)]


def _ask_web(port: int) -> list[int]:
    """The web app's home page and stories list, as a reader asks for them (once up)."""
    statuses = []
    for path in ("/", "/.json"):
        try:
            statuses.append(httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10).status_code)
        except httpx.HTTPError:
            return []  # not listening yet
    return statuses


def _count(db: str, site: FixtureSite, result: SoakResult) -> None:
    """Articles, versions and checks stored; good articles never checked; numbering gaps."""
    a, v, f = schema.articles, schema.versions, schema.feeds
    good_feeds = set(site.feed_urls)
    with Store(db, migrate=False) as store, store.read() as connection:
        result.articles = connection.execute(sa.select(sa.func.count()).select_from(a)).scalar_one()
        result.versions = connection.execute(sa.select(sa.func.count()).select_from(v)).scalar_one()
        result.checks = connection.execute(
            sa.select(sa.func.count()).select_from(schema.checks)
        ).scalar_one()
        good = connection.execute(
            sa.select(a.c.url, a.c.last_checked_at, a.c.version_count, a.c.state)
            .join(f, f.c.id == a.c.feed_id)
            .where(f.c.url.in_(good_feeds))
        ).all()
        result.good_articles = len(good)
        result.good_unchecked = [
            row.url for row in good if row.last_checked_at is None or row.version_count == 0
        ]
        numbering = connection.execute(
            sa.select(v.c.article_id, sa.func.count(), sa.func.max(v.c.number)).group_by(
                v.c.article_id
            )
        ).all()
        result.version_gaps = [row[0] for row in numbering if row[1] != row[2]]


def main(argv: list[str] | None = None) -> None:
    from bench._common import BenchRun

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=45.0, help="run time per soak")
    parser.add_argument("--postgres", default=os.environ.get("NEWSTRAIL_TEST_POSTGRES_URL"))
    args = parser.parse_args(argv)
    run = BenchRun("soak")
    run.print_header()
    rows: list[dict[str, Any]] = []
    print(
        f"{'store':<11}{'watchers':>9}{'s':>6}{'kill@':>7}{'articles':>9}{'versions':>9}"
        f"{'checks':>8}{'good':>6}  clean  check-store"
    )
    with tempfile.TemporaryDirectory() as scratch:
        stores: list[tuple[str, Any]] = [("sqlite", lambda n: str(Path(scratch) / f"soak{n}.db"))]
        if args.postgres:
            stores.append(
                ("postgresql", lambda n: fresh_postgres_database(args.postgres, f"soak{n}"))
            )
        for number, (kind, make) in enumerate(s for s in stores for _ in (0, 1)):
            watchers = 2 if number % 2 == 0 else 4
            started = time.monotonic()
            outcome = soak(make(number), watchers=watchers, seconds=args.seconds, seed=number)
            row = dict(
                vars(outcome),
                store=kind,
                clean=outcome.clean,
                wall=round(time.monotonic() - started, 1),
            )
            rows.append(row)
            print(
                f"{kind:<11}{watchers:>9}{args.seconds:>6.0f}{outcome.killed_after:>7.1f}"
                f"{outcome.articles:>9}{outcome.versions:>9}{outcome.checks:>8}"
                f"{outcome.good_articles:>6}  {outcome.clean!s:<5}  "
                f"{outcome.check_store.strip().splitlines()[-1:] or ''}"
            )
    run.write({"soaks": rows})


def fresh_postgres_database(base_url: str, name: str) -> str:
    """A new empty PostgreSQL database for one soak; its URL."""
    from newstrail.store.database import database_url

    base = database_url(base_url)
    database = f"{name}_{os.getpid()}_{random.randrange(1 << 30)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + database


if __name__ == "__main__":
    main()
