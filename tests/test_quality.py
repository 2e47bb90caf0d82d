"""Quarantine thresholds: the files, their located errors, and judging the rates."""

from __future__ import annotations

from pathlib import Path

import pytest

from huimin.errors import EXIT_CHECKS_FAILED, EXIT_OK, ConfigError
from huimin.ingest import DatasetResult
from huimin.quality import (
    PROJECT_THRESHOLDS,
    breach_lines,
    failed_datasets,
    judge,
    load_thresholds,
    percent,
    quality_exit_code,
    rate_checks,
)
from huimin.redact import find_full_ids


def result(
    dataset: str, rows_in: int, quarantined: int, reasons: dict[str, int] | None = None
) -> DatasetResult:
    return DatasetResult(
        dataset=dataset,
        file=f"{dataset}.csv",
        rows_in=rows_in,
        rows_valid=rows_in - quarantined,
        rows_quarantined=quarantined,
        reasons=reasons or {},
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_project_file_loads_with_its_documented_defaults() -> None:
    thresholds = load_thresholds()
    assert thresholds.files == (str(PROJECT_THRESHOLDS),)
    assert thresholds.defaults.max_quarantined == pytest.approx(0.05)
    assert thresholds.defaults.max_per_reason == pytest.approx(0.01)
    assert thresholds.for_dataset("inmates").max_quarantined == pytest.approx(0.10)
    assert thresholds.for_dataset("population") == thresholds.defaults
    assert thresholds.to_dict()["defaults"]["max_quarantined"] == pytest.approx(0.05)


def test_a_district_file_overrides_defaults_and_datasets(tmp_path: Path) -> None:
    project = write(
        tmp_path / "project.yaml",
        "defaults: {max_quarantined: 0.05, max_per_reason: 0.01}\n"
        "datasets:\n  deaths: {max_per_reason: 2%}\n",
    )
    district = write(
        tmp_path / "thresholds.yaml",
        "defaults:\n  max_quarantined: 8%\n"
        "datasets:\n  deaths:\n    reasons:\n      row:duplicate_row: 0.5\n",
    )
    thresholds = load_thresholds(project, district)
    assert thresholds.files == (str(project), str(district))
    assert thresholds.defaults.max_quarantined == pytest.approx(0.08)
    deaths = thresholds.for_dataset("deaths")
    assert deaths.max_quarantined == pytest.approx(0.08)  # the district's new default
    assert deaths.max_per_reason == pytest.approx(0.02)  # the project's override stays
    assert deaths.for_reason("row:duplicate_row") == pytest.approx(0.5)
    assert deaths.for_reason("name:missing") == pytest.approx(0.02)


def test_a_missing_district_file_is_skipped(tmp_path: Path) -> None:
    thresholds = load_thresholds(PROJECT_THRESHOLDS, tmp_path / "thresholds.yaml")
    assert thresholds.files == (str(PROJECT_THRESHOLDS),)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_thresholds(tmp_path / "nowhere.yaml")


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("defaults:\n  max_quarantined: 5\n", ":2:20", "between 0 and 1"),
        ("defaults:\n  max_quarantined: lots\n", ":2:20", "written 0.05 or '5%'"),
        ("defaults:\n  max_quarantine: 0.1\n", ":2:3", "did you mean 'max_quarantined'"),
        ("datasets:\n  inmate: {max_quarantined: 0.1}\n", ":2:3", "did you mean 'inmates'"),
        ("limits: {}\n", ":1:1", "unknown key 'limits'"),
        ("defaults: &d {max_quarantined: 0.1}\ndatasets: {deaths: *d}\n", ":1:11", "anchor"),
        ("defaults:\n  max_quarantined: [0.1\n", ":3:1", "not valid YAML"),
        ("datasets: [deaths]\n", ":1:11", "must be a mapping"),
    ],
)
def test_errors_name_the_file_line_and_column(
    tmp_path: Path, text: str, where: str, words: str
) -> None:
    district = write(tmp_path / "thresholds.yaml", text)
    with pytest.raises(ConfigError) as raised:
        load_thresholds(PROJECT_THRESHOLDS, district)
    message = str(raised.value)
    assert message.startswith(f"{district}{where}"), message
    assert words in message


def test_judge_reports_the_overall_rate_and_each_reason() -> None:
    thresholds = load_thresholds()
    results = [
        result("inmates", 9, 5, {"id_number:id_format": 1, "row:duplicate_row": 4}),
        result("population", 10_000, 300, {"name:missing": 150, "row:duplicate_row": 150}),
        result("deaths", 1_000, 10, {"id_number:id_format": 10}),
        result("vehicles", 1_000, 20, {"plate:missing": 11, "id_number:id_format": 9}),
        DatasetResult(dataset="tekun", file="tekun.xlsx", error="unreadable"),
    ]
    breaches = judge(results, thresholds)
    assert [(b.dataset, b.reason) for b in breaches] == [
        ("inmates", None),
        ("inmates", "id_number:id_format"),
        ("inmates", "row:duplicate_row"),
        ("population", "name:missing"),
        ("population", "row:duplicate_row"),
        ("vehicles", "plate:missing"),
    ]
    first = breaches[0]
    assert first.rate == pytest.approx(5 / 9)
    assert first.limit == pytest.approx(0.10)
    assert first.words() == ("inmates: 55.56% of rows quarantined (5 of 9), above the limit of 10%")
    assert failed_datasets(breaches) == ["inmates", "population", "vehicles"]
    assert quality_exit_code(breaches) == EXIT_CHECKS_FAILED
    assert quality_exit_code(judge(results[2:3], thresholds)) == EXIT_OK
    checks = rate_checks(results, thresholds)
    assert set(checks) == {"inmates", "population", "deaths", "vehicles"}  # not the refused file
    assert not any(c.breached for c in checks["deaths"])


def test_a_reason_named_in_the_thresholds_is_checked_even_at_zero(tmp_path: Path) -> None:
    district = write(
        tmp_path / "thresholds.yaml", "datasets:\n  deaths:\n    reasons: {name:missing: 0}\n"
    )
    thresholds = load_thresholds(PROJECT_THRESHOLDS, district)
    checks = rate_checks([result("deaths", 100, 0)], thresholds)["deaths"]
    assert [(c.reason, c.breached) for c in checks] == [(None, False), ("name:missing", False)]


def test_console_lines_say_why_in_one_line_per_dataset() -> None:
    results = [result("inmates", 9, 5, {"id_number:id_format": 1, "row:duplicate_row": 4})]
    lines = breach_lines(judge(results, load_thresholds()))
    assert lines == [
        "inmates failed the quarantine thresholds: 55.56% of rows quarantined (5 of 9), above "
        "the limit of 10%; 2 reasons above the limit, worst row:duplicate_row at 44.44% "
        "(limit 5%)"
    ]
    assert not find_full_ids("\n".join(lines))


def test_percent() -> None:
    assert percent(0.05) == "5%"
    assert percent(0.5556) == "55.56%"
    assert percent(0.0) == "0%"
