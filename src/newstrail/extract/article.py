"""Article extraction: an HTML page or a plain-text article to clean text and metadata.

HTML goes through trafilatura (body) and its metadata module with htmldate
(title, author, date, site, canonical URL), then through the same line-level
boilerplate cleaner as plain text (``extract/boilerplate.py``). Errors form a small tree:

    ExtractionError (NewstrailError, ValueError)   the input cannot be extracted
    ├── PageTooLarge                                over the size limit, refused before parsing
    └── EmptyPage                                   nothing but whitespace

``extract_files`` serves ``newstrail extract``: it records a failure per page
and carries on.
"""

from __future__ import annotations

import contextlib
import re
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import trafilatura
from htmldate import find_date
from lxml.html import HtmlElement
from rapidfuzz import fuzz
from trafilatura.metadata import (
    Document,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import set_date_params

from newstrail.errors import NewstrailError
from newstrail.extract.boilerplate import clean_text, is_boilerplate, is_byline, is_dateline
from newstrail.text.encoding import decode_html, decode_text_file

__all__ = [
    "DEFAULT_MAX_PAGE_BYTES",
    "EXTRACTOR_NAME",
    "EXTRACTOR_VERSION",
    "EmptyPage",
    "Extracted",
    "ExtractionError",
    "PageTooLarge",
    "clean_text",
    "extract_files",
    "extract_html",
    "extract_text",
]

EXTRACTOR_NAME = "newstrail"
# Bump the first number whenever output for the same page could change.
EXTRACTOR_VERSION = f"2+trafilatura-{trafilatura.__version__}"
DEFAULT_MAX_PAGE_BYTES = 20_000_000

# trafilatura's own MIN_EXTRACTED_SIZE: below this many characters the fast
# pass probably missed the article and the full cascade runs.
_MIN_BODY_CHARS = 250
# A fast pass that keeps less than this share of the page's <p> text probably
# latched onto a fragment. On the 50 dev pages of all three sets the pages the
# fast pass failed on kept 3% and 7%, the lowest page it got right 29%.
_MIN_PARAGRAPH_SHARE = 0.2
# Share of NUL/control/replacement characters above which input is not text.
_BINARY_SHARE = 0.05
_ODD_CHARACTERS = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")
_PAGES_PER_PROCESS = 4


class ExtractionError(NewstrailError, ValueError):
    """The input cannot be turned into an article."""


class PageTooLarge(ExtractionError):
    """The page is over the size limit; it was refused before parsing."""


class EmptyPage(ExtractionError):
    """The page or text is empty or only whitespace."""


@dataclass(frozen=True)
class Extracted:
    """One article's clean text and metadata."""

    title: str | None
    author: str | None
    date: str | None
    site: str | None
    text: str
    url: str | None
    language: str | None
    extractor: str

    def to_dict(self) -> dict[str, object]:
        """The fields as a JSON-ready dict."""
        return asdict(self)


def extract_html(
    html: bytes | str, url: str | None = None, max_bytes: int = DEFAULT_MAX_PAGE_BYTES
) -> Extracted:
    """Extract the article from an HTML page.

    Args:
        html: the page, as bytes (decoded with ``decode_html``) or text.
        url: where the page came from; helps metadata and resolves the canonical URL.
        max_bytes: pages larger than this raise ``PageTooLarge`` before parsing.

    Returns:
        The article; ``text`` is empty when the page has no article body.

    Raises:
        PageTooLarge: the page is over ``max_bytes``.
        EmptyPage: the page is empty.
        ExtractionError: the input is binary or not parseable as HTML.
    """
    _check_size(html, max_bytes)
    page = decode_html(html) if isinstance(html, bytes) else html
    if not page.strip():
        raise EmptyPage("empty page")
    _check_not_binary(page)
    tree = trafilatura.load_html(page)
    if tree is None:
        raise ExtractionError("not parseable as HTML")
    _keep_notices(tree)
    metadata = _page_metadata(tree, url)
    title = _headline(metadata.title, tree, metadata.sitename)
    # On the ScrapingHub dev set, dropping the repeated headline lifts F1 from
    # 0.979 to 0.984 (precision 0.974 -> 0.985), and the line cleaner to 0.986
    # (precision 0.991; recall 0.983 -> 0.982 because that ground truth keeps
    # image credits and copyright lines, which we drop on purpose).
    body = _strip_title_lines(_extract_body(tree, url), title)
    return Extracted(
        title=title,
        author=_clean_author(metadata.author),
        date=metadata.date or None,
        site=_clean_site(metadata.sitename),
        text=clean_text(body),
        url=metadata.url or url,
        language=_page_language(tree),
        extractor=f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}",
    )


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
    published = _stated_date(lines)
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
    return Extracted(
        title=title,
        author=author,
        date=published,
        site=None,
        text=clean_text("\n".join(body)),
        url=None,
        language=None,
        extractor=f"{EXTRACTOR_NAME}/{EXTRACTOR_VERSION}",
    )


def extract_files(
    paths: Sequence[Path],
    url: str | None = None,
    jobs: int = 2,
    max_bytes: int = DEFAULT_MAX_PAGE_BYTES,
) -> Iterator[dict[str, object]]:
    """Extract each page (``.html``, ``.htm``, ``.txt``, optionally ``.gz``), in input order.

    Args:
        paths: the files to read.
        url: the URL the pages came from, if known (one page, usually).
        jobs: processes to use when there are several pages; 1 runs in this process.
        max_bytes: size limit per page, compressed and decompressed.

    Returns:
        One dict per page: ``path`` plus the ``Extracted`` fields, or ``path``
        and ``error`` (a one-line reason) when the page failed.
    """
    tasks = [(path, url, max_bytes) for path in paths]
    if jobs > 1 and len(tasks) >= _PAGES_PER_PROCESS:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            yield from pool.map(_extract_file_task, tasks, chunksize=_PAGES_PER_PROCESS)
    else:
        yield from map(_extract_file_task, tasks)


def _extract_file_task(task: tuple[Path, str | None, int]) -> dict[str, object]:
    """Extract one file; failures become an ``error`` entry instead of an exception."""
    path, url, max_bytes = task
    try:
        data = _read_page(path, max_bytes)
        name = path.name.lower().removesuffix(".gz")
        if name.endswith((".txt", ".text")):
            extracted = extract_text(decode_text_file(data))
        else:
            extracted = extract_html(data, url, max_bytes)
    except Exception as error:  # a batch records the failure and carries on (STYLE.md)
        reason = " ".join(str(error).split()) or type(error).__name__
        return {"path": str(path), "error": reason}
    return {"path": str(path), **extracted.to_dict()}


def _read_page(path: Path, max_bytes: int) -> bytes:
    """A file's bytes, gunzipped if named ``.gz``, refusing more than ``max_bytes``."""
    size = path.stat().st_size
    if size > max_bytes:
        raise PageTooLarge(f"too large ({size} bytes > {max_bytes})")
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        try:
            # Bounded inflation, so a gzip bomb cannot exhaust memory.
            data = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(data, max_bytes + 1)
        except zlib.error as error:
            raise ExtractionError(f"corrupt gzip ({error})") from error
        if len(data) > max_bytes:
            raise PageTooLarge(f"too large once decompressed (> {max_bytes} bytes)")
    return data


def _check_size(html: bytes | str, max_bytes: int) -> None:
    """Refuse pages over ``max_bytes`` before any decoding or parsing."""
    size = len(html) if isinstance(html, bytes) else len(html.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise PageTooLarge(f"page too large ({size} bytes > {max_bytes})")


def _check_not_binary(page: str) -> None:
    """Refuse input that decoded to mostly control or replacement characters."""
    sample = page[:8192]
    if len(_ODD_CHARACTERS.findall(sample)) > _BINARY_SHARE * len(sample):
        raise ExtractionError("binary data, not an HTML page")


_NOTICE_TEXT = re.compile(
    r"^\s*(correction|clarification|editor[’']?s note|update|updated)\s*[:—–-]"
    r"|^\s*(this|an earlier version of this) (article|story) "
    r"(has been|was) (updated|corrected|amended)",
    re.I,
)
_NOTICE_CLASS = re.compile(r"correction|clarification|editors?-?note|update-?notice", re.I)


def _keep_notices(tree: HtmlElement) -> None:
    """Turn correction and update notices into plain blocks so they are kept.

    Sites put them in <aside> or boxes that trafilatura removes as boilerplate,
    yet a correction is exactly the edit newstrail exists to show.
    """
    for element in tree.iter("aside", "div", "section", "p"):
        marker = f"{element.get('class', '')} {element.get('id', '')}"
        if not _NOTICE_CLASS.search(marker):
            # Reading the text of every <div> would cost O(depth x size) on
            # nested layouts: only small leaf-like blocks are read.
            if element.tag not in ("aside", "p"):
                continue
            text = element.text_content()
            if len(text) > 1000 or not _NOTICE_TEXT.match(text):
                continue
        if element.tag != "p":
            element.tag = "div"
        for attribute in ("class", "id", "role"):
            element.attrib.pop(attribute, None)


def _extract_body(tree: HtmlElement, url: str | None) -> str:
    """The main text, by a cascade that stops as soon as a pass finds enough text."""
    # 1. Fast precision mode. favor_precision is the option that moved the
    #    ScrapingHub dev F1 (0.942 default -> 0.979): it drops the standfirsts,
    #    "related" blocks and newsletter boxes trafilatura's default keeps.
    #    include_tables=False cost recall (0.983 -> 0.975), so tables stay;
    #    comments are never part of the article.
    text = _trafilatura_text(tree, url, fast=True, favor_precision=True)
    # 2. Fast mode skips the readability/jusText comparison and then misses
    #    whole articles on some layouts (alone: F1 0.857, 3 of 20 dev pages under
    #    250 characters; 2 of 20 trafilatura-evaldata pages kept under 8% of
    #    their <p> text, where the full pass keeps 90%). Only those pages pay for
    #    the full cascade, which keeps us near fast-mode speed.
    if len(text) < _MIN_BODY_CHARS or len(text) < _MIN_PARAGRAPH_SHARE * _paragraph_chars(tree):
        text = _trafilatura_text(tree, url, fast=False, favor_precision=True) or text
    # 3. Recall mode as a last resort when precision finds (almost) nothing,
    #    taken only if it finds an article's worth: on a page of navigation alone
    #    it returns the menu, and an empty text is the truthful answer there.
    if len(text) < _MIN_BODY_CHARS:
        recalled = _trafilatura_text(tree, url, fast=False, favor_recall=True)
        if len(recalled) >= _MIN_BODY_CHARS:
            text = recalled
    return text


def _trafilatura_text(
    tree: HtmlElement,
    url: str | None,
    fast: bool,
    favor_precision: bool = False,
    favor_recall: bool = False,
) -> str:
    """trafilatura's main text for the page in the given mode ("" if it finds none)."""
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        fast=fast,
        favor_precision=favor_precision,
        favor_recall=favor_recall,
        include_comments=False,
        with_metadata=False,
    )
    text = getattr(document, "text", None)
    return text if isinstance(text, str) else ""


def _paragraph_chars(tree: HtmlElement) -> int:
    """Characters of text in the page's <p> elements, a cheap gauge of its prose."""
    return sum(len(" ".join(p.text_content().split())) for p in tree.iterfind(".//p"))


def _page_metadata(tree: HtmlElement, url: str | None) -> Document:
    """Title, author, URL, date and site name, as trafilatura's ``extract_metadata`` finds them.

    The same steps in the same order, minus categories, tags and licence, which
    we do not store: they took 6.5 of 38 ms per page on the ScrapingHub dev set.
    """
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # a single token is a user handle more often than a name
    # trafilatura guards its JSON-LD parser the same way: it has known crashes.
    with contextlib.suppress(Exception):
        metadata = extract_meta_json(tree, metadata)
    metadata.title = metadata.title or extract_title(tree)
    metadata.author = metadata.author or extract_author(tree)
    metadata.url = metadata.url or extract_url(tree, url)
    metadata.date = find_date(tree, url=metadata.url, **set_date_params(extensive=True))
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    metadata.clean_and_trim()
    return metadata


# Words that trail a name when a byline block is flattened: "Jeff Foust Monday",
# "Detroit News wire services Published", "Tom Gillespie News reporter".
_AUTHOR_TAIL = re.compile(
    r"(?:\s+(?:published|updated|posted|on|at|(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
    r"|\d[\d:,./-]*))+$"
    r"|\s+(?:\S+\s+)?(?:staff|reporter|correspondent|editor|writer|contributor|columnist)s?$",
    re.IGNORECASE,
)
_COPYRIGHT_SITE = re.compile(r"^(?:copyright|©|\(c\))\s*[\d\s-]*$", re.IGNORECASE)


def _clean_author(author: str | None) -> str | None:
    """Authors "; "-joined, with trailing dateline and job-title words removed."""
    if not author:
        return None
    names: list[str] = []
    for part in author.split(";"):
        name = part.strip()
        trimmed = _AUTHOR_TAIL.sub("", f" {name}").strip(" ,|-")
        if not trimmed:
            continue  # only a date or a job title
        if len(trimmed.split()) >= 2 or len(name.split()) == 1:
            name = trimmed
        if name not in names:
            names.append(name)
    return "; ".join(names) or None


def _clean_site(site: str | None) -> str | None:
    """The site name, without a leading "@" and never a bare copyright notice."""
    name = (site or "").strip().lstrip("@")
    return None if not name or _COPYRIGHT_SITE.match(name) else name


def _strip_title_lines(body: str, title: str | None) -> str:
    """Drop leading body lines that repeat the headline (trafilatura keeps an in-article <h1>)."""
    if not title:
        return body
    lines = body.split("\n")
    for index, line in enumerate(lines[:3]):
        if _same_heading(line, title):
            return "\n".join(lines[:index] + lines[index + 1 :])
    return body


def _same_heading(line: str, title: str) -> bool:
    """Whether a line is the headline, allowing a site suffix or a shortened form."""
    line_key, title_key = _key(line), _key(title)
    if not line_key:
        return False
    if fuzz.ratio(line_key, title_key) >= 90:
        return True
    shorter, longer = sorted((line_key, title_key), key=len)
    return len(shorter) >= 0.6 * len(longer) and shorter in longer


def _key(text: str) -> str:
    """Lower-cased words only, for comparing headings."""
    return " ".join(re.findall(r"\w+", text.lower()))


_TITLE_SEPARATOR = re.compile(r"\s+[|–—:·•»-]\s+")


def _headline(title: str | None, tree: HtmlElement, site: str | None) -> str | None:
    """The headline: the <h1> if the <title> is it plus extras, else the <title> less the site."""
    headings = [" ".join(h.text_content().split()) for h in tree.iterfind(".//h1")][:3]
    headings = [heading for heading in headings if len(heading.split()) >= 2]
    if not title:
        return headings[0] if headings else None
    for heading in headings:
        if _key(heading) == _key(title):
            return title
    for heading in headings:
        if _key(heading) and _key(heading) in _key(title):
            return heading
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) > 1 and site:
        kept = [part for part in parts if fuzz.ratio(_key(part), _key(site)) < 80]
        if kept and len(kept) < len(parts):
            return " - ".join(kept) if len(kept) > 1 else kept[0]
    return title


def _page_language(tree: HtmlElement) -> str | None:
    """The page's declared language as a primary subtag ("en" from "en-GB")."""
    declared = tree.get("lang") or tree.get("xml:lang")
    if not declared:
        for meta in tree.iterfind(".//meta"):
            if (meta.get("http-equiv") or "").lower() == "content-language" or meta.get(
                "property"
            ) == "og:locale":
                declared = meta.get("content")
                break
    if not declared:
        return None
    primary = re.split(r"[-_]", declared.strip())[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


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


def _stated_date(lines: list[str]) -> str | None:
    """The publication date written in the article's first lines, as YYYY-MM-DD."""
    for line in lines[:_DATE_SEARCH_LINES]:
        if not (_DATE_PREFIX.match(line) or is_dateline(line)):
            continue
        found = _parse_date(line)
        if found:
            return found
    return None


def _parse_date(line: str) -> str | None:
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
