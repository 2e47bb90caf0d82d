"""Write clues: Parquet for machines, XLSX with Chinese headers for people (both atomically)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import xlsxwriter

from huimin.atomic import atomic_path, write_parquet

HEADERS_ZH = {
    "clue_id": "线索编号",
    "rule_id": "规则编号",
    "title": "问题类型",
    "project": "项目名称",
    "department": "业务主管部门",
    "street": "街道",
    "organization": "所属单位",
    "subject": "身份证号码/项目编号",
    "name": "姓名",
    "period": "期间",
    "amount": "涉及金额（元）",
    "severity": "严重程度",
    "evidence": "依据",
    "source_file": "来源文件",
    "source_row": "来源行号",
}
FIXED_CREATED = dt.datetime(2023, 1, 1)
SEVERITY_ZH = {"high": "高", "medium": "中", "low": "低"}


def write_clues(clues: pl.DataFrame, output: Path) -> tuple[Path, Path]:
    """``clues.parquet`` and ``clues.xlsx`` in ``output``."""
    parquet = output / "clues.parquet"
    write_parquet(clues, parquet)
    xlsx = output / "clues.xlsx"
    with atomic_path(xlsx) as tmp:
        workbook = xlsxwriter.Workbook(str(tmp))
        workbook.set_properties({"created": FIXED_CREATED})
        for_people = clues.with_columns(pl.col("severity").replace(SEVERITY_ZH))
        for_people.rename(HEADERS_ZH).write_excel(
            workbook, worksheet="线索", autofit=True, freeze_panes=(1, 0)
        )
        workbook.close()
    return parquet, xlsx
