"""Validation reports: one Great Expectations suite per staged dataset, one Data Docs site.

:func:`build_validation_reports` scans each staged Parquet file lazily with polars, samples it
when it is large, prepares a privacy-safe frame (:mod:`huimin.reports.expectations`) and
computes every metric of the dataset's suite from it in one polars query
(:mod:`huimin.reports.metrics`): Great Expectations has no polars engine, so it gets the results
only, never the rows, and renders them (:mod:`huimin.reports.gx_docs`). The Data Docs site is
built into a temporary sibling of ``output_dir`` and swapped into place at the end, so a crash
never leaves half a report; ``output_dir/index.html`` lists every dataset, the datasets missing
and the rules not evaluated.

The report is shared beyond case workers, so it never shows a full ID number or a bank account:
the frame the metrics are computed on has ID columns masked and free text (names, accounts)
reduced to a presence marker (first line of defence, :mod:`huimin.reports.expectations`); then every
HTML and JSON file of the site goes through :func:`huimin.redact.redact` before the site is
swapped into place (second line).

Each dataset's quarantine rates (rows set aside at ingestion, overall and per reason) are
judged against the thresholds of :mod:`huimin.quality` in one more suite,
``quarantine_rates``, measured on a one-row summary frame computed from the ingestion counts (one
column per rate); a rate above its limit fails its dataset. The site is then made to work offline
(:mod:`huimin.reports.offline`: no page loads anything from the internet).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import shutil
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

import huimin.schemas as schemas
from huimin.atomic import dir_mode
from huimin.redact import redact
from huimin.reports.expectations import (
    PreparedDataset,
    prepare_frame,
    quarantine_expectations,
    quarantine_frame,
    suite_notes,
)
from huimin.reports.gx_docs import DocsSite, QuietGx
from huimin.reports.metrics import Measured, measure
from huimin.reports.offline import make_offline
from huimin.reports.overview import write_overview

if TYPE_CHECKING:
    from huimin.quality import RateCheck

DEFAULT_SAMPLE_ROWS = 200_000
SUMMARY_FILE = "validation-summary.json"
#: files of the site that carry data and are redacted (not its scripts and style sheets)
REDACTED_SUFFIXES = (".html", ".json")
#: the suite (and asset) holding every dataset's quarantine-rate expectations
QUARANTINE_SUITE = "quarantine_rates"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatasetValidation:
    """The validation outcome of one dataset.

    Attributes:
        dataset: dataset name (``schemas.DATASETS`` key).
        title_zh: Chinese title of the dataset.
        success: every expectation passed.
        evaluated: expectations evaluated.
        failed: expectations that failed (or raised).
        failed_expectations: ``expectation_type(column)`` of each failed expectation.
        errors: failed expectations that raised instead of evaluating (a bug, not bad data).
        rows: staged rows.
        validated_rows: rows the suite ran on (fewer than ``rows`` when sampled).
        sampled: validated on a deterministic sample (every ``sample_step``-th row).
        sample_step: 1 when not sampled.
        quarantined: rows quarantined at ingestion, when known.
        quarantine_rate: ``quarantined / (rows + quarantined)``, when known.
        seconds: time spent on this dataset.
        quarantine_breaches: each quarantine rate above its threshold, in words; any one makes
            the dataset fail (``success`` is False).
        quarantine_limit: the threshold of the overall quarantine rate, when judged.
    """

    dataset: str
    title_zh: str
    success: bool
    evaluated: int
    failed: int
    failed_expectations: tuple[str, ...]
    errors: int
    rows: int
    validated_rows: int
    sampled: bool
    sample_step: int
    quarantined: int | None
    quarantine_rate: float | None
    seconds: float
    quarantine_breaches: tuple[str, ...] = ()
    quarantine_limit: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["failed_expectations"] = list(self.failed_expectations)
        out["quarantine_breaches"] = list(self.quarantine_breaches)
        return out


@dataclass(frozen=True)
class ValidationSummary:
    """All datasets' outcomes and where the report is; goes into the run manifest.

    Attributes:
        index_html: the report's front page.
        datasets: dataset → its outcome.
        sample_rows: the sampling threshold used.
        seconds: time spent building the report.
        as_of: the date the data was judged at (ages, dates not in the future).
        not_evaluated: (rule or dataset, reason) of what was not evaluated, as given.
        missing: (dataset, reason) of datasets missing, refused or declared absent, as given.
        redacted_files: files of the site in which redaction masked something the first line
            of defence let through (normally none).
    """

    index_html: Path
    datasets: dict[str, DatasetValidation]
    sample_rows: int
    seconds: float
    as_of: dt.date | None = None
    not_evaluated: tuple[tuple[str, str], ...] = ()
    missing: tuple[tuple[str, str], ...] = ()
    redacted_files: tuple[str, ...] = field(default=())

    @property
    def success(self) -> bool:
        return all(d.success for d in self.datasets.values())

    @property
    def failed_datasets(self) -> list[str]:
        return [name for name, d in self.datasets.items() if not d.success]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (paths as strings)."""
        return {
            "success": self.success,
            "index_html": str(self.index_html),
            "sample_rows": self.sample_rows,
            "sampled_datasets": [n for n, d in self.datasets.items() if d.sampled],
            "failed_datasets": self.failed_datasets,
            "seconds": round(self.seconds, 3),
            "datasets": {name: d.to_dict() for name, d in self.datasets.items()},
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "not_evaluated": [{"name": n, "reason": r} for n, r in self.not_evaluated],
            "missing": [{"dataset": n, "reason": r} for n, r in self.missing],
            "redacted_files": list(self.redacted_files),
        }


def _row_count(path: Path) -> int:
    return int(pl.scan_parquet(path).select(pl.len()).collect().item())


def _failed(result: Any) -> tuple[list[str], int]:
    """Failed expectations as ``type(column)``, and how many of them raised instead."""
    out = []
    raised = 0
    for item in result.results:
        if item.success:
            continue
        config = item.expectation_config
        column = config.kwargs.get("column")
        out.append(f"{config.type}({column})" if column else str(config.type))
        info = item.exception_info or {}
        if info.get("raised_exception") or any(
            isinstance(v, dict) and v.get("raised_exception") for v in info.values()
        ):
            raised += 1
    return out, raised


@dataclass
class _Staged:
    """A dataset scanned, sampled, prepared and measured, waiting for Great Expectations."""

    dataset: str
    prepared: PreparedDataset
    measured: Measured
    rows: int
    step: int
    quarantined: int | None
    seconds: float


def _sample_step(rows: int, sample_rows: int) -> int:
    """Above ``sample_rows`` every k-th row is validated (deterministic)."""
    return max(1, math.ceil(rows / sample_rows)) if sample_rows > 0 else 1


def _measure_dataset(
    dataset: str, path: Path, *, quarantined: int | None, sample_rows: int, today: dt.date
) -> _Staged:
    started = time.perf_counter()
    rows = _row_count(path)
    step = _sample_step(rows, sample_rows)
    staged = pl.scan_parquet(path)
    if step > 1:
        staged = staged.gather_every(step)
    prepared = prepare_frame(schemas.DATASETS[dataset], staged, today)
    measured = measure(prepared.frame, prepared.expectations)
    return _Staged(
        dataset, prepared, measured, rows, step, quarantined, time.perf_counter() - started
    )


def _validate_dataset(site: DocsSite, item: _Staged) -> DatasetValidation:
    started = time.perf_counter()
    dataset, prepared = item.dataset, item.prepared
    model = schemas.DATASETS[dataset]
    validated = item.measured.rows
    notes = suite_notes(
        model,
        prepared,
        rows=item.rows,
        validated_rows=validated,
        sample_step=item.step,
        quarantined=item.quarantined,
    )
    meta = {
        "huimin": {
            "dataset": dataset,
            "title_zh": model.__title_zh__,
            "rows": item.rows,
            "validated_rows": validated,
            "sampled": item.step > 1,
            "sample_step": item.step,
            "quarantined": item.quarantined,
        }
    }
    result = site.add(
        dataset, prepared.expectations, item.measured.outcomes, notes=notes, meta=meta
    )
    failed, raised = _failed(result)
    return DatasetValidation(
        dataset=dataset,
        title_zh=model.__title_zh__,
        success=bool(result.success),
        evaluated=len(result.results),
        failed=len(failed),
        failed_expectations=tuple(failed),
        errors=raised,
        rows=item.rows,
        validated_rows=validated,
        sampled=item.step > 1,
        sample_step=item.step,
        quarantined=item.quarantined,
        quarantine_rate=_rate(item.quarantined, item.rows),
        seconds=round(item.seconds + time.perf_counter() - started, 3),
    )


def _validate_quarantine(
    site: DocsSite,
    outcomes: dict[str, DatasetValidation],
    rate_checks: Mapping[str, Sequence[RateCheck]],
) -> dict[str, DatasetValidation]:
    """Judge every quarantine rate in one suite, measured on a one-row summary frame (one
    page: a suite per dataset would cost seconds), then fold each dataset's results into its
    outcome: a rate above its limit fails the dataset."""
    started = time.perf_counter()
    checks = [c for name in sorted(outcomes) for c in rate_checks.get(name, ())]
    if not checks:
        return outcomes
    specs = quarantine_expectations(checks)
    result = site.add(
        QUARANTINE_SUITE,
        specs,
        measure(quarantine_frame(checks).lazy(), specs).outcomes,
        notes=[
            "Quarantine rates: the rows set aside at ingestion, per dataset overall and "
            "per reason, against the thresholds (docs/validation.md).",
            *[c.words() + "." for c in checks if c.breached],
        ],
        meta={"huimin": {"kind": "quarantine"}},
    )
    failed: dict[str, list[str]] = {}
    for item in result.results:
        if not item.success:
            column = str(item.expectation_config.kwargs.get("column", ""))
            failed.setdefault(column.split(".")[0], []).append(f"quarantine_rate({column})")
    share = (time.perf_counter() - started) / len(outcomes)
    return {
        name: _fold(outcome, rate_checks.get(name, ()), failed.get(name, []), share)
        for name, outcome in outcomes.items()
    }


def _fold(
    outcome: DatasetValidation, checks: Sequence[RateCheck], failed: list[str], seconds: float
) -> DatasetValidation:
    if not checks:
        return outcome
    breaches = tuple(c.words() for c in checks if c.breached)
    overall = next((c for c in checks if c.reason is None), None)
    return replace(
        outcome,
        success=outcome.success and not breaches and not failed,
        evaluated=outcome.evaluated + len(checks),
        failed=outcome.failed + len(failed),
        failed_expectations=(*outcome.failed_expectations, *failed),
        seconds=round(outcome.seconds + seconds, 3),
        quarantine_breaches=breaches,
        quarantine_limit=overall.limit if overall else None,
    )


def _rate(quarantined: int | None, rows: int) -> float | None:
    if quarantined is None:
        return None
    total = quarantined + rows
    return round(quarantined / total, 6) if total else 0.0


def _redact_site(site: Path) -> list[str]:
    """Mask ID numbers and accounts in every HTML and JSON file of ``site``; the files changed."""
    changed = []
    for path in sorted(site.rglob("*")):
        if path.suffix not in REDACTED_SUFFIXES or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        masked = redact(text)
        if masked != text:
            path.write_text(masked, encoding="utf-8", errors="surrogateescape")
            changed.append(path.relative_to(site).as_posix())
    return changed


def _swap_into_place(built: Path, target: Path) -> None:
    """Rename the old report away, the new one in, then delete the old one."""
    old: Path | None = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
        target.rename(old)
    try:
        built.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_validation_reports(
    staged: Mapping[str, Path],
    output_dir: Path,
    *,
    quarantined: Mapping[str, int] | None = None,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    as_of: dt.date,
    not_evaluated: Sequence[tuple[str, str]] = (),
    missing: Sequence[tuple[str, str]] = (),
    rate_checks: Mapping[str, Sequence[RateCheck]] | None = None,
) -> ValidationSummary:
    """Validate every staged dataset and write one Data Docs site to ``output_dir``.

    Args:
        staged: dataset name (a ``schemas.DATASETS`` key) → its staged Parquet file.
        output_dir: the report directory; replaced as a whole, atomically, at the end.
        quarantined: dataset → rows quarantined at ingestion, to report quarantine rates.
        sample_rows: datasets with more staged rows are validated on every k-th row, with
            k = ceil(rows / sample_rows); 0 disables sampling.
        as_of: the date the data is judged at (ages from ID numbers, dates that must not be in
            the future); required: a run's report says which date it judged at.
        not_evaluated: (rule or dataset, reason in words) for each rule or check that was not
            evaluated; listed on the front page under "未评估的规则 / Rules not evaluated".
        missing: (dataset, reason in words) for each dataset missing, refused or declared
            absent; listed on the front page under "缺少的数据集 / Datasets missing".
        rate_checks: dataset → its quarantine rates judged against the thresholds
            (:func:`huimin.quality.rate_checks`); each becomes an expectation of the suite
            ``quarantine_rates``, and a rate above its limit fails the dataset.

    Returns:
        The per-dataset outcome and the path of ``output_dir/index.html``.

    Raises:
        KeyError: a dataset name is not in the data contract.
        FileNotFoundError: a staged file does not exist.
    """
    started = time.perf_counter()
    unknown = sorted(set(staged) - set(schemas.DATASETS))
    if unknown:
        raise KeyError(f"not datasets of the data contract: {', '.join(unknown)}")
    for path in staged.values():
        if not Path(path).is_file():
            raise FileNotFoundError(f"staged file not found: {path}")
    quarantined = dict(quarantined or {})
    output_dir = Path(output_dir).absolute()
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    building = Path(
        tempfile.mkdtemp(prefix=f".{output_dir.name}.", suffix=".building", dir=output_dir.parent)
    )
    building.chmod(dir_mode())  # mkdtemp makes it private; the report follows the umask
    try:
        measured = [
            _measure_dataset(
                dataset,
                Path(staged[dataset]),
                quarantined=quarantined.get(dataset),
                sample_rows=sample_rows,
                today=as_of,
            )
            for dataset in sorted(staged)
        ]
        quiet = QuietGx()
        quiet.silence()
        try:
            site = DocsSite(building)
            quiet.silence()
            outcomes: dict[str, DatasetValidation] = {}
            for item in measured:
                outcome = _validate_dataset(site, item)
                outcomes[item.dataset] = outcome
                log.debug("validated %s in %.2fs", item.dataset, outcome.seconds)
            outcomes = _validate_quarantine(site, outcomes, rate_checks or {})
            site.build()
        finally:
            quiet.restore()
        make_offline(building)
        redacted = _redact_site(building)
        if redacted:
            log.warning("validation report: masked ID-like numbers in %d files", len(redacted))
        summary = ValidationSummary(
            index_html=output_dir / "index.html",
            datasets=outcomes,
            sample_rows=sample_rows,
            seconds=time.perf_counter() - started,
            as_of=as_of,
            not_evaluated=tuple((str(n), str(r)) for n, r in not_evaluated),
            missing=tuple((str(n), str(r)) for n, r in missing),
            redacted_files=tuple(redacted),
        )
        (building / SUMMARY_FILE).write_text(
            redact(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2)), encoding="utf-8"
        )
        write_overview(
            building,
            list(outcomes.values()),
            not_evaluated=summary.not_evaluated,
            missing=summary.missing,
            as_of=as_of,
        )
        _swap_into_place(building, output_dir)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return summary
