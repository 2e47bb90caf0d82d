"""Write clues: Parquet for machines, a workbook for the people who visit (atomically).

``clues.parquet`` has one row per clue; ``findings.parquet`` one row per rule that found
something on a clue, with the facts as JSON. ``clues.xlsx`` is an internal output (full ID
numbers and names, for case workers): sheet 1 lists the clues with their Chinese account and
no JSON, ready to print; sheet 2 each finding; sheet 3 the clues by project and street in the
form of the district's table. Every text cell is text, never a live formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from huimin.appendix import NO_STREET, PROJECT_ORDER, STREETS, appendix_table
from huimin.atomic import atomic_path, write_parquet
from huimin.exports import safe_workbook, write_text_cell
from huimin.rules.findings import SUBJECT_KINDS_ZH

__all__ = [
    "CLUE_COLUMNS",
    "FINDING_COLUMNS",
    "NO_STREET",
    "PROJECT_ORDER",
    "SEVERITY_ZH",
    "STREETS",
    "street_summary",
    "write_clues",
]

#: sheet 1 of clues.xlsx: (column, header, width)
CLUE_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("project", "项目名称", 16),
    ("street", "街道", 10),
    ("organization", "所属单位", 16),
    ("subject_kind", "核查对象", 8),
    ("name", "姓名", 10),
    ("id_numbers", "身份证号码", 21),
    ("check_period", "核查年度", 8),
    ("periods_text", "涉及期间", 18),
    ("amount", "涉及金额（元）", 12),
    ("severity", "风险等级", 8),
    ("summary", "疑点描述", 48),
    ("verify", "核查要点", 48),
    ("reference", "政策依据", 30),
    ("titles", "问题类型", 24),
    ("clue_id", "线索编号", 20),
    ("related_clue_ids", "关联线索", 20),
)
FINDING_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("clue_id", "线索编号", 20),
    ("rule_id", "规则编号", 30),
    ("title", "问题类型", 28),
    ("severity", "风险等级", 8),
    ("name", "姓名", 10),
    ("periods_text", "涉及期间", 18),
    ("amount", "涉及金额（元）", 12),
    ("summary", "疑点描述", 60),
    ("source_file", "来源文件", 20),
)
FIXED_CREATED = dt.datetime(2023, 1, 1)
SEVERITY_ZH = {"high": "高", "medium": "中", "low": "低"}


def street_summary(clues: pl.DataFrame) -> pl.DataFrame:
    """Clues per department and project, and per street, in the form of the district's table.

    The very table ``huimin stats`` makes from the ledger (:func:`huimin.appendix.appendix_table`),
    so that the two can never disagree.
    """
    return appendix_table(clues)


def _cell(value: Any, column: str) -> Any:
    if column == "severity":
        return SEVERITY_ZH.get(str(value), value)
    if column == "subject_kind":
        return SUBJECT_KINDS_ZH.get(str(value), value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return value


def _sheet(
    workbook: Any,
    name: str,
    title: str,
    frame: pl.DataFrame,
    columns: Sequence[tuple[str, str, int]],
) -> None:
    """One printable sheet: a title row, 序号, headers, autofilter, frozen, money at 2 dp."""
    sheet = workbook.add_worksheet(name)
    bold = workbook.add_format({"bold": True, "font_size": 14})
    head = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
    )
    text = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    money = workbook.add_format({"border": 1, "num_format": "#,##0.00", "valign": "top"})
    write_text_cell(sheet, 0, 0, title, bold)
    headers = ["序号", *[header for _, header, _ in columns]]
    for col, header in enumerate(headers):
        write_text_cell(sheet, 1, col, header, head)
    sheet.set_column(0, 0, 6)
    for col, (_, _, width) in enumerate(columns, start=1):
        sheet.set_column(col, col, width)
    names = [column for column, _, _ in columns]
    for index, row in enumerate(frame.select(names).iter_rows(), start=1):
        sheet.write_number(index + 1, 0, index, text)
        for col, (column, value) in enumerate(zip(names, row, strict=True), start=1):
            shown = _cell(value, column)
            if isinstance(shown, int | float) and not isinstance(shown, bool):
                sheet.write_number(index + 1, col, float(shown), money)
            else:
                write_text_cell(sheet, index + 1, col, None if shown is None else str(shown), text)
    last = max(frame.height + 1, 1)
    sheet.autofilter(1, 0, last, len(headers) - 1)
    sheet.freeze_panes(2, 1)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(1)
    sheet.set_footer("&C第 &P 页，共 &N 页")


def write_clues(clues: pl.DataFrame, findings: pl.DataFrame, output: Path) -> tuple[Path, Path]:
    """``clues.parquet``, ``findings.parquet`` and ``clues.xlsx`` in ``output``."""
    parquet = output / "clues.parquet"
    write_parquet(clues, parquet)
    write_parquet(findings, output / "findings.parquet")
    xlsx = output / "clues.xlsx"
    ordered = clues.sort(
        pl.col("project").replace_strict(PROJECT_ORDER, default=len(PROJECT_ORDER)),
        pl.col("street"),
        pl.col("clue_id"),
        nulls_last=True,
    )
    with atomic_path(xlsx) as tmp:
        workbook = safe_workbook(tmp)
        workbook.set_properties({"created": FIXED_CREATED})
        _sheet(workbook, "线索", f"问题线索清单（{clues.height}条）", ordered, CLUE_COLUMNS)
        _sheet(workbook, "疑点明细", f"疑点明细（{findings.height}项）", findings, FINDING_COLUMNS)
        summary = street_summary(clues)
        _sheet(
            workbook,
            "按街道汇总",
            "问题线索数量统计表（按项目、街道）",
            summary,
            [(c, c, 10 if i > 2 else 22) for i, c in enumerate(summary.columns)],
        )
        workbook.close()
    return parquet, xlsx
