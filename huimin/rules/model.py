"""What a rule file says, once loaded: plain typed data, every value with its location.

A rule file ``rules/<policy>.yaml`` names the roster it checks (``policy``), the project and
department as in the appendix table, its effective-dated ``parameters`` and its ``rules``.
The loader (:mod:`huimin.rules.loader`) builds these objects and reports every problem as
``file:line:column: message``; the engine (:mod:`huimin.rules.engine`) turns them into polars
plans.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from huimin.rules.sql import SqlRefusedError, sql_references

Severity = Literal["high", "medium", "low"]
DATE_SUFFIX = ":date"
Scope = Literal["person", "household"]
ValueStatus = Literal["published", "example", "assumed"]
#: where a parameter value was written: the project's tree or a district's parameters.yaml
Origin = Literal["project", "district"]


@dataclass(frozen=True)
class Loc:
    """Where a value was written: file, 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class ParamValue:
    """One value of a parameter, in force from ``start`` until ``end`` (inclusive) or on."""

    value: float | dt.date
    start: dt.date
    end: dt.date | None
    zone: str | None
    status: ValueStatus
    source: str
    note: str
    loc: Loc  # where the value was written: a tree file, or the district's parameters.yaml
    reference: str = ""  # the policy document (the parameter's, unless the value names its own)
    origin: Origin = "project"


@dataclass(frozen=True)
class Parameter:
    """An effective-dated policy parameter (a standard, a rate, an amount per tier).

    ``name`` is its path in the parameter tree (``dibao.rural_standard`` for
    ``rules/parameters/dibao/rural_standard.yaml``); ``local`` the name a rule file gives it
    (``parameters: {standard: dibao.rural_standard}``), which conditions use as
    ``param.<local>``. ``zone_by`` is an SQL expression over the roster row (e.g.
    ``area_type``) whose value picks the zone of the value to use; without it a parameter has
    one value per date. ``values`` holds the project's values and, after a district's
    ``parameters.yaml`` is merged, the district's (``ParamValue.origin``).
    """

    name: str
    title: str
    unit: str
    reference: str
    zone_by: str | None
    values: tuple[ParamValue, ...]
    loc: Loc
    local: str = ""
    zone_by_loc: Loc | None = None

    @property
    def local_name(self) -> str:
        """The name conditions use (``param.<local_name>``): the rule file's, else the tree's."""
        return self.local or self.name

    @property
    def is_date(self) -> bool:
        """A date-valued parameter (a programme's first or last day), not an amount or rate."""
        return any(isinstance(v.value, dt.date) for v in self.values)

    @property
    def zones(self) -> tuple[str, ...]:
        """The zones the project's values name (empty without zone_by)."""
        found = (v.zone for v in self.values if v.zone is not None and v.origin == "project")
        return tuple(dict.fromkeys(found))

    @property
    def typed_name(self) -> str:
        """How the loader tells :func:`huimin.rules.context.condition_schema` its type."""
        name = self.local_name
        return f"{name}{DATE_SUFFIX}" if self.is_date else name


@dataclass(frozen=True)
class Example:
    """A worked case: rows given per dataset, evaluated at ``as_of``; the clues expected."""

    name: str
    as_of: dt.date
    given: dict[str, list[dict[str, Any]]]
    # each: subject, period (and optionally amount, summary: the rendered text); [] = no clue
    expect: list[dict[str, Any]]
    loc: Loc


@dataclass(frozen=True)
class Rule:
    """One check. ``kind`` selects the parser and executor; ``spec`` holds its own keys."""

    id: str
    title: str
    description: str
    severity: Severity
    reference: str
    kind: str
    spec: dict[str, Any]
    evidence: tuple[str, ...]
    examples: tuple[Example, ...]
    loc: Loc
    locs: dict[str, Loc] = field(default_factory=dict)  # key → where its value was written
    #: 疑点描述: one sentence with the facts, a template (:mod:`huimin.rules.templates`)
    summary: str | None = None
    #: 核查要点: what to check, with which record, which method and element, a template
    verify: str | None = None


@dataclass(frozen=True)
class RuleFile:
    """A policy's rule file."""

    path: str
    policy: str  # the roster dataset, e.g. dibao_rural
    project: str
    department: str
    parameters: dict[str, Parameter]  # local name → the tree's parameter, district values merged
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class RuleNeeds:
    """The contract datasets a rule reads (:func:`rule_needs`).

    ``all_of``: each must have been sent (or declared absent) for the rule's clues to mean
    what they say. ``any_of``: groups (the rosters a pooled name such as ``dibao`` stands
    for) of which at least one must have been sent; with only some of a group, the rule sees
    fewer rows and may miss clues, but never makes a false one.
    """

    all_of: frozenset[str]
    any_of: tuple[frozenset[str], ...] = ()

    @property
    def datasets(self) -> frozenset[str]:
        """Every dataset named, in ``all_of`` or in a group of ``any_of``."""
        return self.all_of.union(*self.any_of)

    def missing(self, available: frozenset[str] | set[str]) -> frozenset[str]:
        """What the rule lacks given the datasets ``available`` (sent or declared absent):
        the ``all_of`` ones not there, and every part of a group none of which is there."""
        lacking = {name for name in self.all_of if name not in available}
        for group in self.any_of:
            if not group & available:
                lacking.update(group)
        return frozenset(lacking)


@dataclass(frozen=True)
class RuleProblem:
    """One problem found while loading rule files."""

    loc: Loc
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        hint = f" (did you mean {self.suggestion}?)" if self.suggestion else ""
        return f"{self.loc}: {self.message}{hint}"


class RuleFileError(Exception):
    """Every problem of one or more rule files, reported at once."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# ---------------------------------------------------------------- what a rule reads


def _rule_texts(rule: Rule, rule_file: RuleFile) -> list[str]:
    """Every SQL text the rule evaluates, with the zone_by of each parameter it uses."""
    # the kinds' executors read this module: imported here, not at the top
    from huimin.rules.kinds import KINDS

    texts = [*rule.evidence, *KINDS[rule.kind].sql_texts(rule.spec)]
    references = [ref for text in texts for ref in _references(text)]
    used = {ref[1] for ref in references if len(ref) > 1 and ref[0] == "param"}
    for name in sorted(used):
        zone_by = rule_file.parameters[name].zone_by if name in rule_file.parameters else None
        if zone_by:
            texts.append(zone_by)
    return texts


def _references(text: str) -> list[tuple[str, ...]]:
    try:
        return sql_references(text)
    except SqlRefusedError:
        return []  # a loaded rule never holds one


def rule_needs(rule: Rule, rule_file: RuleFile) -> RuleNeeds:
    """The contract datasets a rule reads (see :class:`~huimin.rules.model.RuleNeeds`).

    The roster of the file; the dataset the rule looks into (``registry``, ``dataset``,
    ``roster``), its ``via`` and the rosters ``across`` pools; ``land_holdings`` is read from
    ``land_contracts``; the population registry when the rule uses ``registered_household``
    or takes a household's members from it (household scope on a roster without
    ``household_id``). A pooled name (``dibao``) is a group of which one suffices, except for
    a kind that needs every part (``required_presence``: a missing part would make everyone on
    it look absent).
    """
    # the context and the kinds read this module: imported here, not at the top
    from huimin.rules.context import POOLED, TOTALS, model_of
    from huimin.rules.kinds import KINDS

    spec = rule.spec
    all_of: set[str] = {rule_file.policy}
    any_of: list[frozenset[str]] = []

    def add(name: str, strict: bool) -> None:
        if name in POOLED:
            parts = frozenset(POOLED[name])
            if strict:
                all_of.update(parts)
            elif parts not in any_of:
                any_of.append(parts)
        elif name in TOTALS:
            all_of.add(TOTALS[name].source)
        else:
            all_of.add(name)

    kind = KINDS[rule.kind]
    other = kind.other_dataset(spec)
    for name in other if isinstance(other, tuple) else (other,) if other else ():
        add(name, strict=kind.needs_every_part)
    if spec.get("via"):
        add(str(spec["via"]), strict=True)
    for name in spec.get("across") or []:
        add(str(name), strict=False)
    household = spec.get("scope") == "household"
    if household and "household_id" not in model_of(rule_file.policy).polars_schema():
        all_of.add("population")
    texts = _rule_texts(rule, rule_file)
    if any("registered_household" in ref for text in texts for ref in _references(text)):
        all_of.add("population")
    return RuleNeeds(frozenset(all_of), tuple(g for g in any_of if not g <= all_of))


def datasets_read(rule: Rule, rule_file: RuleFile) -> frozenset[str]:
    """Every contract dataset the rule may read (both parts of a pooled one)."""
    return rule_needs(rule, rule_file).datasets
