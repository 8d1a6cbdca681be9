"""Quarantine: items whose work was bounded (truncated, failing, quarantined);
leases on feed polls, so two watchers never poll one feed at once.

Revision ID: 0008_quarantine
Revises: 0007_story_discrepancies
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_quarantine"
down_revision = "0007_story_discrepancies"
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
    with op.batch_alter_table("feeds") as feeds:
        feeds.add_column(sa.Column("lease_owner", sa.String(200)))
        feeds.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("feeds") as feeds:
        feeds.drop_column("lease_expires_at")
        feeds.drop_column("lease_owner")
    op.drop_index("ix_quarantine_article_state", table_name="quarantine")
    op.drop_table("quarantine")
