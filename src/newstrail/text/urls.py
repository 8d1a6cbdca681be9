"""Canonical article URLs: one spelling per page, so versions of a page line up.

``canonicalise`` applies only normalisations that cannot change which resource
a server returns (RFC 3986 §6.2.2 syntax-based normalisation, plus dropping
parameters that only feed analytics). It deliberately keeps ``index.html``,
trailing slashes, ``www.`` and ``+`` in queries: each of those *can* name a
different page on some server, and a false merge of two articles is worse for
version tracking than two rows for one article (the watcher already treats
http→https and www redirects as the same page).

Written by hand rather than with ``courlan.normalize_url``: courlan strips a
different tracker list, lower-cases the path on some inputs and re-encodes
queries with ``urlencode`` (turning ``+`` into ``%2B``), and we need exactly the
parameter list of the Watch issue.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

import tldextract
from lxml import html as lxml_html

# Query parameters that identify a campaign or click, never content.
_TRACKING_NAMES = frozenset(
    {"fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid", "igshid", "ref", "ref_src"}
)
_TRACKING_PREFIXES = ("utm_", "at_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 3986 §2.3: escapes of these characters are equivalent to the characters.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# Characters that may stay literal in a path or query; anything else is escaped.
_PATH_SAFE = frozenset(_UNRESERVED | set("!$&'()*+,;=:@/%"))
_QUERY_SAFE = frozenset(_PATH_SAFE | set("?"))


def canonicalise(url: str) -> str:
    """The canonical spelling of an http(s) URL.

    Args:
        url: an absolute URL; surrounding whitespace is ignored.

    Returns:
        The URL with lower-case scheme and host, no default port, no fragment,
        no tracking parameters, sorted query parameters, dot segments removed
        and percent-encoding normalised. Non-http(s) URLs come back stripped
        but otherwise unchanged.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # a bracketed host that is no IP address ("https://[menu]/")
        return url.strip()
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url.strip()
    host = parts.hostname.rstrip(".")  # hostname is already lower-cased
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # an out-of-range or non-numeric port: leave the URL alone
        return url.strip()
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if "@" in parts.netloc:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    path = _normalise_escapes(_remove_dot_segments(parts.path or "/"), _PATH_SAFE)
    query = _canonical_query(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def is_tracking_parameter(name: str) -> bool:
    """Whether a query parameter only tracks clicks or campaigns."""
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def canonical_from_page(html: str, base_url: str) -> str | None:
    """The canonical URL a page declares for itself, if it is trustworthy.

    Args:
        html: the page's HTML.
        base_url: the URL the page was fetched from (resolves relative links).

    Returns:
        The canonicalised ``rel=canonical`` (or else ``og:url``) target, or None
        when there is none, it is not http(s), it points to another registered
        domain (syndication partners, mis-configured CMSs) or to the home page
        (a common template bug that would merge every article into one).
    """
    try:
        document = lxml_html.document_fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return None
    candidates: list[str] = []
    for link in document.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        if "canonical" in rel and link.get("href"):
            candidates.append(link.get("href", ""))
    for meta in document.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() == "og:url":
            candidates.append(meta.get("content") or "")
    base_domain = registered_domain(base_url)
    for candidate in candidates:
        if not candidate.strip():
            continue
        try:
            absolute = canonicalise(urljoin(base_url, candidate.strip()))
            parts = urlsplit(absolute)
        except ValueError:  # page markup: a URL urlsplit refuses is no canonical URL
            continue
        if parts.scheme not in _DEFAULT_PORTS:
            continue
        if registered_domain(absolute) != base_domain:
            continue
        if parts.path in ("", "/") and not parts.query:
            continue
        return absolute
    return None


def registered_domain(url: str) -> str:
    """The registered domain of a URL (``www.bbc.co.uk`` → ``bbc.co.uk``), offline.

    An IP address or a single-label host (``localhost``) is its own registered
    domain; an unparseable URL gives "".
    """
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:  # "https://[not-an-address]/", "http://a:port/"
        return ""
    if not host:
        return ""
    extracted = _extractor()(host)
    if extracted.domain and extracted.suffix:
        return f"{extracted.domain}.{extracted.suffix}"
    return host


def has_public_suffix(host: str) -> bool:
    """Whether a host ends in a public suffix ("bild.de", "bbc.co.uk"; not "jane.doe"), offline."""
    return bool(_extractor()(host.rstrip(".")).suffix)


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    """tldextract on its bundled public-suffix snapshot: it never touches the network."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: resolve ``.`` and ``..`` segments."""
    if "." not in path:
        return path
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
            continue
        if segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
            continue
        output.append(segment)
    joined = "/".join(output)
    return joined if joined.startswith("/") else "/" + joined


def _normalise_escapes(text: str, safe: frozenset[str]) -> str:
    """Decode escapes of unreserved characters, upper-case the rest, escape unsafe characters."""

    def unescape(match: re.Match[str]) -> str:
        character = chr(int(match.group(1), 16))
        return character if character in _UNRESERVED else "%" + match.group(1).upper()

    decoded = _ESCAPE.sub(unescape, text)
    out: list[str] = []
    for index, character in enumerate(decoded):
        if character == "%" and not _ESCAPE.match(decoded, index):
            out.append("%25")
        elif character in safe:
            out.append(character)
        else:
            out.extend(f"%{byte:02X}" for byte in character.encode("utf-8"))
    return "".join(out)


def _canonical_query(query: str) -> str:
    """The query without tracking parameters, sorted by name (stable for repeated names)."""
    if not query:
        return ""
    kept: list[tuple[str, str]] = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = pair.split("=", 1)[0]
        if is_tracking_parameter(_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), name)):
            continue
        normalised = _normalise_escapes(pair, _QUERY_SAFE - {"&"})
        kept.append((normalised.split("=", 1)[0], normalised))
    kept.sort(key=lambda item: item[0])
    return "&".join(pair for _, pair in kept)
