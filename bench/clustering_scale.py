"""Story clustering at scale: throughput, peak memory and per-article cost up to 1M articles.

The stream is synthetic but made of real text: each synthetic story draws 8
random sentences of the real articles in data/stories/ (~16k sentences), adds a
story-specific name and figure (so stories sharing a sentence are still
different events), and each member article is a random subset of the story's
sentences. Stories start every day and publish for up to three days, so the
number of active stories stays level and the cost per article should too.

The stream runs through ``StoryClusterer.place_all`` as ``newstrail cluster``
runs it: a worker process tokenises ahead while this process generates the
stream and places the articles (``--workers 0`` keeps everything in one
process). Throughput is wall time over the whole run, stream included; this
process's CPU time per article is reported beside it, because it is the
sequential part that bounds throughput and because wall time on a shared
machine measures the neighbours too. The stream is generated lazily rather
than pre-built, so that peak memory stays the clusterer's at 1M articles;
building it costs ~15 µs an article.

Run: ``.venv/bin/python -m bench.clustering_scale --n 100000`` (checkpoints at
10k, 100k, 1M when reached) → table + bench/results/clustering_scale.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bench._common import BenchRun, bcubed, peak_rss_mib, shared_data
from newstrail.stories.clustering import ClusterArticle, StoryClusterer

CHECKPOINTS = (10_000, 100_000, 1_000_000)
ARTICLES_PER_STORY = 6  # mean; actual sizes are 1..11
STORIES_PER_DAY = 150  # ~900 articles a day: a large aggregator's English intake
COST_WINDOW = 5_000  # articles timed just before each checkpoint
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_SYLLABLES = ("ka", "lo", "mir", "zan", "tor", "vel", "qui", "dra", "nes", "bor", "xi", "ul")


def source_sentences() -> list[str]:
    """Every sentence (over 30 characters) of the real articles in data/stories/."""
    sentences = []
    for path in sorted((shared_data() / "stories").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            sentences.extend(s for s in _SENTENCE.split(text) if len(s) > 30)
    return sentences


def made_up_name(rng: random.Random) -> str:
    """A capitalised two-word name no real article contains."""

    def word() -> str:
        return "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()

    return f"{word()} {word()}"


def synthetic_stream(n: int, seed: int = 7) -> Iterator[tuple[ClusterArticle, int]]:
    """``n`` (article, gold story) pairs in date order."""
    rng = random.Random(seed)
    sources = source_sentences()
    start = datetime(2020, 1, 1, tzinfo=UTC)
    pending: dict[int, list[tuple[float, ClusterArticle, int]]] = defaultdict(list)
    emitted, story_id, day = 0, 0, 0
    while emitted < n:
        for _ in range(STORIES_PER_DAY):
            story_id += 1
            name, figure = made_up_name(rng), rng.randint(11, 9_999)
            sentences = rng.sample(sources, 8)
            sentences.insert(0, f"{name} was at the centre of events involving {figure} people.")
            for member in range(rng.randint(1, 2 * ARTICLES_PER_STORY - 1)):
                kept = [s for s in sentences[1:] if rng.random() < 0.7] or sentences[1:2]
                body = " ".join([sentences[0], *kept])
                offset = rng.random() * min(3.0, 0.5 * member)
                article = ClusterArticle(
                    id=f"s{story_id}-{member}",
                    title=f"{name}: {kept[0][:80]}",
                    text=body,
                    date=start + timedelta(days=day + offset),
                )
                pending[day + int(offset)].append((offset, article, story_id))
        for offset, article, gold in sorted(pending.pop(day), key=lambda item: item[0]):
            del offset
            yield article, gold
            emitted += 1
            if emitted >= n:
                return
        day += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="articles in the stream")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="tokenising processes beside the clusterer (0: all in one process)",
    )
    args = parser.parse_args()
    run = BenchRun("clustering_scale")
    run.print_header()  # above the rows printed as each checkpoint is reached

    clusterer = StoryClusterer()
    checkpoints = [c for c in CHECKPOINTS if c <= args.n] or [args.n]
    rows: list[dict[str, Any]] = []
    gold_of: dict[str, int] = {}

    def articles() -> Iterator[ClusterArticle]:
        for article, gold in synthetic_stream(args.n):
            gold_of[article.id] = gold
            yield article

    # Wall time is the throughput (the stream is generated and placed in this
    # process while the worker tokenises); this process's CPU time beside it
    # shows what the sequential part costs, which bounds the throughput on an
    # idle machine and is what neighbours' load cannot inflate much.
    wall_started, cpu_started = time.perf_counter(), time.process_time()
    window_wall = window_cpu = 0.0
    for count, _ in enumerate(clusterer.place_all(articles(), workers=args.workers), start=1):
        next_checkpoint = next((c for c in checkpoints if c >= count), None)
        if next_checkpoint is not None and count == next_checkpoint - COST_WINDOW:
            window_wall, window_cpu = time.perf_counter(), time.process_time()
        if count in checkpoints:
            wall, cpu = time.perf_counter(), time.process_time()
            window = min(COST_WINDOW, count)
            if count <= COST_WINDOW:
                window_wall, window_cpu = wall_started, cpu_started
            rows.append(
                {
                    "articles": count,
                    "articles_per_second": count / (wall - wall_started),
                    "main_cpu_microseconds_per_article": 1e6 * (cpu - cpu_started) / count,
                    "microseconds_per_article_recent": 1e6 * (wall - window_wall) / window,
                    "main_cpu_microseconds_per_article_recent": 1e6 * (cpu - window_cpu) / window,
                    "peak_rss_mb": peak_rss_mib(),
                }
            )
            print(
                f"{count:>9,} articles: {rows[-1]['articles_per_second']:7.0f} art/s; "
                f"last {window:,}: {rows[-1]['microseconds_per_article_recent']:4.0f} µs/article "
                f"({rows[-1]['main_cpu_microseconds_per_article_recent']:.0f} µs CPU in the "
                f"main process); peak RSS {rows[-1]['peak_rss_mb']:5.0f} MB",
                flush=True,
            )
    stories = clusterer.stories()
    predicted = {a: s for s, members in stories.items() for a in members}
    synthetic_bcubed = bcubed(gold_of, predicted)
    precision, recall = synthetic_bcubed["precision"], synthetic_bcubed["recall"]
    bcubed_f1 = synthetic_bcubed["f1"]
    # CPU, not wall time: on the shared machine wall time per article tracks the
    # neighbours' load (a 100k run under load showed 582 → 2,049 µs wall).
    flatness = (
        rows[-1]["main_cpu_microseconds_per_article_recent"]
        / rows[0]["main_cpu_microseconds_per_article_recent"]
    )
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"B³ on the synthetic stream: P {precision:.3f} R {recall:.3f} F1 {bcubed_f1:.3f}; "
        f"CPU cost per article, last/first checkpoint {flatness:.2f}; "
        f"tokenising worker peak RSS {worker_peak:.0f} MB"
    )
    result = {
        "n": args.n,
        "workers": args.workers,
        "checkpoints": rows,
        "worker_peak_rss_mb": worker_peak,
        "cost_ratio_last_to_first": flatness,
        "synthetic_bcubed": synthetic_bcubed,
        "stories": len(stories),
        "gold_stories": len(set(gold_of.values())),
        "cpu_count": os.cpu_count(),
    }
    run.write(result)


if __name__ == "__main__":
    main()
