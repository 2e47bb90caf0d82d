"""Golden files: the bundled sample's manifest counts and quarantine reasons, word for word.

A change to messages or checks shows up here as a readable diff. After a deliberate change,
regenerate with ``HUIMIN_UPDATE_GOLDEN=1 pytest tests/test_golden_sample.py`` and review it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import polars as pl

from huimin.pipeline import ingest_folder

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"


def _compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("HUIMIN_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs from the golden file"


def test_sample_manifest_and_reasons_match_the_golden_files(tmp_path: Path) -> None:
    run = ingest_folder(ROOT / "data" / "sample", tmp_path, as_of=dt.date(2024, 1, 1))
    counts = {
        r.dataset: {
            "file": Path(r.file).name,
            "format": r.file_format,
            "encoding": r.encoding,
            "rows_in": r.rows_in,
            "rows_valid": r.rows_valid,
            "rows_quarantined": r.rows_quarantined,
            "reasons": r.reasons,
        }
        for r in sorted(run.results, key=lambda r: r.dataset)
    }
    _compare("sample-manifest.json", json.dumps(counts, ensure_ascii=False, indent=1) + "\n")
    lines = []
    for path in sorted((tmp_path / "quarantine").glob("*.parquet")):
        frame = pl.read_parquet(path, columns=["_source_row", "_reasons"])
        for row, reasons in frame.iter_rows():
            lines += [f"{path.stem}:{row}: {reason}" for reason in reasons]
    _compare("sample-quarantine.txt", "\n".join(lines) + "\n")
