"""The main job end to end: only this run's inputs, every gap said, exit codes, one result."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console
from typer.testing import CliRunner

from huimin.cli import app
from huimin.context import RunContext
from huimin.job import run_job
from huimin.ledger.intake import Deadlines, sync
from huimin.ledger.records import apply_records
from huimin.ledger.store import Ledger
from huimin.rules.commands import load_catalogue
from huimin.rules.params_loader import district_file
from tests.ledger.conftest import verification

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
AS_OF = "2024-01-01"
RUNNER = CliRunner()


def _sample(folder: Path, *, without: tuple[str, ...] = ()) -> Path:
    folder.mkdir(parents=True)
    for path in SAMPLE.iterdir():
        if path.is_file() and path.stem not in without:
            shutil.copy(path, folder / path.name)
    return folder


def _run(*args: str) -> tuple[int, str]:
    result = RUNNER.invoke(app, ["run", *args, "--no-reports", "--as-of", AS_OF])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def _manifest(out: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("job")
    code, output = _run("--input", str(_sample(base / "in")), "--output", str(base / "out"))
    assert code == 0, output
    return base / "out"


def test_the_sample_runs_clean_and_publishes_one_result(full_run: Path) -> None:
    manifest = _manifest(full_run)
    assert manifest["exit_code"] == 0
    assert full_run.is_symlink()
    assert manifest["run_id"] == Path(full_run.resolve()).name
    assert (full_run / "clues.parquet").is_file() and (full_run / "clues.xlsx").is_file()
    rules = manifest["rules"]
    assert isinstance(rules, dict)
    # only rules whose parameter has no confirmed value (an example) are listed, quietly
    assert rules["not_evaluated"] and all(
        item["quiet"] and "no confirmed value" in item["reason"] for item in rules["not_evaluated"]
    )


def test_a_missing_roster_is_not_read_from_the_previous_result(
    full_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    inputs = _sample(tmp_path / "in")
    code, _ = _run("--input", str(inputs), "--output", str(out))
    assert code == 0
    findings = pl.read_parquet(out / "findings.parquet")
    assert findings.filter(pl.col("rule_id").str.starts_with("tekun.")).height > 0
    (inputs / "tekun.xlsx").unlink()
    code, output = _run("--input", str(inputs), "--output", str(out))
    assert code == 1, output
    assert "tekun is missing from the input" in output
    findings = pl.read_parquet(out / "findings.parquet")
    assert findings.filter(pl.col("rule_id").str.starts_with("tekun.")).height == 0
    manifest = _manifest(out)
    assert "tekun" not in manifest["datasets"]  # type: ignore[operator]
    assert not (out / "staged" / "tekun.parquet").exists()
    not_evaluated = manifest["rules"]["not_evaluated"]  # type: ignore[index]
    assert any(
        item["rule"].startswith("tekun.") and item["reason"] == "tekun is missing from the input"
        for item in not_evaluated
    )


def test_a_dataset_declared_absent_is_skipped_quietly_but_listed(tmp_path: Path) -> None:
    inputs = _sample(tmp_path / "in", without=("tekun",))
    code, output = _run(
        "--input", str(inputs), "--output", str(tmp_path / "out"), "--absent", "tekun"
    )
    assert code == 0, output
    assert "skipped: tekun is declared absent" in output
    manifest = _manifest(tmp_path / "out")
    assert manifest["declared_absent"] == ["tekun"]
    skipped = manifest["rules"]["not_evaluated"]  # type: ignore[index]
    assert skipped and all(item["quiet"] for item in skipped)


def test_a_refused_registry_stops_its_rules_instead_of_raising_false_clues(
    tmp_path: Path,
) -> None:
    inputs = _sample(tmp_path / "in", without=("deaths",))
    (inputs / "deaths.csv").write_text("姓名,死亡日期\n张三,2023-01-01\n", encoding="utf-8")
    code, output = _run("--input", str(inputs), "--output", str(tmp_path / "out"))
    assert code == 2, output
    assert "deaths was refused" in output
    findings = pl.read_parquet(tmp_path / "out" / "findings.parquet")
    assert findings.filter(pl.col("rule_id").str.contains("dead")).height == 0


def test_an_empty_input_folder_is_unusable(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    code, output = _run("--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"))
    assert code == 2
    assert "no dataset file in the folder" in output
    assert not (tmp_path / "out").exists()


def test_a_broken_rule_file_fails_before_any_ingest(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "tekun.yaml").write_text("policy: tekun\nrules: [\n", encoding="utf-8")
    code, output = _run(
        "--input", str(SAMPLE), "--output", str(tmp_path / "out"), "--rules", str(rules)
    )
    assert code == 2
    assert "tekun.yaml" in output and "Traceback" not in output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["rules", "explain", "no_such.rule"], "no rule 'no_such.rule'"),
        (
            ["rules", "score", "--output", "/no/such/huimin/dir", "--truth", "/x.parquet"],
            "no such file",
        ),
        (["rules", "run", "--output", "/no/such/huimin/out"], "no published result"),
        (["run", "--input", "/no/such/huimin/dir", "--output", "/tmp/x"], "--input"),
        (["run", "--input", ".", "--output", "/tmp/x", "--as-of", "2024-13-01"], "--as-of"),
        (["run", "--input", ".", "--output", "/tmp/x", "--absent", "nope"], "unknown dataset nope"),
    ],
)
def test_commands_refuse_in_one_line_without_a_traceback(args: list[str], words: str) -> None:
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert "Traceback" not in result.output


def test_rules_run_publishes_new_clues_beside_the_same_staged_data(
    full_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, _ = _run("--input", str(_sample(tmp_path / "in")), "--output", str(out))
    assert code == 0
    before = out.resolve()
    result = RUNNER.invoke(app, ["rules", "run", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.resolve() != before
    assert (out / "clues.parquet").read_bytes() == (before / "clues.parquet").read_bytes()
    assert (out / "staged" / "tekun.parquet").stat().st_ino == (
        before / "staged" / "tekun.parquet"
    ).stat().st_ino


def test_a_district_confirming_an_example_value_makes_its_rule_judge(tmp_path: Path) -> None:
    inputs = _sample(tmp_path / "in")
    code, output = _run("--input", str(inputs), "--output", str(tmp_path / "before"))
    assert "elderly.allowance_by_age has no confirmed value" in output
    before = pl.read_parquet(tmp_path / "before" / "findings.parquet")
    assert before.filter(pl.col("rule_id") == "elderly_allowance.amount_not_tier").height == 0
    values = "\n".join(
        f"      - {{value: {v}, zone: {z}, start: 2023-01-01, status: published, "
        f"source: 东西湖区高龄津贴发放标准}}"
        for v, z in ((100, "80至89岁"), (300, "90至99岁"), (500, "100岁及以上"))
    )
    (inputs / "parameters.yaml").write_text(
        f"parameters:\n  elderly.allowance_by_age:\n    values:\n{values}\n", encoding="utf-8"
    )
    code, output = _run("--input", str(inputs), "--output", str(tmp_path / "after"))
    assert code == 0, output
    assert "elderly.allowance_by_age has no confirmed value" not in output
    assert "ignored: parameters.yaml" not in output, "the district's file is not ignored"
    after = pl.read_parquet(tmp_path / "after" / "findings.parquet")
    judged = after.filter(pl.col("rule_id") == "elderly_allowance.amount_not_tier")
    assert judged.height > 0
    assert all('"status": "published"' in p for p in judged.get_column("parameters"))


def test_example_values_can_be_included_and_are_labelled(tmp_path: Path) -> None:
    code, output = _run(
        "--input",
        str(_sample(tmp_path / "in")),
        "--output",
        str(tmp_path / "out"),
        "--include-example-parameters",
    )
    assert code == 0, output
    findings = pl.read_parquet(tmp_path / "out" / "findings.parquet")
    labelled = findings.filter(pl.col("rule_id") == "elderly_allowance.amount_not_tier")
    assert labelled.height > 0
    assert labelled.get_column("summary").str.starts_with("【参数未经确认").all()


def test_quarantine_rates_above_the_limits_fail_the_checks(tmp_path: Path) -> None:
    """Without the synthetic district's own thresholds, its planted faults breach the
    project's limits: the run says which datasets and ends with code 1."""
    inputs = _sample(tmp_path / "in", without=("thresholds",))
    code, output = _run("--input", str(inputs), "--output", str(tmp_path / "out"))
    assert code == 1, output
    assert "inmates failed the quarantine thresholds" in " ".join(output.split())
    manifest = _manifest(tmp_path / "out")
    assert "inmates" in manifest["quality"]["failed_datasets"]  # type: ignore[index]


# ---------------------------------------------------------------------------- rule feedback
FEEDBACK_RULE = "dibao_rural.urban_hukou"


def _job(inputs: Path, out: Path, ledger: str | None) -> tuple[int, str]:
    """``huimin run`` through run_job, which takes the ledger the command does not pass yet."""
    text = io.StringIO()
    console = Console(file=text, width=400, color_system=None)
    catalogue = load_catalogue(ROOT / "rules", district_file(inputs))
    ctx = RunContext(dt.date.fromisoformat(AS_OF))
    code = run_job(
        inputs, out, ctx=ctx, reports=False, catalogue=catalogue, console=console, ledger=ledger
    )
    return code, text.getvalue()


def _feedback_row(index: str, rule: str) -> tuple[bool, list[str]]:
    """(highlighted, the row's number cells) of ``rule`` in the rule feedback table."""
    section = index[index.index('id="rule-feedback"') :]
    found = re.search(
        rf'<tr( class="low-rate")?><td><code>{re.escape(rule)}</code></td>(.*?)</tr>', section
    )
    assert found, rule
    return bool(found.group(1)), re.findall(r'<td class="n[^"]*">([^<]*)</td>', found.group(2))


def test_the_clue_report_shows_each_rules_feedback_from_the_ledger(tmp_path: Path) -> None:
    inputs, out, path = _sample(tmp_path / "in"), tmp_path / "out", tmp_path / "ledger.sqlite"
    code, output = _job(inputs, out, None)
    assert code == 0, output
    index = (out / "reports" / "index.html").read_text(encoding="utf-8")
    assert "no ledger was given to this run" in index and "<th>规则 rule</th><th>项目" not in index
    assert "rule feedback" not in output

    clues = pl.read_parquet(out / "clues.parquet")
    carrying = sorted(
        clues.filter(pl.col("rule_ids").list.contains(FEEDBACK_RULE)).get_column("clue_id")
    )
    assert len(carrying) >= 7
    records: list[dict[str, object]] = []
    for clue_id, outcome in zip(carrying, ["查否"] * 5 + ["查实"], strict=False):
        records += [
            {"clue_id": clue_id, "to": "核查中"},
            {"clue_id": clue_id, "to": outcome, "verification": verification()},
        ]
    ledger = Ledger.open(str(path))
    try:
        sync(ledger, out, "t", Deadlines())
        apply_records(ledger, records, "街道")
        events = ledger.head().count
    finally:
        ledger.dispose()

    code, output = _job(inputs, out, str(path))
    assert code == 0, output
    index = (out / "reports" / "index.html").read_text(encoding="utf-8")
    assert f"history: {events} events" in index and str(path) in index
    # raised, verified, confirmed, 查否, pending, no longer found, 查实率: 1 of 6 is below 20%
    pending = len(carrying) - 6
    low, cells = _feedback_row(index, FEEDBACK_RULE)
    assert cells == [str(len(carrying)), "6", "1", "5", str(pending), "0", "16.7%"] and low
    untouched = next(
        r
        for r in clues.explode("rule_ids").get_column("rule_ids").unique().sort()
        if not set(carrying)
        & set(clues.filter(pl.col("rule_ids").list.contains(r)).get_column("clue_id"))
    )
    raised = clues.filter(pl.col("rule_ids").list.contains(untouched)).height
    assert _feedback_row(index, untouched) == (
        False,
        [str(raised), "0", "0", "0", str(raised), "0", "—"],
    )
    # a rule of the catalogue that found nothing in the sample is there with zeros
    zeros = (False, ["0", "0", "0", "0", "0", "0", "—"])
    assert _feedback_row(index, "grain_subsidy.rate_not_standard") == zeros
    assert f"rule feedback from ledger {path}" in output and FEEDBACK_RULE in output
    assert _manifest(out)["rule_feedback"]["low_rate_rules"] == [FEEDBACK_RULE]  # type: ignore[index]


def test_a_ledger_that_cannot_be_opened_fails_nothing_and_is_said_masked(tmp_path: Path) -> None:
    url = "postgresql+psycopg://auditor:s3cret-pw@127.0.0.1:1/ledger"
    code, output = _job(_sample(tmp_path / "in"), tmp_path / "out", url)
    assert code == 0, output
    index = (tmp_path / "out" / "reports" / "index.html").read_text(encoding="utf-8")
    assert "台账无法读取" in index and "auditor:***@127.0.0.1:1/ledger" in index
    assert "rule feedback: not shown, ledger postgresql+psycopg://auditor:***@" in output
    assert "s3cret-pw" not in index + output
    assert "s3cret-pw" not in (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
