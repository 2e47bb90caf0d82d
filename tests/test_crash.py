"""A run killed at any moment leaves the previous result whole; two runs never mix.

Each run is a real process (``python -m huimin run``) on the bundled sample without reports,
killed with SIGKILL at seeded moments spread over a run's duration.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from huimin.runs import RunArea, runs_root

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
KILLS = 20
SEED = 20231


def _command(out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "huimin",
        "run",
        "--input",
        str(SAMPLE),
        "--output",
        str(out),
        "--no-reports",
        "--as-of",
        "2024-01-01",
        *extra,
    ]


def _env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "HUIMIN_LOG_DIR": str(tmp / "logs"), "COLUMNS": "200"}


def _run(out: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(out, *extra), capture_output=True, text=True, env=_env(tmp), check=False
    )


def assert_whole(out: Path) -> None:
    """The published run is one run's complete output, and nothing else is half there."""
    folder = out.resolve()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == folder.name
    for name, entry in manifest["datasets"].items():
        if entry["error"] is None:
            staged = pl.scan_parquet(folder / "staged" / f"{name}.parquet")
            assert staged.select(pl.len()).collect().item() == entry["rows_valid"]
    assert pl.read_parquet(folder / "clues.parquet").height == manifest["rules"]["clues"]
    assert not (folder / ".work").exists()


@pytest.mark.xdist_group("crash")
def test_sigkill_at_any_moment_leaves_one_whole_result(tmp_path: Path) -> None:
    out = tmp_path / "out"
    started = time.monotonic()
    first = _run(out, tmp_path)
    duration = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    reference = (out / "clues.parquet").read_bytes()
    moments = random.Random(SEED).sample(range(1, 1000), KILLS)
    for moment in sorted(moments):
        proc = subprocess.Popen(
            _command(out), env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(duration * moment / 1000)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert_whole(out)
    last = _run(out, tmp_path)
    assert last.returncode == 0, last.stderr
    assert_whole(out)
    assert (out / "clues.parquet").read_bytes() == reference
    area = RunArea(out)
    kept = {p.name for p in runs_root(out).iterdir() if p.is_dir()}
    assert kept == {p.name for p in (area.current(), area.previous()) if p is not None}


@pytest.mark.xdist_group("crash")
def test_two_concurrent_runs_never_mix(tmp_path: Path) -> None:
    out = tmp_path / "out"
    procs = [
        subprocess.Popen(
            _command(out),
            env=_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(*p.communicate(), p.returncode) for p in procs]
    codes = sorted(code for _, _, code in results)
    assert codes == [0, 2], results
    refused = next(err for _, err, code in results if code == 2)
    assert "another run is writing this output folder" in refused
    assert_whole(out)
    waited = [
        subprocess.Popen(
            _command(out, "--wait"), env=_env(tmp_path), stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    assert [p.wait() for p in waited] == [0, 0]
    for p in waited:
        p.communicate()
    assert_whole(out)
