"""Validation reports: one Great Expectations suite per staged dataset, one Data Docs site.

:func:`build_validation_reports` reads each staged Parquet file with polars, samples it when it
is large, prepares a privacy-safe frame (:mod:`huimin.reports.expectations`), converts it to
pandas (Great Expectations has no polars engine) and validates it in an ephemeral context. The
Data Docs site is built into a temporary sibling of ``output_dir`` and swapped into place at the
end, so a crash never leaves half a report; ``output_dir/index.html`` lists every dataset, the
datasets missing and the rules not evaluated.

The report is shared beyond case workers, so it never shows a full ID number or a bank account:
the frame Great Expectations sees has ID columns masked and free text (names, accounts) reduced
to a presence marker (first line of defence, :mod:`huimin.reports.expectations`); then every
HTML and JSON file of the site goes through :func:`huimin.redact.redact` before the site is
swapped into place (second line).

Each dataset's quarantine rates (rows set aside at ingestion, overall and per reason) are
judged against the thresholds of :mod:`huimin.quality` in one more suite,
``quarantine_rates``, run on a one-row summary frame computed from the ingestion counts (one
column per rate); a rate above its limit fails its dataset. The site is then made to work offline
(:mod:`huimin.reports.offline`: no page loads anything from the internet).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import os
import shutil
import tempfile
import time
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

import huimin.schemas as schemas
from huimin.atomic import dir_mode
from huimin.redact import redact
from huimin.reports.expectations import (
    ExpectationSpec,
    PreparedDataset,
    prepare_frame,
    quarantine_expectations,
    quarantine_frame,
    suite_notes,
)
from huimin.reports.offline import make_offline
from huimin.reports.overview import write_overview

if TYPE_CHECKING:
    from huimin.quality import RateCheck

# Must be set before great_expectations is first imported (it is imported lazily, below).
os.environ["GX_ANALYTICS_ENABLED"] = "False"

DEFAULT_SAMPLE_ROWS = 200_000
SUMMARY_FILE = "validation-summary.json"
#: files of the site that carry data and are redacted (not its scripts and style sheets)
REDACTED_SUFFIXES = (".html", ".json")
#: the suite (and asset) holding every dataset's quarantine-rate expectations
QUARANTINE_SUITE = "quarantine_rates"
SITE_NAME = "local_site"  # the site every ephemeral context owns; pointed at our directory
_GX_LOGGER = "great_expectations"

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


class _QuietGx:
    """Keep Great Expectations' DEBUG/INFO/WARNING chatter out of the CLI, then restore levels.

    Loggers below ``great_expectations`` inherit ERROR from it, but some GX modules set their
    own logger to INFO when imported: :meth:`silence` again after importing catches those.
    """

    def __init__(self) -> None:
        self._saved: dict[str, int] = {}

    def silence(self) -> None:
        names = [
            name
            for name, item in logging.root.manager.loggerDict.items()
            if isinstance(item, logging.Logger) and name.split(".")[0] == _GX_LOGGER
        ]
        for name in (_GX_LOGGER, *names):
            if name not in self._saved:
                logger = logging.getLogger(name)
                self._saved[name] = logger.level
                logger.setLevel(logging.ERROR)

    def restore(self) -> None:
        for name, level in self._saved.items():
            logging.getLogger(name).setLevel(level)
        self._saved.clear()


def _import_gx() -> tuple[Any, Any]:
    """Import great_expectations (slow: seconds) only when a report is built."""
    with warnings.catch_warnings():
        # great_expectations 1.x imports the stdlib sre_constants and sre_parse, deprecated in 3.11
        warnings.filterwarnings(
            "ignore",
            message="module 'sre_(constants|parse)' is deprecated",
            category=DeprecationWarning,
        )
        import great_expectations as gx
        import great_expectations.expectations as gxe

    return gx, gxe


def _new_context(gx: Any, site_dir: Path) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    sites = context.variables.data_docs_sites or {}
    default_dir = sites.get(SITE_NAME, {}).get("store_backend", {}).get("base_directory")
    context.update_data_docs_site(
        SITE_NAME,
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(site_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    if default_dir:  # the empty temporary directory GX made for the default site
        with contextlib.suppress(OSError):
            Path(default_dir).rmdir()
    return context


def _row_count(path: Path) -> int:
    return int(pl.scan_parquet(path).select(pl.len()).collect().item())


def _read_staged(path: Path, rows: int, sample_rows: int) -> tuple[pl.DataFrame, int]:
    """Read a staged file; above ``sample_rows`` keep every k-th row (deterministic)."""
    step = max(1, math.ceil(rows / sample_rows)) if sample_rows > 0 else 1
    frame = pl.scan_parquet(path)
    if step > 1:
        frame = frame.gather_every(step)
    return frame.collect(), step


def _to_pandas(frame: pl.DataFrame) -> Any:
    return frame.to_pandas()


def _result_format() -> dict[str, Any]:
    """SUMMARY: counts and 20 unexpected values.

    No ``unexpected_index_column_names``: GX then looks up every unexpected row one by one in
    pandas (minutes on a large dataset with a lenient ``mostly``), and the rendered Data Docs
    do not show the index anyway; the quarantine files say which rows are wrong.
    """
    return {"result_format": "SUMMARY"}


def _expectation(gxe: Any, spec: ExpectationSpec) -> Any:
    return getattr(gxe, spec.type)(**spec.kwargs, notes=spec.notes, meta={"group": spec.group})


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
    """A dataset read, sampled and prepared, waiting for Great Expectations."""

    dataset: str
    prepared: PreparedDataset
    rows: int
    step: int
    quarantined: int | None
    seconds: float


def _prepare_dataset(
    dataset: str, path: Path, *, quarantined: int | None, sample_rows: int, today: dt.date
) -> _Staged:
    started = time.perf_counter()
    rows = _row_count(path)
    staged, step = _read_staged(path, rows, sample_rows)
    prepared = prepare_frame(schemas.DATASETS[dataset], staged, today)
    return _Staged(dataset, prepared, rows, step, quarantined, time.perf_counter() - started)


def _validate_dataset(
    gx: Any,
    gxe: Any,
    context: Any,
    datasource: Any,
    run_id: Any,
    item: _Staged,
) -> DatasetValidation:
    started = time.perf_counter()
    dataset, prepared = item.dataset, item.prepared
    model = schemas.DATASETS[dataset]
    validated = prepared.frame.height
    notes = suite_notes(
        model,
        prepared,
        rows=item.rows,
        validated_rows=validated,
        sample_step=item.step,
        quarantined=item.quarantined,
    )
    suite = context.suites.add(
        gx.ExpectationSuite(
            name=dataset,
            expectations=[_expectation(gxe, spec) for spec in prepared.expectations],
            notes=notes,
            meta={
                "huimin": {
                    "dataset": dataset,
                    "title_zh": model.__title_zh__,
                    "rows": item.rows,
                    "validated_rows": validated,
                    "sampled": item.step > 1,
                    "sample_step": item.step,
                    "quarantined": item.quarantined,
                }
            },
        )
    )
    batch = datasource.add_dataframe_asset(name=dataset).add_batch_definition_whole_dataframe(
        "staged"
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=dataset, data=batch, suite=suite)
    )
    result = definition.run(
        batch_parameters={"dataframe": _to_pandas(prepared.frame)},
        result_format=_result_format(),
        run_id=run_id,
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
    gx: Any,
    gxe: Any,
    context: Any,
    datasource: Any,
    run_id: Any,
    outcomes: dict[str, DatasetValidation],
    rate_checks: Mapping[str, Sequence[RateCheck]],
) -> dict[str, DatasetValidation]:
    """Judge every quarantine rate in one suite run on a one-row summary frame (one GX run,
    one page: a suite per dataset would cost seconds), then fold each dataset's results into
    its outcome: a rate above its limit fails the dataset."""
    started = time.perf_counter()
    checks = [c for name in sorted(outcomes) for c in rate_checks.get(name, ())]
    if not checks:
        return outcomes
    suite = context.suites.add(
        gx.ExpectationSuite(
            name=QUARANTINE_SUITE,
            expectations=[_expectation(gxe, spec) for spec in quarantine_expectations(checks)],
            notes=[
                "Quarantine rates: the rows set aside at ingestion, per dataset overall and "
                "per reason, against the thresholds (docs/validation.md).",
                *[c.words() + "." for c in checks if c.breached],
            ],
            meta={"huimin": {"kind": "quarantine"}},
        )
    )
    batch = datasource.add_dataframe_asset(name=QUARANTINE_SUITE)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(
            name=QUARANTINE_SUITE,
            data=batch.add_batch_definition_whole_dataframe("counts"),
            suite=suite,
        )
    )
    result = definition.run(
        batch_parameters={"dataframe": _to_pandas(quarantine_frame(checks))},
        result_format=_result_format(),
        run_id=run_id,
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
        quiet = _QuietGx()
        quiet.silence()
        try:
            gx, gxe = _import_gx()
            quiet.silence()
            from great_expectations.core.run_identifier import RunIdentifier

            context = _new_context(gx, building)
            datasource = context.data_sources.add_pandas("huimin_staged")
            run_id = RunIdentifier(run_name="huimin", run_time=dt.datetime.now(dt.UTC))
            outcomes: dict[str, DatasetValidation] = {}
            for dataset in sorted(staged):
                item = _prepare_dataset(
                    dataset,
                    Path(staged[dataset]),
                    quarantined=quarantined.get(dataset),
                    sample_rows=sample_rows,
                    today=as_of,
                )
                outcome = _validate_dataset(gx, gxe, context, datasource, run_id, item)
                outcomes[dataset] = outcome
                log.debug("validated %s in %.2fs", dataset, outcome.seconds)
            outcomes = _validate_quarantine(
                gx, gxe, context, datasource, run_id, outcomes, rate_checks or {}
            )
            context.build_data_docs(site_names=[SITE_NAME])
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
