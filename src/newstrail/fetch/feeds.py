"""Article URLs from feeds and sitemaps: RSS, Atom, sitemaps, news sitemaps, indexes.

``detect_kind`` sniffs the document itself (its root element) before trusting
the Content-Type, because servers label feeds ``text/html`` and sitemaps
``application/octet-stream`` often enough to matter. ``discover`` lists the
article URLs, canonicalised, with the title and date when the source gives them.

RSS and Atom go through feedparser, which copes with the many malformed feeds
in the wild; its ``bozo`` flag becomes a one-line ``Discovery.error`` while the
entries it did parse are kept. Sitemaps go through lxml with entity resolution,
network access and huge trees off, so an XXE or billion-laughs document yields
its plain URLs and nothing else. Gzip-compressed sitemaps are inflated with a
size cap (the sitemap protocol's own limit of 50 MB uncompressed).
"""

from __future__ import annotations

import calendar
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import etree
from lxml import html as lxml_html

from newstrail.errors import InvalidInput
from newstrail.text.counts import counted
from newstrail.text.urls import canonicalise

Kind = Literal["rss", "atom", "sitemap", "sitemapindex", "newssitemap", "html"]

NEWS_NAMESPACE = "http://www.google.com/schemas/sitemap-news/0.9"
# sitemaps.org: "no larger than 50MB (52,428,800 bytes)" uncompressed.
MAX_SITEMAP_BYTES = 52_428_800
_GZIP_MAGIC = b"\x1f\x8b"
# The root element is in the first few KiB of any feed or sitemap, after the XML
# declaration, comments, a DOCTYPE and stylesheet instructions.
_SNIFF_BYTES = 8192
_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")
# A DOCTYPE with an internal subset, where entity declarations live.
_DOCTYPE_WITH_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.S | re.I)
_SKIPPED_MARKUP = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(\[.*?\])?\s*>", re.S | re.I)


@dataclass(frozen=True)
class DiscoveredEntry:
    """One article listed by a feed or sitemap."""

    url: str
    title: str | None = None
    published: datetime | None = None
    author: str | None = None
    # True when ``published`` is only a sitemap's <lastmod> (when the page last
    # changed), not a stated publication date.
    modified_only: bool = False


@dataclass(frozen=True)
class Discovery:
    """What a feed, sitemap or page lists.

    ``entries`` are articles (canonical URLs, in document order, without
    duplicates); ``sitemaps`` are the child sitemaps of a sitemap index;
    ``feeds`` are feeds an HTML page advertises; ``error`` is a one-line
    description of a malformed document whose readable part was kept.
    """

    kind: Kind
    entries: tuple[DiscoveredEntry, ...] = ()
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    error: str | None = None

    @property
    def article_urls(self) -> tuple[str, ...]:
        """The entries' URLs."""
        return tuple(entry.url for entry in self.entries)


def detect_kind(body: bytes, content_type: str | None, url: str) -> Kind:
    """What kind of document ``body`` is.

    Args:
        body: the raw (possibly gzip-compressed) document.
        content_type: the HTTP Content-Type, used only when sniffing is inconclusive.
        url: where it came from, used last (``.xml``, ``rss`` in the path).

    Returns:
        One of "rss", "atom", "sitemap", "sitemapindex", "newssitemap", "html".
    """
    data = _inflate(body, limit=_SNIFF_BYTES * 4)
    head = _SKIPPED_MARKUP.sub(b"", data[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n"))
    match = _ROOT_TAG.search(head)
    if match:
        root = match.group(1).split(b":")[-1].lower()
        if root in (b"rss", b"rdf"):
            return "rss"
        if root == b"feed":
            return "atom"
        if root == b"sitemapindex":
            return "sitemapindex"
        if root == b"urlset":
            return "newssitemap" if NEWS_NAMESPACE.encode() in data[:_SNIFF_BYTES] else "sitemap"
        if root == b"html":
            return "html"
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in ("application/rss+xml", "application/rdf+xml"):
        return "rss"
    if media_type == "application/atom+xml":
        return "atom"
    path = urlsplit(url).path.lower()
    if "sitemap" in path and (path.endswith((".xml", ".xml.gz"))):
        return "sitemap"
    if re.search(r"(rss|feed|atom)", path) and path.endswith((".xml", ".rss", "/")):
        return "rss"
    return "html"


def discover(body: bytes, url: str, content_type: str | None = None) -> Discovery:
    """The article URLs (and child sitemaps) a feed, sitemap or page lists.

    Args:
        body: the raw document as fetched.
        url: its final URL (relative links resolve against it).
        content_type: the HTTP Content-Type, if known.

    Returns:
        A ``Discovery``; a malformed document gives whatever parsed plus ``error``.
    """
    kind = detect_kind(body, content_type, url)
    if kind in ("rss", "atom"):
        return _discover_feed(body, url, kind)
    if kind == "html":
        return Discovery("html", feeds=_advertised_feeds(body, url))
    return _discover_sitemap(body, url, kind)


def filter_urls(urls: Iterable[str], include: Iterable[str], exclude: Iterable[str]) -> list[str]:
    """The URLs matching any ``include`` pattern (all, if none) and no ``exclude`` pattern.

    Args:
        urls: candidate URLs.
        include: regular expressions searched in each URL.
        exclude: regular expressions that drop a URL.

    Returns:
        The kept URLs, in order.

    Raises:
        InvalidInput: a pattern is not a valid regular expression.
    """
    includes = _compile_all(include)
    excludes = _compile_all(exclude)
    return [
        url
        for url in urls
        if (not includes or any(p.search(url) for p in includes))
        and not any(p.search(url) for p in excludes)
    ]


def _compile_all(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    """Compile patterns, naming the bad one in the error."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as error:
            raise InvalidInput(f"invalid URL pattern {pattern!r}: {error}") from None
    return compiled


def _discover_feed(body: bytes, url: str, kind: Kind) -> Discovery:
    """Entries of an RSS or Atom feed via feedparser (bytes in: it never fetches)."""
    # Feeds never need their own entity declarations; dropping a DOCTYPE's
    # internal subset before feedparser's expat parser sees it rules out entity
    # expansion attacks even on an expat without its amplification limit
    # (< 2.4). A plain public DOCTYPE (RSS 0.91) stays: feedparser maps it.
    data = _DOCTYPE_WITH_SUBSET.sub(b"", _inflate(body, MAX_SITEMAP_BYTES), count=1)
    parsed = feedparser.parse(data)
    entries = []
    unusable = 0
    for entry in parsed.entries:
        link = _entry_link(entry)
        if not link:
            continue
        absolute = _absolute(url, link)
        if absolute is None:
            unusable += _is_broken(link)
            continue
        title = entry.get("title") or None
        published = _struct_time(entry.get("published_parsed") or entry.get("updated_parsed"))
        author = entry.get("author") or None
        entries.append(DiscoveredEntry(canonicalise(absolute), title, published, author))
    error = _unusable_note(url, unusable)
    if parsed.get("bozo"):
        reason = " ".join(str(parsed.get("bozo_exception", "unknown error")).split())
        error = f"{url}: malformed {kind} feed ({reason}); kept {counted(len(entries), 'entry')}"
    return Discovery(kind, entries=_unique(entries), error=error)


def _entry_link(entry: Any) -> str | None:
    """An entry's article link: ``link``, else an alternate link, else a URL-like id."""
    link = entry.get("link")
    if link:
        return str(link).strip()
    for candidate in entry.get("links", []):
        if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
            return str(candidate["href"]).strip()
    identifier = str(entry.get("id") or "")
    return identifier if identifier.startswith(("http://", "https://")) else None


def _struct_time(value: Any) -> datetime | None:
    """A feedparser time tuple (always UTC) as a datetime."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _discover_sitemap(body: bytes, url: str, kind: Kind) -> Discovery:
    """URLs of a sitemap, news sitemap or sitemap index."""
    data = _inflate(body, MAX_SITEMAP_BYTES)
    error = None
    try:
        root = etree.fromstring(data, _xml_parser(recover=False))
    except etree.XMLSyntaxError as strict_error:
        error = f"{url}: malformed {kind} ({' '.join(str(strict_error).split())})"
        root = etree.fromstring(data, _xml_parser(recover=True))
    if root is None:
        return Discovery(kind, error=error or f"{url}: empty {kind}")
    if kind == "sitemapindex":
        children = [_absolute(url, loc) for loc in _child_texts(root, "sitemap", "loc")]
        return Discovery(kind, sitemaps=tuple(dict.fromkeys(c for c in children if c)), error=error)
    entries = []
    unusable = 0
    for element in root.iter("{*}url"):
        location = _text(element, "loc")
        loc = _absolute(url, location)
        if not loc:
            unusable += bool(location and _is_broken(location))
            continue
        news = element.find(f"{{{NEWS_NAMESPACE}}}news")
        title = _text(news, "title") if news is not None else None
        when = _text(news, "publication_date") if news is not None else None
        published = _parse_w3c_date(when or _text(element, "lastmod"))
        entries.append(DiscoveredEntry(canonicalise(loc), title, published, modified_only=not when))
    return Discovery(kind, entries=_unique(entries), error=error or _unusable_note(url, unusable))


def _xml_parser(*, recover: bool) -> etree.XMLParser:
    """An XML parser that expands no entities and touches no network (XXE-safe)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        recover=recover,
    )


def _child_texts(root: Any, element: str, child: str) -> list[str]:
    """Texts of ``child`` under every ``element`` (any namespace)."""
    return [text for node in root.iter(f"{{*}}{element}") if (text := _text(node, child))]


def _text(element: Any, child: str) -> str | None:
    """Stripped text of ``element``'s first ``child`` in any namespace."""
    if element is None:
        return None
    found = element.find(f"{{*}}{child}")
    if found is None:
        return None
    text = "".join(found.itertext()).strip()
    return text or None


def _absolute(base: str, location: str | None) -> str | None:
    """``location`` resolved against ``base``, if it is an http(s) URL with a host."""
    if not location:
        return None
    try:
        absolute = urljoin(base, location.strip())
        parts = urlsplit(absolute)
    except ValueError:  # a bracketed host that is no IP address: "https://[menu]/a"
        return None
    return absolute if parts.scheme in ("http", "https") and parts.hostname else None


_SCHEME = re.compile(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):")


def _is_broken(location: str) -> bool:
    """Whether a link ``_absolute`` refused was meant as a web address.

    Other schemes ("mailto:", "ftp:") are no article links and are skipped unreported.
    """
    scheme = _SCHEME.match(location)
    return scheme is None or scheme.group(1).lower() in ("http", "https")


def _unusable_note(url: str, unusable: int) -> str | None:
    """One line for the entries skipped because their link is no usable URL."""
    if not unusable:
        return None
    return f"{url}: skipped {counted(unusable, 'entry')} with an unusable link"


def _parse_w3c_date(value: str | None) -> datetime | None:
    """A sitemap date (W3C datetime: ``2024-05-01`` or ``2024-05-01T08:00:00+00:00``)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _advertised_feeds(body: bytes, url: str) -> tuple[str, ...]:
    """Feeds an HTML page links with ``<link rel="alternate" type="application/rss+xml">``."""
    try:
        document = lxml_html.document_fromstring(body)
    except (ValueError, etree.ParserError):
        return ()
    feeds = []
    for link in document.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        media_type = (link.get("type") or "").lower()
        if "alternate" in rel and media_type in ("application/rss+xml", "application/atom+xml"):
            absolute = _absolute(url, link.get("href"))
            if absolute:
                feeds.append(absolute)
    return tuple(dict.fromkeys(feeds))


def _inflate(body: bytes, limit: int) -> bytes:
    """``body`` gunzipped if it is gzip data, at most ``limit`` bytes (a bomb guard)."""
    if not body.startswith(_GZIP_MAGIC):
        return body
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        return inflater.decompress(body, limit)
    except zlib.error:
        return body


def _unique(entries: list[DiscoveredEntry]) -> tuple[DiscoveredEntry, ...]:
    """Entries with repeated URLs dropped (first kept)."""
    seen: dict[str, DiscoveredEntry] = {}
    for entry in entries:
        seen.setdefault(entry.url, entry)
    return tuple(seen.values())
