"""Recognise the outlet (source) of an article from its URL or its text.

A URL names its outlet through its registered domain (``www.scmp.com`` →
``scmp.com`` → "South China Morning Post"). Text without a URL names its outlet
only through credit lines ("WION Web Team", "This article appeared in the South
China Morning Post print edition"); we match those against known outlet names
and otherwise say "unknown source" rather than guess.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from dataclasses import dataclass

from newstrail.text import urls

UNKNOWN_SOURCE = "unknown source"

# Registered domain → display name, for outlets whose domain is not their name.
# Any other domain is shown as itself: a domain is a fact, not a guess.
KNOWN_OUTLETS: dict[str, str] = {
    "apnews.com": "AP",
    "bbc.co.uk": "BBC",
    "bbc.com": "BBC",
    "bloomberg.com": "Bloomberg",
    "breitbart.com": "Breitbart",
    "cnn.com": "CNN",
    "foxnews.com": "Fox News",
    "huffpost.com": "HuffPost",
    "huffingtonpost.com": "HuffPost",
    "newsweek.com": "Newsweek",
    "npr.org": "NPR",
    "nytimes.com": "The New York Times",
    "republicworld.com": "Republic World",
    "reuters.com": "Reuters",
    "rt.com": "RT",
    "scmp.com": "South China Morning Post",
    "theguardian.com": "The Guardian",
    "washingtonpost.com": "The Washington Post",
    "wionews.com": "WION",
    "wsj.com": "The Wall Street Journal",
    "xinhuanet.com": "Xinhua",
}

# NewsSniffer's short source names ("rtcom") → registered domains.
NEWSSNIFFER_SOURCES: dict[str, str] = {
    "rtcom": "rt.com",
    "bbc": "bbc.co.uk",
    "guardian": "theguardian.com",
    "nytimes": "nytimes.com",
    "independent": "independent.co.uk",
}

_OUTLET_NAMES = sorted(set(KNOWN_OUTLETS.values()), key=len, reverse=True)
_NAME_ALTERNATION = "|".join(re.escape(name) for name in _OUTLET_NAMES)
# Credit lines that name the publishing outlet (not outlets merely mentioned in
# the story, such as "Xinhua News Agency quoted Xi as saying").
_CREDIT_PATTERNS = (
    re.compile(
        rf"^\s*(?P<name>{_NAME_ALTERNATION})\s+(?:Web|News|Digital)?\s*(?:Team|Desk|Staff)\s*$",
        re.M,
    ),
    re.compile(
        rf"appeared in (?:the )?(?P<name>{_NAME_ALTERNATION})\b(?: print edition| on| as|\.)"
    ),
    re.compile(rf"(?:©|Copyright)\s*(?:\d{{4}}\s*)?(?P<name>{_NAME_ALTERNATION})\b"),
    re.compile(rf"first published (?:by|on|in) (?:the )?(?P<name>{_NAME_ALTERNATION})\b"),
)


@dataclass(frozen=True)
class Outlet:
    """An outlet's display name and, when known, its registered domain."""

    name: str
    domain: str | None


def registered_domain(url: str) -> str | None:
    """``https://www.scmp.com/news/...`` → ``scmp.com``; None for URNs, IPs and
    single-label hosts, which name no outlet."""
    if not url.lower().startswith(("http://", "https://")):
        return None
    domain = urls.registered_domain(url).lower()
    if "." not in domain:
        return None
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(domain)
        return None
    return domain


def outlet_from_url(url: str) -> Outlet | None:
    """The outlet a URL belongs to, named after its registered domain."""
    domain = registered_domain(url)
    if domain is None:
        return None
    return Outlet(KNOWN_OUTLETS.get(domain, domain), domain)


def outlet_from_name(name: str) -> Outlet:
    """An outlet given by name (import metadata), linked to its domain when known."""
    for domain, known in KNOWN_OUTLETS.items():
        if known.lower() == name.strip().lower():
            return Outlet(known, domain)
    if re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", name.strip().lower()):
        return outlet_from_url(f"https://{name.strip()}") or Outlet(name.strip(), None)
    return Outlet(name.strip(), None)


def outlet_from_text(text: str) -> Outlet | None:
    """The outlet named in a credit line of ``text``, if any."""
    for pattern in _CREDIT_PATTERNS:
        match = pattern.search(text)
        if match:
            return outlet_from_name(match.group("name"))
    return None


def recognise_outlet(
    url: str | None, raw_text: str, declared: str | None = None, site_name: str | None = None
) -> Outlet:
    """Best evidence first: declared name, a known outlet's domain, the page's own
    site name (og:site_name, JSON-LD publisher: "Example News", not the bare host),
    the URL's domain, credit lines; "unknown source" only when nothing names it."""
    if declared:
        return outlet_from_name(declared)
    from_url = outlet_from_url(url) if url else None
    if from_url is not None and from_url.domain in KNOWN_OUTLETS:
        return from_url
    if site_name and site_name.strip():
        named = outlet_from_name(site_name)
        domain = from_url.domain if from_url is not None else named.domain
        return Outlet(named.name, domain)
    if from_url is not None:
        return from_url
    return outlet_from_text(raw_text) or Outlet(UNKNOWN_SOURCE, None)
