"""The command-line corpus (tests/bad_cli): every case answers with its exit code and words.

Each case's arguments run through the real command line (``huimin.cli.app``) in process; the
cases marked ``subprocess`` also run as ``python -m huimin`` to prove no traceback reaches the
terminal. Crash logs go to a temporary folder, so a case that crashed would leave one there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from huimin.cli import app
from huimin.errors import EXIT_INTERNAL
from huimin.redact import find_full_ids

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "bad_cli"
COMPANION = Path(__file__).parent / "bad_inputs" / "_companion" / "tekun.csv"
CASES: dict[str, dict[str, Any]] = yaml.safe_load(
    (CORPUS / "cases.yaml").read_text(encoding="utf-8")
)["cases"]
WIDE = {"COLUMNS": "250", "TERMINAL_WIDTH": "250"}
_BOX = re.compile(r"[│╭╮╰╯─]+")
_SPACE = re.compile(r"\s+")


def _flat(text: str) -> str:
    """The output as one line: box drawing gone, every run of whitespace one space."""
    return _SPACE.sub(" ", _BOX.sub(" ", text)).strip()


def _places(tmp_path: Path) -> dict[str, str]:
    """Make the folders and files the placeholders of ``cases.yaml`` stand for."""
    clean = tmp_path / "input"
    clean.mkdir()
    shutil.copy(COMPANION, clean / "tekun.csv")
    id_input = tmp_path / "id_input"
    id_input.mkdir()
    shutil.copy(COMPANION, id_input / "420112193503120112.csv")
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("not a folder\n", encoding="utf-8")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "budget.xlsx").write_bytes(b"someone else's work")
    return {
        "{input}": str(clean),
        "{id_input}": str(id_input),
        "{out}": str(tmp_path / "out"),
        "{empty}": str(tmp_path / "empty"),
        "{file}": str(tmp_path / "notes.txt"),
        "{foreign}": str(foreign),
        "{tmp}": str(tmp_path),
        "{bad_rules}": str(Path(__file__).parent / "bad_rules"),
    }


def _argv(name: str, tmp_path: Path) -> list[str]:
    places = _places(tmp_path)
    out = []
    for arg in CASES[name]["argv"]:
        text = str(arg)
        for key, value in places.items():
            text = text.replace(key, value)
        out.append(text)
    return out


def _check_output(name: str, output: str) -> None:
    case = CASES[name]
    flat = _flat(output)
    for word in case["shows"]:
        assert word in flat, f"{word!r} not in the output:\n{output}"
    for word in case["hides"]:
        assert word not in output and word not in flat, f"{word!r} shows in:\n{output}"
    assert "internal error" not in output, output
    assert not find_full_ids(output), "a full ID number reaches the terminal"


def test_corpus_is_complete() -> None:
    assert len(CASES) >= 15
    for name, case in CASES.items():
        assert {"argv", "exit_code", "shows", "hides"} <= set(case), name
        assert case["shows"], name
        assert "Traceback" in case["hides"], f"{name}: a traceback is never an answer"
        assert case["exit_code"] != EXIT_INTERNAL, f"{name}: exit code 3 is a bug"
    assert sum(bool(c.get("subprocess")) for c in CASES.values()) >= 2


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    logs = tmp_path / "logs"
    monkeypatch.setenv("HUIMIN_LOG_DIR", str(logs))
    result = CliRunner().invoke(app, _argv(name, tmp_path), env=WIDE)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == CASES[name]["exit_code"], result.output
    _check_output(name, result.output)
    assert not logs.exists(), "no crash log: bad arguments are not a bug"


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.get("subprocess")))
def test_case_as_a_process(name: str, tmp_path: Path) -> None:
    env = {**os.environ, **WIDE, "HUIMIN_LOG_DIR": str(tmp_path / "logs")}
    done = subprocess.run(
        [sys.executable, "-m", "huimin", *_argv(name, tmp_path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == CASES[name]["exit_code"], done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    _check_output(name, done.stdout + done.stderr)
    assert not (tmp_path / "logs").exists()
