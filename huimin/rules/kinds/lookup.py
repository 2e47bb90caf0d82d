"""What the kinds that look a roster row up in another dataset share (``registry_match``,
``required_presence``, ``exclusive_rosters``): their common keys, the check of the join keys
and the plan joining roster rows (or their households' members) with the other dataset's rows.

The join keys are the only ``column`` keys: ``registry_key`` names a column of the other
dataset, ``via_key`` one of ``via``. A ``via`` dataset is visible to conditions as
``<via>.<column>`` like the other dataset.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from huimin import idnumber
from huimin.rules.context import dataset_names, dataset_schema, model_of, subject_column
from huimin.rules.executors import MEMBER, ROW, RuleContext, expr
from huimin.rules.kinds.spec import KeySpec, RuleCheck
from huimin.rules.model import Rule
from huimin.rules.sql import sql_references
from huimin.rules.yamlsrc import suggest

DATASET_NAMES = tuple(dataset_names())

SCOPE = KeySpec(
    "scope",
    False,
    "person: the recipient only; household: any member of the recipient's household "
    "(the roster's household_id, else the population registry's 户号)",
    "person",
)

JOIN_KEYS = {
    "key": KeySpec(
        "sql", False, "what of the roster row to look up (default: the person's ID number)", None
    ),
    "registry_key": KeySpec(
        "column", False, "the column of the other dataset it must equal (default: its ID)", None
    ),
    "via": KeySpec(
        "dataset", False, "look up `key` here first, then its ID number in the other dataset", None
    ),
    "via_key": KeySpec("column", False, "the column of `via` that `key` must equal", None),
}

APPLIES_WHEN = KeySpec(
    "sql", False, "only roster rows where this holds are looked at (default: all)", None
)


def check_join(rule: RuleCheck) -> None:
    """``via`` needs its ``via_key``; ``column`` keys name a column of their dataset
    (``via_key`` of ``via``, else the other dataset)."""
    spec, kind = rule.spec, rule.kind
    if spec.get("via") and not spec.get("via_key"):
        rule.reader.add(rule.locs["via"], "via needs a via_key: the column of via to look up")
    for key, key_spec in kind.keys.items():
        name = spec.get(key)
        if key_spec.type != "column" or name is None:
            continue
        base = key.removesuffix("_key")
        owner = spec.get(base) if base in kind.keys else kind.other_dataset(spec)
        if not isinstance(owner, str) or owner not in DATASET_NAMES:
            continue
        columns = list(dataset_schema(str(owner)))
        if name not in columns:
            message = f"{key}: unknown column '{name}' of dataset '{owner}'"
            rule.reader.add(rule.locs[key], message, suggest(str(name), columns))


# ---------------------------------------------------------------- the plan


#: the population registry's columns a household's members are taken from
MEMBER_SOURCE = ("id_number", "name", "relation", "household_id")


def read_fields(rule: Rule, name: str, keys: Iterable[str]) -> list[str] | None:
    """The columns of dataset ``name`` the rule's plan reads: those its SQL names as
    ``<name>.<column>``, the join ``keys`` and the row number; None when a text names the
    whole row."""
    # the kinds are registered after this module is read: imported here, not at the top
    from huimin.rules.kinds import KINDS

    fields = {*keys, ROW}
    for text in [*rule.evidence, *KINDS[rule.kind].sql_texts(rule.spec)]:
        for reference in sql_references(text):
            if reference[0] != name:
                continue
            if len(reference) == 1:
                return None
            fields.add(reference[1])
    return sorted(fields)


def _target_key(rule: Rule, other: str) -> str:
    return str(rule.spec.get("registry_key") or _join_key(other))


def _via_keys(via: str, rule: Rule) -> list[str]:
    return [str(rule.spec["via_key"]), _join_key(via)]


def lookup_reads(rule: Rule) -> dict[str, list[str] | None]:
    """What a rule of a lookup kind reads of each dataset it looks into, its ``via`` and
    (household scope) the population registry: :attr:`KindSpec.reads`."""
    from huimin.rules.kinds import KINDS

    other = KINDS[rule.kind].other_dataset(rule.spec)
    names = other if isinstance(other, tuple) else (other,) if other else ()
    reads = {name: read_fields(rule, name, [_target_key(rule, name)]) for name in names}
    via = rule.spec.get("via")
    if via:
        reads[str(via)] = read_fields(rule, str(via), _via_keys(str(via), rule))
    if rule.spec.get("scope") == "household":
        known = reads.get("population", [])
        reads["population"] = None if known is None else sorted({*known, *MEMBER_SOURCE})
    return reads


def _as_struct(
    frame: pl.LazyFrame, name: str, key: str, fields: list[str] | None = None
) -> pl.LazyFrame:
    """The dataset's rows (the columns ``fields``, None: all) as one struct column named
    after it, beside its join key."""
    columns = frame.collect_schema().names()
    if fields is not None:
        columns = [column for column in columns if column in fields]
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
    return ctx.once("household_members", lambda: _members(ctx))


def _members(ctx: RuleContext) -> pl.LazyFrame:
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
    population = ctx.data.columns("population", MEMBER_SOURCE).select(
        "id_number", "name", "relation", pl.col("household_id").alias("__household__")
    )
    # the registry's rows of the roster's people and households only: a left join builds
    # its table on the right, which would otherwise be the whole registry
    recipient = population.select(pl.col("id_number").alias("subject"), "__household__")
    recipient = recipient.join(roster.select("subject").unique(), on="subject", how="semi")
    with_household = roster.join(recipient, on="subject", how="left")
    members = population.rename({"id_number": "__member_id__", "name": "__member_name__"})
    households = with_household.select("__household__").unique()
    members = members.join(households, on="__household__", how="semi")
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


def matches(rule: Rule, ctx: RuleContext, other: str, condition: bool = True) -> pl.LazyFrame:
    """Roster rows (expanded to members for household scope) joined with ``other``'s rows
    (through ``via`` first, if given) and filtered by the condition.

    The join is shared by the file's rules that make the same one: each then applies its
    own condition.
    """
    spec = rule.spec
    via = str(spec["via"]) if spec.get("via") else None
    via_keys = _via_keys(via, rule) if via else []
    via_fields = ctx.data.fields(via, read_fields(rule, via, via_keys)) if via else None
    target_key = _target_key(rule, other)
    fields = ctx.data.fields(other, read_fields(rule, other, [target_key]))
    how = (spec.get("scope"), spec.get("applies_when"), spec.get("key"), via, *via_keys)
    signature = ("matches", other, target_key, _tuple(fields), _tuple(via_fields), how)

    def join() -> pl.LazyFrame:
        household = spec.get("scope") == "household"
        rows = applicable(rule, household_members(ctx) if household else ctx.roster)
        person = pl.col(MEMBER).struct.field("id_number") if household else pl.col("subject")
        key = expr(str(spec["key"])) if spec.get("key") else person
        rows = rows.with_columns(key.cast(pl.String).alias("__key__"))
        if via:
            frame = _as_struct(ctx.data.columns(via, via_fields), via, via_keys[0], via_fields)
            rows = rows.join(frame, on="__key__", how="inner").with_columns(
                pl.col(via).struct.field(via_keys[1]).alias("__key__")
            )
        target = _as_struct(ctx.data.columns(other, fields), other, target_key, fields)
        return rows.join(target, on="__key__", how="inner")

    joined = ctx.once(signature, join)
    text = spec.get("condition")
    if condition and text:
        joined = joined.filter(expr(str(text)))
    return joined


def _tuple(fields: list[str] | None) -> tuple[str, ...] | None:
    return None if fields is None else tuple(fields)


def applicable(rule: Rule, rows: pl.LazyFrame) -> pl.LazyFrame:
    """The roster rows the rule looks at (``applies_when``, default all)."""
    applies = rule.spec.get("applies_when")
    return rows.filter(expr(str(applies))) if applies else rows
