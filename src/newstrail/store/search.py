"""Full-text search over articles (current and earlier text) and quotes.

The index is the table ``search_index(kind, ref, title, body)``: FTS5 on
SQLite (``porter unicode61`` since migration 0010: "lane" finds "lanes"), a
tsvector column with a GIN index and the ``english`` configuration on
PostgreSQL (migration 0002). Three kinds of entry: ``article`` (an article's
current text, kept by ``versions/rows.py`` through ``index_entry``), ``quote``
and ``former`` (the paragraphs and headlines an article no longer carries,
so a hit only in an earlier version is found and said to be superseded).
``rebuild_index`` refills the table from the archive. The query side differs
per database: bm25 and ``snippet`` on SQLite, ``ts_rank`` and ``ts_headline``
on PostgreSQL; both count every match and facet them by outlet, story and month.

User input never reaches the search syntax as such: ``store/query.py`` parses
words, phrases, OR, NOT and prefixes and writes the expression itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newstrail.store import schema
from newstrail.store.database import Store

# Index maintenance lives in store/index.py; re-exported for the stages that keep it.
from newstrail.store.index import drop_entries, index_entry, index_rowid, rebuild_index
from newstrail.store.query import Query, parse_query, to_fts5, to_tsquery

__all__ = [
    "MARK_END",
    "MARK_START",
    "Facet",
    "SearchFilters",
    "SearchHit",
    "SearchResults",
    "drop_entries",
    "find",
    "index_entry",
    "index_rowid",
    "rebuild_index",
    "search",
]

# Snippet markers: control characters no extracted text contains, so the web
# layer can escape the snippet and only then turn them into <mark> tags.
MARK_START = "\x02"
MARK_END = "\x03"
FACET_LIMIT = 10
# Hits counted and faceted at most: beyond this many matches, the count and the
# facets are those of the best-ranked SCAN_LIMIT (the page says "at least").
# Joining and grouping every match of a common word grows with the archive;
# ranking them (bm25/ts_rank) is the one pass over all matches that remains.
SCAN_LIMIT = 10_000


@dataclass(frozen=True)
class SearchFilters:
    """Narrow a search to some outlets, a date range, one story or one kind."""

    outlets: tuple[str, ...] = ()  # names or source ids; a hit from any of them
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
    outlet: str | None
    published: str | None
    story_id: int | None
    snippet: str  # plain text with MARK_START/MARK_END around matches
    speaker: str | None = None
    # The words matched only text the article no longer carries (an earlier version).
    superseded: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ref": self.ref,
            "article_id": self.article_id,
            "title": self.title,
            "outlet": self.outlet,
            "published": self.published,
            "story_id": self.story_id,
            "speaker": self.speaker,
            "superseded": self.superseded,
            "snippet": self.snippet.replace(MARK_START, "").replace(MARK_END, ""),
            "highlights": highlights(self.snippet),
        }


@dataclass(frozen=True)
class Facet:
    """One value of a facet and how many hits have it."""

    value: str | int | None
    count: int

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count}


@dataclass(frozen=True)
class SearchResults:
    """A page of hits, how many there are in all, and the facets of all of them."""

    query: str
    hits: list[SearchHit]
    total: int
    facets: dict[str, list[Facet]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    # More than SCAN_LIMIT matches: total and facets are those of the best-ranked.
    capped: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "hit_count": self.total,
            "hit_count_capped": self.capped,
            "hits": [hit.to_json() for hit in self.hits],
            # Top-level lists, as /articles.json puts its outlets and languages.
            **{
                key: [facet.to_json() for facet in self.facets.get(name, [])]
                for name, key in FACET_LISTS.items()
            },
            "notes": list(self.notes),
        }


def highlights(snippet: str) -> list[str]:
    """The marked words of a snippet, in order."""
    found = []
    for part in snippet.split(MARK_START)[1:]:
        found.append(part.split(MARK_END, 1)[0])
    return found


class SearchBackend(Protocol):
    """What a database-specific search implementation provides."""

    def find(
        self, connection: Connection, query: Query, filters: SearchFilters, limit: int, offset: int
    ) -> tuple[list[SearchHit], int, dict[str, list[Facet]]]: ...


def _filter_clauses(filters: SearchFilters) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions on the matched entry ``m``, its article ``a``, source ``s``, story ``st``."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if filters.outlets:
        either: list[str] = []
        for number, outlet in enumerate(dict.fromkeys(filters.outlets)):
            if outlet.isdigit():
                either.append(f"a.source_id = :outlet_{number}")
                params[f"outlet_{number}"] = int(outlet)
            else:
                either.append(f"s.name = :outlet_{number}")
                params[f"outlet_{number}"] = outlet
        clauses.append("(" + " OR ".join(either) + ")")
    if filters.story_id is not None:
        clauses.append("st.story_id = :story_id")
        params["story_id"] = filters.story_id
    # Articles without a published date are dated by when they were first seen.
    if filters.date_from is not None:
        clauses.append(f"{DAY} >= :date_from")
        params["date_from"] = filters.date_from.isoformat()
    if filters.date_to is not None:
        clauses.append(f"{DAY} <= :date_to")
        params["date_to"] = filters.date_to.isoformat()
    if filters.kind == "quote":
        clauses.append("m.kind = 'quote'")
    elif filters.kind == "article":
        clauses.append("m.kind != 'quote'")
    return clauses, params


DAY = "COALESCE(a.published, substr(a.first_seen_at, 1, 10))"
FACETS = {"outlet": "s.name", "story": "st.story_id", "month": f"substr({DAY}, 1, 7)"}
# Each facet's list in the JSON, named as the browse pages name theirs.
FACET_LISTS = {"outlet": "outlets", "story": "stories", "month": "months"}
PAGE_COLUMNS = (
    "m.row_id, m.kind, m.ref, m.score, a.id AS article_id, a.title, a.published, "
    f"s.name AS outlet, st.story_id, q.speaker_name, substr({DAY}, 1, 7) AS month, "
    "(SELECT count(*) FROM matched) AS scanned"
)


# A ``former`` match is dropped when the article's current text matches too:
# the hit is then the article, not its past.
NOT_SUPERSEDED_DUPLICATE = (
    "(m.kind != 'former' OR m.ref NOT IN (SELECT c.ref FROM matched AS c WHERE c.kind = 'article'))"
)


def joined(columns: str, source: str = "matched") -> str:
    """Every matched entry ``m`` (from ``source``) joined to its article, outlet and story."""
    return f"""
    SELECT {columns}
    FROM {source} AS m
    LEFT JOIN quotes AS q ON m.kind = 'quote' AND q.id = m.ref
    JOIN articles AS a ON a.id = CASE WHEN m.kind = 'quote' THEN q.article_id ELSE m.ref END
    LEFT JOIN sources AS s ON s.id = a.source_id
    LEFT JOIN story_articles AS st ON st.article_id = a.id
    WHERE {NOT_SUPERSEDED_DUPLICATE}
    """


def page_source(filters: SearchFilters, clauses: list[str]) -> str | None:
    """The page's entries ranked and cut before any join, when no filter needs the joins.

    At 20,000 articles a two-word search (57 hits, median) cost 13.6 ms CPU
    joining every match before cutting the page; ranking and cutting the
    matches first, as before counts and facets existed, joins only the page.
    """
    if filters.outlets or filters.story_id is not None or filters.date_from or filters.date_to:
        return None
    kinds = "".join(f" AND {clause}" for clause in clauses)  # only m.kind clauses are left
    return (
        f"(SELECT * FROM matched AS m WHERE {NOT_SUPERSEDED_DUPLICATE}{kinds} "
        "ORDER BY m.score, m.ref LIMIT :limit OFFSET :offset)"
    )


def _tally(rows: Iterable[Any]) -> tuple[int, dict[str, list[Facet]]]:
    """The total and facets of rows with ``outlet``, ``story``, ``month`` and a count ``n``."""
    counts: dict[str, dict[str | int | None, int]] = {name: {} for name in FACETS}
    total = 0
    for row in rows:
        total += int(row.n)
        for name in FACETS:
            value = getattr(row, name)
            counts[name][value] = counts[name].get(value, 0) + int(row.n)
    facets = {
        name: [
            Facet(value, n)
            for value, n in sorted(values.items(), key=lambda item: (-item[1], str(item[0])))
        ][:FACET_LIMIT]
        for name, values in counts.items()
    }
    return total, facets


def _page_tally(
    rows: Sequence[Any], limit: int, offset: int
) -> tuple[int, dict[str, list[Facet]]] | None:
    """The total and facets from the page itself when it holds every hit, else None.

    Most searches fit on their first page; counting them again in SQL doubled
    a search's server CPU (bench.web_load, 20,000 articles: 5.7 -> 16 ms).
    """
    if offset or len(rows) >= limit or (rows and int(rows[0].scanned) >= SCAN_LIMIT):
        return None
    return _tally(
        SimpleNamespace(outlet=r.outlet, story=r.story_id, month=r.month, n=1) for r in rows
    )


def _facets(
    connection: Connection, prefix: str, where: str, params: dict[str, Any], postgres: bool
) -> tuple[int, dict[str, list[Facet]]]:
    """The total and the facets of the matches (``prefix`` defines ``matched``).

    One statement: the joined matches are materialised once and each facet is
    grouped, sorted and cut to FACET_LIMIT in SQL, so a few dozen rows come
    back. Grouping by (outlet, story, month) together and summing in Python
    returned about a row per hit (stories are small) and cost 4.5 ms of the
    9.3 ms a facet pass took at 20,000 articles (bench.search, median 108
    hits); a query per facet ran the search and its joins again each time.
    """
    columns = ", ".join(f"{expression} AS {name}" for name, expression in FACETS.items())
    # Ties go by the value as text, ``None`` for a missing one, as _tally sorts them.
    ranked = " UNION ALL ".join(
        f"SELECT * FROM (SELECT '{name}' AS facet, CAST({name} AS TEXT) AS value, "
        f"count(*) AS n FROM hits GROUP BY {name} "
        f"ORDER BY n DESC, COALESCE(CAST({name} AS TEXT), 'None') LIMIT {FACET_LIMIT}) AS f_{name}"
        for name in FACETS
    )
    sql = (
        f"{prefix}, hits AS MATERIALIZED ({joined(columns)}{where}) "
        f"SELECT 'total' AS facet, NULL AS value, count(*) AS n FROM hits UNION ALL "
        f"SELECT 'scanned', NULL, count(*) FROM matched UNION ALL {ranked}"
    )
    rows = connection.execute(sa.text(_for_postgres(sql) if postgres else sql), params).all()
    counts = {row.facet: int(row.n) for row in rows if row.facet in ("total", "scanned")}
    facets: dict[str, list[Facet]] = {name: [] for name in FACETS}
    for row in rows:
        if row.facet in facets:
            value = row.value
            if row.facet == "story" and value is not None:
                value = int(value)
            facets[row.facet].append(Facet(value, int(row.n)))
    if counts.get("scanned", 0) >= SCAN_LIMIT:
        facets["capped"] = []
    return counts.get("total", 0), facets


class Fts5Search:
    """Search through SQLite's FTS5 ``search_index`` table, ranked by bm25."""

    def find(
        self, connection: Connection, query: Query, filters: SearchFilters, limit: int, offset: int
    ) -> tuple[list[SearchHit], int, dict[str, list[Facet]]]:
        match = to_fts5(query)
        if match is None:
            return [], 0, {}
        clauses, params = _filter_clauses(filters)
        where = "".join(f" AND {clause}" for clause in clauses)
        # Headline matches weigh 4x body matches (bm25 column weights).
        prefix = (
            "WITH matched AS MATERIALIZED (SELECT rowid AS row_id, kind, "
            "CAST(ref AS INTEGER) AS ref, "
            "bm25(search_index, 0.0, 0.0, 4.0, 1.0) AS score "
            "FROM search_index WHERE search_index MATCH :match ORDER BY score LIMIT :scan)"
        )
        params.update(match=match, scan=SCAN_LIMIT)
        source = page_source(filters, clauses)
        page = (
            f"{joined(PAGE_COLUMNS, source)} ORDER BY m.score, m.ref"
            if source
            else f"{joined(PAGE_COLUMNS)}{where} ORDER BY m.score, m.ref "
            "LIMIT :limit OFFSET :offset"
        )
        rows = connection.execute(
            sa.text(f"{prefix} {page}"), {**params, "limit": limit, "offset": offset}
        ).all()
        tally = _page_tally(rows, limit, offset)
        total, facets = tally or _facets(connection, prefix, where, params, postgres=False)
        if not rows:
            return [], total, facets
        # Snippets for the page only: made for every match they cost 5x (9.6 ms
        # instead of 2 at 100,000 articles, bench/web_load.py). The unary + keeps
        # the rowid list out of FTS5's index: pushed into it, FTS5 ran the match
        # once per listed rowid (2.2 ms for a page of 20 at 20,000 articles; one
        # pass filtered afterwards, 1.1 ms; bench/search.py).
        snippets: dict[int, str] = dict(
            connection.execute(
                sa.text(
                    "SELECT rowid, "
                    f"snippet(search_index, 3, '{MARK_START}', '{MARK_END}', '…', 16) "
                    "FROM search_index WHERE search_index MATCH :match AND +rowid IN "
                    "(SELECT value FROM json_each(:rows))"
                ),
                {"match": match, "rows": json.dumps([row.row_id for row in rows])},
            ).all()
        )
        return [_hit(row, snippets.get(row.row_id, "")) for row in rows], total, facets


class PostgresSearch:
    """Search PostgreSQL's ``search_index`` (migration 0002): tsvector, GIN index, ts_rank."""

    def find(
        self, connection: Connection, query: Query, filters: SearchFilters, limit: int, offset: int
    ) -> tuple[list[SearchHit], int, dict[str, list[Facet]]]:
        terms = to_tsquery(query)
        if terms is None:
            return [], 0, {}
        clauses, params = _filter_clauses(filters)
        where = "".join(f" AND {clause}" for clause in clauses)
        prefix = (
            "WITH query AS (SELECT to_tsquery('english', :terms) AS terms), "
            "matched AS MATERIALIZED (SELECT 0 AS row_id, i.kind, i.ref, i.body, "
            "-ts_rank(i.document, query.terms) AS score "
            "FROM search_index AS i, query WHERE i.document @@ query.terms "
            "ORDER BY score LIMIT :scan)"
        )
        params.update(terms=terms, scan=SCAN_LIMIT)
        columns = PAGE_COLUMNS.replace("m.row_id,", "m.body,")
        source = page_source(filters, clauses)
        page = f"{joined(columns, source)}" if source else f"{joined(columns)}{where}"
        sql = (
            f"{prefix} SELECT j.*, ts_headline('english', j.body, query.terms, "
            "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=30, MinWords=12') "
            f"AS snippet FROM ({page}) AS j CROSS JOIN query "
            "ORDER BY j.score, j.ref" + ("" if source else " LIMIT :limit OFFSET :offset")
        )
        rows = connection.execute(
            sa.text(_for_postgres(sql)), {**params, "limit": limit, "offset": offset}
        )
        found = rows.all()
        hits = [_hit(row, row.snippet) for row in found]
        tally = _page_tally(found, limit, offset)
        total, facets = tally or _facets(connection, prefix, where, params, postgres=True)
        return hits, total, facets


def _for_postgres(sql: str) -> str:
    """SQLite's date-of-a-timestamp expression, in PostgreSQL."""
    return sql.replace("substr(a.first_seen_at, 1, 10)", "to_char(a.first_seen_at, 'YYYY-MM-DD')")


def _hit(row: Any, snippet: str | None) -> SearchHit:
    return SearchHit(
        kind="quote" if row.kind == "quote" else "article",
        ref=int(row.ref),
        article_id=int(row.article_id),
        title=row.title,
        outlet=row.outlet,
        published=row.published,
        story_id=row.story_id,
        snippet=snippet or "",
        speaker=row.speaker_name,
        superseded=row.kind == "former",
    )


def backend_for(store: Store) -> SearchBackend:
    """The search implementation for the store's database."""
    return Fts5Search() if store.is_sqlite else PostgresSearch()


def find(
    store: Store,
    text: str,
    filters: SearchFilters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
) -> SearchResults:
    """Articles and quotes matching ``text``, best first, with their count and facets.

    Args:
        store: the store to search.
        text: the user's query: words (all required), ``"phrases"``, ``OR``,
            ``-word`` or ``NOT word``, ``prefix*`` (``store/query.py``).
        filters: outlet, story, date range and kind restrictions.
        limit: most hits returned.
        offset: hits skipped (paging).

    Returns:
        A page of hits, the number of all hits, and facets by outlet, story and
        month; no hits when ``text`` has no word to look for.
    """
    query = parse_query(text)
    filters = filters or SearchFilters()
    notes = query.notes
    with store.read() as connection:
        hits, total, facets = backend_for(store).find(connection, query, filters, limit, offset)
        if not total and filters.outlets:  # say so when the filter, not the words, is the cause
            notes += tuple(
                f"no outlet is named {outlet!r}"
                for outlet in _unknown_outlets(connection, filters.outlets)
            )
    capped = facets.pop("capped", None) is not None
    return SearchResults(str(query), hits, total, facets, notes, capped)


def _unknown_outlets(connection: Connection, outlets: tuple[str, ...]) -> list[str]:
    """The outlet names or source ids in ``outlets`` that no source has."""
    sources = schema.sources
    names = [name for name in outlets if not name.isdigit()]
    ids = [int(name) for name in outlets if name.isdigit()]
    found_names = sa.select(sources.c.name).where(sources.c.name.in_(names))
    found_ids = sa.select(sources.c.id).where(sources.c.id.in_(ids))
    known = {str(row[0]) for row in connection.execute(found_names)}
    known |= {str(row[0]) for row in connection.execute(found_ids)}
    return [name for name in outlets if name not in known]


def search(
    store: Store,
    text: str,
    filters: SearchFilters | None = None,
    *,
    limit: int = 20,
    offset: int = 0,
) -> list[SearchHit]:
    """The hits of ``find`` alone (for callers that need no count or facets)."""
    return find(store, text, filters, limit=limit, offset=offset).hits
