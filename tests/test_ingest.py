"""Ingest one dataset: every row valid or quarantined, staged data passes its schema."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import polars as pl
import pytest

from huimin import atomic
from huimin.context import RunContext
from huimin.idnumber import make_id
from huimin.ingest import ingest_file
from huimin.pipeline import ingest_folder
from huimin.schemas import DATASETS

AS_OF = dt.date(2024, 1, 1)
HEADER = "公民身份号码,姓名,死亡日期,数据来源,备注"


def _deaths_rows(n: int) -> list[str]:
    rows = []
    for i in range(n):
        person = make_id("420112", dt.date(1930 + i % 60, 1 + i % 12, 1 + i % 28), i % 1000)
        rows.append(f"{person},人{i},2023-{1 + i % 12:02d}-15,{['公安', '殡葬', '卫健'][i % 3]},")
    return rows


def _write(path: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode(encoding))
    return path


def test_counts_add_up_and_staged_data_passes_the_schema(tmp_path: Path) -> None:
    rows = _deaths_rows(50)
    rows[10] = rows[10].replace("2023-", "2023-02-30x", 1)
    rows.append(rows[3])
    path = _write(tmp_path / "in" / "deaths.csv", rows)
    result = ingest_file(path, DATASETS["deaths"], tmp_path / "out", ctx=RunContext(AS_OF))
    assert (result.rows_in, result.rows_valid, result.rows_quarantined) == (51, 49, 2)
    staged = pl.scan_parquet(tmp_path / "out" / "staged" / "deaths.parquet")
    DATASETS["deaths"].schema_as_of(AS_OF).validate(staged, lazy=True).collect()
    quarantine = pl.read_parquet(tmp_path / "out" / "quarantine" / "deaths.parquet")
    assert quarantine.get_column("_source_row").to_list() == [12, 52]
    assert "备注" in quarantine.columns


def test_a_file_split_in_chunks_gives_the_same_result_as_one_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huimin import ingest

    rows = _deaths_rows(200)
    for at in (5, 77, 150, 199):  # problems in several chunks, some with several reasons
        rows[at] = rows[at].replace("2023-", "2023-13-", 1).replace("公安", "派出所")
    rows[120] = rows[120].replace("人120", "人\x00120")
    rows.append(rows[3])  # a duplicate in a later chunk than its first copy
    path = _write(tmp_path / "in" / "deaths.csv", rows)
    outputs = []
    for chunk_rows in (1_000_000, 30):
        monkeypatch.setattr(ingest, "CHUNK_ROWS", chunk_rows)
        out = tmp_path / f"out-{chunk_rows}"
        result = ingest_file(path, DATASETS["deaths"], out, ctx=RunContext(AS_OF))
        staged = pl.read_parquet(out / "staged" / "deaths.parquet")
        quarantine = pl.read_parquet(out / "quarantine" / "deaths.parquet")
        outputs.append((result.reasons, staged, quarantine))
    (reasons, staged, quarantine), (chunked_reasons, chunked_staged, chunked_quarantine) = outputs
    assert reasons == chunked_reasons
    assert staged.equals(chunked_staged) and staged.height == 195
    assert quarantine.equals(chunked_quarantine) and quarantine.height == 6


def test_row_order_does_not_change_the_staged_content(tmp_path: Path) -> None:
    rows = _deaths_rows(200)
    shuffled = rows.copy()
    random.Random(7).shuffle(shuffled)
    frames = []
    for name, body in (("a", rows), ("b", shuffled)):
        path = _write(tmp_path / name / "deaths.csv", body)
        ingest_file(path, DATASETS["deaths"], tmp_path / f"out-{name}", ctx=RunContext(AS_OF))
        staged = pl.read_parquet(tmp_path / f"out-{name}" / "staged" / "deaths.parquet")
        frames.append(staged.drop("_source_row").sort(pl.all()))
    assert frames[0].equals(frames[1])


def test_gbk_is_detected_from_the_bytes(tmp_path: Path) -> None:
    path = _write(tmp_path / "in" / "deaths.csv", _deaths_rows(5), encoding="gb18030")
    run = ingest_folder(tmp_path / "in", tmp_path / "out", as_of=AS_OF)
    (result,) = run.results
    assert (result.encoding, result.rows_valid) == ("gb18030", 5)
    assert path.exists()


def test_a_crash_while_writing_leaves_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "staged.parquet"
    atomic.write_parquet(pl.DataFrame({"a": [1]}), target)

    def broken(self: pl.DataFrame, file: Path, **kwargs: object) -> None:
        Path(file).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", broken)
    with pytest.raises(OSError, match="disk full"):
        atomic.write_parquet(pl.DataFrame({"a": [2]}), target)
    monkeypatch.undo()
    assert pl.read_parquet(target).get_column("a").to_list() == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["staged.parquet"]


def test_temporary_files_live_in_the_work_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copies of the rows are made inside ``work`` (the run's own folder), then removed."""
    from huimin import readers
    from huimin.context import RunContext

    path = _write(tmp_path / "deaths.csv", _deaths_rows(20))
    seen: list[Path] = []
    real = readers.normalise_csv

    def spy(source: Path, encoding: str, target: Path) -> readers.CsvLayout:
        seen.append(target)
        return real(source, encoding, target)

    monkeypatch.setattr(readers, "normalise_csv", spy)
    work = tmp_path / "work"
    result = ingest_file(
        path, DATASETS["deaths"], tmp_path / "out", ctx=RunContext(as_of=AS_OF), work=work
    )
    assert result.rows_in == 20
    assert seen and all(work in target.parents for target in seen)
    assert not list(work.iterdir())
    assert not list((tmp_path / "out").glob(".huimin-work-*"))
