"""clues.xlsx: the clues with their Chinese account, each finding, the summary by street."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import polars as pl

from huimin.rules.clues import CLUE_SCHEMA
from huimin.rules.findings import FINDING_SCHEMA
from huimin.rules.output import NO_STREET, STREETS, street_summary, write_clues


def _clues() -> pl.DataFrame:
    rows = [
        ("农村低保", "区民政局", "吴家山街", "high"),
        ("农村低保", "区民政局", "吴家山街", "medium"),
        ("农村低保", "区民政局", "金银湖街", "low"),
        ("汽车以旧换新补贴", "区经信局", None, "high"),
        ("实际种粮农民一次性补贴", "区财政局", "东山街", "high"),
    ]
    data: dict[str, list[object]] = {name: [None] * len(rows) for name in CLUE_SCHEMA}
    data["clue_id"] = [f"HM-{i}" for i in range(len(rows))]
    data["project"] = [r[0] for r in rows]
    data["department"] = [r[1] for r in rows]
    data["street"] = [r[2] for r in rows]
    data["severity"] = [r[3] for r in rows]
    data["subject_kind"] = ["person"] * len(rows)
    data["id_numbers"] = [["420112199001010014"]] * len(rows)
    data["related_clue_ids"] = [[]] * len(rows)
    data["amount"] = [1234.5, 10.0, 0.456, 3000.0, 1.0]
    data["summary"] = ["家庭成员张三于2023-03-14死亡，2023-04至2023-10仍按2人发放"] * len(rows)
    return pl.DataFrame(data, schema=CLUE_SCHEMA)


def test_summary_by_street_adds_up_in_the_order_of_the_district_table() -> None:
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
    for row in table.iter_rows(named=True):
        assert row["线索数量"] == sum(row[c] for c in [*STREETS, NO_STREET])
    assert table.row(1, named=True)[NO_STREET] == 1, "a dealer's clue has its own column"


def test_workbook_sheets_chinese_columns_and_no_json(tmp_path: Path) -> None:
    _, xlsx = write_clues(_clues(), pl.DataFrame(schema=FINDING_SCHEMA), tmp_path)
    clues = pl.read_excel(xlsx, sheet_name="线索", read_options={"header_row": 1})
    assert clues.columns[:3] == ["序号", "项目名称", "街道"]
    assert set(clues.get_column("风险等级")) == {"高", "中", "低"}
    assert "疑点描述" in clues.columns and "核查要点" in clues.columns
    assert not any("{" in str(v) for v in clues.get_column("疑点描述"))
    summary = pl.read_excel(xlsx, sheet_name="按街道汇总", read_options={"header_row": 1})
    assert summary.get_column("线索数量").to_list()[-1] == 5
    assert (tmp_path / "findings.parquet").is_file()


def test_workbook_prints_landscape_fit_to_width_with_money_at_two_decimals(
    tmp_path: Path,
) -> None:
    _, xlsx = write_clues(_clues(), pl.DataFrame(schema=FINDING_SCHEMA), tmp_path)
    with zipfile.ZipFile(xlsx) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
        names = archive.read("xl/workbook.xml").decode()
    assert 'orientation="landscape"' in sheet and 'fitToHeight="0"' in sheet
    assert "<autoFilter" in sheet and "<pane" in sheet
    assert "Print_Titles" in names
    assert "#,##0.00" in styles


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    """A name such as =HYPERLINK(...) is data: never a live formula or link in clues.xlsx."""
    hostile = '=HYPERLINK("http://x","click")'
    clues = _clues().with_columns(
        name=pl.Series([hostile, "+1+1", "@SUM(A1)", "-2", "张三"]),
        summary=pl.lit("http://example.com/evidence"),
    )
    _, xlsx = write_clues(clues, pl.DataFrame(schema=FINDING_SCHEMA), tmp_path)
    with zipfile.ZipFile(xlsx) as archive:
        for part in archive.namelist():
            data = archive.read(part).decode("utf-8")
            if part.startswith("xl/worksheets/"):
                assert not re.search(r"<f[ >]", data), part
                assert "hyperlink" not in data.lower(), part
    back = pl.read_excel(
        xlsx,
        sheet_name="线索",
        read_options={"header_row": 1},
        schema_overrides={"身份证号码": pl.String},
    )
    assert sorted(back.get_column("姓名").to_list()) == sorted(
        [hostile, "+1+1", "@SUM(A1)", "-2", "张三"]
    )
    assert set(back.get_column("身份证号码")) == {"420112199001010014"}
    assert set(back.get_column("疑点描述")) == {"http://example.com/evidence"}
