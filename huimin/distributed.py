"""The rule catalogue over partitions of a run's staged data, for a cluster (``huimin run
--dask``): which rules can judge a partition alone, how rows are routed so that they can, and
how the partial results become the one result a single process gives.

- **Routing.** Every row about a person goes to the partition of that person's *household
  group*: the ID numbers linked, directly or through other members, by a 户号 of the
  population registry or a 保障户 of a roster with ``household_id`` (低保). A group's partition
  is a hash of its smallest member's text (:func:`stable_bucket`), the same in every process,
  polars version and row order.
- **Stages.** ``partition`` rules (what one person or household shows, :func:`stage_of`) run
  on each partition; ``accounts`` rules (a bank account shared across rosters) run once, on
  the rows of the persons paid into an account that a pass over the ID, account and household
  columns alone found shared by enough households (:func:`account_subjects`); ``global``
  rules (a VIN, a credit code, a project: keys that are not a person) run once on the whole
  datasets they read.
- **Merge.** The findings of every stage make each policy's :class:`PolicyOutcome`, with the
  counts and gaps of the whole run (:func:`rule_gaps`); the engine then assigns clue ids,
  sorts and writes exactly as in a single process (:func:`merge`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from huimin.context import RunContext
from huimin.contract import DATASETS
from huimin.errors import InternalError
from huimin.rules.context import dataset_schema, prepare, subject_column
from huimin.rules.engine import PolicyOutcome, evaluate_file, gate, roster_frame, unmet_need
from huimin.rules.executors import PreparedData, expr
from huimin.rules.findings import FINDING_SCHEMA, used_parameters
from huimin.rules.model import Rule, RuleFile, datasets_read
from huimin.rules.sql import SqlRefusedError, sql_references

if TYPE_CHECKING:
    from huimin.pipeline import DatasetStatus

Stage = Literal["partition", "accounts", "global"]
STAGES: tuple[Stage, ...] = ("partition", "accounts", "global")
#: (usable, why not, quietly) per dataset, as the engine's ``usable`` callback answers
Usable = Mapping[str, tuple[bool, str, bool]]


@dataclass(frozen=True)
class Gaps:
    """One policy's rules evaluated, and what was not evaluated and why (the engine's notes)."""

    evaluated: list[str]
    notes: list[tuple[str, str, bool]]


PARTITION = "__partition__"
HOUSEHOLD = "household_id"
#: the polynomial hash works modulo this prime (2**31 - 1), so it never overflows an Int64
_MODULUS = 2_147_483_647
_BASE = 257


# ---------------------------------------------------------------- what each dataset is about
def person_column(name: str) -> str | None:
    """The column holding the ID number each row is about; None for a dataset not about a
    person (高标准农田 projects)."""
    model = DATASETS[name]
    subject = model.__subject_field__
    kinds = {spec.name: spec.kind for spec in model.field_specs()}
    return subject if subject is not None and kinds.get(subject) == "id_number" else None


# ---------------------------------------------------------------- where each rule runs
#: the kinds that compare a roster row with rows found by the person's ID number
_LOOKUPS = ("registry_match", "required_presence", "exclusive_rosters")


def stage_of(rule: Rule, rule_file: RuleFile) -> Stage:
    """Where ``rule`` runs: on each partition when all it compares is one person's or one
    household's; else once over everything (``accounts`` for a shared bank account)."""
    spec = rule.spec
    if rule.kind == "aggregate":
        return "accounts"
    if rule.kind == "eligibility":
        splits = True
    elif rule.kind == "duplicate":
        keys = [str(k).strip().lower() for k in spec.get("key") or ["subject"]]
        splits = bool({"subject", "id_number"} & set(keys))
    elif rule.kind in _LOOKUPS:
        splits = not any(spec.get(k) for k in ("key", "registry_key", "via", "via_key"))
    else:
        splits = False  # a kind this module does not know is never split
    if not splits or person_column(rule_file.policy) is None:
        return "global"
    by_person = all(person_column(name) for name in datasets_read(rule, rule_file))
    return "partition" if by_person else "global"


def stages(catalogue: Iterable[RuleFile]) -> dict[str, Stage]:
    """Rule id → its stage, for the whole catalogue."""
    return {rule.id: stage_of(rule, f) for f in catalogue for rule in f.rules}


# ---------------------------------------------------------------- routing rows
def stable_bucket(texts: pl.Series, buckets: int) -> pl.Series:
    """0 .. ``buckets``-1 for each text, by a polynomial hash of its UTF-8 bytes (the same in
    every process and polars version, unlike polars' own hash); null for a null text."""
    frame = pl.DataFrame({"text": texts.cast(pl.String)}).with_columns(
        pl.col("text").str.encode("hex").alias("hex"),
        pl.col("text").str.len_bytes().alias("len"),
        pl.lit(0, pl.Int64).alias("hash"),
    )
    width = int(frame.get_column("len").max() or 0)  # type: ignore[arg-type]
    for at in range(width):  # one vectorised step per byte position, never per row
        byte = pl.col("hex").str.slice(2 * at, 2).str.to_integer(base=16, strict=False)
        step = (pl.col("hash") * _BASE + byte + 1) % _MODULUS
        frame = frame.with_columns(
            pl.when(pl.col("len") > at).then(step).otherwise(pl.col("hash")).alias("hash")
        )
    bucket = pl.when(pl.col("text").is_not_null()).then(pl.col("hash") % buckets)
    return frame.select(bucket.cast(pl.UInt32).alias(PARTITION)).to_series()


def _group_node(name: str) -> pl.Expr:
    """A household's node: ``\x1f<dataset>\x1f<household_id>`` (never an ID number)."""
    return pl.lit(f"\x1f{name}\x1f") + pl.col(HOUSEHOLD).cast(pl.String)


def household_links(frames: Mapping[str, pl.LazyFrame]) -> pl.DataFrame:
    """(person, group) for every ID number listed under a household: the 户号 of the
    population registry, the 保障户 of a roster with ``household_id``."""
    parts = []
    for name, frame in sorted(frames.items()):
        person = person_column(name)
        if person is None or HOUSEHOLD not in frame.collect_schema().names():
            continue
        parts.append(
            frame.select(
                pl.col(person).cast(pl.String).alias("person"), _group_node(name).alias("group")
            ).drop_nulls()
        )
    if not parts:
        return pl.DataFrame(schema={"person": pl.String, "group": pl.String})
    return pl.concat(parts).unique().collect()


def partition_map(links: pl.DataFrame, buckets: int) -> pl.DataFrame:
    """The partition (``PARTITION``) of every person and household of ``links`` (``node``):
    that of the smallest ID number of its household group, the persons joined by a household
    and the households joined by a person.

    Persons and households are numbered first (persons in the order of their text, so the
    smallest number of a group is its smallest ID number) and the groups are found on the
    numbers alone: a province's 58 million ID numbers are held once, as text, not per join.
    """
    coded = links.select(
        pl.col("person").rank("dense").cast(pl.UInt32).alias("pid"),
        pl.col("group").rank("dense").cast(pl.UInt32).alias("gid"),
    )
    edges = coded.unique()
    label = _components(edges)
    people = pl.concat([coded.select("pid"), links.select("person")], how="horizontal").unique(
        "pid"
    )
    firsts = label.select(pl.col("label").unique()).join(people, left_on="label", right_on="pid")
    firsts = firsts.select("label", stable_bucket(firsts.get_column("person"), buckets))
    part = label.join(firsts, on="label").select("pid", PARTITION)
    person_part = people.join(part, on="pid").select(pl.col("person").alias("node"), PARTITION)
    groups = pl.concat([coded.select("gid"), links.select("group")], how="horizontal").unique("gid")
    group_part = (
        edges.join(part, on="pid")
        .select("gid", PARTITION)
        .unique()
        .join(groups, on="gid")
        .select(pl.col("group").alias("node"), PARTITION)
    )
    return pl.concat([person_part, group_part]).sort("node")


def _components(edges: pl.DataFrame) -> pl.DataFrame:
    """Each person's (``pid``) group label: the smallest ``pid`` of the households joined,
    directly or through other members, by persons listed under two or more of them.

    A household starts with its smallest member; labels then flow only through the persons
    listed twice (a 低保 household's members, a few per cent), one household hop a round."""
    households = edges.group_by("gid").agg(pl.col("pid").min().alias("label"))
    listed = edges.group_by("pid").len().filter(pl.col("len") > 1).select("pid")
    links = edges.join(listed, on="pid")
    linked = households.join(links.select(pl.col("gid").unique()), on="gid")
    while True:  # as many rounds as the longest chain of households, a handful
        by_person = links.join(linked, on="gid").group_by("pid").agg(pl.col("label").min())
        seen = links.join(by_person, on="pid").group_by("gid").agg(pl.col("label").min())
        lowered = linked.join(seen, on="gid", how="left", suffix="_seen").select(
            "gid", pl.min_horizontal("label", "label_seen").alias("label")
        )
        settled = lowered.get_column("label").sum() == linked.get_column("label").sum()
        linked = lowered  # labels only ever fall: the same sum, the same labels
        if settled:
            break
    households = households.join(linked, on="gid", how="left", suffix="_linked").select(
        "gid", pl.coalesce("label_linked", "label").alias("label")
    )
    return edges.join(households, on="gid").group_by("pid").agg(pl.col("label").min())


def route(frame: pl.LazyFrame, name: str, mapped: pl.DataFrame, buckets: int) -> pl.DataFrame:
    """``frame`` (a staged dataset) with the partition of each row (``PARTITION``): its
    person's household group's, else (no ID) its household's, else 0; a person ``mapped``
    does not list (in no household) has the partition of their own ID. Rows keep their order."""
    person = person_column(name)
    if person is None:
        raise InternalError(f"{name} is not about a person: it cannot be partitioned")
    names = frame.collect_schema().names()
    group = _group_node(name) if HOUSEHOLD in names else pl.lit(None, pl.String)
    node = pl.coalesce(pl.col(person).cast(pl.String), group)
    rows = frame.with_columns(node.alias("__node__")).collect()
    nodes = rows.select(pl.col("__node__").unique().drop_nulls())
    known = nodes.join(mapped, left_on="__node__", right_on="node", how="inner")
    alone = nodes.join(known, on="__node__", how="anti")
    alone = alone.with_columns(stable_bucket(alone.get_column("__node__"), buckets))
    found = pl.concat([known.select("__node__", PARTITION), alone])
    routed = rows.join(found, on="__node__", how="left", maintain_order="left")
    return routed.with_columns(pl.col(PARTITION).fill_null(0)).drop("__node__")


def partition_folder(folder: Path, index: int) -> Path:
    return folder / f"p{index}"


# ---------------------------------------------------------------- evaluating a stage
class LazyData(PreparedData):
    """The run's data as rules see it, rosters left lazy (never collected whole), so that a
    pass reads only the columns it selects."""

    def dataset(self, name: str) -> pl.LazyFrame:
        model = DATASETS.get(name)
        if model is None or model.__family__ != "roster":
            return super().dataset(name)
        return prepare(self.raw(name), model, self.households(), as_of=self.as_of)


def scans(paths: Mapping[str, Path]) -> dict[str, pl.LazyFrame]:
    return {name: pl.scan_parquet(path) for name, path in sorted(paths.items())}


def usable_table(
    statuses: Mapping[str, DatasetStatus], staged: Iterable[str]
) -> dict[str, tuple[bool, str, bool]]:
    """What the engine's ``usable`` says of each dataset in a single process
    (:func:`huimin.rules.commands.apply_rules`), as plain data a worker can be sent."""
    present = set(staged)
    return {
        name: (status.usable and name in present, status.reason, status.quiet)
        for name, status in statuses.items()
    }


def _check(usable: Usable) -> Callable[[str], tuple[bool, str, bool]]:
    def check(name: str) -> tuple[bool, str, bool]:
        return usable.get(name, (False, f"{name} is missing from the input", False))

    return check


def evaluate_stage(
    catalogue: Iterable[RuleFile],
    placed: Mapping[str, Stage],
    stage: Stage,
    staged: Mapping[str, pl.LazyFrame],
    usable: Usable,
    sources: Mapping[str, str],
    ctx: RunContext,
) -> dict[str, PolicyOutcome]:
    """The findings and counts of the rules of ``stage``, policy by policy, over ``staged``
    (the engine's own evaluation; the gaps come from :func:`rule_gaps`)."""
    data = PreparedData(dict(staged), ctx.as_of)
    check = _check(usable)
    outcomes = {}
    for rule_file in catalogue:
        rules = tuple(rule for rule in rule_file.rules if placed[rule.id] == stage)
        if not rules:
            continue
        outcome = evaluate_file(
            replace(rule_file, rules=rules),
            data,
            check,
            sources.get(rule_file.policy),
            ctx.check_period,
            ctx.include_examples,
        )
        outcomes[rule_file.policy] = PolicyOutcome(outcome.findings, outcome.per_rule, [])
    return outcomes


def rule_gaps(
    catalogue: Iterable[RuleFile],
    staged: Mapping[str, pl.LazyFrame],
    usable: Usable,
    ctx: RunContext,
) -> dict[str, Gaps]:
    """Per policy: the rules evaluated, and the rules (or periods) not evaluated and why, in
    the engine's order. Reads only the period, and the zone of each parameter, of the rosters."""
    check = _check(usable)
    gaps = {}
    for rule_file in catalogue:
        data = LazyData(_for_zones(rule_file, staged), ctx.as_of)
        evaluated: list[str] = []
        notes: list[tuple[str, str, bool]] = []
        periods: pl.LazyFrame | None = None
        for rule in rule_file.rules:
            unmet = unmet_need(rule, rule_file, check)
            if unmet is not None:
                notes.append((rule.id, unmet[0], unmet[1]))
                continue
            evaluated.append(rule.id)
            if not used_parameters(rule, rule_file):
                continue
            if periods is None:
                columns = ["period", "period_start", "param_status"]
                periods = roster_frame(rule_file, data).select(columns).collect().lazy()
            notes.extend(gate(rule, rule_file, periods, ctx.include_examples)[1])
        gaps[rule_file.policy] = Gaps(evaluated, notes)
    return gaps


def _for_zones(rule_file: RuleFile, staged: Mapping[str, pl.LazyFrame]) -> dict[str, pl.LazyFrame]:
    """``staged`` without the population registry unless a parameter's zone reads 户号 (the
    periods and zones of a roster need nothing else)."""
    texts = [p.zone_by for p in rule_file.parameters.values() if p.zone_by]
    if any("registered_household" in text for text in texts):
        return dict(staged)
    return {name: frame for name, frame in staged.items() if name != "population"}


# ---------------------------------------------------------------- shared accounts
def account_subjects(
    catalogue: Iterable[RuleFile],
    placed: Mapping[str, Stage],
    staged: Mapping[str, pl.LazyFrame],
    as_of: dt.date,
) -> pl.Series | None:
    """The subjects the ``accounts`` rules need: everyone paid into a group (an account) that
    counts at least ``at_least`` distinct values over all the rosters pooled, reading only the
    columns of ``group_by`` and ``distinct``. None when one of these is not a column of the
    roster row (then the stage reads every row).

    The pass counts before the rule's condition and parameter gate, which only remove rows:
    the groups it finds include every group the rule flags.
    """
    data = LazyData(dict(staged), as_of)
    pools: dict[tuple[str, str, str], pl.DataFrame] = {}  # the same columns, read once

    def pool(name: str, group: str, distinct: str) -> pl.LazyFrame:
        if (name, group, distinct) not in pools:
            pools[(name, group, distinct)] = (
                data.dataset(name)
                .select(
                    expr(group).alias("__group__"),
                    expr(distinct).alias("__distinct__"),
                    pl.col("subject").cast(pl.String),
                )
                .filter(pl.col("__group__").is_not_null())
                .collect()
            )
        return pools[(name, group, distinct)].lazy()

    found = []
    for rule_file in catalogue:
        for rule in rule_file.rules:
            if placed[rule.id] != "accounts":
                continue
            names = [rule_file.policy, *(str(n) for n in rule.spec.get("across") or [])]
            if not _row_level(rule, names):
                return None
            group, distinct = str(rule.spec["group_by"]), str(rule.spec["distinct"])
            rows = pl.concat([pool(name, group, distinct) for name in names])
            shared = (
                rows.group_by("__group__")
                .agg(pl.col("__distinct__").n_unique().alias("__count__"))
                .filter(pl.col("__count__") >= int(rule.spec["at_least"]))
            )
            found.append(rows.join(shared, on="__group__", how="semi").select("subject"))
    if not found:
        return pl.Series("subject", [], pl.String)
    return pl.concat(found).unique().collect().get_column("subject").drop_nulls().sort()


def _row_level(rule: Rule, names: list[str]) -> bool:
    """Whether the rule's group and distinct values are columns of each pooled roster."""
    for key in ("group_by", "distinct"):
        try:
            references = sql_references(str(rule.spec[key]))
        except SqlRefusedError:
            return False
        for name in names:
            columns = dataset_schema(name).names()
            if any(len(ref) != 1 or ref[0] not in columns for ref in references):
                return False
    return True


def only_subjects(
    staged: Mapping[str, pl.LazyFrame], subjects: pl.Series
) -> dict[str, pl.LazyFrame]:
    """Every row of ``subjects`` in each roster (and every row with no subject: a person's
    period total is of all their rows), and their population rows; other datasets whole.
    Rows keep their order."""
    wanted = subjects.implode()
    reduced = {}
    for name, frame in staged.items():
        model = DATASETS[name]
        if model.__family__ == "roster":
            column = subject_column(model)
        elif name == "population":
            column = "id_number"
        else:
            reduced[name] = frame
            continue
        key = pl.col(column).cast(pl.String)
        reduced[name] = frame.filter(key.is_null() | key.is_in(wanted))
    return reduced


# ---------------------------------------------------------------- the merge
def stage_datasets(
    catalogue: Iterable[RuleFile], placed: Mapping[str, Stage], stage: Stage, staged: Iterable[str]
) -> list[str]:
    """The staged datasets the rules of ``stage`` read (population always: it gives 户号)."""
    wanted = {"population"}
    for rule_file in catalogue:
        for rule in rule_file.rules:
            if placed[rule.id] == stage:
                wanted |= datasets_read(rule, rule_file)
    return sorted(name for name in staged if name in wanted)


def merge(
    catalogue: Iterable[RuleFile],
    parts: Iterable[Mapping[str, PolicyOutcome]],
    gaps: Mapping[str, Gaps],
) -> dict[str, PolicyOutcome]:
    """Each policy's outcome as one process would give it: the findings of every stage, the
    counts summed (a subject's findings come from one stage and one partition only), the gaps
    of the whole run. The engine sorts the findings by clue id afterwards."""
    parts = list(parts)
    merged = {}
    for rule_file in catalogue:
        gap = gaps[rule_file.policy]
        outcomes = [part[rule_file.policy] for part in parts if rule_file.policy in part]
        counted = {rule_id for outcome in outcomes for rule_id in outcome.per_rule}
        if counted != set(gap.evaluated):
            raise InternalError(
                f"{rule_file.policy}: the stages evaluated other rules than the run's gaps say"
            )
        per_rule = {r: sum(o.per_rule.get(r, 0) for o in outcomes) for r in gap.evaluated}
        frames = [outcome.findings for outcome in outcomes]
        findings = pl.concat(frames) if frames else pl.DataFrame(schema=FINDING_SCHEMA)
        merged[rule_file.policy] = PolicyOutcome(findings, per_rule, list(gap.notes))
    return merged
