"""Fixtures the rule engine's tests share: the catalogue as shipped, and the bundled sample
ingested once per module (its staged files by dataset)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from huimin.pipeline import ingest_folder
from huimin.rules.commands import DEFAULT_RULES, load_catalogue
from huimin.rules.model import RuleFile

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_AS_OF = dt.date(2024, 1, 1)


@pytest.fixture(scope="module")
def catalogue() -> list[RuleFile]:
    return load_catalogue(DEFAULT_RULES)


@pytest.fixture(scope="module")
def sample_staged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample ingested as of 2024-01-01: each staged dataset's file."""
    out = tmp_path_factory.mktemp("sample-out")
    ingest_folder(ROOT / "data" / "sample", out, as_of=SAMPLE_AS_OF)
    return {p.stem: p for p in (out / "staged").glob("*.parquet")}
