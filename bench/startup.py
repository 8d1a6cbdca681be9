"""How long ``newstrail`` takes before it does anything: ``--version``, ``--help``, listings.

Each command runs ``--runs`` times in a fresh interpreter (``python -m
newstrail``) on the sample store (the bundled corpus, imported once), after one
warm-up run that fills the page cache and migrates the store. The table shows
the median wall and CPU (user + sys of the child) seconds. The baseline is
measured in the same run, on the same machine state: ``python -c pass`` (the
interpreter alone) and the same commands run from the source tree of
``--baseline`` (default: ``main``), extracted with ``git archive`` into a
temporary folder and put first on ``PYTHONPATH``.

Targets: ``--version`` under 0.3 s and listing commands under 0.5 s (wall).
Wall time on the shared machine mostly measures the neighbours, so the CPU
column is the figure to compare across runs; both are written to
``bench/results/startup.json`` with the load average.

    python -m bench.startup [--runs 15] [--baseline main]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

from bench._common import ROOT, BenchRun

TARGETS = {"--version": 0.3, "--help": 0.5, "articles": 0.5, "stories": 0.5}
COMMANDS: dict[str, list[str]] = {
    "--version": ["--version"],
    "--help": ["--help"],
    "articles": ["articles"],
    "stories": ["stories"],
}
CORPUS = ROOT / "src" / "newstrail" / "demo" / "corpus"


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall and CPU seconds of one run of ``argv``, and its exit status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def measure(argv: list[str], env: dict[str, str], runs: int) -> dict[str, Any]:
    """Median wall and CPU seconds over ``runs`` runs, after one warm-up."""
    _, _, status = timed(argv, env)
    if status != 0:
        raise SystemExit(f"{' '.join(argv)} exited {status}")
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu, _ = timed(argv, env)
        walls.append(wall)
        cpus.append(cpu)
    return {
        "wall_median_s": round(statistics.median(walls), 3),
        "wall_min_s": round(min(walls), 3),
        "cpu_median_s": round(statistics.median(cpus), 3),
    }


def extract_source(ref: str, into: Path) -> Path:
    """The ``src`` tree of git ``ref``, extracted under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "src"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def environment(source: Path | None, db: Path) -> dict[str, str]:
    """The environment a run gets: the store, and the baseline's source first when given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSTRAIL_")}
    env["NEWSTRAIL_DB"] = str(db)
    env["COLUMNS"] = "120"
    if source is not None:
        env["PYTHONPATH"] = str(source)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--baseline", default="main", help="git ref measured beside HEAD")
    args = parser.parse_args()
    bench = BenchRun("startup")
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="newstrail-startup-") as tmp:
        work = Path(tmp)
        baseline_src = extract_source(args.baseline, work / "baseline")
        # The sample store is made by the baseline's code, so the baseline can
        # read it; HEAD reads a copy, migrated forward by its warm-up run.
        baseline_db, head_db = work / "baseline.db", work / "head.db"
        subprocess.run(
            [python, "-m", "newstrail", "-q", "import", str(CORPUS)],
            env=environment(baseline_src, baseline_db),
            check=True,
            capture_output=True,
        )
        shutil.copy(baseline_db, head_db)
        rows: list[dict[str, Any]] = []
        interpreter = measure([python, "-c", "pass"], environment(None, head_db), args.runs)
        rows.append({"command": "python -c pass", "code": "-", **interpreter})
        for name, command in COMMANDS.items():
            for code, source, db in (
                (args.baseline, baseline_src, baseline_db),
                ("HEAD", None, head_db),
            ):
                argv = [python, "-m", "newstrail", *command]
                rows.append(
                    {
                        "command": name,
                        "code": code,
                        **measure(argv, environment(source, db), args.runs),
                    }
                )
    bench.print_header()
    print(f"median of {args.runs} runs each (after one warm-up); seconds")
    print(f"{'command':<16}{'code':<10}{'wall':>8}{'min':>8}{'cpu':>8}{'target':>8}  ok")
    for row in rows:
        target = TARGETS.get(row["command"])
        ok = (
            ""
            if target is None or row["code"] != "HEAD"
            else ("yes" if row["wall_median_s"] < target else "NO")
        )
        print(
            f"{row['command']:<16}{row['code']:<10}{row['wall_median_s']:>8.3f}"
            f"{row['wall_min_s']:>8.3f}{row['cpu_median_s']:>8.3f}"
            f"{'' if target is None else f'{target:.1f}':>8}  {ok}"
        )
    bench.write({"runs_per_command": args.runs, "targets_s": TARGETS, "rows": rows})


if __name__ == "__main__":
    main()
