"""``required_presence``: a clue when the person (or household) is NOT found in a dataset (or
in any of a list of datasets) under a condition, e.g. 困难残疾人生活补贴 needs the household on
低保 that month."""

from __future__ import annotations

import polars as pl

from huimin.rules.context import dataset_schema
from huimin.rules.executors import ROW, RuleContext, evidence, expr
from huimin.rules.kinds.lookup import (
    APPLIES_WHEN,
    JOIN_KEYS,
    SCOPE,
    applicable,
    check_join,
    lookup_reads,
    matches,
)
from huimin.rules.kinds.spec import KeySpec, KindSpec
from huimin.rules.model import Rule


def execute(rule: Rule, ctx: RuleContext) -> pl.LazyFrame:
    """Roster rows found in none of the datasets (one, or a list: present in any counts)."""
    other = SPEC.other_dataset(rule.spec)
    assert other is not None
    names = other if isinstance(other, tuple) else (other,)
    found_parts = []
    for name in names:
        absent = [
            pl.lit(None, pl.Struct(dict(dataset_schema(n)))).alias(n) for n in names if n != name
        ]
        matched = matches(rule, ctx, name, condition=False).with_columns(absent)
        condition = rule.spec.get("condition")
        if condition:
            matched = matched.filter(expr(str(condition)))
        found_parts.append(matched.select(ROW))
    found = pl.concat(found_parts).unique()
    missing = applicable(rule, ctx.roster).join(found, on=ROW, how="anti")
    return missing.with_columns(evidence(rule))


SPEC = KindSpec(
    name="required_presence",
    doc="A clue when the person (or household) is NOT found in a dataset under a condition, "
    "e.g. 困难残疾人生活补贴 needs the household on 低保 that month.",
    keys={
        "dataset": KeySpec(
            "datasets",
            True,
            "where the person must appear; a list means: found in any of them (the "
            "condition then names each, e.g. dibao.x ... OR tekun.y ...)",
        ),
        "scope": SCOPE,
        "applies_when": APPLIES_WHEN,
        "condition": KeySpec("sql", False, "when a row of that dataset counts"),
        **JOIN_KEYS,
    },
    other_key="dataset",
    needs_every_part=True,
    execute=execute,
    check=check_join,
    reads=lookup_reads,
)
