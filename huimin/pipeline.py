"""The main job as pure steps: discover, ingest each dataset, judge what is there, validate,
apply the rules, write the manifest.

The CLI (:mod:`huimin.job`) and the Prefect flows wire these same steps; nothing here knows
about either, prints, or decides where a run is published.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from huimin import __version__
from huimin.atomic import write_text
from huimin.context import RunContext
from huimin.errors import (
    EXIT_CHECKS_FAILED,
    EXIT_OK,
    EXIT_UNUSABLE,
    ConfigError,
    DataFileError,
)
from huimin.ingest import DatasetResult, ingest_file, sha256_of
from huimin.quality import (
    DISTRICT_FILE,
    Breach,
    Thresholds,
    failed_datasets,
    judge,
    load_thresholds,
    rate_checks,
)
from huimin.redact import redact_obj
from huimin.reuse import Previous, dataset_fingerprint, link_dataset
from huimin.schemas import DATASETS, REGISTRIES, ROSTERS
from huimin.sources import Discovery, Source, discover

if TYPE_CHECKING:
    from huimin.rules.engine import EachPolicy
    from huimin.rules.model import RuleFile

# kept for callers of the earlier API
EXIT_DATA_ERROR = EXIT_UNUSABLE

#: datasets every district is expected to send (the provincial clue list comes separately)
EXPECTED = tuple(sorted(m.__dataset__ for m in (*REGISTRIES, *ROSTERS)))


@dataclass(frozen=True)
class DatasetStatus:
    """Whether a dataset can be used by the rules in this run, and why not."""

    state: str  # ok, empty, refused, missing, absent
    reason: str = ""

    @property
    def usable(self) -> bool:
        return self.state == "ok"

    @property
    def quiet(self) -> bool:
        """Declared absent on purpose: rules needing it are listed, not reported as failures."""
        return self.state == "absent"


@dataclass
class IngestRun:
    """Everything one run produced."""

    input_dir: Path
    output_dir: Path
    ctx: RunContext
    results: list[DatasetResult] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    validation: dict[str, Any] | None = None
    rules: dict[str, Any] | None = None
    returns: list[str] = field(default_factory=list)
    changes: dict[str, int] | None = None
    reconciliation: dict[str, Any] | None = None
    seconds: float = 0.0
    run_id: str = ""
    thresholds: Thresholds | None = None
    #: the clue report's rule feedback: the ledger read, or why not (None: no ledger given)
    rule_feedback: dict[str, Any] | None = None

    def quality(self) -> Thresholds:
        """The quarantine thresholds: project file, then the input folder's thresholds.yaml."""
        if self.thresholds is None:
            self.thresholds = load_thresholds(district_file=self.input_dir / DISTRICT_FILE)
        return self.thresholds

    def breaches(self) -> list[Breach]:
        return judge(self.results, self.quality())

    @property
    def as_of(self) -> dt.date:
        return self.ctx.as_of

    @property
    def errors(self) -> list[DatasetResult]:
        return [r for r in self.results if not r.ok]

    def statuses(self) -> dict[str, DatasetStatus]:
        return dataset_statuses(self.results, self.ctx)

    def exit_code(self) -> int:
        return run_exit_code(self)

    def manifest(self) -> dict[str, Any]:
        totals = {
            "rows_in": sum(r.rows_in for r in self.results),
            "rows_valid": sum(r.rows_valid for r in self.results),
            "rows_quarantined": sum(r.rows_quarantined for r in self.results),
        }
        statuses = self.statuses()
        manifest = {
            "huimin_version": __version__,
            "run_id": self.run_id,
            "input_dir": str(self.input_dir),
            "as_of": self.as_of.isoformat(),
            "check_period": self.ctx.check_period,
            "include_example_parameters": self.ctx.include_examples,
            "exit_code": self.exit_code(),
            "seconds": round(self.seconds, 2),
            "totals": totals,
            "datasets": {r.dataset: asdict(r) for r in self.results},
            "not_used": {
                name: {"state": s.state, "reason": s.reason}
                for name, s in sorted(statuses.items())
                if not s.usable
            },
            "declared_absent": sorted(self.ctx.absent),
            "ignored_files": [{"file": f, "why": why} for f, why in self.ignored],
            "errors": [r.error for r in self.errors],
            "validation": self.validation,
            "quality": {
                "thresholds": self.quality().to_dict(),
                "failed_datasets": failed_datasets(self.breaches()),
                "breaches": [b.to_dict() for b in self.breaches()],
            },
            "rules": self.rules,
            "returns": self.returns,
            "clue_changes": self.changes,
            "reconciliation": self.reconciliation,
            "rule_feedback": self.rule_feedback,
        }
        return dict(redact_obj(manifest))


# ---------------------------------------------------------------------------- steps
def discover_inputs(input_dir: Path, ctx: RunContext) -> tuple[Discovery, RunContext]:
    """The dataset files of ``input_dir``; ``absent`` declared in sources.yaml joins the flag's."""
    if not input_dir.is_dir():
        raise ConfigError(f"{input_dir}: the input folder does not exist (--input)")
    discovery = discover(input_dir)
    absent = frozenset(ctx.absent | discovery.absent)
    both = sorted(absent & {s.dataset for s in discovery.sources})
    if both:
        raise ConfigError(
            f"{input_dir}: {', '.join(both)} declared absent but sent: "
            "drop the declaration or the file"
        )
    if not discovery.sources and not discovery.errors:
        raise ConfigError(
            f"{input_dir}: no dataset file in the folder: put the department files there "
            "(<dataset>.csv|.xlsx|.parquet; see docs/data-contract.md)"
        )
    return discovery, replace(ctx, absent=absent)


def ingest_source(
    source: Source,
    output: Path,
    ctx: RunContext,
    work: Path | None = None,
    sha256: str | None = None,
) -> DatasetResult:
    """Ingest one discovered file; a whole-file problem becomes the result's error."""
    try:
        return ingest_file(
            source.path, source.model, output, source.renames, ctx=ctx, work=work, sha256=sha256
        )
    except DataFileError as exc:
        return DatasetResult(dataset=source.dataset, file=str(source.path), error=exc.one_line())


def ingest_or_reuse(
    source: Source,
    output: Path,
    ctx: RunContext,
    work: Path | None,
    previous: Previous | None,
) -> DatasetResult:
    """The previous run's result when nothing that decides it changed, else a fresh ingest."""
    sha256 = sha256_of(source.path)
    fingerprint = dataset_fingerprint(source, sha256, ctx)
    earlier = previous.dataset(source.dataset, fingerprint) if previous else None
    if earlier is not None and previous is not None:
        link_dataset(previous, source.dataset, output)
        earlier.file = str(source.path)
        return earlier
    result = ingest_source(source, output, ctx, work, sha256)
    result.fingerprint = fingerprint if result.ok else ""
    return result


def error_result(error: DataFileError) -> DatasetResult:
    return DatasetResult(dataset=error.path.stem, file=str(error.path), error=error.one_line())


def dataset_statuses(results: list[DatasetResult], ctx: RunContext) -> dict[str, DatasetStatus]:
    """For every dataset of the contract: usable, or why not (missing, refused, empty, absent)."""
    by_name = {r.dataset: r for r in results}
    statuses: dict[str, DatasetStatus] = {}
    for name in DATASETS:
        result = by_name.get(name)
        if result is None:
            if name in ctx.absent:
                statuses[name] = DatasetStatus("absent", f"{name} is declared absent")
            elif name in EXPECTED:
                statuses[name] = DatasetStatus("missing", f"{name} is missing from the input")
            else:
                statuses[name] = DatasetStatus("missing", f"{name} was not given")
        elif not result.ok:
            statuses[name] = DatasetStatus(
                "refused", f"{name} was refused ({Path(result.file).name})"
            )
        elif result.rows_valid == 0:
            statuses[name] = DatasetStatus(
                "empty", f"{name} has no valid rows ({result.rows_quarantined} quarantined)"
            )
        else:
            statuses[name] = DatasetStatus("ok")
    return statuses


def ingest_folder(
    input_dir: Path,
    output: Path,
    *,
    ctx: RunContext | None = None,
    as_of: dt.date | None = None,
    work: Path | None = None,
    on_dataset: Callable[[str], None] | None = None,
) -> IngestRun:
    """Ingest every dataset file of ``input_dir`` into ``output`` (staged/ and quarantine/)."""
    started = time.perf_counter()
    ctx = ctx or RunContext(as_of or dt.date.today())
    discovery = discover(input_dir)
    ctx = replace(ctx, absent=frozenset(ctx.absent | discovery.absent))
    run = IngestRun(input_dir, output, ctx)
    run.ignored = [(str(p), why) for p, why in discovery.ignored]
    for source in discovery.sources:
        if on_dataset:
            on_dataset(source.dataset)
        run.results.append(ingest_source(source, output, ctx, work))
    run.results.extend(error_result(e) for e in discovery.errors)
    run.seconds = time.perf_counter() - started
    return run


def write_department_returns(run: IngestRun, sources: list[Source]) -> None:
    """Each department's quarantined rows, to correct: ``returns/<department>.xlsx``."""
    from huimin.returns import write_returns

    renames = {s.dataset: s.renames for s in sources}
    paths = write_returns(run.output_dir, run.results, run.ctx, renames=renames)
    run.returns = [str(p.relative_to(run.output_dir)) for p in paths]


def staged_paths(run: IngestRun) -> dict[str, Path]:
    """This run's usable datasets only: the rules never see another run's files."""
    statuses = run.statuses()
    return {
        r.dataset: run.output_dir / "staged" / f"{r.dataset}.parquet"
        for r in run.results
        if r.dataset in statuses and statuses[r.dataset].usable
    }


def build_reports(run: IngestRun) -> None:
    """Great Expectations Data Docs for every staged dataset, under reports/validation/."""
    from huimin.reports.validation import build_validation_reports

    staged = {
        r.dataset: run.output_dir / "staged" / f"{r.dataset}.parquet" for r in run.results if r.ok
    }
    quarantined = {r.dataset: r.rows_quarantined for r in run.results if r.ok}
    not_used = [(name, s.reason) for name, s in sorted(run.statuses().items()) if not s.usable]
    not_evaluated = [
        (item["rule"], item["reason"]) for item in (run.rules or {}).get("not_evaluated", [])
    ]
    summary = build_validation_reports(
        staged,
        run.output_dir / "reports" / "validation",
        quarantined=quarantined,
        as_of=run.as_of,
        missing=not_used,
        not_evaluated=not_evaluated,
        rate_checks=rate_checks(run.results, run.quality()),
    )
    run.validation = summary.to_dict()


def reuse_reports(run: IngestRun, previous: Previous | None) -> bool:
    """Link the previous run's validation reports when every dataset and every gap they show
    is the same (True), else leave them to be built (False)."""
    if previous is None or not run.results or not all(r.reused for r in run.results):
        return False
    before = previous.manifest
    folder = previous.folder / "reports" / "validation"
    gaps = (run.rules or {}).get("not_evaluated")
    if not folder.is_dir() or not before.get("validation"):
        return False
    if gaps != (before.get("rules") or {}).get("not_evaluated"):
        return False
    if sorted(r.dataset for r in run.results) != sorted(before.get("datasets") or {}):
        return False
    if (before.get("quality") or {}).get("thresholds") != run.quality().to_dict():
        return False
    from huimin.runs import link_tree

    link_tree(folder, run.output_dir / "reports" / "validation")
    run.validation = {**before["validation"], "reused": True}
    return True


def apply_catalogue(
    run: IngestRun,
    catalogue: list[RuleFile],
    staged: Mapping[str, Path] | None = None,
    previous: Previous | None = None,
    each_policy: EachPolicy | None = None,
) -> dict[str, Any]:
    """Apply every rule whose datasets this run has; write clues; return the summary.

    A rule file whose fingerprint is ``previous``'s keeps its findings from there.
    """
    from huimin.reuse import policy_fingerprint, reused_policies
    from huimin.rules.clue_ids import district_key
    from huimin.rules.commands import apply_rules

    paths = staged_paths(run) if staged is None else dict(staged)
    sources = {r.dataset: Path(r.file).name for r in run.results if r.ok}
    started = time.perf_counter()
    key = district_key()
    statuses = run.statuses()
    results = {r.dataset: r for r in run.results if r.ok}
    fingerprints = {
        f.policy: policy_fingerprint(f, results, statuses, run.ctx, key) for f in catalogue
    }
    reused = reused_policies(previous, fingerprints, catalogue)
    result = apply_rules(
        run.output_dir,
        catalogue,
        sources,
        paths,
        statuses,
        run.ctx,
        key=key,
        reuse=reused,
        each_policy=each_policy,
    )
    return {
        "files": len(catalogue),
        "rules": len(result.per_rule),
        "evaluated": len(result.per_rule),
        "clues": result.clues.height,
        "findings": result.findings.height,
        "seconds": round(time.perf_counter() - started, 2),
        "per_rule": result.per_rule,
        "not_evaluated": [
            {"rule": rule_id, "reason": reason, "quiet": quiet}
            for rule_id, reason, quiet in result.not_evaluated
        ],
        "policy_fingerprints": fingerprints,
        "reused_policies": sorted(reused),
    }


def run_exit_code(run: IngestRun) -> int:
    """2 when a file was refused; 1 when the rules ran and an expected dataset is missing, or
    a rule could not be evaluated for lack of data; 0 otherwise (declared absences are not
    failures, and ``ingest`` alone may stage any part of the contract)."""
    if run.errors:
        return EXIT_UNUSABLE
    if run.breaches():
        return EXIT_CHECKS_FAILED
    if run.rules is None:
        return EXIT_OK
    statuses = run.statuses()
    if any(statuses[name].state in ("missing", "empty") for name in EXPECTED):
        return EXIT_CHECKS_FAILED
    if any(not item["quiet"] for item in run.rules.get("not_evaluated", [])):
        return EXIT_CHECKS_FAILED
    return EXIT_OK


def write_manifest(run: IngestRun) -> Path:
    path = run.output_dir / "manifest.json"
    text = json.dumps(run.manifest(), ensure_ascii=False, indent=2, default=str) + "\n"
    write_text(path, text)
    return path


def build_clue_report(
    run: IngestRun,
    previous: Path | None,
    *,
    ledger: str | None = None,
    catalogue: list[RuleFile] | None = None,
) -> Path:
    """``reports/index.html``: the clue report (charts, searchable table, rules not evaluated,
    the feedback of the verification ledger on ``catalogue``'s rules) beside the validation
    reports; IDs and names masked.

    A ``ledger`` that cannot be read fails nothing: the report says so, and so does
    ``run.rule_feedback`` (the manifest and the run's summary).
    """
    from huimin.ledger.feedback import catalogue_rules
    from huimin.reports.clue_report import build_clue_report as build
    from huimin.reports.rule_feedback import feedback_section

    gaps = [(i["rule"], i["reason"]) for i in (run.rules or {}).get("not_evaluated", [])]
    rules = catalogue_rules(catalogue or [])
    feedback = feedback_section(ledger, rules, run.output_dir, previous)
    run.rule_feedback = feedback.manifest()
    return build(run.output_dir, previous, not_evaluated=gaps, feedback=feedback)


def finish_run(
    run: IngestRun,
    folder: Path,
    published: Path | None,
    started: float,
    *,
    catalogue: list[RuleFile] | None,
    ledger: str | None,
    province: Path | None,
) -> None:
    """The last steps of a run being built in ``folder``, before it is published: the changes
    since the ``published`` run, the clue report (when rules ran), the manifest and, given the
    ``province``'s clue list, the reconciliation."""
    run.changes = clue_changes(folder, Previous.load(published))
    if catalogue is not None:
        build_clue_report(run, published, ledger=ledger, catalogue=catalogue)
    run.seconds = time.perf_counter() - started
    write_manifest(run)
    if province is not None:
        from huimin.reconcile import reconcile_into

        summary = reconcile_into(folder, province, run.ctx)
        run.reconciliation = summary.manifest_section()


def clue_changes(folder: Path, previous: Previous | None) -> dict[str, int] | None:
    """Clues new, gone and kept since the previous published run (None without one)."""
    import polars as pl

    now_path = folder / "clues.parquet"
    if previous is None or not now_path.is_file():
        return None
    before_path = previous.folder / "clues.parquet"
    if not before_path.is_file():
        return None
    now = set(pl.read_parquet(now_path, columns=["clue_id"]).get_column("clue_id"))
    before = set(pl.read_parquet(before_path, columns=["clue_id"]).get_column("clue_id"))
    return {"new": len(now - before), "gone": len(before - now), "kept": len(now & before)}


def clues_by_project_and_street(folder: Path) -> list[tuple[str, str, int, float]]:
    """(project, street, clues, amount at risk) of a run's clues."""
    import polars as pl

    path = folder / "clues.parquet"
    if not path.is_file():
        return []
    table = (
        pl.read_parquet(path, columns=["project", "street", "amount"])
        .group_by("project", pl.col("street").fill_null("（无街道）"))
        .agg(pl.len().alias("clues"), pl.col("amount").sum().round(2))
        .sort("project", "street")
    )
    return [(str(a), str(b), int(c), float(d or 0)) for a, b, c, d in table.iter_rows()]


def summary_markdown(run: IngestRun) -> str:
    """Counts only (no personal data), for Prefect artifacts and messages."""
    from huimin.redact import redact

    lines = ["## Datasets", "", "| dataset | rows in | valid | quarantined | reused |"]
    lines.append("|---|---:|---:|---:|---|")
    for r in sorted(run.results, key=lambda r: r.dataset):
        if r.ok:
            lines.append(
                f"| {r.dataset} | {r.rows_in} | {r.rows_valid} | {r.rows_quarantined} | "
                f"{'yes' if r.reused else ''} |"
            )
        else:
            lines.append(f"| {r.dataset} | refused | | | |")
    lines += ["", *[f"- error: {r.error}" for r in run.errors]]
    for name, status in sorted(run.statuses().items()):
        if not status.usable and name in EXPECTED:
            lines.append(f"- not used: {status.reason}")
    table = clues_by_project_and_street(run.output_dir)
    if table:
        lines += ["", "## Clues by project and street", ""]
        lines += ["| project | street | clues | amount at risk (元) |", "|---|---|---:|---:|"]
        lines += [f"| {p} | {s} | {n} | {a:,.2f} |" for p, s, n, a in table]
    if run.changes is not None:
        lines += ["", "## Since the previous run", ""]
        lines.append(
            f"{run.changes['new']} new clues, {run.changes['gone']} gone, "
            f"{run.changes['kept']} still there."
        )
    if run.rule_feedback:
        lines += ["", "## Rule feedback", "", str(run.rule_feedback["summary"])]
    gaps = (run.rules or {}).get("not_evaluated", [])
    if gaps:
        lines += ["", "## Rules not evaluated", ""]
        lines += [f"- {item['rule']}: {item['reason']}" for item in gaps]
    lines += ["", "## Reports", ""]
    lines.append(f"- manifest: {run.output_dir / 'manifest.json'}")
    lines.append(f"- clues: {run.output_dir / 'clues.xlsx'}")
    if run.validation:
        lines.append(f"- validation: {run.output_dir / 'reports' / 'validation' / 'index.html'}")
    return redact("\n".join(lines) + "\n")
