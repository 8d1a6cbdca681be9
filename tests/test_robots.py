"""robots.txt rules: RFC 9309 wildcards, precedence, delays and failure statuses."""

from __future__ import annotations

from newstrail.fetch.robots import rules_from_response, unreachable_rules

AGENT = "newstrail/0.1 (+https://example.org/newstrail)"


def test_wildcards_and_the_longest_match_decide() -> None:
    body = b"""User-agent: *
Disallow: /*?query=
Disallow: /*.pdf$
Disallow: /search
Allow: /search/news
Crawl-delay: 3
"""
    rules = rules_from_response(200, body, now=0.0)
    assert not rules.allows(AGENT, "https://news.example/world?query=x")
    assert rules.allows(AGENT, "https://news.example/world?page=2")
    assert not rules.allows(AGENT, "https://news.example/report.pdf")
    assert rules.allows(AGENT, "https://news.example/report.pdf.html")
    # The longer rule wins, whichever comes first in the file.
    assert rules.allows(AGENT, "https://news.example/search/news/today")
    assert not rules.allows(AGENT, "https://news.example/search/all")
    assert rules.crawl_delay(AGENT) == 3.0


def test_a_group_for_our_agent_overrides_the_star_group() -> None:
    body = b"User-agent: *\nDisallow: /\n\nUser-agent: newstrail\nAllow: /\nRequest-rate: 1/5\n"
    rules = rules_from_response(200, body, now=0.0)
    assert rules.allows(AGENT, "https://news.example/article")
    assert not rules.allows("OtherBot/1.0", "https://news.example/article")
    assert rules.crawl_delay(AGENT) == 5.0


def test_missing_robots_allows_all_and_unreachable_disallows_all_briefly() -> None:
    missing = rules_from_response(404, b"<html>not found</html>", now=100.0, ttl=60.0)
    assert missing.allows(AGENT, "https://news.example/a") and missing.expires_at == 160.0
    assert "404" in missing.source
    for rules in (rules_from_response(503, b"", now=100.0), unreachable_rules("timeout", 100.0)):
        assert not rules.allows(AGENT, "https://news.example/a")
        assert rules.expires_at < 100.0 + 3600.0
