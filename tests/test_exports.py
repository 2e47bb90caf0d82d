"""Safe spreadsheets: text stays text in workbooks, CSV cells never run as formulas."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest

from huimin.exports import (
    neutralise_csv,
    neutralise_csv_cell,
    safe_workbook,
    write_csv,
    write_text_cell,
)

FORMULA = '=HYPERLINK("http://x","click")'
HOSTILE = [FORMULA, "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "http://example.com", "00123"]


def sheet_cells(xlsx: Path) -> list[str]:
    """The ``<c>`` elements of every sheet, as XML text."""
    with zipfile.ZipFile(xlsx) as archive:
        sheets = [n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        xml = "".join(archive.read(n).decode("utf-8") for n in sheets)
    return re.findall(r"<c [^>]*?(?:/>|>.*?</c>)", xml)


def assert_text_only(xlsx: Path) -> None:
    """No formula anywhere; every cell that holds a value is a number or a string."""
    with zipfile.ZipFile(xlsx) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(r"<f[ >]", archive.read(name).decode("utf-8")), name
            if name.startswith("xl/worksheets/_rels/"):  # no hyperlink either
                assert b"hyperlink" not in archive.read(name), name


def strings_of(xlsx: Path) -> set[str]:
    with zipfile.ZipFile(xlsx) as archive:
        names = archive.namelist()
        xml = (
            archive.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in names else ""
        )
        sheets = "".join(archive.read(n).decode() for n in names if n.startswith("xl/worksheets/"))
    found = re.findall(r"<t(?: [^>]*)?>(.*?)</t>", xml + sheets, flags=re.S)
    return {html.unescape(v) for v in found}


@pytest.mark.parametrize("constant_memory", [False, True])
def test_hostile_text_stays_text(tmp_path: Path, constant_memory: bool) -> None:
    frame = pl.DataFrame({"姓名": HOSTILE, "n": list(range(len(HOSTILE)))})
    xlsx = tmp_path / "out.xlsx"
    with safe_workbook(xlsx, constant_memory=constant_memory) as workbook:
        if constant_memory:  # row by row (write_excel builds a table, which needs all rows)
            sheet = workbook.add_worksheet("s")
            sheet.write_row(0, 0, frame.columns)
            for i, row in enumerate(frame.iter_rows(), start=1):
                sheet.write_row(i, 0, row)
        else:
            frame.write_excel(workbook, worksheet="s")
    assert_text_only(xlsx)
    cells = sheet_cells(xlsx)
    text_cells = [c for c in cells if 't="s"' in c or 't="inlineStr"' in c]
    assert len(text_cells) == 2 + len(HOSTILE)  # two headers and every hostile value
    assert set(HOSTILE) - {"\r=1"} <= strings_of(xlsx)  # XML normalises a bare CR
    back = pl.read_excel(xlsx, sheet_name="s", schema_overrides={"姓名": pl.String})
    assert back.get_column("姓名").to_list()[:5] == HOSTILE[:5]
    assert back.get_column("姓名").to_list()[-2:] == HOSTILE[-2:]


def test_write_text_cell(tmp_path: Path) -> None:
    xlsx = tmp_path / "cells.xlsx"
    with safe_workbook(xlsx) as workbook:
        sheet = workbook.add_worksheet("s")
        write_text_cell(sheet, 0, 0, FORMULA)
        write_text_cell(sheet, 0, 1, "420112199001010014")
        write_text_cell(sheet, 0, 2, None)
    assert_text_only(xlsx)
    back = pl.read_excel(xlsx, has_header=False)
    assert back.row(0)[:2] == (FORMULA, "420112199001010014")


def test_the_string_options_cannot_be_turned_back_on(tmp_path: Path) -> None:
    xlsx = tmp_path / "o.xlsx"
    with safe_workbook(xlsx, strings_to_formulas=True) as workbook:
        workbook.add_worksheet("s").write(0, 0, FORMULA)
    assert_text_only(xlsx)


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        (FORMULA, "'" + FORMULA),
        ("+86 138", "'+86 138"),
        ("-10", "'-10"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("'=already", "'=already"),
        ("", ""),
    ],
)
def test_neutralise_csv_cell(value: str, safe: str) -> None:
    assert neutralise_csv_cell(value) == safe
    assert neutralise_csv_cell(safe) == safe  # idempotent


def test_neutralise_csv_touches_text_columns_only() -> None:
    frame = pl.DataFrame(
        {
            "name": ["=1", "张三", None],
            "kind": pl.Series(["@x", "y", "-z"], dtype=pl.Categorical),
            "amount": [-10.0, 1.0, 2.0],
        }
    )
    out = neutralise_csv(frame)
    assert out.get_column("name").to_list() == ["'=1", "张三", None]
    assert out.get_column("kind").to_list() == ["'@x", "y", "'-z"]
    assert out.get_column("amount").to_list() == [-10.0, 1.0, 2.0]


def test_write_csv_is_safe_atomic_and_excel_friendly(tmp_path: Path) -> None:
    frame = pl.DataFrame({"身份证号码": ["420112199001010014"], "姓名": [FORMULA], "金额": [-5.5]})
    target = tmp_path / "returns" / "民政局.csv"
    assert write_csv(frame, target) == target
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pl.read_csv(target, schema_overrides={"身份证号码": pl.String})
    assert back.row(0) == ("420112199001010014", "'" + FORMULA, -5.5)
    assert sorted(p.name for p in target.parent.iterdir()) == ["民政局.csv"]
    write_csv(frame, target, bom=False)
    assert target.read_bytes().startswith("身份证号码".encode())


def test_write_csv_leaves_the_previous_file_on_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.csv"
    write_csv(pl.DataFrame({"a": ["1"]}), target)
    before = target.read_bytes()

    def broken(self: pl.DataFrame, file: Path, **kwargs: object) -> None:
        Path(file).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(pl.DataFrame, "write_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        write_csv(pl.DataFrame({"a": ["2"]}), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
