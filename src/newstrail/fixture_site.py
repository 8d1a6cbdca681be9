"""A small, real news site on 127.0.0.1 whose articles change over time.

Five outlets live under path prefixes (``/republic/``, ``/wion/``, ``/scmp/``,
``/newsweek/``, ``/rt/``), built from the bundled seed texts in
``fixture_data/``, each with a feed of a different kind (RSS, Atom, a news
sitemap, a gzip-compressed sitemap behind a sitemap index). Article pages are
real HTML with site chrome (navigation, related links, footer) around the text.

A step counter drives the timeline (``TIMELINE``): ``advance()`` in tests, or
``POST /_admin/step``. Edits, a headline change, a correction, a trivial
"Updated N minutes ago" change, a flip-flop, a deletion (404 then 410), a
redirect and new articles appear at fixed steps. Pages carry ETag and
Last-Modified and answer conditional requests with 304.

``synthetic_articles=N`` adds N generated articles under ``/synthetic/`` for the
watcher benchmark (1% are edited at each step), and ``/_hostile/`` serves the
misbehaving endpoints the fetcher must survive.

The server is stdlib ``ThreadingHTTPServer`` rather than an ASGI app under
uvicorn: tests and benchmarks run their own asyncio loop, and a plain thread
per connection needs no second loop, starts in milliseconds, and makes slow
endpoints (a 1 byte/s trickle) trivial to write as blocking loops.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import html
import importlib
import json
import random
import re
import string
import threading
import time
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache, lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Literal
from urllib.parse import parse_qs, urlsplit

# Site time: step n happens at SITE_EPOCH + n * STEP_MINUTES.
SITE_EPOCH = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
STEP_MINUTES = 10
SYNTHETIC_PER_SITEMAP = 1000
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@dataclass(frozen=True)
class Outlet:
    """One outlet of the fixture site."""

    slug: str
    name: str
    feed_kind: Literal["rss", "atom", "newssitemap", "sitemapindex"]

    @property
    def feed_path(self) -> str:
        """Path of the outlet's feed or sitemap."""
        names = {
            "rss": "rss.xml",
            "atom": "atom.xml",
            "newssitemap": "sitemap.xml",
            "sitemapindex": "sitemap_index.xml",
        }
        return f"/{self.slug}/{names[self.feed_kind]}"


OUTLETS = (
    Outlet("republic", "Republic World", "rss"),
    Outlet("wion", "WION", "atom"),
    Outlet("scmp", "South China Morning Post", "newssitemap"),
    Outlet("newsweek", "Newsweek", "rss"),
    Outlet("rt", "RT", "sitemapindex"),
)


@dataclass(frozen=True)
class Story:
    """An article's fixed facts: where it lives, who wrote it, its seed text."""

    key: str
    outlet: str
    slug: str
    headline: str
    author: str
    seed: str  # file in fixture_data/, or "" for an article recombined from all seeds
    published_step: int = 0


def _load_stories() -> tuple[Story, ...]:
    """The fixture's articles, from ``fixture_data/stories.json``."""
    rows = json.loads(
        resources.files("newstrail").joinpath("fixture_data", "stories.json").read_text()
    )
    return tuple(Story(**row) for row in rows)


STORIES = _load_stories()

EventKind = Literal[
    "reword", "headline", "correction", "flip", "flop", "delete", "gone", "redirect"
]


@dataclass(frozen=True)
class Event:
    """Something that happens to one article at one step."""

    step: int
    kind: EventKind
    story: str


# The timeline the tests advance through. The WION article also changes
# trivially ("Updated N minutes ago", a view counter) at every step.
TIMELINE = (
    Event(1, "reword", "xi-putin-republic"),
    Event(2, "headline", "xi-putin-republic"),
    Event(3, "correction", "xi-putin-republic"),
    Event(3, "flip", "xi-putin-scmp"),
    Event(4, "flop", "xi-putin-scmp"),
    Event(4, "delete", "xi-putin-newsweek"),
    Event(5, "gone", "xi-putin-newsweek"),
    Event(5, "redirect", "china-biden-rt"),
)
TRIVIAL_STORY = "xi-putin-wion"
# From this step on, the trivial story's text also changes its quote marks.
TRIVIAL_TEXT_STEP = 2
CORRECTION = (
    "Correction: An earlier version of this article misstated the day of the call. "
    "It took place on Monday."
)
# Deterministic rewording: the first of these words found in the second paragraph.
_REWORDINGS = (
    ("said", "stated"),
    ("told", "informed"),
    ("strong", "robust"),
    ("ties", "relations"),
)


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


@dataclass(frozen=True)
class RequestRecord:
    """One request the site received."""

    at: float  # time.monotonic() on arrival
    method: str
    path: str
    user_agent: str | None
    client_port: int = 0  # one port per TCP connection: tests count connections with it


class FixtureSite:
    """The fixture news site; ``start()`` serves it from a background thread."""

    def __init__(self, synthetic_articles: int = 0, seed: int = 0) -> None:
        self.synthetic_articles = synthetic_articles
        self.seed = seed
        self.step = 0
        self.base_url = ""
        # Bounded so a long benchmark or demo run does not grow without limit.
        self.requests: deque[RequestRecord] = deque(maxlen=200_000)
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._in_flight = 0
        self.max_in_flight = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a background thread; returns the base URL (``http://host:port``)."""
        server = _Server((host, port), _Handler)
        server.site = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="fixture-site", daemon=True
        )
        self._thread.start()
        bound_host, bound_port = server.server_address[:2]
        self.base_url = f"http://{bound_host!s}:{bound_port}"
        return self.base_url

    def stop(self) -> None:
        """Stop serving and release the socket."""
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FixtureSite:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def advance(self, steps: int = 1) -> int:
        """Move the timeline on by ``steps``; returns the new step."""
        with self._lock:
            self.step += steps
            return self.step

    @property
    def feed_urls(self) -> list[str]:
        """Absolute URLs of every outlet's feed or sitemap (and the synthetic sitemap index)."""
        paths = [outlet.feed_path for outlet in OUTLETS]
        if self.synthetic_articles:
            paths.append("/synthetic/sitemap_index.xml")
        return [self.base_url + path for path in paths]

    def article_url(self, key: str) -> str:
        """Absolute URL of a story's article page (where it was first published)."""
        return self.base_url + _story_path(_story(key))

    def synthetic_edited(self, index: int, step: int) -> bool:
        """Whether synthetic article ``index`` is edited at ``step`` (about 1 in 100)."""
        digest = hashlib.blake2b(f"{self.seed}:{index}:{step}".encode(), digest_size=2).digest()
        return int.from_bytes(digest, "big") % 100 == 0

    @contextlib.contextmanager
    def in_flight(self) -> Iterator[None]:
        """Count a request as in flight (``max_in_flight`` measures client concurrency)."""
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def count(self, key: str) -> int:
        """Increment and return a per-key request counter (hostile endpoints' state)."""
        with self._lock:
            self._counters[key] = self._counters.get(key, 0) + 1
            return self._counters[key]

    def log_request(
        self, method: str, path: str, user_agent: str | None, client_port: int = 0
    ) -> None:
        """Record a request (the tests measure per-host delays from these)."""
        record = RequestRecord(time.monotonic(), method, path, user_agent, client_port)
        with self._lock:
            self.requests.append(record)

    def requests_for(self, path: str) -> list[RequestRecord]:
        """The requests received for ``path`` (query string included), in order."""
        with self._lock:
            return [record for record in self.requests if record.path == path]

    # -- content -------------------------------------------------------------------

    def render(self, path: str, step: int, base: str) -> Page | None:
        """The page at ``path`` as of ``step``, or None for an unknown path."""
        if path == "/robots.txt":
            return Page(200, _ROBOTS_TXT.encode(), "text/plain; charset=utf-8")
        if path.startswith("/synthetic/"):
            return self._synthetic(path, step, base)
        for outlet in OUTLETS:
            if path == outlet.feed_path or path == f"/{outlet.slug}/sitemap-articles.xml.gz":
                return _feed_page(outlet, path, step, base)
        if path.startswith("/republic/private/"):
            return Page(200, b"<html><body><p>Private memo.</p></body></html>", "text/html")
        for story in STORIES:
            if path in (_story_path(story), _moved_path(story)):
                return _article_page(story, path, step, base)
        return None

    def _synthetic(self, path: str, step: int, base: str) -> Page | None:
        """Synthetic articles and their sitemaps (cheap: generated on request)."""
        if path == "/synthetic/sitemap_index.xml":
            count = -(-self.synthetic_articles // SYNTHETIC_PER_SITEMAP)
            locs = [f"{base}/synthetic/sitemap-{index}.xml" for index in range(count)]
            return Page(200, _sitemap_index(locs), "application/xml")
        match = re.fullmatch(r"/synthetic/sitemap-(\d+)\.xml", path)
        if match:
            start = int(match.group(1)) * SYNTHETIC_PER_SITEMAP
            stop = min(start + SYNTHETIC_PER_SITEMAP, self.synthetic_articles)
            if start >= stop:
                return None
            entries = [
                (f"{base}/synthetic/news/{index}", SITE_EPOCH) for index in range(start, stop)
            ]
            return Page(200, _sitemap(entries), "application/xml")
        match = re.fullmatch(r"/synthetic/news/(\d+)", path)
        if not match or int(match.group(1)) >= self.synthetic_articles:
            return None
        index = int(match.group(1))
        edits = [s for s in range(1, step + 1) if self.synthetic_edited(index, s)]
        version = len(edits)
        rng = random.Random(f"{self.seed}:{index}")
        sentences = _sentence_pool()
        paragraphs = [" ".join(rng.sample(sentences, 3)) for _ in range(5)]
        if version:
            edit_rng = random.Random(f"{self.seed}:{index}:{version}")
            paragraphs[edit_rng.randrange(5)] = " ".join(edit_rng.sample(sentences, 3))
        headline = f"Synthetic report {index}: " + paragraphs[0].split(".")[0][:80]
        body = _article_html(
            base=base,
            path=path,
            outlet_name="Synthetic News",
            headline=headline,
            author="Synthetic Desk",
            published=SITE_EPOCH,
            paragraphs=paragraphs,
            extras="",
            correction=None,
            related=[],
        )
        return Page(200, body, "text/html; charset=utf-8", edits[-1] if edits else 0)


# -- stories and the timeline ------------------------------------------------------


def _settled_step() -> int:
    """The last step that changes anything but the trivial story (later steps repeat it)."""
    return max(*(event.step for event in TIMELINE), *(story.published_step for story in STORIES))


def _story(key: str) -> Story:
    """The story called ``key``."""
    return next(story for story in STORIES if story.key == key)


def _story_path(story: Story) -> str:
    """Where a story is first published."""
    return f"/{story.outlet}/news/{story.slug}"


def _moved_path(story: Story) -> str:
    """Where a redirected story moves to."""
    return f"/{story.outlet}/news/{story.slug}-updated"


def _events(story: Story, step: int) -> set[EventKind]:
    """The kinds of event that have happened to ``story`` by ``step``."""
    return {event.kind for event in TIMELINE if event.story == story.key and event.step <= step}


def _article_state(story: Story, path: str, step: int) -> tuple[int, str | None]:
    """(status, redirect location) of a story's page at ``path`` as of ``step``."""
    if step < story.published_step:
        return 404, None
    events = _events(story, step)
    if "gone" in events:
        return 410, None
    if "delete" in events:
        return 404, None
    moved = "redirect" in events
    if path == _moved_path(story):
        return (200, None) if moved else (404, None)
    return (301, _moved_path(story)) if moved else (200, None)


def _article_page(story: Story, path: str, step: int, base: str) -> Page:
    """A story's page (or its 404/410/301) as of ``step``; Last-Modified is when it last changed."""
    body, status, location = _article_bytes(story, path, step, base)
    changed = step if story.key == TRIVIAL_STORY else min(step, _settled_step())
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
    status, location = _article_state(story, path, step)
    if status != 200:
        return _error_html(status), status, location
    events = _events(story, step)
    headline = story.headline
    if "headline" in events:
        headline = "Updated: " + headline.replace("China-Russia", "Beijing-Moscow")
    if "flip" in events and "flop" not in events:
        headline = headline.replace("won't be broken", "are unbreakable")
    paragraphs = list(_paragraphs(story))
    if "reword" in events and len(paragraphs) > 1:
        paragraphs[1] = _reword(paragraphs[1])
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
        (base + _story_path(other), other.headline)
        for other in STORIES
        if other.key != story.key and other.published_step <= step
    ][:3]
    outlet = next(outlet for outlet in OUTLETS if outlet.slug == story.outlet)
    body = _article_html(
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


def _reword(paragraph: str) -> str:
    """The paragraph with its first rewordable word replaced."""
    for old, new in _REWORDINGS:
        pattern = re.compile(rf"\b{old}\b")
        if pattern.search(paragraph):
            return pattern.sub(new, paragraph, count=1)
    return paragraph + " Officials declined to comment further."


def _paragraphs(story: Story) -> tuple[str, ...]:
    """A story's body paragraphs: its seed text, or recombined seed sentences."""
    if story.seed:
        return _seed_paragraphs(story.seed)
    rng = random.Random(story.key)
    sentences = _sentence_pool()
    return tuple(" ".join(rng.sample(sentences, 3)) for _ in range(6))


_CHROME_LINE = re.compile(
    r"^(•|Read -|This article|You can find|The article has|Version \d)|Photo:|https?://"
)
_LEADING_DATE = re.compile(r"^\s*date \d{4}-\d{2}-\d{2}\s+")


@cache
def _seed_paragraphs(name: str) -> tuple[str, ...]:
    """Body paragraphs of a seed text: long lines ending a sentence, page furniture dropped."""
    text = resources.files("newstrail").joinpath("fixture_data", name).read_text(encoding="utf-8")
    return tuple(p for p in (_clean_paragraph(line) for line in text.splitlines()) if p)


def _clean_paragraph(line: str) -> str | None:
    """A seed line as a body paragraph, or None if it is page furniture."""
    line = _LEADING_DATE.sub("", line.strip())
    if len(line.split()) < 12 or _CHROME_LINE.search(line) or line[-1] not in ".”\"'?!":
        return None
    # NewsSniffer seeds print two versions of a paragraph side by side: keep the first.
    head = line[:30]
    second = line.find(head, len(head))
    return line[:second].strip() if second > 0 else line


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?”\"])\s+(?=[A-Z“\"])")


@lru_cache(maxsize=1)
def _sentence_pool() -> tuple[str, ...]:
    """Every sentence of the seed paragraphs (material for recombined articles)."""
    sentences: list[str] = []
    for story in STORIES:
        if story.seed:
            for paragraph in _seed_paragraphs(story.seed):
                sentences += [s for s in _SENTENCE_SPLIT.split(paragraph) if len(s.split()) >= 6]
    return tuple(sentences)


# -- HTML and XML ------------------------------------------------------------------------

_ROBOTS_TXT = """\
User-agent: *
Disallow: /republic/private/
Disallow: /_admin/

User-agent: badbot
Disallow: /
"""


def _article_html(
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
    path = resources.files("newstrail").joinpath("fixture_data", "article.html")
    return string.Template(path.read_text(encoding="utf-8"))


def _error_html(status: int) -> bytes:
    """A small error page."""
    reason = {404: "Not Found", 410: "Gone", 301: "Moved Permanently"}.get(status, "Error")
    page = (
        f"<html><head><title>{status} {reason}</title></head><body><h1>{reason}</h1></body></html>"
    )
    return page.encode()


def _feed_page(outlet: Outlet, path: str, step: int, base: str) -> Page:
    """An outlet's feed or sitemap as of ``step``; Last-Modified is when it last changed."""
    body, content_type = _feed_bytes(outlet, path, step, base)
    changed = min(step, _settled_step())
    while changed > 0 and _feed_bytes(outlet, path, changed - 1, base)[0] == body:
        changed -= 1
    return Page(200, body, content_type, changed)


def _feed_bytes(outlet: Outlet, path: str, step: int, base: str) -> tuple[bytes, str]:
    """Feed body and content type: the outlet's live articles, newest first."""
    items: list[tuple[str, str, datetime]] = []
    for story in STORIES:
        if story.outlet != outlet.slug:
            continue
        status, location = _article_state(story, _story_path(story), step)
        if status == 200 or location:
            url = base + (location or _story_path(story))
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
        return gzip.compress(_sitemap([(u, p) for u, _, p in items]), mtime=0), "application/x-gzip"
    return _sitemap_index([f"{base}/{outlet.slug}/sitemap-articles.xml.gz"]), "application/xml"


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


def _sitemap(entries: list[tuple[str, datetime]]) -> bytes:
    """A plain sitemap."""
    e = html.escape
    urls = "".join(
        f"<url><loc>{e(url)}</loc><lastmod>{lastmod.isoformat()}</lastmod></url>"
        for url, lastmod in entries
    )
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">'
    return f"{head}{urls}</urlset>\n".encode()


def _sitemap_index(locations: list[str]) -> bytes:
    """A sitemap index."""
    e = html.escape
    children = "".join(f"<sitemap><loc>{e(loc)}</loc></sitemap>" for loc in locations)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">'
        f"{children}</sitemapindex>\n"
    ).encode()


# -- hostile endpoints -------------------------------------------------------------------


def _hostile_payload(name: str) -> bytes:
    """A hostile document from ``fixture_data/hostile-*`` (malformed feed, XXE, cp1252-as-UTF-8)."""
    return resources.files("newstrail").joinpath("fixture_data", f"hostile-{name}").read_bytes()


_GZIP_BOMB_BYTES = 16 * 1024 * 1024


_COMPRESSED_PAGE = b"<html><body>" + b"<p>Compressed news paragraph.</p>" * 200 + b"</body></html>"


def _compress(data: bytes, encoding: str) -> bytes:
    """``data`` in a Content-Encoding: gzip, deflate (zlib-wrapped) or br."""
    if encoding == "br":
        # Optional (httpx decodes br only when it is installed), so imported on demand.
        brotli = importlib.import_module("brotli")
        return bytes(brotli.compress(data))
    if encoding == "deflate":
        return zlib.compress(data)
    return gzip.compress(data, mtime=0)


@lru_cache(maxsize=1)
def _gzip_bomb() -> bytes:
    """16 MiB of zeros, gzip-compressed to ~16 KiB (built on first use, ~0.2 s)."""
    return gzip.compress(bytes(_GZIP_BOMB_BYTES), compresslevel=9, mtime=0)


class _Server(ThreadingHTTPServer):
    """The HTTP server, holding its site."""

    daemon_threads = True
    site: FixtureSite


class _Handler(BaseHTTPRequestHandler):
    """Serves the site, the admin endpoint and the hostile endpoints."""

    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body in one segment: without these, Nagle's algorithm and
    # delayed ACKs held each keep-alive response ~40 ms (measured: 500 pages in
    # 23 s before, see bench/fixture_site.py for after).
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024
    server_version = "newstrail-fixture/1"

    def handle(self) -> None:
        """Serve the connection; a client hanging up mid-response is normal here."""
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def finish(self) -> None:
        """Flush and close, ignoring a client that already left."""
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().finish()

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: tests and benchmarks read their own output."""

    def do_POST(self) -> None:
        """Only the admin endpoint accepts POST."""
        site = self.server.site
        site.log_request("POST", self.path, self.headers.get("User-Agent"), self.client_address[1])
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if urlsplit(self.path).path == "/_admin/step":
            step = site.advance()
            self._send(200, json.dumps({"step": step}).encode(), "application/json")
        else:
            self._send(404, _error_html(404), "text/html")

    def do_GET(self) -> None:
        """Serve a page, feed, admin state or hostile endpoint."""
        site = self.server.site
        site.log_request("GET", self.path, self.headers.get("User-Agent"), self.client_address[1])
        parts = urlsplit(self.path)
        if parts.path == "/_admin/step":
            self._send(200, json.dumps({"step": site.step}).encode(), "application/json")
            return
        if parts.path.startswith("/_hostile/"):
            self._hostile(parts.path.removeprefix("/_hostile/"), parse_qs(parts.query))
            return
        base = f"http://{self.headers.get('Host') or site.base_url.removeprefix('http://')}"
        page = site.render(parts.path, site.step, base)
        if page is None:
            self._send(404, _error_html(404), "text/html; charset=utf-8")
            return
        last_modified = SITE_EPOCH + timedelta(minutes=STEP_MINUTES * page.last_modified_step)
        validators = {
            "ETag": page.etag,
            "Last-Modified": format_datetime(last_modified, usegmt=True),
        }
        if page.status == 200 and self._not_modified(page.etag, last_modified):
            self._send(304, b"", None, validators)
            return
        extra = dict(validators) if page.status == 200 else {}
        if page.location:
            extra["Location"] = page.location
        self._send(page.status, page.body, page.content_type, extra)

    def _not_modified(self, etag: str, last_modified: datetime) -> bool:
        """Whether the request's validators match (If-None-Match wins, RFC 9110 §13.2.2)."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match == "*"
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                return last_modified <= parsedate_to_datetime(if_modified_since)
            except (TypeError, ValueError):
                return False
        return False

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Send a complete response."""
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _hostile(self, name: str, query: dict[str, list[str]]) -> None:
        """Misbehaving endpoints: each one exercises one of the fetcher's defences."""
        site = self.server.site
        key = (query.get("key") or ["default"])[0]
        number = int((query.get("n") or ["1"])[0])
        if name == "endless":
            self._stream(b"<p>" + b"endless " * 8000 + b"</p>\n", interval=0.0)
        elif name == "trickle":
            self._stream(b"x", interval=1.0, declared_length=1000)
        elif name in ("loop-a", "loop-b"):
            other = "loop-b" if name == "loop-a" else "loop-a"
            self._send(302, b"", None, {"Location": f"/_hostile/{other}"})
        elif name == "chain":
            target = f"/_hostile/chain?n={number - 1}" if number > 0 else "/republic/rss.xml"
            self._send(302, b"", None, {"Location": target})
        elif name == "redirect":
            self._send(302, b"", None, {"Location": (query.get("to") or ["/"])[0]})
        elif name == "compressed":
            encoding = (query.get("encoding") or ["gzip"])[0]
            self._send(
                200,
                _compress(_COMPRESSED_PAGE, encoding),
                "text/html",
                {"Content-Encoding": encoding},
            )
        elif name == "gzip-bomb":
            self._send(200, _gzip_bomb(), "text/html", {"Content-Encoding": "gzip"})
        elif name == "wrong-type":
            base = site.base_url
            page = _feed_page(OUTLETS[0], OUTLETS[0].feed_path, site.step, base)
            self._send(200, page.body, "text/html; charset=utf-8")
        elif name == "invalid-feed.xml":
            self._send(200, _hostile_payload("invalid-feed.xml"), "application/rss+xml")
        elif name == "xxe-sitemap.xml":
            self._send(200, _hostile_payload("xxe-sitemap.xml"), "application/xml")
        elif name == "broken-encoding":
            self._send(200, _hostile_payload("broken-encoding.html"), "text/html; charset=utf-8")
        elif name == "retry-after":
            if site.count(f"retry-after:{key}") <= number:
                seconds = (query.get("after") or ["1"])[0]
                self._send(429, b"slow down", "text/plain", {"Retry-After": seconds})
            else:
                self._send(
                    200, b"<html><body><p>Thanks for waiting.</p></body></html>", "text/html"
                )
        elif name == "flaky":
            if site.count(f"flaky:{key}") <= number:
                self._send(503, b"busy", "text/plain")
            else:
                self._send(200, b"<html><body><p>Back again.</p></body></html>", "text/html")
        elif name == "slow":
            with site.in_flight():
                site.stopping.wait(float((query.get("seconds") or ["0.2"])[0]))
            self._send(200, b"<html><body><p>Slow but fine.</p></body></html>", "text/html")
        elif name == "status":
            self._send(number, b"status", "text/plain")
        else:
            self._send(404, _error_html(404), "text/html")

    def _stream(self, chunk: bytes, interval: float, declared_length: int | None = None) -> None:
        """Write ``chunk`` every ``interval`` seconds until the client leaves or the site stops."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        if declared_length is not None:
            self.send_header("Content-Length", str(declared_length))
        self.end_headers()
        self.close_connection = True
        sent = 0
        limit = declared_length if declared_length is not None else 1 << 31
        site = self.server.site
        try:
            while sent < limit and not site.stopping.is_set():
                self.wfile.write(chunk)
                self.wfile.flush()
                sent += len(chunk)
                if interval:
                    site.stopping.wait(interval)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, which is the point


def serve_fixture_site(
    host: str = "127.0.0.1",
    port: int = 8765,
    synthetic: int = 0,
    step_interval: float | None = None,
) -> None:
    """Serve the fixture site until Ctrl-C (backs ``newstrail fixture-site``).

    Args:
        host: interface to listen on.
        port: port to listen on (0 picks a free one).
        synthetic: number of generated articles under ``/synthetic/``.
        step_interval: if set, advance the timeline every this many seconds.
    """
    site = FixtureSite(synthetic_articles=synthetic)
    base = site.start(host, port)
    print(f"fixture site at {base}/ (step 0); feeds:")
    for url in site.feed_urls:
        print(f"  {url}")
    print(f"advance the timeline with: curl -X POST {base}/_admin/step")
    try:
        while True:
            if step_interval:
                time.sleep(step_interval)
                print(f"step {site.advance()}")
            else:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()
