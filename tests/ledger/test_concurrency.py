"""Two processes recording at the same moment: both apply in full, the chain stays whole."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from huimin.ledger.history import check_chain
from huimin.ledger.intake import Deadlines, sync
from huimin.ledger.models import Clue, Verification
from huimin.ledger.store import Ledger
from tests.ledger.conftest import clue_row, publish, verification

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
