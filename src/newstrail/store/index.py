"""Keeping the search index: one entry per article, per quote, and per article's past.

``search_index(kind, ref, title, body)`` holds an ``article`` entry (the
current version's headline and text), a ``quote`` entry per quote of the
current version, and a ``former`` entry per changed article: the headlines and
paragraphs it no longer carries, so that a search still finds what an outlet
once wrote and says it was superseded. Recording a version calls
``index_entry`` in the same transaction; ``rebuild_index`` refills everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newstrail.store.database import Store

# Index entry kinds and their place in an FTS5 rowid (``index_rowid``).
KIND_SLOTS = {"article": 0, "quote": 1, "former": 2}
ROWID_STRIDE = 4


def index_rowid(kind: str, ref: int) -> int:
    """The FTS5 rowid of an entry: ``ROWID_STRIDE`` * ref + the kind's slot.

    FTS5 finds a row by rowid through its b-tree, but by any other column only
    by reading the whole index: replacing an article's entry by (kind, ref)
    cost ~4.5 ms per new version at 4,000 articles and grew with the archive
    (bench/watch.py's first round). PostgreSQL indexes (kind, ref) instead.
    """
    return ROWID_STRIDE * ref + KIND_SLOTS[kind]


def paragraphs(text: str) -> list[str]:
    """The non-empty paragraphs (lines) of a text, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def superseded_text(
    earlier: tuple[str, str], current: tuple[str, str], kept: tuple[str, str] = ("", "")
) -> tuple[str, str]:
    """Headlines and paragraphs an article no longer carries, after a new version.

    Args:
        earlier: the previous current version's (title, text).
        current: the new version's (title, text).
        kept: what was already superseded before (title lines, paragraphs).

    Returns:
        (titles, paragraphs), each one per line: those that were ever there
        and are not in ``current`` (a paragraph that comes back is current again).
    """
    now = set(paragraphs(current[1]))
    new_title = current[0].strip()
    titles = [t for t in [*paragraphs(kept[0]), earlier[0].strip()] if t and t != new_title]
    texts = [p for p in [*paragraphs(kept[1]), *paragraphs(earlier[1])] if p not in now]
    return "\n".join(dict.fromkeys(titles)), "\n".join(dict.fromkeys(texts))


def _entry(connection: Connection, kind: str, ref: int) -> tuple[str, str] | None:
    """The (title, body) of one index entry, or None."""
    if connection.dialect.name == "sqlite":
        statement = "SELECT title, body FROM search_index WHERE rowid = :rowid"
    else:
        statement = "SELECT title, body FROM search_index WHERE kind = :kind AND ref = :ref"
    row = connection.execute(
        sa.text(statement), {"rowid": index_rowid(kind, ref), "kind": kind, "ref": ref}
    ).first()
    return None if row is None else (str(row.title or ""), str(row.body or ""))


def _put(connection: Connection, kind: str, ref: int, title: str, body: str) -> None:
    """Insert one entry (at its rowid on SQLite)."""
    values: dict[str, Any] = {"kind": kind, "ref": ref, "title": title, "body": body}
    if connection.dialect.name == "sqlite":
        values["rowid"] = index_rowid(kind, ref)
    columns = ", ".join(values)
    placeholders = ", ".join(f":{name}" for name in values)
    connection.execute(
        sa.text(f"INSERT INTO search_index ({columns}) VALUES ({placeholders})"), values
    )


def index_entry(
    connection: Connection, kind: str, ref: int, title: str, body: str, *, replace: bool
) -> None:
    """Add one article's or quote's entry to the search index (replacing its old one).

    Replacing an article's entry also moves the headline and paragraphs the
    new version dropped into the article's ``former`` entry, so they are still
    found, as superseded text.

    Args:
        connection: an open write transaction.
        kind: ``article`` or ``quote``.
        ref: the article's or quote's id.
        title: the headline (articles) or speaker (quotes).
        body: the text.
        replace: drop the entry's previous row first (an article's new version).
    """
    if replace:
        earlier = _entry(connection, kind, ref)
        drop_entries(connection, kind, [ref])
        if kind == "article" and earlier is not None:
            kept = _entry(connection, "former", ref) or ("", "")
            former = superseded_text(earlier, (title, body), kept)
            if former != kept:
                drop_entries(connection, "former", [ref])
                if any(former):
                    _put(connection, "former", ref, *former)
    _put(connection, kind, ref, title, body)


def drop_entries(connection: Connection, kind: str, refs: Iterable[int]) -> None:
    """Remove the search entries of these articles or quotes (in the caller's transaction)."""
    refs = list(refs)
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
    """Refill ``search_index``: each article's current text, its superseded text, all quotes.

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
            rowid = f"{ROWID_STRIDE} * {ref} + {KIND_SLOTS[kind]}"  # index_rowid, in SQL
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
        formers = rebuild_superseded(connection)
    return int(articles) + int(quotes) + formers


def rebuild_superseded(connection: Connection) -> int:
    """The ``former`` entries of every article with more than one published version."""
    from itertools import groupby, pairwise

    versions = connection.execute(
        sa.text(
            "SELECT article_id, COALESCE(title, '') AS title, text FROM versions "
            "WHERE kind = 'new' AND article_id IN (SELECT article_id FROM versions "
            "WHERE kind = 'new' GROUP BY article_id HAVING count(*) > 1) "
            "ORDER BY article_id, number"
        )
    ).all()
    written = 0
    for article_id, rows in groupby(versions, key=lambda row: int(row.article_id)):
        history = list(rows)
        kept = ("", "")
        for earlier, later in pairwise(history):
            kept = superseded_text((earlier.title, earlier.text), (later.title, later.text), kept)
        if any(kept):
            _put(connection, "former", article_id, *kept)
            written += 1
    return written
