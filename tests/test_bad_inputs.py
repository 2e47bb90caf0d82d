"""The broken-input corpus (tests/bad_inputs): every case must fail, or pass, the way it says.

Each case folder is copied into a fresh input folder next to a clean companion file
(``_companion/tekun.csv``); its files are discovered and each is ingested with
:func:`huimin.ingest.ingest_file` under a :class:`~huimin.context.RunContext` (``as_of`` and the
case's ``limits``), temporary files in a work folder of the run's own; the expectations live
in ``tests/bad_inputs/cases.yaml`` (see the README there).
"""

from __future__ import annotations

import datetime as dt
import filecmp
import importlib.util
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl
import pytest
import yaml

from huimin.context import Limits, RunContext
from huimin.errors import EXIT_CHECKS_FAILED, EXIT_OK, EXIT_UNUSABLE, ConfigError, DataFileError
from huimin.ingest import DatasetResult, ingest_file
from huimin.readers import SOURCE_ROW
from huimin.schemas import DATASETS
from huimin.sources import discover

EXIT_DATA_ERROR = EXIT_UNUSABLE

CORPUS = Path(__file__).parent / "bad_inputs"
COMPANION = CORPUS / "_companion"
AS_OF = dt.date(2024, 1, 1)
CASES: dict[str, dict[str, Any]] = yaml.safe_load(
    (CORPUS / "cases.yaml").read_text(encoding="utf-8")
)["cases"]
KINDS = {"whole_file", "config", "row"}


def _params(names: list[str]) -> list[Any]:
    out = []
    for name in names:
        xfail = CASES[name].get("xfail")
        marks = [pytest.mark.xfail(strict=True, reason=" ".join(xfail.split()))] if xfail else []
        out.append(pytest.param(name, id=name, marks=marks))
    return out


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_cases", CORPUS / "make_cases.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _input_folder(name: str, tmp_path: Path) -> Path:
    case = CASES[name]
    folder = tmp_path / "in"
    shutil.copytree(CORPUS / case.get("folder", name), folder)
    if case["kind"] != "config":
        shutil.copy(COMPANION / "tekun.csv", folder / "tekun.csv")
    return folder


@dataclass
class IngestRun:
    """What ingesting one case folder produced, dataset by dataset."""

    results: list[DatasetResult]

    @property
    def errors(self) -> list[DatasetResult]:
        return [r for r in self.results if not r.ok]


def _ingest(name: str, tmp_path: Path) -> IngestRun:
    """Discover the case folder's files and ingest each; a refused file becomes an error."""
    folder = _input_folder(name, tmp_path)
    ctx = RunContext(as_of=AS_OF, limits=Limits(**CASES[name].get("limits", {})))
    work = tmp_path / "work"
    work.mkdir()
    discovery = discover(folder)
    results = []
    for source in discovery.sources:
        try:
            result = ingest_file(
                source.path, source.model, tmp_path / "out", source.renames, ctx=ctx, work=work
            )
        except DataFileError as exc:
            result = DatasetResult(source.dataset, str(source.path), error=exc.one_line())
        results.append(result)
    results += [
        DatasetResult(e.path.stem, str(e.path), error=e.one_line()) for e in discovery.errors
    ]
    assert not list(work.iterdir()), "temporary files are removed from the work folder"
    assert not list((tmp_path / "out").glob(".huimin-work-*")), "and never put in the output"
    return IngestRun(results)


def _exit_code(run: IngestRun) -> int:
    return EXIT_DATA_ERROR if run.errors else EXIT_OK


def _assert_companion_ok(run: IngestRun) -> None:
    """The clean dataset beside the broken one is still ingested in full."""
    (companion,) = [r for r in run.results if r.dataset == "tekun"]
    assert companion.ok, companion.error
    assert (companion.rows_in, companion.rows_valid, companion.rows_quarantined) == (2, 2, 0)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# ------------------------------------------------------------------ the corpus itself


def test_corpus_is_complete() -> None:
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    used = {case.get("folder", name) for name, case in CASES.items()}
    assert folders == used, "every case folder has an entry in cases.yaml and the reverse"
    assert len(CASES) >= 30
    for name, case in CASES.items():
        assert case["kind"] in KINDS, name
        assert case.get("error") or case["kind"] == "row", name
        if case["kind"] != "config":
            assert case["dataset"] in DATASETS or case["kind"] == "whole_file", name


def test_generated_fixtures_match_the_generator(tmp_path: Path) -> None:
    """Binary fixtures are exactly what make_cases.py writes (no hand edits, no drift)."""
    generator = _load_generator()
    written = generator.generate(tmp_path)
    assert written
    for path in written:
        relative = path.relative_to(tmp_path)
        committed = CORPUS / relative
        assert committed.exists(), f"{relative} missing: run tests/bad_inputs/make_cases.py"
        assert filecmp.cmp(path, committed, shallow=False), (
            f"{relative} differs from a fresh generation: run tests/bad_inputs/make_cases.py"
        )


# ------------------------------------------------------------------ whole-file problems


@pytest.mark.parametrize(
    "name", _params([n for n, c in CASES.items() if c["kind"] == "whole_file"])
)
def test_whole_file_case(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    run = _ingest(name, tmp_path)
    errors = [r for r in run.results if r.dataset == case["dataset"] and not r.ok]
    assert len(errors) == 1, [r.error for r in run.results]
    message = errors[0].error
    assert message is not None
    assert "\n" not in message, "a whole-file problem is one line"
    assert message.startswith(str(tmp_path / "in")), "the message starts with the file's path"
    for text in case["error"]:
        assert text in message, f"{text!r} not in {message!r}"
    for text in case.get("not_in_error", []):
        assert text not in message, f"{text!r} (the file's data) shows in {message!r}"
    assert message.count(": ") >= 2, f"'<file>: <problem>: <fix>' expected, got {message!r}"
    assert not (tmp_path / "out" / "staged" / f"{case['dataset']}.parquet").exists()
    assert _exit_code(run) == case.get("exit_code", EXIT_DATA_ERROR)
    _assert_companion_ok(run)


# ------------------------------------------------------------------ bad sources.yaml


@pytest.mark.parametrize("name", _params([n for n, c in CASES.items() if c["kind"] == "config"]))
def test_config_case(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    with pytest.raises(ConfigError) as caught:
        _ingest(name, tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    for text in case["error"]:
        assert text in message, f"{text!r} not in {message!r}"


# ------------------------------------------------------------------ row-level problems


@pytest.mark.parametrize("name", _params([n for n, c in CASES.items() if c["kind"] == "row"]))
def test_row_case(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    dataset = case["dataset"]
    run = _ingest(name, tmp_path)
    assert not run.errors, [r.error for r in run.errors]
    assert _exit_code(run) == case.get("exit_code", EXIT_OK)
    _assert_companion_ok(run)

    (result,) = [r for r in run.results if r.dataset == dataset]
    counts = asdict(result)
    assert counts["rows_in"] == case["rows_in"]
    assert counts["rows_in"] == counts["rows_valid"] + counts["rows_quarantined"]
    if "encoding" in case:
        assert counts["encoding"] == case["encoding"]
    if "extra_columns" in case:
        assert counts["extra_columns"] == case["extra_columns"]

    out = tmp_path / "out"
    staged = pl.read_parquet(out / "staged" / f"{dataset}.parquet")
    quarantine = pl.read_parquet(out / "quarantine" / f"{dataset}.parquet")
    assert staged.height == counts["rows_valid"]
    assert quarantine.height == counts["rows_quarantined"]

    expected = {int(row): reason for row, reason in (case["quarantined"] or {}).items()}
    reasons = dict(
        zip(quarantine[SOURCE_ROW].to_list(), quarantine["_reasons"].to_list(), strict=True)
    )
    assert set(reasons) == set(expected), reasons
    for row, text in expected.items():
        assert any(text in reason for reason in reasons[row]), f"row {row}: {reasons[row]}"
    for row, texts in (case.get("reasons") or {}).items():
        for text in texts:
            assert any(text in reason for reason in reasons[int(row)]), f"row {row}: {text!r}"

    staged_rows = set(staged[SOURCE_ROW].to_list())
    assert not staged_rows & set(expected), "a row is staged or quarantined, never both"
    assert len(staged_rows) + len(expected) == case["rows_in"]
    assert set(staged.columns) >= {f.name for f in DATASETS[dataset].field_specs()}
    by_row = {row[SOURCE_ROW]: row for row in staged.iter_rows(named=True)}
    for row, values in (case.get("staged") or {}).items():
        for field, value in values.items():
            got = _plain(by_row[int(row)][field])
            assert got == value, f"row {row} {field}: {got!r} != {value!r}"


# ------------------------------------------------------------------ the real command line


@pytest.mark.parametrize("name", _params([n for n, c in CASES.items() if c.get("cli")]))
def test_cli(name: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from huimin.cli import app

    case = CASES[name]
    folder = _input_folder(name, tmp_path)
    argv = ["ingest", "-i", str(folder), "-o", str(tmp_path / "out"), "--no-reports"]
    result = CliRunner().invoke(app, [*argv, "--as-of", AS_OF.isoformat()])
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    assert "Traceback" not in output
    # a row case quarantines a few of a handful of rows: far above the project's limits on
    # quarantine rates, which is "checks failed" (1); a clean one passes (0)
    expected_code = EXIT_DATA_ERROR
    if case["kind"] == "row":
        expected_code = EXIT_CHECKS_FAILED if case.get("quarantined") else EXIT_OK
    assert result.exit_code == case.get("exit_code", expected_code), output
    if case["kind"] == "row":
        return
    lines = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, output
    for text in case["error"]:
        assert text in lines[0], f"{text!r} not in {lines[0]!r}"
    for text in case.get("not_in_error", []):
        assert text not in output, f"{text!r} (the file's data) shows in the output"
