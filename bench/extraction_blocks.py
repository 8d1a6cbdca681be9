"""Body by block classification or by voting, cross-validated by publisher.

The extraction work names two routes to a body ahead of trafilatura; this
bench measures both on the body dev sets (``scrapinghub-aeb``,
``readability``, ``fundus-meta``: 187 pages), pooled and split into
``--folds`` folds by publisher (fundus-meta's ``publisher``, the registered
domain elsewhere), so every page is scored by a model that saw none of its
publisher's pages:

- **(b) classifier**: the page cut into text blocks
  (``bench.extraction_segments``), each labelled by whether its words are in
  the gold body, a gradient-boosted tree model (and a logistic regression)
  over the block features, trained on the other folds;
- **(a) vote**: Bevendorff et al. ("An Empirical Comparison of Web Content
  Extraction Algorithms", SIGIR 2023) found ensembles ahead of every single
  extractor. Measured three ways: a block kept when two of trafilatura
  (default mode), jusText and readability-lxml keep it; a page-level
  consensus (the candidate text that agrees most with the others replaces
  newstrail's when it agrees clearly more); and the classifier stacked on the
  votes of every extractor (and newstrail's own cascade) for the block and
  its neighbours.

Beside them, in the same run: newstrail as shipped, trafilatura ``extract``
in fast, default, precision-fast and recall mode, jusText and
readability-lxml alone, with CPU seconds per system over all pages. Every
text goes through the same line cleaner (``boilerplate.clean_text``) the
shipped extractor applies, so the routes are compared on equal terms.

Run: ``python -m bench.extraction_blocks`` (writes
``bench/results/extraction_blocks.json``; ~4 CPU minutes). Needs
readability-lxml (in the ``dev`` extra).
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import trafilatura
from numpy.typing import NDArray

from bench._common import BenchRun, Stopwatch, fold_of
from bench.extraction import body_prf, load_set, page_counts
from bench.extraction_segments import FEATURE_NAMES, Block, block_features, page_blocks
from newstrail.extract.article import extract_html
from newstrail.extract.boilerplate import clean_text
from newstrail.extract.metadata import page_metadata
from newstrail.extract.outlets import registered_domain

BODY_SETS = ("scrapinghub-aeb", "readability", "fundus-meta")
_TOKEN = re.compile(r"\w+")
# A block of this many tokens or more is labelled by its trigrams found in the
# gold body; a shorter one by whether it is a whole gold line.
_LABEL_NGRAM = 3


@dataclass
class Page:
    """One dev page cut into blocks, with labels and what each baseline kept."""

    name: str
    key: str
    group: str
    url: str
    html: str
    truth: str
    blocks: list[Block]
    features: NDArray[np.float64]
    labels: NDArray[np.int64]


def gold_body(name: str, entry: dict[str, Any]) -> str:
    """The gold article body of a page of any body set."""
    return str(entry["body"] if name == "fundus-meta" else entry["articleBody"])


def group_of(name: str, entry: dict[str, Any]) -> str:
    """The publisher: fundus's publisher key, else the registered domain."""
    if name == "fundus-meta":
        return f"publisher:{entry['publisher']}"
    url = entry["url"].strip()
    return f"domain:{registered_domain(url) or url}"


def block_labels(blocks: Sequence[Block], truth: str) -> NDArray[np.int64]:
    """1 for a block whose text is part of the gold body, else 0."""
    gold_tokens = [token.lower() for token in _TOKEN.findall(truth)]
    grams = {
        tuple(gold_tokens[i : i + _LABEL_NGRAM]) for i in range(len(gold_tokens) - _LABEL_NGRAM + 1)
    }
    lines = {" ".join(_TOKEN.findall(line.lower())) for line in truth.splitlines()}
    gold_words = set(gold_tokens)
    labels = []
    for block in blocks:
        tokens = [token.lower() for token in _TOKEN.findall(block.text)]
        if len(tokens) >= _LABEL_NGRAM + 1:
            block_grams = [
                tuple(tokens[i : i + _LABEL_NGRAM]) for i in range(len(tokens) - _LABEL_NGRAM + 1)
            ]
            share = sum(gram in grams for gram in block_grams) / len(block_grams)
            labels.append(int(share >= 0.5))
        elif tokens:
            key = " ".join(tokens)
            labels.append(
                int(
                    key in lines
                    or (
                        len(tokens) > 1
                        and all(t in gold_words for t in tokens)
                        and key in " ".join(gold_tokens)
                    )
                )
            )
        else:
            labels.append(0)
    return np.array(labels, dtype=np.int64)


def load_pages() -> list[Page]:
    """Every page of the body sets, cut into blocks and labelled."""
    pages: list[Page] = []
    for name in BODY_SETS:
        truth, html = load_set(name)
        for key in sorted(truth):
            entry = truth[key]
            url = entry["url"].strip()
            tree = trafilatura.load_html(html[key])
            if tree is None:
                continue
            metadata, _ = page_metadata(tree, url)
            blocks = page_blocks(tree)
            body = gold_body(name, entry)
            pages.append(
                Page(
                    name=name,
                    key=key,
                    group=group_of(name, entry),
                    url=url,
                    html=html[key],
                    truth=body,
                    blocks=blocks,
                    features=np.array(
                        block_features(blocks, metadata.title), dtype=np.float64
                    ).reshape(-1, len(FEATURE_NAMES)),
                    labels=block_labels(blocks, body),
                )
            )
    return pages


# --- the extractors voting --------------------------------------------------------

# jusText needs a stop-word list per language; py3langid's code to jusText's name.
_JUSTEXT_LANGUAGES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "ru": "Russian", "tr": "Turkish",
    "sv": "Swedish", "da": "Danish", "no": "Norwegian_Bokmal", "nb": "Norwegian_Bokmal",
    "fi": "Finnish", "cs": "Czech", "hu": "Hungarian", "ro": "Romanian", "uk": "Ukrainian",
    "el": "Greek", "id": "Indonesian", "ca": "Catalan", "is": "Icelandic", "vi": "Vietnamese",
}  # fmt: skip


def justext_text(html: str) -> str:
    """jusText's paragraphs that are not boilerplate, in the page's language's stop list."""
    import justext  # type: ignore[import-untyped]
    import py3langid  # type: ignore[import-untyped]

    tree = trafilatura.load_html(html)
    sample = " ".join(tree.text_content().split())[:3000] if tree is not None else ""
    language = py3langid.classify(sample)[0] if sample else "en"
    stoplist = justext.get_stoplist(_JUSTEXT_LANGUAGES.get(language, "English"))
    paragraphs = justext.justext(html.encode("utf-8"), stoplist)
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def readability_text(html: str) -> str:
    """readability-lxml's article, as text lines ("" when it fails on the page)."""
    import lxml.html
    from readability import Document  # type: ignore[import-untyped]

    # It logs a traceback for each page its cleaner rejects; the page just gets no vote.
    logging.getLogger("readability.readability").setLevel(logging.CRITICAL)

    try:
        summary = Document(html).summary()
        lines = (line.strip() for line in lxml.html.fromstring(summary).itertext())
        return "\n".join(line for line in lines if line)
    except Exception:  # a candidate that fails on the page simply does not vote
        return ""


def _trafilatura(**options: Any) -> Callable[[str, str], str]:
    def run(html: str, url: str) -> str:
        return trafilatura.extract(html, url=url, include_comments=False, **options) or ""

    return run


SYSTEMS: dict[str, Callable[[str, str], str]] = {
    "newstrail": lambda html, url: extract_html(html, url).text,
    "trafilatura-fast": _trafilatura(fast=True),
    "trafilatura": _trafilatura(),
    "trafilatura-precision-fast": _trafilatura(fast=True, favor_precision=True),
    "trafilatura-recall": _trafilatura(favor_recall=True),
    "justext": lambda html, url: justext_text(html),
    "readability-lxml": lambda html, url: readability_text(html),
}


def run_systems(pages: Sequence[Page]) -> tuple[dict[str, list[str]], dict[str, float]]:
    """Every system's text per page, and its CPU seconds over all pages."""
    texts: dict[str, list[str]] = {}
    seconds: dict[str, float] = {}
    for name, system in SYSTEMS.items():
        with Stopwatch() as watch:
            texts[name] = [system(page.html, page.url) for page in pages]
        seconds[name] = watch.cpu
    return texts, seconds


def kept_share(blocks: Sequence[Block], text: str) -> NDArray[np.float64]:
    """Per block, the share of its word trigrams found in ``text`` (short blocks: 0 or 1)."""
    tokens = [token.lower() for token in _TOKEN.findall(text)]
    grams = {tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2)}
    joined = f" {' '.join(tokens)} "
    shares = []
    for block in blocks:
        words = [token.lower() for token in _TOKEN.findall(block.text)]
        if len(words) >= 4:
            block_grams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
            shares.append(sum(gram in grams for gram in block_grams) / len(block_grams))
        else:
            shares.append(float(f" {' '.join(words)} " in joined) if words else 0.0)
    return np.array(shares, dtype=np.float64)


def with_neighbours(columns: NDArray[np.float64]) -> NDArray[np.float64]:
    """The columns beside the same columns for the previous and the next block."""
    zero = np.zeros((1, columns.shape[1]))
    return np.hstack([columns, np.vstack([zero, columns[:-1]]), np.vstack([columns[1:], zero])])


# --- routes --------------------------------------------------------------------------


def body_text(page: Page, keep: NDArray[np.bool_]) -> str:
    """The kept blocks as lines, through the shipped line cleaner."""
    return clean_text("\n".join(b.text for b, k in zip(page.blocks, keep, strict=True) if k))


def cross_validated_probabilities(
    pages: Sequence[Page],
    inputs: Sequence[NDArray[np.float64]],
    folds: int,
    model: str,
) -> list[NDArray[np.float64]]:
    """Per page, each block's probability of being body from a model trained on other folds."""
    fold = [fold_of(page.group, folds) for page in pages]
    result: list[NDArray[np.float64]] = [np.zeros(0) for _ in pages]
    for held_out in range(folds):
        train = [i for i in range(len(pages)) if fold[i] != held_out and len(pages[i].blocks)]
        features = np.vstack([inputs[i] for i in train])
        labels = np.concatenate([pages[i].labels for i in train])
        predict = _fit(model, features, labels)
        for i in range(len(pages)):
            if fold[i] == held_out and len(pages[i].blocks):
                result[i] = predict(inputs[i])
    return result


def _fit(
    model: str, features: NDArray[np.float64], labels: NDArray[np.int64]
) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """Train ``model`` ("trees" or "logistic"); return its probability function."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    if model == "trees":
        trees = HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.1, max_leaf_nodes=15, random_state=0
        ).fit(features, labels)
        return lambda rows: trees.predict_proba(rows)[:, 1]
    scaler = StandardScaler().fit(features)
    linear = LogisticRegression(max_iter=3000).fit(scaler.transform(features), labels)
    return lambda rows: linear.predict_proba(scaler.transform(rows))[:, 1]


def consensus_texts(
    texts: dict[str, list[str]], candidates: Sequence[str], margin: float
) -> list[str]:
    """Page-level vote: the candidate agreeing most with the others, if clearly above ours."""
    chosen = []
    for index in range(len(texts["newstrail"])):
        agreement = {
            name: statistics.fmean(
                page_counts(texts[name][index], texts[other][index])[0]
                for other in candidates
                if other != name
            )
            for name in candidates
        }
        best = max(agreement, key=lambda name: agreement[name])
        pick = best if agreement[best] - agreement["newstrail"] > margin else "newstrail"
        chosen.append(texts[pick][index])
    return chosen


def score(pages: Sequence[Page], texts: Sequence[str]) -> dict[str, dict[str, float]]:
    """Body F1/P/R per set, the ScrapingHub scorer."""
    result = {}
    for name in BODY_SETS:
        index = [i for i, page in enumerate(pages) if page.name == name]
        result[name] = body_prf([pages[i].truth for i in index], [texts[i] for i in index])
    return result


def main() -> None:
    """Measure every route and baseline; print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, help="folds by publisher")
    args = parser.parse_args()
    run = BenchRun("extraction_blocks")
    pages = load_pages()
    texts, seconds = run_systems(pages)
    rows: dict[str, dict[str, dict[str, float]]] = {}
    for name in SYSTEMS:
        rows[name] = score(pages, texts[name])
    voters = ("trafilatura", "justext", "readability-lxml")
    shares = {
        name: [kept_share(page.blocks, texts[name][i]) for i, page in enumerate(pages)]
        for name in SYSTEMS
    }
    votes = [
        sum((shares[name][i] >= 0.5).astype(int) for name in voters) for i in range(len(pages))
    ]
    rows["(a) block vote 2 of 3"] = score(
        pages, [body_text(page, votes[i] >= 2) for i, page in enumerate(pages)]
    )
    rows["(a) page consensus"] = score(
        pages, consensus_texts(texts, ("newstrail", *voters), margin=0.1)
    )
    for model in ("logistic", "trees"):
        probabilities = cross_validated_probabilities(
            pages, [page.features for page in pages], args.folds, model
        )
        rows[f"(b) classifier, {model}"] = score(
            pages, [body_text(page, probabilities[i] >= 0.5) for i, page in enumerate(pages)]
        )
    stacked_inputs = [
        np.hstack(
            [page.features, with_neighbours(np.column_stack([shares[n][i] for n in SYSTEMS]))]
        )
        if page.blocks
        else page.features
        for i, page in enumerate(pages)
    ]
    probabilities = cross_validated_probabilities(pages, stacked_inputs, args.folds, "trees")
    rows["(a+b) trees over features + all votes"] = score(
        pages, [body_text(page, probabilities[i] >= 0.5) for i, page in enumerate(pages)]
    )
    run.print_header()
    counts = {name: sum(page.name == name for page in pages) for name in BODY_SETS}
    print(f"\nBody F1 (P/R), {args.folds} folds by publisher for (b) and (a+b); pages: {counts}")
    print(f"{'system':<40}" + "".join(f"{name:>26}" for name in BODY_SETS))
    for system, by_set in rows.items():
        cells = [f"{s['f1']:.3f} ({s['precision']:.3f}/{s['recall']:.3f})" for s in by_set.values()]
        print(f"{system:<40}" + "".join(f"{cell:>26}" for cell in cells))
    print("\nCPU seconds over all pages")
    for name, value in seconds.items():
        print(f"{name:<40}{value:>8.1f}")
    print()
    run.write(
        {
            "pages": counts,
            "folds": args.folds,
            "scores": rows,
            "cpu_seconds": seconds,
            "cross_validated": [
                "(b) classifier, logistic",
                "(b) classifier, trees",
                "(a+b) trees over features + all votes",
            ],
        }
    )


if __name__ == "__main__":
    main()
