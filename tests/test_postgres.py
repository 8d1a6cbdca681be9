"""PostgreSQL: migrations 0001 → 0002 and the tsvector/GIN search index.

The store and queue tests also run on PostgreSQL through the ``store`` fixture;
this file covers what exists only there. CI starts a throw-away cluster with
``scripts/postgres.sh`` and sets ``NEWSTRAIL_TEST_POSTGRES_URL``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig

from newstrail.store.database import MIGRATIONS, Store, database_url

POSTGRES_URL = os.environ.get("NEWSTRAIL_TEST_POSTGRES_URL")

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="NEWSTRAIL_TEST_POSTGRES_URL is not set; "
    "`scripts/postgres.sh start DIR PORT` prints one (CI sets it, so nothing skips there)",
)

# The statements versions.py uses to keep an article's row current, verbatim.
DELETE_ARTICLE = "DELETE FROM search_index WHERE kind = 'article' AND ref = :ref"
INSERT_ARTICLE = (
    "INSERT INTO search_index (kind, ref, title, body) VALUES ('article', :ref, :title, :body)"
)


@pytest.fixture
def bare_store() -> Iterator[Store]:
    """A store on a new, empty PostgreSQL database, not migrated; dropped afterwards."""
    assert POSTGRES_URL is not None
    base = database_url(POSTGRES_URL)
    name = "t_pg_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    store = Store(base.rsplit("/", 1)[0] + "/" + name, migrate=False)
    try:
        yield store
    finally:
        store.close()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


def migrate_to(store: Store, revision: str, *, down: bool = False) -> None:
    with store.write() as connection:
        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def table_names(store: Store) -> set[str]:
    return set(sa.inspect(store.engine).get_table_names())


def test_migrations_0001_then_0002_add_the_search_index(bare_store: Store) -> None:
    migrate_to(bare_store, "0001")
    assert bare_store.schema_revision() == "0001"
    assert "articles" in table_names(bare_store)
    assert "search_index" not in table_names(bare_store)  # FTS5 is SQLite's

    migrate_to(bare_store, "0002")
    assert bare_store.schema_revision() == "0002"
    with bare_store.read() as connection:
        columns: dict[str, str] = dict(
            connection.execute(
                sa.text(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name = 'search_index'"
                )
            ).all()
        )
        generated: str = connection.execute(
            sa.text(
                "SELECT is_generated FROM information_schema.columns "
                "WHERE table_name = 'search_index' AND column_name = 'document'"
            )
        ).scalar_one()
        indexes: dict[str, str] = dict(
            connection.execute(
                sa.text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'search_index'"
                )
            ).all()
        )
    assert columns == {
        "kind": "character varying",
        "ref": "bigint",
        "title": "text",
        "body": "text",
        "document": "tsvector",
    }
    assert generated == "ALWAYS"
    assert "USING gin (document)" in indexes["ix_search_index_document"]


def test_downgrade_to_0001_removes_only_the_search_index(bare_store: Store) -> None:
    bare_store.migrate()
    migrate_to(bare_store, "0001", down=True)
    assert bare_store.schema_revision() == "0001"
    assert "search_index" not in table_names(bare_store)
    assert {"articles", "versions", "hosts"} <= table_names(bare_store)


def test_search_index_matches_stemmed_words_through_the_gin_index(bare_store: Store) -> None:
    bare_store.migrate()
    rows = [
        (1, "Minister resigns over budget", "The finance minister stepped down on Tuesday."),
        (2, "Floods in the north", "Rivers burst their banks; the minister visited."),
        (3, "Cricket scores", "A quiet day at the ground."),
    ]
    with bare_store.write() as connection:
        for ref, title, body in rows:
            connection.execute(sa.text(DELETE_ARTICLE), {"ref": ref})
            connection.execute(sa.text(INSERT_ARTICLE), {"ref": ref, "title": title, "body": body})
        # A new version replaces the article's row rather than adding one.
        connection.execute(sa.text(DELETE_ARTICLE), {"ref": 3})
        connection.execute(
            sa.text(INSERT_ARTICLE),
            {"ref": 3, "title": "Cricket scores", "body": "Rain stopped play."},
        )
    query = sa.text(
        "SELECT ref FROM search_index WHERE document @@ plainto_tsquery('english', :words) "
        "ORDER BY ts_rank(document, plainto_tsquery('english', :words)) DESC, ref"
    )
    with bare_store.read() as connection:
        # "ministers" and "resigned" stem to the stored "minister" and "resign";
        # the title match outranks the body-only one.
        assert connection.execute(query, {"words": "ministers"}).scalars().all() == [1, 2]
        assert connection.execute(query, {"words": "resigned"}).scalars().all() == [1]
        assert connection.execute(query, {"words": "rain"}).scalars().all() == [3]
        assert connection.execute(query, {"words": "quiet"}).scalars().all() == []
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # 3 rows: force the choice
        plan = "\n".join(
            connection.execute(sa.text("EXPLAIN " + str(query)), {"words": "minister"}).scalars()
        )
    assert "ix_search_index_document" in plan, plan
