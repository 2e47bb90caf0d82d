"""The command line's wiring of the pipeline steps: the run folder, its lock, progress, the
closing summary, and one atomic publication of the whole result."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from huimin import pipeline
from huimin.context import RunContext
from huimin.errors import ConfigError
from huimin.ingest import DatasetResult
from huimin.quality import breach_lines
from huimin.reuse import Previous
from huimin.runs import Run, RunArea

if TYPE_CHECKING:
    from huimin.rules.engine import PolicyOutcome
    from huimin.rules.model import RuleFile


@contextmanager
def _building(area: RunArea, *, derive: bool = False) -> Iterator[Run]:
    """A new run folder; published by the caller, removed if anything goes wrong first."""
    run = area.derive_run() if derive else area.new_run()
    try:
        yield run
    except BaseException:
        run.discard()
        raise


def run_job(
    input_dir: Path,
    output: Path,
    *,
    ctx: RunContext,
    reports: bool,
    catalogue: list[RuleFile] | None,
    console: Console,
    wait: bool = False,
    command: str = "huimin run",
    province: Path | None = None,
    ledger: str | None = None,
    partitions: int | None = None,
) -> int:
    """Ingest ``input_dir``, apply ``catalogue`` (unless None), publish the result at ``output``.

    ``partitions`` (2 or more) runs the rules over that many household partitions, one after
    another (:mod:`huimin.partitioned`): the same clues, with the rule step holding one
    partition at a time.

    ``ledger`` (a file or database URL) is read for the clue report's rule feedback; one that
    cannot be read is said in the report and the summary, and fails nothing.
    """
    area = RunArea(output)
    started = time.perf_counter()
    with area.locked(wait=wait, command=command):
        discovery, ctx = pipeline.discover_inputs(input_dir, ctx)
        published = area.current()
        previous = Previous.load(published) if ctx.reuse else None
        with _building(area) as building:
            run = pipeline.IngestRun(input_dir, building.folder, ctx, run_id=building.run_id)
            run.quality()  # a broken thresholds file fails before any ingest
            run.ignored = [(str(p), why) for p, why in discovery.ignored]
            with _progress(console) as progress:
                task = progress.add_task("ingest", total=len(discovery.sources))
                for source in discovery.sources:
                    progress.update(task, description=f"ingest {source.dataset}")
                    result = pipeline.ingest_or_reuse(
                        source, building.folder, ctx, building.work, previous
                    )
                    run.results.append(result)
                    progress.advance(task)
                run.results.extend(pipeline.error_result(e) for e in discovery.errors)
                progress.update(task, description="returns to departments")
                pipeline.write_department_returns(run, discovery.sources)
                if catalogue is not None and partitions is not None:
                    run.rules = _partitioned(run, catalogue, partitions, building, progress)
                elif catalogue is not None:
                    rules_task = progress.add_task("rules", total=len(catalogue))

                    def each_policy(
                        rule_file: RuleFile, evaluate: Callable[[], PolicyOutcome]
                    ) -> PolicyOutcome:
                        progress.update(rules_task, description=f"rules {rule_file.policy}")
                        outcome = evaluate()
                        progress.advance(rules_task)
                        return outcome

                    run.rules = pipeline.apply_catalogue(
                        run, catalogue, previous=previous, each_policy=each_policy
                    )
                if reports and not pipeline.reuse_reports(run, previous):
                    progress.update(task, description="validation reports (Great Expectations)")
                    pipeline.build_reports(run)
            pipeline.finish_run(
                run,
                building.folder,
                published,
                started,
                catalogue=catalogue,
                ledger=ledger,
                province=province,
            )
            building.publish()
    run.output_dir = area.output
    print_summary(run, console)
    return run.exit_code()


def _partitioned(
    run: pipeline.IngestRun,
    catalogue: list[RuleFile],
    partitions: int,
    building: Run,
    progress: Progress,
) -> dict[str, Any]:
    from huimin.partitioned import InProcess, apply_partitioned

    task = progress.add_task(f"rules in {partitions} partitions", total=None)

    def step(name: str) -> None:
        progress.update(task, description=f"rules: {name}")

    return apply_partitioned(
        InProcess(step),
        run,
        catalogue,
        partitions,
        building.work,
        section="partitions",
        say=lambda _: None,
    )


def rerun_rules(
    output: Path,
    *,
    catalogue: list[RuleFile],
    as_of: dt.date | None,
    options: RunContext,
    console: Console,
    wait: bool = False,
) -> int:
    """Apply ``catalogue`` to the published run's staged data; publish it with the new clues.

    The run is judged as of ``as_of`` or, when None, the date the published run recorded;
    ``options`` gives the rule options (check period, example parameters).
    """
    area = RunArea(output)
    with area.locked(wait=wait, command="huimin rules run"), _building(area, derive=True) as b:
        run = run_from_manifest(b.folder, as_of, options)
        run.run_id = b.run_id
        started = time.perf_counter()
        previous = Previous.load(area.current()) if options.reuse else None
        run.rules = pipeline.apply_catalogue(run, catalogue, previous=previous)
        run.seconds = time.perf_counter() - started
        pipeline.write_manifest(run)
        b.publish()
    run.output_dir = area.output
    print_rules(run, console)
    return run.exit_code()


def published_input(output: Path) -> Path | None:
    """The input folder the published run at ``output`` recorded (None if there is none)."""
    try:
        manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
        return Path(manifest["input_dir"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def run_from_manifest(
    folder: Path, as_of: dt.date | None, options: RunContext
) -> pipeline.IngestRun:
    """The datasets of a published run, as its manifest records them."""
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        datasets = manifest["datasets"]
        recorded = dt.date.fromisoformat(manifest["as_of"])
        absent = frozenset(manifest.get("declared_absent", []))
        results = [DatasetResult(**entry) for entry in datasets.values()]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{path}: not a huimin run manifest ({type(exc).__name__}): run `huimin run` again"
        ) from None
    ctx = replace(options, as_of=as_of or recorded, absent=frozenset(options.absent | absent))
    run = pipeline.IngestRun(Path(manifest.get("input_dir", "")), folder, ctx, results)
    run.ignored = [(i["file"], i["why"]) for i in manifest.get("ignored_files", [])]
    run.validation = manifest.get("validation")
    run.returns = list(manifest.get("returns", []))
    return run


# ---------------------------------------------------------------------------- the console
def summary_table(run: pipeline.IngestRun) -> Table:
    table = Table(title=f"huimin: {run.input_dir}", title_justify="left")
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
            table.add_row(r.dataset, Path(r.file).name, "-", "-", "[red]refused[/red]")
    return table


def print_summary(run: pipeline.IngestRun, console: Console) -> None:
    console.print(summary_table(run))
    for result in run.errors:
        console.print(f"[red]error:[/red] {result.error}", soft_wrap=True, highlight=False)
    for path, why in run.ignored:
        console.print(f"ignored: {Path(path).name}: {why}", soft_wrap=True, highlight=False)
    for name, status in sorted(run.statuses().items()):
        if name not in pipeline.EXPECTED or status.usable or status.state == "refused":
            continue
        style = "" if status.quiet else "[yellow]"
        console.print(
            f"{style}not used:[/] {status.reason}" if style else f"not used: {status.reason}"
        )
    if run.validation:
        failed = run.validation.get("failed_datasets") or []
        passed = len(run.validation.get("datasets", {})) - len(failed)
        verdict = f"{passed} datasets pass" + (f", failing: {', '.join(failed)}" if failed else "")
        console.print(f"validation reports ({verdict}): {run.output_dir}/reports/validation/")
    for line in breach_lines(run.breaches()):
        console.print(f"[red]{escape(line)}[/red]", highlight=False)
    if (run.output_dir / "reports" / "index.html").is_file():
        console.print(f"clue report (open in a browser): {run.output_dir}/reports/index.html")
    if run.returns:
        console.print(
            f"returns to departments (quarantined rows to correct): {run.output_dir}/returns/ "
            f"({len(run.returns)} workbook{'s' if len(run.returns) > 1 else ''})",
            highlight=False,
        )
    if run.rules is not None:
        print_rules(run, console)
    if run.reconciliation:
        counts = run.reconciliation.get("by_match") or {}
        shown = ", ".join(f"{k} {v}" for k, v in counts.items())
        console.print(f"reconciliation with the province's clues: {shown}", highlight=False)
    if run.rule_feedback:
        _print_feedback(run.rule_feedback, console)
    if run.changes is not None:
        console.print(
            f"since the previous run: {run.changes['new']} new clues, {run.changes['gone']} "
            f"gone, {run.changes['kept']} still there",
            highlight=False,
        )
    console.print(f"manifest: {run.output_dir / 'manifest.json'} (exit code {run.exit_code()})")


def _print_feedback(feedback: dict[str, Any], console: Console) -> None:
    line = escape(str(feedback.get("summary") or ""))
    if feedback.get("problem"):
        line = f"[yellow]{line}[/yellow] (the clue report says so too)"
    console.print(line, soft_wrap=True, highlight=False)


def print_rules(run: pipeline.IngestRun, console: Console) -> None:
    rules = run.rules or {}
    grouped: dict[tuple[str, bool], list[str]] = defaultdict(list)
    for item in rules.get("not_evaluated", []):
        grouped[(item["reason"], item["quiet"])].append(item["rule"])
    for (reason, quiet), ids in sorted(grouped.items(), key=lambda item: (item[0][1], item[0])):
        shown = ", ".join(ids[:4]) + (f" and {len(ids) - 4} more" if len(ids) > 4 else "")
        if "declared absent" in reason:
            label = "skipped"
        else:
            label = "not evaluated" if quiet else "[yellow]not evaluated[/yellow]"
        console.print(
            f"{label}: {reason} ({len(ids)} rule{'s' if len(ids) > 1 else ''}: {shown})",
            soft_wrap=True,
            highlight=False,
        )
    console.print(
        f"rules: {rules.get('evaluated', 0)} evaluated, {len(rules.get('not_evaluated', []))} "
        f"not, {rules.get('clues', 0):,} clues in {rules.get('seconds', 0):.1f} s: "
        f"{run.output_dir / 'clues.xlsx'}",
        highlight=False,
    )


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
