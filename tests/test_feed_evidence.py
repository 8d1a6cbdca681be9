"""What a feed entry said reaches extraction, and the winning evidence is stored and shown.

A real feed and article page are served on 127.0.0.1; the watcher polls the
feed, keeps the entry's title, date and author on the article, and extraction
dates the page by the feed (its only date is a footer copyright year).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from newstrail.extract.records import Extracted, FeedEntry
from newstrail.fetch.feeds import DiscoveredEntry
from newstrail.jobs.polling import feed_entry_of
from newstrail.jobs.sources import save_source
from newstrail.jobs.watch import Watcher
from newstrail.serve.archive import get_article
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.versions.recording import Capture, record_capture

SETTINGS = Settings(allow_private=True, per_host_delay=0.0, retries=1, workers=1)

PARAGRAPH = (
    "The council voted on Tuesday to rebuild the harbour wall after the winter storms "
    "flooded the old town twice, and the work will start in the spring. "
)
ARTICLE = (
    "<html lang='en'><head><title>Harbour wall to be rebuilt</title>"
    "<meta property='og:site_name' content='Example News'></head><body>"
    "<article><h1>Harbour wall to be rebuilt</h1>"
    f"<p>{PARAGRAPH * 4}</p><p>{PARAGRAPH * 3}</p></article>"
    "<footer><p>(c) Example News 2026. All rights reserved.</p></footer></body></html>"
)


def feed(base: str) -> str:
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Example News</title>"
        f"<link>{base}/</link><description>news</description><item>"
        "<title>Harbour wall to be rebuilt</title>"
        f"<link>{base}/harbour</link><author>jane@example.com (Jane Doe)</author>"
        "<pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate></item></channel></rss>"
    )


@pytest.fixture
def news_site() -> Iterator[str]:
    """A two-page site (feed.xml and /harbour) on a free loopback port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/feed.xml":
                body, kind = feed(base).encode(), "application/rss+xml"
            elif self.path == "/harbour":
                body, kind = ARTICLE.encode(), "text/html; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_feed_date_dates_a_page_whose_only_year_is_a_copyright_line(
    news_site: str, store: Store
) -> None:
    save_source(store, f"{news_site}/feed.xml", "rss", "Example News", {})
    report = asyncio.run(Watcher(store, SETTINGS, analyse=False).run_once())
    assert report.outcomes["new"] == 1, report.errors
    with store.read() as connection:
        article_id, stored_entry, published = connection.execute(
            sa.select(
                schema.articles.c.id, schema.articles.c.feed_entry, schema.articles.c.published
            )
        ).one()
    assert stored_entry["published"].startswith("2026-11-23")
    assert stored_entry["title"] == "Harbour wall to be rebuilt"
    assert published == "2026-11-23"  # not 2026-01-01 from "(c) Example News 2026"
    detail = get_article(store, article_id).to_json()
    assert detail["evidence"]["published_source"] == "feed"  # the article JSON's names
    assert detail["evidence"]["site_name_source"] == "opengraph"
    assert detail["language"] == "en"
    # A second pass sees the same page: the feed entry is weighed again, so nothing changed.
    asyncio.run(Watcher(store, SETTINGS, analyse=False).run_once())
    assert get_article(store, article_id).article.version_count == 1


def test_sitemap_lastmod_is_not_kept_as_a_publication_date() -> None:
    when = datetime(2026, 11, 23, 8, tzinfo=UTC)
    listed = feed_entry_of(DiscoveredEntry("https://x.example/a", "A", when, "Jane Doe"))
    assert listed == FeedEntry("A", when.isoformat(), "Jane Doe")
    lastmod = feed_entry_of(DiscoveredEntry("https://x.example/a", None, when, modified_only=True))
    assert lastmod is None


def test_a_source_named_after_its_host_takes_the_name_its_pages_state(store: Store) -> None:
    extracted = Extracted(
        title="T",
        author=None,
        date=None,
        site="Example News",
        text="Some text of the article.",
        url=None,
        language="en",
        extractor="newstrail/test",
        evidence={"site_source": "opengraph"},
    )
    capture = Capture(
        url="https://www.example-news.com/a",
        extracted=extracted,
        origin="fetch",
        captured_at=datetime(2026, 11, 23, tzinfo=UTC),
        source_name="example-news.com",
        source_domain="example-news.com",
    )
    record_capture(store, capture)
    with store.read() as connection:
        name, evidence = connection.execute(
            sa.select(schema.sources.c.name, schema.versions.c.evidence).select_from(
                schema.sources.join(
                    schema.articles, schema.articles.c.source_id == schema.sources.c.id
                ).join(schema.versions, schema.versions.c.article_id == schema.articles.c.id)
            )
        ).one()
    assert name == "Example News"
    assert evidence == {"site_source": "opengraph"}
