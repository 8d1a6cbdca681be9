"""The diff page's HTML: aligned rows with marked words, unchanged stretches folded.

Rows come from ``serve.diff_rows`` (paragraphs paired by similarity, words by
difflib). Here each row's runs become escaped HTML with ``<del>``/``<ins>``,
and runs of unchanged paragraphs farther than ``CONTEXT`` rows from a change
fold into one ``<details>`` row, as GitHub folds unchanged lines: the edit is
what a reader came for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from newstrail.serve.diff_rows import DiffRow, Segment, VersionDiff, load_version_diff
from newstrail.serve.web.params import MAX_ID, RecordId
from newstrail.serve.web.rendering import store_of
from newstrail.serve.web.security import sanitize_html

CONTEXT = 1  # unchanged paragraphs kept open on each side of a change
MIN_FOLD = 2  # fewer unchanged paragraphs than this are not worth a fold


@dataclass(frozen=True)
class HtmlRow:
    """A row as the template shows it."""

    kind: str
    old: Markup
    new: Markup
    inline: Markup


def segments_html(segments: tuple[Segment, ...]) -> Markup:
    """Runs as escaped HTML, deletions in ``<del>`` and insertions in ``<ins>``."""
    parts = []
    for segment in segments:
        text = str(escape(segment.text))
        if segment.tag == "delete":
            parts.append(f"<del>{text}</del>")
        elif segment.tag == "insert":
            parts.append(f"<ins>{text}</ins>")
        else:
            parts.append(text)
    # The markup is ours and every run was escaped; nh3 is the second line of defence.
    return sanitize_html("".join(parts))


def html_row(row: DiffRow) -> HtmlRow:
    """One row's three renderings: version a, version b, and inline."""
    return HtmlRow(
        row.kind, segments_html(row.old), segments_html(row.new), segments_html(row.inline)
    )


def folded(rows: list[DiffRow]) -> list[dict[str, Any]]:
    """Rows grouped for display: ``{"fold": False, "rows": [one]}`` or a fold of many.

    An unchanged row within ``CONTEXT`` rows of a change stays open; longer
    unchanged runs (at least ``MIN_FOLD``) become one fold.
    """
    changed = [index for index, row in enumerate(rows) if row.kind != "equal"]
    near = {
        index
        for change in changed
        for index in range(change - CONTEXT, change + CONTEXT + 1)
        if 0 <= index < len(rows)
    }
    groups: list[dict[str, Any]] = []
    pending: list[HtmlRow] = []

    def flush() -> None:
        if len(pending) >= MIN_FOLD:
            groups.append({"fold": True, "rows": list(pending)})
        else:
            groups.extend({"fold": False, "rows": [row]} for row in pending)
        pending.clear()

    for index, row in enumerate(rows):
        if row.kind == "equal" and index not in near:
            pending.append(html_row(row))
            continue
        flush()
        groups.append({"fold": False, "rows": [html_row(row)]})
    flush()
    return groups


def diff_page(diff: VersionDiff) -> dict[str, Any]:
    """The template context of a diff page: headline row and folded groups."""
    return {
        "headline": html_row(diff.headline),
        "groups": folded(diff.rows),
        "numbers": diff.numbers,
        "title": diff.article_title,
    }


def register(pages: APIRouter) -> None:
    """Add ``/articles/{id}/diff.png``: the diff as a shareable image."""

    @pages.get(
        "/articles/{article_id}/diff.png",
        summary="The diff as a PNG, cropped to the changed paragraphs",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}, "description": "A PNG image."}},
    )
    def diff_png(
        request: Request,
        article_id: RecordId,
        from_number: Annotated[int | None, Query(alias="from", ge=1, le=MAX_ID)] = None,
        to_number: Annotated[int | None, Query(alias="to", ge=1, le=MAX_ID)] = None,
    ) -> Response:
        from newstrail.serve.diff_image import render_diff_png

        found = load_version_diff(store_of(request), article_id, from_number, to_number)
        name = f"article-{article_id}-v{found.old.number}-v{found.new.number}.png"
        return Response(
            render_diff_png(found),
            media_type="image/png",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )
