"""``aggregate``: a clue on every row of a group that has too many distinct values, e.g. one
bank account paying several unrelated households; ``across`` pools other rosters into the
groups, so the rule's SQL must also read over each of them (checked here at load time)."""

from __future__ import annotations

import functools

import polars as pl

from huimin.rules.executors import RuleContext, evidence, expr
from huimin.rules.kinds.spec import KeySpec, KindSpec, RuleCheck
from huimin.rules.model import Rule


def execute(rule: Rule, ctx: RuleContext) -> pl.LazyFrame:
    group = expr(str(rule.spec["group_by"]))
    counts = _counts(rule, ctx).filter(pl.col("distinct_count") >= int(rule.spec["at_least"]))
    rows = ctx.roster
    condition = rule.spec.get("condition")
    if condition:
        rows = rows.filter(expr(str(condition)))
    flagged = rows.with_columns(group.alias("__group__")).join(counts, on="__group__")
    extra = [pl.col("distinct_count"), pl.col("rosters")]
    return flagged.with_columns(evidence(rule, extra)).drop(
        "__group__", "distinct_count", "rosters"
    )


def _pool(rule: Rule, name: str, frame: pl.LazyFrame) -> pl.LazyFrame:
    """The rows of roster ``name`` the rule groups: the group, the roster, the value counted."""
    condition = rule.spec.get("condition")
    if condition:
        frame = frame.filter(expr(str(condition)))
    return frame.select(
        expr(str(rule.spec["group_by"])).alias("__group__"),
        pl.lit(name).alias("__roster__"),
        expr(str(rule.spec["distinct"])).alias("__d__"),
    ).filter(pl.col("__group__").is_not_null())


def _distinct_pool(rule: Rule, ctx: RuleContext, name: str) -> pl.LazyFrame:
    return _pool(rule, name, ctx.dataset(name)).unique()


def _counts(rule: Rule, ctx: RuleContext) -> pl.LazyFrame:
    """Per group of the roster's rows: how many distinct values all the rosters pooled show,
    and which rosters."""
    own = _pool(rule, ctx.rule_file.policy, ctx.roster)
    # only the groups of this roster's rows can be flagged: the other rosters' rows of other
    # groups are left out before counting
    groups = own.select("__group__").unique()
    pools = [own]
    spec = rule.spec
    for name in [str(other) for other in spec.get("across") or []]:
        # each roster's rows as grouped, once per run for every rule grouping it alike
        key = ("aggregate", name, spec["group_by"], spec["distinct"], spec.get("condition"))
        rows = ctx.data.once(key, functools.partial(_distinct_pool, rule, ctx, name))
        pools.append(rows.join(groups, on="__group__", how="semi"))
    return (
        pl.concat(pools)
        .group_by("__group__")
        .agg(
            pl.col("__d__").n_unique().alias("distinct_count"),
            pl.col("__roster__").unique().sort().alias("rosters"),
        )
    )


def check(rule: RuleCheck) -> None:
    """Each SQL key must also resolve over every roster ``across`` pools in."""
    across = [name for name in rule.spec.get("across") or [] if name != rule.policy]
    for key, key_spec in rule.kind.keys.items():
        value = rule.spec.get(key)
        if key_spec.type not in ("sql", "sql_list") or value is None:
            continue
        for text in [value] if key_spec.type == "sql" else value:
            rule.sql.check_across(text, rule.locs[key], across, rule.parameters, key)


SPEC = KindSpec(
    name="aggregate",
    doc="A clue on every row of a group that has too many distinct values, e.g. one bank "
    "account paying several unrelated households.",
    keys={
        "group_by": KeySpec("sql", True, "the group, e.g. bank_account"),
        "distinct": KeySpec("sql", True, "what is counted, e.g. the household"),
        "at_least": KeySpec("int", True, "clue when the group has at least this many"),
        "across": KeySpec(
            "str_list", False, "other rosters pooled into the groups (same columns)", None
        ),
        "condition": KeySpec("sql", False, "only rows where this holds are grouped"),
    },
    execute=execute,
    check=check,
)
