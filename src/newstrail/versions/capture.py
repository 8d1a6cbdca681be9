"""One observation of an article, as recording takes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from newstrail.extract.records import Extracted


@dataclass(frozen=True)
class Capture:
    """One observation of an article: where it came from, its bytes and its extraction."""

    url: str
    extracted: Extracted
    origin: str
    captured_at: datetime
    raw: bytes | None = None
    content_type: str | None = None
    http_status: int | None = None
    final_url: str | None = None
    source_name: str | None = None
    source_domain: str | None = None
    feed_id: int | None = None
    # False when the raw bytes hold several versions (a NewsSniffer page), so
    # equal bytes do not mean an equal version.
    raw_is_one_version: bool = True
    # Why the extraction was cut to the size limits (jobs/limits.py), or None.
    truncated: str | None = None
