"""``huimin stats``: the appendix table, the progress tables and the rules' feedback from the
ledger; ``stats check`` cross-foots any table of the appendix's form.

The ledger (SQLAlchemy) and the tables are imported inside the commands, so that ``huimin
--help`` does not load them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, cast

import polars as pl
import typer
from rich.console import Console

from huimin.boundary import guarded
from huimin.cli_ledger import LedgerOpt
from huimin.errors import ConfigError
from huimin.exports import write_csv, write_sheets
from huimin.redact import RedactingWriter, redact

if TYPE_CHECKING:
    from huimin.ledger.store import Ledger

console = Console(file=cast(IO[str], RedactingWriter(None)), stderr=True)

app = typer.Typer(
    help="The district's statistics from the ledger: the appendix table (department × project "
    "× street) and progress by street, department and project.",
    invoke_without_command=True,
)

SourceOpt = Annotated[
    str, typer.Option("--source", help="Clues of this source only: province, district or all.")
]
OutputOpt = Annotated[Path, typer.Option("--output", help="Folder for the tables (CSV and XLSX).")]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Date for overdue clues, YYYY-MM-DD (default today).")
]
RulesOpt = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        help="The rule catalogue whose rules the feedback lists, those that raised no clue "
        "included (default: the project's rules/).",
    ),
]
RunOpt = Annotated[
    Path | None,
    typer.Option(
        "--run",
        help="A published run (huimin run --output OUT): its clues name the rules of the "
        "ledger's district clues where the ledger does not record them.",
    ),
]

#: file stem → (sheet name, title)
TABLES = {
    "appendix": ("按街道汇总", "问题线索数量统计表（按项目、街道）"),
    "progress-street": ("按街道进度", "核查整改进度（按街道）"),
    "progress-department": ("按部门进度", "核查整改进度（按业务主管部门）"),
    "progress-project": ("按项目进度", "核查整改进度（按项目）"),
    "rule-feedback": ("规则核查反馈", "规则核查反馈（各规则线索的核查结果与查实率，本区规则）"),
}


def _say(text: str) -> None:
    console.print(redact(text), markup=False, highlight=False, soft_wrap=True)


def as_of_day(text: str | None) -> dt.date:
    """An ``--as-of`` option's day (today when not given); ConfigError when it is no date."""
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--as-of {text!r} is not a date: give YYYY-MM-DD") from None


def _source(text: str) -> str:
    from huimin.stats import SOURCES

    if text not in ("all", *SOURCES):
        raise ConfigError(f"--source {text!r}: one of all, {', '.join(SOURCES)}")
    return text


def _write_xlsx(tables: dict[str, pl.DataFrame], path: Path) -> None:
    write_sheets([(*TABLES[stem], frame) for stem, frame in tables.items()], path)


def write_stats(
    clues: pl.DataFrame,
    output: Path,
    feedback: pl.DataFrame | None = None,
    source: str = "all",
) -> list[Path]:
    """The appendix table (the clues counted as ``source``'s list counts them), the three
    progress tables (one row per ledger entry: one visit) and, given ``feedback``
    (:func:`huimin.ledger.feedback.rule_feedback`), the rules' feedback: each as CSV, and all
    in one XLSX."""
    from huimin.ledger.feedback import HEADERS
    from huimin.stats import appendix_table, as_listed, progress_table

    output.mkdir(parents=True, exist_ok=True)
    tables = {
        "appendix": appendix_table(as_listed(clues, source)),
        "progress-street": progress_table(clues, "street"),
        "progress-department": progress_table(clues, "department"),
        "progress-project": progress_table(clues, "project"),
    }
    if feedback is not None:
        flagged = pl.when(pl.col("low_rate")).then(pl.lit("是")).alias("low_rate")
        tables["rule-feedback"] = feedback.with_columns(flagged).rename(HEADERS)
    written = [write_csv(frame, output / f"{stem}.csv") for stem, frame in tables.items()]
    xlsx = output / "stats.xlsx"
    _write_xlsx(tables, xlsx)
    return [*written, xlsx]


def _feedback(opened: Ledger, rules: Path | None, run: Path | None) -> tuple[pl.DataFrame, int]:
    """The rules' feedback on every rule of the catalogue, from the ledger's district clues;
    and how many of these clues are tied to no rule."""
    from huimin.ledger.feedback import (
        catalogue_rules,
        clue_rules,
        district_entries,
        feedback_table,
        unattributed,
    )
    from huimin.rules.commands import DEFAULT_RULES, load_catalogue

    if run is not None and not (run / "clues.parquet").is_file():
        raise ConfigError(f"--run {run}: no clues.parquet there; give a published run's folder")
    described = catalogue_rules(load_catalogue(rules or DEFAULT_RULES))
    with opened.read() as session:
        entries = district_entries(session, clue_rules(run) if run is not None else None)
    return feedback_table(entries, described=described), unattributed(entries)


@app.callback()
@guarded(console)
def stats(
    ctx: typer.Context,
    ledger: LedgerOpt = None,
    source: SourceOpt = "all",
    output: OutputOpt = Path("stats"),
    as_of: AsOfOpt = None,
    rules: RulesOpt = None,
    run: RunOpt = None,
) -> None:
    """Regenerate the appendix table, the progress tables and the rules' feedback (规则核查
    反馈: per district rule, clues raised, verified, confirmed and the 查实率) from the ledger."""
    from huimin.ledger.store import Ledger
    from huimin.stats import ledger_clues_frame, with_source

    if ctx.invoked_subcommand is not None:
        return
    chosen, day = _source(source), as_of_day(as_of)
    opened = Ledger.open(ledger)
    try:
        with opened.read() as session:
            clues = with_source(ledger_clues_frame(session, day), chosen)
        feedback, untied = _feedback(opened, rules, run)
        written = write_stats(clues, output, feedback, chosen)
        _say(f"clues: {clues.height:,} (source: {chosen}); overdue as of {day.isoformat()}")
        _say_feedback(feedback, untied)
        _say(f"written: {', '.join(str(p) for p in written)}")
        _say(opened.head().line())
    finally:
        opened.dispose()


def _say_feedback(feedback: pl.DataFrame, untied: int) -> None:
    raised = feedback.filter(pl.col("raised") > 0).height
    low = feedback.filter(pl.col("low_rate")).get_column("rule_id").to_list()
    _say(
        f"rule feedback (district clues): {raised} of {feedback.height} rules raised clues; "
        f"low 查实率: {', '.join(low) if low else 'none'}"
    )
    if untied:
        _say(
            f"rule feedback: {untied} district clues of the ledger are tied to no rule (synced "
            "before the ledger recorded rules): give --run OUT, the run they were synced from"
        )


def _shown(value: float | None) -> str:
    if value is None:
        return "(blank)"
    if value != value:
        return "(not a number)"
    return f"{value:g}"


@app.command("check")
@guarded(console)
def check(
    table: Annotated[Path, typer.Argument(help="A table in the appendix's form (CSV).")],
) -> None:
    """Cross-foot a table: each row's total against its street cells, each column against 汇总."""
    from huimin.stats import cross_foot, read_table

    header, rows = read_table(table)
    found = cross_foot(header, rows)
    for d in found:
        _say(f"{d.row} | {d.column}: expected {d.expected:g}, found {_shown(d.found)}")
    if found:
        _say(f"{len(found)} discrepancies in {table}")
        raise typer.Exit(1)
    _say(f"{table}: every total cross-foots")
