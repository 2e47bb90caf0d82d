"""Prefect wiring of ``huimin run --dask ADDRESS``: the job of ``huimin run`` on an existing
Dask cluster, through Prefect's Dask task runner.

Each dataset is ingested as a task on the cluster, as ``huimin flow run`` does on threads.
Then the staged datasets are split into hash partitions that keep households whole, the rules
that judge one person or household run on each partition, the rules that span partitions (a
shared bank account, a VIN, a project) run once on the columns they need, and the findings
come back to this process, which assigns the clue ids (the district's key never leaves it),
writes ``clues.parquet`` exactly as a single process does, and publishes the run in one step
(:mod:`huimin.distributed` holds the logic). Every task reads and writes the run's own folder:
on a cluster of several machines it must be on storage they all share.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from prefect import Task, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect_dask.task_runners import DaskTaskRunner

from huimin import partitioned, pipeline
from huimin.context import MAX_TEXT_CHARS, XLSX_MAX_RATIO, XLSX_MAX_UNCOMPRESSED, Limits, RunContext
from huimin.errors import ConfigError
from huimin.ingest import DatasetResult
from huimin.redact import install_log_redaction, redact_obj
from huimin.reuse import Previous
from huimin.rules.model import RuleFile
from huimin.runs import RunArea
from huimin.sources import Source

if TYPE_CHECKING:
    from rich.console import Console

T = TypeVar("T")
COMMAND = "huimin run --dask"


# ---------------------------------------------------------------- tasks (run on the cluster)
# no timeouts: a Dask worker runs a task in a thread, which a timeout cannot interrupt


@task(
    name="ingest-dataset",
    task_run_name="ingest {source.dataset}",
    retries=2,
    retry_delay_seconds=10,
    cache_policy=NONE,
)
def ingest_dataset(
    source: Source, output: Path, ctx: RunContext, work: Path, previous: Previous | None
) -> DatasetResult:
    return pipeline.ingest_or_reuse(source, output, ctx, work, previous)


household_map = task(name="partition-map", cache_policy=NONE)(partitioned.household_map)
partition_datasets = task(name="partition-datasets", cache_policy=NONE)(
    partitioned.partition_datasets
)
rules_on_partition = task(
    name="rules-partition", task_run_name="rules p{index}", cache_policy=NONE
)(partitioned.rules_on_partition)
rules_on_accounts = task(name="rules-accounts", cache_policy=NONE)(partitioned.rules_on_accounts)
rules_global = task(name="rules-global", cache_policy=NONE)(partitioned.rules_global)
rule_gaps = task(name="rule-gaps", cache_policy=NONE)(partitioned.rule_gaps)
#: each step of :mod:`huimin.partitioned` and the task that runs it on the cluster
TASKS: dict[Callable[..., Any], Task[..., Any]] = {
    partitioned.household_map: household_map,
    partitioned.partition_datasets: partition_datasets,
    partitioned.rules_on_partition: rules_on_partition,
    partitioned.rules_on_accounts: rules_on_accounts,
    partitioned.rules_global: rules_global,
    partitioned.rule_gaps: rule_gaps,
}


class OnDask:
    """The steps of :mod:`huimin.partitioned` as tasks of Prefect's Dask task runner."""

    def __init__(self, runner: DaskTaskRunner) -> None:
        self.runner = runner

    def submit(self, step: Callable[..., T], parameters: dict[str, Any]) -> partitioned.Pending[T]:
        return cast("partitioned.Pending[T]", self.runner.submit(TASKS[step], parameters))


@task(name="validation-reports", cache_policy=NONE)
def validation_reports(run: pipeline.IngestRun, previous: Previous | None) -> dict[str, Any] | None:
    """The Great Expectations Data Docs; returns the run's validation summary (the task may
    run in another process: the caller keeps it)."""
    if not pipeline.reuse_reports(run, previous):
        pipeline.build_reports(run)
    return run.validation


# ---------------------------------------------------------------- the flow
@flow(name="huimin-dask-run", log_prints=True)
def dask_run(
    input_dir: Path,
    output_dir: Path,
    dask_address: str,
    partitions: int | None = None,
    reports: bool = True,
    as_of: dt.date | None = None,
    rules_dir: Path | None = None,
    parameters_file: Path | None = None,
    only: list[str] | None = None,
    absent: list[str] | None = None,
    reuse: bool = True,
    check_period: str = "year",
    include_example_parameters: bool = False,
    max_text_chars: int = MAX_TEXT_CHARS,
    max_xlsx_bytes: int = XLSX_MAX_UNCOMPRESSED,
    max_xlsx_ratio: float = XLSX_MAX_RATIO,
    province: Path | None = None,
    wait: bool = False,
    ledger: str | None = None,
) -> dict[str, Any]:
    """``huimin run`` on the Dask cluster whose scheduler is at ``dask_address``, the inputs
    split into ``partitions`` (default: the cluster's worker threads); returns the manifest
    (masked). ``parameters_file`` defaults to the input folder's ``parameters.yaml``."""
    from huimin.rules.commands import DEFAULT_RULES, load_catalogue
    from huimin.rules.params_loader import district_file
    from huimin.rules.select import select_rules

    install_log_redaction()
    if partitions is not None and partitions < 0:
        raise ConfigError(f"partitions: {partitions} is not a number of partitions (1 or more)")
    overrides = parameters_file or district_file(Path(input_dir))
    catalogue = select_rules(load_catalogue(rules_dir or DEFAULT_RULES, overrides), only or [])
    ctx = RunContext(
        as_of or dt.date.today(),
        Limits(max_text_chars, max_xlsx_bytes, max_xlsx_ratio),
        frozenset(absent or []),
        check_period=check_period,
        include_examples=include_example_parameters,
        reuse=reuse,
    )
    with DaskTaskRunner(address=dask_address) as runner:
        threads = _worker_threads(runner, dask_address)  # refused here if nobody answers
        count = partitions or threads
        run = _job(
            runner,
            Path(input_dir),
            Path(output_dir),
            ctx,
            catalogue,
            count,
            reports,
            province,
            wait,
            ledger,
        )
    create_markdown_artifact(
        key="huimin-dask-run", markdown=pipeline.summary_markdown(run), description=COMMAND
    )
    return dict(redact_obj(run.manifest()))


def _worker_threads(runner: DaskTaskRunner, address: str) -> int:
    """The cluster's worker threads (connecting to it: refused when nobody answers)."""
    try:
        nthreads = cast(Callable[[], dict[str, int]], runner.client.nthreads)
        threads = sum(nthreads().values())
    except (OSError, TimeoutError):
        raise _nobody_at(address) from None
    if threads < 1:
        raise ConfigError(f"--dask {address}: the cluster has no worker: start `dask worker`")
    return int(threads)


def check_scheduler(address: str) -> None:
    """Refuse an address where no scheduler with workers answers, before any flow starts (the
    command then prints one line, not the failed flow's log)."""
    from distributed import Client

    connect: Any = Client
    try:
        with connect(address, set_as_default=False) as client:
            threads = sum(client.nthreads().values())
    except (OSError, TimeoutError):
        raise _nobody_at(address) from None
    if threads < 1:
        raise ConfigError(f"--dask {address}: the cluster has no worker: start `dask worker`")


def _nobody_at(address: str) -> ConfigError:
    return ConfigError(
        f"--dask {address}: no Dask scheduler answers there: start one "
        "(`dask scheduler`, then `dask worker ADDRESS` on each machine) or fix the address"
    )


def _job(
    runner: DaskTaskRunner,
    input_dir: Path,
    output_dir: Path,
    ctx: RunContext,
    catalogue: list[RuleFile],
    partitions: int,
    reports: bool,
    province: Path | None,
    wait: bool,
    ledger: str | None,
) -> pipeline.IngestRun:
    started = time.perf_counter()
    area = RunArea(output_dir)
    with area.locked(wait=wait, command=COMMAND):
        discovery, ctx = pipeline.discover_inputs(input_dir, ctx)
        published = area.current()
        previous = Previous.load(published) if ctx.reuse else None
        building = area.new_run()
        try:
            run = pipeline.IngestRun(input_dir, building.folder, ctx, run_id=building.run_id)
            run.quality()  # a broken thresholds file fails before any ingest
            run.ignored = [(str(p), why) for p, why in discovery.ignored]
            futures = [
                runner.submit(
                    ingest_dataset,
                    {
                        "source": source,
                        "output": building.folder,
                        "ctx": ctx,
                        "work": building.work,
                        "previous": previous,
                    },
                )
                for source in discovery.sources
            ]
            run.results = [future.result() for future in futures]
            get_run_logger().info(
                "ingest: %d datasets in %.1f s", len(futures), time.perf_counter() - started
            )
            run.results.extend(pipeline.error_result(e) for e in discovery.errors)
            pipeline.write_department_returns(run, discovery.sources)
            run.rules = partitioned.apply_partitioned(
                OnDask(runner),
                run,
                catalogue,
                partitions,
                building.work,
                section="dask",
                say=get_run_logger().info,
            )
            if reports:
                reported = runner.submit(validation_reports, {"run": run, "previous": previous})
                run.validation = reported.result()
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
        except BaseException:
            building.discard()
            raise
    run.output_dir = area.output
    return run


# ---------------------------------------------------------------- the command line
def run_on_dask(
    input_dir: Path,
    output: Path,
    address: str,
    *,
    ctx: RunContext,
    reports: bool,
    rules_dir: Path | None,
    parameters_file: Path | None,
    only: list[str],
    province: Path | None,
    wait: bool,
    console: Console,
    partitions: int | None = None,
    ledger: str | None = None,
) -> int:
    """``huimin run --dask ADDRESS``: the flow, then the summary ``huimin run`` prints;
    returns the exit code."""
    check_scheduler(address)
    manifest = dask_run(
        input_dir,
        output,
        address,
        partitions=partitions,
        reports=reports,
        as_of=ctx.as_of,
        rules_dir=rules_dir,
        parameters_file=parameters_file,
        only=list(only),
        absent=sorted(ctx.absent),
        reuse=ctx.reuse,
        check_period=ctx.check_period,
        include_example_parameters=ctx.include_examples,
        max_text_chars=ctx.limits.max_text_chars,
        max_xlsx_bytes=ctx.limits.xlsx_max_uncompressed,
        max_xlsx_ratio=ctx.limits.xlsx_max_ratio,
        province=province,
        wait=wait,
        ledger=ledger,
    )
    print_published(output, ctx, console)
    return int(manifest.get("exit_code", 0))


def print_published(output: Path, ctx: RunContext, console: Console) -> None:
    """The summary of the run published at ``output``, as ``huimin run`` prints it."""
    import json

    from huimin.job import print_summary, run_from_manifest

    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    run = run_from_manifest(output, None, ctx)
    run.rules = manifest.get("rules")
    run.changes = manifest.get("clue_changes")
    run.reconciliation = manifest.get("reconciliation")
    run.output_dir = RunArea(output).output
    print_summary(run, console)
