"""The store: a SQLAlchemy engine over SQLite (default) or PostgreSQL.

``Store`` owns the engine and hands out transactions. SQLite runs in WAL mode
with foreign keys on; every write is one ``BEGIN IMMEDIATE`` transaction, so a
crash at any moment leaves either the whole write or none of it. Raw captures
go to the content-addressed, zstd-compressed ``blobs`` table: identical bytes
are stored once.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import zstandard
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from newstrail.errors import StoreError
from newstrail.store import schema

# Level 10 compresses news HTML ~8x at ~60 MB/s on this machine; level 19 gained
# another 10 % for 6x the time, not worth it on the watcher's hot path.
ZSTD_LEVEL = 10
MIGRATIONS = Path(__file__).parent / "migrations"


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def database_url(db: str | Path) -> str:
    """Turn a ``--db`` value (file path, ``:memory:`` or URL) into a SQLAlchemy URL."""
    text = str(db)
    if text in (":memory:", ""):
        return "sqlite://"
    if "://" in text:
        if text.startswith("postgres://"):
            text = "postgresql://" + text.removeprefix("postgres://")
        if text.startswith("postgresql://"):
            text = "postgresql+psycopg://" + text.removeprefix("postgresql://")
        return text
    return f"sqlite:///{Path(text).expanduser()}"


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys and explicit BEGIN (the pysqlite driver's own is unreliable)."""

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if engine.url.database:  # WAL needs a file; in-memory databases stay in memory mode
            cursor.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode cannot corrupt and loses nothing on a process crash;
            # only a power cut may roll back the last commits.
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        # IMMEDIATE takes the write lock up front so two writers queue on
        # busy_timeout instead of failing with SQLITE_BUSY on lock upgrade.
        immediate = connection.get_execution_options().get("immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Store:
    """A newstrail store: open it, migrate it, read and write in transactions."""

    def __init__(self, db: str | Path = ":memory:", *, migrate: bool = True) -> None:
        """Open the store at ``db`` (path, ``:memory:`` or URL) and bring its schema up to date."""
        self.url = database_url(db)
        # The in-memory store is one shared connection, which cannot hold two
        # transactions at once: threads take turns (file and PostgreSQL stores
        # give each transaction its own connection).
        self._turns = threading.RLock() if self.url == "sqlite://" else None
        try:
            if self.url == "sqlite://":
                # One shared connection, or every checkout would see a new empty database.
                self.engine = sa.create_engine(
                    self.url, poolclass=StaticPool, connect_args={"check_same_thread": False}
                )
            elif self.url.startswith("sqlite"):
                # The file is created, its folder is not: a mistyped --db should
                # fail, not leave a new directory tree holding an empty store.
                folder = Path(self.url.removeprefix("sqlite:///")).parent
                if not folder.is_dir():
                    raise StoreError(f"cannot open store {db}: no directory {folder}")
                self.engine = sa.create_engine(self.url, connect_args={"check_same_thread": False})
            else:
                self.engine = sa.create_engine(self.url, pool_pre_ping=True)
        except (sa.exc.ArgumentError, ModuleNotFoundError) as error:
            raise StoreError(f"cannot open store {db}: {error}") from error
        if self.is_sqlite:
            _configure_sqlite(self.engine)
        if migrate:
            self.migrate()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema -------------------------------------------------------------

    def _alembic_config(self, connection: Connection) -> AlembicConfig:
        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        return config

    def schema_revision(self) -> str | None:
        """The migration revision the store is at (None before the first)."""
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def migrate(self) -> None:
        """Apply every pending migration, in one transaction."""
        try:
            with self.write() as connection:
                current = MigrationContext.configure(connection).get_current_revision()
                config = self._alembic_config(connection)
                if current != ScriptDirectory.from_config(config).get_current_head():
                    command.upgrade(config, "head")
        except sa.exc.DBAPIError as error:
            raise StoreError(f"cannot open store {self.url}: {error.orig}") from error

    # -- transactions -------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed on success, rolled back on any exception."""
        with (
            self._turn(),
            self.engine.connect().execution_options(immediate=True) as connection,
            connection.begin(),
        ):
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot."""
        with self._turn(), self.engine.connect() as connection, connection.begin():
            yield connection

    def _turn(self) -> AbstractContextManager[object]:
        """This thread's turn on the shared in-memory connection (a no-op elsewhere)."""
        return self._turns if self._turns is not None else nullcontext()

    # -- blobs --------------------------------------------------------------

    @staticmethod
    def put_blob(connection: Connection, data: bytes) -> str:
        """Store ``data`` once, compressed; return its sha256 (of the raw bytes)."""
        digest = hashlib.sha256(data).hexdigest()
        exists = connection.execute(
            sa.select(schema.blobs.c.sha256).where(schema.blobs.c.sha256 == digest)
        ).first()
        if exists is None:
            compressed = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(data)
            connection.execute(
                schema.blobs.insert().values(
                    sha256=digest,
                    size=len(data),
                    compression="zstd",
                    data=compressed,
                    created_at=utcnow(),
                )
            )
        return digest

    def get_blob(self, digest: str) -> bytes:
        """The raw bytes stored under ``digest``."""
        with self.read() as connection:
            return self.read_blob(connection, digest)

    @staticmethod
    def read_blob(connection: Connection, digest: str) -> bytes:
        """The raw bytes stored under ``digest``, read in an open transaction."""
        row = connection.execute(
            sa.select(schema.blobs.c.compression, schema.blobs.c.data).where(
                schema.blobs.c.sha256 == digest
            )
        ).first()
        if row is None:
            raise StoreError(f"no blob {digest}")
        if row.compression == "zstd":
            return zstandard.ZstdDecompressor().decompress(row.data)
        return bytes(row.data)

    # -- sources ------------------------------------------------------------

    @staticmethod
    def ensure_source(connection: Connection, name: str, domain: str | None) -> int:
        """The id of the source (outlet) with this domain or name, created if new."""
        table = schema.sources
        if domain:
            row = connection.execute(sa.select(table.c.id).where(table.c.domain == domain)).first()
            if row:
                return int(row.id)
        row = connection.execute(
            sa.select(table.c.id, table.c.domain).where(table.c.name == name)
        ).first()
        if row:
            if domain and row.domain is None:
                connection.execute(table.update().where(table.c.id == row.id).values(domain=domain))
            return int(row.id)
        result = connection.execute(
            table.insert().values(name=name, domain=domain, created_at=utcnow())
        )
        assert result.inserted_primary_key is not None
        return int(result.inserted_primary_key[0])


def insert_ignoring_duplicates(
    connection: Connection,
    table: sa.Table,
    values: dict[str, Any],
    conflict_columns: list[str],
    update: dict[str, Any] | None = None,
) -> bool:
    """Insert a row unless one with the same ``conflict_columns`` exists; True if inserted.

    ``INSERT … ON CONFLICT DO NOTHING`` (or ``DO UPDATE SET update``) on both
    SQLite and PostgreSQL: two workers that discover the same thing at once
    both succeed, where a read-then-insert let the slower one die on the
    unique constraint (seen on PostgreSQL in 3 of 6 runs of two watchers).
    """
    dialect = connection.dialect.name
    insert: Any
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(**values)
    if update:
        statement = statement.on_conflict_do_update(index_elements=conflict_columns, set_=update)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=conflict_columns)
    return bool(connection.execute(statement).rowcount)


def text_sha256(text: str) -> str:
    """The digest identifying an extracted text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
