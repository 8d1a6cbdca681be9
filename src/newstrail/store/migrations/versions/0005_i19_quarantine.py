"""Quarantine: items whose work was bounded (truncated, failing, quarantined).

Revision ID: 0005_i19_quarantine
Revises: 0004
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_i19_quarantine"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE")),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "key", "stage", name="uq_quarantine_item_stage"),
    )
    op.create_index("ix_quarantine_article_state", "quarantine", ["article_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_quarantine_article_state", table_name="quarantine")
    op.drop_table("quarantine")
