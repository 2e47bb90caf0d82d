"""The layout the street workbooks share: sheets, columns, scopes and the signature.

A workbook's hidden sheet holds, for every locked cell, an HMAC with the district's key over
the scope, the cell's place and its value, and one signature over them all:
:mod:`huimin.ledger.workbook_export` writes them, :mod:`huimin.ledger.workbook_import` checks
them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from enum import StrEnum

from huimin.ledger.records import ELEMENTS, METHODS
from huimin.ledger.states import DISPOSAL_TARGETS, State

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


def where(sheet: str, row: int, col: int) -> str:
    """A cell as problems name it: sheet, row, column letter and header."""
    return f"sheet {sheet}, row {row}, column {column_letter(col)} ({HEADERS[col]})"


def cell_mac(key: bytes, scope: Scope, name: str, row: int, col: int, value: str) -> str:
    """One locked cell's MAC: its scope, place and value under the district's key."""
    message = json.dumps([FORMAT, scope.value, name, row, col, value], ensure_ascii=False)
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:24]


def signature(key: bytes, scope: Scope, name: str, macs: Sequence[Sequence[str]]) -> str:
    """The workbook's signature over its scope and every locked cell's MAC."""
    message = json.dumps([FORMAT, scope.value, name, [list(m) for m in macs]], ensure_ascii=False)
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def row_macs(key: bytes, scope: Scope, name: str, rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """The MAC of every locked cell of ``rows`` (the sheet's data rows, from row 2)."""
    return [
        [cell_mac(key, scope, name, r, c, v) for c, v in enumerate(values)]
        for r, values in enumerate(rows, start=2)
    ]
