"""Write actions: log in, follow and unfollow, add and remove watched feeds.

Each needs a valid API token: as ``Authorization: Bearer <token>`` (programs;
no CSRF check, since browsers never add that header on their own) or as the
session cookie set by ``/login``, in which case the form must also carry the
CSRF token that matches the CSRF cookie.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from newstrail.errors import NotFound
from newstrail.serve.follows import FOLLOW_KINDS, add_follow, remove_follow
from newstrail.serve.web.params import RecordId
from newstrail.serve.web.rendering import View, render, store_of
from newstrail.serve.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    bearer_token,
    csrf_matches,
    safe_url,
    token_is_valid,
)
from newstrail.store import schema
from newstrail.store.database import utcnow

FEED_KINDS = ("rss", "atom", "sitemap", "sitemapindex", "newssitemap", "article", "unknown")


async def _fields(request: Request) -> dict[str, str]:
    """The submitted fields, from a JSON body or a form."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body: Any = await request.json()
        except ValueError as error:
            raise HTTPException(400, "invalid JSON body") from error
        if not isinstance(body, dict):
            raise HTTPException(400, "JSON body must be an object")
        return {str(k): str(v) for k, v in body.items() if v is not None}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def authorise(request: Request) -> tuple[dict[str, str], bool]:
    """Check the caller may write; return the submitted fields and whether it is an API call.

    Raises:
        HTTPException: 401 without a valid token, 403 on a CSRF mismatch.
    """
    store = store_of(request)
    fields = await _fields(request)
    bearer = bearer_token(request.headers.get("authorization"))
    if bearer is not None:
        if not token_is_valid(store, bearer):
            raise HTTPException(401, "invalid token", headers={"WWW-Authenticate": "Bearer"})
        return fields, True
    if not token_is_valid(store, request.cookies.get(SESSION_COOKIE)):
        raise HTTPException(
            401, "log in with your token first", headers={"WWW-Authenticate": "Bearer"}
        )
    if not csrf_matches(request.cookies.get(CSRF_COOKIE), fields.get(CSRF_FIELD)):
        raise HTTPException(403, "CSRF token missing or wrong; reload the page and try again")
    return fields, False


def _done(api: bool, payload: dict[str, Any], back: str, status: int = 200) -> Response:
    if api:
        return JSONResponse(payload, status_code=status)
    return RedirectResponse(back, status_code=303)


def router() -> APIRouter:
    """The write routes."""
    actions = APIRouter()

    @actions.get("/login", include_in_schema=False)
    def login_form(request: Request) -> Response:
        return render(request, View("login.html", {}))

    @actions.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        fields = await _fields(request)
        if not csrf_matches(request.cookies.get(CSRF_COOKIE), fields.get(CSRF_FIELD)):
            raise HTTPException(403, "CSRF token missing or wrong; reload the page and try again")
        token = fields.get("token", "").strip()
        if not token_is_valid(store_of(request), token):
            return render(
                request, View("login.html", {"error": "That token is not valid."}, status=401)
            )
        response = RedirectResponse("/follows", status_code=303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

    @actions.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        await authorise(request)
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @actions.post("/follows", summary="Follow a person, topic or outlet (token required)")
    async def follow(request: Request) -> Response:
        fields, api = await authorise(request)
        kind, value = fields.get("kind", ""), fields.get("value", "")
        if kind not in FOLLOW_KINDS:
            raise HTTPException(400, f"kind must be one of {', '.join(FOLLOW_KINDS)}")
        try:
            created = add_follow(store_of(request), kind, value)
        except ValueError as error:
            raise HTTPException(400, str(error)) from error
        return _done(api, created.to_json(), "/follows", 201)

    @actions.post("/follows/{follow_id}/delete", summary="Stop following (token required)")
    async def unfollow(request: Request, follow_id: RecordId) -> Response:
        _, api = await authorise(request)
        try:
            remove_follow(store_of(request), follow_id)
        except NotFound as error:
            raise HTTPException(404, str(error)) from error
        return _done(api, {"deleted": follow_id}, "/follows")

    @actions.post("/sources/feeds", summary="Watch a feed or page URL (token required)")
    async def add_feed(request: Request) -> Response:
        fields, api = await authorise(request)
        url = safe_url(fields.get("url"))
        if url is None:
            raise HTTPException(400, "url must be an http(s) URL")
        kind = fields.get("kind") or "unknown"
        if kind not in FEED_KINDS:
            raise HTTPException(400, f"kind must be one of {', '.join(FEED_KINDS)}")
        name = (fields.get("name") or "").strip()[:200] or None
        store = store_of(request)
        with store.write() as connection:
            exists = connection.execute(
                sa.select(schema.feeds.c.id).where(schema.feeds.c.url == url)
            ).first()
            if exists is not None:
                raise HTTPException(409, "that URL is already watched")
            source_id = store.ensure_source(connection, name, None) if name else None
            result = connection.execute(
                schema.feeds.insert().values(
                    url=url,
                    kind=kind,
                    name=name,
                    source_id=source_id,
                    options={},
                    active=True,
                    created_at=utcnow(),
                    check_count=0,
                    error_count=0,
                )
            )
            assert result.inserted_primary_key is not None
            feed_id = int(result.inserted_primary_key[0])
        return _done(api, {"id": feed_id, "url": url, "kind": kind, "name": name}, "/sources", 201)

    @actions.post(
        "/sources/feeds/{feed_id}/delete", summary="Stop watching a feed (token required)"
    )
    async def remove_feed(request: Request, feed_id: RecordId) -> Response:
        _, api = await authorise(request)
        with store_of(request).write() as connection:
            deleted = connection.execute(
                schema.feeds.delete().where(schema.feeds.c.id == feed_id)
            ).rowcount
        if not deleted:
            raise HTTPException(404, f"no feed {feed_id}")
        return _done(api, {"deleted": feed_id}, "/sources")

    return actions
