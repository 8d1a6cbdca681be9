"""Politeness towards each host: its gate, Retry-After and backoff.

Every host (origin) gets one ``HostGate``: at most ``per_host_concurrency``
requests in flight, starts ``per_host_delay`` seconds apart (longer if its
robots.txt asks), and a pause when it answers 429/503 with ``Retry-After``.
Retries back off exponentially with jitter. The ``Fetcher`` holds the gates.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx


@dataclass
class HostGate:
    """Concurrency slots and request spacing for one host."""

    concurrency: int
    delay: float
    transport: httpx.AsyncHTTPTransport
    semaphore: asyncio.Semaphore = field(init=False)
    spacing: asyncio.Lock = field(default_factory=asyncio.Lock)
    robots_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_start: float = float("-inf")
    paused_until: float = float("-inf")

    def __post_init__(self) -> None:
        self.semaphore = asyncio.Semaphore(self.concurrency)


def backoff_delay(
    attempt: int,
    retry_after: str | None,
    *,
    base: float,
    cap: float,
    randomness: random.Random,
) -> float:
    """Seconds before retry ``attempt + 1``: Retry-After if given, else jittered exponential."""
    requested = retry_after_seconds(retry_after)
    if requested is not None:
        # Honoured but capped: a server asking for an hour must not stall a
        # watch pass; the article is simply retried on its next schedule.
        return min(requested, cap)
    exponential = min(cap, base * 2.0**attempt)
    # "Equal jitter": half fixed, half random, so synchronised clients spread
    # out without any retry coming back immediately.
    return exponential / 2 + randomness.uniform(0, exponential / 2)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, float((when - datetime.now(UTC)).total_seconds()))


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, lower-cased (the unit of politeness and robots)."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"
