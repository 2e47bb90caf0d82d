"""Apply rule files to staged data and produce clues (问题线索), one per rule, subject and period.

A clue id is derived from the rule id, the subject and the period only, so the same inputs
and rules give the same clues whatever the order of rows or how often the run is repeated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from huimin.rules.executors import EVIDENCE, EXECUTORS, ROW, PreparedData, RuleContext
from huimin.rules.model import Rule, RuleFile, rule_needs
from huimin.rules.params import param_struct
from schemas import DATASETS, ContractModel

CLUE_SCHEMA: dict[str, pl.DataType] = {
    "clue_id": pl.String(),
    "rule_id": pl.String(),
    "title": pl.String(),
    "project": pl.String(),
    "department": pl.String(),
    "street": pl.String(),
    "organization": pl.String(),
    "subject": pl.String(),
    "name": pl.String(),
    "period": pl.String(),
    "amount": pl.Float64(),
    "severity": pl.String(),
    "evidence": pl.String(),
    "source_file": pl.String(),
    "source_row": pl.Int64(),
}
ORGANIZATION_FIELDS = ("dealer", "school_name")
NAME_FIELDS = ("name", "recipient_name")


@dataclass
class RuleRun:
    """Clues of one run, how many each rule produced, and the rules not evaluated (why, and
    whether quietly: a dataset declared absent is not a failure)."""

    clues: pl.DataFrame
    per_rule: dict[str, int] = field(default_factory=dict)
    not_evaluated: list[tuple[str, str, bool]] = field(default_factory=list)


def clue_id(rule_id: str, subject: str, period: str) -> str:
    digest = hashlib.sha256(f"{rule_id}|{subject}|{period}".encode()).hexdigest()
    return f"HM-{digest[:16].upper()}"


def roster_frame(rule_file: RuleFile, data: PreparedData) -> pl.LazyFrame:
    """The policy roster with derived columns and the parameters in force for each row."""
    frame = data.dataset(rule_file.policy)
    return frame.with_columns(param_struct(rule_file.parameters.values(), pl.col("period_start")))


def _first_present(model: type[ContractModel], names: Iterable[str]) -> pl.Expr:
    fields = model.polars_schema().names()
    for name in names:
        if name in fields:
            return pl.col(name).cast(pl.String)
    return pl.lit(None, pl.String)


def _param_evidence(rule: Rule, rule_file: RuleFile) -> list[str]:
    text = " ".join([str(v) for v in rule.spec.values()] + list(rule.evidence))
    return [name for name in rule_file.parameters if f"param.{name}" in text]


def _evidence_json(frame: pl.DataFrame, params: list[str]) -> pl.Series:
    columns = [EVIDENCE] + (["param"] if params else [])
    values = []
    for row in frame.select(columns).iter_rows(named=True):
        evidence = {k: v for k, v in (row[EVIDENCE] or {}).items() if k != "_"}
        if params:
            used = row["param"] or {}
            evidence.update({f"param.{name}": used.get(name) for name in params})
        values.append(json.dumps(evidence, ensure_ascii=False, sort_keys=True, default=str))
    return pl.Series("evidence", values, dtype=pl.String)


def clues_for_rule(
    rule: Rule, rule_file: RuleFile, ctx: RuleContext, source_file: str | None
) -> pl.DataFrame:
    """Run one rule; one clue per subject and period (amounts of its flagged rows summed)."""
    model = DATASETS[rule_file.policy]
    flagged = EXECUTORS[rule.kind](rule, ctx).collect()
    if flagged.height == 0:
        return pl.DataFrame(schema=CLUE_SCHEMA)
    flagged = flagged.sort(["subject", "period", ROW]).with_columns(
        _evidence_json(flagged.sort(["subject", "period", ROW]), _param_evidence(rule, rule_file))
    )
    amount = pl.col("amount") if "amount" in flagged.columns else pl.lit(None, pl.Float64)
    street = pl.col("street") if "street" in flagged.columns else pl.lit(None, pl.String)
    grouped = (
        flagged.with_columns(
            amount.cast(pl.Float64).alias("__amount__"),
            street.cast(pl.String).alias("__street__"),
            _first_present(model, ORGANIZATION_FIELDS).alias("__org__"),
            _first_present(model, NAME_FIELDS).alias("__name__"),
        )
        .group_by(["subject", "period"], maintain_order=True)
        .agg(
            # content-based choices, so the clue does not depend on the order of rows
            pl.col("__amount__").sum().round(2).alias("amount"),
            pl.col("__street__").min().alias("street"),
            pl.col("__org__").min().alias("organization"),
            pl.col("__name__").min().alias("name"),
            pl.col("evidence").min(),
            pl.col(ROW).min().alias("source_row"),
        )
    )
    ids = [clue_id(rule.id, str(s), str(p)) for s, p in grouped.select("subject", "period").rows()]
    return grouped.with_columns(
        pl.Series("clue_id", ids, dtype=pl.String),
        pl.lit(rule.id).alias("rule_id"),
        pl.lit(rule.title).alias("title"),
        pl.lit(rule_file.project).alias("project"),
        pl.lit(rule_file.department).alias("department"),
        pl.lit(rule.severity).alias("severity"),
        pl.lit(source_file, pl.String).alias("source_file"),
        pl.col("subject").cast(pl.String),
        pl.col("period").cast(pl.String),
    ).select([pl.col(name).cast(dtype) for name, dtype in CLUE_SCHEMA.items()])


def unmet_need(
    rule: Rule, rule_file: RuleFile, usable: Callable[[str], tuple[bool, str, bool]]
) -> tuple[str, bool] | None:
    """Why ``rule`` cannot be evaluated (reason, quiet), or None when all it reads is there.

    ``usable(dataset)`` says whether a dataset is usable, and if not why and whether quietly.
    A pooled dataset (低保, urban or rural) needs one of its parts: with a part missing the
    rule sees fewer rows and may miss a clue, never make a false one (and the run reports the
    missing part anyway).
    """
    needs = rule_needs(rule, rule_file)
    for name in sorted(needs.all_of):
        ok, reason, quiet = usable(name)
        if not ok:
            return reason, quiet
    for group in needs.any_of:
        states = [usable(name) for name in sorted(group)]
        if any(ok for ok, _, _ in states):
            continue
        loud = [(reason, quiet) for _, reason, quiet in states if not quiet]
        return loud[0] if loud else (states[0][1], True)
    return None


def run_rules(
    rule_files: Iterable[RuleFile],
    staged: Mapping[str, pl.LazyFrame],
    source_files: Mapping[str, str] | None = None,
    usable: Callable[[str], tuple[bool, str, bool]] | None = None,
    *,
    as_of: dt.date,
) -> RuleRun:
    """Every rule of every file over the staged datasets, judged as of ``as_of`` (the
    ``as_of`` column conditions see); clues sorted by clue id.

    A rule that reads a dataset not in ``staged`` is not evaluated (never run against an
    empty stand-in: "nobody is there" would raise false clues); ``usable`` explains why.
    """
    frames, per_rule, skipped = [], {}, []
    data = PreparedData(dict(staged), as_of)

    def default(name: str) -> tuple[bool, str, bool]:
        return name in staged, f"{name} is missing from the input", False

    check = usable or default
    for rule_file in rule_files:
        roster: pl.LazyFrame | None = None
        source = (source_files or {}).get(rule_file.policy)
        for rule in rule_file.rules:
            unmet = unmet_need(rule, rule_file, check)
            if unmet is not None:
                skipped.append((rule.id, unmet[0], unmet[1]))
                continue
            if roster is None:
                roster = roster_frame(rule_file, data)
            ctx = RuleContext(data, rule_file, roster)
            clues = clues_for_rule(rule, rule_file, ctx, source)
            per_rule[rule.id] = clues.height
            frames.append(clues)
    clues = pl.concat(frames) if frames else pl.DataFrame(schema=CLUE_SCHEMA)
    return RuleRun(clues.sort("clue_id"), per_rule, skipped)


def load_staged(paths: Mapping[str, Path]) -> dict[str, pl.LazyFrame]:
    """The given staged datasets (this run's, and only those)."""
    return {name: pl.scan_parquet(path) for name, path in sorted(paths.items()) if name in DATASETS}
