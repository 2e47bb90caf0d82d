"""Write clues: Parquet for machines, XLSX with Chinese headers for people (both atomically).

``clues.xlsx`` is an internal output (full ID numbers and names, for case workers); every text
cell is written as text, so a name such as ``=HYPERLINK(...)`` is never a live formula.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from huimin.atomic import atomic_path, write_parquet
from huimin.exports import safe_workbook
from schemas import ROSTERS

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


STREETS = (
    "吴家山街",
    "长青街",
    "慈惠街",
    "走马岭街",
    "辛安渡街",
    "新沟镇街",
    "东山街",
    "柏泉街",
    "径河街",
    "金银湖街",
    "将军路街",
    "常青花园",
)


#: the appendix table's order of projects (序号 1–13), which the contract's rosters follow
PROJECT_ORDER = {model.__roster_project__: i for i, model in enumerate(ROSTERS)}


def street_summary(clues: pl.DataFrame) -> pl.DataFrame:
    """Clues per department and project, and per street, in the form of the district's table.

    Columns follow the appendix of the 2023 plan (业务主管部门, 项目名称, 线索数量, then the 12
    streets); clues with no street (dealers, schools) count in 线索数量 only; 汇总 closes it.
    """
    counts = clues.group_by("department", "project", "street").len()
    wide = counts.pivot(on="street", index=["department", "project"], values="len")
    streets = [s for s in STREETS if s in wide.columns]
    totals = counts.group_by("department", "project").agg(pl.col("len").sum().alias("线索数量"))
    table = (
        totals.join(wide, on=["department", "project"], how="left")
        .select(
            pl.col("department").alias("业务主管部门"),
            pl.col("project").alias("项目名称"),
            "线索数量",
            *[pl.col(s).fill_null(0).alias(s) for s in streets],
        )
        .sort(pl.col("项目名称").replace_strict(PROJECT_ORDER, default=len(PROJECT_ORDER)))
    )
    total_row = table.select(
        pl.lit("").alias("业务主管部门"),
        pl.lit("汇总").alias("项目名称"),
        *[pl.col(c).sum() for c in ["线索数量", *streets]],
    )
    return pl.concat([table, total_row], how="vertical_relaxed")


def write_clues(clues: pl.DataFrame, output: Path) -> tuple[Path, Path]:
    """``clues.parquet`` and ``clues.xlsx`` (the clues, and a summary by street) in ``output``."""
    parquet = output / "clues.parquet"
    write_parquet(clues, parquet)
    xlsx = output / "clues.xlsx"
    with atomic_path(xlsx) as tmp:
        workbook = safe_workbook(tmp)
        workbook.set_properties({"created": FIXED_CREATED})
        for_people = clues.with_columns(pl.col("severity").replace(SEVERITY_ZH))
        for_people.rename(HEADERS_ZH).write_excel(
            workbook, worksheet="线索", autofit=True, freeze_panes=(1, 0)
        )
        if clues.height:
            street_summary(clues).write_excel(
                workbook, worksheet="按街道汇总", autofit=True, freeze_panes=(1, 2)
            )
        workbook.close()
    return parquet, xlsx
