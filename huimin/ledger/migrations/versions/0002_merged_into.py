"""An entry merged into another one (state 已合并) names it: ``ledger_clues.merged_into``.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ledger_clues", sa.Column("merged_into", sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_clues") as batch:
        batch.drop_column("merged_into")
