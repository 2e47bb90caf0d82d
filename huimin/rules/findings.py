"""Findings: what one rule found on one subject in one check period, with the facts.

A rule flags roster rows (payments). The rows of one subject — the person; the roster's
household (保障户) for household rules; the project for 高标准农田; the account for a shared
bank account — in one check period (the audit year by default) make one finding, which keeps
every payment it concerns (``hits``), the periods as ranges, the facts of the registry, the
parameter values used and the street worker's account (``summary``, ``verify``) rendered from
the rule's templates. Findings on one subject and project make one clue (:mod:`clues`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import polars as pl

from huimin.contract import DATASETS, Dataset
from huimin.rules.executors import ENGINE, EVIDENCE, MEMBER, ROW
from huimin.rules.model import Rule, RuleFile
from huimin.rules.templates import placeholders, render

HIT = pl.Struct(
    {"row": pl.Int64(), "subject": pl.String(), "period": pl.String(), "amount": pl.Float64()}
)
FINDING_SCHEMA: dict[str, pl.DataType] = {
    "clue_id": pl.String(),
    "rule_id": pl.String(),
    "title": pl.String(),
    "severity": pl.String(),
    "project": pl.String(),
    "department": pl.String(),
    "subject_kind": pl.String(),
    "subject": pl.String(),
    "check_period": pl.String(),
    "periods": pl.List(pl.String()),
    "periods_text": pl.String(),
    "amount": pl.Float64(),
    "id_numbers": pl.List(pl.String()),
    "name": pl.String(),
    "street": pl.String(),
    "organization": pl.String(),
    "facts": pl.String(),
    "parameters": pl.String(),
    "summary": pl.String(),
    "verify": pl.String(),
    "reference": pl.String(),
    "source_file": pl.String(),
    "hits": pl.List(HIT),
}
ORGANIZATION_FIELDS = ("dealer", "school_name")
NAME_FIELDS = ("name", "recipient_name")
SUBJECT_KINDS_ZH = {"person": "个人", "household": "家庭", "project": "项目", "account": "账户"}
CHECK_PERIODS = ("year", "month")
#: put before the account of a finding judged on an example value (only with the flag that
#: includes them): no document confirms the value it was compared with
UNCONFIRMED = "【参数未经确认（示例值），仅供参考】"


def subject_kind(rule: Rule, rule_file: RuleFile) -> str:
    """What one clue of this rule is about: person, household, project or account."""
    model = DATASETS[rule_file.policy]
    columns = model.polars_schema().names()
    if rule.kind == "aggregate" and str(rule.spec.get("group_by")) == "bank_account":
        return "account"
    if model.__subject_field__ not in (None, "id_number"):
        return "project"
    if rule.spec.get("scope") == "household" and "household_id" in columns:
        return "household"
    return "person"


def _subject_expr(kind: str) -> pl.Expr:
    if kind == "household":
        return pl.col("household_id").cast(pl.String)
    if kind == "account":
        return pl.col("bank_account").cast(pl.String)
    return pl.col("subject").cast(pl.String)


def _check_period(mode: str) -> pl.Expr:
    if mode == "month":
        return pl.col("period").cast(pl.String)
    return pl.col("period_start").dt.year().cast(pl.String)


def _first_present(model: type[Dataset], names: tuple[str, ...]) -> pl.Expr:
    fields = model.polars_schema().names()
    for name in names:
        if name in fields:
            return pl.col(name).cast(pl.String)
    return pl.lit(None, pl.String)


def used_parameters(rule: Rule, rule_file: RuleFile) -> list[str]:
    """The local names of the parameters a rule's condition, keys or evidence use."""
    text = " ".join([str(v) for v in rule.spec.values()] + list(rule.evidence))
    return [name for name in rule_file.parameters if f"param.{name}" in text]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _facts_json(frame: pl.DataFrame, params: list[str]) -> list[pl.Series]:
    """Per row: the evidence as JSON (registry facts and parameter values), and the
    parameters used with the status and source of the value in force."""
    extra = [c for c in ("param", "param_status", "param_source") if c in frame.columns]
    names = [EVIDENCE, *extra] if params else [EVIDENCE]
    # rows often repeat their facts (a person paid every month): each text is written once
    # for the values it shows (their repr tells every value that prints differently apart)
    texts: dict[str, tuple[str, str]] = {}
    facts, used = [], []
    for values in frame.select(names).iter_rows():
        key = repr(values)
        if key not in texts:
            texts[key] = _row_facts(dict(zip(names, values, strict=True)), params)
        facts.append(texts[key][0])
        used.append(texts[key][1])
    return [
        pl.Series("__facts__", facts, dtype=pl.String),
        pl.Series("__params__", used, dtype=pl.String),
    ]


def _row_facts(row: dict[str, Any], params: list[str]) -> tuple[str, str]:
    evidence = {k: _plain(v) for k, v in (row[EVIDENCE] or {}).items() if k != "_"}
    described = {}
    for name in params:
        value = _plain((row.get("param") or {}).get(name))
        evidence[f"param.{name}"] = value
        described[name] = {
            "value": value,
            "status": (row.get("param_status") or {}).get(name),
            "source": (row.get("param_source") or {}).get(name),
        }
    return (
        json.dumps(evidence, ensure_ascii=False, sort_keys=True, default=str),
        json.dumps(described, ensure_ascii=False, sort_keys=True, default=str),
    )


def _member_columns(frame: pl.DataFrame) -> list[pl.Expr]:
    if MEMBER in frame.columns:
        member = pl.col(MEMBER)
        return [
            member.struct.field("id_number").cast(pl.String).alias("__member_id__"),
            member.struct.field("name").cast(pl.String).alias("__member_name__"),
            member.struct.field("relation").cast(pl.String).alias("__member_relation__"),
        ]
    return [
        pl.lit(None, pl.String).alias(name)
        for name in ("__member_id__", "__member_name__", "__member_relation__")
    ]


def findings_for_rule(
    rule: Rule,
    rule_file: RuleFile,
    flagged: pl.DataFrame,
    source_file: str | None,
    check_period: str = "year",
) -> pl.DataFrame:
    """One finding per subject and check period of the rows ``rule`` flagged."""
    if flagged.height == 0:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    model = DATASETS[rule_file.policy]
    kind = subject_kind(rule, rule_file)
    amount = pl.col("amount") if "amount" in flagged.columns else pl.lit(None, pl.Float64)
    street = pl.col("street") if "street" in flagged.columns else pl.lit(None, pl.String)
    rows = (
        flagged.lazy()
        .with_columns(
            *_facts_json(flagged, used_parameters(rule, rule_file)),
            *_member_columns(flagged),
            _subject_expr(kind).alias("__subject__"),
            _check_period(check_period).alias("__check__"),
            amount.cast(pl.Float64).alias("__amount__"),
            street.cast(pl.String).alias("__street__"),
            _first_present(model, ORGANIZATION_FIELDS).alias("__org__"),
            _first_present(model, NAME_FIELDS).alias("__name__"),
            pl.col("subject").cast(pl.String).alias("__person__"),
            pl.col("period").cast(pl.String).alias("__period__"),
        )
        .filter(pl.col("__subject__").is_not_null())
    )
    hit = pl.struct(
        pl.col(ROW).cast(pl.Int64).alias("row"),
        pl.col("__person__").alias("subject"),
        pl.col("__period__").alias("period"),
        pl.col("__amount__").alias("amount"),
    )
    grouped = (
        rows.sort(["__subject__", "__check__", "__period__", "__person__", "__facts__"])
        .group_by(["__subject__", "__check__"], maintain_order=True)
        .agg(
            pl.col("__period__").unique().sort().alias("periods"),
            hit.unique(maintain_order=True).alias("hits"),
            pl.col("__amount__").sum().round(2).alias("amount"),
            pl.concat_list("__person__", "__member_id__")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .drop_nulls()
            .unique()
            .sort()
            .alias("id_numbers"),
            # content-based choices, so a finding does not depend on the order of rows
            pl.col("__name__").min().alias("name"),
            pl.col("__street__").min().alias("street"),
            pl.col("__org__").min().alias("organization"),
            pl.col("__facts__").min().alias("facts"),
            pl.col("__params__").min().alias("parameters"),
            pl.col("__member_name__").drop_nulls().unique().sort().alias("__member_names__"),
            pl.col("__member_relation__").drop_nulls().unique().sort().alias("__relations__"),
            pl.struct("__member_id__", "__member_name__", "__member_relation__")
            .filter(pl.col("__member_id__").is_not_null())
            .unique()
            .sort()
            .alias("__members__"),
        )
    ).collect(engine=ENGINE)
    return _with_texts(grouped, rule, rule_file, kind, source_file)


def periods_text(periods: list[str]) -> str:
    """``2023-04至2023-06、2023-09``: consecutive months as ranges; other periods listed."""
    months = [p for p in periods if len(p) == 7 and p[4] == "-"]
    if len(months) != len(periods):
        return "、".join(periods)
    index = sorted({int(p[:4]) * 12 + int(p[5:]) - 1 for p in months})
    ranges: list[tuple[int, int]] = []
    for value in index:
        if ranges and value == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], value)
        else:
            ranges.append((value, value))

    def month(value: int) -> str:
        return f"{value // 12:04d}-{value % 12 + 1:02d}"

    return "、".join(month(a) if a == b else f"{month(a)}至{month(b)}" for a, b in ranges)


def shown(value: Any) -> str:
    """A value as a street worker reads it: dates ISO, money with thousands separators."""
    if value is None:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        text = f"{value:,.2f}"
        return text[:-3] if text.endswith(".00") else text
    if isinstance(value, list):
        return "、".join(shown(v) for v in value)
    return str(value)


def _values(
    row: Mapping[str, Any], rule_file: RuleFile, kind: str, wanted: frozenset[str]
) -> dict[str, str]:
    """The placeholders' values for one finding: the facts and the fields every template may
    use (those the templates do not name, ``wanted`` leaves out, are not worked out)."""
    facts = json.loads(row["facts"] or "{}")
    values = {key: shown(value) for key, value in facts.items() if key in wanted}
    values.update(
        {
            "name": shown(row["name"]),
            "subject_kind": SUBJECT_KINDS_ZH[kind],
            "street": shown(row["street"]),
            "organization": shown(row["organization"]),
            "project": rule_file.project,
            "periods": periods_text(list(row["periods"])),
            "months": str(len(row["periods"])),
            "total": shown(row["amount"]),
        }
    )
    if "member.name" in wanted:
        values["member.name"] = shown(list(row["__member_names__"]) or None)
    if "member.relation" in wanted:
        values["member.relation"] = shown(list(row["__relations__"]) or None)
    if "members" in wanted:
        values["members"] = shown(
            [
                f"{m['__member_name__']}（{m['__member_relation__']}）"
                if m["__member_relation__"]
                else str(m["__member_name__"])
                for m in row["__members__"]
            ]
            or None
        )
    return values


#: the columns of a grouped finding its texts are made of
TEXT_FIELDS = [
    "facts",
    "parameters",
    "name",
    "street",
    "organization",
    "periods",
    "amount",
    "__member_names__",
    "__relations__",
    "__members__",
]


def _with_texts(
    grouped: pl.DataFrame, rule: Rule, rule_file: RuleFile, kind: str, source_file: str | None
) -> pl.DataFrame:
    summaries, verifies, texts = [], [], []
    wanted = frozenset(placeholders(rule.summary or "") + placeholders(rule.verify or ""))
    examples: dict[str, bool] = {}  # parameters' text → whether a value is an example
    for row in grouped.select(TEXT_FIELDS).iter_rows(named=True):
        values = _values(row, rule_file, kind, wanted)
        texts.append(values["periods"])
        summary = render(rule.summary, values) if rule.summary else rule.title
        used = row["parameters"] or "{}"
        if used not in examples:
            statuses = {p.get("status") for p in json.loads(used).values()}
            examples[used] = "example" in statuses
        if examples[used]:
            summary = f"{UNCONFIRMED}{summary}"
        summaries.append(summary)
        verifies.append(render(rule.verify, values) if rule.verify else "")
    return grouped.with_columns(
        pl.lit(None, pl.String).alias("clue_id"),
        pl.lit(rule.id).alias("rule_id"),
        pl.lit(rule.title).alias("title"),
        pl.lit(rule.severity).alias("severity"),
        pl.lit(rule_file.project).alias("project"),
        pl.lit(rule_file.department).alias("department"),
        pl.lit(kind).alias("subject_kind"),
        pl.col("__subject__").alias("subject"),
        pl.col("__check__").alias("check_period"),
        pl.Series("periods_text", texts, dtype=pl.String),
        pl.Series("summary", summaries, dtype=pl.String),
        pl.Series("verify", verifies, dtype=pl.String),
        pl.lit(rule.reference).alias("reference"),
        pl.lit(source_file, pl.String).alias("source_file"),
    ).select([pl.col(name).cast(dtype) for name, dtype in FINDING_SCHEMA.items()])
