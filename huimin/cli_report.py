"""``huimin report``: what the district reports upward (核查、抽查、整改情况) and each department's
analysis of its confirmed problems, from the ledger. Subjects and names are masked."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Annotated, cast

import polars as pl
import typer
from rich.console import Console

from huimin.boundary import guarded
from huimin.cli_ledger import LedgerOpt
from huimin.cli_stats import AsOfOpt, OutputOpt, as_of_day
from huimin.errors import ConfigError
from huimin.exports import Sheet, write_csv, write_sheets
from huimin.redact import RedactingWriter, redact

console = Console(file=cast(IO[str], RedactingWriter(None)), stderr=True)

app = typer.Typer(
    help="Reports from the ledger: the clue-by-clue report and totals the district sends to the "
    "provincial system (核查、抽查、整改情况), and each department's analysis of its confirmed "
    "problems (专题报告, 举一反三). ID numbers and names are masked.",
    no_args_is_help=True,
)

DepartmentOpt = Annotated[
    str | None, typer.Option("--department", help="This department only (e.g. 区民政局).")
]


def _say(text: str) -> None:
    console.print(redact(text), markup=False, highlight=False, soft_wrap=True)


def _sheet_name(text: str, taken: set[str]) -> str:
    """A department's name as a sheet name: no ``[]:*?/\\``, at most 31 characters, unique."""
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in text).strip("'") or "未填部门"
    name, n = cleaned[:31], 2
    while name.lower() in taken:
        name, n = f"{cleaned[:27]}({n})", n + 1
    taken.add(name.lower())
    return name


@app.command("province")
@guarded(console)
def province(
    ledger: LedgerOpt = None,
    output: OutputOpt = Path("report"),
    as_of: AsOfOpt = None,
) -> None:
    """The clue-by-clue report and the totals for the provincial system (核查、抽查、整改情况)."""
    from huimin.ledger.report import province_report, province_totals
    from huimin.ledger.store import Ledger

    day = as_of_day(as_of)
    opened = Ledger.open(ledger)
    try:
        with opened.read() as session:
            report = province_report(session, day)
            totals = province_totals(session, day)
        written = [
            write_csv(report, output / "province-report.csv"),
            write_csv(totals, output / "province-totals.csv"),
            write_sheets(
                [
                    ("线索核查整改情况", f"问题线索核查、抽查、整改情况（截至{day}）", report),
                    ("汇总", f"核查、抽查、整改情况汇总（截至{day}）", totals),
                ],
                output / "province-report.xlsx",
            ),
        ]
        counts = dict(zip(totals.get_column("项目"), totals.get_column("数值"), strict=False))
        _say(
            f"clues: {report.height:,}; verified {counts['已核查']} (查实 {counts['查实']}, "
            f"部分属实 {counts['部分属实']}, 查否 {counts['查否']}); re-checks drawn "
            f"{counts['抽取复核']}; overdue as of {day.isoformat()}: {counts['逾期线索']}"
        )
        _say(f"written: {', '.join(str(p) for p in written)}")
        _say(opened.head().line())
    finally:
        opened.dispose()


@app.command("departments")
@guarded(console)
def departments(
    ledger: LedgerOpt = None,
    output: OutputOpt = Path("report"),
    department: DepartmentOpt = None,
) -> None:
    """Each department's confirmed problems by problem type, street, disposition and measure."""
    from huimin.ledger.report import department_analysis
    from huimin.ledger.store import Ledger

    opened = Ledger.open(ledger)
    try:
        with opened.read() as session:
            table = department_analysis(session)
        names = list(dict.fromkeys(table.get_column("业务主管部门").to_list()))
        if department is not None:
            if department not in names:
                known = "、".join(names) or "none: the ledger holds no clues"
                raise ConfigError(f"--department {department!r} is not in the ledger: {known}")
            table, names = table.filter(pl.col("业务主管部门") == department), [department]
        sheets: list[Sheet] = [("部门分析", "业务主管部门查实问题分析", table)]
        taken = {"部门分析"}
        for name in names:
            part = table.filter(pl.col("业务主管部门") == name)
            title = f"{name}查实问题分析（专题报告、举一反三）"
            sheets.append((_sheet_name(name, taken), title, part))
        written = [
            write_csv(table, output / "department-analysis.csv"),
            write_sheets(sheets, output / "department-analysis.xlsx"),
        ]
        totals = table.filter(pl.col("分析维度") == "合计")
        problems = int(totals.get_column("问题数").sum())
        _say(f"departments: {len(names)}; confirmed problems: {problems}; lines: {table.height}")
        _say(f"written: {', '.join(str(p) for p in written)}")
        _say(opened.head().line())
    finally:
        opened.dispose()
