"""``registry_match``: a clue when the person (or a household member) appears in a registry or
another roster under a condition, e.g. paid for a month after death."""

from __future__ import annotations

import polars as pl

from huimin.rules.executors import MEMBER, ROW, RuleContext, evidence
from huimin.rules.kinds.lookup import (
    APPLIES_WHEN,
    JOIN_KEYS,
    SCOPE,
    check_join,
    lookup_reads,
    matches,
)
from huimin.rules.kinds.spec import KeySpec, KindSpec
from huimin.rules.model import Rule


def execute(rule: Rule, ctx: RuleContext) -> pl.LazyFrame:
    return flag_matches(rule, ctx, str(rule.spec["registry"]))


def flag_matches(rule: Rule, ctx: RuleContext, other: str) -> pl.LazyFrame:
    """Roster rows with a counting row of ``other`` (at least ``at_least`` of them); the
    evidence is that of the first, in ``other``'s row order."""
    hits = matches(rule, ctx, other)
    household = rule.spec.get("scope") == "household"
    extra = [pl.col(MEMBER).struct.field("id_number").alias("member")] if household else []
    at_least = int(rule.spec.get("at_least") or 1)
    if at_least > 1:
        hits = hits.with_columns(pl.len().over(ROW).alias("matches")).filter(
            pl.col("matches") >= at_least
        )
        extra.append(pl.col("matches"))
    hits = hits.with_columns(evidence(rule, extra))
    order = [pl.col(other).struct.field(ROW).alias("__other_row__")]
    hits = hits.with_columns(order)
    first = hits.sort([ROW, "__other_row__"]).unique(
        subset=[ROW], keep="first", maintain_order=True
    )
    via = str(rule.spec.get("via") or "")
    return first.drop("__other_row__", "__key__", other, via, "matches", strict=False)


SPEC = KindSpec(
    name="registry_match",
    doc="A clue when the person (or a household member) appears in a registry or another "
    "roster under a condition, e.g. paid for a month after death.",
    keys={
        "registry": KeySpec("dataset", True, "the dataset to look in, e.g. deaths"),
        "scope": SCOPE,
        "applies_when": APPLIES_WHEN,
        "condition": KeySpec("sql", False, "when a registry row counts (default: any)"),
        "at_least": KeySpec("int", False, "how many counting rows make a clue (e.g. 2 homes)", 1),
        **JOIN_KEYS,
    },
    other_key="registry",
    execute=execute,
    check=check_join,
    reads=lookup_reads,
)
