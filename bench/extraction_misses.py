"""What body extractors miss of the gold, and add to it, sorted by the kind of page text.

Body F1 says how much differs; this bench says what. Every gold line a
system misses (under 60% of its words in the output) and every output line
the gold lacks is traced to the smallest page element holding it and sorted:

- comments: under an element whose id or class names comments or replies;
- captions: a ``<figcaption>``, inside a ``<figure>``, or a class naming a
  caption or a credit;
- links and buttons: the line is the text of one ``<a>`` or ``<button>``;
- headings: inside ``<h1>``–``<h6>``;
- other text (and lines not found in the page as one element's text).

Words are counted per kind and set, as a share of the gold's words
(missed) or of the output's words (extra), for newstrail and trafilatura
(no comments, its best mode on these sets) in the same run. Issue #14 item
6 asks to keep captions, promos and teasers out of the body; on a set whose
gold keeps them (readability's gold is Readability.js's output, comment
threads and "Learn more" buttons included), the words missed of those kinds
are what the item asks to drop, and the words of "other" are real misses.

Run: ``python -m bench.extraction_misses``; writes
``bench/results/extraction_misses.json``.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import trafilatura
from lxml.html import HtmlElement

from bench._common import BenchRun
from bench.extraction import load_set, tokens
from bench.extraction_blocks import BODY_SETS, gold_body
from newstrail.extract.article import extract_html

KINDS = ("comments", "captions", "links and buttons", "headings", "other")
_COMMENTS = re.compile(r"comment|disqus|repl(?:y|ies)|respond", re.IGNORECASE)
_CAPTION = re.compile(r"caption|credit", re.IGNORECASE)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_COVERED = 0.6  # a line is missed when under this share of its words is in the other text


def _key(text: str) -> str:
    return " ".join(tokens(text)).lower()


def element_index(tree: HtmlElement) -> list[tuple[str, HtmlElement]]:
    """Every element with its text as a words key, deepest elements last."""
    index = []
    for element in tree.iter():
        if isinstance(element.tag, str) and element.tag not in ("script", "style"):
            index.append((_key(element.text_content()), element))
    return index


def holder(line_key: str, index: list[tuple[str, HtmlElement]]) -> HtmlElement | None:
    """The smallest element whose text contains the line (None: the line is not one element's)."""
    best: tuple[int, HtmlElement] | None = None
    for text, element in index:
        if line_key in text and (best is None or len(text) < best[0]):
            best = (len(text), element)
    return best[1] if best is not None else None


def kind_of(line_key: str, element: HtmlElement | None) -> str:
    """The kind of page text a line is (see the module's docstring)."""
    if element is None:
        return "other"
    chain = [element, *element.iterancestors()]
    names = [f"{e.get('id') or ''} {e.get('class') or ''}" for e in chain]
    if any(_COMMENTS.search(name) for name in names):
        return "comments"
    if any(e.tag in ("figcaption", "figure") for e in chain) or any(
        _CAPTION.search(name) for name in names[:3]
    ):
        return "captions"
    links = [e for e in element.iter("a", "button")] + [
        e for e in chain if e.tag in ("a", "button")
    ]
    if any(_key(link.text_content()) == line_key for link in links):
        return "links and buttons"
    if any(e.tag in _HEADINGS for e in chain):
        return "headings"
    return "other"


def uncovered_lines(text: str, other: str) -> list[str]:
    """Lines of ``text`` with under ``_COVERED`` of their words in ``other``."""
    other_words = set(tokens(other))
    lines = []
    for line in text.split("\n"):
        words = tokens(line)
        if words and sum(word in other_words for word in words) / len(words) < _COVERED:
            lines.append(line)
    return lines


def page_kinds(html: str, gold: str, output: str) -> tuple[Counter[str], Counter[str]]:
    """Words missed and words extra on one page, by kind."""
    tree = trafilatura.load_html(html)
    index = element_index(tree) if tree is not None else []
    missed: Counter[str] = Counter()
    extra: Counter[str] = Counter()
    for lines, counter in (
        (uncovered_lines(gold, output), missed),
        (uncovered_lines(output, gold), extra),
    ):
        for line in lines:
            key = _key(line)
            counter[kind_of(key, holder(key, index))] += len(key.split())
    return missed, extra


def _trafilatura_text(html: str, url: str | None) -> str:
    return trafilatura.extract(html, url=url, include_comments=False) or ""


def run() -> dict[str, Any]:
    """Per set and system: missed and extra words by kind, as shares."""
    systems = {
        "newstrail": lambda html, url: extract_html(html, url).text or "",
        "trafilatura": _trafilatura_text,
    }
    results: dict[str, Any] = {}
    for name in BODY_SETS:
        truth, pages = load_set(name)
        results[name] = {}
        for system, extract in systems.items():
            missed: Counter[str] = Counter()
            extra: Counter[str] = Counter()
            gold_words = output_words = 0
            for key, entry in truth.items():
                url = (entry.get("url") or "").strip() or None
                gold, output = gold_body(name, entry), extract(pages[key], url)
                page_missed, page_extra = page_kinds(pages[key], gold, output)
                missed += page_missed
                extra += page_extra
                gold_words += len(tokens(gold))
                output_words += len(tokens(output))
            results[name][system] = {
                "pages": len(truth),
                "missed": {k: missed[k] / max(gold_words, 1) for k in KINDS},
                "extra": {k: extra[k] / max(output_words, 1) for k in KINDS},
            }
    return results


def print_table(results: dict[str, Any]) -> None:
    print("\nWords missed (share of the gold's words) and extra (share of the output's), by kind")
    print(f"{'set':<17}{'system':<13}{'':<8}" + "".join(f"{k:>19}" for k in KINDS))
    for name, systems in results.items():
        for system, row in systems.items():
            for side in ("missed", "extra"):
                cells = "".join(f"{row[side][k]:>19.4f}" for k in KINDS)
                print(f"{name:<17}{system:<13}{side:<8}{cells}")


def main() -> None:
    bench = BenchRun("extraction_misses")
    results = run()
    bench.print_header()
    print_table(results)
    bench.write({"sets": results})


if __name__ == "__main__":
    main()
