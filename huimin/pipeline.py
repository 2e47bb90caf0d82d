"""The ingest step over a whole input folder, and the run manifest.

Pure functions the CLI and the Prefect flows both call; nothing here knows about either.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from huimin import __version__
from huimin.atomic import write_text
from huimin.errors import ConfigError, DataFileError
from huimin.ingest import DatasetResult, ingest_file
from huimin.sources import Discovery, Source, discover
from schemas.common import as_of_date

if TYPE_CHECKING:
    from huimin.rules.model import RuleFile

EXIT_OK = 0
EXIT_DATA_ERROR = 2


@dataclass
class IngestRun:
    """Everything one ingest produced."""

    input_dir: Path
    output_dir: Path
    as_of: dt.date
    results: list[DatasetResult] = field(default_factory=list)
    validation: dict[str, Any] | None = None
    rules: dict[str, Any] | None = None
    seconds: float = 0.0

    @property
    def errors(self) -> list[DatasetResult]:
        return [r for r in self.results if not r.ok]

    def manifest(self) -> dict[str, Any]:
        totals = {
            "rows_in": sum(r.rows_in for r in self.results),
            "rows_valid": sum(r.rows_valid for r in self.results),
            "rows_quarantined": sum(r.rows_quarantined for r in self.results),
        }
        return {
            "huimin_version": __version__,
            "input_dir": str(self.input_dir),
            "as_of": self.as_of.isoformat(),
            "seconds": round(self.seconds, 2),
            "totals": totals,
            "datasets": {r.dataset: asdict(r) for r in self.results},
            "errors": [r.error for r in self.errors],
            "validation": self.validation,
            "rules": self.rules,
        }


def ingest_source(source: Source, output: Path, as_of: dt.date) -> DatasetResult:
    """Ingest one discovered file; a whole-file problem becomes the result's error."""
    try:
        with as_of_date(as_of):
            return ingest_file(source.path, source.model, output, source.renames)
    except DataFileError as exc:
        return DatasetResult(dataset=source.dataset, file=str(source.path), error=exc.one_line())


def error_result(error: DataFileError) -> DatasetResult:
    return DatasetResult(dataset=error.path.stem, file=str(error.path), error=error.one_line())


def ingest_folder(
    input_dir: Path,
    output: Path,
    *,
    as_of: dt.date,
    on_dataset: Callable[[str], None] | None = None,
) -> IngestRun:
    """Ingest every dataset file of ``input_dir`` into ``output`` (staged/ and quarantine/)."""
    started = time.perf_counter()
    run = IngestRun(input_dir, output, as_of)
    discovery: Discovery = discover(input_dir)
    for source in discovery.sources:
        if on_dataset:
            on_dataset(source.dataset)
        run.results.append(ingest_source(source, output, as_of))
    run.results.extend(error_result(e) for e in discovery.errors)
    run.seconds = time.perf_counter() - started
    return run


def build_reports(run: IngestRun) -> None:
    """Great Expectations Data Docs for every staged dataset, under reports/validation/."""
    from huimin.reports.validation import build_validation_reports

    staged = {
        r.dataset: run.output_dir / "staged" / f"{r.dataset}.parquet" for r in run.results if r.ok
    }
    quarantined = {r.dataset: r.rows_quarantined for r in run.results if r.ok}
    summary = build_validation_reports(
        staged, run.output_dir / "reports" / "validation", quarantined=quarantined
    )
    run.validation = summary.to_dict()


def write_manifest(run: IngestRun) -> Path:
    path = run.output_dir / "manifest.json"
    write_text(path, json.dumps(run.manifest(), ensure_ascii=False, indent=2, default=str) + "\n")
    return path


def summary_table(run: IngestRun) -> Table:
    table = Table(title=f"huimin ingest: {run.input_dir}", title_justify="left")
    for header in ("dataset", "file", "rows in", "valid", "quarantined"):
        table.add_column(header, justify="right" if header[0] in "rvq" else "left")
    for r in sorted(run.results, key=lambda r: r.dataset):
        if r.ok:
            table.add_row(
                r.dataset,
                Path(r.file).name,
                f"{r.rows_in:,}",
                f"{r.rows_valid:,}",
                f"{r.rows_quarantined:,}",
            )
        else:
            table.add_row(r.dataset, Path(r.file).name, "-", "-", "[red]error[/red]")
    return table


def summary_markdown(run: IngestRun) -> str:
    """Counts only (no personal data), for Prefect artifacts and messages."""
    lines = ["| dataset | rows in | valid | quarantined |", "|---|---:|---:|---:|"]
    for r in sorted(run.results, key=lambda r: r.dataset):
        if r.ok:
            lines.append(f"| {r.dataset} | {r.rows_in} | {r.rows_valid} | {r.rows_quarantined} |")
        else:
            lines.append(f"| {r.dataset} | error | | |")
    lines += ["", *[f"- error: {r.error}" for r in run.errors]]
    return "\n".join(lines) + "\n"


def run_ingest(
    input_dir: Path, output: Path, *, reports: bool, as_of: dt.date, console: Console
) -> int:
    """The CLI's ingest: progress, manifest, summary, one line per whole-file error."""
    code, _ = _ingest_with_progress(
        input_dir, output, reports=reports, as_of=as_of, console=console
    )
    return code


def _ingest_with_progress(
    input_dir: Path, output: Path, *, reports: bool, as_of: dt.date, console: Console
) -> tuple[int, IngestRun | None]:
    try:
        with _progress(console) as progress:
            task = progress.add_task("ingest", total=None)

            def advance(dataset: str) -> None:
                progress.update(task, description=f"ingest {dataset}", advance=1)

            run = ingest_folder(input_dir, output, as_of=as_of, on_dataset=advance)
            if reports:
                progress.update(task, description="validation reports (Great Expectations)")
                build_reports(run)
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        return EXIT_DATA_ERROR, None
    manifest = write_manifest(run)
    console.print(summary_table(run))
    for result in run.errors:
        console.print(f"[red]error:[/red] {result.error}", soft_wrap=True, highlight=False)
    console.print(f"manifest: {manifest}")
    if run.validation:
        failed = run.validation.get("failed_datasets") or []
        passed = len(run.validation.get("datasets", {})) - len(failed)
        verdict = f"{passed} datasets pass" + (f", failing: {', '.join(failed)}" if failed else "")
        console.print(f"validation reports ({verdict}): {run.validation.get('index_html')}")
    return (EXIT_DATA_ERROR if run.errors else EXIT_OK), run


def apply_catalogue(run: IngestRun, catalogue: list[RuleFile]) -> dict[str, Any]:
    """Apply every rule to the staged data of ``run``; write clues; return the summary."""
    from huimin.rules.commands import apply_rules

    sources = {r.dataset: Path(r.file).name for r in run.results if r.ok}
    started = time.perf_counter()
    with as_of_date(run.as_of):
        result = apply_rules(run.output_dir, catalogue, sources)
    return {
        "files": len(catalogue),
        "rules": len(result.per_rule),
        "clues": result.clues.height,
        "seconds": round(time.perf_counter() - started, 2),
        "per_rule": result.per_rule,
    }


def run_all(
    input_dir: Path,
    output: Path,
    *,
    reports: bool,
    as_of: dt.date,
    rules: Path | None,
    console: Console,
) -> int:
    """The main job: ingest (with reports), then every rule; clues beside the staged data."""
    from huimin.rules.commands import DEFAULT_RULES, load_catalogue
    from huimin.rules.model import RuleFileError

    try:
        catalogue = load_catalogue(rules or DEFAULT_RULES)
    except RuleFileError as exc:
        for problem in exc.problems:
            console.print(f"[red]error:[/red] {problem}", soft_wrap=True, highlight=False)
        return EXIT_DATA_ERROR
    code, run = _ingest_with_progress(
        input_dir, output, reports=reports, as_of=as_of, console=console
    )
    if run is None:
        return code
    run.rules = apply_catalogue(run, catalogue)
    write_manifest(run)
    console.print(
        f"rules: {run.rules['rules']} rules gave {run.rules['clues']:,} clues in "
        f"{run.rules['seconds']:.1f} s: {output / 'clues.xlsx'}"
    )
    return code


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} datasets"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
