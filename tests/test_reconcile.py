"""Reconciliation of the province's clue list with a published run's clues."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from huimin.cli import app as main_app
from huimin.cli_reconcile import app
from huimin.idnumber import make_id
from huimin.reconcile import MATCHES, normalize_name, project_names
from huimin.redact import find_full_ids

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
HEADER = (
    "线索编号,业务主管部门,项目名称,街道,所属单位,身份证号码,姓名,问题描述,涉及金额（元）,下发日期"
)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reconcile") / "out"
    args = ["run", "--input", str(SAMPLE), "--output", str(out), "--no-reports"]
    result = CliRunner().invoke(main_app, [*args, "--as-of", "2024-01-01"])
    assert result.exit_code == 0, result.output
    return out


def _reconcile(out: Path, province: Path) -> str:
    result = CliRunner().invoke(app, ["--province", str(province), "--output", str(out)])
    assert result.exit_code == 0, result.output
    return result.output


def test_sample_every_provincial_clue_once(published: Path) -> None:
    before = published.resolve()
    console = _reconcile(published, SAMPLE / "province_clues.xlsx")
    after = published.resolve()
    assert after != before
    table = pl.read_parquet(published / "reconciliation.parquet")
    assert table.height == 157
    assert table["source_row"].n_unique() == 157
    assert table["province_clue_id"].n_unique() == 157
    counts = dict(table.group_by("match").len().iter_rows())
    assert set(counts) <= set(MATCHES)
    assert sum(counts.values()) == 157
    assert counts.get("corroborated", 0) > 0
    assert counts.get("province_only", 0) > 0
    corroborated = table.filter(pl.col("match") == "corroborated")
    assert corroborated["clue_id"].null_count() == 0
    assert corroborated["district_summary"].null_count() == 0
    assert corroborated["problem"].null_count() == 0
    assert set(table["policy"].drop_nulls()) >= {"disability_care", "disability_living"}
    # the appendix's 重度残疾人生活补贴 is the contract's 护理补贴
    care = table.filter(pl.col("project").str.contains("重度残疾人生活补贴"))
    assert care.height == 2 and set(care["policy"]) == {"disability_care"}
    # district-only clues: every district clue is either corroborated or district-only
    clues = pl.read_parquet(published / "clues.parquet")
    district_only = pl.read_parquet(published / "district_only.parquet")
    assert district_only.columns == ["clue_id", "project", "street", "summary"]
    assert set(district_only["clue_id"]) | set(corroborated["clue_id"]) == set(clues["clue_id"])
    # previous files untouched: hard links of the earlier run, which stays whole
    assert not (before / "reconciliation.parquet").exists()
    assert (before / "clues.parquet").stat().st_ino == (after / "clues.parquet").stat().st_ino
    manifest = (published / "manifest.json").read_text(encoding="utf-8")
    assert '"reconciliation"' in manifest and not find_full_ids(manifest)
    page = (published / "reports" / "coverage.html").read_text(encoding="utf-8")
    markdown = (published / "reports" / "coverage.md").read_text(encoding="utf-8")
    assert "province_only" in page and "http" not in page
    assert find_full_ids(page) == [] and find_full_ids(markdown) == []
    assert find_full_ids(console) == []
    assert "corroborated" in console


def _roster(out: Path, dataset: str) -> pl.DataFrame:
    return pl.read_parquet(out / "staged" / f"{dataset}.parquet").select(
        "id_number", "name", "street"
    )


def _hand_made(out: Path, folder: Path) -> tuple[Path, dict[str, str]]:
    elderly = _roster(out, "elderly_allowance").unique("id_number").sort("id_number")
    unique_names = elderly.group_by("name").len().filter(pl.col("len") == 1)["name"]
    person = elderly.filter(pl.col("name").is_in(unique_names.implode())).row(0, named=True)
    bad_id = person["id_number"][:17] + ("0" if person["id_number"][17] != "0" else "1")
    grain = _roster(out, "grain_subsidy").unique(["id_number", "name"])
    twins = grain.group_by("name").agg(pl.col("id_number").n_unique().alias("n"))
    twin = twins.filter(pl.col("n") > 1)["name"][0]
    urban = _roster(out, "dibao_urban").sort("id_number").row(0, named=True)
    outsider = make_id("110101", dt.date(1970, 5, 1), 123)
    rows = {
        "R-1": f"R-1,区民政局,高龄津贴,,,{bad_id},{person['name']},疑似不符合享受条件,,2023-09-01",
        "R-2": f"R-2,区财政局,实际种粮农民一次性补贴,,,,{twin},疑似不符合享受条件,,2023-09-01",
        "R-3": f"R-3,区民政局,高龄津贴,,,{outsider},外区人,疑似不符合享受条件,,2023-09-01",
        "R-4": f"R-4,区民政局,不存在的补贴,,,{urban['id_number']},{urban['name']},问题,,2023-09-01",
        "R-5": f"R-5,区民政局,城乡低保,,,{urban['id_number']},{urban['name']},问题,,2023-09-01",
        "R-6": (
            f"R-6,区民政局,残疾人两项补贴 (重度残疾人生活补贴),,,{outsider},外区人,问题,,2023-09-01"
        ),
        "R-7": f"R-7,区民政局,高龄津贴,,,{person['id_number']},{person['name']},问题,,2023-13-45",
    }
    text = "\n".join(["东西湖区省下发问题线索清单（测试）", HEADER, *rows.values()]) + "\n"
    path = folder / "province_clues.csv"
    path.write_bytes(text.encode("gbk"))
    return path, {"person": person["name"], "twin": twin}


def test_hand_made_list(published: Path, tmp_path: Path) -> None:
    province, _ = _hand_made(published, tmp_path)
    console = _reconcile(published, province)
    table = pl.read_parquet(published / "reconciliation.parquet")
    by_id = {row["province_clue_id"]: row for row in table.iter_rows(named=True)}
    assert sorted(by_id) == [f"R-{n}" for n in range(1, 8)]
    # malformed ID: the name, unique on the 高龄津贴 roster
    assert by_id["R-1"]["match_strength"] == "name"
    assert by_id["R-1"]["match"] in ("corroborated", "province_only")
    assert any(r.startswith("id_number ") for r in by_id["R-1"]["reasons"])
    # a name two people share on the roster: not told apart
    assert by_id["R-2"]["match"] == "unidentified"
    assert any("不唯一" in r for r in by_id["R-2"]["reasons"])
    assert by_id["R-3"]["match"] == "outside_district"
    assert by_id["R-3"]["match_strength"] == "id"
    assert by_id["R-4"]["match"] == "unidentified"
    assert any("不存在的补贴" in r for r in by_id["R-4"]["reasons"])
    assert by_id["R-5"]["policy"] == "dibao_urban"
    assert by_id["R-5"]["match"] in ("corroborated", "province_only")
    assert by_id["R-6"]["policy"] == "disability_care"
    assert by_id["R-6"]["match"] == "outside_district"
    # a row with another fault is reported with its reasons, not dropped
    assert by_id["R-7"]["match"] == "unidentified"
    assert any(r.startswith("issued_date") for r in by_id["R-7"]["reasons"])
    assert find_full_ids(console) == []
    page = (published / "reports" / "coverage.html").read_text(encoding="utf-8")
    assert find_full_ids(page) == []


def test_second_reconcile_replaces_the_first(published: Path, tmp_path: Path) -> None:
    _reconcile(published, SAMPLE / "province_clues.xlsx")
    first = published.resolve()
    province, _ = _hand_made(published, tmp_path)
    _reconcile(published, province)
    second = published.resolve()
    assert first != second
    assert pl.read_parquet(first / "reconciliation.parquet").height == 157
    assert pl.read_parquet(second / "reconciliation.parquet").height == 7
    assert (first / "clues.parquet").stat().st_ino == (second / "clues.parquet").stat().st_ino


def test_refusals(published: Path, tmp_path: Path) -> None:
    missing = CliRunner().invoke(
        app, ["--province", str(tmp_path / "none.xlsx"), "--output", str(published)]
    )
    assert missing.exit_code == 2
    empty = CliRunner().invoke(
        app, ["--province", str(SAMPLE / "province_clues.xlsx"), "--output", str(tmp_path / "x")]
    )
    assert empty.exit_code == 2
    assert "no published result" in empty.output


def test_project_name_variants() -> None:
    names = project_names()
    frame = pl.DataFrame(
        {"name": ["残疾人两项补贴(重度残疾人护理补贴)", " 城乡低保 ", "高龄津贴", "农村低保"]}
    ).select(normalize_name(pl.col("name")).alias("project_key"))
    joined = frame.join(names, on="project_key", how="left")
    policies = joined.group_by("project_key", maintain_order=True).agg("policy")
    assert policies["policy"].to_list() == [
        ["disability_care"],
        ["dibao_rural", "dibao_urban"],
        ["elderly_allowance"],
        ["dibao_rural"],
    ]


def test_run_reconciles_within_the_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    result = CliRunner().invoke(
        main_app,
        [
            "run",
            "--input",
            str(sample),
            "--output",
            str(out),
            "--no-reports",
            "--as-of",
            "2024-01-01",
            "--province",
            str(sample / "province_clues.xlsx"),
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert sum(manifest["reconciliation"]["by_match"].values()) == 157
    assert (out / "reconciliation.parquet").is_file()
    assert "reconciliation with the province's clues: corroborated" in result.output
