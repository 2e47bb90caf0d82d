"""huimin stats: the appendix table from the ledger, progress tables, and cross-footing."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from huimin.cli_stats import app
from huimin.ledger.intake import Deadlines, import_list, sync
from huimin.ledger.records import apply_records
from huimin.ledger.store import Ledger
from huimin.redact import find_full_ids
from huimin.resources import project_file
from huimin.rules.output import street_summary
from huimin.stats import (
    NO_STREET,
    STREETS,
    Discrepancy,
    appendix_table,
    cross_foot,
    ledger_clues_frame,
    progress_table,
    read_table,
)
from tests.ledger.conftest import clue_row, publish, verification

APPENDIX = project_file("data", "reference", "appendix-clue-counts.csv")
SAMPLE = project_file("data", "sample", "province_clues.xlsx")
runner = CliRunner()


@pytest.fixture(scope="module")
def ledger_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger holding the synthetic district's provincial clues (imported once)."""
    path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite"
    ledger = Ledger.open(str(path))
    try:
        import_list(ledger, SAMPLE, "t", Deadlines())
    finally:
        ledger.dispose()
    return path


def _appendix_rows() -> dict[str, dict[str, int]]:
    """The appendix's project rows: 线索数量 and each street (blank is 0)."""
    with APPENDIX.open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["项目名称"] != "汇总"]
    return {r["项目名称"]: {c: int(r[c] or 0) for c in ["线索数量", *STREETS]} for r in rows}


def test_project_rows_from_the_ledger_match_the_appendix(ledger_path: Path) -> None:
    ledger = Ledger.open(str(ledger_path))
    try:
        with ledger.read() as session:
            clues = ledger_clues_frame(session, dt.date(2023, 9, 1))
    finally:
        ledger.dispose()
    table = appendix_table(clues)
    expected = _appendix_rows()
    projects = table.get_column("项目名称").to_list()
    assert projects == [*expected, "汇总"], "the appendix's projects, in its order"
    for row in table.head(-1).iter_rows(named=True):
        assert {c: row[c] for c in ["线索数量", *STREETS]} == expected[row["项目名称"]]
    total = table.row(-1, named=True)
    assert total["线索数量"] == 157
    assert total[NO_STREET] == 38 + 27 + 31, "dealers' and schools' clues"
    assert table.equals(street_summary(clues)), "clues.xlsx's street sheet is the same table"


def test_progress_tables_count_states_rates_and_amounts() -> None:
    clues = pl.DataFrame(
        {
            "clue_id": ["a", "b", "c", "d", "e"],
            "project": ["农村低保"] * 5,
            "department": ["区民政局"] * 4 + ["区教育局"],
            "street": ["吴家山街", "吴家山街", "长青街", "长青街", ""],
            "state": ["待核查", "查实", "部分属实", "维持查否", "已销号"],
            "amount_to_recover": [None, 100.0, 50.0, None, 30.0],
            "amount_recovered": [None, 40.0, None, None, 30.0],
            "drawn": [False, False, False, True, False],
            "recheck": ["", "", "", "维持查否", ""],
            "overdue": [True, False, False, False, False],
        }
    )
    streets = progress_table(clues, "street")
    assert streets.get_column("街道").to_list() == ["吴家山街", "长青街", NO_STREET, "汇总"]
    total = streets.row(-1, named=True)
    assert (total["线索数量"], total["已核查"], total["查实及部分属实"]) == (5, 4, 3)
    assert total["查实率"] == 0.75
    assert (total["应追缴金额"], total["已追缴金额"]) == (180.0, 70.0)
    assert (total["抽查复核数"], total["复核维持查否"], total["逾期"]) == (1, 1, 1)
    wujiashan = streets.row(0, named=True)
    assert (wujiashan["待核查"], wujiashan["查实"], wujiashan["查实率"]) == (1, 1, 1.0)
    departments = progress_table(clues, "department")
    assert set(departments.get_column("业务主管部门")) == {"区民政局", "区教育局", "汇总"}


def test_stats_command_writes_csv_and_xlsx_without_full_ids(
    ledger_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "stats"
    result = runner.invoke(
        app, ["--ledger", str(ledger_path), "--source", "province", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    stems = ("appendix", "progress-street", "progress-department", "progress-project")
    for stem in (*stems, "rule-feedback"):
        raw = (out / f"{stem}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        assert not find_full_ids(raw.decode("utf-8-sig"))
    appendix = pl.read_csv(out / "appendix.csv")
    assert appendix.get_column("线索数量").to_list()[-1] == 157
    sheet = pl.read_excel(
        out / "stats.xlsx", sheet_name="按街道汇总", read_options={"header_row": 1}
    )
    assert sheet.get_column("线索数量").to_list()[-1] == 157
    assert not find_full_ids(result.output)
    assert runner.invoke(app, ["check", str(out / "appendix.csv")]).exit_code == 0

    district = runner.invoke(
        app, ["--ledger", str(ledger_path), "--source", "district", "--output", str(out)]
    )
    assert district.exit_code == 0
    assert pl.read_csv(out / "appendix.csv").get_column("线索数量").to_list() == [0]


def test_the_appendix_totals_do_not_cross_foot_at_dongshan_and_baiquan() -> None:
    # by hand from the csv: 东山街 3 (row 1) + 1 (row 9) = 4, 汇总 says 5;
    # 柏泉街 1 (row 1) + 1 (row 6) + 1 (row 9) + 1 (row 13) = 4, 汇总 says 3. Every row adds
    # up (rows 2, 10 and 11 are not broken down by street), and so does 汇总's 线索数量, 157.
    header, rows = read_table(APPENDIX)
    assert cross_foot(header, rows) == [
        Discrepancy("汇总", "东山街", 4.0, 5.0),
        Discrepancy("汇总", "柏泉街", 4.0, 3.0),
    ]
    result = runner.invoke(app, ["check", str(APPENDIX)])
    assert result.exit_code == 1
    assert "东山街" in result.output and "柏泉街" in result.output


def test_check_finds_a_row_that_does_not_add_up(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text(
        "序号,业务主管部门,项目名称,线索数量,吴家山街,长青街\n"
        "1,区民政局,农村低保,3,1,1\n"
        ",,汇总,3,1,x\n",
        encoding="utf-8",
    )
    header, rows = read_table(table)
    found = cross_foot(header, rows)
    assert found[0] == Discrepancy("1 农村低保", "线索数量", 2.0, 3.0)
    assert [(d.row, d.column) for d in found[1:]] == [
        ("汇总", "长青街"),
        ("汇总 (its street cells)", "线索数量"),
    ]
    bad = runner.invoke(app, ["check", str(tmp_path / "missing.csv")])
    assert bad.exit_code != 0 and "Traceback" not in bad.output


def test_stats_writes_each_rules_feedback_from_the_district_clues(tmp_path: Path) -> None:
    """Three district clues: a (rule x) 查实, b (rules x and y) 查否, c (rule y) pending."""
    rules = {"a": ["dibao.x"], "b": ["dibao.x", "dibao.y"], "c": ["dibao.y"]}
    run = publish(tmp_path / "run", [clue_row(k, rule_ids=v) for k, v in rules.items()])
    path = tmp_path / "ledger.sqlite"
    ledger = Ledger.open(str(path))
    try:
        sync(ledger, run, "t", Deadlines())
        steps = [("a", "核查中"), ("a", "查实"), ("b", "核查中"), ("b", "查否")]
        records = [
            {"clue_id": k, "to": to, **({"verification": verification()} if to != "核查中" else {})}
            for k, to in steps
        ]
        apply_records(ledger, records, "街道")
    finally:
        ledger.dispose()
    out = tmp_path / "stats"
    result = runner.invoke(app, ["--ledger", str(path), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "tied to no rule" not in result.output  # sync recorded each clue's rules
    table = pl.read_csv(out / "rule-feedback.csv", schema_overrides={"查实率偏低": pl.String})
    rows = {r["规则编号"]: r for r in table.iter_rows(named=True)}
    x, y = rows["dibao.x"], rows["dibao.y"]
    assert (x["线索数量"], x["已核查"], x["查实及部分属实"], x["查否"]) == (2, 2, 1, 1)
    assert x["查实率"] == 0.5
    assert (y["线索数量"], y["已核查"], y["未核查"], y["查实率"]) == (2, 1, 1, 0.0)
    # every rule of the project's catalogue is listed, those that raised nothing with zeros
    elderly = rows["elderly_allowance.paid_after_death"]
    assert (elderly["项目名称"], elderly["线索数量"], elderly["查实率"]) == ("高龄津贴", 0, None)
    sheet = pl.read_excel(
        out / "stats.xlsx", sheet_name="规则核查反馈", read_options={"header_row": 1}
    )
    assert sheet.get_column("规则编号").to_list() == table.get_column("规则编号").to_list()

    forget_rules(path)  # as a ledger synced before the ledger recorded rules
    untied = runner.invoke(app, ["--ledger", str(path), "--output", str(out)])
    assert untied.exit_code == 0
    assert "3 district clues of the ledger are tied to no rule" in untied.output
    again = runner.invoke(app, ["--ledger", str(path), "--output", str(out), "--run", str(run)])
    assert again.exit_code == 0 and "tied to no rule" not in again.output
    same = pl.read_csv(out / "rule-feedback.csv", schema_overrides={"查实率偏低": pl.String})
    counts = pl.exclude("规则名称")  # these made-up rules have a title from the clue or none
    assert same.select(counts).equals(table.select(counts)), "--run gives back the rules"


def forget_rules(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE ledger_sources SET payload = json_object('clue_id', source_key) "
            "WHERE source = 'district'"
        )
