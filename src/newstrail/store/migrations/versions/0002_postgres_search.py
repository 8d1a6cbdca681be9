"""PostgreSQL full-text search: ``search_index`` with a tsvector column and a GIN index.

It mirrors SQLite's FTS5 table ``search_index(kind, ref, title, body)`` from
0001, so the statements that fill the index (``versions/recording.py``, ``store/search.py``'s
``rebuild_index``) are the same SQL on both databases. The tsvector is a stored
generated column rather than a trigger: PostgreSQL keeps it in step on every
INSERT/UPDATE and there is no function to maintain. On SQLite this is a no-op.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Title words weigh A and body words B: ts_rank's default weights then rank a
# title match 2.5x a body match, close to the 4:1 the FTS5 bm25 call uses.
# A tsvector must stay under 1 MB or the INSERT fails (and with it the version
# being recorded); 500,000 characters of news text make a ~0.2 MB tsvector, and
# no article in the gold data comes near that length.
DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, left(coalesce(body, ''), 500000)), 'B')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE TABLE search_index ("
        " kind varchar(10) NOT NULL,"  # article | quote
        " ref bigint NOT NULL,"  # articles.id or quotes.id
        " title text NOT NULL DEFAULT '',"
        " body text NOT NULL DEFAULT '',"
        f" document tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED)"
    )
    op.execute("CREATE INDEX ix_search_index_document ON search_index USING gin (document)")
    # versions.py replaces an article's row (DELETE by kind and ref) on every new version.
    op.execute("CREATE INDEX ix_search_index_ref ON search_index (kind, ref)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS search_index")
