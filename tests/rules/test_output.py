"""clues.xlsx: the clues with Chinese headers, and the summary by street of the district table."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from huimin.rules.engine import CLUE_SCHEMA
from huimin.rules.output import street_summary, write_clues


def _clues() -> pl.DataFrame:
    rows = [
        ("农村低保", "区民政局", "吴家山街", "high"),
        ("农村低保", "区民政局", "吴家山街", "medium"),
        ("农村低保", "区民政局", "金银湖街", "low"),
        ("汽车以旧换新补贴", "区经信局", None, "high"),
        ("实际种粮农民一次性补贴", "区财政局", "东山街", "high"),
    ]
    data = {name: [None] * len(rows) for name in CLUE_SCHEMA}
    data["clue_id"] = [f"HM-{i}" for i in range(len(rows))]
    data["project"] = [r[0] for r in rows]
    data["department"] = [r[1] for r in rows]
    data["street"] = [r[2] for r in rows]
    data["severity"] = [r[3] for r in rows]
    return pl.DataFrame(data, schema=CLUE_SCHEMA)


def test_summary_by_street_in_the_order_of_the_district_table() -> None:
    table = street_summary(_clues())
    assert table.get_column("项目名称").to_list() == [
        "实际种粮农民一次性补贴",
        "汽车以旧换新补贴",
        "农村低保",
        "汇总",
    ]
    assert table.get_column("线索数量").to_list() == [1, 1, 3, 5]
    dibao = table.row(2, named=True)
    assert (dibao["吴家山街"], dibao["金银湖街"], dibao["东山街"]) == (2, 1, 0)
    # a dealer's clue has no street: it counts in the total only
    car = table.row(1, named=True)
    assert sum(v for k, v in car.items() if k.endswith(("街", "花园"))) == 0


def test_workbook_has_both_sheets_and_chinese_severity(tmp_path: Path) -> None:
    _, xlsx = write_clues(_clues(), tmp_path)
    clues = pl.read_excel(xlsx, sheet_name="线索")
    assert set(clues.get_column("严重程度")) == {"高", "中", "低"}
    summary = pl.read_excel(xlsx, sheet_name="按街道汇总")
    assert summary.get_column("线索数量").to_list()[-1] == 5


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    """A name such as =HYPERLINK(...) is data: never a live formula or link in clues.xlsx."""
    import re
    import zipfile

    hostile = '=HYPERLINK("http://x","click")'
    clues = _clues().with_columns(
        name=pl.Series([hostile, "+1+1", "@SUM(A1)", "-2", "张三"]),
        subject=pl.lit("420112199001010014"),
        evidence=pl.lit("http://example.com/evidence"),
    )
    _, xlsx = write_clues(clues, tmp_path)
    with zipfile.ZipFile(xlsx) as archive:
        for part in archive.namelist():
            data = archive.read(part).decode("utf-8")
            if part.startswith("xl/worksheets/"):
                assert not re.search(r"<f[ >]", data), part
                assert "hyperlink" not in data.lower(), part
    back = pl.read_excel(
        xlsx, sheet_name="线索", schema_overrides={"身份证号码/项目编号": pl.String}
    )
    assert back.get_column("姓名").to_list() == [hostile, "+1+1", "@SUM(A1)", "-2", "张三"]
    assert set(back.get_column("身份证号码/项目编号")) == {"420112199001010014"}
    assert set(back.get_column("依据")) == {"http://example.com/evidence"}
