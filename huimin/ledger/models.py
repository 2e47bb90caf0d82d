"""The ledger's tables (问题线索台账), as SQLAlchemy 2 models.

The schema itself is created and changed only by the Alembic migrations in
``huimin/ledger/migrations``; these models describe it for queries. JSON values are stored as
canonical JSON text so that SQLite and PostgreSQL hold the very same bytes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Base of the ledger's models."""


class Clue(Base):
    """One ledger entry: one clue, one visit, whatever its sources."""

    __tablename__ = "ledger_clues"
    __table_args__ = (Index("ix_ledger_clues_department_state", "department", "state"),)

    clue_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    sources: Mapped[str] = mapped_column(Text, default="[]")
    project: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str] = mapped_column(Text, default="")
    street: Mapped[str] = mapped_column(Text, default="")
    organization: Mapped[str] = mapped_column(Text, default="")
    subject_kind: Mapped[str] = mapped_column(String(20), default="person")
    subject: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str] = mapped_column(Text, default="")
    id_numbers: Mapped[str] = mapped_column(Text, default="[]")
    check_period: Mapped[str] = mapped_column(String(20), default="")
    amount: Mapped[float | None] = mapped_column(Float, nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    verify_points: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(20), default="待核查")
    no_longer_found: Mapped[bool] = mapped_column(Boolean, default=False)
    reopened_from: Mapped[str | None] = mapped_column(String(120), nullable=True)
    #: the entry this one was merged into (state 已合并): the same clue from another source
    merged_into: Mapped[str | None] = mapped_column(String(120), nullable=True)
    verify_deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    rectify_deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    disposition: Mapped[str] = mapped_column(Text, default="{}")
    closure: Mapped[str] = mapped_column(Text, default="{}")
    sampling_round: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[str] = mapped_column(String(40), default="")


class ClueSource(Base):
    """Where a ledger entry came from: a district run, a provincial list, a transfer, a tip."""

    __tablename__ = "ledger_sources"
    __table_args__ = (UniqueConstraint("source", "source_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clue_id: Mapped[str] = mapped_column(String(120), index=True)
    source: Mapped[str] = mapped_column(String(20))
    source_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text, default="{}")
    added_at: Mapped[str] = mapped_column(String(40), default="")


class Verification(Base):
    """One verification (核查) or re-check (复核) of a clue, as recorded."""

    __tablename__ = "ledger_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clue_id: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))
    elements: Mapped[str] = mapped_column(Text)
    methods: Mapped[str] = mapped_column(Text)
    opinion: Mapped[str] = mapped_column(Text)
    verifier: Mapped[str] = mapped_column(Text)
    verified_on: Mapped[dt.date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[str] = mapped_column(String(40))


class SamplingRound(Base):
    """A department's draw of its 查否 clues for re-check, with the seed that reproduces it."""

    __tablename__ = "ledger_sampling_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department: Mapped[str] = mapped_column(Text)
    seed: Mapped[int] = mapped_column(BigInteger)
    population: Mapped[str] = mapped_column(Text)
    drawn: Mapped[str] = mapped_column(Text)
    drawn_at: Mapped[str] = mapped_column(String(40))
    drawn_by: Mapped[str] = mapped_column(Text)
    closed_at: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Event(Base):
    """One change, append-only, chained by hash to the one before."""

    __tablename__ = "ledger_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(40))
    clue_id: Mapped[str] = mapped_column(String(120), default="")
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ChainHead(Base):
    """The head hash and the event count, kept apart so a deleted last event shows."""

    __tablename__ = "ledger_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    head: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)
