"""The store: migrations, transactions, content-addressed blobs, crash safety."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from newstrail.errors import StoreError
from newstrail.store import schema
from newstrail.store.database import Store, database_url


def test_migrations_bring_a_new_store_to_head(store: Store) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from newstrail.store.database import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert store.schema_revision() == ScriptDirectory.from_config(config).get_current_head()
    inspector = sa.inspect(store.engine)
    assert {"articles", "versions", "blobs", "stories", "quotes", "passages", "feeds"} <= set(
        inspector.get_table_names()
    )


def test_reopening_a_file_store_keeps_data_and_does_not_remigrate(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as first, first.write() as connection:
        first.ensure_source(connection, "WION", "wionews.com")
    with Store(path) as second, second.read() as connection:
        names = connection.execute(sa.select(schema.sources.c.name)).scalars().all()
    assert names == ["WION"]


def test_blobs_are_stored_once_and_compressed(store: Store) -> None:
    page = b"<html><body>" + b"<p>Same paragraph again.</p>" * 2000 + b"</body></html>"
    with store.write() as connection:
        first = store.put_blob(connection, page)
        second = store.put_blob(connection, page)
    assert first == second == hashlib.sha256(page).hexdigest()
    assert store.get_blob(first) == page
    with store.read() as connection:
        rows = connection.execute(sa.select(schema.blobs.c.size, schema.blobs.c.data)).all()
    assert len(rows) == 1
    assert rows[0].size == len(page) and len(rows[0].data) < len(page) / 10


def test_a_failed_write_leaves_nothing_behind(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as connection:
        store.ensure_source(connection, "Half written", None)
        raise RuntimeError("crash in the middle of a write")
    with store.read() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(schema.sources)).scalar() == 0
        )


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(sa.exc.IntegrityError), store.write() as connection:
        connection.execute(
            schema.story_articles.insert().values(
                article_id=999, story_id=999, assigned_at=sa.func.now()
            )
        )


def test_sqlite_file_store_uses_wal(tmp_path: Path) -> None:
    with Store(tmp_path / "w.db") as store, store.read() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_database_urls() -> None:
    assert database_url(":memory:") == "sqlite://"
    assert database_url("a/b.db") == "sqlite:///a/b.db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_a_database_newstrail_does_not_support_is_named_and_its_password_hidden() -> None:
    with pytest.raises(StoreError) as raised:
        database_url("mysql://root:hunter2@db.example/news")
    assert "'mysql' is not a store newstrail supports" in str(raised.value)
    assert "hunter2" not in str(raised.value)


def test_unopenable_store_is_a_clear_error(tmp_path: Path) -> None:
    not_a_db = tmp_path / "garbage.db"
    not_a_db.write_bytes(b"this is not a sqlite database" * 100)
    with pytest.raises(StoreError, match=r"cannot open store"):
        Store(not_a_db)


@pytest.mark.parametrize("folder", ["missing", "missing/deeper", "a-file"])
def test_a_store_in_a_missing_directory_is_a_clear_error(tmp_path: Path, folder: str) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    path = tmp_path / folder / "news.db"
    with pytest.raises(StoreError, match=r"cannot open store .*: no directory "):
        Store(path)
    assert not (tmp_path / "missing").exists()


KILLED_WRITER = """
import sys
from newstrail.store.database import Store
store = Store(sys.argv[1])
print("ready", flush=True)
n = 0
while True:
    with store.write() as connection:
        for _ in range(50):
            store.put_blob(connection, f"capture {n}".encode() * 100)
            n += 1
"""


def test_kill_9_during_writes_leaves_a_consistent_store(tmp_path: Path) -> None:
    path = tmp_path / "killed.db"
    Store(path).close()
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    time.sleep(1.0)  # let it commit a few transactions and be mid-way through another
    writer.kill()
    writer.wait()
    writer.stdout.close()
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    count = connection.execute("SELECT count(*) FROM blobs").fetchone()[0]
    connection.close()
    assert count > 0 and count % 50 == 0  # whole transactions only
    with Store(path) as reopened, reopened.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.blobs)).scalar() == count


def test_migrations_match_the_declared_schema(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    def declared_or_ours(name: str | None, type_: str, _parent: object) -> bool:
        # The full-text index lives outside schema.py (FTS5 / tsvector per dialect).
        return not (type_ == "table" and name is not None and name.startswith("search_index"))

    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": declared_or_ours})
        differences = compare_metadata(context, schema.metadata)
    assert differences == []
