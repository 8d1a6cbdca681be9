"""robots.txt rules per origin, cached with a time to live.

We parse with protego (Scrapy's robots.txt parser): it implements RFC 9309,
including the ``*``/``$`` path wildcards and longest-match precedence between
``Allow`` and ``Disallow``, plus ``Crawl-delay`` and ``Request-rate``. The
standard library's ``urllib.robotparser`` matched wildcard rules literally (so
``Disallow: /*?query=`` never matched a real URL) and let the first matching
rule win, which let newstrail fetch pages a site had asked crawlers to leave.
protego never fetches; the fetcher downloads robots.txt itself, through its
SSRF guard, timeouts and size limit, and hands the text here.
"""

from __future__ import annotations

from dataclasses import dataclass

from protego import Protego

# RFC 9309 §2.3.1.5: "crawlers SHOULD NOT use a cached version for more than 24
# hours"; an hour keeps edits to robots.txt visible within one watch cycle.
DEFAULT_TTL = 3600.0
# An unreachable robots.txt means "disallow everything" (RFC 9309 §2.3.1.4), but
# only briefly, so one 503 does not lock a host out for an hour.
UNREACHABLE_TTL = 300.0
# RFC 9309 §2.5: parse at least the first 500 KiB.
MAX_ROBOTS_BYTES = 500 * 1024


@dataclass(frozen=True)
class RobotsRules:
    """The parsed rules of one origin and why they are what they are."""

    parser: Protego
    source: str  # "robots.txt", "no robots.txt (HTTP 404)", "robots.txt unreachable (…)"
    expires_at: float

    def allows(self, user_agent: str, url: str) -> bool:
        """Whether ``user_agent`` may fetch ``url`` under these rules."""
        return bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        """The ``Crawl-delay`` (or ``Request-rate``) for ``user_agent``, in seconds."""
        delay = self.parser.crawl_delay(user_agent)
        if delay is not None:
            return float(delay)
        rate = self.parser.request_rate(user_agent)
        if rate is not None and rate.requests > 0:
            return float(rate.seconds) / rate.requests
        return None


def rules_from_response(
    status: int, body: bytes, now: float, ttl: float = DEFAULT_TTL
) -> RobotsRules:
    """Rules from a robots.txt response (RFC 9309 §2.3.1: 4xx allows all, 5xx disallows all)."""
    if 200 <= status < 300:
        text = body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        return RobotsRules(Protego.parse(text), "robots.txt", now + ttl)
    if 400 <= status < 500 and status != 429:
        return RobotsRules(Protego.parse(""), f"no robots.txt (HTTP {status})", now + ttl)
    return unreachable_rules(f"HTTP {status}", now)


def unreachable_rules(reason: str, now: float) -> RobotsRules:
    """Disallow-all rules for an origin whose robots.txt could not be read."""
    parser = Protego.parse("User-agent: *\nDisallow: /\n")
    return RobotsRules(parser, f"robots.txt unreachable ({reason})", now + UNREACHABLE_TTL)


class RobotsCache:
    """robots.txt rules by origin (``scheme://host:port``), each valid until it expires."""

    def __init__(self) -> None:
        self._rules: dict[str, RobotsRules] = {}

    def get(self, origin: str, now: float) -> RobotsRules | None:
        """The cached rules for ``origin``, or None if absent or expired."""
        rules = self._rules.get(origin)
        if rules is None or rules.expires_at <= now:
            return None
        return rules

    def put(self, origin: str, rules: RobotsRules) -> None:
        """Remember ``rules`` for ``origin``."""
        self._rules[origin] = rules
