"""The quality gate's scores: every floor in ``tests/quality_baselines.json``, measured now.

``tests/test_quality_gate.py`` fails when one of these scores falls below its
floor. Each score is computed by the benches' own code (their loaders, systems
and scorers, imported from the bench modules) on a fixed dev subset small
enough for the test suite; the subset is named beside each score:

- extraction: newstrail's extractor through ``bench.extraction`` (body scores
  on scrapinghub-aeb and readability; title/author/date/snippets on
  trafilatura-evaldata; body/title/author/date on fundus-meta; dates on
  htmldate-mediacloud2020 and htmldate-bbaw), all pages of those dev sets
  (bbaw is htmldate's own tuning set, so it flatters htmldate, not us: it
  guards the date rules, ~8 s);
- clustering: ``bench.clustering.fit_defaults``, the shipped defaults' B³ F1
  on each gold story set and on the three pooled into one stream;
- quotes: ``bench.quotes`` on PolNeAR dev half B (its fixed SHA-1 half): every
  attribution, and the statements a story shows against the speech-cue gold;
- edits: ``bench.edits`` on the real revisions and on the first articles of
  the synthetic *check* half (the half the thresholds were not tuned on);
- reuse: ``bench.reuse``'s cross-validated MSRP accuracy/F1 of the support
  similarity, and its planted-passage scores (lightly reworded plants).

Run: ``.venv/bin/python -m bench.quality`` prints each score beside its floor
and writes ``bench/results/quality.json``.
``.venv/bin/python -m bench.quality --set-floor NAME [NAME ...] --reason TEXT``
re-measures and moves those floors to the measured value minus the tolerance
(``--set-floor all`` for every score); commit the JSON with the change that
moved the score, and say why in the commit message.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench._common import ROOT, BenchRun, Stopwatch, commit, shared_data

BASELINES = ROOT / "tests" / "quality_baselines.json"
# Floors sit this far under the measured score. Every score here is
# deterministic on a given environment (fixed data, seeded RNGs, pinned spaCy
# model), so the tolerance only absorbs dependency drift (trafilatura, htmldate
# and scikit-learn are ranges, not pins); a real regression of one page, pair
# or article in these subsets moves a score by more than this.
TOLERANCE = 0.01
# The synthetic edits check-half articles edited for the gate: a quarter of the
# bench's 160, ~4 s instead of ~15 s.
EDITED_ARTICLES = 40
# Pages the redesign gate takes from the extraction dev sets (the check half
# of them is scored): ~40 extractions, a few seconds.
GATED_REDESIGN_PAGES = 40


@dataclass(frozen=True)
class Score:
    """One gated score: what it measures, on which fixed subset, and its value now."""

    name: str
    stage: str
    metric: str
    subset: str
    value: float


# --- stages -------------------------------------------------------------------------


def extraction_scores() -> list[Score]:
    """newstrail's extractor on the extraction dev sets, scored by ``bench.extraction``."""
    from bench import extraction

    truth, pages = extraction.load_set("scrapinghub-aeb")
    keys = sorted(truth)
    bodies = [extraction.newstrail_system(pages[key], truth[key]["url"])[0] for key in keys]
    expected = [truth[key]["articleBody"] for key in keys]
    body = extraction.score_bodies(expected, bodies)
    counts = [extraction.page_counts(t, p) for t, p in zip(expected, bodies, strict=True)]
    worst_recall = min(tp / (tp + fn) if tp + fn else 1.0 for tp, _, fn in counts)
    metadata = extraction.run_metadata({"newstrail": extraction.newstrail_metadata})["newstrail"]
    aeb = f"scrapinghub-aeb dev, all {len(keys)} pages"
    evaldata = "trafilatura-evaldata dev, all 20 pages"
    mediacloud = "htmldate-mediacloud2020 dev, all 10 pages"
    readability = extraction.score_readability(extraction.newstrail_metadata)
    fundus = extraction.score_fundus(extraction.newstrail_metadata)
    bbaw = extraction.score_bbaw(extraction.newstrail_metadata)
    readability_subset = f"readability dev, all {readability['pages']} pages"
    fundus_subset = f"fundus-meta dev, all {fundus['pages']} pages"
    return [
        Score(
            "extraction.readability.body_f1",
            "extraction",
            "body F1 (AEB shingles)",
            readability_subset,
            readability["body"]["f1"],
        ),
        Score(
            "extraction.fundus-meta.body_f1",
            "extraction",
            "body F1 (AEB shingles)",
            fundus_subset,
            fundus["body"]["f1"],
        ),
        Score(
            "extraction.fundus-meta.title_accuracy",
            "extraction",
            "title accuracy",
            fundus_subset,
            fundus["title_accuracy"],
        ),
        Score(
            "extraction.fundus-meta.author_accuracy",
            "extraction",
            "author accuracy ('; '-joined), pages whose gold lists authors",
            f"{fundus_subset} ({fundus['pages_with_authors']} with authors)",
            fundus["author_accuracy"],
        ),
        Score(
            "extraction.fundus-meta.date_f",
            "extraction",
            "date F (htmldate scoring)",
            fundus_subset,
            fundus["date"]["f"],
        ),
        Score(
            "extraction.scrapinghub-aeb.body_f1",
            "extraction",
            "body F1 (AEB shingles)",
            aeb,
            body.f1,
        ),
        Score(
            "extraction.scrapinghub-aeb.body_precision",
            "extraction",
            "body precision",
            aeb,
            body.precision,
        ),
        Score(
            "extraction.scrapinghub-aeb.body_recall", "extraction", "body recall", aeb, body.recall
        ),
        Score(
            "extraction.scrapinghub-aeb.worst_page_recall",
            "extraction",
            "lowest per-page body recall (no silent failure on one layout)",
            aeb,
            worst_recall,
        ),
        Score(
            "extraction.trafilatura-evaldata.title_accuracy",
            "extraction",
            "title accuracy",
            evaldata,
            metadata["title_accuracy"],
        ),
        Score(
            "extraction.trafilatura-evaldata.author_accuracy",
            "extraction",
            "author accuracy",
            evaldata,
            metadata["author_accuracy"],
        ),
        Score(
            "extraction.trafilatura-evaldata.date_accuracy",
            "extraction",
            "date accuracy",
            evaldata,
            metadata["date_accuracy"],
        ),
        Score(
            "extraction.trafilatura-evaldata.snippet_f",
            "extraction",
            "body snippets F (with/without)",
            evaldata,
            metadata["snippets"]["f"],
        ),
        Score(
            "extraction.htmldate-mediacloud2020.date_f",
            "extraction",
            "date F (htmldate scoring)",
            mediacloud,
            metadata["mediacloud_date"]["f"],
        ),
        Score(
            "extraction.htmldate-bbaw.date_f",
            "extraction",
            "date F (htmldate scoring)",
            f"htmldate-bbaw dev, all {bbaw['pages']} pages",
            bbaw["date"]["f"],
        ),
    ]


def clustering_scores() -> list[Score]:
    """The shipped defaults' in-sample B³ F1 per gold story set (``bench.clustering``)."""
    from bench import clustering

    data = {name: clustering.load(name) for name in clustering.DATASETS}
    fit, _ = clustering.fit_defaults(data)
    scores = [
        Score(
            f"clustering.{name}.bcubed_f1",
            "clustering",
            "B³ F1, shipped defaults, in-sample",
            f"stories/{name}.jsonl, all {len(data[name])} articles, one stream",
            fit[name]["bcubed"]["f1"],
        )
        for name in clustering.DATASETS
    ]
    scores.append(
        Score(
            "clustering.pooled.bcubed_f1",
            "clustering",
            "B³ F1, shipped defaults, in-sample",
            f"all three story sets in one stream ({sum(map(len, data.values()))} articles)",
            fit["pooled_stream"]["bcubed"]["f1"],
        )
    )
    return scores


def quotes_scores() -> list[Score]:
    """The quote rules on PolNeAR dev half B, scored by ``bench.quotes``."""
    from bench import quotes
    from newstrail.coverage.quoting.extraction import extract_quotes

    dev = quotes.load_articles(shared_data() / "quotes" / "polnear" / "dev")
    half_b = [article for article in dev if quotes.half(article[0]) == "B"]
    result: dict[str, Any] = quotes.summary(quotes.evaluate(half_b, extract_quotes))
    subset = f"PolNeAR dev half B ({len(half_b)} articles, first annotator)"
    return [
        Score(
            "quotes.polnear-dev-b.quote_f1",
            "quotes",
            "quote content F1, overlap ≥ 0.3",
            subset,
            result["quote_overlap_0.3"]["f1"],
        ),
        Score(
            "quotes.polnear-dev-b.speaker_accuracy",
            "quotes",
            "speaker accuracy on matched quotes",
            subset,
            result["speaker_accuracy"],
        ),
        Score(
            "quotes.polnear-dev-b.attribution_f1",
            "quotes",
            "attribution F1 (content and speaker right)",
            subset,
            result["attribution"]["f1"],
        ),
        *_statement_scores(half_b),
    ]


def _statement_scores(half_b: list[Any]) -> list[Score]:
    """What a story shows (statements) against PolNeAR's speech-cue attributions."""
    from bench import quotes

    spoken = quotes.speech_gold(half_b)
    result: dict[str, Any] = quotes.summary(quotes.evaluate(spoken, quotes.statements))
    subset = f"PolNeAR dev half B ({len(spoken)} articles), speech-cue gold attributions only"
    content = result["quote_overlap_0.3"]
    return [
        Score(
            "quotes.polnear-dev-b-speech.statement_f1",
            "quotes",
            "statements (story quotes) content F1, overlap ≥ 0.3",
            subset,
            content["f1"],
        ),
        Score(
            "quotes.polnear-dev-b-speech.statement_precision",
            "quotes",
            "statements (story quotes) content precision, overlap ≥ 0.3",
            subset,
            content["precision"],
        ),
        Score(
            "quotes.polnear-dev-b-speech.speaker_accuracy",
            "quotes",
            "statements: speaker accuracy on matched quotes",
            subset,
            result["speaker_accuracy"],
        ),
    ]


def edits_scores() -> list[Score]:
    """Edit classification on the real revisions and on synthetic edits (``bench.edits``)."""
    from bench import edits

    real = edits.real_revisions(edits.extractors()["newstrail.extract.article.extract_html"])
    synthetic = edits.synthetic(edits.load_articles(), "check", scored=EDITED_ARTICLES)
    precisions = [
        s["precision"] for s in synthetic["scores"].values() if s["precision"] is not None
    ]
    recalls = [s["recall"] for s in synthetic["scores"].values() if s["recall"] is not None]
    subset = (
        f"synthetic edits, check half, first {EDITED_ARTICLES} of its {edits.ARTICLES_PER_HALF} "
        f"articles ({sum(synthetic['pairs'].values())} pairs)"
    )
    return [
        Score(
            "edits.revisions.changed_accuracy",
            "edits",
            "changed / not-changed accuracy (newstrail extractor)",
            f"revisions/, every consecutive pair ({len(real['pairs'])})",
            real["accuracy"],
        ),
        Score(
            "edits.synthetic-check.macro_precision",
            "edits",
            "edit-type precision, mean over types (and 'trivial')",
            subset,
            statistics.fmean(precisions),
        ),
        Score(
            "edits.synthetic-check.macro_recall",
            "edits",
            "edit-type recall, mean over types (and 'trivial')",
            subset,
            statistics.fmean(recalls),
        ),
    ]


def reuse_scores() -> list[Score]:
    """Support similarity on MSRP and passage finding on planted passages (``bench.reuse``)."""
    from bench import reuse
    from newstrail.coverage.exclusives import paired_similarity

    left, right, labels = reuse.load_msrp()
    accuracy, f1, _ = reuse.cross_validated(paired_similarity(left, right), labels)
    light = dict(reuse.REWORD_LEVELS)["light"]
    plants = reuse.score_plants(reuse.load_stories(), light, reuse.PLANTS)
    msrp = f"MSRP validation pairs ({len(labels)}), {reuse.FOLDS}-fold CV thresholds"
    planted = f"{reuse.PLANTS} passages planted in stories/ articles, light rewording ({light})"
    return [
        Score("reuse.msrp.cv_accuracy", "reuse", "paraphrase accuracy", msrp, accuracy),
        Score("reuse.msrp.cv_f1", "reuse", "paraphrase F1", msrp, f1),
        Score(
            "reuse.planted-light.detection_recall",
            "reuse",
            "planted passages found",
            planted,
            plants["detection_recall"],
        ),
        Score(
            "reuse.planted-light.target_char_precision",
            "reuse",
            "character precision of the found passage",
            planted,
            plants["target_char_precision"],
        ),
        Score(
            "reuse.planted-light.target_char_recall",
            "reuse",
            "character recall of the planted passage",
            planted,
            plants["target_char_recall"],
        ),
    ]


def redesigns_scores() -> list[Score]:
    """Template-only redesigns of unseen pages, and real edits on top (``bench.redesigns``)."""
    from bench import redesigns

    results = redesigns.run(GATED_REDESIGN_PAGES, only_half="check", names=("all",))
    cell = results["systems"]["newstrail"]["check"]["all"]
    subset = (
        f"extraction dev pages, check half by publisher, of the first {GATED_REDESIGN_PAGES} "
        f"({cell['template_cases']} redesigns, {cell['edit_cases']} with an edit), every "
        "template change at once"
    )
    return [
        Score(
            "redesigns.check-all.no_false_change",
            "redesigns",
            "share of template-only redesigns not reported as changed",
            subset,
            1 - cell["false_changes"] / max(cell["template_cases"], 1),
        ),
        Score(
            "redesigns.check-all.edit_recall",
            "redesigns",
            "share of real edits on top of a redesign reported as changed",
            subset,
            1 - cell["missed_edits"] / max(cell["edit_cases"], 1),
        ),
    ]


def discrepancies_scores() -> list[Score]:
    """Planted discrepancies found and none invented, on the shared stories sets."""
    from bench import discrepancies

    results = discrepancies.run()
    subset = (
        f"shared stories sets, the {results['stories_with_two_or_more_outlets']} stories "
        "with two or more outlets, one figure planted per story"
    )
    return [
        Score(
            "discrepancies.planted_found",
            "discrepancies",
            "share of planted changed figures listed as a discrepancy",
            subset,
            results["planted_changed_found"] / max(results["planted_changed"], 1),
        ),
        Score(
            "discrepancies.unchanged_quiet",
            "discrepancies",
            "share of planted unchanged copies that raise no new discrepancy",
            subset,
            1 - results["planted_unchanged_alarmed"] / max(results["planted_unchanged"], 1),
        ),
        Score(
            "discrepancies.stories_quiet",
            "discrepancies",
            "share of real stories with no discrepancy listed (of 3 alarms, 2 were judged real)",
            subset,
            1
            - results["stories_with_an_alarm"]
            / max(results["stories_with_two_or_more_outlets"], 1),
        ),
    ]


STAGES: dict[str, Callable[[], list[Score]]] = {
    "extraction": extraction_scores,
    "clustering": clustering_scores,
    "quotes": quotes_scores,
    "edits": edits_scores,
    "reuse": reuse_scores,
    "redesigns": redesigns_scores,
    "discrepancies": discrepancies_scores,
}


# --- baselines ----------------------------------------------------------------------


def load_baselines() -> dict[str, Any]:
    """The floors file, as JSON."""
    baselines: dict[str, Any] = json.loads(BASELINES.read_text(encoding="utf-8"))
    return baselines


def floor_under(value: float, tolerance: float = TOLERANCE) -> float:
    """The floor for a measured score: ``tolerance`` under it, rounded down to 4 places."""
    return math.floor((value - tolerance) * 10_000) / 10_000


def set_floors(
    baselines: dict[str, Any], scores: list[Score], names: list[str], reason: str
) -> list[str]:
    """Move the named floors (or every one, for ``["all"]``) under today's scores."""
    head, dirty = commit()
    today = datetime.now(UTC).date().isoformat()
    by_name = {score.name: score for score in scores}
    chosen = list(by_name) if names == ["all"] else names
    unknown = sorted(set(chosen) - set(by_name))
    if unknown:
        raise SystemExit(f"no such score: {', '.join(unknown)}")
    floors = baselines.setdefault("floors", {})
    for name in chosen:
        score = by_name[name]
        floors[name] = {
            "stage": score.stage,
            "metric": score.metric,
            "subset": score.subset,
            "measured": round(score.value, 4),
            "floor": floor_under(score.value),
            "tolerance": TOLERANCE,
            "set_on": today,
            "commit": head,
            "dirty": dirty,
            "reason": reason,
        }
    baselines["floors"] = dict(sorted(floors.items()))
    return chosen


def main() -> None:
    """Measure every gated score; print it beside its floor; optionally move floors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set-floor", nargs="+", metavar="NAME", help="move these floors ('all': every score)"
    )
    parser.add_argument("--reason", help="why the floors move (required with --set-floor)")
    args = parser.parse_args()
    if args.set_floor and not args.reason:
        parser.error("--set-floor needs --reason")
    run = BenchRun("quality")
    scores: list[Score] = []
    seconds: dict[str, float] = {}
    for stage, measure in STAGES.items():
        with Stopwatch() as watch:
            scores.extend(measure())
        seconds[stage] = watch.wall
    baselines = load_baselines() if BASELINES.is_file() else {}
    if args.set_floor:
        moved = set_floors(baselines, scores, args.set_floor, args.reason)
        BASELINES.write_text(
            json.dumps(baselines, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"moved {len(moved)} floors in {BASELINES.relative_to(ROOT)}")
    floors = baselines.get("floors", {})
    run.print_header()
    print(f"\nQuality gate scores against tests/{BASELINES.name} (floor = measured − {TOLERANCE})")
    print(f"{'score':<48} {'now':>7} {'floor':>7} {'margin':>7}  subset")
    for score in scores:
        floor = floors.get(score.name, {}).get("floor")
        cells = (
            f"{floor:7.4f} {score.value - floor:+7.4f}" if floor is not None else "      -       -"
        )
        print(f"{score.name:<48} {score.value:7.4f} {cells}  {score.subset}")
    print("seconds per stage: " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()))
    print()
    run.write(
        {
            "scores": {s.name: {"value": s.value, "subset": s.subset} for s in scores},
            "seconds": seconds,
        }
    )


if __name__ == "__main__":
    main()
