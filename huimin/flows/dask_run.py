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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect_dask.task_runners import DaskTaskRunner

from huimin import distributed, pipeline
from huimin.atomic import write_parquet
from huimin.context import MAX_TEXT_CHARS, XLSX_MAX_RATIO, XLSX_MAX_UNCOMPRESSED, Limits, RunContext
from huimin.errors import ConfigError
from huimin.ingest import DatasetResult
from huimin.redact import install_log_redaction, redact_obj
from huimin.reuse import Previous
from huimin.rules.engine import PolicyOutcome
from huimin.rules.model import RuleFile
from huimin.runs import RunArea
from huimin.sources import Source

if TYPE_CHECKING:
    from rich.console import Console

Outcomes = dict[str, PolicyOutcome]
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


@task(name="partition-map", cache_policy=NONE)
def household_map(staged: dict[str, Path], partitions: int, target: Path) -> int:
    """Every person's and household's partition, written to ``target``; returns its rows."""
    links = distributed.household_links(distributed.scans(staged))
    mapped = distributed.partition_map(links, partitions)
    write_parquet(mapped, target)
    return mapped.height


@task(name="partition-datasets", cache_policy=NONE)
def partition_datasets(
    staged: dict[str, Path], map_path: Path, partitions: int, folder: Path
) -> dict[str, list[int]]:
    """Staged datasets split into ``folder/p{i}/``; returns the rows of each partition."""
    mapped = pl.read_parquet(map_path)
    rows = {}
    for name, path in staged.items():
        routed = distributed.route(pl.scan_parquet(path), name, mapped, partitions)
        written = distributed.write_partitions(routed, name, folder, partitions)
        rows[name] = [count for _, count in written]
    return rows


@task(
    name="rules-partition",
    task_run_name="rules p{index}",
    cache_policy=NONE,
)
def rules_on_partition(
    index: int,
    catalogue: list[RuleFile],
    placed: dict[str, distributed.Stage],
    paths: dict[str, Path],
    usable: dict[str, tuple[bool, str, bool]],
    sources: dict[str, str],
    ctx: RunContext,
) -> Outcomes:
    """The partition rules over partition ``index`` (its files are ``paths``)."""
    frames = distributed.scans(paths)
    return distributed.evaluate_stage(catalogue, placed, "partition", frames, usable, sources, ctx)


@task(name="rules-accounts", cache_policy=NONE)
def rules_on_accounts(
    catalogue: list[RuleFile],
    placed: dict[str, distributed.Stage],
    paths: dict[str, Path],
    usable: dict[str, tuple[bool, str, bool]],
    sources: dict[str, str],
    ctx: RunContext,
) -> tuple[Outcomes, int | None]:
    """The shared-account rules, once, over the rows of the persons paid into an account the
    ID, account and household columns show shared; returns their findings and how many
    persons that is (None: every row was read)."""
    frames = distributed.scans(paths)
    subjects = distributed.account_subjects(catalogue, placed, frames, ctx.as_of)
    if subjects is not None:
        frames = distributed.only_subjects(frames, subjects)
    outcomes = distributed.evaluate_stage(
        catalogue, placed, "accounts", frames, usable, sources, ctx
    )
    return outcomes, None if subjects is None else subjects.len()


@task(name="rules-global", cache_policy=NONE)
def rules_global(
    catalogue: list[RuleFile],
    placed: dict[str, distributed.Stage],
    paths: dict[str, Path],
    usable: dict[str, tuple[bool, str, bool]],
    sources: dict[str, str],
    ctx: RunContext,
) -> Outcomes:
    """The rules whose key is not a person (a VIN, a credit code, a project), once."""
    frames = distributed.scans(paths)
    return distributed.evaluate_stage(catalogue, placed, "global", frames, usable, sources, ctx)


@task(name="rule-gaps", cache_policy=NONE)
def rule_gaps(
    catalogue: list[RuleFile],
    paths: dict[str, Path],
    usable: dict[str, tuple[bool, str, bool]],
    ctx: RunContext,
) -> dict[str, distributed.Gaps]:
    """The rules evaluated and the gaps (periods without a confirmed value) of the whole run."""
    return distributed.rule_gaps(catalogue, distributed.scans(paths), usable, ctx)


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
            run.rules = _rules(runner, run, catalogue, partitions, building.work)
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


def _rules(
    runner: DaskTaskRunner,
    run: pipeline.IngestRun,
    catalogue: list[RuleFile],
    partitions: int,
    work: Path,
) -> dict[str, Any]:
    """Every stage on the cluster, merged; clues written as ``huimin run`` writes them;
    returns the manifest's rules section (with where each rule ran)."""
    started = time.perf_counter()
    staged = pipeline.staged_paths(run)
    placed = distributed.stages(catalogue)
    common = {
        "catalogue": catalogue,
        "placed": placed,
        "usable": distributed.usable_table(run.statuses(), staged),
        "sources": {r.dataset: Path(r.file).name for r in run.results if r.ok},
        "ctx": run.ctx,
    }

    def read_by(stage: distributed.Stage) -> dict[str, Path]:
        return {n: staged[n] for n in distributed.stage_datasets(catalogue, placed, stage, staged)}

    split_up = read_by("partition")
    folder = work / "partitions"
    mapping = (  # first: the partitions wait for it
        runner.submit(
            household_map,
            {"staged": split_up, "partitions": partitions, "target": folder / "map.parquet"},
        )
        if partitions > 1
        else None
    )
    accounts = runner.submit(rules_on_accounts, {**common, "paths": read_by("accounts")})
    whole = runner.submit(rules_global, {**common, "paths": read_by("global")})
    gaps = runner.submit(
        rule_gaps,
        {"catalogue": catalogue, "paths": staged, "usable": common["usable"], "ctx": run.ctx},
    )
    if mapping is None:  # one partition: the staged files themselves
        valid = {r.dataset: r.rows_valid for r in run.results}
        folders, rows = [split_up], [sum(valid[name] for name in split_up)]
    else:
        mapping.result()
        folders, rows = _partition(runner, split_up, partitions, folder)
    log = get_run_logger()
    log.info("partitions: %d, rows %s, in %.1f s", partitions, rows, time.perf_counter() - started)
    parts = [
        runner.submit(rules_on_partition, {**common, "index": index, "paths": paths})
        for index, paths in enumerate(folders)
    ]
    by_account, persons = accounts.result()
    outcomes = [*(future.result() for future in parts), by_account, whole.result()]
    merged = distributed.merge(catalogue, outcomes, gaps.result())
    log.info("rules: %d stage results in %.1f s", len(outcomes), time.perf_counter() - started)
    summary = pipeline.apply_catalogue(
        run, catalogue, each_policy=lambda rule_file, _: merged[rule_file.policy]
    )
    summary["seconds"] = round(time.perf_counter() - started, 2)
    summary["dask"] = {
        "partitions": partitions,
        "rows_per_partition": rows,
        "rules_per_stage": {s: list(placed.values()).count(s) for s in distributed.STAGES},
        "persons_for_shared_accounts": persons,
    }
    return summary


def _partition(
    runner: DaskTaskRunner, staged: Mapping[str, Path], partitions: int, folder: Path
) -> tuple[list[dict[str, Path]], list[int]]:
    """``staged`` split into ``folder/p{i}/`` (after :func:`household_map`) by as many tasks
    as partitions, each given datasets of about the same size: each partition's files, and
    its rows."""
    map_path = folder / "map.parquet"
    shares: list[dict[str, Path]] = [{} for _ in range(partitions)]
    for name, path in sorted(staged.items(), key=lambda item: -item[1].stat().st_size):
        smallest = min(shares, key=lambda share: sum(p.stat().st_size for p in share.values()))
        smallest[name] = path
    split = [
        runner.submit(
            partition_datasets,
            {"staged": share, "map_path": map_path, "partitions": partitions, "folder": folder},
        )
        for share in shares
        if share
    ]
    counts = [rows for future in split for rows in future.result().values()]
    rows = [sum(column) for column in zip(*counts, strict=True)] if counts else []
    paths = [
        {name: distributed.partition_folder(folder, i) / f"{name}.parquet" for name in staged}
        for i in range(partitions)
    ]
    return paths, rows


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
