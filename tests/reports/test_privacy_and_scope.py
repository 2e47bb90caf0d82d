"""Validation reports: judged at the run's date, say what was not evaluated, never leak."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import polars as pl
import pytest

import huimin.schemas as schemas
from huimin.redact import find_full_ids
from huimin.reports import build_validation_reports
from tests.reports.test_validation import make_staged, write_staged

CARD = "6217000012345678"


def _leaks(root: Path) -> list[tuple[str, str]]:
    out = []
    for path in root.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace")
            out += [(str(path), v) for v in find_full_ids(text)]
            if CARD in text:
                out.append((str(path), CARD))
    return out


def test_as_of_is_the_date_data_is_judged_at(tmp_path: Path) -> None:
    """Deaths in 2023 are in the future for a run judged as of 2022-06-30."""
    staged = write_staged(
        tmp_path / "s", {"deaths": make_staged(schemas.DATASETS["deaths"], 50, extra=False)}
    )
    past = build_validation_reports(staged, tmp_path / "past", as_of=dt.date(2022, 6, 30))
    assert past.as_of == dt.date(2022, 6, 30)
    failed = past.datasets["deaths"].failed_expectations
    assert "expect_column_values_to_be_between(death_date)" in failed
    index = (tmp_path / "past" / "index.html").read_text(encoding="utf-8")
    assert "as of 2022-06-30" in index
    written = json.loads((tmp_path / "past" / "validation-summary.json").read_text("utf-8"))
    assert written["as_of"] == "2022-06-30"
    today = build_validation_reports(staged, tmp_path / "today", as_of=dt.date.today())
    assert today.as_of == dt.date.today()
    assert today.datasets["deaths"].success


def test_rules_not_evaluated_and_datasets_missing_are_listed(tmp_path: Path) -> None:
    staged = write_staged(
        tmp_path / "s", {"tekun": make_staged(schemas.DATASETS["tekun"], 20, extra=False)}
    )
    summary = build_validation_reports(
        staged,
        tmp_path / "out",
        as_of=dt.date.today(),
        not_evaluated=[
            ("dibao.dead_recipient", "needs deaths, which was not sent"),
            ("car.<b>dealer</b>", "refused: <script>alert(1)</script>"),
        ],
        missing=[
            ("deaths", "not sent"),
            ("vehicles", "refused: row 3 holds 420112199001010017 as a number"),
            ("inmates", "declared absent (the district has no prison)"),
        ],
    )
    index = summary.index_html.read_text(encoding="utf-8")
    assert "未评估的规则 / Rules not evaluated" in index
    assert "缺少的数据集 / Datasets missing" in index
    assert "needs deaths, which was not sent" in index
    assert "<script>" not in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert "car.&lt;b&gt;dealer&lt;/b&gt;" in index
    assert "declared absent (the district has no prison)" in index
    assert "420112********0017" in index
    assert "2 rules not evaluated" in index and "3 missing" in index
    written = json.loads((tmp_path / "out" / "validation-summary.json").read_text("utf-8"))
    assert written["missing"][0] == {"dataset": "deaths", "reason": "not sent"}
    assert written["not_evaluated"][0]["name"] == "dibao.dead_recipient"
    assert _leaks(tmp_path / "out") == []


def test_nothing_to_list_says_none(tmp_path: Path) -> None:
    staged = write_staged(
        tmp_path / "s", {"tekun": make_staged(schemas.DATASETS["tekun"], 20, extra=False)}
    )
    summary = build_validation_reports(staged, tmp_path / "out", as_of=dt.date.today())
    index = summary.index_html.read_text(encoding="utf-8")
    assert index.count("无 · none") == 2
    assert summary.redacted_files == ()


def test_redaction_is_a_second_line_of_defence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even if the prepared frame let an ID or an account through, no file shows it."""
    from huimin.reports import expectations

    monkeypatch.setattr(expectations, "_scrub", lambda expr: expr)  # first line broken
    frame = make_staged(schemas.DATASETS["deaths"], 60)
    frame = frame.with_columns(
        source=pl.when(pl.col("_source_row") == 9)
        .then(pl.col("id_number"))
        .when(pl.col("_source_row") == 10)
        .then(pl.lit(CARD))
        .otherwise(pl.col("source"))
    )
    staged = write_staged(tmp_path / "s", {"deaths": frame})
    summary = build_validation_reports(staged, tmp_path / "out", as_of=dt.date.today())
    assert summary.datasets["deaths"].failed_expectations == (
        "expect_column_values_to_be_in_set(source)",
    )
    assert summary.redacted_files  # the second line caught what the first let through
    assert _leaks(tmp_path / "out") == []
    pages = [p for p in (tmp_path / "out").rglob("*.html") if "validations" in p.parts]
    shown = pages[0].read_text(encoding="utf-8")
    assert "420117********" in shown
    assert "************5678" in shown


def test_the_report_follows_the_umask(tmp_path: Path) -> None:
    import os

    staged = write_staged(
        tmp_path / "s", {"tekun": make_staged(schemas.DATASETS["tekun"], 20, extra=False)}
    )
    old = os.umask(0o027)
    try:
        build_validation_reports(staged, tmp_path / "out", as_of=dt.date.today())
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o750
    assert stat.S_IMODE((tmp_path / "out" / "index.html").stat().st_mode) == 0o640
