"""Leak scan: no full ID number leaves the district's internal outputs, whatever the input.

Every case folder of the broken-input corpus (tests/bad_inputs, with the clean companion file
beside it, as the corpus test does) goes through ``huimin run --no-reports``; a few go through
``huimin ingest`` with the validation reports. Full ID numbers may appear only in the internal
outputs (``staged/``, ``quarantine/``, ``clues.parquet``, ``clues.xlsx``); the console, the
manifest, every file under ``reports/`` and any crash log are scanned with
:func:`huimin.redact.find_full_ids`. A few cases also run through the real Prefect flow, and
Prefect's logs, artifacts and database are scanned the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from huimin.cli import app
from huimin.errors import EXIT_INTERNAL
from huimin.redact import find_full_ids

CORPUS = Path(__file__).parent / "bad_inputs"
COMPANION = CORPUS / "_companion" / "tekun.csv"
CASES: dict[str, dict[str, Any]] = yaml.safe_load(
    (CORPUS / "cases.yaml").read_text(encoding="utf-8")
)["cases"]
#: case folder -> kind (several cases may share a folder)
KINDS = {case.get("folder", name): case["kind"] for name, case in CASES.items()}
AS_OF = "2024-01-01"
#: the district's own outputs, where case workers need full ID numbers
INTERNAL = ("staged", "quarantine", "returns", "clues.parquet", "findings.parquet", "clues.xlsx")
BINARY = {".png", ".gif", ".ico", ".otf", ".ttf", ".woff", ".woff2", ".parquet", ".xlsx"}
#: cases whose data hold ID numbers in an error path: a quarantined ID, a refused file
REPORTED = ["r01_bad_check_character", "p04_clues_malformed_id_quarantined"]
FLOWN = ["w28_stray_quote_csv", "p04_clues_malformed_id_quarantined", "r48_id_without_province"]


def _input(folder: str, tmp_path: Path) -> Path:
    target = tmp_path / "in"
    shutil.copytree(CORPUS / folder, target)
    if KINDS[folder] != "config":
        shutil.copy(COMPANION, target / "tekun.csv")
    return target


def _leaks(where: str, text: str) -> list[str]:
    return [f"{where}: {found}" for found in find_full_ids(text)]


def _scan_output(out: Path) -> list[str]:
    """Full IDs in every file of a published result but its internal outputs."""
    if not out.exists():
        return []
    leaks = []
    for path in sorted(out.resolve().rglob("*")):
        relative = path.relative_to(out.resolve())
        if not path.is_file() or relative.parts[0] in INTERNAL or path.suffix in BINARY:
            continue
        leaks += _leaks(str(relative), path.read_text(encoding="utf-8", errors="replace"))
    return leaks


def _scan_logs(logs: Path) -> list[str]:
    if not logs.exists():
        return []
    return [leak for p in logs.iterdir() for leak in _leaks(p.name, p.read_text("utf-8"))]


@pytest.fixture(scope="module", autouse=True)
def _catalogue_loaded_once() -> Iterator[None]:
    """The rule catalogue is the same for every case: load it once (it takes seconds)."""
    import huimin.rules.commands as commands

    cached = functools.lru_cache(maxsize=None)(commands.load_catalogue)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(commands, "load_catalogue", cached)
        yield


def _invoke(argv: list[str], logs: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, argv, env={"HUIMIN_LOG_DIR": str(logs)})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert result.exit_code != EXIT_INTERNAL, result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("folder", sorted(KINDS))
def test_run_shows_no_full_id(folder: str, tmp_path: Path) -> None:
    out, logs = tmp_path / "out", tmp_path / "logs"
    argv = ["run", "-i", str(_input(folder, tmp_path)), "-o", str(out), "--no-reports"]
    _, output = _invoke([*argv, "--as-of", AS_OF], logs)
    leaks = _leaks("console", output) + _scan_output(out) + _scan_logs(logs)
    assert not leaks, leaks


@pytest.mark.parametrize("folder", REPORTED)
def test_ingest_with_reports_shows_no_full_id(folder: str, tmp_path: Path) -> None:
    out, logs = tmp_path / "out", tmp_path / "logs"
    argv = ["ingest", "-i", str(_input(folder, tmp_path)), "-o", str(out), "--as-of", AS_OF]
    _, output = _invoke(argv, logs)
    reports = list((out / "reports").rglob("*.html"))
    assert reports, "the validation reports were built"
    quarantined = [
        str(pl.read_parquet(p).to_dicts()) for p in (out / "quarantine").glob("*.parquet")
    ]
    assert find_full_ids("".join(quarantined)), "a leak would show: IDs are in an error path"
    leaks = _leaks("console", output) + _scan_output(out) + _scan_logs(logs)
    assert not leaks, leaks


@pytest.mark.flow
def test_prefect_keeps_no_full_id(tmp_path: Path, prefect_harness: None) -> None:
    import prefect.settings
    from prefect.client.orchestration import get_client
    from prefect.logging.handlers import APILogWorker

    from huimin.flows.district import district_run

    leaks: list[str] = []
    for folder in FLOWN:
        base = tmp_path / folder
        base.mkdir()
        out = base / "out"
        district_run(_input(folder, base), out, reports=False, as_of=dt.date.fromisoformat(AS_OF))
        leaks += _scan_output(out)
    APILogWorker.drain_all(timeout=10)

    with get_client(sync_client=True) as client:
        logs: list[Any] = []
        while batch := client.read_logs(limit=200, offset=len(logs)):
            logs += batch
        artifacts = client.read_artifacts()
    assert any("huimin-district-run" in log.message or "ingest" in log.message for log in logs)
    assert artifacts, "the flows left their summary"
    leaks += [leak for log in logs for leak in _leaks("prefect log", log.message)]
    leaks += [leak for a in artifacts for leak in _leaks("artifact", f"{a.data} {a.description}")]

    url = prefect.settings.PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
    database = Path(str(url).split(":///", 1)[1])
    assert "huimin-district-run" in database.read_bytes().decode("utf-8", errors="replace")
    for path in database.parent.glob(f"{database.name}*"):  # the database and its journal
        leaks += _leaks(path.name, path.read_bytes().decode("utf-8", errors="replace"))
    assert not leaks, leaks
