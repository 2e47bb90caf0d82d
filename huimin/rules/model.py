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

Severity = Literal["high", "medium", "low"]
DATE_SUFFIX = ":date"
Scope = Literal["person", "household"]
ValueStatus = Literal["published", "example", "assumed"]


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
    loc: Loc


@dataclass(frozen=True)
class Parameter:
    """An effective-dated policy parameter (a standard, a rate, an amount per tier).

    ``zone_by`` is an SQL expression over the roster row (e.g. ``area_type``) whose value
    picks the zone of the value to use; without it a parameter has one value per date.
    """

    name: str
    title: str
    unit: str
    reference: str
    zone_by: str | None
    values: tuple[ParamValue, ...]
    loc: Loc

    @property
    def is_date(self) -> bool:
        """A date-valued parameter (a programme's first or last day), not an amount or rate."""
        return any(isinstance(v.value, dt.date) for v in self.values)

    @property
    def typed_name(self) -> str:
        """How the loader tells :func:`huimin.rules.context.condition_schema` its type."""
        return f"{self.name}{DATE_SUFFIX}" if self.is_date else self.name


@dataclass(frozen=True)
class Example:
    """A worked case: rows given per dataset, evaluated at ``as_of``; the clues expected."""

    name: str
    as_of: dt.date
    given: dict[str, list[dict[str, Any]]]
    expect: list[dict[str, Any]]  # each: subject, period (and optionally amount); [] = no clue
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


@dataclass(frozen=True)
class RuleFile:
    """A policy's rule file."""

    path: str
    policy: str  # the roster dataset, e.g. dibao_rural
    project: str
    department: str
    parameters: dict[str, Parameter]
    rules: tuple[Rule, ...]


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
