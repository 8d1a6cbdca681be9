"""Load-test the web app: story pages, article pages and search under concurrent requests.

Builds a SQLite store of N synthetic articles (real texts from
``shared/data/stories/*.jsonl``, written with bulk inserts, not the importer),
starts ``newstrail.serve.web.app.serve`` on 127.0.0.1 in a separate process (1 or
more uvicorn workers), then drives it with ``wrk`` when it is on PATH (Debian
package ``wrk``), else with an httpx async load generator; every run is bounded
in time (and, for httpx, in request count). Reports p50/p95/p99 latency,
requests/s and the server's CPU milliseconds per request (steadier than
requests/s on a shared machine) per endpoint, beside a static-file baseline
that measures the server and load generator alone.

    .venv/bin/python -m bench.web_load                 # quick: 2,000 articles
    .venv/bin/python -m bench.web_load --n 1000000 --db /tmp/webload-1m.db --workers 1 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench._common import ROOT, BenchRun, shared_data
from newstrail.store import schema
from newstrail.store.database import Store, text_sha256
from newstrail.store.search import rebuild_index

TARGETS = {"story p95 ms": 50.0, "requests/s": 500.0}
ARTICLES_PER_STORY = 8
BATCH = 5_000
QUOTE = re.compile(r"[“\"]([^”\"]{20,200})[”\"]")
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def load_texts() -> list[dict[str, Any]]:
    """The real articles the synthetic archive is made from."""
    records = []
    for path in sorted((shared_data() / "stories").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("text") and len(record["text"]) > 200:
                records.append(record)
    if not records:
        sys.exit(f"no texts found under {shared_data() / 'stories'}")
    return records


def build_store(path: Path, n: int, seed: int = 7) -> Store:
    """Write ``n`` articles (10 % with a second version) grouped into stories of eight."""
    texts = load_texts()
    rng = random.Random(seed)
    store = Store(path)
    started = time.perf_counter()
    with store.write() as connection:
        names = sorted({r.get("source") or r["dataset"] for r in texts})
        connection.execute(
            schema.sources.insert(),
            [
                {"id": i + 1, "name": name, "domain": None, "created_at": T0}
                for i, name in enumerate(names)
            ],
        )
        source_id = {name: i + 1 for i, name in enumerate(names)}
    version_id = 0
    for start in range(0, n, BATCH):
        articles, versions, stories, members, groups, quotes, summary = [], [], [], [], [], [], []
        for article_id in range(start + 1, min(start + BATCH, n) + 1):
            record = texts[(article_id * 7919) % len(texts)]
            story_id = (article_id - 1) // ARTICLES_PER_STORY + 1
            seen = T0 + timedelta(minutes=article_id)
            text = record["text"][:4000] + f"\nReference {article_id}."
            title = (
                record.get("title") or record.get("story_title") or "Untitled"
            ) + f" ({article_id})"
            edited = article_id % 10 == 0
            articles.append(
                {
                    "id": article_id,
                    "url": f"https://example.com/{article_id}",
                    "source_id": source_id[record.get("source") or record["dataset"]],
                    "title": title,
                    "published": seen.date().isoformat(),
                    "state": "active",
                    "version_count": 2 if edited else 1,
                    "first_seen_at": seen,
                    "last_changed_at": seen,
                    "extractor": "bench/1",
                }
            )
            version_id += 1
            first_version = version_id
            versions.append(_version(version_id, article_id, 1, title, text, seen))
            if edited:
                version_id += 1
                changed = (
                    text.replace(".", ", officials said.", 1) + "\nThis story has been updated."
                )
                versions.append(
                    _version(version_id, article_id, 2, title, changed, seen + timedelta(hours=3))
                )
            if (article_id - 1) % ARTICLES_PER_STORY == 0:
                stories.append(
                    {
                        "id": story_id,
                        "title": record.get("story_title") or title,
                        "state": "active",
                        "first_seen_at": seen,
                        "last_seen_at": seen + timedelta(hours=8),
                        "created_at": seen,
                        "updated_at": seen,
                    }
                )
                summary.append(
                    {
                        "story_id": story_id,
                        "position": 0,
                        "text": text.split("\n")[0][:300],
                        "article_id": article_id,
                        "citations": [
                            {"article_id": article_id, "outlet": record.get("source"), "score": 1.0}
                        ],
                    }
                )
            members.append(
                {
                    "article_id": article_id,
                    "story_id": story_id,
                    "score": rng.random(),
                    "assigned_at": seen,
                }
            )
            for match in QUOTE.finditer(text):
                group_id = len(groups) + start * 4 + 1
                groups.append(
                    {
                        "id": group_id,
                        "story_id": story_id,
                        "speaker_name": None,
                        "text": match.group(1),
                        "first_article_id": article_id,
                    }
                )
                quotes.append(
                    {
                        "version_id": first_version,
                        "article_id": article_id,
                        "kind": "direct",
                        "text": match.group(1),
                        "quote_start": match.start(1),
                        "quote_end": match.end(1),
                        "group_id": group_id,
                        "group_relation": "exact",
                    }
                )
                if len(groups) % 4 == 0:
                    break
        with store.write() as connection:
            for table, rows in (
                (schema.articles, articles),
                (schema.versions, versions),
                (schema.stories, stories),
                (schema.story_articles, members),
                (schema.quote_groups, groups),
                (schema.quotes, quotes),
                (schema.summary_sentences, summary),
            ):
                if rows:
                    connection.execute(table.insert(), rows)
        print(f"\r  {min(start + BATCH, n):,} / {n:,} articles", end="", flush=True)
    print()
    indexed = rebuild_index(store)
    print(f"  built in {time.perf_counter() - started:.0f} s, {indexed:,} rows indexed")
    return store


def _version(
    vid: int, article_id: int, number: int, title: str, text: str, when: datetime
) -> dict[str, Any]:
    return {
        "id": vid,
        "article_id": article_id,
        "number": number,
        "kind": "new",
        "captured_at": when,
        "origin": "import:jsonl",
        "title": title,
        "text": text,
        "text_sha256": text_sha256(text),
        "extractor": "bench/1",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(db: str, port: int, workers: int) -> None:
    """Run the app (this is the server subprocess)."""
    from newstrail.serve.web.app import serve as serve_app
    from newstrail.settings import Settings

    serve_app(Store(db), Settings(host="127.0.0.1", port=port), announce=False, workers=workers)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` and its children (uvicorn's workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        # After the command name: state, ppid, ..., utime (14th field) and stime (15th).
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


async def drive_python(
    base: str, paths: list[str], concurrency: int, limit: int, seconds: float
) -> dict[str, Any]:
    """Send up to ``limit`` requests (cycling ``paths``) with ``concurrency`` in flight."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(limit))
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            for index in counter:
                if time.perf_counter() > deadline:
                    return
                began = time.perf_counter()
                response = await client.get(paths[index % len(paths)])
                await response.aread()
                latencies.append((time.perf_counter() - began) * 1000)
                if response.status_code != 200:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "rps": round(len(latencies) / elapsed, 1),
        "p50": round(quantiles[49], 1),
        "p95": round(quantiles[94], 1),
        "p99": round(quantiles[98], 1),
    }


# wrk calls request() for each request (cycling the paths) and done() once at
# the end; its --latency table has no p95, so done() prints the percentiles.
WRK_SCRIPT = """
local paths = {%s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def drive_wrk(
    wrk: str, base: str, paths: list[str], concurrency: int, seconds: float
) -> dict[str, Any]:
    """Run ``wrk`` (one thread, ``concurrency`` connections) for ``seconds`` over ``paths``."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    try:
        completed = subprocess.run(
            [
                wrk,
                "-t1",
                f"-c{concurrency}",
                f"-d{seconds:g}s",
                "--timeout",
                "30s",
                "-s",
                script.name,
                base,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
    finally:
        os.unlink(script.name)
    line = next(x for x in completed.stdout.splitlines() if x.startswith("RESULT "))
    requests, micros, bad_status, socket_errors, p50, p95, p99 = map(int, line.split()[1:])
    return {
        "requests": requests,
        "errors": bad_status + socket_errors,
        "seconds": round(micros / 1e6, 2),
        "rps": round(requests / (micros / 1e6), 1),
        "p50": round(p50 / 1000, 1),
        "p95": round(p95 / 1000, 1),
        "p99": round(p99 / 1000, 1),
    }


def save_runs(bench_run: BenchRun, new_runs: list[dict[str, Any]]) -> None:
    """Keep one run per (N, workers, generator) in the results file, replacing an older one.

    Each run keeps the header of the bench run that measured it; the file's own
    header is this run's.
    """
    runs: list[dict[str, Any]] = []
    if bench_run.path.is_file():
        runs = json.loads(bench_run.path.read_text()).get("runs", [])

    def key(r: dict[str, Any]) -> tuple[int, int, str]:
        return r["n_articles"], r.get("workers", 1), r.get("generator", "python")

    header = bench_run.header()
    for run in new_runs:
        runs = [r for r in runs if key(r) != key(run)] + [{"header": header, **run}]
    runs.sort(key=key)
    bench_run.write({"targets": TARGETS, "runs": runs})


def ensure_store(db: Path, n: int) -> None:
    """Build the store at ``db`` unless it already holds ``n`` articles."""
    store = Store(db)
    with store.read() as connection:
        existing = connection.execute(
            sa.select(sa.func.count()).select_from(schema.articles)
        ).scalar_one()
    store.close()
    if existing != n:
        if existing:
            sys.exit(f"{db} holds {existing:,} articles, not {n:,}; pick another --db")
        print(f"building a store of {n:,} articles at {db}")
        build_store(db, n).close()


def endpoints(n: int, stories: int) -> dict[str, list[str]]:
    """Paths per endpoint; the uncached story list is long enough that runs rarely repeat one."""
    rng = random.Random(11)
    words = [
        "minister",
        "election",
        "court",
        "president",
        "police",
        "budget",
        "senate",
        "trade",
        "climate",
        "health",
        "vote",
        "border",
        "tax",
        "war",
        "market",
        "school",
    ]
    return {
        "baseline /static/style.css": ["/static/style.css"],
        # 500 stories revisited: mostly served from the page cache after the first pass.
        "story page": [f"/stories/{rng.randint(1, stories)}" for _ in range(500)],
        # Every story once, shuffled; each run takes the next slice (``Paths.take``) so
        # get_story runs on each request. At 2,000 articles there are only 250 stories:
        # there the page cache serves most of them after the first pass.
        "story page, uncached": [
            f"/stories/{i}" for i in rng.sample(range(1, stories + 1), stories)
        ],
        "article page": [f"/articles/{rng.randint(1, n)}" for _ in range(500)],
        "search": [f"/search?q={rng.choice(words)}+{rng.choice(words)}" for _ in range(200)],
    }


class Paths:
    """Hands out each endpoint's paths; the uncached one advances so no run reuses a story."""

    def __init__(self, lists: dict[str, list[str]]) -> None:
        self.lists = lists
        self.cursor = 0

    def take(self, name: str, count: int) -> list[str]:
        """The paths for one run of ``name`` (at most ``count`` new stories when uncached)."""
        paths = self.lists[name]
        if name != "story page, uncached":
            return paths
        count = min(count, len(paths))
        start = self.cursor % len(paths)
        self.cursor += count
        return (paths[start:] + paths[:start])[:count]


def run_server(
    db: Path, workers: int, paths: Paths, args: argparse.Namespace, wrk: str | None
) -> list[dict[str, Any]]:
    """Start the server with ``workers`` processes and measure every endpoint against it."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.web_load", "--serve", str(db), str(port), str(workers)],
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    results: list[dict[str, Any]] = []
    try:
        for _ in range(600):
            try:
                httpx.get(base + "/static/style.css", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        for concurrency in args.concurrency:
            for name in paths.lists:
                # The most requests one run can make: the uncached story slice must be this long.
                budget = int(args.seconds * 2_000) if wrk else args.requests
                warm = paths.take(name, 200)
                if wrk:
                    drive_wrk(wrk, base, warm, concurrency, 2)
                else:
                    asyncio.run(drive_python(base, warm, concurrency, min(100, args.requests), 5))
                measured_paths = paths.take(name, budget)
                cpu_before = cpu_seconds(server.pid)
                if wrk:
                    measured = drive_wrk(wrk, base, measured_paths, concurrency, args.seconds)
                else:
                    measured = asyncio.run(
                        drive_python(base, measured_paths, concurrency, args.requests, args.seconds)
                    )
                server_cpu = cpu_seconds(server.pid) - cpu_before
                results.append(
                    {
                        "endpoint": name,
                        "workers": workers,
                        "concurrency": concurrency,
                        **measured,
                        "server_cpu_ms_per_request": round(
                            server_cpu * 1000 / max(measured["requests"], 1), 2
                        ),
                        "load_average_1m": round(os.getloadavg()[0], 2),
                    }
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2_000, help="articles in the store")
    parser.add_argument(
        "--requests", type=int, default=2_000, help="most requests per endpoint (httpx only)"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1], help="server processes, one run each"
    )
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk when on PATH (auto), or the httpx one, which takes a core",
    )
    parser.add_argument(
        "--db", type=Path, help="reuse or build the store here (default: a temp file)"
    )
    parser.add_argument(
        "--serve", nargs=3, metavar=("DB", "PORT", "WORKERS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), int(args.serve[2]))
        return

    bench_run = BenchRun("web_load")
    wrk = shutil.which("wrk") if args.generator != "python" else None
    if args.generator == "wrk" and wrk is None:
        sys.exit("wrk is not on PATH (Debian: apt-get install wrk)")
    generator = "wrk" if wrk else "python (httpx)"
    workdir = tempfile.TemporaryDirectory(prefix="web_load_")
    db = args.db or Path(workdir.name) / "bench.db"
    ensure_store(db, args.n)
    stories = (args.n + ARTICLES_PER_STORY - 1) // ARTICLES_PER_STORY
    paths = Paths(endpoints(args.n, stories))
    load_before = round(os.getloadavg()[0], 2)
    try:
        by_workers = {w: run_server(db, w, paths, args, wrk) for w in args.workers}
    finally:
        workdir.cleanup()

    print()
    bench_run.print_header()
    print(
        f"web load at N = {args.n:,} articles ({stories:,} stories), loopback, "
        f"load generator: {generator}, load average before: {load_before} on {os.cpu_count()} CPUs"
    )
    columns = (
        "wkrs",
        "conc",
        "reqs",
        "err",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "cpu ms",
        "load",
    )
    widths = (4, 4, 6, 4, 7, 7, 7, 7, 6, 5)
    header = f"{'endpoint':28} " + " ".join(
        f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)
    )
    print(header)
    print("-" * len(header))
    for results in by_workers.values():
        for r in results:
            print(
                f"{r['endpoint']:28} {r['workers']:>4} {r['concurrency']:>4} {r['requests']:>6} "
                f"{r['errors']:>4} {r['rps']:>7} {r['p50']:>7} {r['p95']:>7} {r['p99']:>7} "
                f"{r['server_cpu_ms_per_request']:>6} {r['load_average_1m']:>5}"
            )
    print(
        "cpu ms: server CPU (all its processes) per request; load: 1-minute load average after "
        f"the run.\ntargets: story page p95 < {TARGETS['story p95 ms']:.0f} ms, "
        f">= {TARGETS['requests/s']:.0f} req/s"
    )
    save_runs(
        bench_run,
        [
            {
                "n_articles": args.n,
                "stories": stories,
                "workers": workers,
                "generator": generator,
                "cpus": os.cpu_count(),
                "load_average_1m_before": load_before,
                "measured_at": datetime.now(UTC).isoformat(),
                "results": results,
            }
            for workers, results in by_workers.items()
        ],
    )


if __name__ == "__main__":
    main()
