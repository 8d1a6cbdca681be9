"""Feasibility: how much would a trained token tagger earn over the quote rules?

Run: ``.venv/bin/python -m bench.quote_tagger`` (about four CPU minutes).
Prints a table and writes ``bench/results/quote_tagger.json``.

PolNeAR's train split is not available here and PolNeAR has no licence, so
nothing trained here ships in ``src/``: this bench only measures what a tagger
*would* earn, to decide whether licensed training data is worth acquiring.
It trains on dev half A and tests on dev half B, then the other way round
(two-fold, halves as in ``bench/quotes.py``), on the spaCy parse the rules
use (``newstrail.text.nlp.load_english()``, one parse per paragraph).

Tagger: one BIO tag sequence per role (content, source, cue), each token
described by its word, lemma, part of speech, dependency, head, entity type,
whether it lies inside quotation marks, whether an ancestor is a reporting
verb of the rules' lexicon (and through which relation), and its neighbours'
word and part of speech. Two learners: a scikit-learn linear SVM (one token
at a time; an I with no B before it opens a span), and a linear-chain CRF
(python-crfsuite, when importable: ``.venv/bin/pip install python-crfsuite``;
it is not a project dependency). Each is trained twice: on the parse alone,
and *stacked* (the rule extractor's own content/source/cue spans as extra
features), which is how a tagger would be used next to the rules.

Scoring is ``bench/quotes.py``'s per-role overlap score (|pred ∩ gold| /
max(|pred|, |gold|) ≥ 0.3, one-to-one). The tagger predicts spans per role
and does not link them into attributions, so only role P/R/F1 are compared;
the rules' attribution F1 is printed for context. The training halves are
small (1,461 attributions in half A, 731 in half B; the authors' train split,
months 1–10 of their corpus, is many times larger and not available here), so
the CRF also learns from a random half of its training half: the learning
curve says whether more data would keep helping. Sequences are paragraphs, so
a content may run over sentences as quotations do.
"""

from __future__ import annotations

import random
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.feature_extraction import DictVectorizer
from sklearn.svm import LinearSVC

from bench._common import BenchRun, shared_data
from bench.quotes import (  # bench/quotes.py: the scorer, shared so both benches score alike
    ROLES,
    Attribution,
    Counts,
    Tally,
    _match,
    _span_chars,
    half,
    load_articles,
    merge_by_cue,
    score_article,
)
from newstrail.coverage.quoting.cues import CUE_VERBS
from newstrail.coverage.quoting.extraction import extract_quotes
from newstrail.coverage.quoting.marks import find_marked_quotes
from newstrail.coverage.quoting.stances import STANCE_VERBS
from newstrail.text.nlp import load_english, model_version

REPORTING_LEMMAS = CUE_VERBS | STANCE_VERBS | {"according"}
Features = dict[str, Any]


@dataclass
class TokenRow:
    """One token of an article: its span, features and gold BIO tag per role."""

    start: int
    end: int
    features: Features
    gold: dict[str, str]


@dataclass
class Article:
    """An article ready for tagging: token rows per paragraph, gold and rule output."""

    name: str
    text: str
    gold: list[Attribution]
    sequences: list[list[TokenRow]]
    rule_seconds: float
    rule_tally: Tally


def _bio(tokens: Sequence[tuple[int, int]], pieces: Iterable[tuple[int, int]]) -> list[str]:
    """BIO tags of ``tokens`` for the character ``pieces`` (a token is in if it overlaps one)."""
    tags = ["O"] * len(tokens)
    for piece_start, piece_end in sorted(pieces):
        inside = [
            index
            for index, (start, end) in enumerate(tokens)
            if start < piece_end and piece_start < end
        ]
        for position, index in enumerate(inside):
            if tags[index] == "O":
                tags[index] = "B" if position == 0 else "I"
    return tags


def _role_pieces(gold: list[Attribution], role: str) -> list[tuple[int, int]]:
    """Contiguous character runs of each gold attribution's ``role`` set."""
    pieces: list[tuple[int, int]] = []
    for attribution in gold:
        chars = sorted(attribution.roles.get(role, ()))
        if not chars:
            continue
        start = previous = chars[0]
        for char in chars[1:]:
            if char != previous + 1:
                pieces.append((start, previous + 1))
                start = char
            previous = char
        pieces.append((start, previous + 1))
    return pieces


def _reporting_ancestor(token: Any) -> tuple[str, str]:
    """(lemma, relation of the child on the path) of the nearest reporting-verb ancestor."""
    child = token
    for ancestor in token.ancestors:
        if ancestor.lemma_.lower() in REPORTING_LEMMAS:
            return ancestor.lemma_.lower(), child.dep_
        child = ancestor
    return "-", "-"


def build_article(name: str, text: str, gold: list[Attribution]) -> Article:
    """Parse an article, describe its tokens and run the rules on it."""
    nlp = load_english()
    paragraphs = [m for m in re.finditer(r"[^\r\n]+", text) if m.group().strip()]
    marks = [(mark.start, mark.end) for mark in find_marked_quotes(text)]
    started = time.process_time()
    rule_quotes = extract_quotes(text)
    rule_seconds = time.process_time() - started
    rule_tally = Tally()
    score_article(text, gold, rule_quotes, rule_tally)
    merged = merge_by_cue(rule_quotes)
    rule_pieces = {
        "content": [q.quote for q in merged],
        "source": [q.speaker for q in merged if q.speaker],
        "cue": [q.verb for q in merged if q.verb],
    }
    # One sequence per paragraph, not per sentence: a gold content often runs over
    # several sentences of a quotation, which a per-sentence tagger cannot mark.
    sequences: list[list[TokenRow]] = []
    for doc, paragraph in zip(nlp.pipe(m.group() for m in paragraphs), paragraphs, strict=True):
        base = paragraph.start()
        tokens = [t for t in doc if not t.is_space]
        if not tokens:
            continue
        spans = [(base + t.idx, base + t.idx + len(t.text)) for t in tokens]
        gold_tags = {role: _bio(spans, _role_pieces(gold, role)) for role in ROLES}
        rule_tags = {role: _bio(spans, rule_pieces[role]) for role in ROLES}
        rows = []
        for position, (token, span) in enumerate(zip(tokens, spans, strict=True)):
            lemma, relation = _reporting_ancestor(token)
            features: Features = {
                "bias": 1.0,
                "lower": token.lower_,
                "lemma": token.lemma_.lower(),
                "pos": token.pos_,
                "tag": token.tag_,
                "dep": token.dep_,
                "head_lemma": token.head.lemma_.lower(),
                "head_pos": token.head.pos_,
                "head_dep": token.head.dep_,
                "dep_head": f"{token.dep_}>{token.head.lemma_.lower()}",
                "entity": token.ent_type_ or "-",
                "shape": token.shape_[:4],
                "quote_mark": token.is_quote,
                "in_quotes": any(first <= span[0] < last for first, last in marks),
                "reporting_verb": token.lemma_.lower() in REPORTING_LEMMAS,
                "reporting_ancestor": lemma,
                "reporting_relation": relation,
                "sentence_start": token.is_sent_start,
                "sentence_end": token.is_sent_end,
                "left_edge": token.left_edge.i == token.i,
            }
            for offset in (-2, -1, 1, 2):
                other = position + offset
                if 0 <= other < len(tokens):
                    features[f"{offset}:lower"] = tokens[other].lower_
                    features[f"{offset}:pos"] = tokens[other].pos_
                else:
                    features[f"{offset}:edge"] = True
            for role in ROLES:
                features[f"rule_{role}"] = rule_tags[role][position]
                previous = rule_tags[role][position - 1] if position else "-"
                features[f"rule_{role}_previous"] = previous
            rows.append(
                TokenRow(span[0], span[1], features, {r: gold_tags[r][position] for r in ROLES})
            )
        sequences.append(rows)
    return Article(name, text, gold, sequences, rule_seconds, rule_tally)


def _features(row: TokenRow, stacked: bool) -> Features:
    """The row's features, without the rule extractor's when not ``stacked``."""
    if stacked:
        return row.features
    return {key: value for key, value in row.features.items() if not key.startswith("rule_")}


def decode(rows: Sequence[TokenRow], tags: Sequence[str]) -> list[tuple[int, int]]:
    """Character spans from BIO tags (an I with no B before it opens a span)."""
    spans: list[tuple[int, int]] = []
    current: list[int] | None = None
    for row, tag in zip(rows, tags, strict=True):
        if tag == "B" or (tag == "I" and current is None):
            if current is not None:
                spans.append((current[0], current[1]))
            current = [row.start, row.end]
        elif tag == "I" and current is not None:
            current[1] = row.end
        else:
            if current is not None:
                spans.append((current[0], current[1]))
            current = None
    if current is not None:
        spans.append((current[0], current[1]))
    return spans


Tagger = Callable[[list[list[TokenRow]]], list[list[str]]]


def _liblinear(matrix: Any) -> Any:
    """The sparse matrix with 32-bit indices, which liblinear requires."""
    matrix = matrix.tocsr()
    matrix.indices = matrix.indices.astype(np.int32)
    matrix.indptr = matrix.indptr.astype(np.int32)
    return matrix


def train_linear(articles: list[Article], role: str, stacked: bool) -> Tagger:
    """A token-wise linear SVM (liblinear), its context the neighbours' features only."""
    rows = [row for article in articles for sequence in article.sequences for row in sequence]
    vectorizer = DictVectorizer()
    matrix = _liblinear(vectorizer.fit_transform([_features(row, stacked) for row in rows]))
    # liblinear's linear SVM, not logistic regression: same features, within 0.01
    # F1 on every role and fold, a tenth of the CPU time (5 s vs 56 s, fold A→B).
    model = LinearSVC(C=0.1)
    model.fit(matrix, [row.gold[role] for row in rows])

    def tag(sequences: list[list[TokenRow]]) -> list[list[str]]:
        flat = [row for sequence in sequences for row in sequence]
        if not flat:
            return [[] for _ in sequences]
        matrix = _liblinear(vectorizer.transform([_features(row, stacked) for row in flat]))
        labels = list(model.predict(matrix))
        output, position = [], 0
        for sequence in sequences:
            output.append([str(label) for label in labels[position : position + len(sequence)]])
            position += len(sequence)
        return output

    return tag


def _crf_items(sequence: list[TokenRow], stacked: bool) -> list[dict[str, float]]:
    """python-crfsuite items: string features become ``name=value`` indicators."""
    items = []
    for row in sequence:
        item: dict[str, float] = {}
        for key, value in _features(row, stacked).items():
            if isinstance(value, bool):
                item[key] = float(value)
            elif isinstance(value, float):
                item[key] = value
            else:
                item[f"{key}={value}"] = 1.0
        items.append(item)
    return items


def train_crf(articles: list[Article], role: str, stacked: bool, model_path: Path) -> Tagger:
    """A linear-chain CRF (L-BFGS, elastic net) over the same features."""
    import pycrfsuite  # type: ignore[import-untyped, import-not-found, unused-ignore]

    trainer = pycrfsuite.Trainer(verbose=False)
    for article in articles:
        for sequence in article.sequences:
            trainer.append(_crf_items(sequence, stacked), [row.gold[role] for row in sequence])
    # c1/c2 as in the python-crfsuite CoNLL example; not tuned (no third split to tune on).
    trainer.set_params({"c1": 0.1, "c2": 0.05, "max_iterations": 100})
    trainer.train(str(model_path))
    tagger = pycrfsuite.Tagger()
    tagger.open(str(model_path))

    def tag(sequences: list[list[TokenRow]]) -> list[list[str]]:
        return [list(tagger.tag(_crf_items(sequence, stacked))) for sequence in sequences]

    return tag


def _gold_tagger(role: str) -> Tagger:
    """A "tagger" that returns the gold tags, to score what flat BIO tags can express."""

    def tag(sequences: list[list[TokenRow]]) -> list[list[str]]:
        return [[row.gold[role] for row in sequence] for sequence in sequences]

    return tag


def score_tagger(articles: list[Article], taggers: dict[str, Tagger]) -> dict[str, Counts]:
    """Per-role overlap counts of the tagger's spans against gold."""
    counts = {role: Counts() for role in ROLES}
    for article in articles:
        for role in ROLES:
            tags = taggers[role](article.sequences)
            predicted = [
                span
                for sequence, sequence_tags in zip(article.sequences, tags, strict=True)
                for span in decode(sequence, sequence_tags)
            ]
            gold_sets = [a.roles[role] for a in article.gold if role in a.roles]
            matches = _match(gold_sets, [_span_chars([span]) for span in predicted])
            counts[role].add(Counts(len(matches), len(matches), len(gold_sets), len(predicted)))
    return counts


def rules_counts(articles: list[Article]) -> tuple[dict[str, Counts], Counts]:
    """The rule extractor's per-role overlap counts and attribution counts."""
    counts = {role: Counts() for role in ROLES}
    attribution = Counts()
    for article in articles:
        for role in ROLES:
            counts[role].add(article.rule_tally.overlap[role])
        attribution.add(article.rule_tally.attribution)
    return counts, attribution


def main() -> None:
    """Two-fold train/test over dev halves A and B; print and write the table."""
    run = BenchRun("quote_tagger")
    try:
        import pycrfsuite  # noqa: F401
    except ImportError:
        learners = ["linear SVM"]
    else:
        learners = ["linear SVM", "CRF (python-crfsuite)"]
    dev = load_articles(shared_data() / "quotes" / "polnear" / "dev")
    load_english()
    started = time.process_time()
    articles = [build_article(name, text, gold) for name, text, gold in dev]
    seconds = time.process_time() - started
    print(f"parsed and ran the rules on {len(articles)} articles in {seconds:.0f} CPU s")
    folds = {
        "A→B": (
            [a for a in articles if half(a.name) == "A"],
            [a for a in articles if half(a.name) == "B"],
        ),
        "B→A": (
            [a for a in articles if half(a.name) == "B"],
            [a for a in articles if half(a.name) == "A"],
        ),
    }
    results: dict[str, dict[str, Any]] = {}
    models = Path(tempfile.mkdtemp(prefix="quote_tagger_"))
    for fold, (train, test) in folds.items():
        counts, attribution = rules_counts(test)
        results[f"{fold} | rules"] = {
            **{role: counts[role].scores() for role in ROLES},
            "attribution": attribution.scores(),
            "train_attributions": 0,
        }
        # The ceiling of any flat BIO tagger: the gold tags themselves, decoded. Nested
        # and overlapping gold attributions collapse into one span each.
        oracle = score_tagger(test, {role: _gold_tagger(role) for role in ROLES})
        results[f"{fold} | gold BIO tags (flat-tagger ceiling)"] = {
            **{role: oracle[role].scores() for role in ROLES},
            "train_attributions": 0,
        }
        for learner in learners:
            for stacked in (False, True):
                # The learning curve only for the CRF, the better learner.
                crf = learner.startswith("CRF")
                fractions = (0.5, 1.0) if crf else (1.0,)
                for fraction in fractions:
                    subset = random.Random(7).sample(train, max(1, round(len(train) * fraction)))
                    taggers: dict[str, Tagger] = {}
                    trained = time.process_time()
                    for role in ROLES:
                        if crf:
                            model_path = models / f"{len(results)}-{role}.crfsuite"
                            taggers[role] = train_crf(subset, role, stacked, model_path)
                        else:
                            taggers[role] = train_linear(subset, role, stacked)
                    seconds = time.process_time() - trained
                    scores = score_tagger(test, taggers)
                    name = f"{fold} | {learner}{' + rules' if stacked else ''}"
                    if fraction < 1.0:
                        name += f" ({fraction:.0%} of train)"
                    results[name] = {
                        **{role: scores[role].scores() for role in ROLES},
                        "train_attributions": sum(len(a.gold) for a in subset),
                        "train_cpu_seconds": round(seconds, 1),
                    }
                    print(name, {role: scores[role].scores()["f1"] for role in ROLES})
    shutil.rmtree(models)
    table = Table(title=f"Token tagger vs rules, role overlap ≥ 0.3, P/R/F1 ({model_version()})")
    for column in ("fold | system", "train attr.", *ROLES, "attribution F1"):
        table.add_column(column)
    for name, result in results.items():
        cells = [
            f"{result[role]['precision']:.2f}/{result[role]['recall']:.2f}/{result[role]['f1']:.3f}"
            for role in ROLES
        ]
        attribution_f1 = result.get("attribution", {}).get("f1")
        table.add_row(
            name,
            str(result["train_attributions"]) if result["train_attributions"] else "-",
            *cells,
            f"{attribution_f1:.3f}" if attribution_f1 is not None else "(not linked)",
        )
    run.print_header()
    Console(width=200).print(table)
    run.write({"model": model_version(), "overlap_threshold": 0.3, "results": results})


if __name__ == "__main__":
    main()
