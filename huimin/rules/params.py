"""Effective-dated parameters: the value in force for a payment's period (and zone).

A value runs from its ``start`` until its ``end`` or, without one, until the day before the
next value of the same zone starts. The date a payment is judged at is its ``period_start``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from huimin.rules.model import Parameter, ParamValue


def effective_ranges(parameter: Parameter) -> list[tuple[ParamValue, dt.date, dt.date | None]]:
    """Each value with the first and last day it is in force (last None: still in force)."""
    out = []
    by_zone: dict[str | None, list[ParamValue]] = {}
    for value in parameter.values:
        by_zone.setdefault(value.zone, []).append(value)
    for values in by_zone.values():
        ordered = sorted(values, key=lambda v: v.start)
        for current, following in zip(ordered, [*ordered[1:], None], strict=True):
            last = current.end
            if following is not None:
                day_before = following.start - dt.timedelta(days=1)
                last = min(last, day_before) if last else day_before
            out.append((current, current.start, last))
    return out


def value_expr(parameter: Parameter, on: pl.Expr) -> pl.Expr:
    """The parameter's value in force on the date ``on`` (null where none is)."""
    zone = pl.sql_expr(parameter.zone_by).cast(pl.String) if parameter.zone_by else None
    dtype = pl.Date() if parameter.is_date else pl.Float64()
    expr: pl.Expr = pl.lit(None, dtype=dtype)
    for value, first, last in reversed(effective_ranges(parameter)):
        in_force = on >= first if last is None else on.is_between(first, last)
        if zone is not None:
            in_force = in_force & (zone == value.zone)
        expr = pl.when(in_force).then(pl.lit(value.value, dtype=dtype)).otherwise(expr)
    return expr


def param_struct(parameters: Iterable[Parameter], on: pl.Expr) -> pl.Expr:
    """The ``param`` struct column: every parameter's value in force on ``on``."""
    fields = [value_expr(p, on).alias(p.name) for p in parameters]
    if not fields:
        return pl.lit(None).alias("param")
    return pl.struct(fields).alias("param")


def value_at(parameter: Parameter, day: dt.date, zone: str | None = None) -> float | dt.date | None:
    """Scalar lookup (for examples, explanations and tests)."""
    for value, first, last in effective_ranges(parameter):
        if value.zone == zone and first <= day and (last is None or day <= last):
            return value.value
    return None
