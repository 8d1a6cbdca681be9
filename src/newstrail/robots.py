"""robots.txt rules per origin, cached with a time to live.

We parse with the standard library's ``urllib.robotparser``: it implements the
original robots exclusion standard plus ``Allow``, ``Crawl-delay`` and
``Request-rate``, which is what news sites' robots.txt files use to keep
crawlers out of search, account and API paths. It lacks the RFC 9309 ``*``/``$``
path wildcards (a wildcard rule is matched literally, so it never matches a
real path); we accept that gap rather than add a dependency (protego) because
the watcher fetches article URLs that the outlet itself lists in its feeds, and
wildcard rules in news robots.txt files mostly target query-string crawling.
We never let ``RobotFileParser.read()`` fetch: it uses urllib without our
SSRF guard, timeouts or size limit, so the fetcher downloads robots.txt itself
and hands the text here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.robotparser import RobotFileParser

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

    parser: RobotFileParser
    source: str  # "robots.txt", "no robots.txt (HTTP 404)", "robots.txt unreachable (…)"
    expires_at: float

    def allows(self, user_agent: str, url: str) -> bool:
        """Whether ``user_agent`` may fetch ``url`` under these rules."""
        return self.parser.can_fetch(user_agent, url)

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
    parser = RobotFileParser()
    if 200 <= status < 300:
        parser.parse(body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace").splitlines())
        return RobotsRules(parser, "robots.txt", now + ttl)
    if 400 <= status < 500 and status != 429:
        parser.parse([])  # no rules: everything allowed
        return RobotsRules(parser, f"no robots.txt (HTTP {status})", now + ttl)
    return unreachable_rules(f"HTTP {status}", now)


def unreachable_rules(reason: str, now: float) -> RobotsRules:
    """Disallow-all rules for an origin whose robots.txt could not be read."""
    parser = RobotFileParser()
    parser.parse(["User-agent: *", "Disallow: /"])
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
