"""The fixture site's pages as bytes: article HTML, feeds, sitemaps, robots.txt."""

from __future__ import annotations

import gzip
import hashlib
import html
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from functools import lru_cache
from importlib import resources

from newstrail.demo.fixture_site.timeline import (
    CORRECTION,
    OUTLETS,
    SITE_EPOCH,
    STEP_MINUTES,
    STORIES,
    TRIVIAL_STORY,
    TRIVIAL_TEXT_STEP,
    Outlet,
    Story,
    article_state,
    events_of,
    reword,
    settled_step,
    story_paragraphs,
    story_path,
)

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@dataclass(frozen=True)
class Page:
    """A response body with its validators."""

    status: int
    body: bytes
    content_type: str
    last_modified_step: int = 0
    location: str | None = None

    @property
    def etag(self) -> str:
        """A strong validator: a hash of the body."""
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


def article_page(story: Story, path: str, step: int, base: str) -> Page:
    """A story's page (or its 404/410/301) as of ``step``; Last-Modified is when it last changed."""
    body, status, location = _article_bytes(story, path, step, base)
    changed = step if story.key == TRIVIAL_STORY else min(step, settled_step())
    while changed > 0 and _article_bytes(story, path, changed - 1, base) == (
        body,
        status,
        location,
    ):
        changed -= 1
    content_type = "text/html; charset=utf-8"
    return Page(status, body, content_type, changed, base + location if location else None)


def _article_bytes(story: Story, path: str, step: int, base: str) -> tuple[bytes, int, str | None]:
    """Body, status and redirect target of a story's page as of ``step``."""
    status, location = article_state(story, path, step)
    if status != 200:
        return error_html(status), status, location
    events = events_of(story, step)
    headline = story.headline
    if "headline" in events:
        headline = "Updated: " + headline.replace("China-Russia", "Beijing-Moscow")
    if "flip" in events and "flop" not in events:
        headline = headline.replace("won't be broken", "are unbreakable")
    paragraphs = list(story_paragraphs(story))
    if "reword" in events and len(paragraphs) > 1:
        paragraphs[1] = reword(paragraphs[1])
    if story.key == TRIVIAL_STORY and step >= TRIVIAL_TEXT_STEP:
        # A punctuation-only edit of the text itself: the watcher stores it as trivial.
        paragraphs = [p.replace("''", "“", 1).replace("''", "”", 1) for p in paragraphs]
    extras = ""
    if story.key == TRIVIAL_STORY:
        extras = (
            f'<p class="updated">Updated {STEP_MINUTES * step + 3} minutes ago · '
            f"{1000 + 137 * step} views</p>"
        )
    related = [
        (base + story_path(other), other.headline)
        for other in STORIES
        if other.key != story.key and other.published_step <= step
    ][:3]
    outlet = next(outlet for outlet in OUTLETS if outlet.slug == story.outlet)
    body = article_html(
        base=base,
        path=path,
        outlet_name=outlet.name,
        headline=headline,
        author=story.author,
        published=SITE_EPOCH + timedelta(minutes=STEP_MINUTES * story.published_step),
        paragraphs=paragraphs,
        extras=extras,
        correction=CORRECTION if "correction" in events else None,
        related=related,
    )
    return body, 200, None


ROBOTS_TXT = """\
User-agent: *
Disallow: /republic/private/
Disallow: /_admin/

User-agent: badbot
Disallow: /
"""


def article_html(
    *,
    base: str,
    path: str,
    outlet_name: str,
    headline: str,
    author: str,
    published: datetime,
    paragraphs: list[str],
    extras: str,
    correction: str | None,
    related: list[tuple[str, str]],
) -> bytes:
    """An article page with site chrome around the text."""
    e = html.escape
    canonical = base + path
    nav = " ".join(f'<a href="/{o.slug}/">{e(o.name)}</a>' for o in OUTLETS)
    body = "\n".join(f"<p>{e(p)}</p>" for p in paragraphs)
    notice = f'<aside class="correction"><p>{e(correction)}</p></aside>' if correction else ""
    links = "".join(f'<li><a href="{e(url)}">{e(title)}</a></li>' for url, title in related)
    page = _article_template().substitute(
        headline=e(headline),
        outlet=e(outlet_name),
        canonical=e(canonical),
        author=e(author),
        published_iso=published.isoformat(),
        published_text=f"{published:%d %B %Y, %H:%M} UTC",
        nav=nav,
        extras=extras,
        notice=notice,
        body=body,
        related=links,
    )
    return page.encode("utf-8")


@lru_cache(maxsize=1)
def _article_template() -> string.Template:
    """The article page layout (``fixture_data/article.html``)."""
    path = resources.files("newstrail.demo").joinpath("fixture_data", "article.html")
    return string.Template(path.read_text(encoding="utf-8"))


def error_html(status: int) -> bytes:
    """A small error page."""
    reason = {404: "Not Found", 410: "Gone", 301: "Moved Permanently"}.get(status, "Error")
    page = (
        f"<html><head><title>{status} {reason}</title></head><body><h1>{reason}</h1></body></html>"
    )
    return page.encode()


def feed_page(outlet: Outlet, path: str, step: int, base: str) -> Page:
    """An outlet's feed or sitemap as of ``step``; Last-Modified is when it last changed."""
    body, content_type = _feed_bytes(outlet, path, step, base)
    changed = min(step, settled_step())
    while changed > 0 and _feed_bytes(outlet, path, changed - 1, base)[0] == body:
        changed -= 1
    return Page(200, body, content_type, changed)


def _feed_bytes(outlet: Outlet, path: str, step: int, base: str) -> tuple[bytes, str]:
    """Feed body and content type: the outlet's live articles, newest first."""
    items: list[tuple[str, str, datetime]] = []
    for story in STORIES:
        if story.outlet != outlet.slug:
            continue
        status, location = article_state(story, story_path(story), step)
        if status == 200 or location:
            url = base + (location or story_path(story))
            published = SITE_EPOCH + timedelta(minutes=STEP_MINUTES * story.published_step)
            items.append((url, story.headline, published))
    items.sort(key=lambda item: item[2], reverse=True)
    if outlet.feed_kind == "rss":
        return _rss(outlet, items, base), "application/rss+xml; charset=utf-8"
    if outlet.feed_kind == "atom":
        return _atom(outlet, items, base), "application/atom+xml; charset=utf-8"
    if outlet.feed_kind == "newssitemap":
        return _news_sitemap(outlet, items), "application/xml"
    if path.endswith(".gz"):
        entries = [(url, published) for url, _, published in items]
        return gzip.compress(sitemap_xml(entries), mtime=0), "application/x-gzip"
    return sitemap_index([f"{base}/{outlet.slug}/sitemap-articles.xml.gz"]), "application/xml"


def _rss(outlet: Outlet, items: list[tuple[str, str, datetime]], base: str) -> bytes:
    """An RSS 2.0 feed."""
    e = html.escape
    entries = "".join(
        f"<item><title>{e(title)}</title><link>{e(url)}</link><guid>{e(url)}</guid>"
        f"<pubDate>{format_datetime(published)}</pubDate></item>"
        for url, title, published in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{e(outlet.name)}</title><link>{base}/{outlet.slug}/</link>"
        f"<description>Latest news</description>{entries}</channel></rss>\n"
    ).encode()


def _atom(outlet: Outlet, items: list[tuple[str, str, datetime]], base: str) -> bytes:
    """An Atom 1.0 feed."""
    e = html.escape
    updated = max((published for _, _, published in items), default=SITE_EPOCH).isoformat()
    entries = "".join(
        f'<entry><title>{e(title)}</title><link rel="alternate" href="{e(url)}"/>'
        f"<id>{e(url)}</id><published>{published.isoformat()}</published>"
        f"<updated>{published.isoformat()}</updated></entry>"
        for url, title, published in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{e(outlet.name)}</title><id>{base}/{outlet.slug}/</id><updated>{updated}</updated>"
        f"{entries}</feed>\n"
    ).encode()


def _news_sitemap(outlet: Outlet, items: list[tuple[str, str, datetime]]) -> bytes:
    """A Google News sitemap."""
    e = html.escape
    entries = "".join(
        f"<url><loc>{e(url)}</loc><news:news><news:publication><news:name>{e(outlet.name)}"
        f"</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{published.isoformat()}</news:publication_date>"
        f"<news:title>{e(title)}</news:title></news:news></url>"
        for url, title, published in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}" '
        f'xmlns:news="{NEWS_NS}">{entries}</urlset>\n'
    ).encode()


def sitemap_xml(entries: list[tuple[str, datetime]]) -> bytes:
    """A plain sitemap."""
    e = html.escape
    urls = "".join(
        f"<url><loc>{e(url)}</loc><lastmod>{lastmod.isoformat()}</lastmod></url>"
        for url, lastmod in entries
    )
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">'
    return f"{head}{urls}</urlset>\n".encode()


def sitemap_index(locations: list[str]) -> bytes:
    """A sitemap index."""
    e = html.escape
    children = "".join(f"<sitemap><loc>{e(loc)}</loc></sitemap>" for loc in locations)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">'
        f"{children}</sitemapindex>\n"
    ).encode()
