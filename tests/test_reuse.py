"""Incremental runs: what nothing changed since the previous run is taken over, and the
result is always the one a full run gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from huimin.cli import app

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
RUNNER = CliRunner()


def _run(inputs: Path, out: Path, *extra: str) -> dict[str, Any]:
    args = ["run", "--input", str(inputs), "--output", str(out), "--no-reports"]
    result = RUNNER.invoke(app, [*args, "--as-of", "2024-01-01", *extra])
    assert result.exit_code == 0, result.output
    manifest: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return manifest


def _inputs(folder: Path) -> Path:
    folder.mkdir()
    for path in SAMPLE.iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    return folder


def _same_clues(a: Path, b: Path) -> None:
    for name in ("clues.parquet", "findings.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_unchanged_inputs_reuse_everything_and_give_the_same_clues(tmp_path: Path) -> None:
    inputs, out = _inputs(tmp_path / "in"), tmp_path / "out"
    _run(inputs, out)
    first = out.resolve()
    manifest = _run(inputs, out)
    assert all(entry["reused"] for entry in manifest["datasets"].values())
    assert len(manifest["rules"]["reused_policies"]) == manifest["rules"]["files"]
    _same_clues(first, out.resolve())


def test_one_changed_roster_reruns_only_what_depends_on_it(tmp_path: Path) -> None:
    inputs, out = _inputs(tmp_path / "in"), tmp_path / "out"
    _run(inputs, out)
    roster = inputs / "dibao_urban.csv"
    lines = roster.read_bytes().splitlines(keepends=True)
    roster.write_bytes(b"".join(lines[:-3]))  # the department sent three rows fewer
    manifest = _run(inputs, out)
    redone = [name for name, entry in manifest["datasets"].items() if not entry["reused"]]
    assert redone == ["dibao_urban"]
    reused = set(manifest["rules"]["reused_policies"])
    # farmland reads no 低保 roster; every roster with a shared-bank-account rule pools
    # dibao_urban's accounts, so those are evaluated again
    assert "dibao_urban" not in reused and "farmland_subsidy" in reused
    assert "tekun" not in reused
    full = _run(inputs, tmp_path / "full", "--no-reuse")
    assert not any(entry["reused"] for entry in full["datasets"].values())
    _same_clues(out.resolve(), (tmp_path / "full").resolve())
