"""Full-text search over articles (their current version) and quotes.

The index is the table ``search_index(kind, ref, title, body)``: FTS5 on
SQLite, a tsvector column with a GIN index on PostgreSQL (migration 0002).
``versions/recording.py`` keeps article rows in step as versions arrive (through
``index_entry``) and ``rebuild_index`` refills the table from the archive
(after a bulk load, or to add quotes). The query side differs per database behind ``SearchBackend``:
bm25 and ``snippet`` on SQLite, ``ts_rank`` and ``ts_headline`` on PostgreSQL.

User input never reaches FTS5 syntax: each word becomes a quoted phrase
(``AND(`` or a stray ``"`` is just text), with an optional trailing ``*`` kept
as a prefix search.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newstrail.store.database import Store

# Snippet markers: control characters no extracted text contains, so the web
# layer can escape the snippet and only then turn them into <mark> tags.
MARK_START = "\x02"
MARK_END = "\x03"
MAX_TERMS = 12
WORD = re.compile(r"\w[\w'’-]*\*?", re.UNICODE)


@dataclass(frozen=True)
class SearchFilters:
    """Narrow a search to one source, a date range or one story."""

    source: str | None = None
    story_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    kind: str | None = None  # article | quote | None for both


@dataclass(frozen=True)
class SearchHit:
    """One matching article or quote."""

    kind: str
    ref: int
    article_id: int
    title: str | None
    source: str | None
    published: str | None
    story_id: int | None
    snippet: str  # plain text with MARK_START/MARK_END around matches
    speaker: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ref": self.ref,
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "published": self.published,
            "story_id": self.story_id,
            "speaker": self.speaker,
            "snippet": self.snippet.replace(MARK_START, "").replace(MARK_END, ""),
        }


def query_terms(text: str) -> list[str]:
    """The words of a user query, without any search-syntax characters."""
    return WORD.findall(text)[:MAX_TERMS]


def fts5_query(text: str) -> str | None:
    """A safe FTS5 MATCH expression for ``text``: every word quoted, all required.

    Returns:
        None when the input has no words at all.
    """
    phrases = []
    for term in query_terms(text):
        prefix = term.endswith("*")
        word = term.rstrip("*").replace('"', "")
        if word:
            phrases.append(f'"{word}"' + ("*" if prefix else ""))
    return " ".join(phrases) or None


def tsquery(text: str) -> str | None:
    """A safe PostgreSQL ``to_tsquery`` expression for ``text``: every word required.

    Words are reduced to letters and digits and quoted, so no tsquery operator
    from the input survives; a trailing ``*`` becomes a ``:*`` prefix match.
    """
    parts = []
    for term in query_terms(text):
        pieces = re.sub(r"\W+", " ", term.rstrip("*")).split()
        for index, piece in enumerate(pieces):
            prefix = term.endswith("*") and index == len(pieces) - 1
            parts.append(f"'{piece}'" + (":*" if prefix else ""))
    return " & ".join(parts) or None


class SearchBackend(Protocol):
    """What a database-specific search implementation provides."""

    def search(
        self, connection: Connection, text: str, filters: SearchFilters, limit: int, offset: int
    ) -> list[SearchHit]: ...


def _filter_clauses(filters: SearchFilters) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions on the joined article ``a`` / source ``s`` / story ``sa_`` rows."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if filters.source:
        if filters.source.isdigit():
            clauses.append("a.source_id = :source_id")
            params["source_id"] = int(filters.source)
        else:
            clauses.append("s.name = :source")
            params["source"] = filters.source
    if filters.story_id is not None:
        clauses.append("st.story_id = :story_id")
        params["story_id"] = filters.story_id
    # Articles without a published date are dated by when they were first seen.
    if filters.date_from is not None:
        clauses.append("COALESCE(a.published, substr(a.first_seen_at, 1, 10)) >= :date_from")
        params["date_from"] = filters.date_from.isoformat()
    if filters.date_to is not None:
        clauses.append("COALESCE(a.published, substr(a.first_seen_at, 1, 10)) <= :date_to")
        params["date_to"] = filters.date_to.isoformat()
    return clauses, params


class Fts5Search:
    """Search through SQLite's FTS5 ``search_index`` table, ranked by bm25."""

    def search(
        self, connection: Connection, text: str, filters: SearchFilters, limit: int, offset: int
    ) -> list[SearchHit]:
        match = fts5_query(text)
        if match is None:
            return []
        clauses, params = _filter_clauses(filters)
        if filters.kind in ("article", "quote"):
            clauses.append("i.kind = :kind")
            params["kind"] = filters.kind
        # Quotes point at their article through quotes.article_id; one LEFT JOIN
        # per kind gives both kinds one ranked query. Without filters on the
        # joined tables the FTS table is ranked and cut to the page first, so
        # only 20 rows are joined (at 100,000 articles: 3 ms instead of 12 ms
        # for 573 matches). Snippets come last, for the page only: built in the
        # ranked query they would be made for every match (9.6 ms instead of 2).
        if clauses:
            if filters.kind in ("article", "quote"):
                clauses.append("i.kind = :kind")
            ranked = "search_index"
            order = "bm25(search_index, 0.0, 0.0, 4.0, 1.0)"
            page = "LIMIT :limit OFFSET :offset"
            where = "WHERE search_index MATCH :match" + "".join(f" AND {c}" for c in clauses)
        else:
            kind = " AND kind = :kind" if filters.kind in ("article", "quote") else ""
            ranked = (
                "(SELECT rowid, kind, ref, bm25(search_index, 0.0, 0.0, 4.0, 1.0) AS score "
                f"FROM search_index WHERE search_index MATCH :match{kind} "
                "ORDER BY score LIMIT :limit OFFSET :offset)"
            )
            order, page, where = "i.score", "", ""
        params["kind"] = filters.kind
        sql = f"""
            SELECT i.rowid AS row_id, i.kind, CAST(i.ref AS INTEGER) AS ref,
                   a.id AS article_id, a.title, a.published, s.name AS source,
                   st.story_id, q.speaker_name
            FROM {ranked} AS i
            LEFT JOIN quotes AS q ON i.kind = 'quote' AND q.id = CAST(i.ref AS INTEGER)
            JOIN articles AS a ON a.id = CASE WHEN i.kind = 'quote' THEN q.article_id
                                              ELSE CAST(i.ref AS INTEGER) END
            LEFT JOIN sources AS s ON s.id = a.source_id
            LEFT JOIN story_articles AS st ON st.article_id = a.id
            {where}
            ORDER BY {order}
            {page}
        """
        params.update(match=match, limit=limit, offset=offset)
        rows = connection.execute(sa.text(sql), params).all()
        if not rows:
            return []
        snippets: dict[int, str] = dict(
            connection.execute(
                sa.text(
                    "SELECT rowid, "
                    f"snippet(search_index, 3, '{MARK_START}', '{MARK_END}', '…', 16) "
                    "FROM search_index WHERE search_index MATCH :match AND rowid IN "
                    "(SELECT value FROM json_each(:rows))"
                ),
                {"match": match, "rows": json.dumps([row.row_id for row in rows])},
            ).all()
        )
        return [_hit(row, snippets.get(row.row_id, "")) for row in rows]


class PostgresSearch:
    """Search PostgreSQL's ``search_index`` (migration 0002): tsvector, GIN index, ts_rank."""

    def search(
        self, connection: Connection, text: str, filters: SearchFilters, limit: int, offset: int
    ) -> list[SearchHit]:
        terms = tsquery(text)
        if terms is None:
            return []
        clauses, params = _filter_clauses(filters)
        if filters.kind in ("article", "quote"):
            clauses.append("i.kind = :kind")
            params["kind"] = filters.kind
        where = "".join(f" AND {clause}" for clause in clauses).replace(
            "substr(a.first_seen_at, 1, 10)", "to_char(a.first_seen_at, 'YYYY-MM-DD')"
        )
        sql = f"""
            WITH query AS (SELECT to_tsquery('english', :terms) AS terms)
            SELECT i.kind, i.ref,
                   ts_headline('english', i.body, query.terms,
                               'StartSel=' || chr(2) || ', StopSel=' || chr(3)
                               || ', MaxWords=30, MinWords=12') AS snippet,
                   a.id AS article_id, a.title, a.published, s.name AS source,
                   st.story_id, q.speaker_name
            FROM (
                SELECT i.kind, i.ref, i.body, ts_rank(i.document, query.terms) AS rank
                FROM search_index AS i, query WHERE i.document @@ query.terms
            ) AS i
            CROSS JOIN query
            LEFT JOIN quotes AS q ON i.kind = 'quote' AND q.id = i.ref
            JOIN articles AS a ON a.id = CASE WHEN i.kind = 'quote' THEN q.article_id ELSE i.ref END
            LEFT JOIN sources AS s ON s.id = a.source_id
            LEFT JOIN story_articles AS st ON st.article_id = a.id
            WHERE TRUE{where}
            ORDER BY i.rank DESC, i.ref
            LIMIT :limit OFFSET :offset
        """
        params.update(terms=terms, limit=limit, offset=offset)
        return [_hit(row, row.snippet) for row in connection.execute(sa.text(sql), params).all()]


def _hit(row: Any, snippet: str | None) -> SearchHit:
    return SearchHit(
        kind=row.kind,
        ref=int(row.ref),
        article_id=int(row.article_id),
        title=row.title,
        source=row.source,
        published=row.published,
        story_id=row.story_id,
        snippet=snippet or "",
        speaker=row.speaker_name,
    )


def backend_for(store: Store) -> SearchBackend:
    """The search implementation for the store's database."""
    return Fts5Search() if store.is_sqlite else PostgresSearch()


def search(
    store: Store,
    text: str,
    filters: SearchFilters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
) -> list[SearchHit]:
    """Articles and quotes matching every word of ``text``, best first.

    Args:
        store: the store to search.
        text: the user's query, taken as plain words (no operators).
        filters: source, story, date range and kind restrictions.
        limit: most hits returned.
        offset: hits skipped (paging).

    Returns:
        The hits; empty when ``text`` has no words.
    """
    with store.read() as connection:
        return backend_for(store).search(
            connection, text, filters or SearchFilters(), limit, offset
        )


def index_rowid(kind: str, ref: int) -> int:
    """The FTS5 rowid of an article's or a quote's entry: articles even, quotes odd.

    FTS5 finds a row by rowid through its b-tree, but by any other column only
    by reading the whole index: replacing an article's entry by (kind, ref)
    cost ~4.5 ms per new version at 4,000 articles and grew with the archive
    (bench/watch.py's first round). PostgreSQL indexes (kind, ref) instead.
    """
    return 2 * ref + (1 if kind == "quote" else 0)


def index_entry(
    connection: Connection, kind: str, ref: int, title: str, body: str, *, replace: bool
) -> None:
    """Add one article's or quote's entry to the search index (replacing its old one).

    Args:
        connection: an open write transaction.
        kind: ``article`` or ``quote``.
        ref: the article's or quote's id.
        title: the headline (articles) or speaker (quotes).
        body: the text.
        replace: drop the entry's previous row first (an article's new version).
    """
    values: dict[str, Any] = {"kind": kind, "ref": ref, "title": title, "body": body}
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        values["rowid"] = index_rowid(kind, ref)
    if replace:
        where = "rowid = :rowid" if sqlite else "kind = :kind AND ref = :ref"
        connection.execute(sa.text(f"DELETE FROM search_index WHERE {where}"), values)
    columns = ", ".join(values)
    placeholders = ", ".join(f":{name}" for name in values)
    connection.execute(
        sa.text(f"INSERT INTO search_index ({columns}) VALUES ({placeholders})"), values
    )


def drop_entries(connection: Connection, kind: str, refs: list[int]) -> None:
    """Remove the search entries of these articles or quotes (in the caller's transaction)."""
    if not refs:
        return
    if connection.dialect.name == "sqlite":
        rowids = [index_rowid(kind, ref) for ref in refs]
        statement = sa.text("DELETE FROM search_index WHERE rowid IN :rowids").bindparams(
            sa.bindparam("rowids", expanding=True)
        )
        connection.execute(statement, {"rowids": rowids})
    else:
        statement = sa.text(
            "DELETE FROM search_index WHERE kind = :kind AND ref IN :refs"
        ).bindparams(sa.bindparam("refs", expanding=True))
        connection.execute(statement, {"kind": kind, "refs": refs})


def rebuild_index(store: Store) -> int:
    """Refill ``search_index`` from each article's latest visible version and all quotes.

    On SQLite each row gets its ``index_rowid``; PostgreSQL's table has no rowid.

    Returns:
        The number of rows indexed.
    """
    with store.write() as connection:
        sqlite = connection.dialect.name == "sqlite"

        def rows(kind: str, ref: str) -> tuple[str, str]:
            """The INSERT's column list and the SELECT's leading columns for ``kind``."""
            if not sqlite:
                return "kind, ref", f"'{kind}', {ref}"
            rowid = f"2 * {ref} + {index_rowid(kind, 0)}"  # index_rowid, in SQL
            return "rowid, kind, ref", f"{rowid}, '{kind}', {ref}"

        connection.execute(sa.text("DELETE FROM search_index"))
        into, select = rows("article", "v.article_id")
        articles = connection.execute(
            sa.text(
                f"INSERT INTO search_index ({into}, title, body) "
                f"SELECT {select}, COALESCE(v.title, ''), v.text FROM versions AS v "
                "WHERE v.number = (SELECT max(w.number) FROM versions AS w "
                "WHERE w.article_id = v.article_id AND w.kind = 'new')"
            )
        ).rowcount
        into, select = rows("quote", "id")
        quotes = connection.execute(
            sa.text(
                f"INSERT INTO search_index ({into}, title, body) "
                f"SELECT {select}, COALESCE(speaker_name, ''), text FROM quotes AS q "
                # Only the quotes of each article's current version: older ones
                # stay stored but are not what the article says now.
                "WHERE q.version_id = (SELECT w.id FROM versions AS w "
                "WHERE w.article_id = q.article_id AND w.kind IN ('new', 'flipflop') "
                "ORDER BY w.number DESC LIMIT 1)"
            )
        ).rowcount
    return int(articles) + int(quotes)
