"""Extraction evidence per version, and what the feed entry said per article.

``versions.evidence``: which evidence gave each extracted field (``date_source``:
``json-ld``, ``feed``, ``htmldate`` …; ``title_source``, ``author_source``,
``site_source``, ``language_source``), the page's stated modification date and
its ``isAccessibleForFree`` flag. ``articles.feed_entry``: the title, date and
author the feed listed the article with, weighed by extraction at every check
(and when a stored capture is re-extracted). Both are nullable JSON: rows from
before this revision have none.

Revision ID: 0006_extraction_evidence
Revises: 0005_i17_operations
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_extraction_evidence"
down_revision = "0005_i17_operations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("evidence", sa.JSON(), nullable=True))
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("feed_entry", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("feed_entry")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("evidence")
