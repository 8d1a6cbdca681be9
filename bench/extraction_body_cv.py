"""Body F1 cross-validated by publisher: the cascade's tuned choices made on other publishers.

The body cascade (``extract/article.py::_extract_body``) has two choices
made on the dev pages: trafilatura's precision mode for the first passes
(chosen on ScrapingHub dev) and ``_MIN_PARAGRAPH_SHARE``, the share of the
page's <p> prose under which a pass counts as having missed the article.
The 250-character floor is trafilatura's own ``MIN_EXTRACTED_SIZE``, not
tuned here. This bench pools the three body sets (187 pages), splits them
into ``--folds`` folds by publisher (fundus-meta's publisher, the registered
domain elsewhere; ``bench.extraction_blocks.group_of``), and for each
held-out fold picks the mode and share from ``GRID`` by body F1 on the
other folds; the held-out pages are scored with that choice. Per set, beside
it in the same run: the shipped choices (dev: tuned on these very pages) and
trafilatura ``extract`` in default and fast mode, with and without comments
(nothing tuned; the gold bodies hold no comments, so "no comments" is
trafilatura's best mode on most sets).

Each configuration runs the real extractor (``extract_html``); trafilatura
passes are memoised per page, so a configuration costs the rest of the
extraction only. Run: ``python -m bench.extraction_body_cv`` (also part of
``python -m bench.extraction``; writes ``bench/results/extraction_body_cv.json``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import trafilatura

from bench._common import BenchRun, fold_of
from bench.extraction import body_prf, load_set, page_counts, precision_recall
from bench.extraction_blocks import BODY_SETS, gold_body, group_of
from newstrail.extract import article
from newstrail.extract.article import extract_html

# (precision-first cascade, minimum share of the page's <p> prose).
Config = tuple[bool, float]
SHARES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5)
GRID: tuple[Config, ...] = tuple(
    (precision, share) for precision in (True, False) for share in SHARES
)
Counts = tuple[float, float, float]


@contextmanager
def cascade_config(config: Config, memo: dict[tuple[object, ...], Any]) -> Iterator[None]:
    """Run the extractor with this cascade configuration, trafilatura passes memoised (bench only).

    ``memo`` must be cleared between pages: its keys are the pass options only.
    """
    precision_first, share = config
    original_pass, original_share = article._trafilatura_text, article._MIN_PARAGRAPH_SHARE

    def memoised_pass(
        tree: Any, url: str | None, fast: bool, favor_precision: bool = False, **more: bool
    ) -> Any:
        options = (fast, favor_precision and precision_first, more.get("favor_recall", False))
        if options not in memo:
            memo[options] = original_pass(
                tree, url, fast=fast, favor_precision=options[1], favor_recall=options[2]
            )
        return memo[options]

    article._trafilatura_text = memoised_pass  # type: ignore[assignment]
    article._MIN_PARAGRAPH_SHARE = share
    try:
        yield
    finally:
        article._trafilatura_text = original_pass
        article._MIN_PARAGRAPH_SHARE = original_share


def page_scores() -> tuple[list[dict[str, Any]], dict[Config, list[Counts]]]:
    """Every body page (set, key, publisher, gold) and its shingle counts under every config."""
    pages: list[dict[str, Any]] = []
    counts: dict[Config, list[Counts]] = {config: [] for config in GRID}
    for name in BODY_SETS:
        truth, html = load_set(name)
        for key in sorted(truth):
            entry, url = truth[key], truth[key]["url"].strip()
            gold = gold_body(name, entry)
            pages.append({"set": name, "key": key, "group": group_of(name, entry), "gold": gold})
            memo: dict[tuple[object, ...], Any] = {}
            for config in GRID:
                with cascade_config(config, memo):
                    counts[config].append(page_counts(gold, extract_html(html[key], url).text))
            pages[-1]["html"], pages[-1]["url"] = html[key], url
    return pages, counts


def choose(counts: dict[Config, list[Counts]], rows: list[int]) -> Config:
    """The config with the best body F1 on these pages (GRID order breaks ties)."""
    return max(
        GRID, key=lambda c: (precision_recall([counts[c][i] for i in rows])[0], -GRID.index(c))
    )


def run(folds: int) -> dict[str, Any]:
    """Cross-validated, shipped and trafilatura body scores per set."""
    pages, counts = page_scores()
    fold = [fold_of(page["group"], folds) for page in pages]
    cross_validated: list[Counts] = [(0.0, 0.0, 0.0)] * len(pages)
    chosen = []
    for held_out in range(folds):
        train = [i for i in range(len(pages)) if fold[i] != held_out]
        config = choose(counts, train)
        chosen.append({"precision_first": config[0], "share": config[1]})
        for i in range(len(pages)):
            if fold[i] == held_out:
                cross_validated[i] = counts[config][i]
    shipped: Config = (True, article._MIN_PARAGRAPH_SHARE)
    systems: dict[str, Callable[[int], str] | list[Counts]] = {
        "newstrail cross-validated": cross_validated,
        "newstrail shipped (dev)": counts[shipped],
        **{
            f"trafilatura{suffix}": _trafilatura(pages, fast, comments)
            for suffix, fast, comments in (
                ("", False, True),
                ("-fast", True, True),
                (" no comments", False, False),
                ("-fast no comments", True, False),
            )
        },
    }
    per_set: dict[str, Any] = {}
    for name in BODY_SETS:
        rows = [i for i, page in enumerate(pages) if page["set"] == name]
        scores: dict[str, dict[str, float]] = {}
        for system, found in systems.items():
            if isinstance(found, list):
                f1, precision, recall = precision_recall([found[i] for i in rows])
                scores[system] = {"f1": f1, "precision": precision, "recall": recall}
            else:
                scores[system] = body_prf(
                    [pages[i]["gold"] for i in rows], [found(i) for i in rows]
                )
        per_set[name] = {
            "pages": len(rows),
            "publishers": len({pages[i]["group"] for i in rows}),
            "scores": scores,
        }
    return {"folds": folds, "chosen_per_fold": chosen, "shipped": list(shipped), "sets": per_set}


def _trafilatura(pages: list[dict[str, Any]], fast: bool, comments: bool) -> Callable[[int], str]:
    """trafilatura ``extract`` in one mode, as a function of the page's index."""

    def run(i: int) -> str:
        page = pages[i]
        text = trafilatura.extract(
            page["html"], url=page["url"], fast=fast, include_comments=comments
        )
        return text or ""

    return run


def print_table(results: dict[str, Any]) -> None:
    """Per set: body F1 cross-validated by publisher, shipped (dev) and trafilatura."""
    print(
        f"\nBody F1 cross-validated by publisher ({results['folds']} folds; mode and share chosen "
        "on the other folds)"
    )
    print(f"{'set':<18}{'pages':>6}{'pubs':>6}  {'system':<30}{'F1':>7}{'P':>7}{'R':>7}")
    for name, row in results["sets"].items():
        for system, score in row["scores"].items():
            print(
                f"{name:<18}{row['pages']:>6}{row['publishers']:>6}  {system:<30}"
                f"{score['f1']:>7.3f}{score['precision']:>7.3f}{score['recall']:>7.3f}"
            )
    picks = ", ".join(
        f"{'precision' if c['precision_first'] else 'balanced'}/{c['share']}"
        for c in results["chosen_per_fold"]
    )
    print(f"chosen per fold: {picks}; shipped: precision/{results['shipped'][1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, help="folds of publishers")
    args = parser.parse_args()
    bench = BenchRun("extraction_body_cv")
    results = run(args.folds)
    bench.print_header()
    print_table(results)
    bench.write(results)


if __name__ == "__main__":
    main()
