"""Redesign benchmark: false changes after template changes, and real edits caught on top.

Real pages from every dev set in ``shared/data/extraction`` (real HTML) are
recorded once, then re-captured under synthetic redesigns of their template,
each alone and all together:

- ``chrome``: another banner and a sidebar of links;
- ``og_title``: the ``og:title`` changed ("… — live updates"), the ``<h1>`` not;
- ``video``: a video box with a caption inside the article;
- ``newsletter``: a newsletter sign-up box inside the article;
- ``byline``: a byline account widget reading "Username";
- ``lead``: the lead paragraph wrapped in a "standfirst" box;
- ``all``: everything above.

Each redesign is recorded once as it is (a false change if a visible version
results) and once with a real editorial edit on top (a figure changed, or a
sentence added, in a story paragraph): a missed edit if no visible version
results. Recording is ``versions.recording.record_capture`` on an in-memory
store, all layers included. Two systems are measured in the same run:

- ``newstrail``: recording as shipped (verification against both raw pages);
- ``classify only``: the layers without the raw-HTML check (the visible-change
  decision of ``compare_versions`` alone, what recording did before);
- ``text hash``: any difference in extracted title or text is a change.

Pages are split by publisher (``bench._common.fold_of`` over the page's
registered domain) into a *tune* half and a *check* half; only the tune half
was looked at while building ``versions/verification.py``, and the check half
is the number that counts.

Run: ``.venv/bin/python -m bench.redesigns [--pages 120]`` → table + bench/results/redesigns.json
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree
from lxml.html import HtmlElement, document_fromstring, tostring
from lxml.html import fragment_fromstring as fragment_from

from bench._common import BenchRun, fold_of, shared_data
from newstrail.extract.article import extract_html
from newstrail.extract.records import Extracted
from newstrail.store.database import Store
from newstrail.text.encoding import decode_html
from newstrail.text.urls import registered_domain
from newstrail.versions.diff import VersionText
from newstrail.versions.edits import compare_versions
from newstrail.versions.recording import Capture, record_capture

SEED = 20261209
SETS = (
    "fundus-meta",
    "scrapinghub-aeb",
    "trafilatura-evaldata",
    "readability",
    "htmldate-bbaw",
    "htmldate-mediacloud2020",
)
REDESIGNS = ("chrome", "og_title", "video", "newsletter", "byline", "lead", "all")
MIN_WORDS = 150


def load_pages(limit: int) -> list[dict[str, Any]]:
    """Pages with their set, key, URL and publisher group, balanced across sets."""
    per_set: dict[str, list[dict[str, Any]]] = {}
    for name in SETS:
        folder = shared_data() / "extraction" / name
        truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
        pages = []
        for key, row in sorted(truth.items()):
            path = folder / "html" / f"{key}.html.gz"
            if not path.exists():
                continue
            url = row.get("url") if isinstance(row, dict) else None
            group = registered_domain(url) if url else None
            pages.append({"set": name, "key": key, "url": url, "group": group or key.split("_")[0]})
        per_set[name] = pages
    chosen: list[dict[str, Any]] = []
    while len(chosen) < limit and any(per_set.values()):
        for name in SETS:
            if per_set[name] and len(chosen) < limit:
                chosen.append(per_set[name].pop(0))
    return chosen


def raw_of(page: dict[str, Any]) -> bytes:
    folder = shared_data() / "extraction" / page["set"] / "html"
    return gzip.decompress((folder / f"{page['key']}.html.gz").read_bytes())


def story_paragraphs(root: HtmlElement, text: str) -> list[HtmlElement]:
    """<p> elements whose text is a story paragraph of the extraction (12+ words)."""
    body = " ".join(text.split())
    found = []
    for element in root.iter("p"):
        words = " ".join(element.text_content().split())
        if len(words.split()) >= 12 and words in body:
            found.append(element)
    return found


def _box(html_text: str) -> HtmlElement:
    return fragment_from(html_text)  # type: ignore[no-any-return]


def redesign(
    raw: bytes, text: str, name: str, rng: random.Random, edit: bool
) -> tuple[bytes, str | None] | None:
    """The page under one template change (and a real edit when asked); None if not applicable."""
    root = document_fromstring(decode_html(raw))
    paragraphs = story_paragraphs(root, text)
    if len(paragraphs) < 3:
        return None
    body = root.find("body")
    head = root.find("head")
    if body is None or head is None:
        return None
    for meta in head.iterfind("meta"):  # the page is written back as UTF-8: say so
        if meta.get("charset") or (meta.get("http-equiv") or "").lower() == "content-type":
            head.remove(meta)
    head.insert(0, etree.Element("meta", charset="utf-8"))
    names = REDESIGNS[:-1] if name == "all" else (name,)
    for one in names:
        if one == "chrome":
            body.insert(
                0,
                _box(
                    '<div class="top-banner"><p>Subscribers get unlimited access to '
                    "every story and our award-winning daily puzzles.</p></div>"
                ),
            )
            body.append(
                _box(
                    '<aside class="sidebar"><h3>Most read</h3><ul><li><a href="/a">Ferry '
                    "times change next month as the operator cuts its routes</a></li>"
                    '<li><a href="/b">Library to open on Sundays from spring</a></li>'
                    "</ul></aside>"
                )
            )
        elif one == "og_title":
            for meta in head.iterfind("meta"):
                if meta.get("property") == "og:title":
                    meta.getparent().remove(meta)  # type: ignore[union-attr]
            title = root.findtext(".//h1") or root.findtext(".//title") or "Story"
            shown = " ".join(title.split())[:80]
            etree.SubElement(head, "meta", property="og:title", content=f"{shown} — live updates")
        elif one == "video":
            paragraphs[1].addnext(
                _box(
                    '<figure class="video-player"><video src="/v.mp4"></video>'
                    "<figcaption>Watch: the moment the decision was announced, "
                    "explained in two minutes.</figcaption></figure>"
                )
            )
        elif one == "newsletter":
            paragraphs[0].addnext(
                _box(
                    '<div class="newsletter-signup"><p>Get the morning briefing '
                    "in your inbox every weekday. Sign up for our free newsletter "
                    "today.</p></div>"
                )
            )
        elif one == "byline":
            paragraphs[0].addprevious(
                _box(
                    '<div class="account-widget"><p class="byline">By '
                    '<a rel="author" href="/account">Username</a></p></div>'
                )
            )
        elif one == "lead":
            lead = paragraphs[0]
            wrapper = _box('<div class="standfirst"></div>')
            lead.addprevious(wrapper)
            wrapper.append(lead)
    changed = None
    if edit:
        # In the first half of the story: some pages carry the next article
        # below ("continued" bodies) and extraction takes both; an edit there is
        # that other article's.
        target = paragraphs[len(paragraphs) // 4 + 1]
        content = target.text_content()
        number = re.search(r"\b\d+\b", content)
        if number and rng.random() < 0.5:
            changed = (
                content[: number.start()] + str(int(number.group(0)) + 3) + content[number.end() :]
            )
        else:
            changed = content.rstrip() + " Officials said a further review would follow in March."
        for child in list(target):
            target.remove(child)
        target.text = changed
    return tostring(root, encoding="utf-8"), (changed if edit else None)


def text_hash_changed(old: Extracted, new: Extracted) -> bool:
    return old.text != new.text or (old.title or "") != (new.title or "")


def classify_only_changed(old: Extracted, new: Extracted) -> bool:
    a = VersionText(old.title, old.author, old.date, old.text)
    b = VersionText(new.title, new.author, new.date, new.text)
    return compare_versions(a, b).changed


def run(
    limit: int, only_half: str | None = None, names: tuple[str, ...] = REDESIGNS
) -> dict[str, Any]:
    """Record every page and its redesigns; tally false changes and missed edits."""
    rng = random.Random(SEED)
    store = Store(":memory:")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    tally: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    used = 0
    skipped: dict[str, int] = defaultdict(int)
    for index, page in enumerate(load_pages(limit)):
        half = "tune" if fold_of(page["group"], 2) == 0 else "check"
        if only_half is not None and half != only_half:
            continue
        raw = raw_of(page)
        try:
            first = extract_html(raw, page["url"])
        except Exception:
            continue
        if len(first.text.split()) < MIN_WORDS:
            continue
        used += 1
        for name in names:
            for edit in (False, True):
                made = redesign(raw, first.text, name, rng, edit)
                if made is None:
                    continue
                changed_raw, edited = made
                url = f"https://bench.invalid/{index}/{name}/{int(edit)}"
                record_capture(store, Capture(url, first, "fetch", at, raw, "text/html"))
                second = extract_html(changed_raw, page["url"])
                if edited and " ".join(edited.split()) not in " ".join(second.text.split()):
                    # The extractor never saw the edited paragraph: no system could.
                    skipped[name] += 1
                    continue
                recorded = record_capture(
                    store,
                    Capture(
                        url, second, "fetch", at + timedelta(hours=1), changed_raw, "text/html"
                    ),
                )
                outcomes = {
                    "newstrail": recorded.visible,
                    "classify only": classify_only_changed(first, second),
                    "text hash": text_hash_changed(first, second),
                }
                for system, reported in outcomes.items():
                    cell = tally[(system, half, name, "edit" if edit else "template")]
                    cell[0] += 1
                    cell[1] += int(reported if not edit else not reported)
    results: dict[str, Any] = {"pages": used, "edits_not_extracted": dict(skipped), "systems": {}}
    for (system, half, name, case), (n, bad) in sorted(tally.items()):
        key = "missed_edits" if case == "edit" else "false_changes"
        entry = results["systems"].setdefault(system, {}).setdefault(half, {}).setdefault(name, {})
        entry[key] = bad
        entry[f"{case}_cases"] = n
    return results


def real_captures() -> list[dict[str, Any]]:
    """Every consecutive pair of ``shared/data/revisions`` recorded as a watcher would."""
    base = shared_data() / "revisions"
    manifest = json.loads((base / "manifest.json").read_text())
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in manifest:
        by_case[entry["case"]].append(entry)
    store = Store(":memory:")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for case, entries in sorted(by_case.items()):
        entries.sort(key=lambda e: e["version_index"])
        observation = entries[0]["helper_observation"].lower()
        expected = not (
            observation.startswith("template/trivial") or "no-substantive-change" in observation
        )
        for number, (old, new) in enumerate(itertools.pairwise(entries)):
            url = f"https://bench.invalid/revisions/{case}/{number}"
            old_raw, new_raw = (base / old["file"]).read_bytes(), (base / new["file"]).read_bytes()
            first = extract_html(old_raw, old["canonical_url"])
            second = extract_html(new_raw, new["canonical_url"])
            record_capture(store, Capture(url, first, "fetch", at, old_raw, "text/html"))
            recorded = record_capture(
                store, Capture(url, second, "fetch", at + timedelta(days=1), new_raw, "text/html")
            )
            rows.append(
                {
                    "case": case,
                    "pair": [old["version_index"], new["version_index"]],
                    "expected_changed": expected,
                    "newstrail": recorded.visible,
                    "outcome": recorded.outcome,
                    "classify only": classify_only_changed(first, second),
                    "text hash": text_hash_changed(first, second),
                }
            )
    return rows


def print_table(results: dict[str, Any]) -> None:
    print(f"pages used: {results['pages']}")
    print(f"{'system':14} {'half':6} {'redesign':11} {'false changes':>15} {'missed edits':>14}")
    for system, halves in results["systems"].items():
        for half in ("tune", "check"):
            for name, entry in halves.get(half, {}).items():
                false = f"{entry.get('false_changes', 0)}/{entry.get('template_cases', 0)}"
                missed = f"{entry.get('missed_edits', 0)}/{entry.get('edit_cases', 0)}"
                print(f"{system:14} {half:6} {name:11} {false:>15} {missed:>14}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=120, help="pages from the dev sets")
    arguments = parser.parse_args()
    bench = BenchRun("redesigns")
    results = run(arguments.pages)
    results["real_captures"] = real_captures()
    bench.print_header()
    print_table(results)
    print("\nreal capture pairs (shared/data/revisions): right answers per system")
    pairs = results["real_captures"]
    for system in ("newstrail", "classify only", "text hash"):
        right = sum(row[system] == row["expected_changed"] for row in pairs)
        print(f"  {system:14} {right}/{len(pairs)}")
    bench.write(results)


if __name__ == "__main__":
    main()
