"""Webhook receivers on private addresses only when allowed.

``alerts.allow_private`` (default false): a webhook whose host resolves to a
private, loopback or link-local address is delivered only when its alert was
added with ``--allow-private`` (or the ``allow_private`` setting is on), the
rule fetching already follows. Existing alerts start without it.

Revision ID: 0011_webhook_addresses
Revises: 0010_i18b_search_stemming
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_webhook_addresses"
down_revision = "0010_i18b_search_stemming"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as alerts:
        alerts.add_column(
            sa.Column("allow_private", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("alerts") as alerts:
        alerts.drop_column("allow_private")
