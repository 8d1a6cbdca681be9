"""Check a change against both captures' raw HTML before it is recorded as an edit.

Extraction is a guess about which part of a page is the story; when two
captures' extracted texts differ, the difference may be the story's or the
guess's. Each difference ``compare_versions`` found is checked against the raw
pages of both captures, which are stored:

- a sentence *added* is editorial only if, in the new page, it sits inside the
  article container (the element holding most of the sentences both captures
  share) and not inside furniture there (aside, figure, form, a newsletter,
  video or related-links box), and the old page does not already show it in
  its container (then extraction missed it in the old capture: the dropped
  lead of diffengine's fragment complaints, edsu/diffengine #7);
- a sentence *deleted* is checked the same way with the pages swapped;
- a *headline* change counts only if the displayed headline (``<h1>``) changed:
  a new ``og:title`` above an unchanged ``<h1>`` is metadata, not an edit;
- a *byline* change counts only if a person's name came or went that the
  other page does not show ("Username" from a login widget is not an author).

Whatever fails the check is dismissed with a reason; a change all of whose
edits are dismissed is recorded as *template-only*. The pages are parsed only
when the texts differ (most checks find identical bytes or identical text).

Locating a sentence is done by hand over a flattened copy of the page text
with each element's span in it: lxml has no "element containing this text"
query, and trafilatura's own tree is pruned before we could ask.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree
from lxml.html import HtmlElement, document_fromstring

from newstrail.text.encoding import decode_html
from newstrail.text.sentences import count_words
from newstrail.versions.diff import SentenceOp, VersionText
from newstrail.versions.edits import (
    BYLINE_PREFIX,
    Comparison,
    compare_versions,
    is_correction_notice,
)
from newstrail.versions.furniture import is_prose
from newstrail.versions.normalise import normalise_characters

# Elements that hold page furniture wherever they sit, and class/id/role words
# that name it. A sentence inside one of these (below the article container) is
# template, not story.
FURNITURE_TAGS = frozenset(
    [
        "aside",
        "figure",
        "figcaption",
        "nav",
        "footer",
        "header",
        "form",
        "button",
        "video",
        "audio",
        "iframe",
        "noscript",
        "dialog",
        "menu",
        "svg",
        "select",
        "label",
    ]
)
# Words of class/id/role names (split at "-", "_" and camelCase) that name
# furniture. Whole words, not substrings: a substring list dismissed a real
# edit inside ABC's "voc-paywall" story wrapper (paywall markup wraps the story
# itself; restricted pages are health.py's business).
FURNITURE_WORDS = frozenset(
    """newsletter newsletters promo promos promotion related recirc recirculation share
    sharing sharebar social subscribe subscription signup advert adverts advertisement
    advertising ad ads adslot banner sidebar widget video videos player caption outbrain
    taboola readmore cookie cookies consent comments popular trending mostread breadcrumb
    breadcrumbs toolbar login account""".split()  # noqa: SIM905 - a word list reads best as text
)
NAME_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
# Elements that wrap a whole story: the furniture search stops there (the 2020
# BBC page wraps its article in "ContainerWithSidebarWrapper").
STORY_TAGS = frozenset(["article", "main", "body"])
SKIPPED_TAGS = frozenset(["script", "style", "template", "head", "title", "meta", "link"])
BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "section",
        "article",
        "main",
        "aside",
        "figure",
        "figcaption",
        "header",
        "footer",
        "nav",
        "table",
        "tr",
        "td",
        "th",
        "br",
        "hr",
        "dd",
        "dt",
        "dl",
        "pre",
        "form",
    ]
)
# How many shared sentences locate the article container. The container holds
# all of them: on a tune-half page whose story is split over two sibling blocks
# (an ad between them), holding four fifths of them left a real edit "outside".
# Only prose of CONTAINER_MIN_WORDS or more locates it, so a short footer line
# extracted in both captures does not widen it to the whole page.
CONTAINER_SAMPLE = 40
CONTAINER_SHARE = 1.0
CONTAINER_MIN_WORDS = 8
CONTAINER_MIN_SHARED = 5
# Words that say a byline came from page furniture, not from an author.
NOT_A_PERSON = re.compile(
    r"\b(?:user ?name|log ?in|sign ?(?:in|up)|subscribe|account|profile|menu|search|"
    r"share|follow|comments?|newsletter|e-?mail|password|register|my\b)",
    re.IGNORECASE,
)
NON_WORD = re.compile(r"\W+")
NAME_SPLIT = re.compile(r"\s*(?:,|;|/|&|\band\b|\bund\b|\bet\b|\by\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Side:
    """One capture: its extracted text and the raw bytes it came from."""

    text: VersionText
    raw: bytes | None


@dataclass(frozen=True)
class Verdict:
    """What the check found: the edits that stand and those dismissed, with reasons."""

    comparison: Comparison
    kept: tuple[str, ...]
    dismissed: tuple[str, ...] = field(default=())
    dismissed_added_words: int = 0  # words of added text found to be template

    @property
    def editorial(self) -> bool:
        """True when at least one edit survived the check."""
        return bool(self.kept)

    def reason(self) -> str:
        """One line saying why the change is or is not an edit."""
        if self.editorial:
            return "; ".join(self.kept[:3])
        return "; ".join(self.dismissed[:3]) or "no edit survived the check"

    def to_json(self) -> dict[str, object]:
        """The verdict as stored in ``versions.verification``."""
        return {
            "editorial": self.editorial,
            "reason": self.reason(),
            "kept": list(self.kept[:20]),
            "dismissed": list(self.dismissed[:20]),
        }


def _key(text: str) -> str:
    """Text folded for locating it in a page: characters normalised, spaces collapsed."""
    return " ".join(normalise_characters(text).split()).casefold()


class Page:
    """A raw capture flattened to text, with every element's span in that text."""

    def __init__(self, raw: bytes) -> None:
        self.elements: list[HtmlElement] = []
        self.spans: list[tuple[int, int]] = []
        self._parts: list[str] = []
        self._length = 0
        self.headlines: list[str] = []
        try:
            root = document_fromstring(decode_html(raw))
        except (ValueError, etree.ParserError):
            root = None
        self.root = root
        if root is not None:
            body = root.find("body")
            self._walk(body if body is not None else root)
            self.headlines = [_key(h.text_content()) for h in root.iterfind(".//h1")]
            self.headlines = [h for h in self.headlines if h]
        self.text = "".join(self._parts)
        self._positions = {id(element): i for i, element in enumerate(self.elements)}

    def _append(self, text: str | None) -> None:
        if not text:
            return
        piece = _key(text)
        if not piece:
            if self._parts and not self._parts[-1].endswith(" "):
                self._parts.append(" ")
                self._length += 1
            return
        if text[:1].isspace() and self._parts and not self._parts[-1].endswith(" "):
            piece = " " + piece
        if text[-1:].isspace():
            piece += " "
        self._parts.append(piece)
        self._length += len(piece)

    def _walk(self, element: HtmlElement) -> None:
        """Flatten ``element`` in document order, recording each element's span."""
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in SKIPPED_TAGS or not tag:
            return
        block = tag in BLOCK_TAGS
        if block:
            self._append(" ")
        index = len(self.elements)
        self.elements.append(element)
        self.spans.append((self._length, self._length))
        self._append(element.text)
        for child in element:
            self._walk(child)
            self._append(child.tail)
        if block:
            self._append(" ")
        self.spans[index] = (self.spans[index][0], self._length)

    def locate(self, unit: str) -> int | None:
        """Index of the deepest element holding ``unit``, or None when it is not on the page."""
        key = _key(unit)
        if len(key) < 3:
            return None
        start = self.text.find(key)
        end = start + len(key)
        if start < 0:
            words = key.split()
            if len(words) < 10:
                return None
            head, tail = " ".join(words[:6]), " ".join(words[-6:])
            start = self.text.find(head)
            end = self.text.find(tail, start) + len(tail) if start >= 0 else -1
            if start < 0 or end < start or end - start > len(key) * 1.5:
                return None
            # Only spacing or punctuation from inline markup may differ: a word
            # changed between head and tail is another sentence.
            if _letters(self.text[start:end]) != _letters(key):
                return None
        deepest = None
        for index, (begin, finish) in enumerate(self.spans):
            if begin > start:
                break
            if finish >= end:
                deepest = index
        return deepest

    def chain(self, index: int) -> list[int]:
        """Indices of an element and its ancestors, innermost first."""
        chain = [index]
        parent = self.elements[index].getparent()
        while parent is not None and id(parent) in self._positions:
            chain.append(self._positions[id(parent)])
            parent = parent.getparent()
        return chain

    def container(self, units: Iterable[str]) -> int | None:
        """The deepest element holding most of ``units`` (the article container)."""
        chains = [self.chain(i) for i in (self.locate(u) for u in units) if i is not None]
        if len(chains) < 2:
            return None
        counts = Counter(index for chain in chains for index in chain)
        needed = CONTAINER_SHARE * len(chains)
        holding = [index for index, count in counts.items() if count >= needed]
        return max(holding) if holding else None  # later in pre-order = deeper

    def furniture_between(self, index: int, container: int | None) -> str | None:
        """What marks the element as furniture below the container (None if nothing does).

        An element outside the container is furniture too.
        """
        chain = self.chain(index)
        if container is not None and container not in chain:
            return "outside the article container"
        for position in chain:
            element = self.elements[position]
            if position == container or element.tag in STORY_TAGS:
                break  # what wraps the story is the page's frame, whatever its class says
            if element.get("itemprop") == "articleBody":
                break
            if element.tag in FURNITURE_TAGS:
                return f"inside <{element.tag}>"
            found = _furniture_word(element)
            if found:
                return f"inside a {found} box"
        return None

    def in_story(self, unit: str, container: int | None) -> bool | None:
        """Whether the page shows ``unit`` as story text (None: not on the page at all)."""
        index = self.locate(unit)
        if index is None:
            return None
        return self.furniture_between(index, container) is None


def _furniture_word(element: HtmlElement) -> str | None:
    """The first furniture word in an element's class, id or role, if any."""
    for name in ("class", "id", "role"):
        for part in NAME_PART.findall(str(element.get(name) or "")):
            if part.lower() in FURNITURE_WORDS:
                return str(part).lower()
    return None


def _letters(text: str) -> str:
    return NON_WORD.sub("", text)


def _short(unit: str, limit: int = 80) -> str:
    unit = " ".join(unit.split())
    return unit if len(unit) <= limit else unit[: limit - 1] + "…"


def _sample(units: list[str]) -> list[str]:
    """At most CONTAINER_SAMPLE prose units spread over the text."""
    units = [u for u in units if is_prose(u) and count_words(u) >= CONTAINER_MIN_WORDS]
    step = max(1, len(units) // CONTAINER_SAMPLE)
    return units[::step][:CONTAINER_SAMPLE]


def _person_names(byline: str) -> list[str]:
    """The parts of a byline that read as people's names."""
    names = []
    for part in NAME_SPLIT.split(BYLINE_PREFIX.sub("", normalise_characters(byline))):
        words = part.split()
        if not 2 <= len(words) <= 4 or NOT_A_PERSON.search(part):
            continue
        if any(ch.isdigit() for ch in part) or not all(w[0].isupper() for w in words[:1]):
            continue
        names.append(part.strip())
    return names


class Check:
    """The pages of two captures and their article containers."""

    def __init__(self, old: Side, new: Side, comparison: Comparison) -> None:
        self.old_page = Page(old.raw) if old.raw else None
        self.new_page = Page(new.raw) if new.raw else None
        diff = comparison.diff
        shared = [op.old for op in diff.sentences if op.kind == "equal" and op.old is not None]
        old_units = [s for paragraph in diff.old_paragraphs for s in paragraph]
        new_units = [s for paragraph in diff.new_paragraphs for s in paragraph]
        # The sentences both captures share locate the story on each page; when
        # a rewrite left too few, each page's own extracted sentences do.
        sample = _sample(shared)
        enough = len(sample) >= CONTAINER_MIN_SHARED
        old_sample = sample if enough else _sample(old_units)
        new_sample = sample if enough else _sample(new_units)
        self.old_container = self.old_page.container(old_sample) if self.old_page else None
        self.new_container = self.new_page.container(new_sample) if self.new_page else None

    def unit(self, op: SentenceOp) -> str | None:
        """Why a changed sentence is not editorial, or None when it stands."""
        if self.old_page is None or self.new_page is None:
            return None
        if op.kind == "added" and op.new is not None:
            return self._one_sided(
                op.new,
                "added",
                self.new_page,
                self.new_container,
                self.old_page,
                self.old_container,
            )
        if op.kind == "deleted" and op.old is not None:
            return self._one_sided(
                op.old,
                "deleted",
                self.old_page,
                self.old_container,
                self.new_page,
                self.new_container,
            )
        if op.old is None or op.new is None:
            return None
        # Edited or moved: both wordings shown as story on both pages means the
        # extraction, not the page, differed.
        if self.old_page.in_story(op.new, self.old_container) and self.new_page.in_story(
            op.old, self.new_container
        ):
            return f"both wordings are on both pages: {_short(op.new)!r}"
        return None

    @staticmethod
    def _one_sided(
        unit: str,
        kind: str,
        page: Page,
        container: int | None,
        other: Page,
        other_container: int | None,
    ) -> str | None:
        index = page.locate(unit)
        if index is None:
            return None  # not found verbatim: trust the extraction
        marked = page.furniture_between(index, container)
        # Corrections often sit in an aside or a notice box: still the story's.
        if marked is not None and not is_correction_notice(unit):
            return f"{kind} text is template ({marked}): {_short(unit)!r}"
        if other.in_story(unit, other_container):
            side = "earlier" if kind == "added" else "later"
            return f"extraction missed it in the {side} capture: {_short(unit)!r}"
        return None

    def headline(self, old: str, new: str) -> str | None:
        """Why a headline change is not editorial, or None when it stands."""
        if self.old_page is None or self.new_page is None:
            return None
        old_shown, new_shown = self.old_page.headlines, self.new_page.headlines
        if old_shown and new_shown:
            if old_shown == new_shown:
                return f"only the page's metadata headline changed to {_short(new)!r}"
            return None
        if _key(new) in self.old_page.text and _key(old) in self.new_page.text:
            return "both headlines are shown on both pages"
        return None

    def byline(self, old: str, new: str) -> str | None:
        """Why a byline change is not editorial, or None when it stands."""
        came, went = _person_names(new), _person_names(old)
        if self.new_page is not None and self.old_page is not None:
            came = [n for n in came if _key(n) not in self.old_page.text]
            went = [n for n in went if _key(n) not in self.new_page.text]
        if came or went:
            return None
        if not _person_names(new):
            return f"the new byline {_short(new, 40)!r} is not a person's name"
        return "the same people are named on both pages"


def verify_change(old: Side, new: Side, comparison: Comparison | None = None) -> Verdict:
    """Check each edit between two captures against both raw pages.

    Args:
        old: the article's last good version and its raw capture.
        new: the new capture.
        comparison: ``compare_versions(old.text, new.text)`` if already computed.

    Returns:
        A ``Verdict``: the edits that stand (``editorial``) and the ones dismissed,
        each with a one-line reason. Without both raw captures every edit stands.
    """
    comparison = comparison or compare_versions(old.text, new.text)
    check = Check(old, new, comparison)
    kept: list[str] = []
    dismissed: list[str] = []
    for edit in comparison.edits:
        if edit.type == "headline_changed" and edit.old and edit.new:
            reason = check.headline(edit.old, edit.new)
        elif edit.type == "byline_changed" and edit.old and edit.new:
            reason = check.byline(edit.old, edit.new)
        else:
            continue
        (dismissed if reason else kept).append(reason or f"{edit.type.replace('_', ' ')}")
    dismissed_added_words = 0
    for index in comparison.visible:
        op = comparison.diff.sentences[index]
        reason = check.unit(op)
        if reason:
            dismissed.append(reason)
            if op.kind == "added" and "template" in reason:
                dismissed_added_words += count_words(op.new or "")
        else:
            unit = op.new if op.new is not None else op.old or ""
            kept.append(f"sentence {op.kind}: {_short(unit)!r}")
    return Verdict(comparison, tuple(kept), tuple(dismissed), dismissed_added_words)
