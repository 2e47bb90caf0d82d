"""Case workers' Excel round-trip: export a street's workbook, fill it, import it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from huimin.cli_ledger_workbook import app
from huimin.errors import ConfigError
from huimin.exports import safe_workbook, write_text_cell
from huimin.ledger.intake import Deadlines, sync
from huimin.ledger.models import Clue
from huimin.ledger.store import Ledger
from huimin.ledger.workbook import COL, MAIN, SIGNATURE, Scope, export_workbook, import_workbook
from tests.ledger.conftest import clue_row, publish, verification

STREET = "吴家山街"


@pytest.fixture
def synced(ledger: Ledger, tmp_path: Path) -> Ledger:
    rows = [clue_row("c-1"), clue_row("c-2"), clue_row("c-3", street="走马岭街")]
    sync(ledger, publish(tmp_path / "out", rows), "专班", Deadlines())
    return ledger


def read_sheets(path: Path) -> dict[str, list[list[str]]]:
    sheets = pl.read_excel(
        path, sheet_id=0, engine="calamine", has_header=False, infer_schema_length=0
    )
    return {
        name: [["" if v is None else str(v) for v in row] for row in frame.rows()]
        for name, frame in sheets.items()
    }


def fill_workbook(
    source: Path, target: Path, filled: dict[int, dict[str, str]], **cells: Any
) -> Path:
    """A filled copy of ``source``, written as a case worker's Excel saves it (every cell
    text, the hidden signature sheet kept): ``filled`` by sheet row (1-based, data from 2), and
    ``cells`` as {"sheet!row,col": value} to change any cell."""
    sheets = read_sheets(source)
    for row, answered in filled.items():
        for title, value in answered.items():
            sheets[MAIN][row - 1][COL[title]] = value
    for where, value in cells.items():
        sheet, rc = where.split("!")
        r, c = (int(x) for x in rc.split(","))
        sheets[sheet][r - 1][c] = value
    workbook = safe_workbook(target)
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                write_text_cell(sheet, r, c, value or None)
        if name == SIGNATURE:
            sheet.hide()
    workbook.close()
    return target


def answers(outcome: str = "查实", **changes: str) -> dict[str, str]:
    data = verification()
    row = {"核查结果": outcome, **data["elements"], "核查意见": data["opinion"]}
    row |= {
        "核查人": data["verifier"],
        "核查日期": data["date"],
        "佐证材料": "死亡证明.pdf；明细.xlsx",
    }
    row |= {"查原始资料": "是", "问经手经办": "是"}
    if outcome in ("查实", "部分属实"):
        row |= {"处置去向": "整改中", "处置措施": "停发、追缴", "应追缴金额": "3600"}
        row |= {"已追缴金额": "0"}
    return row | changes


def _states(ledger: Ledger) -> dict[str, str]:
    with ledger.read() as session:
        return {c.clue_id: c.state for c in session.query(Clue)}


def test_round_trip_records_and_moves(synced: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "wb.xlsx"
    assert export_workbook(synced, Scope.STREET, STREET, out) == 2
    sheets = read_sheets(out)
    assert set(sheets) == {MAIN, "填写说明", SIGNATURE}
    assert [r[0] for r in sheets[MAIN][1:]] == ["c-1", "c-2"]
    filled = fill_workbook(out, tmp_path / "filled.xlsx", {2: answers(), 3: answers("查否")})
    result = import_workbook(synced, filled, "李四")
    assert len(result.moves) == 5
    states = _states(synced)
    assert states == {"c-1": "整改中", "c-2": "查否", "c-3": "待核查"}


def test_changed_locked_cell_is_refused(synced: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "wb.xlsx"
    export_workbook(synced, Scope.STREET, STREET, out)
    cells = {f"{MAIN}!2,{COL['涉及金额']}": "100.00"}
    filled = fill_workbook(out, tmp_path / "f.xlsx", {2: answers()}, **cells)
    with pytest.raises(ConfigError, match=r"row 2, column I \(涉及金额\): changed since export"):
        import_workbook(synced, filled, "李四")
    assert _states(synced)["c-1"] == "待核查"


def test_another_streets_clue_is_refused(synced: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "wb.xlsx"
    export_workbook(synced, Scope.STREET, STREET, out)
    filled = fill_workbook(out, tmp_path / "f.xlsx", {2: answers()}, **{f"{MAIN}!3,0": "c-3"})
    with pytest.raises(ConfigError, match=r"row 3, column A \(线索编号\)") as caught:
        import_workbook(synced, filled, "李四")
    assert "走马岭街" in str(caught.value)
    assert _states(synced)["c-1"] == "待核查"


def test_wrong_dropdown_value_names_cell_and_allowed(synced: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "wb.xlsx"
    export_workbook(synced, Scope.STREET, STREET, out)
    filled = fill_workbook(out, tmp_path / "f.xlsx", {2: answers(), 3: answers("查是")})
    with pytest.raises(ConfigError) as caught:
        import_workbook(synced, filled, "李四")
    text = str(caught.value)
    assert f"sheet {MAIN}, row 3, column N (核查结果): '查是' is not allowed" in text
    assert "allowed: 核查中, 查实, 部分属实, 查否" in text
    assert _states(synced) == {"c-1": "待核查", "c-2": "待核查", "c-3": "待核查"}


def test_one_bad_row_applies_nothing(synced: Ledger, tmp_path: Path) -> None:
    out = tmp_path / "wb.xlsx"
    export_workbook(synced, Scope.STREET, STREET, out)
    bad = answers("查否", 核查意见="属实", 核查日期="2023-13-40")
    filled = fill_workbook(out, tmp_path / "f.xlsx", {2: answers(), 3: bad})
    with pytest.raises(ConfigError) as caught:
        import_workbook(synced, filled, "李四")
    text = str(caught.value)
    assert "row 3, column Y (核查意见)" in text
    assert "row 3, column AA (核查日期)" in text
    assert _states(synced)["c-1"] == "待核查"


def test_commands(synced: Ledger, ledger_url: str, tmp_path: Path) -> None:
    out = tmp_path / "wb.xlsx"
    url = ledger_url
    runner = CliRunner()
    done = runner.invoke(app, ["export", "--street", STREET, "--out", str(out), "--ledger", url])
    assert done.exit_code == 0, done.output
    filled = fill_workbook(out, tmp_path / "f.xlsx", {2: {"核查结果": "核查中"}})
    done = runner.invoke(app, ["import", str(filled), "--ledger", url, "--by", "李四"])
    assert done.exit_code == 0, done.output
    assert _states(synced)["c-1"] == "核查中"
