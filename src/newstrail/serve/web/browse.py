"""``/articles`` and ``/stories``: the archive browsed, filtered and paged, with JSON twins.

Filters live in the query string, datasette-style: each active one shows as a
chip whose link is the same URL without it, so a filtered list is a link to
share. The read model is ``serve.browse``; these views only parse the query.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request

from newstrail.errors import InvalidInput
from newstrail.serve.browse import (
    ARTICLE_SORTS,
    ARTICLE_STATES,
    MAX_PER_PAGE,
    STORY_SORTS,
    browse_articles,
    browse_stories,
    model_json,
)
from newstrail.serve.listings import ArticleFilters, StoryFilters
from newstrail.serve.models import ArticlePage, StoryPage
from newstrail.serve.web.params import MAX_ID, parse_day
from newstrail.serve.web.rendering import View, store_of, twin

PageQuery = Annotated[int, Query(ge=1, le=100_000)]
PerPageQuery = Annotated[int, Query(ge=1, le=MAX_PER_PAGE)]
OutletQuery = Annotated[list[str], Query(max_length=200)]
DayQuery = Annotated[str | None, Query(max_length=10)]
SizeQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def _changed(value: str | None) -> bool | None:
    if value in (None, ""):
        return None
    if value in ("yes", "no"):
        return value == "yes"
    raise InvalidInput("changed must be yes or no")


def chips(request: Request, labels: dict[str, str]) -> list[dict[str, str]]:
    """Each active filter with a link to the same list without it (and back on page 1)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if v != ""]
    found = []
    for index, (key, value) in enumerate(params):
        if key not in labels:
            continue
        rest = [p for i, p in enumerate(params) if i != index and p[0] != "page"]
        found.append(
            {
                "label": f"{labels[key]}: {value}",
                "remove": request.url.path + ("?" + urlencode(rest) if rest else ""),
            }
        )
    return found


def page_links(request: Request, page: int, page_count: int) -> dict[str, str | None]:
    """Links to the previous and next pages, keeping every other parameter."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]

    def link(number: int) -> str:
        return request.url.path + "?" + urlencode([*params, ("page", str(number))])

    return {
        "previous": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < page_count else None,
    }


def sort_links(request: Request, current: str, keys: dict[str, Any]) -> dict[str, str]:
    """For each sort key, the URL that sorts by it (descending first, flipped when current)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("sort", "page")]
    links = {}
    for key in keys:
        target = key if current == f"-{key}" else f"-{key}"
        links[key] = request.url.path + "?" + urlencode([*params, ("sort", target)])
    return links


ARTICLE_LABELS = {
    "outlet": "outlet",
    "from": "from",
    "to": "to",
    "language": "language",
    "changed": "changed",
    "state": "state",
    "story": "story",
}
STORY_LABELS = {
    "outlet": "outlet",
    "from": "from",
    "to": "to",
    "min_articles": "at least",
    "max_articles": "at most",
}


def register(pages: APIRouter) -> None:
    """Add ``/articles`` and ``/stories`` (and their ``.json`` twins) to ``pages``."""

    @twin(pages, "/articles", summary="Articles, filtered and paged", model=ArticlePage)
    def articles(
        request: Request,
        outlet: OutletQuery = [],  # noqa: B006 (FastAPI copies query defaults)
        date_from: Annotated[DayQuery, Query(alias="from")] = None,
        date_to: Annotated[DayQuery, Query(alias="to")] = None,
        language: Annotated[str | None, Query(max_length=10)] = None,
        changed: Annotated[str | None, Query(max_length=3)] = None,
        state: Annotated[str | None, Query(max_length=10)] = None,
        story: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        sort: Annotated[str, Query(max_length=20)] = "-last_changed_at",
        page: PageQuery = 1,
        per_page: PerPageQuery = 50,
    ) -> View:
        filters = ArticleFilters(
            outlets=[name for name in outlet if name],
            published_from=parse_day(date_from, "from"),
            published_to=parse_day(date_to, "to"),
            language=language or None,
            has_changes=_changed(changed),
            state=state or None,
            story_id=story,
        )
        found = browse_articles(store_of(request), filters, sort=sort, page=page, per_page=per_page)
        context = {
            "chips": chips(request, ARTICLE_LABELS),
            "pages": page_links(request, found.page, found.page_count),
            "sorts": sort_links(request, found.sort, ARTICLE_SORTS),
            "query": {"from": date_from or "", "to": date_to or "", "changed": changed or ""},
            "all_states": ARTICLE_STATES,
        }
        return View("articles.html", model_json(found), context)

    @twin(pages, "/stories", summary="Stories, filtered and paged", model=StoryPage)
    def stories(
        request: Request,
        outlet: OutletQuery = [],  # noqa: B006 (FastAPI copies query defaults)
        date_from: Annotated[DayQuery, Query(alias="from")] = None,
        date_to: Annotated[DayQuery, Query(alias="to")] = None,
        min_articles: SizeQuery = None,
        max_articles: SizeQuery = None,
        sort: Annotated[str, Query(max_length=20)] = "-last_seen_at",
        page: PageQuery = 1,
        per_page: PerPageQuery = 50,
    ) -> View:
        filters = StoryFilters(
            outlets=[name for name in outlet if name],
            seen_from=parse_day(date_from, "from"),
            seen_to=parse_day(date_to, "to"),
            min_articles=min_articles,
            max_articles=max_articles,
        )
        found = browse_stories(store_of(request), filters, sort=sort, page=page, per_page=per_page)
        context = {
            "chips": chips(request, STORY_LABELS),
            "pages": page_links(request, found.page, found.page_count),
            "sorts": sort_links(request, found.sort, STORY_SORTS),
            "query": {"from": date_from or "", "to": date_to or ""},
        }
        return View("stories.html", model_json(found), context)
