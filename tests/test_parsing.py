from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

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
