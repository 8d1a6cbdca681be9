"""Search that finds: a stemming FTS5 tokenizer, and superseded text in the index.

SQLite's ``search_index`` was FTS5 with ``unicode61`` alone, so "lane" did not
find "lanes". It is rebuilt with ``porter unicode61 remove_diacritics 2``
(FTS5's Porter stemmer over the same Unicode tokenizer), keeping every entry,
each at its new rowid (``store.index.index_rowid``: 4 * ref + the kind's slot,
now that a third kind exists). PostgreSQL already stems (the ``english``
configuration of migration 0002).

On both databases the new ``former`` entries are then filled: per article with
more than one published version, the headlines and paragraphs it no longer
carries (``store.index.rebuild_superseded``), so a search finds what an outlet
once wrote and marks it as superseded.

Revision ID: 0010_i18b_search_stemming
Revises: 0009_change_checks
Created: 2026-12-07
"""

from __future__ import annotations

from alembic import op

from newstrail.store.index import rebuild_superseded

revision = "0010_i18b_search_stemming"
down_revision = "0009_change_checks"
branch_labels = None
depends_on = None

TOKENIZER = "porter unicode61 remove_diacritics 2"


def _recreate(tokenizer: str, rowid: str) -> None:
    """Rebuild SQLite's FTS5 table with ``tokenizer``, each entry at ``rowid`` (SQL)."""
    op.execute(
        "CREATE TEMP TABLE search_entries AS SELECT kind, CAST(ref AS INTEGER) AS ref, "
        "title, body FROM search_index WHERE kind IN ('article', 'quote')"
    )
    op.execute("DROP TABLE search_index")
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        f"kind UNINDEXED, ref UNINDEXED, title, body, tokenize='{tokenizer}')"
    )
    op.execute(
        "INSERT INTO search_index (rowid, kind, ref, title, body) "
        f"SELECT {rowid}, kind, ref, title, body FROM search_entries"
    )
    op.execute("DROP TABLE search_entries")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate(TOKENIZER, "4 * ref + (kind = 'quote')")
    rebuild_superseded(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate("unicode61 remove_diacritics 2", "2 * ref + (kind = 'quote')")
    else:
        op.execute("DELETE FROM search_index WHERE kind = 'former'")
