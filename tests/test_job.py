"""The main job end to end: only this run's inputs, every gap said, exit codes, one result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from huimin.cli import app

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
