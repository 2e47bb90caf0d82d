"""A street's (organisation's, department's) clues out to a signed workbook.

One row per clue still to record: the clue's account in locked columns, fill-in columns for
what :mod:`huimin.ledger.records` requires, dropdowns for the allowed values, a sheet of
instructions (填写说明) and, in a hidden sheet, the signature
(:mod:`huimin.ledger.workbook_layout`). The workbook carries names and full ID numbers: it is an
internal output, like ``clues.xlsx``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from huimin.atomic import atomic_path
from huimin.errors import ConfigError
from huimin.exports import safe_workbook, write_text_cell
from huimin.ledger.models import Clue, ClueSource
from huimin.ledger.records import MEASURES, METHODS
from huimin.ledger.store import Ledger
from huimin.ledger.workbook_layout import (
    COL,
    FILL,
    FORMAT,
    FROM_STATES,
    GUIDE,
    HEADERS,
    LOCKED,
    MAIN,
    OUTCOMES,
    SIGNATURE,
    TARGETS,
    YES,
    Scope,
    row_macs,
    signature,
)
from huimin.rules.clue_ids import district_key


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
    macs = row_macs(key, scope, name, rows)
    with atomic_path(out) as tmp:
        workbook = safe_workbook(tmp)
        try:
            _write_main(workbook, scope, rows)
            _write_guide(workbook, scope, name)
            _write_signature(workbook, scope, name, macs, signature(key, scope, name, macs))
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
    workbook: Any, scope: Scope, name: str, macs: list[list[str]], signed: str
) -> None:
    sheet = workbook.add_worksheet(SIGNATURE)
    for col, value in enumerate((FORMAT, scope.value, name, signed)):
        write_text_cell(sheet, 0, col, value)
    for r, row in enumerate(macs, start=1):
        for c, value in enumerate(row):
            write_text_cell(sheet, r, c, value)
    sheet.hide()
    sheet.protect("")
