"""Prefect wiring of the district run: discover → ingest each dataset → reports → manifest.

Thin on purpose: every step is a function of :mod:`huimin.pipeline`. Run once with
``huimin flow run --input DIR --output DIR``; serve on a schedule with ``huimin flow serve``
(needs ``prefect server start`` for the schedule to fire).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact

from huimin import pipeline
from huimin.ingest import DatasetResult
from huimin.sources import Source, discover


@task(name="ingest-dataset", task_run_name="ingest {source.dataset}")
def ingest_dataset(source: Source, output: Path, as_of: dt.date) -> DatasetResult:
    return pipeline.ingest_source(source, output, as_of)


@task(name="validation-reports")
def validation_reports(run: pipeline.IngestRun) -> dict[str, Any] | None:
    pipeline.build_reports(run)
    return run.validation


@task(name="apply-rules")
def apply_rules(run: pipeline.IngestRun, rules_dir: Path | None) -> dict[str, Any]:
    from huimin.rules.commands import DEFAULT_RULES, load_catalogue

    return pipeline.apply_catalogue(run, load_catalogue(rules_dir or DEFAULT_RULES))


@flow(name="huimin-district-run", log_prints=True)
def district_run(
    input_dir: Path,
    output_dir: Path,
    reports: bool = True,
    as_of: dt.date | None = None,
    rules_dir: Path | None = None,
    rules: bool = True,
) -> dict[str, Any]:
    """Ingest and validate one input folder, apply the rules; returns the run manifest."""
    day = as_of or dt.date.today()
    run = pipeline.IngestRun(Path(input_dir), Path(output_dir), day)
    discovery = discover(run.input_dir)
    futures = [ingest_dataset.submit(s, run.output_dir, day) for s in discovery.sources]
    run.results = [f.result() for f in futures]
    run.results.extend(pipeline.error_result(e) for e in discovery.errors)
    if reports:
        run.validation = validation_reports(run)
    if rules:
        run.rules = apply_rules(run, rules_dir)
    pipeline.write_manifest(run)
    create_markdown_artifact(
        key="huimin-ingest", markdown=pipeline.summary_markdown(run), description="huimin ingest"
    )
    return run.manifest()
