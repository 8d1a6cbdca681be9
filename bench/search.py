"""CPU per search: ``find()`` (count, facets, snippets) in-process, HEAD against a baseline.

The store is bench.web_load's synthetic archive (``--n`` articles, real texts
from ``shared/data/stories``; reused when ``--db`` already holds it), the
queries are web_load's: two topic words drawn with the same seed. Each round
runs every query once in a fresh interpreter for HEAD and for the baseline
(``--baseline``, default ``main``, extracted with ``git archive`` and put first
on ``PYTHONPATH``), alternating so both see the same machine load; the table
shows the median over rounds of CPU milliseconds per query (user + sys of the
process, after a warm-up of five queries), and where it goes for HEAD.

    python -m bench.search [--n 20000] [--rounds 5] [--baseline main]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench._common import BenchRun
from bench.startup import extract_source
from bench.web_load import endpoints, ensure_store

QUERIES = 60

# Run in the child interpreter: the CPU of ``find`` over the queries, per query.
CHILD = """
import json, resource, sys
from newstrail.store.database import Store
from newstrail.store.search import find
queries = json.loads(sys.argv[2])
store = Store(sys.argv[1])
for query in queries[:5]:
    find(store, query)
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
started = cpu()
hits = [find(store, query).total for query in queries]
print(json.dumps({"ms": (cpu() - started) / len(queries) * 1000, "hits": hits}))
"""


def queries() -> list[str]:
    """web_load's search requests as query text: two topic words each."""
    paths = endpoints(1, 1)["search"][:QUERIES]
    return [path.split("q=", 1)[1].replace("+", " ") for path in paths]


def run(db: Path, texts: list[str], source: Path | None) -> dict[str, Any]:
    """One pass over ``texts`` in a fresh interpreter (``source`` first on the path)."""
    env = {"PYTHONPATH": str(source)} if source else {}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), json.dumps(texts)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="articles in the store")
    parser.add_argument("--db", type=Path, help="store to build or reuse (default: temporary)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", default="main", help="git ref measured beside HEAD")
    args = parser.parse_args()
    bench = BenchRun("search")
    texts = queries()
    with tempfile.TemporaryDirectory(prefix="newstrail-search-") as tmp:
        db = args.db or Path(tmp) / "search.db"
        ensure_store(db, args.n)
        baseline_src = extract_source(args.baseline, Path(tmp) / "baseline")
        times: dict[str, list[float]] = {args.baseline: [], "HEAD": []}
        hits: dict[str, list[int]] = {}
        for _ in range(args.rounds):
            for code, source in ((args.baseline, baseline_src), ("HEAD", None)):
                result = run(db, texts, source)
                times[code].append(result["ms"])
                hits[code] = result["hits"]
    same = hits[args.baseline] == hits["HEAD"]
    bench.print_header()
    print(
        f"{len(texts)} two-word queries over {args.n:,} articles, median hits "
        f"{statistics.median(hits['HEAD']):.0f}; CPU ms per find(), median of {args.rounds} rounds"
    )
    print(f"{'code':<12}{'median':>8}{'min':>8}{'max':>8}")
    rows = []
    for code, values in times.items():
        row = {
            "code": code,
            "cpu_ms_median": round(statistics.median(values), 2),
            "cpu_ms_min": round(min(values), 2),
            "cpu_ms_max": round(max(values), 2),
        }
        rows.append(row)
        print(
            f"{code:<12}{row['cpu_ms_median']:>8.2f}{row['cpu_ms_min']:>8.2f}"
            f"{row['cpu_ms_max']:>8.2f}"
        )
    print(f"same hit counts for every query: {'yes' if same else 'NO'}")
    bench.write(
        {
            "n_articles": args.n,
            "queries": len(texts),
            "rounds": args.rounds,
            "rows": rows,
            "same_hit_counts": same,
        }
    )


if __name__ == "__main__":
    main()
