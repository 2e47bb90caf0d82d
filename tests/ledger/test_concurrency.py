"""Two processes recording at the same moment, through the records API and through street
workbooks imported on the command line: both apply in full, the chain stays whole."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from huimin.cli import app as cli
from huimin.ledger.history import check_chain
from huimin.ledger.intake import Deadlines, sync
from huimin.ledger.models import Clue, Verification
from huimin.ledger.store import Ledger
from tests.ledger.conftest import clue_row, publish, verification
from tests.ledger.test_workbook import answers, fill_workbook

WRITER = """
import json, sys
from huimin.ledger.records import apply_records
from huimin.ledger.store import Ledger

url, prefix, found = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
ledger = Ledger.open(url)
print("ready", flush=True)
sys.stdin.readline()
for i in range(8):
    clue_id = f"{prefix}{i}"
    apply_records(ledger, [
        {"clue_id": clue_id, "to": "核查中"},
        {"clue_id": clue_id, "to": "查否", "verification": found},
    ], prefix)
ledger.dispose()
"""


def test_two_writers_at_once_both_apply(ledger: Ledger, ledger_url: str, tmp_path: Path) -> None:
    rows = [clue_row(f"{p}{i}") for p in ("a", "b") for i in range(8)]
    sync(ledger, publish(tmp_path / "out", rows), "t", Deadlines())
    found = json.dumps(verification(), ensure_ascii=False)
    root = Path(__file__).parents[2]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, ledger_url, prefix, found],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("a", "b")
    ]
    for proc in procs:  # both ready: then both go at once
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
    with ledger.read() as session:
        states = {c.clue_id: c.state for c in session.query(Clue)}
        assert set(states.values()) == {"查否"}
        assert session.query(Verification).count() == 16
        check = check_chain(session)
    assert check.ok, check.problems
    assert check.count == 16 + 32  # 16 added, then two moves each


IMPORTER = """
import sys
from huimin.cli import app

print("ready", flush=True)
sys.stdin.readline()
app(sys.argv[1:], prog_name="huimin")
"""
STREETS = ("吴家山街", "走马岭街")


def _released_together(root: Path, commands: list[list[str]]) -> list[tuple[int, str]]:
    """Start one process per command, let each get ready, then release them all at once."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", IMPORTER, *command],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        done.append((proc.returncode, out + err))
    return done


def test_two_street_workbooks_imported_at_once_both_apply(
    ledger: Ledger, ledger_url: str, tmp_path: Path
) -> None:
    rows = [clue_row(f"{s}-{i}", street=s) for s in STREETS for i in range(6)]
    sync(ledger, publish(tmp_path / "out", rows), "t", Deadlines())
    runner, filled = CliRunner(), []
    for n, street in enumerate(STREETS):
        blank = tmp_path / f"{n}.xlsx"
        exported = runner.invoke(
            cli,
            ["ledger", "export", "--street", street, "--out", str(blank), "--ledger", ledger_url],
        )
        assert exported.exit_code == 0, exported.output
        outcomes = {r: answers("查否" if r % 2 else "查实") for r in range(2, 8)}
        filled.append(fill_workbook(blank, tmp_path / f"{n}-filled.xlsx", outcomes))
    head = ledger.head()
    commands = [
        ["ledger", "import", str(path), "--ledger", ledger_url, "--by", f"核查员{n}"]
        for n, path in enumerate(filled)
    ]
    for code, output in _released_together(Path(__file__).parents[2], commands):
        assert code == 0, output[-2000:]
        assert "6 rows of" in output and "15 moves recorded" in output
    with ledger.read() as session:
        states = sorted(c.state for c in session.query(Clue))
        assert states == sorted(["整改中"] * 6 + ["查否"] * 6)
        assert session.query(Verification).count() == 12
        check = check_chain(session)
    assert check.ok, check.problems
    # each clue: 核查中, then 查实 or 查否, and 整改中 for the three confirmed per street
    assert check.count == head.count + 2 * (6 * 2 + 3)
