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

from newstrail.demo.fixture_site.server import FixtureSite, RequestRecord, serve_fixture_site
from newstrail.demo.fixture_site.timeline import CORRECTION, OUTLETS, STORIES, TIMELINE

__all__ = [
    "CORRECTION",
    "OUTLETS",
    "STORIES",
    "TIMELINE",
    "FixtureSite",
    "RequestRecord",
    "serve_fixture_site",
]
