"""Prefect wiring of the district run: the same steps as ``huimin run`` (huimin.pipeline),
one task per dataset and one per policy, the result published at the output folder in one
step (huimin.runs), and two artifacts per run: a summary and a table, masked.

Run once with ``huimin flow run --input DIR --output DIR``; serve on a schedule with
``huimin flow serve`` (needs ``prefect server start`` for the schedule to fire).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE
from prefect.task_runners import ThreadPoolTaskRunner

from huimin import __version__, pipeline
from huimin.context import RunContext
from huimin.ingest import DatasetResult
from huimin.redact import install_log_redaction, redact, redact_obj
from huimin.reuse import Previous
from huimin.rules.engine import PolicyOutcome
from huimin.rules.model import RuleFile
from huimin.runs import RunArea, runs_root
from huimin.sources import Source

TASK_TIMEOUT = 3 * 3600


@task(
    name="ingest-dataset",
    task_run_name="ingest {source.dataset}",
    retries=2,
    retry_delay_seconds=10,
    timeout_seconds=TASK_TIMEOUT,
    cache_policy=NONE,
)
def ingest_dataset(
    source: Source,
    output: Path,
    ctx: RunContext,
    work: Path | None = None,
    previous: Previous | None = None,
) -> DatasetResult:
    return pipeline.ingest_or_reuse(source, output, ctx, work, previous)


@task(
    name="policy", task_run_name="rules {policy}", timeout_seconds=TASK_TIMEOUT, cache_policy=NONE
)
def evaluate_policy(policy: str, evaluate: Callable[[], PolicyOutcome]) -> PolicyOutcome:
    return evaluate()


def _each_policy(rule_file: RuleFile, evaluate: Callable[[], PolicyOutcome]) -> PolicyOutcome:
    outcome: PolicyOutcome = evaluate_policy(rule_file.policy, evaluate)
    return outcome


@task(name="validation-reports", timeout_seconds=TASK_TIMEOUT, cache_policy=NONE)
def validation_reports(run: pipeline.IngestRun, previous: Previous | None) -> None:
    if not pipeline.reuse_reports(run, previous):
        pipeline.build_reports(run)


def previous_month(today: dt.date | None = None) -> str:
    first = (today or dt.date.today()).replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def month_end(period: str) -> dt.date:
    year, month = (int(part) for part in period.split("-"))
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


#: datasets are ingested two at a time: each may hold a few million rows in memory
MAX_PARALLEL_TASKS = 2


@flow(
    name="huimin-district-run",
    log_prints=True,
    task_runner=ThreadPoolTaskRunner(max_workers=MAX_PARALLEL_TASKS),  # type: ignore[arg-type]
)
def district_run(
    input_dir: Path,
    output_dir: Path,
    period: str | None = None,
    reports: bool = True,
    as_of: dt.date | None = None,
    rules_dir: Path | None = None,
    parameters_file: Path | None = None,
    rules: bool = True,
    absent: list[str] | None = None,
    reuse: bool = True,
    ledger: str | None = None,
) -> dict[str, Any]:
    """The monthly job for ``period`` (YYYY-MM, default the previous month): ingest and
    validate one input folder, apply the rules, publish; returns the manifest (masked).

    ``ledger`` (a file or database URL) gives the clue report its rule feedback; one that
    cannot be read is said in the report and the summary, and fails nothing."""
    install_log_redaction()
    month = period or previous_month()
    day = as_of or month_end(month)
    try:
        run = _district_run(
            Path(input_dir),
            Path(output_dir),
            day,
            reports,
            rules_dir,
            parameters_file,
            rules,
            absent or [],
            reuse,
            ledger,
        )
    except Exception as exc:
        _record_failure(Path(output_dir), month, exc)
        raise
    _artifacts(run)
    return dict(redact_obj(run.manifest()))


def _district_run(
    input_dir: Path,
    output_dir: Path,
    day: dt.date,
    reports: bool,
    rules_dir: Path | None,
    parameters_file: Path | None,
    rules: bool,
    absent: list[str],
    reuse: bool,
    ledger: str | None = None,
) -> pipeline.IngestRun:
    from huimin.rules.commands import DEFAULT_RULES, load_catalogue
    from huimin.rules.params_loader import district_file

    started = time.perf_counter()
    overrides = parameters_file or district_file(input_dir)
    # a broken catalogue fails the flow before any ingest
    catalogue = load_catalogue(rules_dir or DEFAULT_RULES, overrides) if rules else None
    ctx = RunContext(day, absent=frozenset(absent), reuse=reuse)
    area = RunArea(output_dir)
    with area.locked(command="huimin flow run"):
        discovery, ctx = pipeline.discover_inputs(input_dir, ctx)
        published = area.current()
        previous = Previous.load(published) if reuse else None
        building = area.new_run()
        try:
            run = pipeline.IngestRun(input_dir, building.folder, ctx, run_id=building.run_id)
            run.ignored = [(str(p), why) for p, why in discovery.ignored]
            futures = [
                ingest_dataset.submit(s, building.folder, ctx, building.work, previous)
                for s in discovery.sources
            ]
            run.results = [f.result() for f in futures]
            run.results.extend(pipeline.error_result(e) for e in discovery.errors)
            pipeline.write_department_returns(run, discovery.sources)
            if catalogue is not None:
                run.rules = pipeline.apply_catalogue(
                    run, catalogue, previous=previous, each_policy=_each_policy
                )
            if reports:
                validation_reports(run, previous)
            pipeline.finish_run(
                run,
                run.output_dir,
                published,
                started,
                catalogue=catalogue,
                ledger=ledger,
                province=None,
            )
            building.publish()
        except BaseException:
            building.discard()
            raise
    run.output_dir = area.output
    return run


def _record_failure(output_dir: Path, period: str, exc: Exception) -> None:
    """A manifest of the failed attempt, ``OUT.runs/failed-run-manifest.json``, beside the
    published result (which stays as it was)."""
    root = runs_root(output_dir.absolute())
    record = {
        "huimin_version": __version__,
        "status": "failed",
        "period": period,
        "failed_at": dt.datetime.now().isoformat(timespec="seconds"),
        "exit_code": getattr(exc, "exit_code", 3),
        "error": type(exc).__name__,
        "message": redact(str(exc))[:2000],
        "published_result_unchanged": True,
    }
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / "failed-run-manifest.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    except OSError:
        pass


def _artifacts(run: pipeline.IngestRun) -> None:
    create_markdown_artifact(
        key="huimin-run", markdown=pipeline.summary_markdown(run), description="huimin run"
    )
    rows = [
        {
            "dataset": r.dataset,
            "rows in": r.rows_in,
            "valid": r.rows_valid,
            "quarantined": r.rows_quarantined,
            "reused": r.reused,
            "error": redact(r.error or ""),
        }
        for r in sorted(run.results, key=lambda r: r.dataset)
    ]
    create_table_artifact(key="huimin-datasets", table=rows, description="datasets of the run")
