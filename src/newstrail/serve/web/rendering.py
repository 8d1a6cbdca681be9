"""One view, two formats: every page renders as HTML and, at ``<path>.json``, as JSON.

A view function returns a ``View`` (template name, template context, JSON
data); ``twin`` registers it at both paths (datasette's ``/x`` and ``/x.json``)
and turns the ``View`` into the right response. Templates autoescape
everything; the CSRF cookie that forms repeat is set here on first visit. A
view that passes its change stamp gets its rendered HTML and JSON kept.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel

from newstrail.serve.archive import iso_utc
from newstrail.serve.web.cache import PageCache
from newstrail.serve.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    new_csrf_token,
    safe_url,
    sanitize_html,
)
from newstrail.store.database import Store
from newstrail.store.search import MARK_END, MARK_START

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class View:
    """What a view computed: the template and its context for HTML, the data for JSON."""

    template: str
    data: dict[str, Any]
    context: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    # The change stamp the data was read under, for pages with nothing
    # per-visitor in them (no CSRF field): their rendered HTML and JSON are then
    # kept and reused while the stamp holds (``render``).
    stamp: Any = None


def jsonable(value: Any) -> Any:
    """``value`` with datetimes (UTC, with offset) and dates as ISO strings, recursively."""
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def marked_snippet(snippet: str) -> Any:
    """A search snippet, escaped, with its match markers turned into ``<mark>``."""
    from markupsafe import escape

    escaped = str(escape(snippet))
    return sanitize_html(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def short_time(value: str | datetime | None) -> str:
    """``2020-12-28T10:00:00+00:00`` → ``2020-12-28 10:00``; an exact midnight → the date.

    A story or article known only by its publication day is placed at midnight
    UTC; "2020-12-29 00:00" would state an hour nobody knows. A capture that
    really lands on 00:00:00 exactly shows its date, which is still true.
    """
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    if text[10:19] == "T00:00:00" and text[19:20] in ("", "+", "Z"):
        return text[:10]
    return text[:16].replace("T", " ")


def template_environment() -> Environment:
    """The Jinja2 environment: autoescaping on for every template, helpers as filters."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.filters["safe_url"] = safe_url
    environment.filters["snippet"] = marked_snippet
    environment.filters["short_time"] = short_time
    return environment


def store_of(request: Request) -> Store:
    """The app's store."""
    store: Store = request.app.state.store
    return store


def cache_of(request: Request) -> PageCache:
    """The app's page cache."""
    cache: PageCache = request.app.state.page_cache
    return cache


def wants_json(request: Request) -> bool:
    """Whether the request is for a page's JSON twin."""
    return request.url.path.endswith(".json")


def render(request: Request, view: View) -> Response:
    """Turn a ``View`` into HTML or JSON, depending on the path asked for."""
    rendered_pages: PageCache = request.app.state.rendered_pages
    if wants_json(request):
        if view.stamp is None:
            return JSONResponse(jsonable(view.data), status_code=view.status)

        def encoded() -> bytes:
            return bytes(JSONResponse(jsonable(view.data)).body)

        # Encoding a story's JSON costs more than serving it: in-process 1.34 ms
        # CPU a request for a 10 kB story, against 0.94 ms for its kept HTML.
        key = ("json", request.url.path, request.url.query, view.status)
        body = rendered_pages.get(key, view.stamp, encoded)
        return Response(body, status_code=view.status, media_type="application/json")
    csrf = request.cookies.get(CSRF_COOKIE)
    new_csrf = None if csrf else new_csrf_token()
    environment: Environment = request.app.state.templates
    json_url = json_twin(request)

    def html() -> str:
        return environment.get_template(view.template).render(
            request=request,
            data=view.data,
            csrf_field=CSRF_FIELD,
            csrf_token=csrf or new_csrf,
            json_url=json_url,
            **view.context,
        )

    if view.stamp is None:
        page = html()
    else:
        # Rendering was most of a cached story page's cost: in-process through
        # httpx's ASGI transport 1.84 ms CPU a request, 1.17 ms reusing the HTML
        # (a static file: 1.04 ms). The key holds all else the HTML depends on.
        page = rendered_pages.get((view.template, json_url, view.status), view.stamp, html)
    response = HTMLResponse(page, status_code=view.status)
    if new_csrf:
        response.set_cookie(CSRF_COOKIE, new_csrf, httponly=True, samesite="strict", path="/")
    return response


def json_twin(request: Request) -> str:
    """The path of the current page's JSON twin, with the same query string."""
    path = request.url.path
    path = "/.json" if path == "/" else path + ".json"
    return path + (f"?{request.url.query}" if request.url.query else "")


ViewFunction = Callable[..., View]


def twin(
    router: APIRouter, path: str, *, summary: str, model: type[BaseModel]
) -> Callable[[ViewFunction], ViewFunction]:
    """Register a view at ``path`` (HTML) and ``path.json`` (JSON, in the OpenAPI schema).

    Args:
        router: the router to add both routes to.
        path: the HTML page's path; the JSON twin is at ``path.json``.
        summary: the OpenAPI summary.
        model: the JSON's pydantic model (``serve/models/``), its OpenAPI
            schema; the data is returned as built, and tests validate it.
    """

    def decorate(view: ViewFunction) -> ViewFunction:
        @functools.wraps(view)
        def endpoint(**kwargs: Any) -> Response:
            return render(kwargs["request"], view(**kwargs))

        json_path = "/.json" if path == "/" else path + ".json"
        # The .json route goes first: "/stories/{id}" would otherwise claim "/stories/3.json".
        router.add_api_route(
            json_path,
            endpoint,
            methods=["GET"],
            summary=summary,
            response_class=JSONResponse,
            response_model=model,
        )
        router.add_api_route(
            path,
            endpoint,
            methods=["GET"],
            summary=summary,
            include_in_schema=False,
            response_class=HTMLResponse,
        )
        return view

    return decorate
