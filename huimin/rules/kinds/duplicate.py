"""``duplicate``: a clue for every payment after the first of the same key (default: the same
subject in the same period), e.g. paid twice or by two schools."""

from __future__ import annotations

import polars as pl

from huimin.contract import DATASETS
from huimin.rules.executors import RuleContext, evidence, expr
from huimin.rules.kinds.spec import KeySpec, KindSpec
from huimin.rules.model import Rule


def _order_columns(ctx: RuleContext, rule: Rule) -> list[pl.Expr]:
    """A content-based order (never the file's row order), so results do not depend on it."""
    given = [expr(text) for text in rule.spec.get("order_by") or []]
    model = DATASETS[ctx.rule_file.policy]
    contract = [pl.col(f.name) for f in model.field_specs()]
    return [*given, *contract]


def execute(rule: Rule, ctx: RuleContext) -> pl.LazyFrame:
    keys = [expr(text) for text in rule.spec.get("key") or ["subject", "period"]]
    key_names = [f"__key{i}__" for i in range(len(keys))]
    rows = ctx.roster
    condition = rule.spec.get("condition")
    if condition:
        rows = rows.filter(expr(str(condition)))
    order = _order_columns(ctx, rule)
    order_names = [f"__order{i}__" for i in range(len(order))]
    rows = rows.with_columns(
        *[k.alias(n) for k, n in zip(keys, key_names, strict=True)],
        *[o.alias(n) for o, n in zip(order, order_names, strict=True)],
    ).sort([*key_names, *order_names], nulls_last=True)
    rank = pl.int_range(pl.len()).over(key_names)
    # what the first payment was (by content, never by row number, which moves with the file)
    first = [
        expr(text).first().over(key_names).alias(f"first payment: {text}") for text in rule.evidence
    ]
    flagged = rows.with_columns(rank.alias("__rank__")).with_columns(first)
    flagged = flagged.filter(pl.col("__rank__") > 0)
    flagged = flagged.with_columns(evidence(rule, [pl.col(f.meta.output_name()) for f in first]))
    return flagged.drop(
        [*key_names, *order_names, "__rank__", *[f.meta.output_name() for f in first]]
    )


SPEC = KindSpec(
    name="duplicate",
    doc="A clue for every payment after the first of the same key (default: the same "
    "subject in the same period), e.g. paid twice or by two schools.",
    keys={
        "key": KeySpec("sql_list", False, "what makes two payments the same", None),
        "order_by": KeySpec(
            "sql_list", False, "which payment counts as the first (earliest first)", None
        ),
        "condition": KeySpec("sql", False, "only rows where this holds are compared"),
    },
    execute=execute,
)
