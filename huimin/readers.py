"""Read a department's file into a frame of strings, whatever its form.

CSV in UTF-8, UTF-8 with BOM or GBK/GB18030 (detected from the bytes, not the extension),
XLSX with Chinese headers (the header row is found even under a merged title row), or Parquet.
Every value comes back as text, with ``_source_row``: the row number as the file shows it
(CSV: the line number, header = line 1; XLSX: the Excel row number; Parquet: 1-based position).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from huimin.errors import DataFileError

SOURCE_ROW = "_source_row"
HEADER_SCAN_ROWS = 30
SNIFF_BYTES = 1 << 20
TRANSCODE_CHUNK = 16 << 20


@dataclass(frozen=True)
class RawTable:
    """A file read as text, before any renaming or parsing.

    ``frame`` is lazy: large CSV files are streamed into a Parquet copy in the work folder so
    no more than a chunk of rows is ever held in memory by the steps that follow.
    """

    frame: pl.LazyFrame
    rows: int
    file_format: str  # csv, xlsx, parquet
    encoding: str | None  # for CSV: utf-8, utf-8-sig or gb18030
    header_row: int  # the row number of the header as the file shows it (0 for parquet)
    numeric_cells: dict[str, int]  # cells stored as numbers per column (XLSX cells, Parquet)


def header_key(text: str) -> str:
    """Compare headers loosely: no spaces or line breaks, full-width brackets, lower case."""
    cleaned = "".join(str(text).split()).replace("\ufeff", "").replace("\u3000", "")
    return cleaned.replace("(", "（").replace(")", "）").lower()


def find_header(rows: list[list[str | None]], known: set[str]) -> int:
    """Index of the row with the most known headers (ties: the first); title rows are skipped."""
    best, best_hits = 0, 0
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        hits = sum(1 for cell in row if cell is not None and header_key(cell) in known)
        if hits > best_hits:
            best, best_hits = index, hits
    return best


def detect_encoding(path: Path) -> str:
    """utf-8-sig when a BOM starts the file, utf-8 when the bytes decode as such, else gb18030."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SNIFF_BYTES)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _transcode_to_utf8(path: Path, encoding: str, workdir: Path) -> Path:
    """Stream a GBK file into UTF-8 so polars can read it without holding it in Python."""
    target = workdir / (path.stem + ".utf8.csv")
    decoder = codecs.getincrementaldecoder(encoding)()
    done = 0
    with path.open("rb") as src, target.open("wb") as dst:
        try:
            while chunk := src.read(TRANSCODE_CHUNK):
                dst.write(decoder.decode(chunk).encode("utf-8"))
                done += len(chunk)
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError as exc:
            raise DataFileError(
                path,
                f"is not text in UTF-8 or GBK (byte {done + exc.start} cannot be decoded)",
                CSV_FIX,
            ) from exc
    return target


BINARY_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "is an Excel workbook (.xlsx), not CSV", "rename it to .xlsx"),
    (
        b"\xd0\xcf\x11\xe0",
        "is an old Excel workbook (.xls), not CSV",
        "open it in Excel and save it as .xlsx",
    ),
    (b"PAR1", "is a Parquet file, not CSV", "rename it to .parquet"),
    (
        codecs.BOM_UTF16_LE,
        "is UTF-16 text (Excel 'Unicode text'), not CSV",
        "save it from Excel as 'CSV UTF-8 (逗号分隔)'",
    ),
    (
        codecs.BOM_UTF16_BE,
        "is UTF-16 text, not CSV",
        "save it from Excel as 'CSV UTF-8 (逗号分隔)'",
    ),
)
CSV_FIX = "save it as CSV in UTF-8 (Excel: 'CSV UTF-8 (逗号分隔)') or as .xlsx"


def _refuse_binary(path: Path) -> None:
    """A workbook or Parquet file renamed to .csv: say what it is instead of decoding garbage."""
    with path.open("rb") as handle:
        start = handle.read(8)
    for magic, problem, fix in BINARY_SIGNATURES:
        if start.startswith(magic):
            raise DataFileError(path, problem, fix)


SEPARATORS = (",", "\t", ";", "|")


def _csv_head(path: Path, encoding: str, separator: str) -> list[list[str | None]]:
    with path.open("rb") as handle:
        text = handle.read(SNIFF_BYTES).decode(encoding, errors="replace")
    lines = text.splitlines()[:HEADER_SCAN_ROWS]
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=separator)
    return [list(row) for row in reader]


def _header_hits(head: list[list[str | None]], known: set[str]) -> int:
    return max(
        (sum(1 for cell in row if cell and header_key(cell) in known) for row in head), default=0
    )


def detect_separator(path: Path, encoding: str, known: set[str]) -> str:
    """The separator under which the most known headers appear (a comma when none does).

    Some systems export "CSV" with tabs or semicolons; reading those with commas would make
    one column of everything.
    """
    hits = {sep: _header_hits(_csv_head(path, encoding, sep), known) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: hits[sep])
    return best if hits[best] > hits[","] else ","


def read_csv(path: Path, known: set[str], workdir: Path) -> RawTable:
    _refuse_binary(path)
    encoding = detect_encoding(path)
    separator = detect_separator(path, encoding, known)
    head = _csv_head(path, encoding, separator)
    if not any(any(cell.strip() for cell in row if cell) for row in head):
        raise DataFileError(
            path, "the file is empty (no header row)", "send the file again with its rows"
        )
    header = find_header(head, known)
    source = path if encoding != "gb18030" else _transcode_to_utf8(path, encoding, workdir)
    staged = workdir / f"{path.stem}.raw.parquet"
    try:
        _stage_csv_text(path, source, header, staged, separator)
    except pl.exceptions.ComputeError as exc:
        if encoding == "gb18030" or "utf-8" not in str(exc).lower():
            raise DataFileError(path, f"cannot be read as CSV ({exc})", CSV_FIX) from exc
        # looked like UTF-8 at the start but is GB18030 further on
        encoding = "gb18030"
        transcoded = _transcode_to_utf8(path, encoding, workdir)
        _stage_csv_text(path, transcoded, header, staged, separator)
    frame = pl.scan_parquet(staged)
    return RawTable(frame, _count(frame), "csv", encoding, header + 1, {})


def _count(frame: pl.LazyFrame) -> int:
    return int(frame.select(pl.len()).collect().item())


def _stage_csv_text(path: Path, source: Path, header: int, target: Path, separator: str) -> None:
    """Stream a UTF-8 CSV as text into Parquet, numbering rows as the file shows them.

    A row with more (non-empty) fields than the header is an error: silently dropping the
    extra fields would shift values (``1,234.50`` without quotes becomes 1 and "234.50").
    """

    def stage(truncate: bool) -> None:
        frame = pl.scan_csv(
            source,
            skip_rows=header,
            has_header=True,
            infer_schema=False,
            encoding="utf8",
            truncate_ragged_lines=truncate,
            separator=separator,
        )
        frame = frame.rename(lambda name: name.lstrip("\ufeff"))
        frame = frame.with_row_index(SOURCE_ROW, offset=header + 2).with_columns(
            pl.col(SOURCE_ROW).cast(pl.Int64)
        )
        frame.sink_parquet(target, compression="lz4")

    try:
        stage(truncate=False)
        return
    except pl.exceptions.ComputeError as exc:
        if "more fields" not in str(exc):
            raise
    _refuse_long_rows(path, source, header, separator)
    stage(truncate=True)


def _refuse_long_rows(
    path: Path, source: Path, header: int, separator: str, shown: int = 3
) -> None:
    """Raise for rows with more non-empty fields than the header (empty trailing ones are fine)."""
    long_rows: list[tuple[int, int]] = []
    width = 0
    count = 0
    with source.open(encoding="utf-8-sig", newline="") as handle:
        for index, row in enumerate(csv.reader(handle, delimiter=separator)):
            if index < header:
                continue
            if index == header:
                width = len(row)
                continue
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                count += 1
                if len(long_rows) < shown:
                    long_rows.append((index + 1, len(row)))
    if not long_rows:
        return
    where = ", ".join(f"row {row} has {n}" for row, n in long_rows)
    more = f" and {count - shown} more" if count > shown else ""
    raise DataFileError(
        path,
        f"{count} row{'s' if count > 1 else ''} with more fields than the {width} of the header "
        f"({where}{more}), so values would shift columns",
        'put quotes around values that contain a comma ("1,234.50") or export the file again',
    )


def read_xlsx(path: Path, known: set[str], workdir: Path) -> RawTable:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        index = _table_sheet(reader, known)
        sheet = reader.load_sheet(index, header_row=None, dtypes="string")
        grid = sheet.to_polars()
    except Exception as exc:  # fastexcel raises its own exception types
        raise DataFileError(
            path, f"cannot be read as an Excel workbook ({type(exc).__name__})", "save it as .xlsx"
        ) from exc
    if grid.height == 0:
        raise DataFileError(path, "the workbook's first sheet is empty", "put the table there")
    head = [list(row) for row in grid.head(HEADER_SCAN_ROWS).iter_rows()]
    header = find_header(head, known)
    names = _unique_names([cell if cell is not None else "" for cell in head[header]])
    body = grid.slice(header + 1)
    body.columns = names
    body = body.with_row_index(SOURCE_ROW, offset=header + 2).with_columns(
        pl.col(SOURCE_ROW).cast(pl.Int64)
    )
    # fastexcel leaves blank rows below the table; a row with no cell at all is not data
    data_columns = [name for name in names if name]
    body = body.filter(pl.any_horizontal(pl.col(data_columns).is_not_null()))
    numeric = _numeric_xlsx_cells(path, index, header, names)
    return RawTable(body.lazy(), body.height, "xlsx", None, header + 1, numeric)


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for raw in names:
        name = str(raw).strip() or "_blank"
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}_{count}")
    return out


def _table_sheet(reader: Any, known: set[str]) -> int:
    """The sheet holding the table: the one whose top rows show the most known headers
    (a workbook may start with a cover or 填报说明 sheet); the first on a tie."""
    best, best_hits = 0, 0
    for index in range(len(reader.sheet_names)):
        grid = reader.load_sheet(
            index, header_row=None, dtypes="string", n_rows=HEADER_SCAN_ROWS
        ).to_polars()
        hits = _header_hits([list(row) for row in grid.iter_rows()], known)
        if hits > best_hits:
            best, best_hits = index, hits
    return best


def _numeric_xlsx_cells(path: Path, sheet: int, header: int, names: list[str]) -> dict[str, int]:
    """How many cells of each column are stored as numbers (calamine keeps cell types)."""
    from python_calamine import CalamineWorkbook

    cells = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(sheet)
    counts: Counter[int] = Counter()
    for index, row in enumerate(cells.iter_rows()):
        if index > header:
            counts.update(i for i, cell in enumerate(row) if isinstance(cell, int | float))
    return {names[i]: n for i, n in sorted(counts.items()) if i < len(names)}


def read_parquet(path: Path, known: set[str], workdir: Path) -> RawTable:
    try:
        frame = pl.scan_parquet(path)
        schema = frame.collect_schema()
        rows = _count(frame)
    except Exception as exc:  # polars raises several exception types for broken files
        raise DataFileError(
            path,
            f"cannot be read as Parquet ({type(exc).__name__}; the file may be cut short)",
            "export it again as .parquet, or send .csv or .xlsx",
        ) from exc
    numbers = [name for name, dtype in schema.items() if dtype.is_numeric()]
    counts = frame.select(pl.col(numbers).count()).collect().row(0) if numbers else ()
    frame = frame.with_columns(_as_text(name, dtype) for name, dtype in schema.items())
    frame = frame.with_row_index(SOURCE_ROW, offset=1).with_columns(
        pl.col(SOURCE_ROW).cast(pl.Int64)
    )
    return RawTable(frame, rows, "parquet", None, 0, dict(zip(numbers, counts, strict=True)))


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Date:
        return pl.col(name).dt.to_string("%Y-%m-%d")
    if dtype.is_float():
        return pl.col(name).round(6).cast(pl.String).str.replace(r"\.0$", "")
    return pl.col(name).cast(pl.String)


READERS: dict[str, Callable[[Path, set[str], Path], RawTable]] = {
    ".csv": read_csv,
    ".xlsx": read_xlsx,
    ".parquet": read_parquet,
}


def read_table(path: Path, known_headers: set[str], workdir: Path) -> RawTable:
    """Read ``path`` by its form; ``known_headers`` (as :func:`header_key`) locate the header.

    ``workdir`` holds intermediate copies and must live as long as the returned frame is used.
    """
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DataFileError(path, "is not CSV, XLSX or Parquet", "send .csv, .xlsx or .parquet")
    if path.stat().st_size == 0:
        raise DataFileError(path, "the file is empty (0 bytes)", "send the file again")
    return reader(path, known_headers, workdir)
