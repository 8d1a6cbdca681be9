"""The web app: ``create_app`` assembles the routes; ``serve`` runs it with uvicorn.

Pages are rendered on the server (Jinja2, no JavaScript at all), each with a
JSON twin; the OpenAPI schema is at ``/openapi.json``. Security headers are
added by a plain ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``,
which costs a task and a stream copy per request.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newstrail import __version__
from newstrail.errors import ConfigError, InvalidInput, NotFound
from newstrail.serve.web import actions, downloads, monitoring, pages, subscriptions
from newstrail.serve.web.cache import PageCache
from newstrail.serve.web.params import is_id_out_of_range
from newstrail.serve.web.rendering import View, render, template_environment
from newstrail.serve.web.security import (
    DOCS_CONTENT_SECURITY_POLICY,
    SECURITY_HEADERS,
    ensure_token,
)
from newstrail.settings import Settings
from newstrail.store.database import Store

STATIC = Path(__file__).parent / "static"
DOCS_PATHS = frozenset({"/docs", "/static/docs/swagger-ui-bundle.js", "/static/docs/docs.js"})
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>newstrail API</title>
<link rel="stylesheet" href="/static/docs/swagger-ui.css">
</head><body><div id="swagger-ui"></div>
<script src="/static/docs/swagger-ui-bundle.js"></script>
<script src="/static/docs/docs.js"></script>
</body></html>
"""
# Names the environment variable through which ``serve`` hands its workers their settings.
WORKER_SETTINGS = "NEWSTRAIL_SERVE_SETTINGS"


class SecurityHeaders:
    """ASGI middleware adding the CSP and related headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        self.docs_headers = [
            (name, DOCS_CONTENT_SECURITY_POLICY.encode())
            if name == b"content-security-policy"
            else (name, value)
            for name, value in self.headers
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        headers = self.docs_headers if scope["path"] in DOCS_PATHS else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _error(request: Request, status: int, message: str) -> Response:
    """An error as a page or, for JSON twins and API clients, as JSON."""
    view = View("error.html", {"error": message, "status": status}, status=status)
    if request.url.path.endswith(".json") or request.method != "GET":
        from fastapi.responses import JSONResponse

        return JSONResponse({"error": message, "status": status}, status_code=status)
    return render(request, view)


def create_app(store: Store, settings: Settings) -> FastAPI:
    """Build the web app over ``store``.

    Args:
        store: the store to serve.
        settings: resolved settings (host and port are used by ``serve``).

    Returns:
        The ASGI application.
    """
    app = FastAPI(
        title="newstrail",
        version=__version__,
        description="Follow news stories across outlets and through time.",
        # FastAPI's /docs loads Swagger UI from a CDN; ours serves it from static/docs.
        docs_url=None,
        redoc_url=None,
    )
    app.state.store = store
    app.state.settings = settings
    app.state.templates = template_environment()
    app.state.page_cache = PageCache()
    # Rendered HTML and JSON of pages that carry a change stamp (``View.stamp``);
    # bigger than their data, so fewer are kept.
    app.state.rendered_pages = PageCache(size=512)
    # Order matters: routes ending in .warc must come before "/articles/{id}".
    app.include_router(monitoring.router())
    app.include_router(downloads.router())
    app.include_router(subscriptions.router())
    app.include_router(actions.router())
    app.include_router(pages.router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        """The API explorer (Swagger UI from local files) over /openapi.json."""
        return HTMLResponse(DOCS_PAGE)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> Response:
        return _error(request, 404, str(error))

    @app.exception_handler(ValueError)
    async def bad_value(request: Request, error: ValueError) -> Response:
        return _error(request, 400, str(error))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        if is_id_out_of_range(list(error.errors())):
            return _error(request, 404, f"no record at {request.url.path}: id out of range")
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in error.errors()
        )
        return _error(request, 400, f"invalid request: {problems}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        response = _error(request, error.status_code, str(error.detail))
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    app.add_middleware(SecurityHeaders)
    return app


def create_app_in_worker() -> FastAPI:
    """The app in one of ``serve``'s worker processes, over the store named by its parent."""
    settings = Settings(**json.loads(os.environ[WORKER_SETTINGS]))
    # The parent opened (and so migrated) the store already: N workers
    # migrating at once would only queue on the write lock.
    return create_app(Store(settings.db, migrate=False), settings)


def serve(store: Store, settings: Settings, *, announce: bool = True, workers: int = 1) -> None:
    """Run the web app with uvicorn on ``settings.host:settings.port`` (127.0.0.1 by default).

    On the first run an API token is generated and printed once; only its
    sha256 is kept.

    Args:
        store: the store to serve.
        settings: resolved settings.
        announce: print the address (and a new API token).
        workers: server processes. One process serves from one core (the GIL);
            each extra worker opens the store itself and keeps its own page
            cache. An in-memory store cannot be shared, so it takes one.
    """
    if workers < 1:
        raise InvalidInput("workers must be at least 1")
    if workers > 1 and store.url == "sqlite://":
        raise InvalidInput("an in-memory store cannot be served by several worker processes")
    # Bind first: on a busy port the command fails in one line before a
    # first-run API token is minted and printed for a server that never ran.
    listening = listen_on(settings.host, settings.port)
    token = ensure_token(store)
    if announce:
        if token:
            print(f"API token (shown once, keep it): {token}")
        workers_note = f" ({workers} worker processes)" if workers > 1 else ""
        print(f"newstrail serving on http://{settings.host}:{settings.port}/{workers_note}")
    if workers == 1:
        config = uvicorn.Config(
            create_app(store, settings), host=settings.host, port=settings.port, log_level="warning"
        )
        uvicorn.Server(config).run(sockets=[listening])
        return
    from uvicorn.supervisors import Multiprocess

    # uvicorn starts each worker by importing an app factory, which takes no
    # arguments: the settings (with the store's URL) go through the environment
    # the workers inherit.
    os.environ[WORKER_SETTINGS] = json.dumps(asdict(settings.with_overrides(db=store.url)))
    store.close()
    config = uvicorn.Config(
        f"{__name__}:{create_app_in_worker.__name__}",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level="warning",
    )
    Multiprocess(config, sockets=[listening]).run()


def listen_on(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (as uvicorn binds it); ConfigError if taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
        listening.listen(2048)
    except OSError as error:
        listening.close()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {error.strerror or error} (choose another --port)"
        ) from error
    listening.set_inheritable(True)
    return listening
