"""The metrics of a suite, computed in polars and shaped as Great Expectations' results.

Great Expectations 1.x validates pandas frames only: converting each staged dataset to pandas
and letting GX compute its metrics, one pass per expectation, cost more than the rest of the
report together. :func:`measure` computes every expectation of a suite in one lazy polars query
over the privacy-safe frame (:func:`huimin.reports.expectations.prepare_frame`) and returns, per
expectation, the ``success`` and ``result`` GX itself would have returned with the ``SUMMARY``
result format (``_format_map_output`` and the expectations' ``_validate`` of GX 1.x):

* column map expectations (values in a set, between bounds, matching a regex) count the
  unexpected values among the non-null ones and list the first 20 of them, with their positions
  in the validated frame; ``mostly`` is the share of non-null values that must be expected;
* ``ExpectColumnValuesToNotBeNull`` counts nulls among all rows;
* aggregate expectations (mean, median, max, distinct values, row count) observe one value and
  check it against inclusive bounds.

As in pandas, NaN counts as missing; the missing values a result lists are counted together
(GX counts each NaN of a pandas column apart, NaN != NaN). An expectation whose metrics cannot
be computed is an error outcome (``raised_exception``), like an exception inside GX: the others
still run. This module does not import Great Expectations.
"""

from __future__ import annotations

import math
import traceback
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from huimin.reports.expectations import ExpectationSpec

#: unexpected values (and their positions) a result lists: GX's ``partial_unexpected_count``
PARTIAL = 20
_ROWS = "__rows"

_MAP_TYPES = frozenset(
    {
        "ExpectColumnValuesToBeInSet",
        "ExpectColumnValuesToBeBetween",
        "ExpectColumnValuesToMatchRegex",
    }
)
_AGGREGATES: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "ExpectColumnMeanToBeBetween": lambda col: col.mean(),
    "ExpectColumnMedianToBeBetween": lambda col: col.median(),
    "ExpectColumnMaxToBeBetween": lambda col: col.max(),
    "ExpectColumnUniqueValueCountToBeBetween": lambda col: col.drop_nulls().n_unique(),
}


@dataclass(frozen=True)
class Outcome:
    """One expectation's result: what GX puts in ``success``, ``result``, ``exception_info``."""

    success: bool
    result: dict[str, Any]
    error: str | None = None


@dataclass(frozen=True)
class Measured:
    """The outcomes of a suite, in the order of its expectations, and the rows validated."""

    rows: int
    outcomes: list[Outcome]


#: computes an outcome from the collected row (expression name → value)
_Finish = Callable[[Mapping[str, Any]], Outcome]


@dataclass(frozen=True)
class _Plan:
    exprs: list[pl.Expr]
    finish: _Finish


def measure(frame: pl.LazyFrame, specs: Sequence[ExpectationSpec]) -> Measured:
    """Every expectation of ``specs`` on ``frame``, in one query when it can be computed."""
    schema = frame.collect_schema()
    plans = [_plan_or_error(spec, i, schema) for i, spec in enumerate(specs)]
    exprs = [pl.len().alias(_ROWS), *(e for plan in plans for e in plan.exprs)]
    try:
        row = frame.select(exprs).collect().row(0, named=True)
    except pl.exceptions.PolarsError:  # find which expectations fail, run the others
        return _measure_apart(frame, plans)
    return Measured(int(row[_ROWS]), [plan.finish(row) for plan in plans])


def _measure_apart(frame: pl.LazyFrame, plans: Sequence[_Plan]) -> Measured:
    rows = int(frame.select(pl.len()).collect().item())
    outcomes = []
    for plan in plans:
        try:
            row = frame.select([pl.len().alias(_ROWS), *plan.exprs]).collect().row(0, named=True)
            outcomes.append(plan.finish(row))
        except pl.exceptions.PolarsError:
            outcomes.append(_error())
    return Measured(rows, outcomes)


def _error() -> Outcome:
    return Outcome(False, {}, traceback.format_exc())


def _plan_or_error(spec: ExpectationSpec, i: int, schema: pl.Schema) -> _Plan:
    try:
        return _plan(spec, f"{i}:", schema)
    except (ValueError, TypeError, KeyError):  # as GX raises on a bad configuration
        outcome = _error()
        return _Plan([], lambda row: outcome)


def _column(name: str, schema: pl.Schema) -> pl.Expr:
    """The column with NaN as null (pandas counts NaN as missing)."""
    col = pl.col(name)
    return col.fill_nan(None) if schema.get(name, pl.Null).is_float() else col


def _plan(spec: ExpectationSpec, key: str, schema: pl.Schema) -> _Plan:
    kwargs = spec.kwargs
    if spec.type == "ExpectTableRowCountToBeBetween":
        return _Plan([], lambda row: _between(row[_ROWS], kwargs))
    if spec.type == "ExpectColumnToExist":
        exists = Outcome(kwargs["column"] in schema, {})
        return _Plan([], lambda row: exists)
    col = _column(kwargs["column"], schema)
    if spec.type in _AGGREGATES:
        value = _AGGREGATES[spec.type](col).alias(key)
        return _Plan([value], lambda row: _between(row[key], kwargs))
    if spec.type == "ExpectColumnValuesToNotBeNull":
        return _not_null(col, key, float(kwargs.get("mostly", 1.0)))
    if spec.type in _MAP_TYPES:
        return _map(col, _expected(spec.type, col, kwargs), key, float(kwargs.get("mostly", 1.0)))
    raise ValueError(f"no polars metric for {spec.type}")


def _expected(type_: str, col: pl.Expr, kwargs: Mapping[str, Any]) -> pl.Expr:
    """True where a (non-null) value is as expected."""
    if type_ == "ExpectColumnValuesToBeInSet":
        return col.is_in(list(kwargs["value_set"]))
    if type_ == "ExpectColumnValuesToMatchRegex":
        return col.cast(pl.String).str.contains(python_regex(kwargs["regex"]))
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is None and high is None:
        raise ValueError("min_value and max_value cannot both be None")
    if low is not None and high is not None and low > high:
        raise ValueError("min_value cannot be greater than max_value")
    ok = pl.lit(True)
    if low is not None:
        ok = ok & (col >= low)
    if high is not None:
        ok = ok & (col <= high)
    return ok


def python_regex(pattern: str) -> str:
    """``pattern`` for polars with Python's meaning of a final ``$`` (GX searches with ``re``):
    it also matches before a newline ending the value."""
    if pattern.endswith("$") and not pattern.endswith(r"\$"):
        return pattern[:-1] + r"\n?$"
    return pattern


def _positions(bad: pl.Expr) -> pl.Expr:
    return pl.int_range(pl.len(), dtype=pl.Int64).filter(bad).head(PARTIAL).implode()


def _not_null(col: pl.Expr, key: str, mostly: float) -> _Plan:
    bad = col.is_null()
    exprs = [bad.sum().alias(f"{key}bad"), _positions(bad).alias(f"{key}at")]

    def finish(row: Mapping[str, Any]) -> Outcome:
        rows, unexpected = int(row[_ROWS]), int(row[f"{key}bad"])
        values: list[Any] = [None] * min(unexpected, PARTIAL)
        success = rows == 0 or (rows - unexpected) / rows >= mostly
        result: dict[str, Any] = {
            "element_count": rows,
            "unexpected_count": unexpected,
            "unexpected_percent": unexpected / rows * 100 if rows else None,
            "partial_unexpected_list": values,
        }
        return Outcome(success, _with_counts(result, values, row[f"{key}at"]))

    return _Plan(exprs, finish)


def _map(col: pl.Expr, expected: pl.Expr, key: str, mostly: float) -> _Plan:
    present = col.is_not_null()
    bad = (present & ~expected).fill_null(False)
    exprs = [
        present.sum().alias(f"{key}present"),
        bad.sum().alias(f"{key}bad"),
        col.filter(bad).head(PARTIAL).implode().alias(f"{key}values"),
        _positions(bad).alias(f"{key}at"),
    ]

    def finish(row: Mapping[str, Any]) -> Outcome:
        rows, present_n = int(row[_ROWS]), int(row[f"{key}present"])
        unexpected, values = int(row[f"{key}bad"]), list(row[f"{key}values"])
        success = rows == 0 or present_n == 0 or (present_n - unexpected) / present_n >= mostly
        missing = rows - present_n
        nonmissing = unexpected / present_n * 100 if rows and present_n else None
        result: dict[str, Any] = {
            "element_count": rows,
            "unexpected_count": unexpected,
            "unexpected_percent": nonmissing,
            "partial_unexpected_list": values,
            "missing_count": missing,
            "missing_percent": missing / rows * 100 if rows else None,
            "unexpected_percent_total": unexpected / rows * 100 if rows else None,
            "unexpected_percent_nonmissing": nonmissing,
        }
        return Outcome(success, _with_counts(result, values, row[f"{key}at"]))

    return _Plan(exprs, finish)


def _with_counts(result: dict[str, Any], values: list[Any], at: Sequence[int]) -> dict[str, Any]:
    """Add the most frequent unexpected values (GX leaves them out when they do not sort)."""
    try:
        counts = sorted(Counter(values).most_common(PARTIAL), key=lambda x: (-x[1], x[0]))
        result["partial_unexpected_counts"] = [{"value": v, "count": n} for v, n in counts]
    except TypeError:
        pass
    result["partial_unexpected_index_list"] = list(at)
    return result


def _between(value: Any, kwargs: Mapping[str, Any]) -> Outcome:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Outcome(False, {"observed_value": None})
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    success = (low is None or value >= low) and (high is None or value <= high)
    return Outcome(bool(success), {"observed_value": value})
