"""``huimin reconcile``: the province's clue list against a published run, published again."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, cast

import typer
from rich.console import Console

from huimin.boundary import guarded
from huimin.redact import RedactingWriter

if TYPE_CHECKING:
    from huimin.reconcile import ReconcileSummary

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(file=cast(IO[str], RedactingWriter(None)), stderr=True)


def _as_of(folder: Path) -> dt.date:
    """The date the published run judged its data at (today when it recorded none)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return dt.date.fromisoformat(str(manifest["as_of"]))
    except (OSError, ValueError, KeyError, TypeError):
        return dt.date.today()


def reconcile_published(output: Path, province: Path, *, wait: bool = False) -> ReconcileSummary:
    """Reconcile ``province`` with the run published at ``output``; publish the result."""
    from huimin.context import RunContext
    from huimin.reconcile import reconcile_into
    from huimin.runs import RunArea

    area = RunArea(output)
    with area.locked(wait=wait, command="huimin reconcile"):
        run = area.derive_run()
        try:
            summary = reconcile_into(run.folder, province, RunContext(as_of=_as_of(run.folder)))
            run.publish()
        except BaseException:
            run.discard()
            raise
    return summary


def print_summary(summary: ReconcileSummary, output: Path) -> None:
    from rich.table import Table

    table = Table(title=f"reconciliation: {summary.province_file}")
    table.add_column("match")
    table.add_column("clues", justify="right")
    for match, count in summary.counts.items():
        table.add_row(match, f"{count:,}")
    table.add_row("total", f"{sum(summary.counts.values()):,}")
    console.print(table)
    strengths = ", ".join(f"{k} {v:,}" for k, v in summary.by_strength.items()) or "none"
    console.print(f"matched by: {strengths}")
    console.print(
        f"rows read: {summary.rows_in:,}, quarantined (reasons in reconciliation.parquet): "
        f"{summary.rows_quarantined:,}"
    )
    console.print(f"district-only clues (not sent by the province): {summary.district_only:,}")
    console.print(f"written: {', '.join(str(output / f) for f in summary.files)}")


@app.command("reconcile")
@guarded(console)
def reconcile_command(
    province: Annotated[
        Path,
        typer.Option(
            "--province", help="The province's clue list (省下发问题线索), .xlsx or .csv."
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="A published result (of `huimin run`).")
    ],
    wait: Annotated[
        bool,
        typer.Option(
            "--wait", help="If another run holds OUTPUT, wait for it instead of refusing."
        ),
    ] = False,
) -> None:
    """Match the province's clues with the district's: adds reconciliation.parquet,
    district_only.parquet and reports/coverage.html to the published result, atomically."""
    summary = reconcile_published(output, province, wait=wait)
    print_summary(summary, output)
