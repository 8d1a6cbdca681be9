"""Recognising outlets from URLs and credit lines, never by guessing."""

from __future__ import annotations

from newstrail.extract.outlets import (
    UNKNOWN_SOURCE,
    outlet_from_text,
    recognise_outlet,
    registered_domain,
)


def test_registered_domain_is_computed_offline() -> None:
    assert registered_domain("https://www.scmp.com/news/china/article/1") == "scmp.com"
    assert registered_domain("https://news.bbc.co.uk/2/hi/world.stm") == "bbc.co.uk"
    assert registered_domain("urn:newstrail:text:abc") is None
    assert registered_domain("http://127.0.0.1:8000/a") is None


def test_known_and_unknown_domains() -> None:
    assert recognise_outlet("https://www.wionews.com/world/x", "").name == "WION"
    other = recognise_outlet("https://news.example.org/a", "")
    assert (other.name, other.domain) == ("example.org", "example.org")


def test_credit_lines_name_the_outlet() -> None:
    assert outlet_from_text("In message to US\n\nWION Web Team\nBeijing") is not None
    scmp = outlet_from_text(
        "…\nThis article appeared in the South China Morning Post print edition as: X"
    )
    assert (
        scmp is not None and scmp.name == "South China Morning Post" and scmp.domain == "scmp.com"
    )


def test_outlets_mentioned_in_the_story_are_not_credits() -> None:
    text = "China's Xinhua News Agency quoted Xi as saying. Reuters reported the call."
    assert recognise_outlet(None, text).name == UNKNOWN_SOURCE


def test_declared_source_wins() -> None:
    assert recognise_outlet(None, "WION Web Team", declared="Newsweek").name == "Newsweek"
