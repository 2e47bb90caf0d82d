"""``exclusive_rosters``: a clue when the same person is also paid by a roster that excludes
this one for the same period; runs as :mod:`~huimin.rules.kinds.registry_match` with the other
roster as the registry."""

from __future__ import annotations

import polars as pl

from huimin.rules.executors import RuleContext
from huimin.rules.kinds.lookup import APPLIES_WHEN, SCOPE, lookup_reads
from huimin.rules.kinds.registry_match import flag_matches
from huimin.rules.kinds.spec import KeySpec, KindSpec
from huimin.rules.model import Rule


def execute(rule: Rule, ctx: RuleContext) -> pl.LazyFrame:
    return flag_matches(rule, ctx, str(rule.spec["roster"]))


SPEC = KindSpec(
    name="exclusive_rosters",
    doc="A clue when the same person is also paid by a roster that excludes this one for "
    "the same period (default condition: the periods overlap).",
    keys={
        "roster": KeySpec("roster", True, "the other roster"),
        "scope": SCOPE,
        "applies_when": APPLIES_WHEN,
        "condition": KeySpec(
            "sql",
            False,
            "when the other payment counts",
            "{roster}.period_start <= period_end AND {roster}.period_end >= period_start",
        ),
    },
    other_key="roster",
    execute=execute,
    reads=lookup_reads,
)
