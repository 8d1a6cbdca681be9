"""The store: a SQLAlchemy engine over SQLite (default) or PostgreSQL.

``Store`` owns the engine and hands out transactions. SQLite runs in WAL mode
with foreign keys on; every write is one ``BEGIN IMMEDIATE`` transaction, so a
crash at any moment leaves either the whole write or none of it. Raw captures
go to the content-addressed, zstd-compressed ``blobs`` table: identical bytes
are stored once.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
import zstandard
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from newstrail.errors import NotFound, StoreError, redact
from newstrail.store import schema

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

# Level 10 compresses news HTML ~8x at ~60 MB/s on this machine; level 19 gained
# another 10 % for 6x the time, not worth it on the watcher's hot path.
ZSTD_LEVEL = 10
MIGRATIONS = Path(__file__).parent / "migrations"


# Transient conflicts: PostgreSQL's serialization_failure and deadlock_detected
# SQLSTATEs, and SQLite's "database is locked" / "database is busy".
TRANSIENT_SQLSTATES = ("40001", "40P01")
RETRY_ATTEMPTS = 6
RETRY_BASE = 0.05
T = TypeVar("T")


def is_transient(error: sa.exc.DBAPIError) -> bool:
    """Whether ``error`` is a conflict that running the transaction again resolves."""
    state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if state in TRANSIENT_SQLSTATES:
        return True
    message = str(error.orig).lower()
    return isinstance(error, sa.exc.OperationalError) and (
        "database is locked" in message or "database is busy" in message
    )


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def migration_head() -> str:
    """The newest migration revision, read from the revision files' text.

    Alembic's ``ScriptDirectory`` answers the same but costs ~0.4 s of imports
    (alembic, mako) on every command; an up-to-date store, the usual case,
    needs only this comparison (see ``bench/startup.py``).
    """
    pattern = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+)$", re.M)
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("[0-9]*.py"):
        found = dict(pattern.findall(path.read_text(encoding="utf-8")))
        revisions.add(found.get("revision", "").strip().strip("\"'"))
        parents.update(re.findall(r"[\"']([^\"']+)[\"']", found.get("down_revision", "")))
    heads = revisions - parents
    if len(heads) != 1:
        raise StoreError(f"migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def database_url(db: str | Path) -> str:
    """Turn a ``--db`` value (file path, ``:memory:`` or URL) into a SQLAlchemy URL.

    Raises:
        StoreError: the URL names a database newstrail does not support.
    """
    text = str(db)
    if text in (":memory:", ""):
        return "sqlite://"
    if "://" in text:
        if text.startswith("postgres://"):
            text = "postgresql://" + text.removeprefix("postgres://")
        if text.startswith("postgresql://"):
            text = "postgresql+psycopg://" + text.removeprefix("postgresql://")
        scheme = text.split("://", 1)[0]
        if scheme.split("+")[0] not in ("sqlite", "postgresql"):
            raise StoreError(
                f"cannot open store {redact(text)}: '{scheme}' is not a store newstrail "
                "supports (a SQLite file path, or postgresql://user@host/database)"
            )
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

    def __init__(
        self, db: str | Path = ":memory:", *, migrate: bool = True, create: bool = True
    ) -> None:
        """Open the store at ``db`` (path, ``:memory:`` or URL) and bring its schema up to date.

        Args:
            db: a SQLite file path, ``:memory:`` or a database URL.
            migrate: apply pending migrations.
            create: create a SQLite file that does not exist yet; commands that
                only read pass False, so a mistyped ``--db`` fails instead of
                answering from a new empty store.

        Raises:
            NotFound: ``create`` is False and there is no SQLite file at ``db``.
            StoreError: the store cannot be opened or migrated.
        """
        self.url = database_url(db)
        if not create and self.url.startswith("sqlite:///"):
            path = Path(self.url.removeprefix("sqlite:///"))
            if not path.is_file():
                raise NotFound(
                    f"no store at {path} (check --db; 'newstrail import' or "
                    "'newstrail watch' creates one)"
                )
        # The in-memory store is one shared connection, which cannot hold two
        # transactions at once: threads take turns (file and PostgreSQL stores
        # give each transaction its own connection).
        self._turns = threading.RLock() if self.url == "sqlite://" else None
        self.retries = 0  # transient conflicts retried by transact()
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
            raise StoreError(f"cannot open store {redact(str(db))}: {error}") from error
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
        from alembic.config import Config as AlembicConfig

        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        return config

    def schema_revision(self) -> str | None:
        """The migration revision the store is at (None before the first)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def migrate(self) -> None:
        """Apply every pending migration, in one transaction."""
        head = migration_head()
        try:
            if self._current_revision() == head:
                return  # up to date: no need to load alembic
            from alembic import command

            with self.write() as connection:
                config = self._alembic_config(connection)
                command.upgrade(config, "head")
        except sa.exc.DBAPIError as error:
            raise StoreError(f"cannot open store {redact(self.url)}: {error.orig}") from error

    def _current_revision(self) -> str | None:
        """The revision in ``alembic_version``, or None if the table is missing or empty."""
        with self.read() as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return None
            row = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
        return str(row[0][0]) if len(row) == 1 else None

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

    def transact(self, work: Callable[[Connection], T], *, attempts: int = RETRY_ATTEMPTS) -> T:
        """Run ``work`` in a write transaction, again (with backoff) if it hit a transient conflict.

        PostgreSQL may abort a transaction for a serialization failure or a
        deadlock, and SQLite may answer ``database is locked`` when a writer
        holds the lock past ``busy_timeout``; the right response to each is to
        run the whole unit of work again. ``work`` must therefore only write
        through ``connection`` (its effects are rolled back with it). Each
        retry is counted in ``retries``, which a pass reports.

        Raises:
            StoreError: the conflict persisted through ``attempts`` runs.
        """
        for attempt in range(attempts):
            try:
                with self.write() as connection:
                    return work(connection)
            except sa.exc.DBAPIError as error:
                if not is_transient(error):
                    raise
                self.retries += 1
                if attempt == attempts - 1:
                    raise StoreError(
                        f"store busy: {type(error.orig).__name__} persisted through "
                        f"{attempts} attempts"
                    ) from error
                time.sleep(min(RETRY_BASE * 2**attempt, 2.0) * (0.5 + random.random()))
        raise AssertionError("unreachable")  # pragma: no cover

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
            # Another worker may store the same bytes at the same moment.
            insert_ignoring_duplicates(
                connection,
                schema.blobs,
                {
                    "sha256": digest,
                    "size": len(data),
                    "compression": "zstd",
                    "data": compressed,
                    "created_at": utcnow(),
                },
                ["sha256"],
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
        # Two workers may meet the same new outlet at once: insert unless either
        # unique column (name, domain) is taken meanwhile, then read it back.
        connection.execute(
            dialect_insert(connection, table)
            .values(name=name, domain=domain, created_at=utcnow())
            .on_conflict_do_nothing()
        )
        condition = table.c.domain == domain if domain else table.c.name == name
        row = connection.execute(sa.select(table.c.id).where(condition)).first()
        if row is None:  # the name was taken by an outlet with another domain
            row = connection.execute(sa.select(table.c.id).where(table.c.name == name)).first()
        assert row is not None
        return int(row.id)


def dialect_insert(connection: Connection, table: sa.Table) -> Any:
    """The dialect's INSERT for ``table``, which has ``on_conflict_do_nothing``/``_update``."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


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
    statement = dialect_insert(connection, table).values(**values)
    if update:
        statement = statement.on_conflict_do_update(index_elements=conflict_columns, set_=update)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=conflict_columns)
    return bool(connection.execute(statement).rowcount)


def text_sha256(text: str) -> str:
    """The digest identifying an extracted text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
