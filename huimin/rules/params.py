"""Effective-dated parameters: the value in force for a payment's period (and zone).

A value runs from its ``start`` until its ``end`` or, without one, until the day before the
next value of the same zone and origin starts. A district's value (``origin == "district"``,
from its ``parameters.yaml``) wins over the project's wherever it is in force; the project's
values fill the days around it. The date a payment is judged at is its ``period_start``.

Beside the ``param`` struct (the values), :func:`param_status` and :func:`param_source` give
per row the status and the source of each value in force, null where none is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import polars as pl

from huimin.rules.model import Parameter, ParamValue

Range = tuple[ParamValue, dt.date, dt.date | None]


def _chain(values: list[ParamValue]) -> list[Range]:
    """Values of one zone and origin, each running until its end or the next one's start."""
    out: list[Range] = []
    ordered = sorted(values, key=lambda v: v.start)
    for current, following in zip(ordered, [*ordered[1:], None], strict=False):
        last = current.end
        if following is not None:
            day_before = following.start - dt.timedelta(days=1)
            last = min(last, day_before) if last else day_before
        out.append((current, current.start, last))
    return out


def _minus(
    first: dt.date, last: dt.date | None, holes: list[tuple[dt.date, dt.date | None]]
) -> list[tuple[dt.date, dt.date | None]]:
    """The days of ``first``–``last`` (None: open) outside every hole, as ranges."""
    pieces: list[tuple[dt.date, dt.date | None]] = [(first, last)]
    for hole_first, hole_last in holes:
        kept: list[tuple[dt.date, dt.date | None]] = []
        for start, end in pieces:
            if (end is not None and end < hole_first) or (
                hole_last is not None and start > hole_last
            ):
                kept.append((start, end))
                continue
            if start < hole_first:
                kept.append((start, hole_first - dt.timedelta(days=1)))
            if hole_last is not None and (end is None or end > hole_last):
                kept.append((hole_last + dt.timedelta(days=1), end))
        pieces = kept
    return pieces


def effective_ranges(parameter: Parameter) -> list[Range]:
    """Each value with the first and last day it is in force (last None: still in force).

    A project value a district value covers in part appears once per uncovered piece.
    """
    out: list[Range] = []
    by_zone: dict[str | None, list[ParamValue]] = {}
    for value in parameter.values:
        by_zone.setdefault(value.zone, []).append(value)
    for values in by_zone.values():
        district = _chain([v for v in values if v.origin == "district"])
        holes = [(first, last) for _, first, last in district]
        for value, first, last in _chain([v for v in values if v.origin != "district"]):
            out.extend((value, a, b) for a, b in _minus(first, last, holes))
        out.extend(district)
    return out


def _in_force(
    parameter: Parameter,
    on: pl.Expr,
    pick: Callable[[ParamValue], object],
    dtype: pl.DataType,
) -> pl.Expr:
    """``pick(value)`` of the value in force on the date ``on`` (null where none is)."""
    zone = pl.sql_expr(parameter.zone_by).cast(pl.String) if parameter.zone_by else None
    expr: pl.Expr = pl.lit(None, dtype=dtype)
    for value, first, last in reversed(effective_ranges(parameter)):
        in_force = on >= first if last is None else on.is_between(first, last)
        if zone is not None:
            in_force = in_force & (zone == value.zone)
        expr = pl.when(in_force).then(pl.lit(pick(value), dtype=dtype)).otherwise(expr)
    return expr


def value_expr(parameter: Parameter, on: pl.Expr) -> pl.Expr:
    """The parameter's value in force on the date ``on`` (null where none is)."""
    dtype = pl.Date() if parameter.is_date else pl.Float64()
    return _in_force(parameter, on, lambda v: v.value, dtype)


def _fields_struct(fields: list[pl.Expr], name: str) -> pl.Expr:
    if not fields:
        return pl.lit(None).alias(name)
    return pl.struct(fields).alias(name)


def param_struct(parameters: Iterable[Parameter], on: pl.Expr) -> pl.Expr:
    """The ``param`` struct column: each parameter's value in force on ``on``, by the name
    conditions use (``param.<local>``)."""
    fields = [value_expr(p, on).alias(p.local_name) for p in parameters]
    return _fields_struct(fields, "param")


def param_status(parameters: Iterable[Parameter], on: pl.Expr) -> pl.Expr:
    """The ``param_status`` struct column: per parameter (by local name), the status of the
    value in force on ``on`` (``published``, ``assumed``, ``example``), null where no value
    is in force (before the first value, after the last ``end``, or a zone without one)."""
    fields = [
        _in_force(p, on, lambda v: v.status, pl.String()).alias(p.local_name) for p in parameters
    ]
    return _fields_struct(fields, "param_status")


def param_source(parameters: Iterable[Parameter], on: pl.Expr) -> pl.Expr:
    """The ``param_source`` struct column: per parameter (by local name), the source text of
    the value in force on ``on`` (null where none is)."""
    fields = [
        _in_force(p, on, lambda v: v.source, pl.String()).alias(p.local_name) for p in parameters
    ]
    return _fields_struct(fields, "param_source")


def value_in_force(parameter: Parameter, day: dt.date, zone: str | None = None) -> Range | None:
    """The value in force on ``day`` (for ``zone``) with its range, or None."""
    for value, first, last in effective_ranges(parameter):
        if value.zone == zone and first <= day and (last is None or day <= last):
            return value, first, last
    return None


def value_at(parameter: Parameter, day: dt.date, zone: str | None = None) -> float | dt.date | None:
    """Scalar lookup (for examples, explanations and tests)."""
    found = value_in_force(parameter, day, zone)
    return found[0].value if found else None
