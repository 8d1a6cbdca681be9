"""Bulk WARC import benchmark: articles/second and peak memory, SQLite and PostgreSQL.

Builds a multi-file WARC set (CC-NEWS style, one gzip member per record) from
the real article texts in ``shared/data/stories/*.jsonl`` wrapped in HTML, then
imports it with ``bulk.import_warcs`` at 1 and 2 worker processes into a fresh
SQLite file and a fresh PostgreSQL database (a throw-away cluster started with
``scripts/postgres.sh`` unless ``--postgres URL`` is given). The baseline beside
it is the plain ``importer.import_paths`` path (one transaction per capture,
one process) on SQLite.

Each configuration runs in its own child process, so ``ru_maxrss`` is that
run's peak resident memory (the parent's and the workers' maxima are reported
apart). Wall time on this shared 2-core machine depends on the neighbours, so
CPU seconds are printed beside it.

Run: ``.venv/bin/python -m bench.warc_import`` (about 3 minutes);
``--copies 5`` for a bigger set. Writes ``bench/results/warc_import.json``.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from bench._common import ROOT, BenchRun, shared_data

POSTGRES_PORT = 55491


def article_page(story: dict[str, Any]) -> bytes:
    """One story record as a news page with a headline, date and paragraphs."""
    title = html.escape(story.get("title") or story["text"].split("\n")[0][:80])
    paragraphs = "".join(
        f"<p>{html.escape(line)}</p>" for line in story["text"].split("\n") if line.strip()
    )
    return (
        f'<html lang="en"><head><title>{title}</title>'
        f'<meta property="article:published_time" content="2024-05-01"></head>'
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paragraphs}"
        f"</article><footer>© Example News</footer></body></html>"
    ).encode()


def build_warcs(folder: Path, files: int, copies: int) -> tuple[list[Path], int]:
    """Write ``files`` WARC.gz files holding every story ``copies`` times (distinct URLs)."""
    stories = [
        json.loads(line)
        for path in sorted((shared_data() / "stories").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    paths = [folder / f"cc-news-{number:02d}.warc.gz" for number in range(files)]
    streams = [path.open("wb") for path in paths]
    writers = [WARCWriter(stream, gzip=True) for stream in streams]
    count = 0
    for copy in range(copies):
        for number, story in enumerate(stories):
            body = article_page(story)
            url = f"https://outlet{number % 7}.example/{copy}/{story['id']}"
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            writer = writers[count % files]
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(body),
                    length=len(body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": "2024-05-02T08:00:00Z"},
                )
            )
            count += 1
    for stream in streams:
        stream.close()
    return paths, count


def run_one(db: str, paths: list[str], jobs: int, method: str) -> dict[str, Any]:
    """Import into ``db`` in this (child) process and measure it."""
    from newstrail.jobs.bulk import import_warcs
    from newstrail.jobs.importer import import_paths
    from newstrail.settings import Settings
    from newstrail.store.database import Store

    store = Store(db)
    started = time.perf_counter()
    if method == "bulk":
        report = import_warcs(store, [Path(p) for p in paths], Settings(), jobs=jobs)
        captures, failures = report.captures, report.failures
    else:
        baseline = import_paths(store, [Path(p) for p in paths], Settings())
        captures, failures = baseline.captures, baseline.failures
    seconds = time.perf_counter() - started
    store.close()
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "captures": captures,
        "failures": failures[:3],
        "seconds": round(seconds, 2),
        "articles_per_second": round(captures / seconds, 1),
        "cpu_seconds": round(own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime, 1),
        "peak_rss_mb": round(own.ru_maxrss / 1024, 1),
        "worker_peak_rss_mb": round(workers.ru_maxrss / 1024, 1),
    }


def start_postgres(folder: Path) -> str:
    """A throw-away cluster's URL (scripts/postgres.sh)."""
    script = ROOT / "scripts" / "postgres.sh"
    return subprocess.run(
        [str(script), "start", str(folder), str(POSTGRES_PORT)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def fresh_postgres_database(url: str) -> str:
    """A new empty database on the cluster at ``url``."""
    import sqlalchemy as sa

    from newstrail.store.database import database_url

    name = f"bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(database_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=4, help="WARC files in the set")
    parser.add_argument("--copies", type=int, default=1, help="times each story is archived")
    parser.add_argument("--postgres", help="PostgreSQL URL (default: a throw-away cluster)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one measured run: db, jobs, method, paths
        spec = json.loads(args.child)
        print(json.dumps(run_one(spec["db"], spec["paths"], spec["jobs"], spec["method"])))
        return

    run = BenchRun("warc_import")
    run.print_header()  # above the rows, printed as each configuration ends
    with tempfile.TemporaryDirectory(prefix="newstrail-warc-bench-") as scratch:
        folder = Path(scratch)
        paths, records = build_warcs(folder, args.files, args.copies)
        size_mb = sum(path.stat().st_size for path in paths) / 1e6
        print(f"{records} records in {len(paths)} WARC.gz files, {size_mb:.1f} MB")
        postgres_dir = Path(tempfile.gettempdir()) / "newstrail-bench-warc-pg"
        postgres = None
        if not args.no_postgres:
            postgres = args.postgres or start_postgres(postgres_dir)
        plans = [("sqlite", "import_paths (baseline)", "baseline", 1)]
        plans += [("sqlite", f"bulk jobs={jobs}", "bulk", jobs) for jobs in (1, 2)]
        if postgres:
            plans += [("postgresql", f"bulk jobs={jobs}", "bulk", jobs) for jobs in (1, 2)]
        rows = []
        try:
            for number, (kind, label, method, jobs) in enumerate(plans):
                db = (
                    str(folder / f"run{number}.db")
                    if kind == "sqlite"
                    else fresh_postgres_database(postgres or "")
                )
                spec = {"db": db, "paths": [str(p) for p in paths], "jobs": jobs, "method": method}
                child = subprocess.run(
                    [sys.executable, "-m", "bench.warc_import", "--child", json.dumps(spec)],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                result = {"store": kind, "run": label, **json.loads(child.stdout.splitlines()[-1])}
                rows.append(result)
                print(
                    f"{kind:<11} {label:<24} {result['captures']:>6} articles "
                    f"{result['seconds']:>7.1f} s {result['articles_per_second']:>7.1f}/s "
                    f"cpu {result['cpu_seconds']:>6.1f} s  peak {result['peak_rss_mb']:>6.1f} MB"
                    f" (workers {result['worker_peak_rss_mb']:.1f} MB)"
                )
        finally:
            if postgres and not args.postgres:
                subprocess.run(
                    [str(ROOT / "scripts" / "postgres.sh"), "stop", str(postgres_dir)],
                    check=False,
                    capture_output=True,
                )
    run.write(
        {"records": records, "files": len(paths), "megabytes": round(size_mb, 1), "runs": rows}
    )


if __name__ == "__main__":
    main()
