"""The polars metrics give what Great Expectations' own pandas validation gives, case by case."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl
import pytest

from huimin.reports.expectations import MONTH_REGEX, ExpectationSpec
from huimin.reports.gx_docs import import_gx
from huimin.reports.metrics import PARTIAL, Outcome, measure, python_regex

N = 60


def spec(type_: str, **kwargs: Any) -> ExpectationSpec:
    return ExpectationSpec(type_, kwargs, "", "test")


def tricky_frame(n: int) -> pl.DataFrame:
    """Nulls, NaN, values out of range, more unexpected values than a result lists, ties."""
    i = pl.int_range(n, eager=True)
    return pl.DataFrame(
        {
            "amount": (i.cast(pl.Float64) - 25.0).to_list(),
            "count": pl.Series([None if k % 7 == 0 else k - 30 for k in range(n)], dtype=pl.Int64),
            "valid": pl.Series([None if k % 5 == 0 else k % 3 != 0 for k in range(n)]),
            "kind": pl.Series([["甲", "乙", "丙", None][k % 4] for k in range(n)]),
            "month": pl.Series(
                ["2024-01", "2024-13", "2024-02\n", None, "24-01", "2024-12"][k % 6]
                for k in range(n)
            ),
            "day": pl.Series(
                [
                    None if k % 9 == 0 else dt.datetime(2020, 1, 1) + dt.timedelta(days=400 * k)
                    for k in range(n)
                ],
                dtype=pl.Datetime("ns"),
            ),
            "nothing": pl.Series([None] * n, dtype=pl.Float64),
        }
    ).with_columns(
        amount=pl.when(pl.col("amount") == 3.0).then(float("nan")).otherwise(pl.col("amount"))
    )


SPECS = [
    spec("ExpectTableRowCountToBeBetween", min_value=1),
    spec("ExpectColumnToExist", column="missing_column"),
    spec("ExpectColumnValuesToNotBeNull", column="count"),
    spec("ExpectColumnValuesToNotBeNull", column="amount", mostly=0.9),
    spec("ExpectColumnValuesToNotBeNull", column="nothing", mostly=0.0),
    spec("ExpectColumnValuesToBeBetween", column="amount", min_value=0),
    spec("ExpectColumnValuesToBeBetween", column="count", min_value=-5, max_value=5, mostly=0.1),
    spec("ExpectColumnValuesToBeBetween", column="count", max_value=100),
    spec(
        "ExpectColumnValuesToBeBetween",
        column="day",
        min_value=dt.datetime(1900, 1, 1),
        max_value=dt.datetime(2030, 12, 31),
    ),
    spec("ExpectColumnValuesToBeBetween", column="nothing", min_value=0),
    spec("ExpectColumnValuesToBeInSet", column="valid", value_set=[True], mostly=0.5),
    spec("ExpectColumnValuesToBeInSet", column="kind", value_set=["甲", "乙"]),
    spec("ExpectColumnValuesToMatchRegex", column="month", regex=MONTH_REGEX),
    spec("ExpectColumnMeanToBeBetween", column="amount", min_value=0, max_value=10),
    spec("ExpectColumnMeanToBeBetween", column="nothing", min_value=0, max_value=10),
    spec("ExpectColumnMedianToBeBetween", column="count", min_value=-2, max_value=2),
    spec("ExpectColumnMaxToBeBetween", column="amount", min_value=0.0, max_value=30.0),
    spec("ExpectColumnUniqueValueCountToBeBetween", column="month", min_value=1, max_value=4),
]


def _normal(value: Any) -> Any:
    """JSON as GX stores it; pandas writes a missing datetime as NaT where polars has null."""
    data = json.loads(json.dumps(value, default=dt.datetime.isoformat))
    text = json.dumps(data).replace('"NaT"', "null")
    return json.loads(text)


def _gx_results(frame: pl.DataFrame, specs: list[ExpectationSpec]) -> list[Any]:
    """What GX's own pandas validation says of each expectation of ``specs`` (the reference)."""
    gx, gxe = import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_pandas("oracle")
        .add_dataframe_asset("frame")
        .add_batch_definition_whole_dataframe("all")
    )
    suite = context.suites.add(
        gx.ExpectationSuite(
            name="oracle",
            expectations=[
                getattr(gxe, s.type)(**s.kwargs, meta={"i": i}) for i, s in enumerate(specs)
            ],
        )
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="oracle", data=batch, suite=suite)
    )
    result = definition.run(
        batch_parameters={"dataframe": frame.to_pandas()},
        result_format={"result_format": "SUMMARY"},
    )
    out: list[Any] = [None] * len(specs)
    for item in result.results:
        assert not item.exception_info["raised_exception"], item.exception_info
        data = item.to_json_dict()
        out[data["expectation_config"]["meta"]["i"]] = {
            "success": data["success"],
            "result": _merge_counts(_normal(data["result"])),
        }
    return out


def _merge_counts(result: dict[str, Any]) -> dict[str, Any]:
    """GX counts each NaN of a pandas column apart (NaN != NaN): one count per missing value."""
    if "partial_unexpected_counts" in result:
        merged: dict[str, int] = {}
        for item in result["partial_unexpected_counts"]:
            key = json.dumps(item["value"])
            merged[key] = merged.get(key, 0) + item["count"]
        result["partial_unexpected_counts"] = [
            {"value": json.loads(k), "count": n} for k, n in merged.items()
        ]
    return result


@pytest.mark.parametrize("rows", [N, 0])
def test_polars_metrics_equal_gx_pandas_results(rows: int) -> None:
    frame = tricky_frame(rows)
    measured = measure(frame.lazy(), SPECS)
    assert measured.rows == rows
    expected = _gx_results(frame, SPECS)
    for s, outcome, gx_says in zip(SPECS, measured.outcomes, expected, strict=True):
        assert outcome.error is None, outcome.error
        got = _normal({"success": outcome.success, "result": outcome.result})
        assert got == gx_says, s


def test_lists_at_most_twenty_unexpected_values_with_positions() -> None:
    frame = tricky_frame(N)
    [between] = measure(frame.lazy(), [SPECS[5]]).outcomes
    assert between.result["unexpected_count"] == 25  # -25 … -1
    assert len(between.result["partial_unexpected_list"]) == PARTIAL
    assert between.result["partial_unexpected_index_list"][:3] == [0, 1, 2]
    assert not between.success


def test_an_expectation_that_cannot_be_computed_is_an_error_the_others_run() -> None:
    frame = pl.DataFrame({"text": ["a", "b"], "n": [1, 2]})
    specs = [
        spec("ExpectColumnValuesToBeBetween", column="text", min_value=0),
        spec("ExpectColumnValuesToBeBetween", column="n", min_value=None, max_value=None),
        spec("ExpectColumnValuesToBeBetween", column="n", min_value=0, max_value=1),
        spec("ExpectNoSuchThing", column="n"),
    ]
    outcomes = measure(frame.lazy(), specs).outcomes
    assert [o.error is not None for o in outcomes] == [True, True, False, True]
    assert outcomes[2] == Outcome(
        False,
        {
            "element_count": 2,
            "unexpected_count": 1,
            "unexpected_percent": 50.0,
            "partial_unexpected_list": [2],
            "missing_count": 0,
            "missing_percent": 0.0,
            "unexpected_percent_total": 50.0,
            "unexpected_percent_nonmissing": 50.0,
            "partial_unexpected_counts": [{"value": 2, "count": 1}],
            "partial_unexpected_index_list": [1],
        },
    )
    assert all(not o.success for o in outcomes)


def test_a_final_dollar_keeps_its_python_meaning() -> None:
    assert python_regex(MONTH_REGEX).endswith(r")\n?$")
    assert python_regex(r"^a\$") == r"^a\$"
