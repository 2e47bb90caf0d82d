"""The benchmark's three implementations of the 12 rules flag the same payments on the
bundled sample (huimin's engine, hand-written DuckDB SQL, pandas)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest

from huimin.pipeline import ingest_folder

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("duckdb")


def _module(name: str) -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench-sample")
    ingest_folder(ROOT / "data" / "sample", out, as_of=dt.date(2024, 1, 1))
    return out / "staged"


def test_the_three_implementations_flag_the_same_payments(staged: Path) -> None:
    rule_set = _module("rule_set")
    found = {
        name: rule_set.subjects_frame(_module(name).run(staged))
        for name in ("run_huimin_rules", "duckdb_rules", "pandas_rules")
    }
    huimin = found["run_huimin_rules"]
    assert huimin.height > 0
    assert set(huimin.get_column("rule_id")) <= set(rule_set.RULES)
    for name, other in found.items():
        assert other.equals(huimin), name


def test_the_harness_covers_the_12_rules() -> None:
    rule_set, duck, pandas = (_module(n) for n in ("rule_set", "duckdb_rules", "pandas_rules"))
    assert len(rule_set.RULES) == 12
    assert list(duck.QUERIES) == list(rule_set.RULES) == list(pandas.RULES)
    assert pl.DataFrame(schema=rule_set.SUBJECTS_SCHEMA).columns == ["rule_id", "subject", "period"]
