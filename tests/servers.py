"""Local servers and settings for network tests: everything stays on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


class PageServer:
    """HTML pages on a free loopback port: ``page(path)`` gives a page's bytes, or None (404)."""

    def __init__(self, page: Callable[[str], bytes | None]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = page(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving and free the port."""
        self.server.shutdown()
        self.server.server_close()
