"""Read NewsSniffer "Version a / Version b" pages into article versions.

NewsSniffer shows two versions of an article side by side; copied as text, each
line holds the old paragraph immediately followed by the new one ("old new", or
"old.New" when the page had no space between the cells). No library reads this
format, so it is parsed here: for each line we pick the split point where the
two halves are most alike, because consecutive versions of a paragraph share
most of their words (identical halves score 100).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from rapidfuzz import fuzz

from newstrail.errors import InvalidInput

_HEADER = re.compile(r"This article is from the source '(?P<source>[^']*)'")
_URL = re.compile(r"original source at (?P<url>https?://\S+)")
_VERSIONS = re.compile(r"^\s*Version (?P<a>\d+) Version (?P<b>\d+)\s*$", re.M)
_LATER = re.compile(
    r"^\(about (?P<n>an?|\d+) (?P<unit>minute|hour|day|week|month)s? later\)$", re.I
)
# Longer side-by-side lines are split at the middle unscored: the longest
# paragraph pair in the NewsSniffer dev pages is under 3,000 characters.
MAX_SCORED_LINE = 20_000
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800, "month": 2592000}


@dataclass(frozen=True)
class SnifferPage:
    """The two versions a NewsSniffer change page shows."""

    source: str | None
    url: str | None
    numbers: tuple[int, int]
    titles: tuple[str, str]
    paragraphs: tuple[list[str], list[str]]
    delay: timedelta | None  # how much later the second version was seen


def is_newssniffer_page(text: str) -> bool:
    """True when ``text`` looks like a copied NewsSniffer change page."""
    return bool(_HEADER.search(text[:2000]) and _VERSIONS.search(text))


def split_side_by_side(line: str) -> tuple[str, str]:
    """Split one "old new" line into its two cells, where the halves match best."""
    line = line.strip()
    length = len(line)
    if length < 2:
        return line, line
    if length > MAX_SCORED_LINE:
        # Scoring every split point costs O(length²) (a 100 KB line ran past
        # 400 s); a line this long is no paragraph pair, so split at the middle.
        middle = line.find(" ", length // 2)
        middle = middle if middle > 0 else length // 2
        return line[:middle].rstrip(), line[middle:].lstrip()
    # Cells start at a word: after a space, or after sentence punctuation glued
    # to a capital ("parties.Speaking").
    starts = [m.end() for m in re.finditer(r"\s+", line)]
    starts += [m.start() + 1 for m in re.finditer(r"[.!?”\"’)][A-Z“\"‘]", line)]
    best, best_score = length // 2, -1.0
    for start in starts:
        old, new = line[:start].rstrip(), line[start:].lstrip()
        if not old or not new:
            continue
        # Lengths of two versions of a paragraph rarely differ by more than 3x.
        if max(len(old), len(new)) > 3 * min(len(old), len(new)) + 20:
            continue
        score = fuzz.ratio(old, new)
        if score > best_score:
            best, best_score = start, score
    return line[:best].rstrip(), line[best:].lstrip()


def parse_newssniffer(text: str) -> SnifferPage:
    """Parse a NewsSniffer change page; raises ``InvalidInput`` when it is not one."""
    header = _HEADER.search(text)
    versions = _VERSIONS.search(text)
    if header is None or versions is None:
        raise InvalidInput("not a NewsSniffer change page")
    url_match = _URL.search(text)
    # Non-breaking spaces are page-layout artefacts here, not content.
    body_text = text[versions.end() :].replace("\xa0", " ")
    lines = [line for line in body_text.splitlines() if line.strip()]
    if not lines:
        raise InvalidInput("NewsSniffer page has no versions")
    old_title, new_title = split_side_by_side(lines[0])
    delay = None
    body = lines[1:]
    if body and (later := _LATER.match(body[0].strip())):
        count = 1 if later.group("n").lower() in ("a", "an") else int(later.group("n"))
        delay = timedelta(seconds=count * _UNIT_SECONDS[later.group("unit").lower()])
        body = body[1:]
    old_paragraphs, new_paragraphs = [], []
    for line in body:
        old, new = split_side_by_side(line)
        old_paragraphs.append(old)
        new_paragraphs.append(new)
    return SnifferPage(
        source=header.group("source") or None,
        url=url_match.group("url").rstrip(".,)") if url_match else None,
        numbers=(int(versions.group("a")), int(versions.group("b"))),
        titles=(old_title, new_title),
        paragraphs=(old_paragraphs, new_paragraphs),
        delay=delay,
    )
