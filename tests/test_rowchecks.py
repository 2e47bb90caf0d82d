"""Row checks: text checks of every cell, parsing once per distinct text, numbers in workbooks."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from huimin import parsing, rowchecks
from huimin.readers import read_table
from huimin.rowchecks import (
    CONTROL_FLAG,
    FLAG,
    LINE_BREAK_FLAG,
    RAW,
    SOURCE_ROW,
    flag_chunk,
    make_plan,
    parse_chunk,
)
from huimin.schemas import DATASETS

AS_OF = dt.date(2024, 1, 1)


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ("张三", False),
        ("张三\n", False),
        ("\r\n张三 \u3000\n", False),
        (" \n \t", False),
        ("", False),
        ("张\n三", True),
        ("张\r三", True),
        ("张 \r\n 三", True),
        ("\u3000张\u3000\n\u3000三\u3000", True),
        ("a\n\n", False),
        ("\n\na\nb\n", True),
    ],
)
def test_a_line_break_is_refused_only_inside_the_trimmed_value(value: str, refused: bool) -> None:
    plan = make_plan(DATASETS["deaths"], {"name": RAW + "姓名"}, AS_OF, columns=["姓名"])
    flagged = flag_chunk(pl.DataFrame({RAW + "姓名": [value, None]}), plan)
    assert flagged.get_column(LINE_BREAK_FLAG).to_list() == [refused, False]


def test_control_characters_are_c0_but_tab_and_line_breaks_del_and_c1() -> None:
    codes = [*range(0x00, 0x100), 0x3000, 0xFEFF]
    plan = make_plan(DATASETS["deaths"], {}, AS_OF, columns=["备注"])
    values = [f"说明{chr(code)}a" for code in codes]
    flagged = flag_chunk(pl.DataFrame({RAW + "备注": values}), plan)
    refused = [code for code, bad in zip(codes, flagged[CONTROL_FLAG], strict=True) if bad]
    assert refused == [
        c for c in range(0x00, 0xA0) if c not in (0x09, 0x0A, 0x0D, *range(0x20, 0x7F))
    ]


MESSY = {
    "year": ["2023", "２０２３", "2023年", "1800", "", None, "2023", "abc", " 2023 "],
    "planted_area_mu": ["1,234.5", "12亩", "-3", "", None, "x", "1,234.5", "0.125", "7"],
    "amount": ["1250.50", "1,250.50元", "１２５０", "-1", None, "", "1250.50", "12.345", "0"],
    "pay_date": [
        "2023-05-01",
        "2023/5/1",
        "2023年5月1日",
        "45000",
        "20230501",
        "",
        None,
        "x",
        "2023-02-30",
    ],
}


def test_parsing_once_per_distinct_text_gives_each_row_its_own_value() -> None:
    model = DATASETS["grain_subsidy"]
    specs = {s.name: s for s in model.field_specs()}
    by_field = {name: RAW + name for name in MESSY}
    plan = make_plan(model, by_field, AS_OF, columns=list(MESSY))
    rows = [dict(zip(MESSY, values, strict=True)) for values in zip(*MESSY.values(), strict=True)]
    rows = rows * 3 + rows[::-1]  # repeated texts, in changing order
    chunk = pl.DataFrame(
        {RAW + name: [row[name] for row in rows] for name in MESSY},
        schema={RAW + name: pl.String for name in MESSY},
    )
    parsed = parse_chunk(chunk, plan)
    for name, raw in by_field.items():
        kind = specs[name].kind
        expected = chunk.select(
            parsing.parse(kind, pl.col(raw)).alias("value"),
            parsing.normalise(kind, pl.col(raw)).is_not_null().alias("filled"),
        )
        assert parsed.get_column(name).to_list() == expected.get_column("value").to_list(), name
        unreadable = expected.select(pl.col("filled") & pl.col("value").is_null()).to_series()
        assert parsed.get_column(f"{FLAG}{name}:unreadable").to_list() == unreadable.to_list()
        missing = (~expected.get_column("filled")).to_list()
        assert parsed.get_column(f"{FLAG}{name}:missing").to_list() == missing
    assert parsed.get_column("name").null_count() == parsed.height  # not in the file


def test_cells_stored_as_numbers_are_counted_per_column(tmp_path: Path) -> None:
    path = tmp_path / "deaths.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_string(0, 0, "死亡人员名单")  # a title row above the header
    sheet.write_row(1, 0, ["公民身份号码", "姓名", "死亡日期"])
    sheet.write_string(2, 0, "420112193503120112")
    sheet.write_number(3, 0, 420112193807040226)
    sheet.write_number(4, 0, 4.2011219e17)
    sheet.write_datetime(5, 0, dt.datetime(2023, 1, 1), dates)
    for row in range(2, 6):
        sheet.write_string(row, 1, f"人{row}")
        sheet.write_datetime(row, 2, dt.datetime(2023, 5, row), dates)
    book.close()
    raw = read_table(path, {"公民身份号码", "姓名", "死亡日期"}, tmp_path)
    assert raw.rows == 4
    assert raw.numeric_cells == {"公民身份号码": 2}


# ---------------------------------------------------------------- the duplicate check's rows
_DEATH_VALUES = {
    "id_number": st.sampled_from(["420102199001011234", "42010219900101123X", None]),
    "name": st.sampled_from(["张三", "李四", "", None]),
    "death_date": st.sampled_from([dt.date(2023, 1, 1), dt.date(2023, 5, 2), None]),
    "source": st.sampled_from(["公安", "殡葬", None]),
}


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.fixed_dictionaries(_DEATH_VALUES), max_size=30),
    order=st.randoms(use_true_random=False),
)
def test_duplicates_found_from_shared_hashes_are_those_of_the_whole_frame(
    rows: list[dict[str, object]], order: random.Random
) -> None:
    """Only rows whose hash another row shares are compared whole: the flags and the "same
    as row N" texts are those of comparing every row."""
    plan = make_plan(DATASETS["deaths"], {}, AS_OF)
    schema = {"id_number": pl.String, "name": pl.String, "death_date": pl.Date, "source": pl.String}
    frame = pl.DataFrame(rows, schema=schema).with_columns(
        pl.Series(SOURCE_ROW, order.sample(range(2, 2 + 10 * len(rows)), len(rows)), pl.Int64)
    )
    typed = frame.sort(SOURCE_ROW).lazy()
    found = rowchecks.global_failures(typed, plan)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rowchecks, "_global_rows", lambda typed, plan: typed)
        everything = rowchecks.global_failures(typed, plan)
    assert found.equals(everything)
    duplicates = frame.height - frame.select(pl.struct(list(schema)).n_unique()).item()
    assert found.height == duplicates
