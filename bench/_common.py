"""What every bench shares: gold data, folds, scores, timers and the results header.

- ``shared_data()``: the team's gold data (``$NEWSTRAIL_SHARED_DATA``, else
  ``../shared/data`` beside the clone, as ``tests/conftest.py`` finds it).
- ``fold_of(group, folds)``: a stable fold per group key (publisher, domain,
  story), so that one group never sits on both sides of a split.
- Scores: ``f1``, ``precision_recall_f1`` from counts, and B³ (``per_article_bcubed``,
  ``bcubed``) for the clustering benches.
- Timers: ``Stopwatch`` (wall and CPU seconds of a block), ``peak_rss_mib``.
- ``BenchRun``: the header (commit, machine, load average, date) that is
  printed above every table and written into every ``bench/results/*.json``,
  so a figure can be traced to the code and the machine state that produced it.

The quality gate (``tests/test_quality_gate.py``) scores with these same helpers.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import time
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"


# --- data ---------------------------------------------------------------------------


def shared_data() -> Path:
    """The team's gold data (``$NEWSTRAIL_SHARED_DATA`` or ``../shared/data`` beside the clone)."""
    configured = os.environ.get("NEWSTRAIL_SHARED_DATA")
    return Path(configured) if configured else ROOT.parent / "shared" / "data"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every record of a JSON-lines file, blank lines skipped."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


# --- folds --------------------------------------------------------------------------


def fold_of(group: str, folds: int) -> int:
    """The fold (0 … ``folds`` - 1) of a group key: its SHA-256 as an integer, mod ``folds``.

    Stable across runs, machines and Python versions (``hash()`` is salted per
    process). Callers pass the whole group's key (a story, publisher or
    domain), so that near-copies in one group cannot leak from tuning into scoring.
    """
    return int(hashlib.sha256(group.encode("utf-8")).hexdigest(), 16) % folds


# --- scores -------------------------------------------------------------------------


def f1(precision: float, recall: float) -> float:
    """Harmonic mean of precision and recall (0 when both are 0)."""
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def precision_recall_f1(
    true_positives: int, false_positives: int, false_negatives: int
) -> dict[str, float]:
    """Precision, recall and F1 from counts; an undefined ratio is 0.

    F1 is 2·TP / (2·TP + FP + FN), the harmonic mean of the two without the
    rounding of dividing twice.
    """
    tp, fp, fn = true_positives, false_positives, false_negatives
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
    }


# (B³ precision, B³ recall, members shared by the article's predicted and gold
# story, predicted story size, gold story size)
ArticleScore = tuple[float, float, int, int, int]


def per_article_bcubed(
    gold: Mapping[str, Hashable], predicted: Mapping[str, Hashable]
) -> dict[str, ArticleScore]:
    """B-cubed precision and recall of each gold article, and the counts behind them.

    The counts give held-out pairwise figures too (``bench.clustering.held_out_pairwise``).
    """
    gold_members: dict[Hashable, set[str]] = defaultdict(set)
    predicted_members: dict[Hashable, set[str]] = defaultdict(set)
    for article, story in gold.items():
        gold_members[story].add(article)
    for article, story in predicted.items():
        predicted_members[story].add(article)
    scores = {}
    for article in gold:
        cluster, truth = predicted_members[predicted[article]], gold_members[gold[article]]
        shared = len(cluster & truth)
        scores[article] = (
            shared / len(cluster),
            shared / len(truth),
            shared,
            len(cluster),
            len(truth),
        )
    return scores


def summarise_bcubed(
    scores: Mapping[str, ArticleScore], articles: Iterable[str]
) -> dict[str, float]:
    """B³ precision, recall and F1 over ``articles`` (means of their per-article scores)."""
    chosen = list(articles)
    precision = float(np.mean([scores[a][0] for a in chosen]))
    recall = float(np.mean([scores[a][1] for a in chosen]))
    return {"precision": precision, "recall": recall, "f1": f1(precision, recall)}


def bcubed(gold: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> dict[str, float]:
    """B³ precision, recall and F1 of a clustering against gold stories, over every gold article."""
    scores = per_article_bcubed(gold, predicted)
    return summarise_bcubed(scores, scores)


# --- timers -------------------------------------------------------------------------


class Stopwatch:
    """Wall and CPU seconds of the ``with`` block it times.

    CPU seconds (this process only) sit beside wall seconds because the bench
    machine is shared: wall time there mostly measures the neighbours.
    """

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0
        self._wall_start = 0.0
        self._cpu_start = 0.0

    def __enter__(self) -> Stopwatch:
        self._wall_start, self._cpu_start = time.perf_counter(), time.process_time()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.wall = time.perf_counter() - self._wall_start
        self.cpu = time.process_time() - self._cpu_start


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- results header -----------------------------------------------------------------


def _git(*arguments: str) -> str | None:
    """Output of a git command in the repository, or None without git or a repository."""
    try:
        completed = subprocess.run(
            ["git", "-C", str(ROOT), *arguments],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip()


def commit() -> tuple[str | None, bool | None]:
    """HEAD's hash and whether the working tree differs from it.

    What the benches write is left out of the dirty check (``bench/results/``,
    and the floors ``bench.quality`` moves): it changes no measured figure, and
    the second bench of ``make bench`` would otherwise always read dirty.
    """
    head = _git("rev-parse", "HEAD")
    status = _git(
        "status",
        "--porcelain",
        "--",
        ".",
        ":(exclude)bench/results",
        ":(exclude)tests/quality_baselines.json",
    )
    return head, None if status is None else bool(status)


def _load_average() -> list[float]:
    """1, 5 and 15-minute load averages, rounded for reading."""
    return [round(value, 2) for value in os.getloadavg()]


class BenchRun:
    """One run of a bench: the header of its report and its results file.

    Create it when the bench starts (the start load average is taken then);
    ``print_header()`` above the first table, ``write()`` at the end.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.started_at = datetime.now(UTC)
        self.load_average_start = _load_average()

    @property
    def path(self) -> Path:
        """Where the results go: ``bench/results/<name>.json``."""
        return RESULTS_DIR / f"{self.name}.json"

    def header(self) -> dict[str, Any]:
        """Commit, machine, load average at start and now, and dates (UTC)."""
        head, dirty = commit()
        return {
            "bench": f"bench.{self.name}",
            "commit": head,
            "dirty": dirty,
            "started_utc": self.started_at.isoformat(timespec="seconds"),
            "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "cpu_count": os.cpu_count(),
                "platform": platform.platform(),
                "python": f"{platform.python_implementation()} {platform.python_version()}",
            },
            "load_average": {"start": self.load_average_start, "end": _load_average()},
        }

    def print_header(self) -> None:
        """Two lines saying which code ran where, and how busy the machine was."""
        header = self.header()
        head = (header["commit"] or "unknown commit")[:12]
        dirty = " (dirty)" if header["dirty"] else ""
        machine = header["machine"]
        load = header["load_average"]
        print(
            f"{header['bench']} at {head}{dirty}, {header['started_utc']}; "
            f"{machine['platform']}, {machine['cpu_count']} CPUs, {machine['python']}"
        )
        line = f"load average (1/5/15 min) at start {'/'.join(map(str, load['start']))}"
        if datetime.now(UTC) - self.started_at > timedelta(seconds=1):
            line += f", now {'/'.join(map(str, load['end']))}"
        print(line)

    def write(self, results: Mapping[str, Any], path: Path | None = None) -> Path:
        """Write ``results`` under the header as JSON and say where."""
        target = path or self.path
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = {"header": self.header(), **results}
        target.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
        print(f"wrote {shown}")
        return target
