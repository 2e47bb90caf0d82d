"""Effective-dated parameters: the value in force for a date (and zone)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from huimin.rules.model import Loc, Parameter, ParamValue
from huimin.rules.params import (
    effective_ranges,
    param_source,
    param_status,
    param_struct,
    value_at,
    value_expr,
    value_in_force,
)

LOC = Loc("rules/x.yaml", 1, 1)


def _value(
    value: float, start: dt.date, zone: str | None = None, end: dt.date | None = None
) -> ParamValue:
    return ParamValue(value, start, end, zone, "published", "test", "", LOC)


STANDARD = Parameter(
    "standard",
    "低保标准",
    "元/人/月",
    "",
    "area_type",
    (
        _value(910, dt.date(2022, 4, 1), "城市"),
        _value(780, dt.date(2022, 4, 1), "农村"),
        _value(940, dt.date(2023, 7, 1), "城市"),
        _value(820, dt.date(2023, 7, 1), "农村", end=dt.date(2023, 12, 31)),
    ),
    LOC,
)


def test_the_value_in_force_by_date_and_zone() -> None:
    assert value_at(STANDARD, dt.date(2023, 6, 30), "城市") == 910
    assert value_at(STANDARD, dt.date(2023, 7, 1), "城市") == 940
    assert value_at(STANDARD, dt.date(2023, 7, 1), "农村") == 820
    assert value_at(STANDARD, dt.date(2024, 1, 1), "农村") is None  # ended
    assert value_at(STANDARD, dt.date(2022, 3, 31), "城市") is None  # not yet


@given(
    st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2025, 12, 31)),
    st.sampled_from(["城市", "农村", "其他"]),
)
def test_vectorised_lookup_agrees_with_the_scalar_one(day: dt.date, zone: str) -> None:
    frame = pl.DataFrame({"on": [day], "area_type": [zone]})
    got = frame.select(value_expr(STANDARD, pl.col("on"))).item()
    assert got == value_at(STANDARD, day, zone)


def test_date_valued_parameters() -> None:
    window_end = Parameter(
        "window_end",
        "活动结束日期",
        "日期",
        "",
        None,
        (
            _value(dt.date(2023, 12, 31), dt.date(2023, 1, 1)),
            _value(dt.date(2024, 6, 30), dt.date(2024, 1, 1)),
        ),
        LOC,
    )
    assert window_end.is_date and window_end.typed_name == "window_end:date"
    frame = pl.DataFrame({"on": [dt.date(2023, 8, 1), dt.date(2024, 2, 1)]})
    got = frame.select(value_expr(window_end, pl.col("on"))).to_series().to_list()
    assert got == [dt.date(2023, 12, 31), dt.date(2024, 6, 30)]


def _district(
    value: float, start: dt.date, zone: str | None = None, end: dt.date | None = None
) -> ParamValue:
    return ParamValue(
        value, start, end, zone, "assumed", "district", "", DISTRICT_LOC, origin="district"
    )


DISTRICT_LOC = Loc("in/parameters.yaml", 5, 9)
MERGED = replace(
    STANDARD,
    name="dibao.standard",
    local="standard",
    values=(
        *STANDARD.values,
        _district(950, dt.date(2023, 7, 1), "城市", end=dt.date(2023, 9, 30)),
        _district(800, dt.date(2022, 1, 1), "农村", end=dt.date(2022, 5, 31)),
    ),
)


def test_a_district_value_wins_where_it_is_in_force() -> None:
    assert value_at(MERGED, dt.date(2023, 6, 30), "城市") == 910
    assert value_at(MERGED, dt.date(2023, 7, 1), "城市") == 950
    assert value_at(MERGED, dt.date(2023, 9, 30), "城市") == 950
    assert value_at(MERGED, dt.date(2023, 10, 1), "城市") == 940  # the project's again
    assert value_at(MERGED, dt.date(2022, 1, 1), "农村") == 800  # before the project's first
    assert value_at(MERGED, dt.date(2022, 6, 1), "农村") == 780
    ranges = [(v.value, a, b) for v, a, b in effective_ranges(MERGED) if v.zone == "城市"]
    assert sorted(ranges, key=lambda r: r[1]) == [
        (910, dt.date(2022, 4, 1), dt.date(2023, 6, 30)),
        (950, dt.date(2023, 7, 1), dt.date(2023, 9, 30)),
        (940, dt.date(2023, 10, 1), None),
    ]


@given(
    st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2025, 12, 31)),
    st.sampled_from(["城市", "农村", "其他"]),
)
def test_merged_vectorised_lookup_agrees_with_the_scalar_one(day: dt.date, zone: str) -> None:
    frame = pl.DataFrame({"on": [day], "area_type": [zone]})
    got = frame.select(value_expr(MERGED, pl.col("on"))).item()
    assert got == value_at(MERGED, day, zone)
    found = value_in_force(MERGED, day, zone)
    status = frame.select(param_status([MERGED], pl.col("on"))).item()
    assert status == {"standard": found[0].status if found else None}


def test_status_and_source_in_force_per_row() -> None:
    frame = pl.DataFrame(
        {
            "on": [
                dt.date(2021, 1, 1),
                dt.date(2022, 5, 1),
                dt.date(2023, 8, 1),
                dt.date(2024, 2, 1),
            ],
            "area_type": ["农村", "农村", "城市", "农村"],
        }
    )
    out = frame.select(
        param_struct([MERGED], pl.col("on")),
        param_status([MERGED], pl.col("on")),
        param_source([MERGED], pl.col("on")),
    )
    assert out.get_column("param").struct.field("standard").to_list() == [None, 800, 950, None]
    assert out.get_column("param_status").struct.field("standard").to_list() == [
        None,  # before the first value
        "assumed",
        "assumed",
        None,  # after the last end
    ]
    assert out.get_column("param_source").struct.field("standard").to_list() == [
        None,
        "district",
        "district",
        None,
    ]


def test_no_parameters_give_a_null_column() -> None:
    frame = pl.DataFrame({"on": [dt.date(2023, 1, 1)]})
    assert frame.select(param_status([], pl.col("on"))).columns == ["param_status"]
