"""Against the synthetic district's truth: ingest quarantines exactly the planted faults."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from huimin.pipeline import ingest_folder, write_manifest
from huimin.synth import generate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
AS_OF = dt.date(2024, 1, 1)


def _quarantined(out: Path) -> pl.DataFrame:
    frames = [
        pl.read_parquet(path, columns=["_source_row"]).select(
            pl.lit(path.stem).alias("dataset"), pl.col("_source_row").alias("source_row")
        )
        for path in sorted((out / "quarantine").glob("*.parquet"))
    ]
    return pl.concat(frames)


def _check_against_truth(input_dir: Path, out: Path) -> None:
    run = ingest_folder(input_dir, out, as_of=AS_OF)
    write_manifest(run)
    assert run.errors == []
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name, entry in manifest["datasets"].items():
        assert entry["rows_in"] == entry["rows_valid"] + entry["rows_quarantined"], name
    truth = pl.read_parquet(input_dir / "truth" / "anomalies.parquet")
    planted = (
        truth.filter(pl.col("category") == "data_quality")
        .select("dataset", pl.col("source_row").cast(pl.Int64))
        .unique()
    )
    got = _quarantined(out)
    key = ["dataset", "source_row"]
    missed = planted.join(got, on=key, how="anti")
    extra = got.join(planted, on=key, how="anti")
    assert missed.height == 0, f"planted faults not quarantined:\n{missed}"
    assert extra.height == 0, f"rows quarantined without a planted fault:\n{extra}"
    benign = truth.filter(pl.col("category") == "benign_variant").select(
        "dataset", pl.col("source_row").cast(pl.Int64)
    )
    assert benign.height > 0
    assert benign.join(got, on=key, how="semi").height == 0


def test_bundled_sample_is_what_synth_writes(tmp_path: Path) -> None:
    generate(tmp_path, scale="sample", seed=2023)
    bundled = sorted(p.relative_to(SAMPLE) for p in SAMPLE.rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert bundled == fresh
    for relative in bundled:
        assert (SAMPLE / relative).read_bytes() == (tmp_path / relative).read_bytes(), relative


def test_sample_quarantines_exactly_the_planted_faults(tmp_path: Path) -> None:
    _check_against_truth(SAMPLE, tmp_path / "out")


@pytest.mark.slow
@pytest.mark.xdist_group("district")
def test_district_quarantines_exactly_the_planted_faults(tmp_path: Path) -> None:
    generate(tmp_path / "in", scale="district", seed=2023)
    _check_against_truth(tmp_path / "in", tmp_path / "out")
