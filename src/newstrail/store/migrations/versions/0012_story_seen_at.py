"""Stories' ``first_seen``/``last_seen`` are ``first_seen_at``/``last_seen_at``.

Every other timestamp column (and JSON field) ends in ``_at``, and articles
already said ``first_seen_at``: one name for one thing, from the table to the
JSON. ``ALTER TABLE … RENAME COLUMN`` (SQLite 3.25+, PostgreSQL) keeps the
data and any index in place, so no table is copied.

Revision ID: 0012_story_seen_at
Revises: 0011_webhook_addresses
Created: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0012_story_seen_at"
down_revision = "0011_webhook_addresses"
branch_labels = None
depends_on = None

RENAMED = (("first_seen", "first_seen_at"), ("last_seen", "last_seen_at"))


def upgrade() -> None:
    for old, new in RENAMED:
        op.execute(f"ALTER TABLE stories RENAME COLUMN {old} TO {new}")


def downgrade() -> None:
    for old, new in RENAMED:
        op.execute(f"ALTER TABLE stories RENAME COLUMN {new} TO {old}")
