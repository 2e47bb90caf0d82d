"""huimin report: the report upward, its totals and the department analysis, from a ledger
built through the real intake, records and sampling, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from huimin import cli_report
from huimin.idnumber import make_id
from huimin.ledger.intake import Deadlines, import_list, sync
from huimin.ledger.models import Event
from huimin.ledger.records import apply_records
from huimin.ledger.report import (
    NO_PROBLEM_TYPE,
    department_analysis,
    masked_subject,
    province_report,
    province_totals,
)
from huimin.ledger.sampling import close_round, draw, sample
from huimin.ledger.store import Ledger
from huimin.redact import find_full_ids
from tests.ledger.conftest import ID_A, ID_B, clue_row, disposition, publish, verification

AS_OF = dt.date(2023, 11, 20)
ID_C = make_id("420112", dt.date(1960, 5, 5), 31)
ID_D = make_id("420112", dt.date(1975, 7, 7), 42)
ID_E = make_id("420112", dt.date(1948, 2, 2), 11)
ID_F = make_id("420112", dt.date(1952, 3, 3), 22)
ID_G = make_id("420112", dt.date(2012, 9, 9), 33)
FORMULA = '=HYPERLINK("http://x","y")'
DIBAO, AID = "农村低保", "义务教育家庭经济困难学生生活补助"
HEADER = "线索编号,业务主管部门,项目名称,街道,身份证号码,姓名,问题描述,涉及金额（元）,下发日期\n"
PROVINCE_ROWS = [
    f"HB-0001,区民政局,{DIBAO},吴家山街,{ID_A},张三,死亡后仍领取,3600,2023-08-01",
    f"HB-0002,区民政局,{DIBAO},东山街,{ID_B},李梅,名下有车,1200,2023-08-01",
    f"HB-0003,区民政局,{DIBAO},东山街,{ID_C},王五,死亡后仍领取,800,2023-08-01",
    f"HB-0004,区民政局,{DIBAO},吴家山街,{ID_D},赵六,死亡后仍领取,3600,2023-08-01",
]
P1, P2, P3 = "prov:HB-0001", "prov:HB-0002", "prov:HB-0003"
runner = CliRunner()


def _verify(clue_id: str, outcome: str, **changes: Any) -> list[dict[str, Any]]:
    return [
        {"clue_id": clue_id, "to": "核查中"},
        {"clue_id": clue_id, "to": outcome, "verification": verification(**changes)},
    ]


def _recheck(clue_id: str, outcome: str, day: str) -> list[dict[str, Any]]:
    return [
        {"clue_id": clue_id, "to": "复核中"},
        {
            "clue_id": clue_id,
            "to": outcome,
            "verification": verification(verifier="陈七", date=day),
        },
    ]


def build(ledger: Ledger, tmp_path: Path) -> None:
    """Seven clues: four from the province (one joining a district clue), four from a run.

    P1 查实 → 整改中 → 已销号 (3600 of 3600); P2 查否, drawn, overturned to 查实 → 移交纪检监察
    (1200 owed); P3 查否, not drawn → 查否结案; d1 (with HB-0004) 部分属实 → 专题报告; d2 查否,
    drawn → 维持查否; d3 待核查 (late); d4 (区教育局, a school) 查实 → 整改中 (200 of 500, late).
    """
    out = publish(
        tmp_path / "out",
        [
            clue_row("d1", subject=ID_D, id_numbers=[ID_D], name="赵六", project=DIBAO),
            clue_row("d2", street="长青街", subject=ID_E, id_numbers=[ID_E], project=DIBAO),
            clue_row("d3", subject=ID_F, id_numbers=[ID_F], project=DIBAO),
            clue_row(
                "d4",
                street="",
                organization="某某小学",
                department="区教育局",
                project=AID,
                subject=ID_G,
                id_numbers=[ID_G],
                name="孙小明",
                amount=500.0,
                titles="学籍显示不在校",
            ),
        ],
    )
    sync(ledger, out, "专班", Deadlines())
    pl.DataFrame(
        {"province_clue_id": ["HB-0004"], "match": ["corroborated"], "clue_id": ["d1"]}
    ).write_parquet(out / "reconciliation.parquet")
    listed = tmp_path / "province.csv"
    listed.write_text(HEADER + "\n".join(PROVINCE_ROWS) + "\n", encoding="utf-8")
    imported = import_list(ledger, listed, "专班", Deadlines(), output=out)
    assert (imported.added, imported.joined, imported.quarantined) == (3, 1, 0)

    apply_records(
        ledger,
        [
            *_verify(P1, "查实"),
            {"clue_id": P1, "to": "整改中", "disposition": disposition()},
            {
                "clue_id": P1,
                "to": "已销号",
                "closure": {"evidence": ["追缴.pdf"], "amount_recovered": 3600},
            },
            *_verify(P2, "查否", date="2023-09-21"),
            *_verify(P3, "查否"),
            *_verify("d1", "部分属实"),
            {
                "clue_id": "d1",
                "to": "专题报告",
                "disposition": disposition(
                    "系统性问题", measures=["完善制度"], amount_to_recover=0
                ),
            },
            *_verify("d2", "查否"),
            *_verify("d4", "查实", verifier=FORMULA),
            {
                "clue_id": "d4",
                "to": "整改中",
                "disposition": disposition(
                    measures=["追缴"], amount_to_recover=500, amount_recovered=200
                ),
            },
        ],
        "街道",
    )
    population = [(P2, "东山街"), (P3, "东山街"), ("d2", "长青街")]
    seed = next(s for s in range(100) if draw(population, s) == sorted([P2, "d2"]))
    assert sample(ledger, "区民政局", "民政局", seed=seed).drawn == sorted([P2, "d2"])
    apply_records(
        ledger,
        [
            *_recheck(P2, "查实", "2023-10-25"),
            {
                "clue_id": P2,
                "to": "移交纪检监察",
                "disposition": disposition(
                    "涉嫌违纪违法", measures=["移交纪检监察"], amount_to_recover=1200
                ),
            },
            *_recheck("d2", "维持查否", "2023-10-26"),
        ],
        "民政局",
    )
    assert close_round(ledger, "区民政局", "民政局")[1] == 1


def _last_move(ledger: Ledger, clue_id: str) -> dt.date:
    with ledger.read() as session:
        event = session.scalars(
            select(Event).where(Event.clue_id == clue_id).order_by(Event.seq.desc())
        ).first()
        assert event is not None
        return dt.datetime.fromisoformat(event.at).astimezone(ZoneInfo("Asia/Shanghai")).date()


REPORT_KEYS = (
    "线索来源", "省线索编号", "街道", "所属单位", "核查对象", "姓名", "线索状态", "核查结论",
    "核查人", "核查日期", "抽查复核", "复核结论", "复核人", "复核日期", "认定结论", "处置类别",
    "处置措施", "应追缴金额（元）", "已追缴金额（元）", "是否逾期", "逾期事项", "逾期天数",
)  # fmt: skip
D = dt.date
EXPECTED = {
    P1: ("省下发", "HB-0001", "吴家山街", "", "420112********0012", "张*", "已销号", "查实",
         "李四", D(2023, 9, 20), "否", "", "", None, "查实", "一般性违规", "停发、追缴",
         3600.0, 3600.0, "否", "", None),
    P2: ("省下发", "HB-0002", "东山街", "", "420112********0021", "李*", "移交纪检监察", "查否",
         "李四", D(2023, 9, 21), "是", "推翻", "陈七", D(2023, 10, 25), "查实", "涉嫌违纪违法",
         "移交纪检监察", 1200.0, 0.0, "否", "", None),
    P3: ("省下发", "HB-0003", "东山街", "", "420112********0311", "王*", "查否结案", "查否",
         "李四", D(2023, 9, 20), "否", "", "", None, "查否", "", "", None, None, "否", "", None),
    "d1": ("区自查、省下发", "HB-0004", "吴家山街", "", "420112********0421", "赵*", "专题报告",
           "部分属实", "李四", D(2023, 9, 20), "否", "", "", None, "部分属实", "系统性问题",
           "完善制度", 0.0, 0.0, "否", "", None),
    "d2": ("区自查", "", "长青街", "", f"420112********{ID_E[-4:]}", "张*", "维持查否", "查否",
           "李四", D(2023, 9, 20), "是", "维持查否", "陈七", D(2023, 10, 26), "查否", "", "",
           None, None, "否", "", None),
    "d3": ("区自查", "", "吴家山街", "", f"420112********{ID_F[-4:]}", "张*", "待核查", "", "",
           None, "否", "", "", None, "", "", "", None, None, "是", "核查", 36),
    "d4": ("区自查", "", "", "某某小学", f"420112********{ID_G[-4:]}", "孙*", "整改中", "查实",
           FORMULA, D(2023, 9, 20), "否", "", "", None, "查实", "一般性违规", "追缴", 500.0,
           200.0, "是", "整改", 5),
}  # fmt: skip


def test_province_report_rows(ledger: Ledger, tmp_path: Path) -> None:
    build(ledger, tmp_path)
    with ledger.read() as session:
        report = province_report(session, AS_OF)
    assert report.get_column("线索编号").to_list() == [P2, P3, "d1", "d3", P1, "d2", "d4"], (
        "the appendix's order of projects (低保 before student aid), then street, then id"
    )
    rows = {r["线索编号"]: r for r in report.iter_rows(named=True)}
    for clue_id, expected in EXPECTED.items():
        assert tuple(rows[clue_id][k] for k in REPORT_KEYS) == expected, clue_id
    assert rows[P1]["办结日期"] == _last_move(ledger, P1)
    assert rows[P2]["办结日期"] == _last_move(ledger, P2)
    assert rows[P2]["处置日期"] == _last_move(ledger, P2)
    assert rows["d4"]["办结日期"] is None and rows["d4"]["处置日期"] is not None
    assert rows["d3"]["核查期限"] == D(2023, 10, 15) and rows["d4"]["整改期限"] == D(2023, 11, 15)
    assert not find_full_ids(report.write_csv())


TOTALS = [
    ("统计截止日期", "2023-11-20"),
    ("接收线索", "7"),
    ("其中：省下发", "4"),
    ("其中：区自查", "4"),
    ("其中：跨区移交", "0"),
    ("其中：群众举报", "0"),
    ("已核查", "6"),
    ("查实", "2"),
    ("部分属实", "1"),
    ("查否", "3"),
    ("未完成核查", "1"),
    ("查实率", "50.00"),
    ("街道查否线索", "3"),
    ("抽取复核", "2"),
    ("抽查比例", "66.67"),
    ("已完成复核", "2"),
    ("维持查否", "1"),
    ("推翻", "1"),
    ("待复核", "0"),
    ("查否结案", "1"),
    ("认定问题", "4"),
    ("待处置", "0"),
    ("整改中", "1"),
    ("已整改销号", "1"),
    ("移交纪检监察", "1"),
    ("报上级纪委", "0"),
    ("专题报告", "1"),
    ("长效机制", "0"),
    ("应追缴金额", "5300.00"),
    ("已追缴金额", "3800.00"),
    ("追缴完成率", "71.70"),
    ("逾期线索", "2"),
    ("其中：核查逾期", "1"),
    ("其中：整改逾期", "1"),
]


def test_province_totals(ledger: Ledger, tmp_path: Path) -> None:
    build(ledger, tmp_path)
    with ledger.read() as session:
        totals = province_totals(session, AS_OF)
        report = province_report(session, AS_OF)
    assert list(totals.select("项目", "数值").iter_rows()) == TOTALS
    sections = totals.get_column("类别").unique(maintain_order=True).to_list()
    assert sections == ["统计口径", "核查情况", "抽查情况", "整改情况"]
    # the totals are the report's own rows added up
    owed = report.get_column("应追缴金额（元）").sum()
    assert f"{owed:.2f}" == dict(TOTALS)["应追缴金额"]
    assert (report.get_column("是否逾期") == "是").sum() == int(dict(TOTALS)["逾期线索"])


ANALYSIS = [
    ("区民政局", "合计", "全部", 3, 2, 1, 8400.0, 4800.0, 3600.0, 3, 4),
    ("区民政局", "问题类型", "死亡后仍领取", 2, 1, 1, 7200.0, 3600.0, 3600.0, 2, 3),
    ("区民政局", "问题类型", "名下有车", 1, 1, 0, 1200.0, 1200.0, 0.0, 1, 1),
    ("区民政局", "街道（单位）", "吴家山街", 2, 1, 1, 7200.0, 3600.0, 3600.0, 2, 3),
    ("区民政局", "街道（单位）", "东山街", 1, 1, 0, 1200.0, 1200.0, 0.0, 1, 1),
    ("区民政局", "处置类别", "一般性违规", 1, 1, 0, 3600.0, 3600.0, 3600.0, 1, 2),
    ("区民政局", "处置类别", "涉嫌违纪违法", 1, 1, 0, 1200.0, 1200.0, 0.0, 1, 1),
    ("区民政局", "处置类别", "系统性问题", 1, 0, 1, 3600.0, 0.0, 0.0, 1, 1),
    ("区民政局", "处置措施", "停发", 1, 1, 0, 3600.0, 3600.0, 3600.0, 1, 2),
    ("区民政局", "处置措施", "完善制度", 1, 0, 1, 3600.0, 0.0, 0.0, 1, 1),
    ("区民政局", "处置措施", "移交纪检监察", 1, 1, 0, 1200.0, 1200.0, 0.0, 1, 1),
    ("区民政局", "处置措施", "追缴", 1, 1, 0, 3600.0, 3600.0, 3600.0, 1, 2),
    ("区教育局", "合计", "全部", 1, 1, 0, 500.0, 500.0, 200.0, 0, 1),
    ("区教育局", "问题类型", "学籍显示不在校", 1, 1, 0, 500.0, 500.0, 200.0, 0, 1),
    ("区教育局", "街道（单位）", "某某小学", 1, 1, 0, 500.0, 500.0, 200.0, 0, 1),
    ("区教育局", "处置类别", "一般性违规", 1, 1, 0, 500.0, 500.0, 200.0, 0, 1),
    ("区教育局", "处置措施", "追缴", 1, 1, 0, 500.0, 500.0, 200.0, 0, 1),
]


def test_department_analysis(ledger: Ledger, tmp_path: Path) -> None:
    build(ledger, tmp_path)
    with ledger.read() as session:
        table = department_analysis(session)
    assert table.columns[:3] == ["业务主管部门", "分析维度", "分类"]
    assert list(table.iter_rows()) == ANALYSIS


def test_a_department_with_nothing_confirmed_shows_zero(ledger: Ledger, tmp_path: Path) -> None:
    sync(ledger, publish(tmp_path / "out", [clue_row("a")]), "t", Deadlines())
    apply_records(ledger, _verify("a", "查否"), "街道")
    with ledger.read() as session:
        table = department_analysis(session)
    assert list(table.iter_rows()) == [("区民政局", "合计", "全部", 0, 0, 0, 0.0, 0.0, 0.0, 0, 0)]


# ---------------------------------------------------------------------------- the command
def _invoke(*args: str) -> tuple[int, str]:
    root = typer.Typer()
    root.add_typer(cli_report.app, name="report")
    result = runner.invoke(root, ["report", *args])
    return result.exit_code, result.output


def _texts(path: Path) -> str:
    """Everything a file holds as text (an XLSX: every part of the package)."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as package:
            return "".join(package.read(n).decode("utf-8") for n in package.namelist())
    return path.read_text(encoding="utf-8-sig")


def _no_formulas(path: Path) -> None:
    with zipfile.ZipFile(path) as package:
        sheets = [n for n in package.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in package.read(n) for n in sheets)


def test_report_province_end_to_end(ledger_url: str, tmp_path: Path) -> None:
    ledger = Ledger.open(ledger_url)
    try:
        build(ledger, tmp_path)
        head = ledger.head().line()
    finally:
        ledger.dispose()
    out = tmp_path / "report"
    code, output = _invoke(
        "province", "--ledger", ledger_url, "--output", str(out), "--as-of", "2023-11-20"
    )
    assert code == 0, output
    assert "clues: 7; verified 6 (查实 2, 部分属实 1, 查否 3); re-checks drawn 2" in output
    assert "overdue as of 2023-11-20: 2" in output and head in output
    files = ("province-report.csv", "province-totals.csv", "province-report.xlsx")
    assert all(str(out / f) in output for f in files)
    for name in files:
        assert not find_full_ids(_texts(out / name)), name
    for id_number in (ID_A, ID_B, ID_C, ID_D, ID_E, ID_F, ID_G):
        assert id_number not in output

    csv = pl.read_csv(out / "province-report.csv", infer_schema=False)
    assert csv.height == 7
    d4 = csv.filter(pl.col("线索编号") == "d4").row(0, named=True)
    assert d4["核查人"] == "'" + FORMULA, "a formula-looking text is neutralised in CSV"
    assert list(pl.read_csv(out / "province-totals.csv").select("项目", "数值").iter_rows()) == [
        (k, v) for k, v in TOTALS
    ]

    xlsx = out / "province-report.xlsx"
    sheet = pl.read_excel(xlsx, sheet_name="线索核查整改情况", read_options={"header_row": 1})
    assert sheet.filter(pl.col("线索编号") == "d4").get_column("核查人").to_list() == [FORMULA]
    totals = pl.read_excel(xlsx, sheet_name="汇总", read_options={"header_row": 1})
    assert totals.get_column("数值").cast(pl.String).to_list()[1] == "7"
    _no_formulas(xlsx)


def test_report_departments_end_to_end(ledger_url: str, tmp_path: Path) -> None:
    ledger = Ledger.open(ledger_url)
    try:
        build(ledger, tmp_path)
    finally:
        ledger.dispose()
    out = tmp_path / "report"
    code, output = _invoke("departments", "--ledger", ledger_url, "--output", str(out))
    assert code == 0, output
    assert "departments: 2; confirmed problems: 4; lines: 17" in output
    assert "history: " in output
    table = pl.read_csv(out / "department-analysis.csv")
    assert table.height == len(ANALYSIS)
    xlsx = out / "department-analysis.xlsx"
    sheet = pl.read_excel(xlsx, sheet_name="区教育局", read_options={"header_row": 1})
    assert sheet.get_column("分类").to_list() == [
        "全部",
        "学籍显示不在校",
        "某某小学",
        "一般性违规",
        "追缴",
    ]
    assert not find_full_ids(_texts(xlsx)) and not find_full_ids(
        _texts(out / "department-analysis.csv")
    )
    _no_formulas(xlsx)

    code, output = _invoke(
        "departments", "--ledger", ledger_url, "--output", str(out), "--department", "区教育局"
    )
    assert code == 0, output
    assert pl.read_csv(out / "department-analysis.csv").get_column(
        "业务主管部门"
    ).unique().to_list() == ["区教育局"]

    code, output = _invoke("departments", "--ledger", ledger_url, "--department", "区水务局")
    assert code == 2
    assert "--department '区水务局' is not in the ledger: 区民政局、区教育局" in output


def test_report_refuses_a_bad_date_and_reads_an_empty_ledger(tmp_path: Path) -> None:
    ledger = str(tmp_path / "ledger" / "ledger.sqlite")
    out = tmp_path / "report"
    code, output = _invoke(
        "province", "--ledger", ledger, "--output", str(out), "--as-of", "2023-13-01"
    )
    assert code == 2
    assert "error: --as-of '2023-13-01' is not a date: give YYYY-MM-DD" in output
    assert "Traceback" not in output and not out.exists()

    code, output = _invoke(
        "province", "--ledger", ledger, "--output", str(out), "--as-of", "2023-11-20"
    )
    assert code == 0, output
    assert "clues: 0; verified 0" in output and "history: 0 events" in output
    totals = dict(
        pl.read_csv(out / "province-totals.csv", infer_schema=False)
        .select("项目", "数值")
        .iter_rows()
    )
    assert (totals["查实率"], totals["抽查比例"], totals["追缴完成率"]) == ("—", "—", "—")
    code, output = _invoke("departments", "--ledger", ledger, "--output", str(out))
    assert code == 0 and "departments: 0; confirmed problems: 0" in output


# ---------------------------------------------------------------------------- masking
@given(
    kind=st.sampled_from(["person", "household", "project", "account"]),
    born=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2023, 12, 31)),
    sequence=st.integers(0, 999),
    before=st.sampled_from(["", "户", "HH-", "项目"]),
)
def test_a_subject_never_shows_a_full_id(
    kind: str, born: dt.date, sequence: int, before: str
) -> None:
    id_number = make_id("420112", born, sequence)
    shown = masked_subject(kind, before + id_number)
    assert not find_full_ids(shown) and id_number not in shown


def test_problem_types_come_from_titles_then_the_lists() -> None:
    from huimin.ledger.models import ClueSource
    from huimin.ledger.report import problem_types

    titled = ClueSource(
        source="district", source_key="x", payload=json.dumps({"titles": "死亡后仍领取、名下有车"})
    )
    listed = ClueSource(
        source="province", source_key="y", payload=json.dumps({"problem": f"{ID_A}名下有车"})
    )
    assert problem_types([titled, listed]) == ["死亡后仍领取", "名下有车"]
    assert problem_types([listed]) == ["420112********0012名下有车"]
    assert problem_types([ClueSource(source="district", source_key="z", payload="{}")]) == [
        NO_PROBLEM_TYPE
    ]


def test_an_entry_merged_into_another_is_not_a_clue_of_its_own(
    ledger: Ledger, tmp_path: Path
) -> None:
    from huimin.ledger.states import State

    if not hasattr(State, "MERGED"):
        pytest.skip("this ledger merges no entries (no 已合并 state)")
    out = publish(tmp_path / "out", [clue_row("d1", subject=ID_D, id_numbers=[ID_D])])
    sync(ledger, out, "专班", Deadlines())
    listed = tmp_path / "province.csv"
    listed.write_text(HEADER + PROVINCE_ROWS[3] + "\n", encoding="utf-8")
    import_list(ledger, listed, "专班", Deadlines())  # recorded apart: two entries
    pl.DataFrame(
        {"province_clue_id": ["HB-0004"], "match": ["corroborated"], "clue_id": ["d1"]}
    ).write_parquet(out / "reconciliation.parquet")
    assert import_list(ledger, listed, "专班", Deadlines(), output=out).merged == 1
    with ledger.read() as session:
        report = province_report(session, AS_OF)
        totals = dict(province_totals(session, AS_OF).select("项目", "数值").iter_rows())
    rows = list(report.select("线索编号", "线索来源", "省线索编号").iter_rows())
    assert rows == [("d1", "区自查、省下发", "HB-0004")]
    assert (totals["接收线索"], totals["其中：省下发"], totals["其中：区自查"]) == ("1", "1", "1")
