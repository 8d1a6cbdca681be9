"""Local servers and settings for network tests: everything stays on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from newstrail.demo.fixture_site import FixtureSite
from newstrail.fetch.http import FetchSettings

# Loopback is let through by network, not by allow_private, so the guard still
# refuses every other private address (redirects to 10.x, ::1) in these tests.
LOOPBACK_ONLY = ("127.0.0.0/8",)

FAST = FetchSettings(
    connect_timeout=1.0,
    read_timeout=2.0,
    total_timeout=3.0,
    max_body_bytes=1_000_000,
    retries=2,
    backoff_base=0.01,
    backoff_max=0.5,
    per_host_concurrency=4,
    per_host_delay=0.0,
    allowed_networks=LOOPBACK_ONLY,
)


def fast_settings(**changes: Any) -> FetchSettings:
    """Small timeouts, tiny backoff, no per-host delay, loopback allowed."""
    return replace(FAST, **changes)


@contextmanager
def running_site(synthetic_articles: int = 0) -> Iterator[FixtureSite]:
    """A fixture site serving on a free loopback port for the duration of the block."""
    site = FixtureSite(synthetic_articles=synthetic_articles)
    site.start("127.0.0.1", 0)
    try:
        yield site
    finally:
        site.stop()
