"""Benchmark reused passages, sentence support and cited summaries.

Five parts, one table each, all written to ``bench/results/reuse.json``:

1. MSRP paraphrase pairs (``shared/data/reuse/msrp``): accuracy and F1 of the
   lexical support similarity (``coverage.paired_similarity``) beside the word
   TF-IDF baseline and, with the semantic extra, of the model's cosine, its blend
   with the lexical similarity (shipped before) and its word-piece alignment
   (shipped now); thresholds chosen by 10-fold cross-validation (never on the
   fold scored).
2. Passages planted into real articles (``shared/data/stories``) with light rewording:
   detection recall, character-level boundary precision/recall, and the recall of
   archive-wide candidates from ``PassageIndex``.
3. Summary faithfulness over the stories with two or more articles: the share of
   citations whose cited article really contains a supporting sentence, by the
   support function and by a stricter lexical check, and time per story.
4. MSRP pairs planted one sentence per outlet into real two-outlet stories: the
   share judged right (paraphrase: exclusive to neither; non-paraphrase: to both).
5. CPU cost of a story's support matrix, lexical and semantic.

Run: ``.venv/bin/python -m bench.reuse`` (``--parts msrp support_cost`` for some).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rich.console import Console
from rich.table import Table
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bench._common import BenchRun, Stopwatch, precision_recall_f1, shared_data
from newstrail.coverage import exclusives as coverage
from newstrail.coverage.exclusives import (
    exclusive_content,
    paired_similarity,
    supporting_articles,
)
from newstrail.coverage.reuse import PassageIndex, StoryArticle, find_passages
from newstrail.coverage.summary import summarise_story
from newstrail.text.sentences import sentence_spans

FOLDS = 10
SEED = 20240611
PLANTS = 200
# Planted passages are at least twice the 50-character minimum alignment, so a
# reworded word cannot push a plant below what find_passages reports by design.
MIN_PLANT_CHARS = 100
# exclusive_content runs spaCy NER; timing a sample keeps the bench short.
EXCLUSIVE_TIMED_STORIES = 40
# Stories whose support matrix is timed (the largest: the cost grows with sentences squared).
SUPPORT_COST_STORIES = 20
# Two-outlet stories that host the planted MSRP pairs (each hosts 500 / this many).
PLANTED_HOSTS = 50
# The semantic support shipped before the word-piece alignment: an even blend of the
# model's cosine and the lexical similarity, supporting at 0.565. Kept here as the
# baseline the alignment is measured against, in the same run.
PREVIOUS_SEMANTIC_WEIGHT = 0.5
PREVIOUS_SEMANTIC_THRESHOLD = 0.565
FILLERS = ("also", "now", "reportedly", "still", "then", "just", "indeed", "however")
WORD = re.compile(r"\w+")


# --- 1. MSRP ---------------------------------------------------------------------------


def load_msrp() -> tuple[list[str], list[str], NDArray[np.int64]]:
    """The MSRP pairs available locally (the validation split; TSV with a BOM)."""
    path = shared_data() / "reuse" / "msrp" / "msr-para-val.tsv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    return [r[3] for r in rows], [r[4] for r in rows], np.array([int(r[0]) for r in rows])


def baseline_similarity(left: Sequence[str], right: Sequence[str]) -> NDArray[np.float64]:
    """brmson's termfreq TF-IDF baseline: word TF-IDF cosine, IDF fitted on all sentences."""
    vectorizer = TfidfVectorizer().fit([*left, *right])
    product = vectorizer.transform(left).multiply(vectorizer.transform(right))
    return np.asarray(product.sum(axis=1)).ravel()


def best_threshold(scores: NDArray[np.float64], labels: NDArray[np.int64]) -> float:
    """The threshold maximising accuracy on ``scores`` (midpoint between neighbours)."""
    ordered = np.unique(scores)
    candidates = np.concatenate([[0.0], (ordered[:-1] + ordered[1:]) / 2, [1.0]])
    accuracies = [((scores >= t) == labels).mean() for t in candidates]
    return float(candidates[int(np.argmax(accuracies))])


def cross_validated(
    scores: NDArray[np.float64], labels: NDArray[np.int64]
) -> tuple[float, float, list[float]]:
    """Accuracy and F1 with thresholds chosen on the other folds; the per-fold thresholds."""
    predicted = np.zeros(len(labels), dtype=np.int64)
    thresholds = []
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(scores, labels):
        threshold = best_threshold(scores[train], labels[train])
        thresholds.append(threshold)
        predicted[test] = scores[test] >= threshold
    return (*accuracy_f1(predicted, labels), thresholds)


def weight_cross_validated(
    left: Sequence[str], right: Sequence[str], labels: NDArray[np.int64]
) -> tuple[float, float, list[float]]:
    """Accuracy and F1 when the word/character weight is also chosen on the other folds."""
    grid = [round(0.1 * step, 1) for step in range(11)]
    scores = {weight: paired_similarity(left, right, word_weight=weight) for weight in grid}
    return choose_on_other_folds(scores, labels)


def choose_on_other_folds(
    scores: dict[float, NDArray[np.float64]], labels: NDArray[np.int64]
) -> tuple[float, float, list[float]]:
    """Accuracy and F1 when a weight (the key of ``scores``) and its threshold are
    chosen on the other folds, with the weight chosen in each fold."""
    predicted = np.zeros(len(labels), dtype=np.int64)
    chosen = []
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(labels, labels):
        fits = []
        for weight, values in scores.items():
            threshold = best_threshold(values[train], labels[train])
            accuracy = ((values[train] >= threshold) == labels[train]).mean()
            fits.append((accuracy, weight, threshold))
        _, weight, threshold = max(fits)
        chosen.append(weight)
        predicted[test] = scores[weight][test] >= threshold
    return (*accuracy_f1(predicted, labels), chosen)


def accuracy_f1(predicted: NDArray[np.int64], labels: NDArray[np.int64]) -> tuple[float, float]:
    """Accuracy and F1 of the positive class."""
    true_positives = int(((predicted == 1) & (labels == 1)).sum())
    false_positives = int(((predicted == 1) & (labels == 0)).sum())
    false_negatives = int(((predicted == 0) & (labels == 1)).sum())
    scores = precision_recall_f1(true_positives, false_positives, false_negatives)
    return float((predicted == labels).mean()), scores["f1"]


def bench_msrp() -> dict[str, Any]:
    """Score the baseline, ours, and ours with the shipped threshold, on MSRP."""
    left, right, labels = load_msrp()
    results: dict[str, Any] = {"pairs": len(labels), "positive_share": float(labels.mean())}
    with Stopwatch() as watch:
        paired_similarity(left, right)
    results["lexical_cpu_ms_per_pair"] = 1000 * watch.cpu / len(left)
    always = accuracy_f1(np.ones_like(labels), labels)
    results["always_1"] = {"accuracy": always[0], "f1": always[1]}
    for name, scores in (
        ("tfidf_baseline", baseline_similarity(left, right)),
        ("support_similarity", paired_similarity(left, right)),
    ):
        accuracy, f1, thresholds = cross_validated(scores, labels)
        results[name] = {
            "cv_accuracy": accuracy,
            "cv_f1": f1,
            "fold_thresholds": [round(t, 3) for t in thresholds],
            "threshold_on_all": round(best_threshold(scores, labels), 3),
        }
    accuracy, f1, weights = weight_cross_validated(left, right, labels)
    results["support_similarity_weight_chosen_per_fold"] = {
        "cv_accuracy": accuracy,
        "cv_f1": f1,
        "fold_word_weights": weights,
    }
    results.update(_msrp_semantic(left, right, labels))
    ours = paired_similarity(left, right)
    shipped = accuracy_f1((ours >= coverage.SUPPORT_THRESHOLD).astype(np.int64), labels)
    results["support_similarity"]["shipped_threshold"] = coverage.SUPPORT_THRESHOLD
    results["support_similarity"]["shipped_accuracy_in_sample"] = shipped[0]
    results["support_similarity"]["shipped_f1_in_sample"] = shipped[1]
    return results


def _msrp_semantic(left: list[str], right: list[str], labels: NDArray[np.int64]) -> dict[str, Any]:
    """The sentence model's cosine, its blend with the lexical similarity (shipped
    before), its word-piece alignment (shipped now) and a logistic combination, on MSRP.

    Empty when the semantic extra is not installed. The blend weight is also
    chosen inside each fold (nested), to show what a fixed weight hides.
    """
    from newstrail.coverage import semantic

    if not semantic.available():
        return {}
    semantic._cache().clear()  # a cold cache: the cost includes encoding every sentence
    with Stopwatch() as watch:
        alignment = semantic.paired_alignment(left, right)
    with Stopwatch() as warm:  # every sentence encoded already: the alignment's own cost
        semantic.paired_alignment(left, right)
    meaning = semantic.paired_cosine(left, right)
    lexical = paired_similarity(left, right)
    results: dict[str, Any] = {
        "alignment_cpu_ms_per_pair_with_encoding": 1000 * watch.cpu / len(left),
        "alignment_cpu_ms_per_pair_encoded": 1000 * warm.cpu / len(left),
    }
    grid = [round(0.1 * step, 1) for step in range(11)]
    blends = {w: w * meaning + (1 - w) * lexical for w in grid}
    for name, scores in (
        ("model_cosine", meaning),
        ("semantic_blend_before", blends[PREVIOUS_SEMANTIC_WEIGHT]),
        ("alignment", alignment),
    ):
        accuracy, f1, thresholds = cross_validated(scores, labels)
        results[name] = {
            "cv_accuracy": accuracy,
            "cv_f1": f1,
            "fold_thresholds": [round(t, 3) for t in thresholds],
            "threshold_on_all": round(best_threshold(scores, labels), 3),
        }
    shipped = accuracy_f1((alignment >= coverage.SEMANTIC_THRESHOLD).astype(np.int64), labels)
    results["alignment"]["shipped_threshold"] = coverage.SEMANTIC_THRESHOLD
    results["alignment"]["shipped_accuracy_in_sample"] = shipped[0]
    accuracy, f1, chosen = choose_on_other_folds(blends, labels)
    results["semantic_blend_weight_chosen_per_fold"] = {
        "cv_accuracy": accuracy,
        "cv_f1": f1,
        "fold_weights": chosen,
    }
    features = np.column_stack([alignment, meaning, lexical])
    accuracy, f1 = logistic_cross_validated(features, labels)
    results["logistic_alignment_cosine_lexical"] = {"cv_accuracy": accuracy, "cv_f1": f1}
    return results


def logistic_cross_validated(
    features: NDArray[np.float64], labels: NDArray[np.int64]
) -> tuple[float, float]:
    """Accuracy and F1 of a logistic model fitted on the other folds only."""
    predicted = np.zeros(len(labels), dtype=np.int64)
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    for train, test in folds.split(features, labels):
        model = make_pipeline(StandardScaler(), LogisticRegression())
        model.fit(features[train], labels[train])
        predicted[test] = model.predict(features[test])
    return accuracy_f1(predicted, labels)


# --- 2. planted passages ---------------------------------------------------------------


def load_stories() -> list[dict[str, Any]]:
    """Every record with text of the stories development data, first of each id."""
    records: dict[str, dict[str, Any]] = {}
    for path in sorted((shared_data() / "stories").glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line) if line.strip() else {}
                if record.get("text", "").strip():
                    records.setdefault(record["id"], record)
    return list(records.values())


def as_article(record: dict[str, Any], text: str | None = None, suffix: str = "") -> StoryArticle:
    """A stories record as a :class:`StoryArticle`."""
    published = None
    if record.get("date"):
        try:
            published = datetime.fromisoformat(str(record["date"])[:19])
        except ValueError:
            published = None
    return StoryArticle(
        id=record["id"] + suffix,
        source=record.get("source"),
        published=published,
        title=record.get("title"),
        text=record["text"] if text is None else text,
        url=record.get("url"),
    )


def reword(passage: str, rate: float, rng: random.Random) -> str:
    """Lightly reword ``passage``: swap, drop or insert words and change punctuation."""
    words = passage.split(" ")
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        roll = rng.random()
        if roll < rate and index + 1 < len(words):  # swap two neighbours
            out.extend([words[index + 1], word])
            index += 2
            continue
        if roll < 2 * rate:  # drop the word
            index += 1
            continue
        if roll < 3 * rate:  # insert a filler before it
            out.append(rng.choice(FILLERS))
        if rng.random() < rate:  # punctuation: drop a comma, straighten quotes
            word = word.replace(",", "").replace("“", '"').replace("”", '"')
        out.append(word)
        index += 1
    return " ".join(out)


@dataclass(frozen=True)
class Plant:
    """A donor passage planted, reworded, into a host article."""

    donor: StoryArticle
    host: StoryArticle
    source_span: tuple[int, int]
    target_span: tuple[int, int]


def make_plants(records: list[dict[str, Any]], rate: float, count: int) -> list[Plant]:
    """Plant ``count`` passages of 1-3 donor sentences between sentences of a host."""
    rng = random.Random(SEED)
    usable = [r for r in records if len(r["text"]) >= 600]
    plants: list[Plant] = []
    while len(plants) < count:
        donor, host = rng.sample(usable, 2)
        if donor["story_id"] == host["story_id"]:
            continue
        sentences = sentence_spans(donor["text"])
        if len(sentences) < 3:
            continue
        first = rng.randrange(len(sentences) - 2)
        last = first + rng.randrange(3)
        source_span = (sentences[first][0], sentences[last][1])
        if source_span[1] - source_span[0] < MIN_PLANT_CHARS:
            continue
        passage = reword(donor["text"][source_span[0] : source_span[1]], rate, rng)
        host_breaks = [end for _, end in sentence_spans(host["text"])][:-1]
        if not host_breaks:
            continue
        cut = rng.choice(host_breaks)
        text = host["text"][:cut] + " " + passage + host["text"][cut:]
        target_span = (cut + 1, cut + 1 + len(passage))
        plants.append(
            Plant(as_article(donor), as_article(host, text, "+plant"), source_span, target_span)
        )
    return plants


def overlap(spans: list[tuple[int, int]], truth: tuple[int, int]) -> tuple[int, int]:
    """Characters of ``spans`` (as a union) inside ``truth``, and in all."""
    covered: set[int] = set()
    for start, end in spans:
        covered.update(range(start, end))
    return len(covered & set(range(*truth))), len(covered)


def unrelated_passages(records: list[dict[str, Any]], pairs: int = 300) -> float:
    """Passages found per pair of articles from different stories (false alarms)."""
    rng = random.Random(SEED)
    found = checked = 0
    while checked < pairs:
        first, second = rng.sample(records, 2)
        if first["story_id"] != second["story_id"]:
            found += len(find_passages([as_article(first), as_article(second)]))
            checked += 1
    return found / pairs


REWORD_LEVELS = (("exact", 0.0), ("light", 0.03), ("heavier", 0.06))


def score_plants(
    records: list[dict[str, Any]],
    rate: float,
    count: int = PLANTS,
    index: PassageIndex | None = None,
) -> dict[str, Any]:
    """find_passages' detection and boundary scores on ``count`` plants reworded at ``rate``.

    With ``index`` (the whole archive in a ``PassageIndex``), the recall of its
    candidates too. The first ``count`` plants are the same whatever ``count``
    is (one seeded RNG), so a smaller count scores a prefix of the full run.
    """
    detected = candidate_hits = 0
    totals: defaultdict[str, int] = defaultdict(int)
    errors: list[int] = []
    candidate_counts = []
    for plant in make_plants(records, rate, count):
        passages = find_passages([plant.donor, plant.host])
        sides = (
            (
                "target",
                [p.target_span for p in passages if p.target_article == plant.host.id]
                + [p.source_span for p in passages if p.source_article == plant.host.id],
                plant.target_span,
            ),
            (
                "source",
                [p.source_span for p in passages if p.source_article == plant.donor.id]
                + [p.target_span for p in passages if p.target_article == plant.donor.id],
                plant.source_span,
            ),
        )
        for side, spans, truth in sides:
            inside, predicted = overlap(spans, truth)
            totals[f"{side}_inside"] += inside
            totals[f"{side}_predicted"] += predicted
            totals[f"{side}_truth"] += truth[1] - truth[0]
            if side == "target" and inside:
                detected += 1
                best = max(spans, key=lambda s: overlap([s], truth)[0])
                errors.append(abs(best[0] - truth[0]) + abs(best[1] - truth[1]))
        if index is not None:
            candidates = index.candidates(plant.host)
            candidate_counts.append(len(candidates))
            candidate_hits += plant.donor.id in candidates
    scores: dict[str, Any] = {
        "reword_rate": rate,
        "detection_recall": detected / count,
        "target_char_precision": totals["target_inside"] / max(totals["target_predicted"], 1),
        "target_char_recall": totals["target_inside"] / totals["target_truth"],
        "source_char_precision": totals["source_inside"] / max(totals["source_predicted"], 1),
        "source_char_recall": totals["source_inside"] / totals["source_truth"],
        "median_boundary_error_chars": statistics.median(errors) if errors else None,
    }
    if index is not None:
        scores["index_candidate_recall"] = candidate_hits / count
        scores["index_mean_candidates"] = statistics.mean(candidate_counts)
    return scores


def bench_plants(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Detection and boundary scores of find_passages, and PassageIndex candidate recall."""
    index = PassageIndex()
    with Stopwatch() as watch:
        for record in records:
            index.add(as_article(record))
    results: dict[str, Any] = {
        "plants": PLANTS,
        "index_seconds_for_archive": watch.wall,
        "passages_per_unrelated_pair": unrelated_passages(records),
    }
    for level, rate in REWORD_LEVELS:
        results[level] = score_plants(records, rate, PLANTS, index)
    return results


# --- 3. summaries ----------------------------------------------------------------------


def content_words(text: str) -> set[str]:
    """Lower-cased words that are not stop words."""
    return {w for w in WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS}


def lexically_supports(summary_sentence: str, cited_sentence: str) -> bool:
    """Stricter check: the cited sentence holds half the summary sentence's content words."""
    wanted = content_words(summary_sentence)
    return bool(wanted) and len(wanted & content_words(cited_sentence)) / len(wanted) >= 0.5


def bench_summaries(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Citation faithfulness and time per story for summarise_story and find_passages."""
    stories: defaultdict[str, list[StoryArticle]] = defaultdict(list)
    for record in records:
        stories[record["story_id"]].append(as_article(record))
    multi = [articles for articles in stories.values() if len(articles) >= 2]
    citations = by_support = by_lexical = 0
    lengths = []
    summary_seconds = []
    passage_seconds = []
    exclusive_seconds: list[float] = []
    exclusive_content(multi[0])  # load spaCy outside the timing
    passages_found = 0
    for articles in multi:
        started = time.perf_counter()
        summary = summarise_story(articles)
        summary_seconds.append(time.perf_counter() - started)
        lengths.append(len(summary))
        for sentence in summary:
            for support in sentence.supporting:
                if support.article_id == sentence.article_id:
                    continue
                citations += 1
                found = dict(supporting_articles(sentence.text, articles))
                by_support += support.article_id in found
                by_lexical += lexically_supports(sentence.text, support.sentence)
        started = time.perf_counter()
        passages_found += len(find_passages(articles))
        passage_seconds.append(time.perf_counter() - started)
        if len(exclusive_seconds) < EXCLUSIVE_TIMED_STORIES:
            started = time.perf_counter()
            exclusive_content(articles)
            exclusive_seconds.append(time.perf_counter() - started)
    return {
        "stories": len(multi),
        "summary_sentences_min": min(lengths),
        "summary_sentences_mean": statistics.mean(lengths),
        "summary_sentences_max": max(lengths),
        "stories_under_3_sentences": sum(n < 3 for n in lengths),
        "citations_to_other_articles": citations,
        "faithful_by_support_function": by_support / max(citations, 1),
        "faithful_by_lexical_check": by_lexical / max(citations, 1),
        "summary_seconds_mean": statistics.mean(summary_seconds),
        "summary_seconds_max": max(summary_seconds),
        "passages_seconds_mean": statistics.mean(passage_seconds),
        "passages_found_in_stories": passages_found,
        "exclusive_content_seconds_mean": statistics.mean(exclusive_seconds),
    }


def bench_support_cost(records: list[dict[str, Any]]) -> dict[str, Any]:
    """CPU cost of a story's support matrix, lexical (default) and semantic (extra).

    The ``SUPPORT_COST_STORIES`` largest multi-article stories; the semantic
    encodings are cleared before each story, as when a story is first analysed.
    """
    from newstrail.coverage import semantic

    stories: defaultdict[str, list[StoryArticle]] = defaultdict(list)
    for record in records:
        stories[record["story_id"]].append(as_article(record))
    multi = [articles for articles in stories.values() if len(articles) >= 2]
    multi.sort(key=lambda articles: -sum(len(a.text) for a in articles))
    sample = multi[:SUPPORT_COST_STORIES]
    texts = [list(coverage.story_sentences(a, compare=False).texts) for a in sample]
    pairs = sum(len(t) ** 2 for t in texts)
    results: dict[str, Any] = {
        "stories": len(sample),
        "sentences_mean": statistics.mean(len(t) for t in texts),
    }
    with Stopwatch() as watch:
        for sentences in texts:
            coverage.similarity_matrix(sentences, sentences, corpus=sentences)
    results["lexical_cpu_seconds_per_story"] = watch.cpu / len(sample)
    results["lexical_cpu_us_per_pair"] = 1e6 * watch.cpu / pairs
    if semantic.available():
        encode = align = 0.0
        for sentences in texts:
            semantic._cache().clear()
            with Stopwatch() as watch:
                semantic.encodings(sentences)
            encode += watch.cpu
            with Stopwatch() as watch:
                semantic.alignment_matrix(sentences, sentences, corpus=sentences)
            align += watch.cpu
        results["semantic_encoding_cpu_seconds_per_story"] = encode / len(sample)
        results["alignment_cpu_seconds_per_story"] = align / len(sample)
        results["alignment_cpu_us_per_pair"] = 1e6 * align / pairs
    return results


# --- report ----------------------------------------------------------------------------


def table(title: str, rows: list[tuple[str, str]]) -> Table:
    """A two-column rich table."""
    result = Table(title=title)
    result.add_column("measure")
    result.add_column("value", justify="right")
    for name, value in rows:
        result.add_row(name, value)
    return result


def fmt(value: object) -> str:
    """Three decimals for floats, str otherwise."""
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def flatten(results: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """``(dotted name, formatted value)`` rows of a nested result dict."""
    rows: list[tuple[str, str]] = []
    for key, value in results.items():
        if isinstance(value, dict):
            rows.extend(flatten(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", fmt(value)))
    return rows


# --- 4. paraphrase pairs planted in stories -------------------------------------------


def _host_pairs(records: list[dict[str, Any]], count: int) -> list[tuple[str, str]]:
    """Texts of two articles of one story from two outlets, ``count`` pairs at most."""
    by_story: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_story[record["story_id"]].append(record)
    pairs = []
    for members in by_story.values():
        outlets = {m.get("source"): m for m in members}
        if len(outlets) >= 2:
            first, second = list(outlets.values())[:2]
            pairs.append((first["text"], second["text"]))
    random.Random(SEED).shuffle(pairs)
    return pairs[:count]


def _plant(text: str, sentence: str) -> str:
    """``text`` with ``sentence`` as a paragraph of its own in the middle."""
    paragraphs = text.split("\n")
    middle = len(paragraphs) // 2
    return "\n".join([*paragraphs[:middle], sentence, *paragraphs[middle:]])


def _story_sentences(text: str) -> list[str]:
    return [
        text[start:end]
        for start, end in sentence_spans(text)
        if len(WORD.findall(text[start:end])) >= coverage.MIN_SENTENCE_WORDS
    ]


def _supports(mode: str, sentence: str, other: list[str], corpus: list[str]) -> float:
    """Highest support of ``sentence`` by a sentence of ``other`` under ``mode``.

    "lexical" and "alignment" are what ``coverage.support_matrix`` ships without
    and with the semantic extra, before its shift onto ``SUPPORT_THRESHOLD``.
    """
    from newstrail.coverage import semantic

    if mode == "alignment":
        return float(semantic.alignment_matrix([sentence], other, corpus=corpus)[0].max())
    lexical = coverage.similarity_matrix([sentence], other, corpus=corpus)[0]
    if mode == "lexical":
        return float(lexical.max())
    meaning = semantic.cosine_matrix([sentence], other)[0]
    if mode == "model":
        return float(meaning.max())
    weight = PREVIOUS_SEMANTIC_WEIGHT
    return float((weight * meaning + (1 - weight) * lexical).max())


def _pair_scores(mode: str, left: list[str], right: list[str]) -> NDArray[np.float64]:
    """The MSRP pairs' scores under ``mode``, for choosing thresholds on other folds."""
    from newstrail.coverage import semantic

    if mode == "lexical":
        return paired_similarity(left, right)
    if mode == "alignment":
        return semantic.paired_alignment(left, right)
    meaning = semantic.paired_cosine(left, right)
    if mode == "model":
        return meaning
    weight = PREVIOUS_SEMANTIC_WEIGHT
    return weight * meaning + (1 - weight) * paired_similarity(left, right)


def bench_planted_pairs(records: list[dict[str, Any]]) -> dict[str, Any]:
    """MSRP pairs planted one sentence per outlet into real two-outlet stories.

    A paraphrase pair is judged right when the planted sentence is exclusive to
    neither outlet (each supports the other), a non-paraphrase pair when it is
    exclusive to both. Thresholds: chosen on the MSRP pairs of the other folds
    (10-fold, as in part 1), so no pair is judged with a threshold fitted on it;
    and the shipped threshold (in-sample for MSRP, for reference). "blend" is the
    semantic support shipped before, "alignment" the one shipped now.
    """
    from newstrail.coverage import semantic

    left, right, labels = load_msrp()
    hosts = _host_pairs(records, PLANTED_HOSTS)
    modes = ["lexical"]
    if semantic.available():
        modes += ["model", "blend", "alignment"]
    shipped = {
        "lexical": coverage.SUPPORT_THRESHOLD,
        "blend": PREVIOUS_SEMANTIC_THRESHOLD,
        "alignment": coverage.SEMANTIC_THRESHOLD,
    }
    results: dict[str, Any] = {"pairs": len(labels), "host_stories": len(hosts)}
    for mode in modes:
        pair_scores = _pair_scores(mode, left, right)
        fold_threshold = np.zeros(len(labels))
        folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
        for train, test in folds.split(pair_scores, labels):
            fold_threshold[test] = best_threshold(pair_scores[train], labels[train])
        right_cv = right_shipped = 0
        right_by_label = [0, 0]
        with Stopwatch() as watch:
            for index, (first, second) in enumerate(zip(left, right, strict=True)):
                host_a, host_b = hosts[index % len(hosts)]
                own_a = _story_sentences(_plant(host_a, first))
                own_b = _story_sentences(_plant(host_b, second))
                corpus = own_a + own_b
                support_a = _supports(mode, first, own_b, corpus)
                support_b = _supports(mode, second, own_a, corpus)
                for threshold, counter in ((fold_threshold[index], "cv"), (shipped.get(mode), "s")):
                    if threshold is None:
                        continue
                    supported = support_a >= threshold and support_b >= threshold
                    exclusive = support_a < threshold and support_b < threshold
                    ok = supported if labels[index] == 1 else exclusive
                    if counter == "cv":
                        right_cv += ok
                        right_by_label[labels[index]] += ok
                    else:
                        right_shipped += ok
        positives = int(labels.sum())
        results[mode] = {
            "judged_right_cv": right_cv / len(labels),
            "paraphrases_right_cv": right_by_label[1] / positives,
            "non_paraphrases_right_cv": right_by_label[0] / (len(labels) - positives),
            "judged_right_shipped_threshold": right_shipped / len(labels)
            if mode in shipped
            else None,
            "seconds": watch.wall,
        }
    return results


def main(argv: Sequence[str] | None = None) -> None:
    """Run the five parts (or those named), print the tables and write the JSON.

    With ``--parts`` the results go to ``bench/results/reuse-<parts>.json``, so a
    partial run never overwrites the full one.
    """
    parser = argparse.ArgumentParser(prog="python -m bench.reuse")
    names = ("msrp", "planted_passages", "summaries", "planted_paraphrases", "support_cost")
    parser.add_argument("--parts", nargs="+", choices=names, default=list(names))
    chosen = parser.parse_args(argv).parts
    run = BenchRun("reuse")
    console = Console()
    run.print_header()  # above the first table: each part prints its own when it ends
    records = load_stories()
    parts: dict[str, Callable[[], dict[str, Any]]] = {
        "msrp": bench_msrp,
        "planted_passages": lambda: bench_plants(records),
        "summaries": lambda: bench_summaries(records),
        "planted_paraphrases": lambda: bench_planted_pairs(records),
        "support_cost": lambda: bench_support_cost(records),
    }
    results: dict[str, Any] = {}
    for name in chosen:
        with Stopwatch() as watch:
            results[name] = parts[name]()
        results[name]["bench_seconds"] = watch.wall
        console.print(table(name, flatten(results[name])))
    partial = list(chosen) != list(names)
    run.write(results, run.path.with_name(f"reuse-{'-'.join(chosen)}.json") if partial else None)


if __name__ == "__main__":
    main()
