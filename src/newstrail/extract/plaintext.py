"""Plain-text articles: headline, byline and date from the opening lines, then clean text.

Text that reaches us without HTML (pasted articles, archives, the seeds)
states its metadata in its first lines: a headline of a few words with no
full stop (after kickers and topic tags), a byline ("By Jane Doe", or a short
name line beside the dateline) and a date ("date 2020-12-29", "Updated: Dec
29, 2020, 05:14 PM IST").
"""

from __future__ import annotations

import re
from datetime import date

from newstrail.extract.boilerplate import clean_text, is_boilerplate, is_byline, is_dateline
from newstrail.extract.language import text_language
from newstrail.extract.records import EXTRACTOR_NAME, EXTRACTOR_VERSION, EmptyPage, Extracted


def extract_text(text: str) -> Extracted:
    """Extract title, date, author and clean text from a plain-text article.

    The title is the first line that looks like a headline (a few words, no
    final full stop) among the first lines; the date is one the text states
    ("date 2020-12-29", "Updated: Dec 29, 2020, 05:14 PM IST"); the author comes
    from a byline ("By Jane Doe", or a short name line beside the dateline).

    Args:
        text: the article as plain text, paragraphs on their own lines.

    Returns:
        The article; boilerplate lines removed from ``text``.

    Raises:
        EmptyPage: the text is empty.
    """
    if not text.strip():
        raise EmptyPage("empty text")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    published = stated_date(lines)
    lines[0] = _DATE_PREFIX.sub("", lines[0])
    title_index = _title_index(lines)
    title = lines[title_index] if title_index is not None else None
    author_index = _author_index(lines, title_index)
    author = _author_name(lines[author_index]) if author_index is not None else None
    # Lines up to the title that are not the title are kickers and topic tags.
    skip = set(range(title_index + 1)) if title_index is not None else set()
    if author_index is not None:
        skip.add(author_index)
    # A kicker line seen again lower down is a repeated topic tag, not text.
    kickers = {lines[index] for index in skip if index != title_index}
    body = [line for index, line in enumerate(lines) if index not in skip and line not in kickers]
    cleaned = clean_text("\n".join(body))
    return Extracted(
        title=title,
        author=author,
        date=published,
        site=None,
        text=cleaned,
        url=None,
        language=text_language(title, cleaned),
        extractor=f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}",
    )


# "date 2020-12-29 In an indirect dig…": a metadata prefix glued to the first line.
_DATE_PREFIX = re.compile(r"^(?:date|dated|published|updated)\s*:?\s*\d{4}-\d{2}-\d{2}\b\s*", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))
_MONTH_FIRST = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_DAY_FIRST = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})\.?,?\s+(\d{{4}})\b", re.I)
# A date in the opening lines is the article's; later ones are events it reports.
_DATE_SEARCH_LINES = 8


def stated_date(lines: list[str]) -> str | None:
    """The publication date written in the article's first lines, as YYYY-MM-DD."""
    for line in lines[:_DATE_SEARCH_LINES]:
        if not (_DATE_PREFIX.match(line) or is_dateline(line)):
            continue
        found = parse_date(line)
        if found:
            return found
    return None


def parse_date(line: str) -> str | None:
    """The first valid date in a line (ISO, "Dec 29, 2020" or "29 December 2020")."""
    candidates: list[tuple[int, int, int, int]] = []
    if match := _ISO_DATE.search(line):
        candidates.append((match.start(), int(match[1]), int(match[2]), int(match[3])))
    if match := _MONTH_FIRST.search(line):
        month = _MONTH_NAMES[match[1].lower()]
        candidates.append((match.start(), int(match[3]), month, int(match[2])))
    if match := _DAY_FIRST.search(line):
        month = _MONTH_NAMES[match[2].lower()]
        candidates.append((match.start(), int(match[3]), month, int(match[1])))
    for _, year, month, day in sorted(candidates):
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            continue
    return None


# Headlines run from a few words to a long sentence, with no full stop.
_HEADLINE_WORDS = range(4, 31)
_TITLE_SEARCH_LINES = 4
_STAFF_BYLINE = re.compile(
    r"\b(?:web team|staff|desk|bureau|correspondent|news service|newsroom|reporter)$", re.I
)


def _looks_like_headline(line: str) -> bool:
    """A single line of a few words without sentence-ending punctuation."""
    return (
        len(line.split()) in _HEADLINE_WORDS
        and len(line) <= 250
        and not line.endswith((".", ";", ",", ":"))
        and (line[0].isupper() or line[0].isdigit() or line[0] in "'\"‘“")
        and not is_boilerplate(line)
    )


def _title_index(lines: list[str]) -> int | None:
    """Index of the headline among the opening lines; kickers and tags may precede it."""
    seen = 0
    for index, line in enumerate(lines):
        if is_boilerplate(line):
            continue
        if _looks_like_headline(line):
            return index
        seen += 1
        # Only a short kicker or tag ("Xi Jinping") may come before a headline.
        if seen >= _TITLE_SEARCH_LINES or len(line.split()) > 3:
            return None
    return None


def _author_index(lines: list[str], title_index: int | None) -> int | None:
    """Index of the byline line just after the headline, if there is one."""
    start = title_index + 1 if title_index is not None else 0
    for index in range(start, min(start + 4, len(lines))):
        line = lines[index]
        if is_byline(line) or (_STAFF_BYLINE.search(line) and len(line.split()) <= 6):
            return index
        neighbours = lines[index - 1 : index] + lines[index + 1 : index + 2]
        if _is_name_line(line) and any(is_dateline(other) for other in neighbours):
            return index
    return None


def _is_name_line(line: str) -> bool:
    """One to five capitalised words and nothing else: a name or a team."""
    words = line.split()
    return 1 <= len(words) <= 5 and all(
        word[0].isupper() and word.replace("-", "").replace("'", "").isalpha() for word in words
    )


def _author_name(line: str) -> str:
    """The name part of a byline ("By Jane Doe, Reuters" -> "Jane Doe")."""
    name = re.sub(r"^(?:by|von|por|par|di)\s+", "", line, flags=re.I)
    name = re.split(r"\s*[,|–—]\s*", name)[0]
    parts = re.split(r"\s+(?:and|und|y|et|&)\s+", name)
    return "; ".join(part.strip() for part in parts if part.strip())
