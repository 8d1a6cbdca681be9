"""Story analyses hold discrepancies; quotes are re-extracted as statements.

``story_analyses.discrepancies`` keeps the figures a story's outlets (or an
article's versions) state differently. Stored quotes were extracted with
every attribution PolNeAR annotates (beliefs, plans, headlines); a story now
shows statements only, so the stored quotes and analyses are dropped: both are
derived from stored versions, nothing is lost, and every story is stale until
the next job (a watcher's first pass, an import, ``stories --rebuild``)
analyses it again.

Revision ID: 0007_story_discrepancies
Revises: 0006_extraction_evidence
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_story_discrepancies"
down_revision = "0006_extraction_evidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("story_analyses") as batch:
        batch.add_column(sa.Column("discrepancies", sa.JSON(), nullable=True))
    op.execute("DELETE FROM search_index WHERE kind = 'quote'")
    op.execute("UPDATE quotes SET group_id = NULL")
    op.execute("DELETE FROM quote_groups")
    op.execute("DELETE FROM quotes")
    op.execute("DELETE FROM story_analyses")


def downgrade() -> None:
    with op.batch_alter_table("story_analyses") as batch:
        batch.drop_column("discrepancies")
