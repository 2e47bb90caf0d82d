from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from huimin import parsing


def _parse(kind: str, values: list[str | None]) -> list[object]:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(parsing.parse(kind, pl.col("v"))).to_series().to_list()


def test_dates_in_every_listed_form() -> None:
    values = [
        "2023-05-01",
        "2023/5/1",
        "2023年5月1日",
        "45047",
        "45047.0",
        "20230501",
        "2023-05-01 00:00:00",
        "２０２３-０５-０１",
        " 2023.5.1 ",
    ]
    assert _parse("date", values) == [dt.date(2023, 5, 1)] * len(values)


@pytest.mark.parametrize("bad", ["2023-02-30", "2023-13-01", "yesterday", "2023-5", "99999999"])
def test_impossible_dates_do_not_parse(bad: str) -> None:
    assert _parse("date", [bad]) == [None]


def test_months() -> None:
    values = ["2023-05", "2023/05", "202305", "2023年5月", "2023-5", "2023.05", "2023-05-01"]
    assert _parse("month", values) == ["2023-05"] * len(values)
    assert _parse("month", ["2023-13", "202313", "May"]) == [None, None, None]


def test_amounts_years_ints_bools() -> None:
    assert _parse("yuan", ["1,250.50", "１２５０.５", " 12 ", "-3", "abc"]) == [
        1250.5,
        1250.5,
        12.0,
        -3.0,
        None,
    ]
    assert _parse("year", ["2023", "2023年", "1800"]) == [2023, 2023, None]
    assert _parse("int", ["3", "3.0", "3.5"]) == [3, 3, None]
    assert _parse("bool", ["是", "否", "1", "false", "maybe"]) == [True, False, True, False, None]


def test_empty_cells_are_null() -> None:
    assert _parse("text", ["", "  ", "\u3000", None, " 张三 "]) == [None, None, None, None, "张三"]


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_every_accepted_form_of_a_date_reads_back(day: dt.date) -> None:
    serial = (day - parsing.EXCEL_EPOCH).days
    forms = [
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y%m%d}",
        str(serial),
        f"{serial}.0",
        f"{day.isoformat()} 00:00:00",
    ]
    assert _parse("date", forms) == [day] * len(forms)
    months = [
        f"{day:%Y-%m}",
        f"{day:%Y%m}",
        f"{day.year}年{day.month}月",
        f"{day.year}/{day.month}",
    ]
    assert _parse("month", months) == [f"{day:%Y-%m}"] * len(months)
