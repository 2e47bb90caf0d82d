"""Apply rule files to staged data: flagged payments → findings → clues (问题线索).

Each rule flags roster rows; :mod:`findings` makes one finding per rule, subject and check
period; :mod:`clues` one clue per subject, project and check period, with a keyed id that is
the same in every run whatever the order of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from huimin.rules.clues import CLUE_SCHEMA, assign_clue_ids, build_clues
from huimin.rules.executors import ENGINE, PreparedData, RuleContext
from huimin.rules.findings import FINDING_SCHEMA, findings_for_rule, periods_text, used_parameters
from huimin.rules.kinds import KINDS
from huimin.rules.model import Parameter, Rule, RuleFile, datasets_read, rule_needs

if TYPE_CHECKING:
    from huimin.reuse import ReusedPolicy
from huimin.contract import DATASETS
from huimin.rules.params import effective_ranges, param_source, param_status, param_struct

__all__ = ["CLUE_SCHEMA", "FINDING_SCHEMA", "RuleRun", "load_staged", "run_rules"]

Usable = Callable[[str], tuple[bool, str, bool]]


@dataclass
class RuleRun:
    """The findings and clues of one run, findings per rule, and the rules not evaluated
    (why, and whether quietly: a dataset declared absent is not a failure)."""

    findings: pl.DataFrame
    clues: pl.DataFrame
    per_rule: dict[str, int] = field(default_factory=dict)
    not_evaluated: list[tuple[str, str, bool]] = field(default_factory=list)


def roster_frame(rule_file: RuleFile, data: PreparedData) -> pl.LazyFrame:
    """The policy roster with derived columns and the parameters in force for each row."""
    frame = data.dataset(rule_file.policy)
    parameters = rule_file.parameters.values()
    on = pl.col("period_start")
    return frame.with_columns(
        param_struct(parameters, on), param_status(parameters, on), param_source(parameters, on)
    )


def gate(
    rule: Rule, rule_file: RuleFile, roster: pl.LazyFrame, include_examples: bool
) -> tuple[pl.LazyFrame, list[tuple[str, str, bool]]]:
    """The roster rows ``rule`` may judge, and what it may not judge and why.

    A row whose parameters in force include an ``example`` value (one no document confirms)
    is not judged unless ``include_examples``; a row with no value in force is never judged.
    Both are reported with their periods, never skipped in silence.
    """
    used = used_parameters(rule, rule_file)
    if not used:
        return roster, []
    status = pl.col("param_status")
    example = pl.any_horizontal([status.struct.field(n) == "example" for n in used])
    # no value on that date in any zone: a gap in the parameter (a row whose zone has no
    # value, e.g. an age below every tier, is simply not what the rule judges)
    gaps = {n: ~_covered(rule_file.parameters[n], pl.col("period_start")) for n in used}
    missing = pl.any_horizontal(list(gaps.values()))
    blocked = missing | (pl.lit(False) if include_examples else example)
    flags = roster.select(
        pl.col("period").cast(pl.String),
        *[status.struct.field(n).alias(n) for n in used],
        *[gap.alias(f"__gap_{n}__") for n, gap in gaps.items()],
        missing.alias("__missing__"),
        example.alias("__example__"),
    ).filter(pl.col("__missing__") | pl.col("__example__"))
    notes = _gate_notes(rule, rule_file, flags.collect(engine=ENGINE), used, include_examples)
    return roster.filter(~blocked.fill_null(True)), notes


def _covered(parameter: Parameter, on: pl.Expr) -> pl.Expr:
    """True where some value of ``parameter`` (in any zone) is in force on ``on``."""
    covered = pl.lit(False)
    for _, first, last in effective_ranges(parameter):
        covered = covered | (on >= first if last is None else on.is_between(first, last))
    return covered.fill_null(False)


def _gate_notes(
    rule: Rule,
    rule_file: RuleFile,
    flags: pl.DataFrame,
    used: list[str],
    include_examples: bool,
) -> list[tuple[str, str, bool]]:
    notes = []
    for name in used:
        tree = rule_file.parameters[name].name
        gaps = flags.filter(pl.col(f"__gap_{name}__")).get_column("period").drop_nulls()
        if gaps.len():
            when = periods_text(sorted(set(gaps.to_list())))
            notes.append(
                (
                    rule.id,
                    f"{tree} has no value in force for {when}: add one in "
                    f"rules/parameters/ or the district's parameters.yaml",
                    False,
                )
            )
        examples = flags.filter(pl.col(name) == "example").get_column("period").drop_nulls()
        if examples.len() and not include_examples:
            when = periods_text(sorted(set(examples.to_list())))
            notes.append(
                (
                    rule.id,
                    f"{tree} has no confirmed value for {when} (only an example): "
                    f"confirm it in the district's parameters.yaml",
                    True,
                )
            )
    return notes


def unmet_need(
    rule: Rule, rule_file: RuleFile, usable: Callable[[str], tuple[bool, str, bool]]
) -> tuple[str, bool] | None:
    """Why ``rule`` cannot be evaluated (reason, quiet), or None when all it reads is there.

    ``usable(dataset)`` says whether a dataset is usable, and if not why and whether quietly.
    A pooled dataset (低保, urban or rural) needs one of its parts: with a part missing the
    rule sees fewer rows and may miss a clue, never make a false one (and the run reports the
    missing part anyway).
    """
    needs = rule_needs(rule, rule_file)
    for name in sorted(needs.all_of):
        ok, reason, quiet = usable(name)
        if not ok:
            return reason, quiet
    for group in needs.any_of:
        states = [usable(name) for name in sorted(group)]
        if any(ok for ok, _, _ in states):
            continue
        loud = [(reason, quiet) for _, reason, quiet in states if not quiet]
        return loud[0] if loud else (states[0][1], True)
    return None


def flag_rows(rule: Rule, ctx: RuleContext) -> pl.DataFrame:
    """The roster rows (payments) ``rule`` flags, with their evidence."""
    # on polars' default engine, as always: of identical payments, a duplicate rule flags all
    # but the one its sort puts first, which another engine may choose differently
    return KINDS[rule.kind].execute(rule, ctx).collect()


def run_rules(
    rule_files: Iterable[RuleFile],
    staged: Mapping[str, pl.LazyFrame],
    source_files: Mapping[str, str] | None = None,
    usable: Usable | None = None,
    *,
    as_of: dt.date,
    key: bytes,
    check_period: str = "year",
    include_examples: bool = False,
    reuse: Mapping[str, ReusedPolicy] | None = None,
    each_policy: EachPolicy | None = None,
) -> RuleRun:
    """Every rule of every file over the staged datasets, judged as of ``as_of`` (the
    ``as_of`` column conditions see); findings and clues sorted by clue id.

    A rule that reads a dataset not in ``staged`` is not evaluated (never run against an
    empty stand-in: "nobody is there" would raise false clues); ``usable`` explains why.
    ``key`` is the district's clue-id key (:mod:`huimin.rules.clue_ids`). Rows judged on a
    parameter's ``example`` value are left out (and listed) unless ``include_examples``.
    """
    frames, per_rule, skipped = [], {}, []
    rule_files = list(rule_files)
    data = PreparedData(dict(staged), as_of)
    evaluated = [f for f in rule_files if f.policy not in (reuse or {})]
    declare_reads(evaluated, data)
    after = dict(zip([f.policy for f in evaluated], releases(evaluated), strict=True))

    def default(name: str) -> tuple[bool, str, bool]:
        return name in staged, f"{name} is missing from the input", False

    check = usable or default
    for rule_file in rule_files:
        earlier = (reuse or {}).get(rule_file.policy)
        if earlier is not None:
            outcome = PolicyOutcome(
                earlier.findings.drop("clue_id")
                .with_columns(pl.lit(None, pl.String).alias("clue_id"))
                .select(list(FINDING_SCHEMA)),
                dict(earlier.per_rule),
                list(earlier.not_evaluated),
            )
        else:

            def evaluate(rule_file: RuleFile = rule_file) -> PolicyOutcome:
                return evaluate_file(
                    rule_file,
                    data,
                    check,
                    (source_files or {}).get(rule_file.policy),
                    check_period,
                    include_examples,
                )

            outcome = (each_policy or _call)(rule_file, evaluate)
            done = after[rule_file.policy]
            data.release(done.rows, done.finished)
        frames.append(outcome.findings)
        per_rule.update(outcome.per_rule)
        skipped.extend(outcome.not_evaluated)
    findings = pl.concat(frames) if frames else pl.DataFrame(schema=FINDING_SCHEMA)
    findings = assign_clue_ids(findings, key).sort(["clue_id", "rule_id"])
    return RuleRun(findings, build_clues(findings), per_rule, skipped)


def declare_reads(rule_files: Iterable[RuleFile], data: PreparedData) -> None:
    """Tell ``data`` which columns the rules read of each registry, so that each registry is
    read once, with those columns, for all of them."""
    for rule_file in rule_files:
        for rule in rule_file.rules:
            reads = KINDS[rule.kind].reads
            for name, columns in (reads(rule) if reads else {}).items():
                data.declare(name, columns)


@dataclass(frozen=True)
class Release:
    """What the run's prepared data may forget once a rule file is evaluated: the rows of the
    datasets no later file reads itself, and the frames built once for the run from datasets
    no later file reads at all (``finished``: every one so far)."""

    rows: frozenset[str]
    finished: frozenset[str]


def releases(rule_files: Sequence[RuleFile]) -> list[Release]:
    """For each rule file of a run, in the order they are evaluated, what the prepared data
    may forget after it (:class:`Release`), so that no more is kept than later files read.

    A roster a rule pools ``across`` is read through a frame built once for the run
    (:meth:`PreparedData.once`), not its rows; preparing a roster reads the population
    registry.
    """
    reads = [_file_reads(rule_file) for rule_file in rule_files]
    last_rows = {name: i for i, (rows, _) in enumerate(reads) for name in rows}
    last_read = {name: i for i, (rows, pooled) in enumerate(reads) for name in rows | pooled}
    out: list[Release] = []
    finished: set[str] = set()
    for i in range(len(rule_files)):
        finished.update(name for name, last in last_read.items() if last == i)
        rows = frozenset(name for name, last in last_rows.items() if last == i)
        out.append(Release(rows, frozenset(finished)))
    return out


def _file_reads(rule_file: RuleFile) -> tuple[set[str], set[str]]:
    """The datasets the rules of a file read themselves, and those they only pool ``across``."""
    rows: set[str] = {rule_file.policy}
    pooled: set[str] = set()
    for rule in rule_file.rules:
        every = datasets_read(rule, rule_file)
        if rule.spec.get("across"):
            own = datasets_read(replace(rule, spec={**rule.spec, "across": None}), rule_file)
        else:
            own = every
        rows |= own
        pooled |= every - own
    if any(DATASETS[name].__family__ == "roster" for name in rows | pooled):
        rows.add("population")
    return rows, pooled


@dataclass
class PolicyOutcome:
    """What one rule file found: its findings (no clue ids yet), counts and gaps."""

    findings: pl.DataFrame
    per_rule: dict[str, int]
    not_evaluated: list[tuple[str, str, bool]]


#: how each rule file's evaluation is run: ``each_policy(rule_file, evaluate)`` must return
#: ``evaluate()`` (a progress bar or a Prefect task wraps it)
EachPolicy = Callable[[RuleFile, Callable[[], PolicyOutcome]], PolicyOutcome]


def _call(rule_file: RuleFile, evaluate: Callable[[], PolicyOutcome]) -> PolicyOutcome:
    return evaluate()


def evaluate_file(
    rule_file: RuleFile,
    data: PreparedData,
    usable: Usable,
    source: str | None,
    check_period: str,
    include_examples: bool,
) -> PolicyOutcome:
    """Every rule of one file that can be evaluated, as findings; a frame its rules build
    alike is kept until the last rule asking for it."""
    frames, per_rule, skipped = [], {}, []
    declare_reads([rule_file], data)
    unmet = [unmet_need(rule, rule_file, usable) for rule in rule_file.rules]
    roster: pl.DataFrame | None = None
    if any(reason is None for reason in unmet):
        # the parameters in force are worked out once for all the file's rules
        roster = roster_frame(rule_file, data).collect(engine=ENGINE)
    asked = _asked(rule_file, [reason is None for reason in unmet], data, roster)
    shared: dict[Hashable, pl.DataFrame] = {}  # what the file's rules build alike
    for i, rule in enumerate(rule_file.rules):
        reason = unmet[i]
        if reason is not None:
            skipped.append((rule.id, reason[0], reason[1]))
            continue
        assert roster is not None
        judged, notes = gate(rule, rule_file, roster.lazy(), include_examples)
        skipped.extend(notes)
        rows, key = _judged(rule, rule_file, roster, judged)
        ctx = RuleContext(data, rule_file, rows, shared, key)
        found = findings_for_rule(rule, rule_file, flag_rows(rule, ctx), source, check_period)
        per_rule[rule.id] = found.height
        frames.append(found)
        later = set().union(*asked[i + 1 :])
        # (rows, key) of a frame no later rule of the file asks for
        done = [full for full in shared if isinstance(full, tuple) and full[1] not in later]
        for full in done:
            del shared[full]
    findings = pl.concat(frames) if frames else pl.DataFrame(schema=FINDING_SCHEMA)
    return PolicyOutcome(findings, per_rule, skipped)


def _asked(
    rule_file: RuleFile, evaluated: list[bool], data: PreparedData, roster: pl.DataFrame | None
) -> list[set[Hashable]]:
    """The keys each rule of the file asks the file's shared frames for
    (:meth:`RuleContext.once`), from its plan built but not run (none for a rule not
    evaluated), so that a frame is forgotten after the last rule asking for it."""
    asked: list[set[Hashable]] = []
    for rule, evaluate in zip(rule_file.rules, evaluated, strict=True):
        asked.append(set())
        if evaluate and roster is not None:
            ctx = RuleContext(data, rule_file, roster.lazy(), asked=asked[-1])
            KINDS[rule.kind].execute(rule, ctx)
    return asked


def _judged(
    rule: Rule, rule_file: RuleFile, roster: pl.DataFrame, judged: pl.LazyFrame
) -> tuple[pl.LazyFrame, Hashable]:
    """The rows the rule judges, and what tells them apart from the other rules' (the
    parameters the gate looked at): the whole roster, as for a rule with no parameters, when
    the gate kept every row, so that the rule shares the frames built from it."""
    used = tuple(used_parameters(rule, rule_file))
    if not used or judged.select(pl.len()).collect(engine=ENGINE).item() == roster.height:
        return roster.lazy(), ()
    return judged, used


def load_staged(paths: Mapping[str, Path]) -> dict[str, pl.LazyFrame]:
    """The given staged datasets (this run's, and only those)."""
    return {name: pl.scan_parquet(path) for name, path in sorted(paths.items()) if name in DATASETS}
