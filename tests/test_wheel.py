"""The package as a user installs it: a wheel, in a fresh virtual environment, outside the
repository, running the main job on the bundled sample."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _uv_command() -> list[str]:
    """uv as `make setup` installs it: on PATH, or as a module of the system's python3."""
    found = shutil.which("uv")
    return [found] if found else [shutil.which("python3") or "python3", "-m", "uv"]


def _uv(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_uv_command(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"},
    )


@pytest.mark.slow
def test_the_wheel_installs_anywhere_and_runs_the_sample(tmp_path: Path) -> None:
    if _uv("--version", cwd=tmp_path).returncode != 0:
        pytest.skip("uv is not installed here (make setup installs it)")
    built = _uv("build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(ROOT), cwd=tmp_path)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("huimin-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops <= {"huimin", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    for needed in (
        "huimin/_resources/rules/dibao_rural.yaml",
        "huimin/_resources/rules/rule.schema.json",
        "huimin/_resources/rules/parameters/dibao/rural_standard.yaml",
        "huimin/_resources/data/reference/streets.csv",
        "huimin/schemas/common.py",
        "huimin/flows/district.py",
        "huimin/ledger/migrations/env.py",
        "huimin/reports/static/huimin-offline.css",
    ):
        assert needed in names, needed
    venv = tmp_path / "venv"
    assert _uv("venv", "--python", sys.executable, str(venv), cwd=tmp_path).returncode == 0
    python = venv / "bin" / "python"
    installed = _uv("pip", "install", "--python", str(python), str(wheel), cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-2000:]
    work = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "data" / "sample", work / "in")
    env = {
        **os.environ,
        "HUIMIN_KEY_FILE": str(tmp_path / "key"),
        "HUIMIN_LOG_DIR": str(tmp_path / "logs"),
    }
    env.pop("VIRTUAL_ENV", None)
    run = subprocess.run(
        [
            str(venv / "bin" / "huimin"),
            "run",
            "--input",
            "in",
            "--output",
            "out",
            "--no-reports",
            "--as-of",
            "2024-01-01",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert (work / "out" / "clues.parquet").is_file()
    checked = subprocess.run(
        [str(venv / "bin" / "huimin"), "rules", "check"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert checked.returncode == 0 and "133 rules" in checked.stderr, checked.stderr
