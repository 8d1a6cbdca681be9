"""Streamed exports over HTTP: JSON Lines, CSV and WARC."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import StreamingResponse

from newstrail.serve.export import EXPORT_KINDS, export_csv, export_jsonl, warc_records
from newstrail.serve.web.params import LimitQuery, RecordId, RecordIdQuery
from newstrail.serve.web.rendering import store_of


def media(kind: str, description: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry of a download: its real media type, not JSON."""
    return {
        200: {
            "description": description,
            "content": {kind: {"schema": {"type": "string", "format": "binary"}}},
        }
    }


KindPath = Annotated[str, Path(pattern="^(" + "|".join(EXPORT_KINDS) + ")$")]


def router() -> APIRouter:
    """The export routes."""
    downloads = APIRouter()

    @downloads.get(
        "/export/{kind}.jsonl",
        summary="Export as JSON Lines (streamed)",
        response_class=StreamingResponse,
        responses=media("application/x-ndjson", "One JSON object per line."),
    )
    def jsonl(
        request: Request,
        kind: KindPath,
        story: RecordIdQuery = None,
        article: RecordIdQuery = None,
        limit: LimitQuery = None,
    ) -> StreamingResponse:
        lines = export_jsonl(
            store_of(request), kind, story_id=story, article_id=article, limit=limit
        )
        return StreamingResponse(
            (line.encode("utf-8") for line in lines), media_type="application/x-ndjson"
        )

    @downloads.get(
        "/export/{kind}.csv",
        summary="Export as CSV (streamed)",
        response_class=StreamingResponse,
        responses=media("text/csv", "A header row, then one row per record."),
    )
    def csv(
        request: Request,
        kind: KindPath,
        story: RecordIdQuery = None,
        article: RecordIdQuery = None,
        limit: LimitQuery = None,
    ) -> StreamingResponse:
        rows = export_csv(store_of(request), kind, story_id=story, article_id=article, limit=limit)
        return StreamingResponse(
            (row.encode("utf-8") for row in rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'},
        )

    @downloads.get(
        "/articles/{article_id}.warc",
        summary="Every capture of an article as WARC",
        response_class=StreamingResponse,
        responses=media("application/warc", "Gzipped WARC records, one per capture."),
    )
    def article_warc(request: Request, article_id: RecordId) -> StreamingResponse:
        return StreamingResponse(
            warc_records(store_of(request), article_id=article_id),
            media_type="application/warc",
            headers={"Content-Disposition": f'attachment; filename="article-{article_id}.warc.gz"'},
        )

    @downloads.get(
        "/stories/{story_id}.warc",
        summary="Every capture of a story's articles as WARC",
        response_class=StreamingResponse,
        responses=media("application/warc", "Gzipped WARC records, one per capture."),
    )
    def story_warc(request: Request, story_id: RecordId) -> StreamingResponse:
        return StreamingResponse(
            warc_records(store_of(request), story_id=story_id),
            media_type="application/warc",
            headers={"Content-Disposition": f'attachment; filename="story-{story_id}.warc.gz"'},
        )

    return downloads
