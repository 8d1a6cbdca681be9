"""Metadata of an HTML page: headline, author, date, site name, URL and language.

trafilatura's metadata steps and htmldate find the candidates; the functions
here clean them (bylines trimmed of datelines and job titles, site names that
are not copyright notices, the displayed headline rather than a ``<title>``
carrying the site's name).
"""

from __future__ import annotations

import contextlib
import re

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


def page_metadata(tree: HtmlElement, url: str | None) -> Document:
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


def clean_author(author: str | None) -> str | None:
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


def clean_site(site: str | None) -> str | None:
    """The site name, without a leading "@" and never a bare copyright notice."""
    name = (site or "").strip().lstrip("@")
    return None if not name or _COPYRIGHT_SITE.match(name) else name


def strip_title_lines(body: str, title: str | None) -> str:
    """Drop leading body lines that repeat the headline (trafilatura keeps an in-article <h1>)."""
    if not title:
        return body
    lines = body.split("\n")
    for index, line in enumerate(lines[:3]):
        if same_heading(line, title):
            return "\n".join(lines[:index] + lines[index + 1 :])
    return body


def same_heading(line: str, title: str) -> bool:
    """Whether a line is the headline, allowing a site suffix or a shortened form."""
    line_key, title_key = heading_key(line), heading_key(title)
    if not line_key:
        return False
    if fuzz.ratio(line_key, title_key) >= 90:
        return True
    shorter, longer = sorted((line_key, title_key), key=len)
    return len(shorter) >= 0.6 * len(longer) and shorter in longer


def heading_key(text: str) -> str:
    """Lower-cased words only, for comparing headings."""
    return " ".join(re.findall(r"\w+", text.lower()))


_TITLE_SEPARATOR = re.compile(r"\s+[|–—:·•»-]\s+")


def headline(title: str | None, tree: HtmlElement, site: str | None) -> str | None:
    """The headline: the <h1> if the <title> is it plus extras, else the <title> less the site."""
    headings = [" ".join(h.text_content().split()) for h in tree.iterfind(".//h1")][:3]
    headings = [heading for heading in headings if len(heading.split()) >= 2]
    if not title:
        return headings[0] if headings else None
    for heading in headings:
        if heading_key(heading) == heading_key(title):
            return title
    for heading in headings:
        if heading_key(heading) and heading_key(heading) in heading_key(title):
            return heading
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) > 1 and site:
        kept = [part for part in parts if fuzz.ratio(heading_key(part), heading_key(site)) < 80]
        if kept and len(kept) < len(parts):
            return " - ".join(kept) if len(kept) > 1 else kept[0]
    return title


def page_language(tree: HtmlElement) -> str | None:
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
