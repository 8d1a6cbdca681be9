"""SQLite search index: each entry at its computed rowid (``search.index_rowid``).

Replacing an article's entry used to find it by (kind, ref), which FTS5 can
only do by reading the whole index. Entries now live at a rowid computed from
kind and ref; this renumbers the entries of an existing store (keeping the
newest where an article had two). PostgreSQL indexes (kind, ref) since 0002.

Revision ID: 0004
Revises: 0003
Created: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TEMP TABLE search_entries AS "
        "SELECT kind, CAST(ref AS INTEGER) AS ref, title, body, max(rowid) AS newest "
        "FROM search_index GROUP BY kind, ref"
    )
    op.execute("DELETE FROM search_index")
    op.execute(
        "INSERT INTO search_index (rowid, kind, ref, title, body) "
        "SELECT 2 * ref + (kind = 'quote'), kind, ref, title, body FROM search_entries"
    )
    op.execute("DROP TABLE search_entries")


def downgrade() -> None:
    """Nothing to undo: rowids computed from (kind, ref) suit the old code too."""
