"""What the change check found per version, and extraction health per source.

``versions.verification``: for a capture whose text differed from the article's
last good version, what checking the difference against both captures' raw
HTML found (``reason``, the edits dismissed and why, the access state the page
declares, the extraction health figures). ``versions.kind`` gains three values
(the column is a string, so no schema change): ``template`` (only the page
template or the extraction differed), ``suspect`` (held back while the
source's extraction is degraded) and ``teaser`` (a restricted or truncated
page, never diffed against a full text).

``source_health``: per source, the recent extraction assessments and whether
the source is flagged as degraded, since when and why.

Revision ID: 0009_change_checks
Revises: 0008_quarantine
Created: 2026-12-09
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_change_checks"
down_revision = "0008_quarantine"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("verification", sa.JSON(), nullable=True))
    op.create_table(
        "source_health",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extractor", sa.String(100), nullable=True),
        sa.Column("window", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name="fk_source_health_source_id_sources",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", name="pk_source_health"),
    )


def downgrade() -> None:
    op.drop_table("source_health")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("verification")
