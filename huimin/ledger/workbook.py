"""Case workers' Excel round-trip: a street's (organisation's, department's) clues out to a
workbook, the filled workbook back into the ledger.

:func:`export_workbook` writes one row per clue still to record, with the clue's account in
locked columns, fill-in columns for what :mod:`huimin.ledger.records` requires, dropdowns for the
allowed values, a sheet of instructions (填写说明) and, in a hidden sheet, a signature: an HMAC
with the district's key over the scope (street, organisation or department), the clue ids and
every locked cell. :func:`import_workbook` checks the workbook cell by cell, refuses it when its
signature does not match, and applies every row all or nothing through
:func:`huimin.ledger.records.apply_records`.

The workbook carries names and full ID numbers: it is an internal output, like ``clues.xlsx``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select

from huimin.atomic import atomic_path
from huimin.errors import ConfigError, DataFileError
from huimin.exports import safe_workbook, write_text_cell
from huimin.ledger.models import Clue, ClueSource
from huimin.ledger.records import (
    ELEMENTS,
    MEASURES,
    METHODS,
    apply_records,
    check_disposition,
    check_verification,
)
from huimin.ledger.states import DISPOSAL_TARGETS, State
from huimin.ledger.store import Ledger
from huimin.rules.clue_ids import district_key

MAIN = "线索核查"
GUIDE = "填写说明"
SIGNATURE = "签名"
FORMAT = "huimin-ledger-workbook-1"
YES = "是"
LIST_SEPARATORS = re.compile(r"[、，,；;\n]+")


class Scope(StrEnum):
    """Whose clues a workbook holds."""

    STREET = "street"
    ORGANISATION = "organisation"
    DEPARTMENT = "department"


#: the states a scope records from, and the outcomes it may choose
FROM_STATES: dict[Scope, tuple[State, ...]] = {
    Scope.STREET: (State.PENDING, State.VERIFYING),
    Scope.ORGANISATION: (State.PENDING, State.VERIFYING),
    Scope.DEPARTMENT: (State.SAMPLED, State.RECHECKING),
}
OUTCOMES: dict[Scope, tuple[str, ...]] = {
    Scope.STREET: ("核查中", "查实", "部分属实", "查否"),
    Scope.ORGANISATION: ("核查中", "查实", "部分属实", "查否"),
    Scope.DEPARTMENT: ("复核中", "维持查否", "查实", "部分属实"),
}
STARTED = {Scope.STREET: State.VERIFYING, Scope.ORGANISATION: State.VERIFYING}
STARTED[Scope.DEPARTMENT] = State.RECHECKING
CONFIRMED = ("查实", "部分属实")
TARGETS = tuple(s.value for s in DISPOSAL_TARGETS)

#: the locked columns: header and how the clue's value is read
LOCKED: tuple[str, ...] = (
    "线索编号",
    "街道",
    "单位",
    "主管部门",
    "项目",
    "姓名",
    "身份证号",
    "核查期间",
    "涉及金额",
    "疑点描述",
    "核查要点",
    "参考依据",
    "导出时状态",
)
#: the fill-in columns
FILL: tuple[str, ...] = (
    "核查结果",
    *ELEMENTS,
    *METHODS,
    "核查意见",
    "核查人",
    "核查日期",
    "佐证材料",
    "处置去向",
    "处置措施",
    "应追缴金额",
    "已追缴金额",
    "备注",
)
HEADERS = LOCKED + FILL
COL = {name: i for i, name in enumerate(HEADERS)}


def column_letter(index: int) -> str:
    """The spreadsheet letter of the 0-based column ``index`` (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _where(sheet: str, row: int, col: int) -> str:
    return f"sheet {sheet}, row {row}, column {column_letter(col)} ({HEADERS[col]})"


# --- export ------------------------------------------------------------------------------


def _reference(session: Any, clue_id: str) -> str:
    payloads = session.scalars(select(ClueSource.payload).where(ClueSource.clue_id == clue_id))
    for payload in payloads:
        try:
            value = json.loads(payload).get("reference")
        except (ValueError, AttributeError):
            continue
        if value:
            return str(value)
    return ""


def _locked_values(clue: Clue, reference: str) -> list[str]:
    amount = "" if clue.amount is None else f"{clue.amount:.2f}"
    ids = "、".join(str(i) for i in json.loads(clue.id_numbers or "[]"))
    return [
        clue.clue_id,
        clue.street,
        clue.organization,
        clue.department,
        clue.project,
        clue.name,
        ids,
        clue.check_period,
        amount,
        clue.summary,
        clue.verify_points,
        reference,
        clue.state,
    ]


def _scope_filter(scope: Scope, name: str) -> Any:
    column = {
        Scope.STREET: Clue.street,
        Scope.ORGANISATION: Clue.organization,
        Scope.DEPARTMENT: Clue.department,
    }[scope]
    states = [s.value for s in FROM_STATES[scope]]
    return (column == name) & Clue.state.in_(states)


def scope_rows(ledger: Ledger, scope: Scope, name: str) -> list[list[str]]:
    """The locked values of every clue of ``scope`` ``name`` in a state to record."""
    with ledger.read() as session:
        clues = session.scalars(select(Clue).where(_scope_filter(scope, name)))
        return [
            _locked_values(c, _reference(session, c.clue_id))
            for c in sorted(clues, key=lambda c: c.clue_id)
        ]


def _cell_mac(key: bytes, scope: Scope, name: str, row: int, col: int, value: str) -> str:
    message = json.dumps([FORMAT, scope.value, name, row, col, value], ensure_ascii=False)
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:24]


def _signature(key: bytes, scope: Scope, name: str, macs: Sequence[Sequence[str]]) -> str:
    message = json.dumps([FORMAT, scope.value, name, [list(m) for m in macs]], ensure_ascii=False)
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _macs(key: bytes, scope: Scope, name: str, rows: Sequence[Sequence[str]]) -> list[list[str]]:
    return [
        [_cell_mac(key, scope, name, r, c, v) for c, v in enumerate(values)]
        for r, values in enumerate(rows, start=2)
    ]


def export_workbook(ledger: Ledger, scope: Scope, name: str, out: Path) -> int:
    """Write ``scope`` ``name``'s workbook at ``out`` (atomically); returns the number of clues.

    ConfigError when there is no clue to record.
    """
    name = name.strip()
    rows = scope_rows(ledger, scope, name)
    if not rows:
        states = "/".join(s.value for s in FROM_STATES[scope])
        raise ConfigError(f"no clue of {scope.value} '{name}' is in {states}: nothing to export")
    key = district_key()
    macs = _macs(key, scope, name, rows)
    with atomic_path(out) as tmp:
        workbook = safe_workbook(tmp)
        try:
            _write_main(workbook, scope, rows)
            _write_guide(workbook, scope, name)
            _write_signature(workbook, scope, name, macs, _signature(key, scope, name, macs))
        finally:
            workbook.close()
    return len(rows)


def _write_main(workbook: Any, scope: Scope, rows: list[list[str]]) -> None:
    sheet = workbook.add_worksheet(MAIN)
    head = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    fill_head = workbook.add_format({"bold": True, "bg_color": "#FFF2CC", "border": 1})
    locked = workbook.add_format({"locked": True, "text_wrap": True, "valign": "top"})
    unlocked = workbook.add_format(
        {"locked": False, "text_wrap": True, "valign": "top", "bg_color": "#FFFBEA"}
    )
    number = workbook.add_format({"locked": False, "num_format": "0.00", "bg_color": "#FFFBEA"})
    for col, title in enumerate(HEADERS):
        write_text_cell(sheet, 0, col, title, fill_head if title in FILL else head)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            write_text_cell(sheet, r, c, value, locked)
        for title in FILL:
            fmt = number if title.endswith("金额") and title != "涉及金额" else unlocked
            sheet.write_blank(r, COL[title], None, fmt)
    last = len(rows)
    _validations(sheet, scope, last)
    sheet.set_column(0, len(LOCKED) - 1, 16)
    sheet.set_column(COL["疑点描述"], COL["核查要点"], 36)
    sheet.set_column(len(LOCKED), len(HEADERS) - 1, 18, unlocked)
    sheet.freeze_panes(1, 1)
    sheet.protect(
        "",
        {"format_columns": True, "format_rows": True, "autofilter": True, "sort": False},
    )
    sheet.activate()


def _validations(sheet: Any, scope: Scope, last: int) -> None:
    def listed(title: str, values: Sequence[str], prompt: str) -> None:
        col = COL[title]
        sheet.data_validation(
            1,
            col,
            last,
            col,
            {
                "validate": "list",
                "source": list(values),
                "input_title": title[:32],
                "input_message": prompt[:255],
                "error_title": title[:32],
                "error_message": f"只能选择：{'、'.join(values)}"[:255],
            },
        )

    listed("核查结果", OUTCOMES[scope], "选择核查结果")
    for method in METHODS:
        listed(method, (YES,), f"采用了“{method}”方式的，选择“是”")
    listed("处置去向", TARGETS, "查实、部分属实的线索选择处置去向")
    for title in ("应追缴金额", "已追缴金额"):
        col = COL[title]
        sheet.data_validation(
            1,
            col,
            last,
            col,
            {
                "validate": "decimal",
                "criteria": ">=",
                "value": 0,
                "input_message": "金额（元），不小于0",
                "error_message": "请填写不小于0的金额（元）",
            },
        )
    for title, prompt in (
        ("核查日期", "格式：YYYY-MM-DD，如 2023-09-20"),
        ("佐证材料", "佐证材料文件名，多个用“；”分隔"),
        ("处置措施", "多个用“、”分隔；可选：" + "、".join(MEASURES) + "、其他：…"),
    ):
        col = COL[title]
        sheet.data_validation(1, col, last, col, {"validate": "any", "input_message": prompt[:255]})


GUIDE_LINES = (
    "问题线索核查表填写说明",
    "",
    (
        "一、本表由区惠民惠农财政补贴资金专项治理工作专班导出，含姓名、身份证号等"
        "个人信息，仅限核查工作使用，不得外传。"
    ),
    (
        "二、灰底列（线索编号至导出时状态）为线索内容，已锁定，不得修改；表格带有"
        "签名，修改锁定内容、增删行或混入其他街道（单位）的线索，导入时将被拒绝。"
    ),
    "三、黄底列为填写列：",
    (
        "  1. 核查结果：从下拉列表选择。只开始核查、尚无结论的，选择“核查中"
        "”（复核选择“复核中”）；未填写核查结果的行不导入。"
    ),
    (
        "  2. 五个要素（线索真伪、资格条件、资金去向、办理程序、人员责任）："
        "逐项写明核查情况，不得空项。"
    ),
    (
        "  3. 核查方式（听对象陈述、查原始资料、看实际现场、问经手经办、访左"
        "邻右舍）：采用的方式选择“是”，至少一种。"
    ),
    (
        "  4. 核查意见：意见具体，写明发现的问题、涉及对象、金额和处理意见，"
        "不少于10个字；“属实”“不属实”“已核实”等不予接受。"
    ),
    ("  5. 核查人、核查日期（YYYY-MM-DD）、佐证材料（文件名，多个用“；”分隔，至少一个）。"),
    (
        "  6. 查实、部分属实的线索可同时填写处置：处置去向（整改中=一般性违"
        "规，专题报告/长效机制=系统性问题，移交纪检监察=涉嫌违纪违法，报上级纪"
        "委=管理权限不在辖区）、处置措施（多个用“、”分隔）、应追缴金额、已追缴"
        "金额。"
    ),
    "四、处置措施可选：" + "、".join(MEASURES) + "，或“其他：具体措施”。",
    (
        "五、导入时逐格检查，任何一格不符合要求，整表不导入，并列出工作表、行、列"
        "和允许的取值；改正后重新导入。"
    ),
)


def _write_guide(workbook: Any, scope: Scope, name: str) -> None:
    sheet = workbook.add_worksheet(GUIDE)
    sheet.set_column(0, 0, 110)
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    label = {Scope.STREET: "街道", Scope.ORGANISATION: "单位", Scope.DEPARTMENT: "主管部门（复核）"}
    write_text_cell(sheet, 0, 0, f"{label[scope]}：{name}", wrap)
    for row, line in enumerate(GUIDE_LINES, start=2):
        write_text_cell(sheet, row, 0, line, wrap)


def _write_signature(
    workbook: Any, scope: Scope, name: str, macs: list[list[str]], signature: str
) -> None:
    sheet = workbook.add_worksheet(SIGNATURE)
    for col, value in enumerate((FORMAT, scope.value, name, signature)):
        write_text_cell(sheet, 0, col, value)
    for r, row in enumerate(macs, start=1):
        for c, value in enumerate(row):
            write_text_cell(sheet, r, c, value)
    sheet.hide()
    sheet.protect("")


# --- import ------------------------------------------------------------------------------


@dataclass
class Signed:
    """What the hidden sheet says: the scope, the signature and each locked cell's MAC."""

    scope: Scope
    name: str
    signature: str
    macs: list[list[str]]


@dataclass
class ImportResult:
    """What an import did: the moves applied, and the rows left blank."""

    scope: Scope
    name: str
    moves: list[str] = field(default_factory=list)
    rows: int = 0
    blank: int = 0


def _read_sheet(path: Path, sheet: str) -> list[list[str]]:
    try:
        frame = pl.read_excel(
            path, sheet_name=sheet, engine="calamine", has_header=False, infer_schema_length=0
        )
    except Exception:
        raise DataFileError(
            path, f"has no readable sheet {sheet}", "import the workbook huimin ledger export wrote"
        ) from None
    return [[("" if v is None else str(v)) for v in row] for row in frame.rows()]


def _signed(path: Path) -> Signed:
    rows = _read_sheet(path, SIGNATURE)
    head = rows[0] + [""] * 4 if rows else [""] * 4
    if head[0] != FORMAT or head[1] not in {s.value for s in Scope}:
        raise DataFileError(path, "its signature sheet is missing or changed: it is refused")
    macs = [[v for v in row if v] for row in rows[1:]]
    return Signed(Scope(head[1]), head[2], head[3], macs)


def _check_signature(path: Path, signed: Signed, rows: list[list[str]]) -> list[str]:
    key = district_key()
    expected = _signature(key, signed.scope, signed.name, signed.macs)
    if not hmac.compare_digest(expected, signed.signature):
        raise DataFileError(
            path,
            "its signature does not match (the hidden sheet was changed, or the workbook was "
            "not exported with this district's key): it is refused",
        )
    problems: list[str] = []
    if len(rows) != len(signed.macs):
        problems.append(
            f"sheet {MAIN} has {len(rows)} clue rows, the workbook was exported with "
            f"{len(signed.macs)}: rows must not be added or removed"
        )
    for r, (values, macs) in enumerate(zip(rows, signed.macs, strict=False), start=2):
        for c in range(len(LOCKED)):
            value = values[c] if c < len(values) else ""
            mac = _cell_mac(key, signed.scope, signed.name, r, c, value)
            if c >= len(macs) or not hmac.compare_digest(mac, macs[c]):
                problems.append(f"{_where(MAIN, r, c)}: changed since export (a locked cell)")
    return problems


def import_workbook(ledger: Ledger, path: Path, actor: str) -> ImportResult:
    """Check ``path`` cell by cell and apply it all or nothing.

    ConfigError lists every problem (sheet, row, column, allowed values) and nothing is
    recorded; DataFileError when the file is not a workbook this district exported.
    """
    if not path.is_file():
        raise DataFileError(path, "no such file")
    signed = _signed(path)
    table = _read_sheet(path, MAIN)
    if not table or tuple(table[0][: len(HEADERS)]) != HEADERS:
        raise DataFileError(path, f"sheet {MAIN}'s header row was changed: it is refused")
    rows = [(row + [""] * len(HEADERS))[: len(HEADERS)] for row in table[1:]]
    while rows and not any(v.strip() for v in rows[-1]):
        rows.pop()
    problems = _check_signature(path, signed, rows)
    states = _current(ledger, signed, rows, problems)
    if problems:
        raise ConfigError(f"{path.name} refused, nothing recorded:\n  " + "\n  ".join(problems))
    result = ImportResult(signed.scope, signed.name, rows=len(rows))
    records: list[dict[str, Any]] = []
    origin: list[int] = []
    for r, values in enumerate(rows, start=2):
        row_records = _row_records(signed.scope, r, values, states.get(values[0], ""), problems)
        if row_records is None:
            result.blank += 1
        records.extend(row_records or [])
        origin.extend([r] * len(row_records or []))
    if problems:
        raise ConfigError(f"{path.name} refused, nothing recorded:\n  " + "\n  ".join(problems))
    result.moves = _apply(ledger, records, origin, actor)
    return result


def _current(
    ledger: Ledger, signed: Signed, rows: list[list[str]], problems: list[str]
) -> dict[str, str]:
    """Each clue's state now; a clue of another scope, or moved since export, is a problem."""
    scope_col = {
        Scope.STREET: COL["街道"],
        Scope.ORGANISATION: COL["单位"],
        Scope.DEPARTMENT: COL["主管部门"],
    }[signed.scope]
    states: dict[str, str] = {}
    allowed = {s.value for s in FROM_STATES[signed.scope]}
    with ledger.read() as session:
        for r, values in enumerate(rows, start=2):
            clue = session.get(Clue, values[0])
            if clue is None:
                problems.append(f"{_where(MAIN, r, 0)}: no such clue in this ledger")
                continue
            owner = {
                Scope.STREET: clue.street,
                Scope.ORGANISATION: clue.organization,
                Scope.DEPARTMENT: clue.department,
            }[signed.scope]
            if owner != signed.name or values[scope_col] != signed.name:
                problems.append(
                    f"{_where(MAIN, r, scope_col)}: the clue belongs to '{owner}', "
                    f"not to '{signed.name}'"
                )
            elif clue.state not in allowed:
                problems.append(
                    f"{_where(MAIN, r, 0)}: the clue is now {clue.state} (recorded since "
                    f"export); export a new workbook"
                )
            states[clue.clue_id] = clue.state
    return states


def _cell(values: list[str], title: str) -> str:
    return values[COL[title]].strip()


def _split(text: str) -> list[str]:
    return [t.strip() for t in LIST_SEPARATORS.split(text) if t.strip()]


def _date_text(text: str) -> str | None:
    if re.fullmatch(r"\d{4,6}(\.0+)?", text):
        serial = int(float(text))
        return (dt.date(1899, 12, 30) + dt.timedelta(days=serial)).isoformat()
    match = re.match(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", text)
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None


def _choice(
    values: list[str], r: int, title: str, allowed: Sequence[str], problems: list[str]
) -> str:
    text = _cell(values, title)
    if text and text not in allowed:
        problems.append(
            f"{_where(MAIN, r, COL[title])}: '{text}' is not allowed; allowed: {', '.join(allowed)}"
        )
        return ""
    return text


def _row_records(
    scope: Scope, r: int, values: list[str], state: str, problems: list[str]
) -> list[dict[str, Any]] | None:
    """The records of row ``r`` (None when no fill-in cell is filled)."""
    if not any(_cell(values, title) for title in FILL):
        return None
    before = len(problems)
    outcome = _choice(values, r, "核查结果", OUTCOMES[scope], problems)
    for method in METHODS:
        _choice(values, r, method, (YES,), problems)
    target = _choice(values, r, "处置去向", TARGETS, problems)
    if not _cell(values, "核查结果") and len(problems) == before:
        allowed = ", ".join(OUTCOMES[scope])
        problems.append(f"{_where(MAIN, r, COL['核查结果'])}: required; allowed: {allowed}")
    if len(problems) > before:
        return []
    started = STARTED[scope].value
    records: list[dict[str, Any]] = []
    if state != started:
        records.append({"clue_id": values[0], "to": started})
    if outcome == started:
        _nothing_more(values, r, problems)
        return records
    records.append(
        {"clue_id": values[0], "to": outcome, "verification": _verification(values, r, problems)}
    )
    note = _cell(values, "备注")
    if note:
        records[-1]["note"] = note
    disposal = _disposition(values, r, outcome, target, problems)
    if disposal is not None:
        records.append(disposal)
    return records


def _nothing_more(values: list[str], r: int, problems: list[str]) -> None:
    filled = [t for t in FILL[1:] if t != "备注" and _cell(values, t)]
    if filled:
        col = COL[filled[0]]
        problems.append(
            f"{_where(MAIN, r, col)}: filled while 核查结果 says the check has only started; "
            f"choose the outcome ({', '.join(CONFIRMED)}, ...) or clear the cell"
        )


def _verification(values: list[str], r: int, problems: list[str]) -> dict[str, Any]:
    date_text = _cell(values, "核查日期")
    date = _date_text(date_text) if date_text else ""
    if date is None:
        problems.append(
            f"{_where(MAIN, r, COL['核查日期'])}: '{date_text}' is not a date; "
            "allowed: a date as YYYY-MM-DD"
        )
        date = ""
    data: dict[str, Any] = {
        "elements": {e: _cell(values, e) for e in ELEMENTS},
        "methods": [m for m in METHODS if _cell(values, m) == YES],
        "opinion": _cell(values, "核查意见"),
        "verifier": _cell(values, "核查人"),
        "date": date,
        "evidence": _split(_cell(values, "佐证材料")),
    }
    _verification_cells(data, r, problems, date_text)
    return data


def _verification_cells(data: dict[str, Any], r: int, problems: list[str], date: str) -> None:
    """Name the cell of each missing or refused part of a verification."""
    for element in ELEMENTS:
        if not data["elements"][element]:
            problems.append(f"{_where(MAIN, r, COL[element])}: required (one of the five elements)")
    if not data["methods"]:
        problems.append(
            f"{_where(MAIN, r, COL[METHODS[0]])}: choose {YES} in at least one of the columns "
            f"{', '.join(METHODS)}"
        )
    for title, key in (("核查人", "verifier"), ("佐证材料", "evidence")):
        if not data[key]:
            problems.append(f"{_where(MAIN, r, COL[title])}: required")
    if not date:
        problems.append(f"{_where(MAIN, r, COL['核查日期'])}: required; a date as YYYY-MM-DD")
    if data["opinion"] or all(data["elements"].values()):
        try:
            check_verification({**data, "date": data["date"] or "2000-01-01"})
        except ValueError as exc:
            if "opinion" in str(exc):
                problems.append(f"{_where(MAIN, r, COL['核查意见'])}: {exc}")


def _amount(values: list[str], r: int, title: str, problems: list[str]) -> float | None:
    text = _cell(values, title).replace(",", "")
    try:
        amount = float(text or "0")
    except ValueError:
        amount = -1.0
    if amount < 0 or amount != amount:
        problems.append(
            f"{_where(MAIN, r, COL[title])}: '{text}' is not an amount; allowed: a number of "
            "yuan, 0 or more"
        )
        return None
    return amount


def _disposition(
    values: list[str], r: int, outcome: str, target: str, problems: list[str]
) -> dict[str, Any] | None:
    parts = ("处置措施", "应追缴金额", "已追缴金额")
    if not target:
        filled = [t for t in parts if _cell(values, t)]
        if filled and outcome in CONFIRMED:
            problems.append(
                f"{_where(MAIN, r, COL['处置去向'])}: required with {filled[0]}; "
                f"allowed: {', '.join(TARGETS)}"
            )
        return None
    if outcome not in CONFIRMED:
        problems.append(
            f"{_where(MAIN, r, COL['处置去向'])}: only for {', '.join(CONFIRMED)}, "
            f"not {outcome}: clear the cell"
        )
        return None
    state = State(target)
    data = {
        "category": DISPOSAL_TARGETS[state].value,
        "measures": _split(_cell(values, "处置措施")),
        "amount_to_recover": _amount(values, r, "应追缴金额", problems),
        "amount_recovered": _amount(values, r, "已追缴金额", problems),
    }
    try:
        check_disposition(data, state)
    except ValueError as exc:
        problems.append(f"{_where(MAIN, r, COL['处置措施'])}: {exc}")
    return {"clue_id": values[0], "to": target, "disposition": data}


def _apply(
    ledger: Ledger, records: list[dict[str, Any]], origin: list[int], actor: str
) -> list[str]:
    try:
        return apply_records(ledger, records, actor)
    except ConfigError as exc:
        text = re.sub(
            r"record (\d+)",
            lambda m: f"sheet {MAIN}, row {origin[int(m.group(1)) - 1]}",
            str(exc),
        )
        raise ConfigError(text) from None
