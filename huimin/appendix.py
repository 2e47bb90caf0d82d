"""The district's clue table (the plan's appendix): clues per department and project, and
per street, with totals. One function makes it for ``clues.xlsx`` (from a run's clues) and
for ``huimin stats`` (from the ledger), so the two can never disagree. It needs no ledger:
reading a run's clues does not load one.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from huimin.contract import ROSTERS

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
NO_STREET = "无街道（经销商、学校等）"
TOTAL = "汇总"
COUNT = "线索数量"

#: the appendix table's order of projects (序号 1–13), which the contract's rosters follow
PROJECT_ORDER = {model.__roster_project__: i for i, model in enumerate(ROSTERS)}
#: the appendix's own spellings where they differ from the contract's
APPENDIX_SPELLINGS = {
    "残疾人两项补贴（重度残疾人生活补贴）": "残疾人两项补贴（重度残疾人护理补贴）"
}


def project_rank(project: str) -> int:
    """The project's place in the appendix (its spelling or the contract's); unknown ones last."""
    name = APPENDIX_SPELLINGS.get(project, project)
    return PROJECT_ORDER.get(name, len(PROJECT_ORDER))


def street_bucket() -> pl.Expr:
    street = pl.col("street").fill_null("")
    return (
        pl.when(street.is_in(list(STREETS)))
        .then(street)
        .otherwise(pl.lit(NO_STREET))
        .alias("street")
    )


def appendix_table(clues: pl.DataFrame) -> pl.DataFrame:
    """Clues per department and project, and per street, in the form of the district's table.

    Columns follow the appendix of the 2023 plan (业务主管部门, 项目名称, 线索数量, then the 12
    streets), then a column for clues with no street (dealers, schools), so that every row's
    street cells add up to its 线索数量; 汇总 closes it. ``clues`` needs ``department``,
    ``project`` and ``street``.
    """
    columns = [*STREETS, NO_STREET]
    counts = (
        clues.select("department", "project", street_bucket())
        .group_by("department", "project", "street")
        .len()
    )
    rows = []
    for (department, project), group in counts.group_by(
        "department", "project", maintain_order=True
    ):
        cells = dict(group.select("street", "len").iter_rows())
        rows.append(
            {
                "业务主管部门": department,
                "项目名称": project,
                COUNT: int(group.get_column("len").sum()),
                **{column: int(cells.get(column, 0)) for column in columns},
            }
        )
    schema: dict[str, Any] = {"业务主管部门": pl.String, "项目名称": pl.String, COUNT: pl.Int64}
    schema.update({column: pl.Int64 for column in columns})
    table = pl.DataFrame(rows, schema=schema).sort(
        pl.col("项目名称").map_elements(project_rank, return_dtype=pl.Int64),
        "业务主管部门",
        maintain_order=True,
    )
    total_row = table.select(
        pl.lit("").alias("业务主管部门"),
        pl.lit(TOTAL).alias("项目名称"),
        *[pl.col(c).sum() for c in [COUNT, *columns]],
    )
    return pl.concat([table, total_row], how="vertical_relaxed")


# ---------------------------------------------------------------------------- the ledger
