"""Extraction for the watcher: in worker processes, bounded, with the feed's entry.

``extract_page`` runs in the watcher's process pool (it must be a top-level
function to be pickled); ``reextract`` re-runs the current extractor on a
stored capture, as recording does to tell an extractor change from an edit.
"""

from __future__ import annotations

import sqlalchemy as sa

from newstrail.extract.records import Extracted, FeedEntry
from newstrail.jobs.limits import extract_html_bounded
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.text.encoding import decode_html


def extract_page(
    body: bytes, charset: str | None, url: str | None, feed: FeedEntry | None = None
) -> Extracted:
    """Decode and extract one fetched page (runs in a worker process)."""
    return extract_html_bounded(decode_html(body, charset), url, feed=feed)


def reextract(raw: bytes, url: str | None, feed: FeedEntry | None = None) -> Extracted:
    """Re-run the current extractor on stored raw bytes (with the same feed entry)."""
    return extract_page(raw, None, url, feed)


def stored_feed_entry(store: Store, article_id: int) -> FeedEntry | None:
    """What the feed said about an article when it was found, as stored by polling."""
    a = schema.articles
    with store.read() as connection:
        stored = connection.execute(sa.select(a.c.feed_entry).where(a.c.id == article_id)).scalar()
    return FeedEntry.from_dict(stored)
