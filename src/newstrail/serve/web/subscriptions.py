"""Atom change feeds (global, per source, story and article) and the follow-list page."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from newstrail.errors import NotFound
from newstrail.serve import models
from newstrail.serve.atom import Change, changes_feed, list_changes, tag_authority
from newstrail.serve.follows import followed_stories, list_follows, matching_article_ids
from newstrail.serve.web.cache import ARCHIVE_STAMP, stamp
from newstrail.serve.web.params import RecordId
from newstrail.serve.web.rendering import View, cache_of, store_of, twin
from newstrail.store import schema

FEED_SIZE = 50
ATOM_TYPE = "application/atom+xml; charset=utf-8"
OnlyFilter = Annotated[str | None, Query(pattern="^(substantive|headline)$")]


# The feeds' media type, in the OpenAPI document too (not JSON).
ATOM_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/atom+xml": {"schema": {"type": "string"}}}}
}


def _atom(request: Request, changes: list[Change], title: str) -> Response:
    """The feed; links absolute under ``public_url`` when set, else the request's base URL."""
    public_url = request.app.state.settings.public_url.rstrip("/")
    base_url = public_url or str(request.base_url).rstrip("/")
    feed_url = base_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Response(
        changes_feed(
            changes,
            title=title,
            feed_url=feed_url,
            base_url=base_url,
            authority=tag_authority(public_url),
        ),
        media_type=ATOM_TYPE,
    )


def _title(base: str, only: str | None) -> str:
    return f"{base} ({only} edits only)" if only else base


def router() -> APIRouter:
    """The feed routes and the follows page."""
    feeds = APIRouter()

    @feeds.get(
        "/feeds/changes.atom",
        summary="Atom feed of all changes",
        response_class=Response,
        responses=ATOM_RESPONSE,
    )
    def all_changes(request: Request, only: OnlyFilter = None) -> Response:
        store = store_of(request)
        changes = cache_of(request).get(
            ("changes", only),
            stamp(store, ARCHIVE_STAMP),
            lambda: list_changes(store, only=only, limit=FEED_SIZE, with_diffs=True),
        )
        return _atom(request, changes, _title("newstrail: all changes", only))

    @feeds.get(
        "/sources/{source_id}/changes.atom",
        summary="Atom feed of a source's changes",
        response_class=Response,
        responses=ATOM_RESPONSE,
    )
    def source_changes(request: Request, source_id: RecordId, only: OnlyFilter = None) -> Response:
        with store_of(request).read() as connection:
            name = connection.execute(
                sa.select(schema.sources.c.name).where(schema.sources.c.id == source_id)
            ).scalar()
        if name is None:
            raise NotFound(f"no source {source_id}")
        changes = list_changes(
            store_of(request), source_id=source_id, only=only, limit=FEED_SIZE, with_diffs=True
        )
        return _atom(request, changes, _title(f"newstrail: changes at {name}", only))

    @feeds.get(
        "/stories/{story_id}/changes.atom",
        summary="Atom feed of a story's changes",
        response_class=Response,
        responses=ATOM_RESPONSE,
    )
    def story_changes(request: Request, story_id: RecordId, only: OnlyFilter = None) -> Response:
        from newstrail.serve.web.stories import get_story_json

        title = get_story_json(store_of(request), story_id).get("title") or f"story {story_id}"
        changes = list_changes(
            store_of(request), story_id=story_id, only=only, limit=FEED_SIZE, with_diffs=True
        )
        return _atom(request, changes, _title(f"newstrail: changes in {title}", only))

    @feeds.get(
        "/articles/{article_id}/changes.atom",
        summary="Atom feed of an article's changes",
        response_class=Response,
        responses=ATOM_RESPONSE,
    )
    def article_changes(
        request: Request, article_id: RecordId, only: OnlyFilter = None
    ) -> Response:
        from newstrail.serve.archive import get_article

        detail = get_article(store_of(request), article_id)
        changes = list_changes(
            store_of(request), article_id=article_id, only=only, limit=FEED_SIZE, with_diffs=True
        )
        title = detail.article.title or detail.article.url
        return _atom(request, changes, _title(f"newstrail: changes to {title}", only))

    @feeds.get(
        "/follows/changes.atom",
        summary="Personal Atom feed of followed changes",
        response_class=Response,
        responses=ATOM_RESPONSE,
    )
    def followed_changes(request: Request, only: OnlyFilter = None) -> Response:
        store = store_of(request)
        ids = matching_article_ids(store, list_follows(store))
        changes = (
            list_changes(store, article_ids=ids, only=only, limit=FEED_SIZE, with_diffs=True)
            if ids
            else []
        )
        return _atom(request, changes, _title("newstrail: what you follow", only))

    @twin(
        feeds,
        "/follows",
        summary="Follows and the stories and changes they match",
        model=models.Follows,
    )
    def follows_page(request: Request) -> View:
        store = store_of(request)
        follows = list_follows(store)
        ids = matching_article_ids(store, follows)
        data = {
            "follows": [follow.to_json() for follow in follows],
            "stories": followed_stories(store, ids),
            "changes": [c.to_json() for c in list_changes(store, article_ids=ids, limit=30)]
            if ids
            else [],
        }
        return View("follows.html", data)

    return feeds
