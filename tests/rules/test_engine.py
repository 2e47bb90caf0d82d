"""The engine on the bundled sample: one clue per subject, project and check period,
deterministic whatever the order of rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from huimin.pipeline import ingest_folder
from huimin.rules.clue_ids import clue_id
from huimin.rules.commands import DEFAULT_RULES, load_catalogue
from huimin.rules.engine import CLUE_SCHEMA, FINDING_SCHEMA, RuleRun, load_staged, run_rules
from huimin.rules.output import write_clues

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2024, 1, 1)
KEY = b"engine tests" * 3


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample-out")
    ingest_folder(ROOT / "data" / "sample", out, as_of=AS_OF)
    return out


def _paths(out: Path) -> dict[str, Path]:
    return {p.stem: p for p in (out / "staged").glob("*.parquet")}


def _run(staged_frames: dict[str, pl.LazyFrame]) -> RuleRun:
    return run_rules(load_catalogue(DEFAULT_RULES), staged_frames, as_of=AS_OF, key=KEY)


@pytest.fixture(scope="module")
def result(staged: Path) -> RuleRun:
    return _run(load_staged(_paths(staged)))


def test_clues_have_the_promised_columns_and_ids(result: RuleRun) -> None:
    clues, findings = result.clues, result.findings
    assert clues.height > 0
    assert dict(clues.schema) == CLUE_SCHEMA
    assert dict(findings.schema) == FINDING_SCHEMA
    assert clues.get_column("clue_id").is_unique().all()
    first = clues.row(0, named=True)
    parts = (first["project"], first["subject_kind"], first["subject"], first["check_period"])
    assert first["clue_id"] == clue_id(KEY, *parts)
    assert set(findings.get_column("clue_id")) == set(clues.get_column("clue_id"))


def test_one_clue_per_subject_project_and_period(result: RuleRun) -> None:
    clues = result.clues
    key = ["project", "subject_kind", "subject", "check_period"]
    assert clues.select(key).is_unique().all()
    assert clues.height < result.findings.height, "several rules on one subject make one clue"
    household = clues.filter(pl.col("subject_kind") == "household")
    assert household.height > 0
    assert (household.get_column("id_numbers").list.len() >= 1).all()


def test_two_runs_write_byte_identical_clues(staged: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        run = _run(load_staged(_paths(staged)))
        write_clues(run.clues, run.findings, tmp_path / name)
    for file in ("clues.parquet", "findings.parquet"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_shuffled_rows_give_the_same_clues(staged: Path, result: RuleRun) -> None:
    frames = load_staged(_paths(staged))
    shuffled = {
        name: frame.collect().sample(fraction=1.0, shuffle=True, seed=7).lazy()
        for name, frame in frames.items()
    }
    b = _run(shuffled)
    assert result.clues.equals(b.clues)
    # the row numbers in hits follow the rows in the file; everything else is identical
    assert result.findings.drop("hits").equals(b.findings.drop("hits"))
