"""Canonical URLs, page-declared canonicals and registered domains."""

from __future__ import annotations

import pytest

from newstrail.text.urls import (
    canonical_from_page,
    canonicalise,
    is_tracking_parameter,
    registered_domain,
)

CANONICAL = [
    # case, default ports, fragments
    ("HTTPS://WWW.Example.COM:443/News/Story#comments", "https://www.example.com/News/Story"),
    ("http://example.com:80", "http://example.com/"),
    ("http://example.com:8080/a", "http://example.com:8080/a"),
    ("  https://example.com/a  ", "https://example.com/a"),
    ("https://example.com./a", "https://example.com/a"),
    # tracking parameters go, the rest are sorted
    (
        "https://example.com/a?utm_source=tw&b=2&utm_medium=social&a=1&fbclid=XYZ",
        "https://example.com/a?a=1&b=2",
    ),
    ("https://example.com/a?gclid=1&mc_cid=2&mc_eid=3&ocid=4&cmpid=5", "https://example.com/a"),
    (
        "https://example.com/a?at_medium=x&at_campaign=y&igshid=z&ref=home&ref_src=twsrc",
        "https://example.com/a",
    ),
    ("https://example.com/a?UTM_Source=x&id=7", "https://example.com/a?id=7"),
    ("https://example.com/a?reference=1&atlas=2", "https://example.com/a?atlas=2&reference=1"),
    (
        "https://example.com/a?b=2&a=2&a=1",
        "https://example.com/a?a=2&a=1&b=2",
    ),  # repeated names keep order
    ("https://example.com/a?", "https://example.com/a"),
    # percent-encoding: unreserved decoded, others upper-cased, unsafe escaped
    ("https://example.com/%7Euser/%61rticle", "https://example.com/~user/article"),
    ("https://example.com/a%2fb", "https://example.com/a%2Fb"),
    ("https://example.com/caf%c3%a9", "https://example.com/caf%C3%A9"),
    ("https://example.com/café story", "https://example.com/caf%C3%A9%20story"),
    ("https://example.com/a?q=x+y&r=%41", "https://example.com/a?q=x+y&r=A"),
    # dot segments
    ("https://example.com/a/./b/../c", "https://example.com/a/c"),
    ("https://example.com/../a", "https://example.com/a"),
    # deliberately kept: they can name different pages
    ("https://example.com/news/index.html", "https://example.com/news/index.html"),
    ("https://example.com/news/", "https://example.com/news/"),
    ("https://www.example.com/a", "https://www.example.com/a"),
    # not http(s): untouched
    ("mailto:desk@example.com", "mailto:desk@example.com"),
]


@pytest.mark.parametrize(("raw", "expected"), CANONICAL)
def test_canonicalise(raw: str, expected: str) -> None:
    assert canonicalise(raw) == expected


@pytest.mark.parametrize(("raw", "_"), CANONICAL)
def test_canonicalise_is_idempotent(raw: str, _: str) -> None:
    once = canonicalise(raw)
    assert canonicalise(once) == once


@pytest.mark.parametrize(
    ("name", "tracking"),
    [
        ("utm_campaign", True),
        ("fbclid", True),
        ("at_xtor", True),
        ("ref", True),
        ("id", False),
        ("page", False),
    ],
)
def test_is_tracking_parameter(name: str, tracking: bool) -> None:
    assert is_tracking_parameter(name) is tracking


BASE = "https://www.example.co.uk/news/world-123?utm_source=x"


def page(head: str) -> str:
    return f"<html><head>{head}</head><body><p>text</p></body></html>"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (
            '<link rel="canonical" href="https://www.example.co.uk/news/world-123">',
            "https://www.example.co.uk/news/world-123",
        ),
        (
            '<link rel="canonical" href="/news/world-123#top">',
            "https://www.example.co.uk/news/world-123",
        ),
        (
            '<link rel="Canonical" href="https://amp.example.co.uk/news/world-123">',
            "https://amp.example.co.uk/news/world-123",
        ),
        (
            '<meta property="og:url" content="https://www.example.co.uk/news/world-123?utm_medium=fb">',
            "https://www.example.co.uk/news/world-123",
        ),
        # rel=canonical wins over og:url
        (
            '<meta property="og:url" content="https://www.example.co.uk/og">'
            '<link rel="canonical" href="/canon">',
            "https://www.example.co.uk/canon",
        ),
        # untrustworthy: another registered domain, the home page, not http(s), empty
        ('<link rel="canonical" href="https://partner.com/news/world-123">', None),
        ('<link rel="canonical" href="https://www.example.co.uk/">', None),
        ('<link rel="canonical" href="javascript:void(0)">', None),
        ('<link rel="canonical" href="">', None),
        ("", None),
    ],
)
def test_canonical_from_page(head: str, expected: str | None) -> None:
    assert canonical_from_page(page(head), BASE) == expected


def test_canonical_from_page_falls_back_to_og_url_when_canonical_is_foreign() -> None:
    foreign = '<link rel="canonical" href="https://other.org/x">'
    head = foreign + '<meta property="og:url" content="/x/ok">'
    assert canonical_from_page(page(head), BASE) == "https://www.example.co.uk/x/ok"


def test_canonical_from_empty_page() -> None:
    assert canonical_from_page("", BASE) is None


def test_a_url_urlsplit_refuses_is_left_alone_and_is_no_canonical_url() -> None:
    # A bracketed host must be an IP address: urlsplit raises on "[menu]".
    assert canonicalise(" https://[ccpa-preferences]/x ") == "https://[ccpa-preferences]/x"
    page = (
        "<link rel='canonical' href='https://[ccpa-preferences]/x'>"
        f"<meta property='og:url' content='{BASE}'>"
    )
    assert canonical_from_page(page, BASE) == canonicalise(BASE)


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.bbc.co.uk/news/world", "bbc.co.uk"),
        ("https://edition.cnn.com/2024/a", "cnn.com"),
        ("https://news.example.com.au/x", "example.com.au"),
        ("http://127.0.0.1:8765/republic/", "127.0.0.1"),
        ("http://localhost/x", "localhost"),
        ("not a url", ""),
        ("https://[ccpa-preferences]/", ""),  # a page link that urlsplit rejects
    ],
)
def test_registered_domain_offline(url: str, domain: str) -> None:
    assert registered_domain(url) == domain
