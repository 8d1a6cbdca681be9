"""Watch workers benchmark: 1, 2 and 4 worker processes sharing one store.

Each worker is what ``newstrail watch`` runs: a ``Watcher`` in its own process
claiming due articles (leases; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite) and checking them against the fixture site
(``--articles`` synthetic articles, served from its own process).

For each store (a throw-away PostgreSQL cluster from ``scripts/postgres.sh``,
or ``--postgres URL``; and a SQLite file, same workload, same run):

1. discover the articles and check them all once (the ``seed`` pass: every
   page new, extracted and stored; one watcher with 2 extraction processes);
2. for 1, 2, 4 workers: move the site one step (1 % of pages change), make
   every article due, start the workers together and time them until nothing
   is due. Checks/second = checks written / wall seconds, best of ``--repeats``.

Prints a table with the SQLite/PostgreSQL ratio per worker count and writes
``bench/results/workers.json``. About 3 minutes by default on this shared
2-core machine (where more than 2 workers can only help by overlapping I/O).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench._common import ROOT, BenchRun
from bench.warc_import import fresh_postgres_database, start_postgres
from bench.watch import Clock, advance_site, bench_settings, discover, fixture_site
from newstrail.jobs.watch import Watcher
from newstrail.store import schema
from newstrail.store.database import Store

WORKER_COUNTS = (1, 2, 4)
WORKER_SCRIPT = """
import asyncio, json, sys, time
from bench.watch import bench_settings
from newstrail.store.database import Store
from newstrail.jobs.watch import Watcher

store = Store(sys.argv[1], migrate=False)
watcher = Watcher(store, bench_settings(), worker=sys.argv[2], analyse=False)
print("ready", flush=True)
sys.stdin.readline()  # wait for "go", so every worker starts together
checks = 0
while True:
    report = asyncio.run(watcher.run_once(batch=200))
    checks += report.checks
    if report.checks == 0:
        break
print(json.dumps({"checks": checks}), flush=True)
"""


def make_all_due(store: Store) -> None:
    """Every watched article due now, no leases held."""
    a = schema.articles
    with store.write() as connection:
        connection.execute(
            a.update()
            .where(a.c.state == "active")
            .values(
                next_check_at=datetime.now(UTC) - timedelta(minutes=1),
                lease_owner=None,
                lease_expires_at=None,
            )
        )


def count_checks(store: Store) -> int:
    with store.read() as connection:
        return int(
            connection.execute(sa.select(sa.func.count()).select_from(schema.checks)).scalar_one()
        )


def children_cpu_seconds() -> float:
    """User + system CPU of the finished (waited-for) child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_workers(db: str, workers: int) -> tuple[float, int, float]:
    """Start ``workers`` watcher processes together; (wall s, checks made, their CPU s)."""
    cpu = children_cpu_seconds()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER_SCRIPT, db, f"bench-{number}"],
            cwd=ROOT,  # ``python -c`` puts the working directory first: ``bench`` imports from it
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for number in range(workers)
    ]
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.close()
    checks = 0
    for child in children:
        assert child.stdout is not None
        checks += json.loads(child.stdout.readline())["checks"]
        child.wait()
        child.stdout.close()
    # The CPU includes each worker's start-up imports (~1.5 s), not the database server's.
    return time.perf_counter() - started, checks, children_cpu_seconds() - cpu


def bench_store(kind: str, db: str, base_url: str, repeats: int) -> list[dict[str, Any]]:
    """Seed pass, then the 1/2/4-worker rounds, on one store."""
    store = Store(db)
    settings = bench_settings(workers=2)
    found = discover(store, settings, base_url)
    clock = Clock()
    clock.advance(minutes=1)
    seeder = Watcher(store, settings, clock=clock, analyse=False)
    started = time.perf_counter()
    seeded = asyncio.run(seeder.run_once(batch=found + 100))
    seed_seconds = time.perf_counter() - started
    seeder.close()
    rows = [
        {
            "store": kind,
            "run": "seed (new pages)",
            "workers": 1,
            "checks": seeded.checks,
            "seconds": round(seed_seconds, 2),
            "checks_per_second": round(seeded.checks / seed_seconds, 1),
        }
    ]
    print(
        f"{kind:<11} {rows[0]['run']:<18} {seeded.checks:>6} checks "
        f"{rows[0]['checks_per_second']:>7.1f}/s"
    )
    for workers in WORKER_COUNTS:
        # Best of ``repeats`` rounds: the neighbours on this shared machine make
        # single rounds swing by 2x.
        timings = []
        for _ in range(repeats):
            advance_site(base_url)
            make_all_due(store)
            before = count_checks(store)
            seconds, reported, cpu = run_workers(db, workers)
            timings.append((seconds, count_checks(store) - before, reported, cpu))
        seconds, checks, reported, cpu = min(timings, key=lambda item: item[0] / max(1, item[1]))
        row = {
            "store": kind,
            "run": "recheck (1% changed)",
            "workers": workers,
            "checks": checks,
            "checks_reported": reported,
            "seconds": round(seconds, 2),
            "checks_per_second": round(checks / seconds, 1),
            "all_rounds_per_second": [round(c / t, 1) for t, c, _, _ in timings],
            "worker_cpu_seconds": round(cpu, 1),
        }
        rows.append(row)
        print(
            f"{kind:<11} {workers} worker(s){'':<8} {checks:>6} checks "
            f"{row['checks_per_second']:>7.1f}/s  ({seconds:.1f} s, workers' cpu {cpu:.1f} s)"
        )
    store.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2_000, help="synthetic articles")
    parser.add_argument("--postgres", help="PostgreSQL URL (default: a throw-away cluster)")
    parser.add_argument("--repeats", type=int, default=2, help="rounds per worker count (best)")
    args = parser.parse_args()
    run = BenchRun("workers")
    run.print_header()  # above the rows, printed as each round ends

    postgres_dir = Path(tempfile.gettempdir()) / "newstrail-bench-workers-pg"
    postgres = args.postgres or start_postgres(postgres_dir)
    rows: list[dict[str, Any]] = []
    try:
        with (
            tempfile.TemporaryDirectory(prefix="newstrail-workers-") as scratch,
            fixture_site(args.articles) as base_url,
        ):
            rows += bench_store(
                "postgresql", fresh_postgres_database(postgres), base_url, args.repeats
            )
            rows += bench_store("sqlite", str(Path(scratch) / "workers.db"), base_url, args.repeats)
    finally:
        if not args.postgres:
            subprocess.run(
                [str(ROOT / "scripts" / "postgres.sh"), "stop", str(postgres_dir)],
                check=False,
                capture_output=True,
            )
    print(f"\n{'workers':>7} {'postgresql/s':>13} {'sqlite/s':>9} {'sqlite/pg':>10}")
    ratios = {}
    for workers in WORKER_COUNTS:
        rates = {
            row["store"]: row["checks_per_second"]
            for row in rows
            if row["workers"] == workers and row["run"].startswith("recheck")
        }
        ratio = rates["sqlite"] / rates["postgresql"]
        ratios[workers] = round(ratio, 2)
        print(f"{workers:>7} {rates['postgresql']:>13.1f} {rates['sqlite']:>9.1f} {ratio:>10.2f}")
    run.write({"articles": args.articles, "runs": rows, "sqlite_over_postgresql": ratios})


if __name__ == "__main__":
    main()
