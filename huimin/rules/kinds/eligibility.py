"""``eligibility``: a clue for each roster row where the condition holds (age, amount against
the standard in force, amount not the tier's ...)."""

from __future__ import annotations

import polars as pl

from huimin.rules.executors import RuleContext, evidence, expr
from huimin.rules.kinds.spec import KeySpec, KindSpec
from huimin.rules.model import Rule


def execute(rule: Rule, ctx: RuleContext) -> pl.LazyFrame:
    flagged = ctx.roster.filter(expr(str(rule.spec["condition"])))
    return flagged.with_columns(evidence(rule))


SPEC = KindSpec(
    name="eligibility",
    doc="A clue for each roster row where the condition holds (age, amount against the "
    "standard in force, amount not the tier's ...).",
    keys={"condition": KeySpec("sql", True, "true for a suspicious row")},
    execute=execute,
)
