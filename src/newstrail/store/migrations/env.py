"""Alembic environment: runs migrations on the connection newstrail hands it."""

from __future__ import annotations

from alembic import context

from newstrail.errors import StoreError
from newstrail.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for `alembic` CLI use by developers
    raise StoreError("run migrations through newstrail.store.database.migrate()")


def declared(name: str | None, type_: str, _parent: object) -> bool:
    """Leave the full-text index to hand-written migrations (FTS5 / tsvector per dialect)."""
    return not (type_ == "table" and name is not None and name.startswith("search_index"))


context.configure(
    connection=connection,
    target_metadata=metadata,
    include_name=declared,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
)
with context.begin_transaction():
    context.run_migrations()
