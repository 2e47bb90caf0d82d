"""The ledger's first schema: clues, sources, verifications, sampling rounds, history.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _text(name: str, default: str | None = None) -> sa.Column[str]:
    return sa.Column(name, sa.Text, nullable=False, server_default=default)


def upgrade() -> None:
    op.create_table(
        "ledger_clues",
        sa.Column("clue_id", sa.String(120), primary_key=True),
        *[_text(n, "") for n in ("project", "department", "street", "organization")],
        *[_text(n, "") for n in ("subject", "name", "summary", "verify_points")],
        _text("sources", "[]"),
        _text("id_numbers", "[]"),
        sa.Column("subject_kind", sa.String(20), nullable=False, server_default="person"),
        sa.Column("check_period", sa.String(20), nullable=False, server_default=""),
        sa.Column("amount", sa.Float, nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False, server_default=""),
        sa.Column("state", sa.String(20), nullable=False, server_default="待核查"),
        sa.Column("no_longer_found", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("reopened_from", sa.String(120), nullable=True),
        sa.Column("verify_deadline", sa.Date, nullable=True),
        sa.Column("rectify_deadline", sa.Date, nullable=True),
        _text("disposition", "{}"),
        _text("closure", "{}"),
        sa.Column("sampling_round", sa.Integer, nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False, server_default=""),
        sa.Column("updated_at", sa.String(40), nullable=False, server_default=""),
    )
    op.create_index("ix_ledger_clues_department_state", "ledger_clues", ["department", "state"])
    op.create_table(
        "ledger_sources",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("clue_id", sa.String(120), nullable=False, index=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_key", sa.String(200), nullable=False),
        _text("payload", "{}"),
        sa.Column("added_at", sa.String(40), nullable=False, server_default=""),
        sa.UniqueConstraint("source", "source_key"),
    )
    op.create_table(
        "ledger_verifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("clue_id", sa.String(120), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        *[_text(n) for n in ("elements", "methods", "opinion", "verifier", "evidence")],
        sa.Column("verified_on", sa.Date, nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "ledger_sampling_rounds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *[_text(n) for n in ("department", "population", "drawn", "drawn_by")],
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("drawn_at", sa.String(40), nullable=False),
        sa.Column("closed_at", sa.String(40), nullable=True),
    )
    op.create_table(
        "ledger_events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        _text("actor"),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("clue_id", sa.String(120), nullable=False, server_default=""),
        _text("before"),
        _text("after"),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    head = op.create_table(
        "ledger_chain_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "head": GENESIS, "count": 0}])


def downgrade() -> None:
    for table in (
        "ledger_chain_head",
        "ledger_events",
        "ledger_sampling_rounds",
        "ledger_verifications",
        "ledger_sources",
        "ledger_clues",
    ):
        op.drop_table(table)
