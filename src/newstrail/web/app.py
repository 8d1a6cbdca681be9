"""The web app: ``create_app`` assembles the routes; ``serve`` runs it with uvicorn.

Pages are rendered on the server (Jinja2, no JavaScript at all), each with a
JSON twin; the OpenAPI schema is at ``/openapi.json``. Security headers are
added by a plain ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``,
which costs a task and a stream copy per request.
"""

from __future__ import annotations

from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newstrail import __version__
from newstrail.errors import NotFound
from newstrail.settings import Settings
from newstrail.store import Store
from newstrail.web import actions, downloads, pages, subscriptions
from newstrail.web.cache import PageCache
from newstrail.web.rendering import View, render, template_environment
from newstrail.web.security import SECURITY_HEADERS, ensure_token

STATIC = Path(__file__).parent / "static"


class SecurityHeaders:
    """ASGI middleware adding the CSP and related headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + self.headers
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
        docs_url=None,  # Swagger UI needs scripts from a CDN, which the CSP forbids.
        redoc_url=None,
    )
    app.state.store = store
    app.state.settings = settings
    app.state.templates = template_environment()
    app.state.page_cache = PageCache()
    # Order matters: routes ending in .warc must come before "/articles/{id}".
    app.include_router(downloads.router())
    app.include_router(subscriptions.router())
    app.include_router(actions.router())
    app.include_router(pages.router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> Response:
        return _error(request, 404, str(error))

    @app.exception_handler(ValueError)
    async def bad_value(request: Request, error: ValueError) -> Response:
        return _error(request, 400, str(error))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
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


def serve(store: Store, settings: Settings, *, announce: bool = True) -> None:
    """Run the web app with uvicorn on ``settings.host:settings.port`` (127.0.0.1 by default).

    On the first run an API token is generated and printed once; only its
    sha256 is kept.
    """
    token = ensure_token(store)
    if announce:
        if token:
            print(f"API token (shown once, keep it): {token}")
        print(f"newstrail serving on http://{settings.host}:{settings.port}/")
    uvicorn.run(
        create_app(store, settings), host=settings.host, port=settings.port, log_level="warning"
    )
