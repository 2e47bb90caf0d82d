"""Reading files: line endings, record counts independent of the parser, hostile workbooks."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import tempfile
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huimin.context import Limits, RunContext
from huimin.errors import DataFileError
from huimin.ingest import ingest_file
from huimin.readers import SOURCE_ROW, normalise_csv, read_table
from huimin.schemas import DATASETS

AS_OF = dt.date(2024, 1, 1)
A = "420112193503120112"
B = "420112193807040226"
KNOWN = {"a", "b", "c"}


def _generator() -> ModuleType:
    path = Path(__file__).parent / "bad_inputs" / "make_cases.py"
    spec = importlib.util.spec_from_file_location("make_cases", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cell = st.text(alphabet=st.sampled_from(list('ab张,"\n\r ')), max_size=6)
ending = st.sampled_from(["\n", "\r\n", "\r"])


def _quote(value: str) -> str:
    if any(c in value for c in ',"\n\r') or value == "":
        return '"' + value.replace('"', '""') + '"'
    return value


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(cell, cell, cell), min_size=1, max_size=12),
    st.lists(ending, min_size=13, max_size=13),
    st.booleans(),
)
def test_records_and_start_lines_match_a_csv_reader(
    rows: list[tuple[str, str, str]], ends: list[str], trailing: bool
) -> None:
    lines = ["a,b,c"] + [",".join(_quote(v) for v in row) for row in rows]
    text = "".join(line + ends[i] for i, line in enumerate(lines[:-1])) + lines[-1]
    text += ends[-1] if trailing else ""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "t.csv"
        source.write_bytes(text.encode())
        layout = normalise_csv(source, "utf-8", Path(tmp) / "n.csv")
        raw = read_table(source, KNOWN, Path(tmp))
        frame = raw.frame.collect()
    assert layout.records == len(lines)
    assert raw.rows == len(rows)
    assert [tuple(r) for r in frame.select("a", "b", "c").fill_null("").rows()] == rows
    # the line each record starts on, as Python's csv module counts lines
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, line = [], 1
    for _ in reader:
        starts.append(line)
        line = reader.line_num + 1
    assert frame[SOURCE_ROW].to_list() == starts[1:]


def test_bare_cr_records_are_not_glued(tmp_path: Path) -> None:
    body = "".join(f"{A},名{i},2023-05-01,公安\r" for i in range(50))
    path = tmp_path / "deaths.csv"
    path.write_bytes(("id_number,name,death_date,source\r" + body).encode())
    raw = read_table(path, {"id_number", "name"}, tmp_path)
    assert raw.rows == 50
    assert raw.frame.collect()[SOURCE_ROW].to_list() == list(range(2, 52))


def test_a_parser_message_never_reaches_the_error(tmp_path: Path) -> None:
    rows = [f'{A},张"三,2023-05-01,公安'] + [f"{B},李四{i},2023-06-01,殡葬" for i in range(200)]
    path = tmp_path / "deaths.csv"
    path.write_text("id_number,name,death_date,source\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataFileError) as caught:
        read_table(path, {"id_number", "name"}, tmp_path)
    message = caught.value.one_line()
    assert "line 2" in message and A not in message and B not in message and "李四" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_gbk_with_bare_cr(tmp_path: Path) -> None:
    path = tmp_path / "deaths.csv"
    text = (
        f"公民身份号码,姓名,死亡日期,数据来源\r{A},张三,2023-05-01,公安\r{B},李四,2023-06-01,殡葬\r"
    )
    path.write_bytes(text.encode("gbk"))
    raw = read_table(path, {"公民身份号码", "姓名"}, tmp_path)
    assert raw.encoding == "gb18030" and raw.rows == 2
    assert raw.frame.collect()["姓名"].to_list() == ["张三", "李四"]


def test_xlsx_limits_are_read_from_the_zip_directory(tmp_path: Path) -> None:
    path = tmp_path / "deaths.xlsx"
    path.write_bytes(_generator().xlsx_bomb())
    with pytest.raises(DataFileError, match="xlsx_max_ratio"):
        read_table(path, {"id_number"}, tmp_path)
    with pytest.raises(DataFileError, match="xlsx_max_uncompressed"):
        read_table(path, {"id_number"}, tmp_path, Limits(xlsx_max_uncompressed=1 << 20))
    raw = read_table(path, {"id_number"}, tmp_path, Limits(xlsx_max_ratio=10_000))
    assert raw.rows == 1


def test_a_workbook_that_is_no_zip(tmp_path: Path) -> None:
    path = tmp_path / "deaths.xlsx"
    path.write_bytes(b"not a zip at all" * 10)
    with pytest.raises(DataFileError, match="not a zip package"):
        read_table(path, {"id_number"}, tmp_path)


def test_legacy_xls_is_read_and_ingested(tmp_path: Path) -> None:
    path = tmp_path / "deaths.xls"
    path.write_bytes(_generator().old_xls())
    ctx = RunContext(as_of=AS_OF)
    result = ingest_file(path, DATASETS["deaths"], tmp_path / "out", ctx=ctx, work=tmp_path / "w")
    assert (result.file_format, result.rows_in, result.rows_valid) == ("xls", 3, 2)
    staged = pl.read_parquet(tmp_path / "out" / "staged" / "deaths.parquet")
    assert staged[SOURCE_ROW].to_list() == [2, 3]


def test_legacy_xls_with_number_ids_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deaths.xls"
    path.write_bytes(_generator().excel_number_ids_xls())
    with pytest.raises(DataFileError, match="stored as numbers"):
        ingest_file(path, DATASETS["deaths"], tmp_path / "out", ctx=RunContext(as_of=AS_OF))


@pytest.mark.parametrize(
    ("header", "words"),
    [("a,b,a", "'a' and 'a' have the same header"), ("a,b,A ", "read as the same column")],
)
def test_ambiguous_headers_are_refused(tmp_path: Path, header: str, words: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(header + "\n1,2,3\n")
    with pytest.raises(DataFileError, match=words):
        read_table(path, KNOWN, tmp_path)


def test_blank_headers_are_not_ambiguous(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b,,\n1,2,,\n")
    assert read_table(path, KNOWN, tmp_path).rows == 1


def test_a_large_csv_streamed_to_parquet_reads_as_a_small_one_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huimin import readers

    path = tmp_path / "t.csv"
    path.write_text('名单\na,b,c\n1,"x\ny",3\n4,5\n,,\n"7",8,9\n', encoding="gb18030")
    (tmp_path / "small").mkdir()
    (tmp_path / "large").mkdir()
    small = read_table(path, KNOWN, tmp_path / "small")
    assert not list((tmp_path / "small").glob("*.raw.parquet"))
    monkeypatch.setattr(readers, "IN_MEMORY_CSV_BYTES", 0)
    large = read_table(path, KNOWN, tmp_path / "large")
    assert list((tmp_path / "large").glob("*.raw.parquet"))
    assert (small.rows, small.encoding, small.header_row) == (large.rows, "gb18030", 2)
    assert small.frame.collect().equals(large.frame.collect())
    assert small.frame.collect()[SOURCE_ROW].to_list() == [3, 5, 6, 7]
