"""The ledger's commands: head printed, IDs masked, refusals with reasons and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from huimin.cli_ledger import app
from huimin.redact import find_full_ids
from tests.ledger.conftest import ID_A, clue_row, disposition, publish, verification

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_a_clue_through_the_commands(ledger_url: str, tmp_path: Path) -> None:
    out = publish(tmp_path / "out", [clue_row("a"), clue_row("b", street="东山街")])
    code, output = _run("sync", "--output", str(out), "--ledger", ledger_url, "--by", "专班")
    assert code == 0, output
    assert "2 added" in output and "history: 2 events, head " in output

    code, output = _run("transition", "a", "--to", "查实", "--ledger", ledger_url, "--by", "x")
    assert code == 2 and "待核查 → 查实 is not allowed" in output

    records = [
        {"clue_id": "a", "to": "核查中"},
        {"clue_id": "a", "to": "查实", "verification": verification(methods=["查原始资料"])},
        {"clue_id": "a", "to": "整改中", "disposition": disposition()},
    ]
    path = tmp_path / "records.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    code, output = _run("verify-record", str(path), "--ledger", ledger_url, "--by", "街道")
    assert code == 0, output
    assert "a: 查实 → 整改中" in output and "history: 5 events" in output

    code, output = _run("close", "a", "--evidence", "x.pdf", "--ledger", ledger_url, "--by", "s")
    assert code == 2 and "0.00 recovered of 3600.00" in output
    code, output = _run(
        "close",
        "a",
        "--evidence",
        "x.pdf",
        "--recovered",
        "3600",
        "--ledger",
        ledger_url,
        "--by",
        "s",
    )
    assert code == 0, output

    code, output = _run("overdue", "--as-of", "2023-10-20", "--ledger", ledger_url)
    assert code == 0, output
    assert "1 clues overdue" in output and "东山街 | 区民政局 | b | 待核查" in output
    assert "a | 核查不细致: a single way of verifying" in output

    code, output = _run("show", "a", "--ledger", ledger_url)
    assert code == 0, output
    assert "已销号" in output and "event 5" in output
    assert ID_A not in output and not find_full_ids(output)


def test_sampling_and_yaml_records(ledger_url: str, tmp_path: Path) -> None:
    out = publish(tmp_path / "out", [clue_row("a")])
    _run("sync", "--output", str(out), "--ledger", ledger_url, "--by", "专班")
    yaml_file = tmp_path / "r.yaml"
    v = verification()
    elements = "".join(f"      {k}: {t}\n" for k, t in v["elements"].items())
    yaml_file.write_text(
        "- clue_id: a\n  to: 核查中\n- clue_id: a\n  to: 查否\n  verification:\n"
        f"    elements:\n{elements}    methods: [查原始资料, 看实际现场]\n"
        f"    opinion: {v['opinion']}\n    verifier: 李四\n    date: 2023-09-20\n"
        "    evidence: [e.pdf]\n",
        encoding="utf-8",
    )
    code, output = _run("verify-record", str(yaml_file), "--ledger", ledger_url, "--by", "街道")
    assert code == 0, output
    code, output = _run("sample", "--department", "区民政局", "--seed", "5", "--ledger", ledger_url)
    assert code == 0 and "1 of 1 查否 clues drawn with seed 5" in output


def test_ledger_location_refusals(tmp_path: Path) -> None:
    run = tmp_path / "out.runs" / "r1"
    run.mkdir(parents=True)
    code, output = _run("verify", "--ledger", str(run / "ledger.sqlite"))
    assert code == 2 and "inside a run folder" in output
    code, output = _run("verify", "--ledger", "postgresql+psycopg://u:secret@127.0.0.1:1/x")
    assert code == 2 and "does not answer" in output and "secret" not in output
