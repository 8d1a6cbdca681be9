"""Metadata of an HTML page: headline, authors, dates, outlet, URL, language, and the evidence.

Each field is decided from the page's own statements first (``structured.py``:
JSON-LD, microdata, OpenGraph, Dublin Core), then what the page displays (the
``<h1>``, the byline), then what the feed entry said, then trafilatura's and
htmldate's heuristics. Which evidence won is kept (``evidence`` of
``PageMetadata``: ``title_source``, ``author_source``, ``date_source``,
``site_source``, ``language_source``) and stored with every version, so a
reader can tell a date the publisher stated from one we inferred.

The order of sources per field is data (``TITLE_ORDER``, ``AUTHOR_ORDER``,
``SITE_ORDER``; ``dates.PUBLISHED_ORDER``): ``bench.extraction`` prints each
source's accuracy where present on every dev set and re-chooses the order on
training folds of publishers to score it on held-out ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml.html import HtmlElement
from rapidfuzz import fuzz

from newstrail.extract.authors import (
    as_written,
    clean_authors,
    fuller_list,
    printed_byline,
    same_name,
    words_key,
)
from newstrail.extract.dates import publication_date, structured_date
from newstrail.extract.language import page_languages
from newstrail.extract.outlets import registered_domain
from newstrail.extract.records import FeedEntry
from newstrail.extract.structured import Claim, Structured, read_structured

# Sources per field, best first. On fundus-meta (128 pages, 91 publishers) a
# JSON-LD headline matches the gold title on 101/118 of the pages that have
# one, og:title on 93/127, microdata on 2/5; JSON-LD authors on 98/110,
# article:author on 16/19, <meta name=author> on 34/45 (bench.extraction_cv,
# "evidence", 2026-12-07). Microdata headlines come after og:title and Dublin
# Core: bench.extraction_cv chose that order on all five publisher folds
# (Wilson-ranked), held-out fundus-meta title 0.883 -> 0.891.
TITLE_ORDER = ("json-ld", "opengraph", "dublin-core", "microdata")
AUTHOR_ORDER = ("json-ld", "microdata", "opengraph", "meta", "dublin-core")
SITE_ORDER = ("opengraph", "json-ld", "microdata", "meta", "dublin-core")


@dataclass
class PageMetadata:
    """The page's metadata and, per field, the evidence that gave it."""

    title: str | None = None
    author: str | None = None
    date: str | None = None
    modified: str | None = None
    site: str | None = None
    url: str | None = None
    language: str | None = None
    accessible_for_free: bool | None = None
    evidence: dict[str, str | None] = field(default_factory=dict)


def page_metadata(
    tree: HtmlElement, url: str | None, feed: FeedEntry | None = None
) -> tuple[PageMetadata, Structured]:
    """Everything but the language (which needs the body text: ``language.py``).

    Args:
        tree: the parsed page.
        url: the page's URL.
        feed: what the feed entry listing this page said, if it came from a feed.

    Returns:
        The metadata with its evidence, and the structured claims it was read from.
    """
    found = read_structured(tree, url)
    metadata = PageMetadata(accessible_for_free=found.accessible_for_free)
    site, site_source = _site(found, url, tree)
    metadata.site, metadata.evidence["site_source"] = site, site_source
    title, title_source = headline(
        tree, found.titles, site or _domain_label(url), feed.title if feed else None
    )
    metadata.title, metadata.evidence["title_source"] = title, title_source
    author, author_source = _author(tree, found, site, feed.author if feed else None)
    metadata.author, metadata.evidence["author_source"] = author, author_source
    date, date_source = publication_date(
        tree,
        found.published,
        url,
        feed.published if feed else None,
        page_languages(tree, found.languages),
    )
    metadata.date, metadata.evidence["date_source"] = date, date_source
    modified = structured_date(found.modified)
    metadata.modified = modified[0] if modified else None
    metadata.url = found.canonical_url if _canonical_ok(found.canonical_url, url) else None
    metadata.url = metadata.url or _link_canonical(tree) or url
    metadata.evidence = {k: v for k, v in metadata.evidence.items() if v}
    metadata.title, metadata.author, metadata.site = (
        _clipped(value) for value in (metadata.title, metadata.author, metadata.site)
    )
    return metadata, found


# A headline, a byline or an outlet's name is never this long; a page whose
# <title> holds 400 KB (a template loop) must not put it in every listing.
MAX_FIELD_CHARS = 500


def _clipped(value: str | None) -> str | None:
    """``value`` cut to ``MAX_FIELD_CHARS`` at a word, with an ellipsis when cut."""
    if value is None or len(value) <= MAX_FIELD_CHARS:
        return value
    cut = value[:MAX_FIELD_CHARS].rsplit(" ", 1)[0] or value[:MAX_FIELD_CHARS]
    return cut.rstrip() + "…"


# --- headline --------------------------------------------------------------------

_TITLE_SEPARATOR = re.compile(r"\s+[|–—:·•»/-]\s+|\s*(?:[|｜ㅣ]|--)\s*")


def headline(
    tree: HtmlElement, claims: list[Claim], site: str | None, feed_title: str | None = None
) -> tuple[str | None, str | None]:
    """The article's headline and its source.

    The first stated headline in ``TITLE_ORDER`` (JSON-LD, microdata,
    og:title) without a site suffix, unless it is the displayed ``<h1>``
    with a kicker or section added and another stated headline is exactly
    the ``<h1>`` (``_displayed_headline``); else the ``<title>`` less the
    site's name, the ``<h1>``, the feed entry's title. ``site`` is the
    outlet's name, or the registered domain's first label when the page
    names none ("tageszeitung" strips "- Die Neue Südtiroler Tageszeitung").
    """
    every_heading = [" ".join(h.text_content().split()) for h in tree.iterfind(".//h1")][:20]
    every_heading = [h for h in every_heading if len(h.split()) >= 2 or len(h) >= 8]
    headings = every_heading[:3]
    stated = [
        (strip_site_suffix(claim.value, site), source)
        for source in TITLE_ORDER
        for claim in claims
        if claim.source == source
    ]
    confirmed = _displayed_headline(headings, stated)
    if confirmed is not None:
        return confirmed
    if stated:
        return stated[0]
    title_element = tree.find(".//title")
    page_title = " ".join(title_element.text_content().split()) if title_element is not None else ""
    if page_title:
        # Any <h1> the <title> repeats: layouts that give widgets ("Quicklink",
        # "Navigation") their own <h1> put the headline's further down.
        for heading in every_heading:
            key = words_key(heading)
            if key and (key == words_key(page_title) or key in words_key(page_title)):
                return heading, "h1"
        stripped = strip_site_suffix(page_title, site)
        if stripped != page_title or not headings:
            return stripped, "title"
    if headings:
        return headings[0], "h1"
    if feed_title:
        return " ".join(feed_title.split()), "feed"
    return (page_title or None), ("title" if page_title else None)


def _displayed_headline(
    headings: list[str], stated: list[tuple[str, str]]
) -> tuple[str, str] | None:
    """The ``<h1>`` when another stated headline repeats it and the first one only decorates it.

    "«Evnukkmakeren»: Nordmann dømt til livstid" (JSON-LD) beside an ``<h1>``
    and og:title "Nordmann dømt til livstid": the JSON-LD headline is the
    displayed one plus a kicker, and the displayed one is taken. A stated
    headline that says something else (an SEO headline) is not overruled: on
    fundus-meta (dev) 7 pages of 4 publishers have a JSON-LD headline unlike
    the ``<h1>``, and their gold follows the JSON-LD one.
    """
    if len(stated) < 2:
        return None
    first_key = words_key(stated[0][0])
    for heading in headings:
        key = words_key(heading)
        if not key or key == first_key or key not in first_key:
            continue
        for value, source in stated[1:]:
            if words_key(value) == key:
                return value, source
    return None


def strip_site_suffix(title: str, site: str | None) -> str:
    """ "Headline | Site" and "Headline - Site" → "Headline" (also a leading "Site: ")."""
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    site_key = words_key(site or "")
    kept = list(parts)
    # The last part names the site when it matches the site's name, or is short
    # and the rest is a headline ("… - Güncel haberler", "…-정치ㅣ한국일보").
    while len(kept) > 1 and _names_site(kept[-1], site_key):
        kept.pop()
    while len(kept) > 1 and site_key and _names_site(kept[0], site_key, strict=True):
        kept.pop(0)
    if len(kept) == len(parts):
        return title
    # Rejoin with the separators the title used between the kept parts.
    start = title.find(kept[0])
    end = title.rfind(kept[-1]) + len(kept[-1])
    return title[start:end].strip() if start >= 0 and end > start else " - ".join(kept)


def _names_site(part: str, site_key: str, strict: bool = False) -> bool:
    """Whether one part of a title is the site's name (or, at the end, a site-like tag)."""
    key = words_key(part)
    if not key:
        return True
    if site_key and (fuzz.ratio(key, site_key) >= 80 or key in site_key or site_key in key):
        if len(key) <= len(site_key) + 12:
            return True
        # A one-word name (a domain's label) inside a short tail: "Die Neue
        # Südtiroler Tageszeitung" on tageszeitung.it.
        if strict or " " in site_key or site_key not in key.split():
            return False
        return len(key.split()) <= 6
    if strict:
        return False
    # A domain-like suffix names the site ("Example.com").
    return bool(re.fullmatch(r"[\w-]+(\.[\w-]+)+", part.strip().lower()))


def strip_title_lines(body: str, headlines: Iterable[str | None]) -> str:
    """Drop the leading body line that repeats the headline (trafilatura keeps an in-article <h1>).

    Every form of the headline the page gives counts (the chosen one, the
    ``<h1>``, the stated ones): which one is chosen follows the markup, and a
    template change to og:title alone must not bring the line back.
    """
    forms = [headline for headline in headlines if headline]
    if not forms:
        return body
    lines = body.split("\n")
    for index, line in enumerate(lines[:3]):
        if any(same_heading(line, form) for form in forms):
            return "\n".join(lines[:index] + lines[index + 1 :])
    return body


def same_heading(line: str, title: str) -> bool:
    """Whether a line is the headline, allowing a site suffix or a shortened form."""
    line_key, title_key = words_key(line), words_key(title)
    if not line_key:
        return False
    if fuzz.ratio(line_key, title_key) >= 90:
        return True
    shorter, longer = sorted((line_key, title_key), key=len)
    return len(shorter) >= 0.6 * len(longer) and shorter in longer


# --- authors ---------------------------------------------------------------------


def _author(
    tree: HtmlElement, found: Structured, site: str | None, feed_author: str | None
) -> tuple[str | None, str | None]:
    """Authors ("; "-joined) and their source: structured data, the byline, the feed entry.

    The byline is the one trafilatura finds by its markup, else one printed
    as plain text under the headline ("By Jane Doe": ``printed_byline``).

    An author that is only the outlet itself ("n-tv NACHRICHTEN" on n-tv.de)
    names no writer: the next source is asked, and the outlet is kept only
    when no source names anyone else (from structured data, else from the
    byline): issue #14 drops desks and the outlet only "when a person is
    named", and on half A of fundus-meta all 7 pages that name no person
    give the outlet or agency as the author.
    """
    outlet_only: tuple[str, str] | None = None
    for source in AUTHOR_ORDER:
        for names, claimed in found.authors:
            if claimed == source:
                cleaned = clean_authors(names, site)
                if cleaned and site and same_name(cleaned, site):
                    outlet_only = outlet_only or (cleaned, source)
                elif cleaned:
                    return fuller_list(cleaned, source, found, site)
    from trafilatura.metadata import extract_author

    byline = clean_authors([as_written(extract_author(tree) or "", tree)], site)
    if byline and site and same_name(byline, site):
        # A byline naming only the outlet stays when nobody else is named.
        outlet_only = outlet_only or (byline, "byline")
    elif byline:
        return byline, "byline"
    printed = printed_byline(tree, site)
    if printed and not (site and same_name(printed, site)):
        return printed, "byline-text"
    if feed_author:
        cleaned = clean_authors([feed_author], site)
        if cleaned:
            return cleaned, "feed"
    return outlet_only or (None, None)


# --- outlet and URL ------------------------------------------------------------

_COPYRIGHT_SITE = re.compile(r"^(?:copyright|©|\(c\))\s*[\d\s-]*$", re.IGNORECASE)


def _site(
    found: Structured, url: str | None, tree: HtmlElement | None = None
) -> tuple[str | None, str | None]:
    """The outlet's name as the page states it (og:site_name, JSON-LD publisher, …).

    A name written as a host ("bild.de", "ottawacitizen" on ottawacitizen.com)
    is a CMS default, not the outlet's display name: another source's name
    ("BILD", "Ottawa Citizen") is taken before it. When no markup names the
    outlet but as a host, the ``<title>``'s site part that spells the domain
    ("… - The Portugal News" on theportugalnews.com) names it; a host-like
    name is kept only when nothing else names the outlet (``recognise_outlet``
    would fall back to the domain anyway).
    """
    label = _domain_label(url)
    host_like: tuple[str, str] | None = None
    for source in SITE_ORDER:
        for claim in found.sites:
            if claim.source == source:
                name = clean_site(claim.value)
                if name and _host_like(name, label):
                    host_like = host_like or (name, source)
                elif name:
                    return name, source
    in_title = _title_site(tree, label) if tree is not None and label else None
    if in_title and not _host_like(in_title, label):
        return in_title, "title"
    return host_like or ((in_title, "title") if in_title else (None, None))


def _title_site(tree: HtmlElement, label: str) -> str | None:
    """The first or last part of the ``<title>`` when it spells the domain's label.

    "… | Público" on publico.es, "… – Die Neue Südtiroler Tageszeitung" on
    tageszeitung.it, "… | AK-Kurier.de" on ak-kurier.de: compared without
    accents, case, spaces and punctuation, the part is the label, starts with
    it or ends with it.
    """
    title_element = tree.find(".//title")
    if title_element is None:
        return None
    parts = _TITLE_SEPARATOR.split(" ".join(title_element.text_content().split()))
    wanted = _squashed(label)
    if len(parts) < 2 or len(wanted) < 3:
        return None
    for part in (parts[-1], parts[0]):
        squashed = _squashed(part)
        if len(part.split()) <= 6 and (
            squashed == wanted or squashed.startswith(wanted) or squashed.endswith(wanted)
        ):
            return part.strip()
    return None


def _squashed(text: str) -> str:
    """Lower-case letters and digits only, accents removed ("Público" → "publico")."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def _host_like(name: str, label: str | None) -> bool:
    """Whether a site name is a host name or the domain's label as a machine writes it."""
    if re.fullmatch(r"[\w-]+(?:\.[\w-]+)+", name):
        return True
    bare = name.replace("-", "")
    return bool(label) and name == name.lower() and bare == (label or "").replace("-", "")


def clean_site(site: str | None) -> str | None:
    """The site name, without a leading "@"; never a bare copyright notice or a URL."""
    name = (site or "").strip().lstrip("@")
    if not name or _COPYRIGHT_SITE.match(name) or name.lower().startswith(("http:", "https:")):
        return None
    return name


def _domain_label(url: str | None) -> str | None:
    """The registered domain's first label ("tageszeitung" for www.tageszeitung.it)."""
    domain = registered_domain(url) if url else None
    return domain.split(".")[0] if domain else None


def _canonical_ok(canonical: str | None, url: str | None) -> bool:
    """A structured URL is trusted only on the page's own host (not a syndication source)."""
    if not canonical or not url:
        return bool(canonical)
    host = re.sub(r"^https?://(www\.)?", "", url.lower()).split("/")[0]
    return host in canonical.lower()


def _link_canonical(tree: HtmlElement) -> str | None:
    for link in tree.iterfind(".//link[@rel='canonical']"):
        href = (link.get("href") or "").strip()
        if href.startswith(("http://", "https://")):
            return href
    return None
