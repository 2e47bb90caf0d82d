"""Prefect wiring of the district run: catalogue → discover → ingest each dataset → rules →
reports → manifest → publish.

Thin on purpose: every step is a function of :mod:`huimin.pipeline`, the same the command line
calls, and the result is published at the output folder in one step (:mod:`huimin.runs`).
Run once with ``huimin flow run --input DIR --output DIR``; serve on a schedule with
``huimin flow serve`` (needs ``prefect server start`` for the schedule to fire).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact

from huimin import pipeline
from huimin.context import RunContext
from huimin.ingest import DatasetResult
from huimin.redact import install_log_redaction
from huimin.runs import RunArea
from huimin.sources import Source


@task(name="ingest-dataset", task_run_name="ingest {source.dataset}")
def ingest_dataset(
    source: Source, output: Path, ctx: RunContext, work: Path | None = None
) -> DatasetResult:
    return pipeline.ingest_source(source, output, ctx, work)


@task(name="validation-reports")
def validation_reports(run: pipeline.IngestRun) -> dict[str, Any] | None:
    pipeline.build_reports(run)
    return run.validation


@task(name="apply-rules")
def apply_rules(run: pipeline.IngestRun, catalogue: list[Any]) -> dict[str, Any]:
    return pipeline.apply_catalogue(run, catalogue)


@flow(name="huimin-district-run", log_prints=True)
def district_run(
    input_dir: Path,
    output_dir: Path,
    reports: bool = True,
    as_of: dt.date | None = None,
    rules_dir: Path | None = None,
    rules: bool = True,
    absent: list[str] | None = None,
) -> dict[str, Any]:
    """Ingest and validate one input folder, apply the rules, publish; returns the manifest."""
    install_log_redaction()
    from huimin.rules.commands import DEFAULT_RULES, load_catalogue

    started = time.perf_counter()
    from huimin.rules.params_loader import district_file

    overrides = district_file(Path(input_dir))
    catalogue = load_catalogue(rules_dir or DEFAULT_RULES, overrides) if rules else None
    ctx = RunContext(as_of or dt.date.today(), absent=frozenset(absent or ()))
    area = RunArea(Path(output_dir))
    with area.locked(command="huimin flow run"):
        discovery, ctx = pipeline.discover_inputs(Path(input_dir), ctx)
        building = area.new_run()
        try:
            run = pipeline.IngestRun(Path(input_dir), building.folder, ctx, run_id=building.run_id)
            run.ignored = [(str(p), why) for p, why in discovery.ignored]
            futures = [
                ingest_dataset.submit(s, building.folder, ctx, building.work)
                for s in discovery.sources
            ]
            run.results = [f.result() for f in futures]
            run.results.extend(pipeline.error_result(e) for e in discovery.errors)
            pipeline.write_department_returns(run, discovery.sources)
            if catalogue is not None:
                run.rules = apply_rules(run, catalogue)
            if reports:
                run.validation = validation_reports(run)
            run.seconds = time.perf_counter() - started
            pipeline.write_manifest(run)
            building.publish()
        except BaseException:
            building.discard()
            raise
    create_markdown_artifact(
        key="huimin-run", markdown=pipeline.summary_markdown(run), description="huimin run"
    )
    return run.manifest()
