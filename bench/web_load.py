"""Load-test the web app: story pages, article pages and search under concurrent requests.

Builds a SQLite store of N synthetic articles (real texts from
``shared/data/stories/*.jsonl``, written with bulk inserts, not the importer),
starts uvicorn on 127.0.0.1 in a separate process, then drives it with an
httpx async load generator, bounded in request count and time per endpoint.
Reports p50/p95/p99 latency and requests/s per endpoint, beside a static-file
baseline that measures the server and load generator alone.

    .venv/bin/python bench/web_load.py                 # quick: 2,000 articles
    .venv/bin/python bench/web_load.py --n 1000000     # the full run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
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

from newstrail import schema
from newstrail.search import rebuild_index
from newstrail.store import Store, text_sha256

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "web_load.json"
SHARED = Path(os.environ.get("NEWSTRAIL_SHARED_DATA", ROOT.parent / "shared" / "data"))
TARGETS = {"story p95 ms": 50.0, "requests/s": 500.0}
ARTICLES_PER_STORY = 8
BATCH = 5_000
QUOTE = re.compile(r"[“\"]([^”\"]{20,200})[”\"]")
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def load_texts() -> list[dict[str, Any]]:
    """The real articles the synthetic archive is made from."""
    records = []
    for path in sorted((SHARED / "stories").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("text") and len(record["text"]) > 200:
                records.append(record)
    if not records:
        sys.exit(f"no texts found under {SHARED / 'stories'}")
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
                        "first_seen": seen,
                        "last_seen": seen + timedelta(hours=8),
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
                            {"article_id": article_id, "source": record.get("source"), "score": 1.0}
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


def serve(db: str, port: int) -> None:
    """Run the app (this is the server subprocess)."""
    import uvicorn

    from newstrail.settings import Settings
    from newstrail.web import create_app

    uvicorn.run(
        create_app(Store(db), Settings()),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )


async def drive(
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


def save_run(run: dict[str, Any]) -> None:
    """Keep one run per (N, index) setting in the results file, replacing an older one."""
    runs: list[dict[str, Any]] = []
    if RESULTS.is_file():
        runs = json.loads(RESULTS.read_text()).get("runs", [])
    key = (run["n_articles"], run["quote_group_index"])
    runs = [r for r in runs if (r["n_articles"], r["quote_group_index"]) != key] + [run]
    runs.sort(key=lambda r: (r["n_articles"], r["quote_group_index"]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"targets": TARGETS, "runs": runs}, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2_000, help="articles in the store")
    parser.add_argument("--requests", type=int, default=2_000, help="most requests per endpoint")
    parser.add_argument("--seconds", type=float, default=15.0, help="most seconds per endpoint")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    parser.add_argument(
        "--quote-group-index",
        action="store_true",
        help="add the index on quotes.group_id proposed for the schema (get_story reads "
        "quotes by group; without it each read scans the quotes table)",
    )
    parser.add_argument(
        "--db", type=Path, help="reuse or build the store here (default: a temp file)"
    )
    parser.add_argument("--serve", nargs=2, metavar=("DB", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return

    workdir = tempfile.TemporaryDirectory(prefix="web_load_")
    db = args.db or Path(workdir.name) / "bench.db"
    store = Store(db)
    with store.read() as connection:
        existing = connection.execute(
            sa.select(sa.func.count()).select_from(schema.articles)
        ).scalar_one()
    store.close()
    if existing != args.n:
        if existing:
            sys.exit(f"{db} holds {existing:,} articles, not {args.n:,}; pick another --db")
        print(f"building a store of {args.n:,} articles at {db}")
        build_store(db, args.n).close()
    if args.quote_group_index:
        with Store(db).write() as connection:
            connection.execute(
                sa.text("CREATE INDEX IF NOT EXISTS ix_quotes_group ON quotes (group_id)")
            )
    stories = (args.n + ARTICLES_PER_STORY - 1) // ARTICLES_PER_STORY
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
    endpoints = {
        "baseline /static/style.css": ["/static/style.css"],
        # 500 stories revisited: mostly served from the page cache after the first pass.
        "story page": [f"/stories/{rng.randint(1, stories)}" for _ in range(500)],
        # A different story on (almost) every request: get_story runs each time.
        "story page, uncached": [
            f"/stories/{i}" for i in rng.sample(range(1, stories + 1), min(stories, 20_000))
        ],
        "article page": [f"/articles/{rng.randint(1, args.n)}" for _ in range(500)],
        "search": [f"/search?q={rng.choice(words)}+{rng.choice(words)}" for _ in range(200)],
    }

    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(db), str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/static/style.css", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        results: list[dict[str, Any]] = []
        for concurrency in args.concurrency:
            for name, paths in endpoints.items():
                asyncio.run(drive(base, paths, concurrency, min(100, args.requests), 5))  # warm up
                measured = asyncio.run(drive(base, paths, concurrency, args.requests, args.seconds))
                results.append({"endpoint": name, "concurrency": concurrency, **measured})
    finally:
        server.terminate()
        server.wait(timeout=10)
        workdir.cleanup()

    index_note = "with" if args.quote_group_index else "without"
    print(
        f"\nweb load at N = {args.n:,} articles ({stories:,} stories), uvicorn 1 process, "
        f"loopback, {index_note} an index on quotes.group_id"
    )
    columns = ("conc", "reqs", "err", "req/s", "p50 ms", "p95 ms", "p99 ms")
    widths = (4, 6, 4, 7, 7, 7, 7)
    header = f"{'endpoint':28} " + " ".join(
        f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['endpoint']:28} {r['concurrency']:>4} {r['requests']:>6} {r['errors']:>4} "
            f"{r['rps']:>7} {r['p50']:>7} {r['p95']:>7} {r['p99']:>7}"
        )
    print(
        f"targets: story page p95 < {TARGETS['story p95 ms']:.0f} ms, "
        f">= {TARGETS['requests/s']:.0f} req/s"
    )
    run = {
        "n_articles": args.n,
        "quote_group_index": args.quote_group_index,
        "stories": stories,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "measured_at": datetime.now(UTC).isoformat(),
        "results": results,
    }
    save_run(run)
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
