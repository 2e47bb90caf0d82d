"""One executor per rule kind: a rule and the prepared data in, the roster rows it flags out.

Every executor returns a LazyFrame of flagged roster rows: the roster's columns (with the
derived ones and ``param``), plus ``__evidence__``, a struct of what made the rule fire. A row
may appear once per rule (the first match, in a fixed order, explains it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from huimin import idnumber
from huimin.rules.context import (
    POOLED,
    TOTALS,
    dataset_schema,
    model_of,
    prepare,
    subject_column,
)
from huimin.rules.kinds import KINDS
from huimin.rules.model import Rule, RuleFile
from schemas import DATASETS

ROW = "_source_row"
EVIDENCE = "__evidence__"
MEMBER = "member"


@dataclass
class PreparedData:
    """The staged data of a run as rules see it; rosters are prepared once and kept."""

    staged: dict[str, pl.LazyFrame]  # dataset → staged frame (contract columns, _source_row)
    as_of: dt.date  # the date the run judges at: the ``as_of`` column of prepared rosters
    cache: dict[str, pl.DataFrame] = field(default_factory=dict)

    def raw(self, name: str) -> pl.LazyFrame:
        """A staged dataset as ingested (an empty frame of its schema when it was not sent)."""
        if name in self.staged:
            return self.staged[name]
        return pl.LazyFrame(schema=DATASETS[name].polars_schema()).with_columns(
            pl.lit(None, pl.Int64).alias(ROW)
        )

    def dataset(self, name: str) -> pl.LazyFrame:
        """A staged dataset with the derived columns rules see (pooled ones concatenated).

        Registries stay lazy scans; rosters, which every rule of their file and the
        cross-roster rules read, are prepared once per run and kept in memory.
        """
        if name in POOLED:
            return pl.concat([self.dataset(part) for part in POOLED[name]], how="vertical")
        if name in TOTALS:
            return TOTALS[name].frame(self.raw(TOTALS[name].source))
        model = DATASETS[name]
        if model.__family__ != "roster":
            return self.raw(name)
        if name not in self.cache:
            self.cache[name] = prepare(
                self.raw(name), model, self.households(), as_of=self.as_of
            ).collect()
        return self.cache[name].lazy()

    def households(self) -> pl.LazyFrame:
        """ID number → 户号 of the population registry (kept once read)."""
        if "__households__" not in self.cache:
            self.cache["__households__"] = (
                self.raw("population").select("id_number", "household_id").collect()
            )
        return self.cache["__households__"].lazy()


@dataclass
class RuleContext:
    """The prepared data of a run and the roster being checked."""

    data: PreparedData
    rule_file: RuleFile
    roster: pl.LazyFrame  # the policy roster with derived columns and ``param``

    def dataset(self, name: str) -> pl.LazyFrame:
        return self.data.dataset(name)


def _sql(text: str) -> pl.Expr:
    return pl.sql_expr(text)


def _evidence(rule: Rule, extra: list[pl.Expr] | None = None) -> pl.Expr:
    fields = [_sql(text).alias(text) for text in rule.evidence]
    # a struct needs one field: "_" is dropped when the evidence is written out
    return pl.struct([pl.lit(None, pl.Null).alias("_"), *fields, *(extra or [])]).alias(EVIDENCE)


def _as_struct(frame: pl.LazyFrame, name: str, key: str) -> pl.LazyFrame:
    """The dataset's rows as one struct column named after it, beside its join key."""
    columns = frame.collect_schema().names()
    return frame.select(
        pl.col(key).cast(pl.String).alias("__key__"), pl.struct(columns).alias(name)
    ).filter(pl.col("__key__").is_not_null())


def _join_key(dataset: str) -> str:
    model = model_of(dataset)
    names = model.polars_schema().names()
    return subject_column(model) if model.__subject_field__ in names else "id_number"


def household_members(ctx: RuleContext) -> pl.LazyFrame:
    """Each roster row with every member of its household: ``member`` struct and its key.

    A roster with ``household_id`` (低保) lists its members per month; others take the
    recipient's 户号 in the population registry and all residents registered under it.
    """
    roster = ctx.roster
    names = roster.collect_schema().names()
    if "household_id" in names:
        listed = roster.select(
            "household_id",
            "period",
            pl.struct(
                pl.col("id_number"),
                pl.col("name"),
                pl.col("relation"),
                pl.col("age"),
            ).alias(MEMBER),
        ).unique(subset=["household_id", "period", MEMBER], maintain_order=True)
        return roster.join(listed, on=["household_id", "period"], how="inner")
    population = ctx.data.raw("population").select(
        "id_number", "name", "relation", pl.col("household_id").alias("__household__")
    )
    recipient = population.select(pl.col("id_number").alias("subject"), "__household__")
    with_household = roster.join(recipient, on="subject", how="left")
    members = population.rename({"id_number": "__member_id__", "name": "__member_name__"})
    expanded = with_household.join(members, on="__household__", how="left")
    member = pl.struct(
        pl.coalesce("__member_id__", "subject").alias("id_number"),
        pl.coalesce("__member_name__", "name" if "name" in names else pl.lit(None)).alias("name"),
        pl.col("relation").alias("relation"),
        idnumber.age_at(pl.coalesce("__member_id__", "subject"), pl.col("period_start"))
        .cast(pl.Int32)
        .alias("age"),
    ).alias(MEMBER)
    return expanded.with_columns(member).drop(
        "__household__", "__member_id__", "__member_name__", "relation", strict=False
    )


def _matches(rule: Rule, ctx: RuleContext, other: str, condition: bool = True) -> pl.LazyFrame:
    """Roster rows (expanded to members for household scope) joined with ``other``'s rows
    (through ``via`` first, if given) and filtered by the condition."""
    household = rule.spec.get("scope") == "household"
    rows = household_members(ctx) if household else ctx.roster
    rows = _applicable(rule, rows)
    person = pl.col(MEMBER).struct.field("id_number") if household else pl.col("subject")
    key = _sql(str(rule.spec["key"])) if rule.spec.get("key") else person
    rows = rows.with_columns(key.cast(pl.String).alias("__key__"))
    via = rule.spec.get("via")
    if via:
        via_frame = _as_struct(ctx.dataset(str(via)), str(via), str(rule.spec["via_key"]))
        rows = rows.join(via_frame, on="__key__", how="inner").with_columns(
            pl.col(str(via)).struct.field(_join_key(str(via))).alias("__key__")
        )
    target_key = str(rule.spec.get("registry_key") or _join_key(other))
    target = _as_struct(ctx.dataset(other), other, target_key)
    joined = rows.join(target, on="__key__", how="inner")
    text = rule.spec.get("condition")
    if condition and text:
        joined = joined.filter(_sql(str(text)))
    return joined


def _applicable(rule: Rule, rows: pl.LazyFrame) -> pl.LazyFrame:
    """The roster rows the rule looks at (``applies_when``, default all)."""
    applies = rule.spec.get("applies_when")
    return rows.filter(_sql(str(applies))) if applies else rows


def _first_per_row(frame: pl.LazyFrame, order: list[str]) -> pl.LazyFrame:
    return frame.sort([ROW, *order]).unique(subset=[ROW], keep="first", maintain_order=True)


def run_registry_match(rule: Rule, ctx: RuleContext) -> pl.LazyFrame:
    other = KINDS[rule.kind].other_dataset(rule.spec)
    assert isinstance(other, str)
    hits = _matches(rule, ctx, other)
    household = rule.spec.get("scope") == "household"
    extra = [pl.col(MEMBER).struct.field("id_number").alias("member")] if household else []
    at_least = int(rule.spec.get("at_least") or 1)
    if at_least > 1:
        hits = hits.with_columns(pl.len().over(ROW).alias("matches")).filter(
            pl.col("matches") >= at_least
        )
        extra.append(pl.col("matches"))
    hits = hits.with_columns(_evidence(rule, extra))
    order = [pl.col(other).struct.field(ROW).alias("__other_row__")]
    hits = hits.with_columns(order)
    first = _first_per_row(hits, ["__other_row__"])
    via = str(rule.spec.get("via") or "")
    return first.drop("__other_row__", "__key__", other, via, "matches", strict=False)


def run_required_presence(rule: Rule, ctx: RuleContext) -> pl.LazyFrame:
    """Roster rows found in none of the datasets (one, or a list: present in any counts)."""
    other = KINDS[rule.kind].other_dataset(rule.spec)
    assert other is not None
    names = other if isinstance(other, tuple) else (other,)
    found_parts = []
    for name in names:
        absent = [
            pl.lit(None, pl.Struct(dict(dataset_schema(n)))).alias(n) for n in names if n != name
        ]
        matches = _matches(rule, ctx, name, condition=False).with_columns(absent)
        condition = rule.spec.get("condition")
        if condition:
            matches = matches.filter(_sql(str(condition)))
        found_parts.append(matches.select(ROW))
    found = pl.concat(found_parts).unique()
    missing = _applicable(rule, ctx.roster).join(found, on=ROW, how="anti")
    return missing.with_columns(_evidence(rule))


def run_eligibility(rule: Rule, ctx: RuleContext) -> pl.LazyFrame:
    flagged = ctx.roster.filter(_sql(str(rule.spec["condition"])))
    return flagged.with_columns(_evidence(rule))


def _order_columns(ctx: RuleContext, rule: Rule) -> list[pl.Expr]:
    """A content-based order (never the file's row order), so results do not depend on it."""
    given = [_sql(text) for text in rule.spec.get("order_by") or []]
    model = DATASETS[ctx.rule_file.policy]
    contract = [pl.col(f.name) for f in model.field_specs()]
    return [*given, *contract]


def run_duplicate(rule: Rule, ctx: RuleContext) -> pl.LazyFrame:
    keys = [_sql(text) for text in rule.spec.get("key") or ["subject", "period"]]
    key_names = [f"__key{i}__" for i in range(len(keys))]
    rows = ctx.roster
    condition = rule.spec.get("condition")
    if condition:
        rows = rows.filter(_sql(str(condition)))
    order = _order_columns(ctx, rule)
    order_names = [f"__order{i}__" for i in range(len(order))]
    rows = rows.with_columns(
        *[k.alias(n) for k, n in zip(keys, key_names, strict=True)],
        *[o.alias(n) for o, n in zip(order, order_names, strict=True)],
    ).sort([*key_names, *order_names], nulls_last=True)
    rank = pl.int_range(pl.len()).over(key_names)
    # what the first payment was (by content, never by row number, which moves with the file)
    first = [
        _sql(text).first().over(key_names).alias(f"first payment: {text}") for text in rule.evidence
    ]
    flagged = rows.with_columns(rank.alias("__rank__")).with_columns(first)
    flagged = flagged.filter(pl.col("__rank__") > 0)
    flagged = flagged.with_columns(_evidence(rule, [pl.col(f.meta.output_name()) for f in first]))
    return flagged.drop(
        [*key_names, *order_names, "__rank__", *[f.meta.output_name() for f in first]]
    )


def run_aggregate(rule: Rule, ctx: RuleContext) -> pl.LazyFrame:
    group, distinct = _sql(str(rule.spec["group_by"])), _sql(str(rule.spec["distinct"]))
    condition = rule.spec.get("condition")

    def pool(name: str, frame: pl.LazyFrame) -> pl.LazyFrame:
        if condition:
            frame = frame.filter(_sql(str(condition)))
        return frame.select(
            group.alias("__group__"), pl.lit(name).alias("__roster__"), distinct.alias("__d__")
        ).filter(pl.col("__group__").is_not_null())

    policy = ctx.rule_file.policy
    pools = [pool(policy, ctx.roster)]
    for other in rule.spec.get("across") or []:
        pools.append(pool(str(other), ctx.dataset(str(other))))
    counts = (
        pl.concat(pools)
        .group_by("__group__")
        .agg(
            pl.col("__d__").n_unique().alias("distinct_count"),
            pl.col("__roster__").unique().sort().alias("rosters"),
        )
        .filter(pl.col("distinct_count") >= int(rule.spec["at_least"]))
    )
    rows = ctx.roster
    if condition:
        rows = rows.filter(_sql(str(condition)))
    flagged = rows.with_columns(group.alias("__group__")).join(counts, on="__group__")
    extra = [pl.col("distinct_count"), pl.col("rosters")]
    return flagged.with_columns(_evidence(rule, extra)).drop(
        "__group__", "distinct_count", "rosters"
    )


EXECUTORS: dict[str, Callable[[Rule, RuleContext], pl.LazyFrame]] = {
    "registry_match": run_registry_match,
    "required_presence": run_required_presence,
    "exclusive_rosters": run_registry_match,
    "eligibility": run_eligibility,
    "duplicate": run_duplicate,
    "aggregate": run_aggregate,
}
assert set(EXECUTORS) == set(KINDS), "every kind needs an executor"
