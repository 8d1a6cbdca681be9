"""The fixture site's HTTP server: its state, request log and handler."""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from newstrail.demo.fixture_site.hostile import (
    COMPRESSED_PAGE,
    compressed,
    gzip_bomb,
    hostile_payload,
    huge_feed,
    poison_article,
)
from newstrail.demo.fixture_site.pages import (
    ROBOTS_TXT,
    Page,
    article_html,
    article_page,
    error_html,
    feed_page,
    sitemap_index,
    sitemap_xml,
)
from newstrail.demo.fixture_site.redesigns import LEDGER_FEED, ledger_page
from newstrail.demo.fixture_site.timeline import (
    OUTLETS,
    SITE_EPOCH,
    STEP_MINUTES,
    STORIES,
    moved_path,
    sentence_pool,
    story_by_key,
    story_path,
)

SYNTHETIC_PER_SITEMAP = 1000


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

    @property
    def ledger_feed_url(self) -> str:
        """The feed of The Ledger, whose template changes mid-watch (``redesigns.py``)."""
        return self.base_url + LEDGER_FEED

    def article_url(self, key: str) -> str:
        """Absolute URL of a story's article page (where it was first published)."""
        return self.base_url + story_path(story_by_key(key))

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
            return Page(200, ROBOTS_TXT.encode(), "text/plain; charset=utf-8")
        if path.startswith("/synthetic/"):
            return self._synthetic(path, step, base)
        for outlet in OUTLETS:
            if path == outlet.feed_path or path == f"/{outlet.slug}/sitemap-articles.xml.gz":
                return feed_page(outlet, path, step, base)
        if path.startswith("/ledger/"):
            body = ledger_page(path, step, base)
            if body is None:
                return None
            kind = "application/rss+xml" if path == LEDGER_FEED else "text/html; charset=utf-8"
            return Page(200, body, kind, step)
        if path.startswith("/republic/private/"):
            return Page(200, b"<html><body><p>Private memo.</p></body></html>", "text/html")
        for story in STORIES:
            if path in (story_path(story), moved_path(story)):
                return article_page(story, path, step, base)
        return None

    def _synthetic(self, path: str, step: int, base: str) -> Page | None:
        """Synthetic articles and their sitemaps (cheap: generated on request)."""
        if path == "/synthetic/sitemap_index.xml":
            count = -(-self.synthetic_articles // SYNTHETIC_PER_SITEMAP)
            locs = [f"{base}/synthetic/sitemap-{index}.xml" for index in range(count)]
            return Page(200, sitemap_index(locs), "application/xml")
        match = re.fullmatch(r"/synthetic/sitemap-(\d+)\.xml", path)
        if match:
            start = int(match.group(1)) * SYNTHETIC_PER_SITEMAP
            stop = min(start + SYNTHETIC_PER_SITEMAP, self.synthetic_articles)
            if start >= stop:
                return None
            entries = [
                (f"{base}/synthetic/news/{index}", SITE_EPOCH) for index in range(start, stop)
            ]
            return Page(200, sitemap_xml(entries), "application/xml")
        match = re.fullmatch(r"/synthetic/news/(\d+)", path)
        if not match or int(match.group(1)) >= self.synthetic_articles:
            return None
        index = int(match.group(1))
        edits = [s for s in range(1, step + 1) if self.synthetic_edited(index, s)]
        version = len(edits)
        rng = random.Random(f"{self.seed}:{index}")
        sentences = sentence_pool()
        paragraphs = [" ".join(rng.sample(sentences, 3)) for _ in range(5)]
        if version:
            edit_rng = random.Random(f"{self.seed}:{index}:{version}")
            paragraphs[edit_rng.randrange(5)] = " ".join(edit_rng.sample(sentences, 3))
        headline = f"Synthetic report {index}: " + paragraphs[0].split(".")[0][:80]
        body = article_html(
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
            self._send(404, error_html(404), "text/html")

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
            self._send(404, error_html(404), "text/html; charset=utf-8")
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
                compressed(COMPRESSED_PAGE, encoding),
                "text/html",
                {"Content-Encoding": encoding},
            )
        elif name == "gzip-bomb":
            self._send(200, gzip_bomb(), "text/html", {"Content-Encoding": "gzip"})
        elif name == "wrong-type":
            base = site.base_url
            page = feed_page(OUTLETS[0], OUTLETS[0].feed_path, site.step, base)
            self._send(200, page.body, "text/html; charset=utf-8")
        elif name == "invalid-feed.xml":
            self._send(200, hostile_payload("invalid-feed.xml"), "application/rss+xml")
        elif name == "xxe-sitemap.xml":
            self._send(200, hostile_payload("xxe-sitemap.xml"), "application/xml")
        elif name == "broken-encoding":
            self._send(200, hostile_payload("broken-encoding.html"), "text/html; charset=utf-8")
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
        elif name == "huge-feed.xml":
            base = f"http://{self.headers.get('Host') or site.base_url.removeprefix('http://')}"
            self._send(200, huge_feed(base, number), "application/rss+xml; charset=utf-8")
        elif name == "poison-article":
            size = min(int((query.get("chars") or ["1200000"])[0]), 5_000_000)
            attributes = min(int((query.get("attributes") or ["50000"])[0]), 500_000)
            self._send(200, poison_article(size, attributes), "text/html; charset=utf-8")
        else:
            self._send(404, error_html(404), "text/html")

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
