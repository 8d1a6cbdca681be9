"""Story clustering quality: B-cubed and pairwise P/R/F1 on the gold story sets.

Each dataset (ecbplus, basil, allsides; see data/stories/PROVENANCE.md) is
clustered as its own stream, and all three together as one pooled stream. The
headline numbers are cross-validated by story group: gold groups (ECB+ topics,
BASIL triplets, AllSides roundups) are hashed into 5 folds; for each fold the
settings are chosen on the other folds from a small grid and scored on the
held-out fold, so the figure estimates unseen stories. A plain TF-IDF
single-pass baseline (cosine to cluster centroids, fixed threshold, tuned the
same way) is measured in the same run.

Run: ``.venv/bin/python -m bench.clustering`` → table + bench/results/clustering.json
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bench._common import (
    ArticleScore,
    BenchRun,
    Stopwatch,
    f1,
    fold_of,
    per_article_bcubed,
    read_jsonl,
    shared_data,
    summarise_bcubed,
)
from newstrail.stories.clustering import ClusterSettings, cluster_records

DATASETS = ("ecbplus", "basil", "allsides")
FOLDS = 5
# The grid searched inside each cross-validation fold (around the defaults).
GRID: dict[str, Sequence[float]] = {
    "join_threshold": (0.20, 0.22, 0.24),
    "time_bonus": (0.20, 0.25, 0.30),
    "entity_weight": (0.4, 0.5, 0.6),
    "year_mismatch_factor": (0.5, 0.7, 1.0),
    "bisect_threshold": (0.34, 0.38, 0.42),
}
# Settings that cannot change a dataset's clustering, so its runs are shared
# across their grid values: the closeness bonus needs dates, and the year
# mismatch needs an undated side (see ``story.year_factor``).
NEEDS_DATES = ("time_bonus",)
NEEDS_UNDATED = ("year_mismatch_factor",)
BASELINE_THRESHOLDS = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)

Records = list[dict[str, Any]]
Assignment = dict[str, str]


def load(dataset: str) -> Records:
    """One gold story set's records (``shared/data/stories/<dataset>.jsonl``)."""
    return read_jsonl(shared_data() / "stories" / f"{dataset}.jsonl")


def story_fold(record: dict[str, Any]) -> int:
    """Fold by whole story group: an ECB+ topic's two events share a fold."""
    group = record.get("topic_id") or record["story_id"]
    return fold_of(f"{record['dataset']}:{group}", FOLDS)


def without_gold(records: Records) -> Records:
    """Records stripped to what a clusterer may read."""
    keep = ("id", "title", "text", "date", "source", "url", "lang")
    return [{key: record.get(key) for key in keep} for record in records]


def held_out_pairwise(scores: dict[str, ArticleScore]) -> dict[str, float]:
    """Pairwise P/R/F1 over the links from each held-out article to any other article.

    Each held-out article's links are counted in the run chosen for its fold;
    a link to an article of another fold counts against precision, as in B³.
    """
    both = sum(shared - 1 for _, _, shared, _, _ in scores.values())
    predicted = sum(cluster - 1 for _, _, _, cluster, _ in scores.values())
    gold = sum(truth - 1 for _, _, _, _, truth in scores.values())
    precision = both / predicted if predicted else 1.0
    recall = both / gold if gold else 1.0
    return {"precision": precision, "recall": recall, "f1": f1(precision, recall)}


def pairwise(gold: Assignment, predicted: dict[str, int]) -> dict[str, float]:
    """Pairwise (same-story link) precision, recall and F1."""

    def pairs(counts: Counter[Any]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    both = pairs(Counter((predicted[a], gold[a]) for a in gold))
    predicted_pairs, gold_pairs = pairs(Counter(predicted.values())), pairs(Counter(gold.values()))
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / gold_pairs if gold_pairs else 1.0
    return {"precision": precision, "recall": recall, "f1": f1(precision, recall)}


def baseline_cluster(records: Records, threshold: float) -> dict[str, int]:
    """Plain TF-IDF single pass: join the closest centroid if cosine ≥ threshold."""
    ordered = sorted(records, key=lambda r: r.get("date") or "")
    texts = [f"{r.get('title') or ''}\n{r.get('text') or ''}" for r in ordered]
    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    dense = matrix.toarray()
    centroids: list[np.ndarray] = []
    assignment: dict[str, int] = {}
    for record, vector in zip(ordered, dense, strict=True):
        best, best_score = -1, -1.0
        if centroids:
            stacked = np.vstack(centroids)
            norms = np.linalg.norm(stacked, axis=1) + 1e-12
            similarities = stacked @ vector / norms
            best = int(np.argmax(similarities))
            best_score = float(similarities[best])
        if best >= 0 and best_score >= threshold:
            centroids[best] = centroids[best] + vector
        else:
            centroids.append(vector.copy())
            best = len(centroids) - 1
        assignment[record["id"]] = best
    return assignment


def per_fold_f1(
    runs: dict[Any, dict[str, dict[str, ArticleScore]]],
    chosen: Sequence[Any],
    folds: dict[str, dict[str, int]],
) -> list[float]:
    """Held-out B³ F1 of each fold on its own (all sets pooled), to see the spread."""
    scores = []
    for fold, setting in enumerate(chosen):
        pooled = {
            f"{dataset}/{article}": per_article[article]
            for dataset, per_article in runs[setting].items()
            for article, k in folds[dataset].items()
            if k == fold
        }
        scores.append(summarise_bcubed(pooled, list(pooled))["f1"])
    return scores


def cross_validate(
    runs: dict[Any, dict[str, dict[str, ArticleScore]]],
    folds: dict[str, dict[str, int]],
) -> tuple[dict[str, dict[str, Any]], list[Any]]:
    """Pick a setting per held-out fold on the other folds; score held-out articles.

    Args:
        runs: setting → dataset → article → (B³ precision, recall).
        folds: dataset → article → fold.

    Returns:
        Held-out B³ (with the held-out pairwise figures under "pairwise") per
        dataset and "overall" (micro over articles), and the setting chosen
        for each fold.
    """
    held_out: dict[str, dict[str, ArticleScore]] = {d: {} for d in folds}
    chosen = []
    for fold in range(FOLDS):

        def training_score(setting: Any, fold: int = fold) -> float:
            per_dataset = []
            for dataset, scores in runs[setting].items():
                train = [a for a, k in folds[dataset].items() if k != fold]
                per_dataset.append(summarise_bcubed(scores, train)["f1"])
            # Mean of per-dataset F1 so the large AllSides set cannot drown ECB+.
            return float(np.mean(per_dataset))

        best = max(runs, key=training_score)
        chosen.append(best)
        for dataset, scores in runs[best].items():
            for article, k in folds[dataset].items():
                if k == fold:
                    held_out[dataset][article] = scores[article]
    pooled = {f"{d}/{a}": v for d, s in held_out.items() for a, v in s.items()}
    result: dict[str, dict[str, Any]] = {}
    for name, scores in (*held_out.items(), ("overall", pooled)):
        result[name] = {
            **summarise_bcubed(scores, list(scores)),
            "pairwise": held_out_pairwise(scores),
        }
    return result, chosen


def fit_defaults(data: dict[str, Records]) -> tuple[dict[str, Any], float]:
    """In-sample scores of the shipped defaults on each gold set and on all of them pooled.

    Args:
        data: gold set name → its records (the clusterer sees them without gold fields).

    Returns:
        Per set (and "pooled_stream") B³ and pairwise scores, with story counts
        and articles/s per set; and the articles/s over the sets together.
    """
    defaults = ClusterSettings()
    gold = {d: {r["id"]: r["story_id"] for r in records} for d, records in data.items()}
    clean = {d: without_gold(records) for d, records in data.items()}
    fit: dict[str, Any] = {}
    total_articles, total_seconds = 0, 0.0
    for d in data:
        with Stopwatch() as watch:
            predicted = dict(cluster_records(clean[d], defaults))
        seconds = watch.wall
        total_articles += len(clean[d])
        total_seconds += seconds
        scores = per_article_bcubed(gold[d], predicted)
        fit[d] = {
            "bcubed": summarise_bcubed(scores, list(scores)),
            "pairwise": pairwise(gold[d], predicted),
            "stories": len(set(predicted.values())),
            "gold_stories": len(set(gold[d].values())),
            "articles_per_second": len(clean[d]) / seconds,
        }
    pooled_records = [r for d in data for r in clean[d]]
    pooled_gold = {a: s for d in data for a, s in gold[d].items()}
    pooled_predicted = dict(cluster_records(pooled_records, defaults))
    pooled_scores = per_article_bcubed(pooled_gold, pooled_predicted)
    fit["pooled_stream"] = {
        "bcubed": summarise_bcubed(pooled_scores, list(pooled_scores)),
        "pairwise": pairwise(pooled_gold, pooled_predicted),
    }
    return fit, total_articles / total_seconds


def main() -> None:
    """Cross-validate ours and the baseline, measure the defaults; print and write the results."""
    run = BenchRun("clustering")
    data = {d: load(d) for d in DATASETS}
    gold = {d: {r["id"]: r["story_id"] for r in records} for d, records in data.items()}
    folds = {d: {r["id"]: story_fold(r) for r in records} for d, records in data.items()}
    clean = {d: without_gold(records) for d, records in data.items()}
    defaults = ClusterSettings()

    # Ours: one stream per dataset for every grid point (shared across the
    # values of settings that cannot affect that dataset).
    ignored = {
        d: (NEEDS_DATES if not any(r.get("date") for r in records) else ())
        + (NEEDS_UNDATED if all(r.get("date") for r in records) else ())
        for d, records in clean.items()
    }
    runs: dict[Any, dict[str, dict[str, ArticleScore]]] = {}
    done: dict[tuple[str, tuple[tuple[str, float], ...]], dict[str, ArticleScore]] = {}
    keys = list(GRID)
    for values in itertools.product(*GRID.values()):
        runs[values] = {}
        for d in DATASETS:
            point = tuple(
                (key, value)
                for key, value in zip(keys, values, strict=True)
                if key not in ignored[d]
            )
            if (d, point) not in done:
                settings = replace(defaults, **dict(point))
                done[d, point] = per_article_bcubed(
                    gold[d], dict(cluster_records(clean[d], settings))
                )
            runs[values][d] = done[d, point]
    ours_cv, ours_chosen = cross_validate(runs, folds)

    baseline_runs = {
        threshold: {
            d: per_article_bcubed(gold[d], baseline_cluster(clean[d], threshold)) for d in DATASETS
        }
        for threshold in BASELINE_THRESHOLDS
    }
    baseline_cv, baseline_chosen = cross_validate(baseline_runs, folds)

    fit, articles_per_second = fit_defaults(data)
    baseline_best = baseline_chosen[0]
    baseline_fit = {}
    for d in DATASETS:
        predicted = baseline_cluster(clean[d], baseline_best)
        scores = per_article_bcubed(gold[d], predicted)
        baseline_fit[d] = {
            "bcubed": summarise_bcubed(scores, list(scores)),
            "pairwise": pairwise(gold[d], predicted),
        }

    run.print_header()
    print(f"Story clustering, B³ cross-validated by story group ({FOLDS} folds, held-out scores)")
    print(
        f"{'set':<10} {'ours P':>7} {'R':>6} {'F1':>6} {'pair F1':>8}   "
        f"{'baseline P':>10} {'R':>6} {'F1':>6} {'pair F1':>8}"
    )
    for name in (*DATASETS, "overall"):
        o, b = ours_cv[name], baseline_cv[name]
        print(
            f"{name:<10} {o['precision']:7.3f} {o['recall']:6.3f} {o['f1']:6.3f} "
            f"{o['pairwise']['f1']:8.3f}   {b['precision']:10.3f} {b['recall']:6.3f} "
            f"{b['f1']:6.3f} {b['pairwise']['f1']:8.3f}"
        )
    print("\nShipped defaults, in-sample (B³ F1 / pairwise F1 / stories found vs gold / art/s)")
    for d in DATASETS:
        row = fit[d]
        print(
            f"{d:<10} {row['bcubed']['f1']:.3f} / {row['pairwise']['f1']:.3f} / "
            f"{row['stories']} vs {row['gold_stories']} / {row['articles_per_second']:.0f}"
        )
    pooled = fit["pooled_stream"]
    print(
        f"{'pooled':<10} {pooled['bcubed']['f1']:.3f} / {pooled['pairwise']['f1']:.3f}"
        "  (all three sets in one stream)"
    )
    print(f"throughput: {articles_per_second:.0f} articles/s")

    result = {
        "cross_validated": {"ours": ours_cv, "baseline_tfidf_single_pass": baseline_cv},
        "chosen_per_fold": {
            "ours": [dict(zip(keys, c, strict=True)) for c in ours_chosen],
            "baseline_threshold": baseline_chosen,
        },
        "grid": {k: list(v) for k, v in GRID.items()},
        "defaults": asdict(defaults),
        "fit_defaults": fit,
        "baseline_fit": {"threshold": baseline_best, **baseline_fit},
        "articles_per_second": articles_per_second,
    }
    print()
    run.write(result)


if __name__ == "__main__":
    main()
