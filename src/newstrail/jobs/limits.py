"""Bounds on the work one item may cost: caps applied before each stage.

A page or record is untrusted: a black-box probe found a 1.2-million-character
article that stalled every later job on its store (story analysis grows faster
than linearly with an article's quotes: 300,000 characters took 247 s), and an
HTML page whose body tag had 200,000 attributes (lxml and htmldate check each
new attribute against the others: 20,000 attributes took 3.4 s, 200,000 would
take minutes). Instead of processing such an item without end, the stage gets
a bounded copy, and the item is recorded as truncated with the reason
(``jobs/quarantine.py``), so a user sees what was cut and why.

The caps sit far above real articles: the longest text in the shared dev sets
(1,059 articles of five story corpora) is 10,020 characters; the longest tag
of the extraction dev pages is under 10,000 characters with fewer than 40
attributes.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from types import FrameType

from newstrail.extract.article import extract_html
from newstrail.extract.records import Extracted, FeedEntry
from newstrail.jobs.quarantine import BudgetExceeded
from newstrail.settings import Settings
from newstrail.versions.recording import Capture

# A start tag with more attributes than this keeps only its name: no page of
# the extraction dev sets has a tag with more than 40.
MAX_ATTRIBUTES_PER_TAG = 256
# Or a tag longer than this (an inline image's data: URI is one attribute, and
# its length costs nothing; a megabyte of attributes does).
MAX_TAG_CHARS = 200_000
# Extraction's time budget per page. On the 372 pages of the extraction dev
# sets the median is 0.04 s of CPU, the 99th percentile 0.41 s and the
# slowest 3.4 s (the first page, which loads extruct and dateparser): 30 s is
# far above any real page and stops a pathological one.
EXTRACTION_SECONDS = 30.0
_START_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9:-]*)(\s[^<>]*)>")
_ATTRIBUTE = re.compile(r"=")


@dataclass(frozen=True)
class Bounded:
    """A value after its caps, with why it was cut (None when it was not)."""

    value: str
    reason: str | None


def bound_html(html: str) -> Bounded:
    """``html`` with the attributes of over-attributed tags dropped (names kept)."""
    cut = 0

    def shorten(match: re.Match[str]) -> str:
        nonlocal cut
        attributes = match.group(2)
        if len(attributes) <= MAX_TAG_CHARS and attributes.count("=") <= MAX_ATTRIBUTES_PER_TAG:
            return match.group(0)
        cut += 1
        return f"<{match.group(1)}>"

    # A cheap test first: a page with few '=' at all cannot have such a tag.
    if html.count("=") <= MAX_ATTRIBUTES_PER_TAG and len(html) <= MAX_TAG_CHARS:
        return Bounded(html, None)
    bounded = _START_TAG.sub(shorten, html)
    if not cut:
        return Bounded(html, None)
    return Bounded(
        bounded,
        f"attributes of {cut} tag(s) dropped (over {MAX_ATTRIBUTES_PER_TAG} attributes "
        f"or {MAX_TAG_CHARS:,} characters)",
    )


def bound_text(text: str, max_chars: int, max_paragraphs: int) -> Bounded:
    """``text`` cut at a paragraph boundary to at most ``max_chars`` and ``max_paragraphs``."""
    if len(text) <= max_chars and text.count("\n") < max_paragraphs:
        return Bounded(text, None)
    paragraphs = text.split("\n")
    kept: list[str] = []
    length = 0
    for paragraph in paragraphs[:max_paragraphs]:
        if length + len(paragraph) > max_chars:
            if not kept:  # one paragraph longer than the cap: cut it at a word
                kept.append(paragraph[:max_chars].rsplit(" ", 1)[0])
            break
        kept.append(paragraph)
        length += len(paragraph) + 1
    bounded = "\n".join(kept).rstrip()
    reasons = []
    if len(text) > max_chars:
        reasons.append(f"{len(text):,} characters > {max_chars:,}")
    if len(paragraphs) > max_paragraphs:
        reasons.append(f"{len(paragraphs):,} lines > {max_paragraphs:,}")
    return Bounded(bounded, f"text truncated ({', '.join(reasons)})")


def bound_extracted(
    extracted: Extracted, max_chars: int, max_paragraphs: int
) -> tuple[Extracted, str | None]:
    """The extraction with its text bounded (see ``bound_text``), and the reason if cut."""
    bounded = bound_text(extracted.text, max_chars, max_paragraphs)
    if bounded.reason is None:
        return extracted, None
    return replace(extracted, text=bounded.value), bounded.reason


class ExtractionOverBudget(BudgetExceeded):
    """A page's extraction ran past ``EXTRACTION_SECONDS``."""


@contextlib.contextmanager
def time_limited(seconds: float) -> Iterator[None]:
    """Raise ``ExtractionOverBudget`` in the block once ``seconds`` of wall time pass.

    A real-time interval timer (SIGALRM), so it works in the watcher's and the
    bulk import's worker processes, which run each task in their main thread.
    Elsewhere (a web request's thread) signals cannot be used, and the block
    runs unbounded: its input is already capped (``bound_html``, the page-size
    limit). The timer interrupts Python code, not a single long C call; the
    slow cases found so far were Python loops over many attributes or lines.
    """
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise ExtractionOverBudget(f"extraction over its {seconds:.0f} s budget")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def extract_html_bounded(html: str, url: str | None, feed: FeedEntry | None = None) -> Extracted:
    """``extract_html`` on the page after ``bound_html``, within ``EXTRACTION_SECONDS``.

    The text itself is not cut here (``bound_capture`` does that).

    Raises:
        ExtractionOverBudget: the extraction ran past its budget.
    """
    with time_limited(EXTRACTION_SECONDS):
        return extract_html(bound_html(html).value, url, feed=feed)


def bound_capture(capture: Capture, settings: Settings) -> Capture:
    """The capture with its text within ``max_text_chars`` and ``max_paragraphs``.

    The raw bytes are kept whole; ``truncated`` says what was cut and why.
    """
    extracted, reason = bound_extracted(
        capture.extracted, settings.max_text_chars, settings.max_paragraphs
    )
    if reason is None and capture.truncated is None:
        return capture
    # An earlier cut (before cleaning) measured the text as given: keep its reason.
    return replace(capture, extracted=extracted, truncated=capture.truncated or reason)
