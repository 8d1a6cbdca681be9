"""The read-only pages: home, stories, articles and their diffs, sources, search."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request

from newstrail.errors import NotFound
from newstrail.serve import models
from newstrail.serve.archive import RETIRED_NOTE, get_article
from newstrail.serve.atom import describe_edit, list_changes
from newstrail.serve.diff_rows import load_version_diff, operations
from newstrail.serve.silent_edits import RANK_MIN_FACTUAL, outlet_records
from newstrail.serve.web import browse, diffs
from newstrail.serve.web.cache import ARCHIVE_STAMP, ARTICLE_STAMP, STORY_STAMP, stamp
from newstrail.serve.web.diffs import diff_page
from newstrail.serve.web.health import source_report
from newstrail.serve.web.params import MAX_ID, RecordId, RecordIdQuery, parse_day
from newstrail.serve.web.rendering import View, cache_of, jsonable, store_of, twin
from newstrail.serve.web.stories import (
    cited_paragraphs,
    coverage_grid,
    get_story_json,
    list_story_summaries,
    quotes_at_a_glance,
)
from newstrail.settings import Settings
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.store.search import SearchFilters, SearchResults, find
from newstrail.versions.health import source_extraction

SEARCH_PAGE_SIZE = 20


def _article_data(store: Store, article_id: RecordId) -> dict[str, Any]:
    """An article's JSON: ``ArticleDetail`` plus the retired flag and described changes."""
    detail = get_article(store, article_id)
    data = detail.to_json()
    data["retired"] = detail.article.state == "retired"
    data["changes"] = [c.to_json() for c in list_changes(store, article_id=article_id, limit=200)]
    return data


def router() -> APIRouter:
    """The read-only pages and their JSON twins."""
    pages = APIRouter()
    browse.register(pages)
    diffs.register(pages)

    @twin(pages, "/", summary="Latest stories and changes", model=models.Home)
    def home(request: Request) -> View:
        store = store_of(request)

        def compute() -> dict[str, Any]:
            return {
                "stories": list_story_summaries(store, limit=20),
                "changes": [change.to_json() for change in list_changes(store, limit=15)],
            }

        return View(
            "home.html", cache_of(request).get("home", stamp(store, ARCHIVE_STAMP), compute)
        )

    @twin(pages, "/stories/{story_id}", summary="One story across outlets", model=models.Story)
    def story(request: Request, story_id: RecordId) -> View:
        store, cache = store_of(request), cache_of(request)
        current = stamp(store, STORY_STAMP, story_id)
        if current is None:
            raise NotFound(f"no story {story_id}")
        data = cache.get(("story", story_id), current, lambda: get_story_json(store, story_id))
        articles = data.get("articles", [])
        sources = {str(a.get("id")): a.get("outlet") or "Unknown outlet" for a in articles}
        grid = coverage_grid(articles)
        order = [a for row in grid["rows"] for a in row["articles"]]
        quotes = quotes_at_a_glance(data.get("quotes", []), order)
        return View(
            "story.html",
            data,
            {"grid": grid, "quotes": quotes, "article_sources": sources},
            stamp=current,
        )

    @twin(
        pages,
        "/articles/{article_id}",
        summary="One article, its text and versions",
        model=models.ArticleDetail,
    )
    def article(
        request: Request,
        article_id: RecordId,
        cite: Annotated[str | None, Query(max_length=500)] = None,
    ) -> View:
        store, cache = store_of(request), cache_of(request)
        current = stamp(store, ARTICLE_STAMP, article_id)
        if current is None:
            raise NotFound(f"no article {article_id}")
        data = cache.get(("article", article_id), current, lambda: _article_data(store, article_id))
        changes = {change["number"]: change for change in data["changes"]}
        settings: Settings = request.app.state.settings
        note = RETIRED_NOTE.format(days=round(settings.retire_after_days))
        return View(
            "article.html",
            data,
            {
                "changes_by_number": changes,
                "retired_note": note,
                "paragraphs": cited_paragraphs(data["text"], cite),
            },
            stamp=(current, note),
        )

    @twin(
        pages,
        "/articles/{article_id}/diff",
        summary="Word diff between two versions",
        model=models.Diff,
    )
    def diff(
        request: Request,
        article_id: RecordId,
        from_number: Annotated[int | None, Query(alias="from", ge=1, le=MAX_ID)] = None,
        to_number: Annotated[int | None, Query(alias="to", ge=1, le=MAX_ID)] = None,
        mode: Annotated[str, Query(pattern="^(side|inline)$")] = "side",
    ) -> View:
        found = load_version_diff(store_of(request), article_id, from_number, to_number)
        edit = describe_edit(found.old.title, found.old_text, found.new.title, found.new_text)
        data = {
            **found.to_json(),
            "description": edit.description,
            "substantive": edit.substantive,
            "operations": operations(found.rows),
        }
        return View("diff.html", jsonable(data), {**diff_page(found), "mode": mode})

    @twin(
        pages,
        "/sources",
        summary="Sources (outlets) and the feeds watched for them",
        model=models.Sources,
    )
    def sources(request: Request) -> View:
        s, f, a, h = schema.sources, schema.feeds, schema.articles, schema.source_health
        with store_of(request).read() as connection:
            counts = (
                sa.select(a.c.source_id, sa.func.count().label("article_count"))
                .group_by(a.c.source_id)
                .subquery()
            )
            source_rows = connection.execute(
                sa.select(
                    s.c.id,
                    s.c.name,
                    s.c.domain,
                    sa.func.coalesce(counts.c.article_count, 0).label("article_count"),
                    sa.case((h.c.state == "degraded", h.c.reason), else_=None).label(
                        "extraction_degraded"
                    ),
                )
                .outerjoin(counts, counts.c.source_id == s.c.id)
                .outerjoin(h, h.c.source_id == s.c.id)
                .order_by(s.c.name)
            ).all()
            feed_rows = connection.execute(
                sa.select(f.c.id, f.c.url, f.c.kind, f.c.name, f.c.source_id, f.c.active).order_by(
                    f.c.id
                )
            ).all()
        data = {
            "sources": [dict(row._mapping) for row in source_rows],
            "feeds": [dict(row._mapping) for row in feed_rows],
        }
        return View("sources.html", data)

    @twin(
        pages,
        "/sources/edits",
        summary="The silent-edit record: outlets ranked",
        model=models.SourceEdits,
    )
    def source_edits(request: Request) -> View:
        records = outlet_records(store_of(request))
        data = {
            "rank_min_factual": RANK_MIN_FACTUAL,
            "outlets": [r.to_json(with_entries=False) for r in records],
        }
        return View("source_edits.html", data)

    @twin(
        pages,
        "/sources/{source_id}",
        summary="A source's health and change statistics",
        model=models.SourceReport,
    )
    def source(request: Request, source_id: RecordId) -> View:
        store = store_of(request)
        data = source_report(store, source_id)
        data["recent_changes"] = [
            c.to_json() for c in list_changes(store, source_id=source_id, limit=10)
        ]
        data["extraction"] = source_extraction(store, source_id)
        data["silent_edits"] = outlet_records(store, source_id)[0].to_json()
        return View("source.html", data)

    @twin(
        pages, "/search", summary="Full-text search over articles and quotes", model=models.Search
    )
    def search_page(
        request: Request,
        q: str = "",
        outlet: Annotated[list[str], Query(max_length=200)] = [],  # noqa: B006 (FastAPI copies it)
        # The outlet filter's former name, still accepted for old links.
        source: Annotated[str | None, Query(include_in_schema=False)] = None,
        story: RecordIdQuery = None,
        date_from: Annotated[str | None, Query(alias="from")] = None,
        date_to: Annotated[str | None, Query(alias="to")] = None,
        kind: Annotated[str | None, Query(pattern="^(article|quote)?$")] = None,
        page: Annotated[int, Query(ge=1, le=500)] = 1,
    ) -> View:
        outlets = tuple(name for name in [*outlet, source or ""] if name)
        filters = SearchFilters(
            outlets=outlets,
            story_id=story,
            date_from=parse_day(date_from, "from"),
            date_to=parse_day(date_to, "to"),
            kind=kind or None,
        )
        results = (
            find(
                store_of(request),
                q,
                filters,
                limit=SEARCH_PAGE_SIZE,
                offset=(page - 1) * SEARCH_PAGE_SIZE,
            )
            if q.strip()
            else SearchResults("", [], 0)
        )
        data = {
            "q": q,
            # Named and typed as /articles.json's filters (a list of outlets, dates).
            "filters": {
                "outlets": list(outlets),
                "published_from": filters.date_from,
                "published_to": filters.date_to,
                "story_id": story,
                "kind": filters.kind,
            },
            "page": page,
            "per_page": SEARCH_PAGE_SIZE,  # as /articles.json and /stories.json say it
            **results.to_json(),
        }
        query = {"from": date_from or "", "to": date_to or ""}  # as typed, for the form
        # The same search on another page: every filter kept, as typed.
        same_search = [("q", q), *(("outlet", name) for name in outlets)]
        same_search += [("story", str(story or "")), ("from", date_from or "")]
        same_search += [("to", date_to or ""), ("kind", kind or "")]
        context = {"hits": results.hits, "query": query, "same_search": urlencode(same_search)}
        return View("search.html", data, context)

    return pages
