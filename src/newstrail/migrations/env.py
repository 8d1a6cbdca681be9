"""Alembic environment: runs migrations on the connection newstrail hands it."""

from __future__ import annotations

from alembic import context

from newstrail.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for `alembic` CLI use by developers
    raise RuntimeError("run migrations through newstrail.store.migrate()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
)
with context.begin_transaction():
    context.run_migrations()
