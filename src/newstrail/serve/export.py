"""Export the archive: JSON Lines and CSV of records, WARC of raw captures.

Every export is a generator, so the CLI and the web app stream it: memory stays
flat whatever the size of the store (rows are fetched in batches of
``BATCH_ROWS``). WARC exports hold one record per stored capture of each
article: a ``response`` record with the captured bytes when the capture was an
HTML page (WARC-Date = when it was captured, target URI = the article URL),
else a ``resource`` record with the extracted text; ``newstrail import`` reads
the response records back.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newstrail import __version__
from newstrail.errors import InvalidInput, NotFound
from newstrail.store import schema
from newstrail.store.database import Store
from newstrail.stories.reading import stories_members

EXPORT_KINDS = ("articles", "versions", "stories", "quotes")
BATCH_ROWS = 500
HTML_TYPES = ("text/html", "application/xhtml+xml")

_a, _v, _s, _st, _q = (
    schema.articles,
    schema.versions,
    schema.sources,
    schema.story_articles,
    schema.quotes,
)

COLUMNS: dict[str, list[str]] = {
    # The article fields of every JSON route and CLI --json (serve/models/: Article).
    "articles": [
        "id",
        "url",
        "outlet",
        "title",
        "published",
        "first_seen_at",
        "last_changed_at",
        "version_count",
        "language",
        "state",
        "story_id",
    ],
    "versions": [
        "id",
        "article_id",
        "number",
        "kind",
        "captured_at",
        "origin",
        "url",
        "title",
        "byline",
        "published",
        "text_sha256",
        "raw_sha256",
        "extractor",
        "text",
    ],
    "stories": ["id", "title", "state", "first_seen_at", "last_seen_at", "article_ids"],
    "quotes": [
        "id",
        "article_id",
        "version_id",
        "story_id",
        "kind",
        "speaker",  # as in story quotes and search hits
        "text",
        "group_id",
        "relation",  # as in story quotes' variants: exact | variant | paraphrase
    ],
}


def _query(kind: str, story_id: int | None, article_id: int | None) -> sa.Select[Any]:
    """The rows of one export kind, optionally for one story or article."""
    if kind == "articles":
        query = (
            sa.select(
                _a.c.id,
                _a.c.url,
                _s.c.name.label("outlet"),
                _a.c.title,
                _a.c.published,
                _a.c.first_seen_at,
                _a.c.last_changed_at,
                _a.c.version_count,
                sa.select(_v.c.language)
                .where(_v.c.article_id == _a.c.id, _v.c.kind.in_(("new", "flipflop")))
                .order_by(_v.c.number.desc())
                .limit(1)
                .scalar_subquery()
                .label("language"),
                _a.c.state,
                _st.c.story_id,
            )
            .select_from(
                _a.outerjoin(_s, _s.c.id == _a.c.source_id).outerjoin(
                    _st, _st.c.article_id == _a.c.id
                )
            )
            .order_by(_a.c.id)
        )
        article_column = _a.c.id
    elif kind == "versions":
        query = (
            sa.select(
                _v.c.id,
                _v.c.article_id,
                _v.c.number,
                _v.c.kind,
                _v.c.captured_at,
                _v.c.origin,
                _a.c.url,
                _v.c.title,
                _v.c.byline,
                _v.c.published,
                _v.c.text_sha256,
                _v.c.raw_sha256,
                _v.c.extractor,
                _v.c.text,
                _st.c.story_id,
            )
            .select_from(
                _v.join(_a, _a.c.id == _v.c.article_id).outerjoin(
                    _st, _st.c.article_id == _v.c.article_id
                )
            )
            .order_by(_v.c.article_id, _v.c.number)
        )
        article_column = _v.c.article_id
    elif kind == "quotes":
        query = (
            sa.select(
                _q.c.id,
                _q.c.article_id,
                _q.c.version_id,
                _st.c.story_id,
                _q.c.kind,
                _q.c.speaker_name.label("speaker"),
                _q.c.text,
                _q.c.group_id,
                _q.c.group_relation.label("relation"),
            )
            .select_from(_q.outerjoin(_st, _st.c.article_id == _q.c.article_id))
            .order_by(_q.c.id)
        )
        article_column = _q.c.article_id
    elif kind == "stories":
        stories = schema.stories
        query = sa.select(
            stories.c.id,
            stories.c.title,
            stories.c.state,
            stories.c.first_seen_at,
            stories.c.last_seen_at,
        ).order_by(stories.c.id)
        if story_id is not None:
            query = query.where(stories.c.id == story_id)
        if article_id is not None:
            query = query.where(
                stories.c.id.in_(sa.select(_st.c.story_id).where(_st.c.article_id == article_id))
            )
        return query
    else:
        raise InvalidInput(f"unknown export kind {kind!r}; choose from {', '.join(EXPORT_KINDS)}")
    if story_id is not None:
        query = query.where(_st.c.story_id == story_id)
    if article_id is not None:
        query = query.where(article_column == article_id)
    return query


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).isoformat()
    return value


def export_records(
    store: Store,
    kind: str,
    *,
    story_id: int | None = None,
    article_id: int | None = None,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Stream records of one kind as JSON-ready dicts.

    Args:
        store: the store to read.
        kind: ``articles``, ``versions``, ``stories`` or ``quotes``.
        story_id: only records of this story.
        article_id: only records of this article.
        limit: at most this many records.

    Returns:
        An iterator of records with the columns of ``COLUMNS[kind]``.
    """
    query = _query(kind, story_id, article_id)
    if limit is not None:
        query = query.limit(limit)
    columns = COLUMNS[kind]
    with store.read() as connection:
        result = connection.execution_options(yield_per=BATCH_ROWS).execute(query)
        try:
            for rows in result.partitions():
                records = [
                    {column: _value(row._mapping.get(column)) for column in columns} for row in rows
                ]
                if kind == "stories":
                    # In the story page's order (publication), not the database's.
                    members = stories_members(connection, [r["id"] for r in records])
                    for record in records:
                        record["article_ids"] = [m.id for m in members[record["id"]]]
                yield from records
        finally:
            # A consumer may stop early (HTTP client gone); close the server-side cursor now.
            result.close()


def export_jsonl(store: Store, kind: str, **filters: Any) -> Iterator[str]:
    """Records of ``kind`` as JSON Lines, one line per record (see ``export_records``)."""
    for record in export_records(store, kind, **filters):
        yield json.dumps(record, ensure_ascii=False) + "\n"


# OWASP's CSV-injection rule: a cell starting with one of these is run as a
# formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)`` turns a
# quoted article into a live link that leaks the next cell), so it is prefixed
# with a single quote, which spreadsheets show as text and do not display.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """``value`` as a spreadsheet shows it as text: formula-like strings get a leading ``'``.

    Numbers are left alone (``-3`` is a number, not a formula); strings are
    checked after leading spaces too, which some spreadsheets skip.
    """
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def export_csv(store: Store, kind: str, **filters: Any) -> Iterator[str]:
    """Records of ``kind`` as CSV text, the header first, one chunk per row.

    Cells a spreadsheet would run as formulas are neutralised (``neutralise_cell``);
    the JSON Lines export keeps every value exactly as stored.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS[kind])
    yield flush()
    for record in export_records(store, kind, **filters):
        writer.writerow(
            neutralise_cell(" ".join(map(str, value)) if isinstance(value, list) else value)
            for value in record.values()
        )
        yield flush()


def _captures(store: Store, article_id: int | None, story_id: int | None) -> list[Any]:
    """The version rows to export, oldest first per article; raises NotFound."""
    with store.read() as connection:
        if article_id is not None:
            exists = connection.execute(sa.select(_a.c.id).where(_a.c.id == article_id)).first()
            if exists is None:
                raise NotFound(f"no article {article_id}")
            condition = _v.c.article_id == article_id
        elif story_id is not None:
            exists = connection.execute(
                sa.select(schema.stories.c.id).where(schema.stories.c.id == story_id)
            ).first()
            if exists is None:
                raise NotFound(f"no story {story_id}")
            condition = _v.c.article_id.in_(
                sa.select(_st.c.article_id).where(_st.c.story_id == story_id)
            )
        else:
            raise InvalidInput("give an article_id or a story_id")
        return list(
            connection.execute(
                sa.select(
                    _v.c.id,
                    _v.c.article_id,
                    _v.c.number,
                    _v.c.captured_at,
                    _v.c.raw_sha256,
                    _v.c.content_type,
                    _v.c.text,
                    _a.c.url,
                )
                .join(_a, _a.c.id == _v.c.article_id)
                .where(condition)
                .order_by(_v.c.article_id, _v.c.number)
            ).all()
        )


def _warc_date(moment: datetime) -> str:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ")


def warc_records(
    store: Store, *, article_id: int | None = None, story_id: int | None = None
) -> Iterator[bytes]:
    """Every capture of an article or a story's articles, as gzipped WARC records.

    Args:
        store: the store to read.
        article_id: export this article's captures.
        story_id: or export the captures of every article in this story.

    Returns:
        An iterator of bytes: a warcinfo record, then one record per capture;
        concatenated they form a valid ``.warc.gz`` file.
    """
    rows = _captures(store, article_id, story_id)
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)

    def take() -> bytes:
        data = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.write_record(
        writer.create_warcinfo_record(
            "newstrail-export.warc.gz", {"software": f"newstrail/{__version__}"}
        )
    )
    yield take()
    for row in rows:
        headers = {"WARC-Date": _warc_date(row.captured_at)}
        content_type = (row.content_type or "").lower()
        if row.raw_sha256 and content_type.startswith(HTML_TYPES):
            http_headers = StatusAndHeaders(
                "200 OK", [("Content-Type", row.content_type)], protocol="HTTP/1.1"
            )
            raw = store.get_blob(row.raw_sha256)
            # Giving the length lets warcio digest in memory rather than in a temp file.
            record = writer.create_warc_record(
                row.url,
                "response",
                payload=io.BytesIO(raw),
                length=len(raw),
                http_headers=http_headers,
                warc_headers_dict=headers,
            )
        else:
            headers["Content-Type"] = "text/plain; charset=utf-8"
            text = row.text.encode("utf-8")
            record = writer.create_warc_record(
                row.url,
                "resource",
                payload=io.BytesIO(text),
                length=len(text),
                warc_content_type="text/plain; charset=utf-8",
                warc_headers_dict=headers,
            )
        writer.write_record(record)
        yield take()


def write_warc(
    store: Store, path: Path, *, article_id: int | None = None, story_id: int | None = None
) -> int:
    """Write ``warc_records`` to ``path``; return the number of bytes written.

    Raises:
        NotFound: no such article or story; ``path`` is then not created.
    """
    records = warc_records(store, article_id=article_id, story_id=story_id)
    first = next(records)  # looks the article or story up before the file is created
    with path.open("wb") as out:
        written = out.write(first)
        for chunk in records:
            written += out.write(chunk)
    return written


def write_records(
    store: Store, kind: str, path: Path, *, output_format: str = "jsonl", **filters: Any
) -> None:
    """Write ``export_jsonl`` or (``output_format="csv"``) ``export_csv`` output to ``path``.

    Raises:
        InvalidInput: an unknown ``kind`` or ``output_format``; ``path`` is then not created.
    """
    writers = {"jsonl": export_jsonl, "csv": export_csv}
    if output_format not in writers:
        raise InvalidInput(f"unknown export format {output_format!r}; choose jsonl or csv")
    chunks = writers[output_format](store, kind, **filters)
    first = next(chunks, "")  # runs the query, so a bad kind fails before the file exists
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(first)
        for chunk in chunks:
            out.write(chunk)
