"""The clue report's section "Rule feedback (规则核查反馈)": for each rule of the run, the
clues it raised in the verification ledger and what the streets found (查实率).

The ledger is only read. One that cannot be opened or read does not fail the run: the section
says so, naming the ledger masked, and so does the run's summary. Without a ledger the
section says in one line that none was given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from alembic.util.exc import CommandError
from sqlalchemy.exc import SQLAlchemyError

from huimin.errors import ConfigError
from huimin.ledger.feedback import (
    LOW_RATE,
    LOW_RATE_MIN_VERIFIED,
    RuleInfo,
    clue_rules,
    district_entries,
    feedback_table,
    open_existing,
    shown_ledger,
    unattributed,
)
from huimin.redact import redact

NO_RATE = "—"


@dataclass(frozen=True)
class FeedbackSection:
    """What the section shows; ``ledger`` is empty when the run was given none."""

    ledger: str = ""
    problem: str = ""
    history: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    unattributed: int = 0
    entries: int = 0

    @property
    def low(self) -> list[str]:
        return [row["rule_id"] for row in self.rows if row["low"]]

    def summary_line(self) -> str | None:
        """One line for the run's summary (None without a ledger)."""
        if not self.ledger:
            return None
        if self.problem:
            return f"rule feedback: not shown, {self.problem}"
        low = f": {', '.join(self.low)}" if self.low else ""
        return (
            f"rule feedback from ledger {self.ledger} ({self.history}): "
            f"{len(self.low)} rules with a low 查实率{low}"
        )

    def manifest(self) -> dict[str, Any] | None:
        if not self.ledger:
            return None
        return {
            "summary": self.summary_line(),
            "ledger": self.ledger,
            "problem": self.problem,
            "history": self.history,
            "district_entries": self.entries,
            "without_rules": self.unattributed,
            "low_rate_rules": self.low,
        }


def _rate(value: float | None) -> str:
    return NO_RATE if value is None else f"{value:.1%}"


def _rows(table: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "rule_id": redact(str(row["rule_id"])),
            "project": redact(str(row["project"])),
            "title": redact(str(row["title"])),
            "raised": row["raised"],
            "verified": row["verified"],
            "confirmed": row["confirmed"],
            "unfounded": row["unfounded"],
            "pending": row["pending"],
            "no_longer_found": row["no_longer_found"],
            "rate": _rate(row["confirmed_rate"]),
            "low": bool(row["low_rate"]),
        }
        for row in table.iter_rows(named=True)
    ]


def feedback_section(
    ledger: str | None,
    rules: Mapping[str, RuleInfo],
    run_folder: Path,
    previous: Path | None = None,
) -> FeedbackSection:
    """The section for the rules of ``rules`` (the run's catalogue), from ``ledger``.

    The ledger's district clues are tied to their rules by the run's clues and the previous
    run's (:func:`huimin.ledger.feedback.clue_rules`) where the ledger does not record them.
    """
    if ledger is None:
        return FeedbackSection()
    name = redact(shown_ledger(ledger))
    rules_of = clue_rules(*(f for f in (run_folder, previous) if f is not None))
    try:
        opened = open_existing(ledger)
    except ConfigError as exc:
        return FeedbackSection(ledger=name, problem=redact(str(exc)))
    except (CommandError, SQLAlchemyError, OSError):
        return FeedbackSection(ledger=name, problem=f"ledger {name}: cannot be opened")
    try:
        with opened.read() as session:
            entries = district_entries(session, rules_of)
        head = opened.head()
    except SQLAlchemyError:
        return FeedbackSection(ledger=name, problem=f"ledger {name}: cannot be read")
    finally:
        opened.dispose()
    table = feedback_table(entries, described=rules)
    table = table.filter(pl.col("rule_id").is_in(list(rules)))
    return FeedbackSection(
        ledger=name,
        history=head.line(),
        rows=_rows(table),
        unattributed=unattributed(entries),
        entries=entries.height,
    )


def thresholds() -> dict[str, Any]:
    """The low-rate rule as the section explains it."""
    return {"rate": f"{LOW_RATE:.0%}", "min_verified": LOW_RATE_MIN_VERIFIED}
