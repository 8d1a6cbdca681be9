"""Benchmark quote extraction and attribution on PolNeAR (dev and annotator-training).

Run: ``.venv/bin/python -m bench.quotes`` (about a minute on one core).
Prints a table and writes ``bench/results/quotes.json``.

Scoring (brat gold from ``shared/data/quotes/polnear``; see its PROVENANCE.md):
- per role (source, cue, content), each gold attribution's spans of that
  role (discontinuous pieces and Content2 merged) form one character set; a
  prediction matches *exactly* when its span equals the gold set's covering
  span after trimming spaces and edge punctuation, and by *overlap* when
  |pred ∩ gold| / max(|pred|, |gold|) ≥ 0.3; matching is one-to-one, greedy
  by best overlap;
- attribution level: content matched at overlap ≥ 0.3, and the speaker is
  correct when the predicted speaker span overlaps the gold source span or
  the canonical speaker name shares a capitalised word with the gold source
  (so "he" resolved to "Donald Trump" counts when gold marks "Trump");
  speaker accuracy is over matched quotes whose gold has a source;
- quotes sharing one cue verb ("“A,” he said, “B.”") are scored as one
  prediction, as the gold has one attribution per cue (``merge_by_cue``);
- articles annotated by several annotators are scored against the first
  annotator file in sorted order;
- two recall diagnostics: over gold contents holding quotation marks
  ("marked recall") and over gold attributions whose cue is a speech verb
  ("speech-cue recall"; PolNeAR also annotates beliefs, plans and polls);
- the dev set is also split in two fixed halves by a hash of the file name
  (A and B) so any tuning on one half can be checked on the other.
The baseline is quotation marks alone (no cues, no speakers).

A ceiling for context: on articles several annotators marked, each annotator's
content spans are scored against each other's (content F1 at overlap ≥ 0.3),
and the extractor against every annotator in turn.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench._common import BenchRun, Stopwatch, f1, shared_data
from newstrail.coverage.quoting.extraction import extract_quotes
from newstrail.coverage.quoting.marks import find_marked_quotes
from newstrail.coverage.quoting.records import Quote
from newstrail.text.nlp import load_english, model_version

OVERLAP_THRESHOLD = 0.3
ROLES = ("source", "cue", "content")
EDGE = " \t\n\r,;:.—–-"
# Gold cues that are speech verbs (PolNeAR also marks beliefs, plans, polls, "called for" …).
SPEECH_CUE = re.compile(
    r"\b(said|says?|saying|told|tells?|telling|according|add(s|ed|ing)?|wr(o|i)tes?|written"
    r"|not(ed|es|ing)|ask(s|ed)|explain(s|ed)|claim(s|ed)|argu(es|ed|ing)|insist(s|ed)"
    r"|warn(s|ed)|announc(es|ed)|report(s|ed)|stat(es|ed)|tweet(s|ed))\b|^\W*:\W*$",
    re.IGNORECASE,
)


@dataclass
class Attribution:
    """One gold attribution: character sets per role."""

    roles: dict[str, set[int]] = field(default_factory=dict)


def _span_chars(spans: Iterable[tuple[int, int]]) -> set[int]:
    """The character positions covered by ``spans``."""
    return {position for start, end in spans for position in range(start, end)}


def read_gold(ann: Path) -> list[Attribution]:
    """Parse a brat ``.ann`` file into attributions (T lines may span several physical lines)."""
    spans: dict[str, list[tuple[int, int]]] = {}
    attributions: list[Attribution] = []
    for line in ann.read_text(encoding="utf-8").splitlines():
        if re.match(r"^T\d+\t", line):
            identifier, rest = line.split("\t", 2)[:2]
            _, offsets = rest.split(" ", 1)
            spans[identifier] = [
                (int(start), int(end))
                for start, end in (piece.split() for piece in offsets.split(";"))
            ]
    for line in ann.read_text(encoding="utf-8").splitlines():
        if not re.match(r"^E\d+\t", line):
            continue
        attribution = Attribution()
        for argument in line.split("\t", 1)[1].split():
            role, target = argument.split(":")
            key = {
                "Source": "source",
                "Cue": "cue",
                "Content": "content",
                "Content2": "content",
            }.get(role.rstrip("0123456789") if role != "Content2" else role)
            if key is None or target not in spans:
                continue
            attribution.roles.setdefault(key, set()).update(_span_chars(spans[target]))
        if "content" in attribution.roles:
            attributions.append(attribution)
    return attributions


def _trim(text: str, chars: set[int]) -> tuple[int, int]:
    """The covering span of ``chars`` with spaces and edge punctuation trimmed."""
    start, end = min(chars), max(chars) + 1
    while start < end and text[start] in EDGE:
        start += 1
    while end > start and text[end - 1] in EDGE:
        end -= 1
    return start, end


def _overlap(first: set[int], second: set[int]) -> float:
    """|a ∩ b| / max(|a|, |b|)."""
    if not first or not second:
        return 0.0
    return len(first & second) / max(len(first), len(second))


def _match(gold: list[set[int]], predicted: list[set[int]]) -> list[tuple[int, int, float]]:
    """Greedy one-to-one matching by best overlap at or above the threshold."""
    pairs = sorted(
        (
            (_overlap(g, p), gi, pi)
            for gi, g in enumerate(gold)
            for pi, p in enumerate(predicted)
            if g & p
        ),
        reverse=True,
    )
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    matches: list[tuple[int, int, float]] = []
    for score, gi, pi in pairs:
        if score < OVERLAP_THRESHOLD or gi in used_gold or pi in used_pred:
            continue
        used_gold.add(gi)
        used_pred.add(pi)
        matches.append((gi, pi, score))
    return matches


@dataclass
class Counts:
    """True positives and totals for precision and recall."""

    matched_gold: int = 0
    matched_pred: int = 0
    gold: int = 0
    predicted: int = 0

    def add(self, other: Counts) -> None:
        """Accumulate another article's counts."""
        self.matched_gold += other.matched_gold
        self.matched_pred += other.matched_pred
        self.gold += other.gold
        self.predicted += other.predicted

    def scores(self) -> dict[str, float]:
        """Precision, recall and F1."""
        precision = self.matched_pred / self.predicted if self.predicted else 0.0
        recall = self.matched_gold / self.gold if self.gold else 0.0
        return {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1(precision, recall), 3),
        }


@dataclass
class Tally:
    """All counts for one system on one set of articles."""

    exact: dict[str, Counts] = field(default_factory=lambda: {role: Counts() for role in ROLES})
    overlap: dict[str, Counts] = field(default_factory=lambda: {role: Counts() for role in ROLES})
    attribution: Counts = field(default_factory=Counts)
    speaker_correct: int = 0
    speaker_total: int = 0
    direct_recalled: int = 0
    direct_gold: int = 0
    speech_recalled: int = 0
    speech_gold: int = 0
    articles: int = 0
    seconds: float = 0.0


def _predicted_roles(quote: Quote) -> dict[str, tuple[int, int] | None]:
    """The spans of a predicted quote by role name."""
    return {"source": quote.speaker, "cue": quote.verb, "content": quote.quote}


def _speaker_ok(text: str, gold: Attribution, quote: Quote) -> bool:
    """Speaker span overlaps gold source, or the canonical name shares a capitalised word."""
    source = gold.roles["source"]
    if quote.speaker and _span_chars([quote.speaker]) & source:
        return True
    if not quote.speaker_name:
        return False
    start, end = min(source), max(source) + 1
    gold_words = {word for word in re.findall(r"\w+", text[start:end]) if word[:1].isupper()}
    return bool(gold_words & set(re.findall(r"\w+", quote.speaker_name)))


def merge_by_cue(quotes: list[Quote]) -> list[Quote]:
    """One prediction per cue, as PolNeAR has one attribution per cue.

    "“A,” he said, “B.”" gives two ``Quote`` objects with the same verb, and
    "“A,” he said. “B.”" a second one with no verb but the same speaker span;
    the gold marks one attribution with two content pieces (Content and
    Content2), so the pieces are scored together as their covering span.
    """
    merged: dict[tuple[int, int], Quote] = {}
    alone: list[Quote] = []
    cue_of_speaker: dict[tuple[int, int], tuple[int, int]] = {}
    for quote in quotes:
        verb = quote.verb
        if verb is None and quote.speaker is not None:
            # A continuation ("…,” she said. “More.”) belongs to its speaker's cue.
            verb = cue_of_speaker.get(quote.speaker)
        if verb is None:
            alone.append(quote)
            continue
        if quote.speaker is not None:
            cue_of_speaker[quote.speaker] = verb
        earlier = merged.get(verb)
        if earlier is None:
            merged[verb] = quote
            continue
        span = (min(earlier.quote[0], quote.quote[0]), max(earlier.quote[1], quote.quote[1]))
        merged[verb] = Quote(
            span, earlier.speaker, earlier.speaker_name, earlier.verb, "direct", earlier.text
        )
    return sorted([*merged.values(), *alone], key=lambda quote: quote.quote)


def score_article(text: str, gold: list[Attribution], quotes: list[Quote], tally: Tally) -> None:
    """Add one article's role and attribution scores to ``tally``."""
    quotes = merge_by_cue(quotes)
    for role in ROLES:
        gold_sets = [a.roles[role] for a in gold if role in a.roles]
        predicted = [span for q in quotes if (span := _predicted_roles(q)[role]) is not None]
        predicted_sets = [_span_chars([span]) for span in predicted]
        matches = _match(gold_sets, predicted_sets)
        tally.overlap[role].add(Counts(len(matches), len(matches), len(gold_sets), len(predicted)))
        gold_exact = {_trim(text, chars) for chars in gold_sets if chars}
        pred_exact = {_trim(text, chars) for chars in predicted_sets if chars}
        hits = len(gold_exact & pred_exact)
        tally.exact[role].add(Counts(hits, hits, len(gold_sets), len(predicted)))
    content_sets = [a.roles["content"] for a in gold]
    matches = _match(content_sets, [_span_chars([q.quote]) for q in quotes])
    correct = 0
    for gi, pi, _ in matches:
        if "source" in gold[gi].roles:
            tally.speaker_total += 1
            if _speaker_ok(text, gold[gi], quotes[pi]):
                tally.speaker_correct += 1
                correct += 1
    tally.attribution.add(Counts(correct, correct, len(gold), len(quotes)))
    matched_gold = {gi for gi, _, _ in matches}
    for gi, attribution in enumerate(gold):
        start, end = min(attribution.roles["content"]), max(attribution.roles["content"]) + 1
        if re.search(r"[“”\"«»„]", text[start:end]):
            tally.direct_gold += 1
            tally.direct_recalled += gi in matched_gold
        cue = attribution.roles.get("cue")
        if cue and SPEECH_CUE.search(text[min(cue) : max(cue) + 1]):
            tally.speech_gold += 1
            tally.speech_recalled += gi in matched_gold


def statements(text: str) -> list[Quote]:
    """What a story shows as quotes: speech cues and named speakers only."""
    return extract_quotes(text, statements_only=True)


def speech_gold(
    articles: list[tuple[str, str, list[Attribution]]],
) -> list[tuple[str, str, list[Attribution]]]:
    """The articles with only the gold attributions whose cue is a speech cue.

    The convention quote corpora of news share (the Gender Gap Tracker's among
    them): a quote is what someone said or wrote, reported through a speech
    verb, "according to" or a colon. PolNeAR also marks beliefs, plans and
    polls; ``SPEECH_CUE`` (written before the statements mode, not fitted to
    it) keeps the attributions whose cue is speech.
    """
    kept = []
    for name, text, gold in articles:
        spoken = [
            attribution
            for attribution in gold
            if (cue := attribution.roles.get("cue"))
            and SPEECH_CUE.search(text[min(cue) : max(cue) + 1])
        ]
        kept.append((name, text, spoken))
    return kept


def publisher(name: str) -> str:
    """PolNeAR's publisher of an article, from its file name ("nyt_2016-…")."""
    return name.split("_", 1)[0]


def marks_only(text: str) -> list[Quote]:
    """Baseline: every quotation-marked span is a quote, with no speaker or cue."""
    return [
        Quote((mark.start, mark.end), None, None, None, "direct", text[mark.start : mark.end])
        for mark in find_marked_quotes(text)
    ]


def load_articles(folder: Path) -> list[tuple[str, str, list[Attribution]]]:
    """(name, text, gold) per article; the first annotator's file when there are several."""
    articles = []
    for text_path in sorted((folder / "text").glob("*.txt")):
        annotations = sorted((folder / "attributions").glob(f"{text_path.stem}_*.ann"))
        if not annotations:
            continue
        with open(text_path, encoding="utf-8", newline="") as handle:
            text = handle.read()
        articles.append((text_path.stem, text, read_gold(annotations[0])))
    return articles


def half(name: str) -> str:
    """Fixed split of dev into halves A and B by a hash of the article name.

    Not ``_common.fold_of``: these halves (SHA-1's first byte) are the ones
    ``bench.quote_tagger`` trained and tested on and its results report;
    moving to another hash would move articles between them.
    """
    return "A" if hashlib.sha1(name.encode()).digest()[0] % 2 == 0 else "B"


def evaluate(
    articles: list[tuple[str, str, list[Attribution]]], system: Callable[[str], list[Quote]]
) -> Tally:
    """Run ``system`` on each article and tally its scores."""
    tally = Tally()
    for _, text, gold in articles:
        # CPU time, not wall time: the machine is shared, and wall time halved under load.
        with Stopwatch() as watch:
            quotes = system(text)
        tally.seconds += watch.cpu
        tally.articles += 1
        score_article(text, gold, quotes, tally)
    return tally


def agreement(folder: Path) -> dict[str, dict[str, float]]:
    """Content F1 (overlap ≥ 0.3) annotator vs annotator, and extractor vs each annotator."""
    human, system = Counts(), Counts()
    for text_path in sorted((folder / "text").glob("*.txt")):
        annotations = sorted((folder / "attributions").glob(f"{text_path.stem}_*.ann"))
        if len(annotations) < 2:
            continue
        with open(text_path, encoding="utf-8", newline="") as handle:
            text = handle.read()
        golds = [[a.roles["content"] for a in read_gold(path)] for path in annotations]
        predicted = [_span_chars([quote.quote]) for quote in merge_by_cue(extract_quotes(text))]
        for gold in golds:
            matches = _match(gold, predicted)
            system.add(Counts(len(matches), len(matches), len(gold), len(predicted)))
        for first, second in itertools.permutations(golds, 2):
            matches = _match(first, second)
            human.add(Counts(len(matches), len(matches), len(first), len(second)))
    return {"annotator vs annotator": human.scores(), "rules vs each annotator": system.scores()}


def summary(tally: Tally) -> dict[str, object]:
    """JSON-ready scores of one tally."""
    return {
        "articles": tally.articles,
        "exact": {role: tally.exact[role].scores() for role in ROLES},
        "overlap": {role: tally.overlap[role].scores() for role in ROLES},
        "quote_overlap_0.3": tally.overlap["content"].scores(),
        "attribution": tally.attribution.scores(),
        "speaker_accuracy": round(tally.speaker_correct / tally.speaker_total, 3)
        if tally.speaker_total
        else 0.0,
        "marked_gold_recall": round(tally.direct_recalled / tally.direct_gold, 3)
        if tally.direct_gold
        else 0.0,
        "speech_cue_gold": tally.speech_gold,
        "speech_cue_recall": round(tally.speech_recalled / tally.speech_gold, 3)
        if tally.speech_gold
        else 0.0,
        "docs_per_cpu_second": round(tally.articles / tally.seconds, 2) if tally.seconds else 0.0,
    }


def main() -> None:
    """Score the extractor and the baseline on PolNeAR and write the results."""
    run = BenchRun("quotes")
    polnear = shared_data() / "quotes" / "polnear"
    dev = load_articles(polnear / "dev")
    training = load_articles(polnear / "annotator-training")
    load_english()  # load once so docs/CPU-second measures extraction, not model loading
    sets = {
        "dev": dev,
        "dev half A": [a for a in dev if half(a[0]) == "A"],
        "dev half B": [a for a in dev if half(a[0]) == "B"],
        "annotator-training": training,
    }
    results: dict[str, dict[str, object]] = {}
    for name, articles in sets.items():
        results[f"{name} | rules"] = summary(evaluate(articles, extract_quotes))
        results[f"{name} | marks-only baseline"] = summary(evaluate(articles, marks_only))
    # Statements (what the story page shows) against the speech-cue gold, beside
    # every attribution the rules find, scored on the same gold. Each text is
    # extracted once (docs/CPU-s of these rows is not a speed: cached).
    rules = functools.cache(extract_quotes)
    statements_cached = functools.cache(statements)
    for name, articles in sets.items():
        spoken = speech_gold(articles)
        results[f"{name} speech-cue gold | statements"] = summary(
            evaluate(spoken, statements_cached)
        )
        results[f"{name} speech-cue gold | rules"] = summary(evaluate(spoken, rules))
    # Nothing in the statements mode was fitted to PolNeAR (its plain speech verbs
    # are SPEECH_CUE's, the gold's own definition, not chosen by errors), so there
    # is nothing to cross-validate: leave-one-publisher-out scores are these
    # per-publisher scores, the 7 publishers one by one, to show the spread.
    for outlet in sorted({publisher(a[0]) for a in dev}):
        spoken = speech_gold([a for a in dev if publisher(a[0]) == outlet])
        results[f"dev {outlet} speech-cue gold | statements"] = summary(
            evaluate(spoken, statements_cached)
        )
        results[f"dev {outlet} speech-cue gold | rules"] = summary(evaluate(spoken, rules))
    table = Table(title=f"Quote extraction on PolNeAR ({model_version()})")
    for column in (
        "set | system",
        "docs",
        "content F1 exact",
        "content P/R/F1 ≥0.3",
        "source F1 ex/ov",
        "cue F1 ex/ov",
        "attribution F1",
        "speaker acc",
        "marked recall",
        "speech-cue recall (n)",
        "docs/CPU-s",
    ):
        table.add_column(column)
    for name, result in results.items():
        exact = result["exact"]
        overlap = result["overlap"]
        assert isinstance(exact, dict) and isinstance(overlap, dict)
        content = result["quote_overlap_0.3"]
        assert isinstance(content, dict)
        attribution = result["attribution"]
        assert isinstance(attribution, dict)
        table.add_row(
            name,
            str(result["articles"]),
            f"{exact['content']['f1']:.3f}",
            f"{content['precision']:.2f}/{content['recall']:.2f}/{content['f1']:.3f}",
            f"{exact['source']['f1']:.2f}/{overlap['source']['f1']:.2f}",
            f"{exact['cue']['f1']:.2f}/{overlap['cue']['f1']:.2f}",
            f"{attribution['f1']:.3f}",
            f"{result['speaker_accuracy']:.3f}",
            f"{result['marked_gold_recall']:.3f}",
            f"{result['speech_cue_recall']:.3f} ({result['speech_cue_gold']})",
            f"{result['docs_per_cpu_second']}",
        )
    console = Console(width=220)
    run.print_header()
    console.print(table)
    agreements = {name: agreement(polnear / name) for name in ("dev", "annotator-training")}
    ceiling = Table(title="Content P/R/F1 ≥0.3 on multi-annotator articles (human agreement)")
    for column in ("set", "annotator vs annotator", "rules vs each annotator"):
        ceiling.add_column(column)
    for name, scores in agreements.items():
        cells = [f"{s['precision']:.2f}/{s['recall']:.2f}/{s['f1']:.3f}" for s in scores.values()]
        ceiling.add_row(name, *cells)
    console.print(ceiling)
    payload = {
        "model": model_version(),
        "overlap_threshold": OVERLAP_THRESHOLD,
        "results": results,
        "agreement": agreements,
    }
    run.write(payload)


if __name__ == "__main__":
    main()
