"""Read a department's file into a frame of strings, whatever its form.

CSV in UTF-8, UTF-8 with BOM or GBK/GB18030 (detected from the bytes, not the extension),
XLSX with Chinese headers (the header row is found even under a merged title row), or Parquet.
Legacy .xls workbooks are read as well. Every value comes back as text, with ``_source_row``:
the row number as the file shows it (CSV: the line where the record starts, header = line 1,
counting every line break, also those inside quoted values; XLSX/XLS: the Excel row number;
Parquet: 1-based position).

No error raised here quotes a row of data: a parser's own message may carry whole rows (ID
numbers, names), so it is summarised as the file, the line where known and the problem in words.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl

from huimin.context import Limits
from huimin.csvbytes import CSV_FIX, CsvLayout, locate_stray_quote, normalise_csv
from huimin.errors import DataFileError

SOURCE_ROW = "_source_row"
HEADER_SCAN_ROWS = 30
SNIFF_BYTES = 1 << 20
#: a CSV file (as UTF-8) up to this size is parsed into memory, a larger one into a Parquet
#: copy in the work folder, read back a chunk at a time
IN_MEMORY_CSV_BYTES = 64 << 20
#: below this many unpacked bytes an .xlsx is not judged by its compression ratio
XLSX_RATIO_FLOOR = 1 << 20


@dataclass(frozen=True)
class RawTable:
    """A file read as text, before any renaming or parsing.

    ``frame`` is lazy: large CSV files are streamed into a Parquet copy in the work folder so
    no more than a chunk of rows is ever held in memory by the steps that follow.
    """

    frame: pl.LazyFrame
    rows: int
    file_format: str  # csv, xlsx, xls, parquet
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


BINARY_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "is an Excel workbook (.xlsx), not CSV", "rename it to .xlsx"),
    (
        b"\xd0\xcf\x11\xe0",
        "is an old Excel workbook (.xls), not CSV",
        "rename it to .xls",
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


def _refuse_binary(path: Path) -> None:
    """A workbook or Parquet file renamed to .csv: say what it is instead of decoding garbage."""
    with path.open("rb") as handle:
        start = handle.read(8)
    for magic, problem, fix in BINARY_SIGNATURES:
        if start.startswith(magic):
            raise DataFileError(path, problem, fix)


SEPARATORS = (",", "\t", ";", "|")


def _csv_head(layout: CsvLayout, separator: str) -> list[list[str | None]]:
    """The first records (title rows, header, a few rows), read with quoted values intact."""
    with layout.path.open("rb") as handle:
        data = handle.read(SNIFF_BYTES)
        if handle.read(1):
            data = data[: data.rfind(b"\n") + 1] or data
    text = data.decode("utf-8", errors="replace")
    rows: list[list[str | None]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        for row in reader:
            rows.append(list(row))
            if len(rows) >= HEADER_SCAN_ROWS:
                break
    except csv.Error:
        pass  # a very long or broken record: the rows before it are enough to find the header
    return rows


def _header_hits(head: list[list[str | None]], known: set[str]) -> int:
    return max(
        (sum(1 for cell in row if cell and header_key(cell) in known) for row in head), default=0
    )


def detect_separator(layout: CsvLayout, known: set[str]) -> str:
    """The separator under which the most known headers appear (a comma when none does).

    Some systems export "CSV" with tabs or semicolons; reading those with commas would make
    one column of everything.
    """
    hits = {sep: _header_hits(_csv_head(layout, sep), known) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: hits[sep])
    return best if hits[best] > hits[","] else ","


def refuse_ambiguous_headers(path: Path, names: list[str]) -> None:
    """Two header cells that are the same, or read as the same column, make a file ambiguous."""
    seen: dict[str, str] = {}
    for name in names:
        text = str(name).strip()
        if not text:
            continue  # blank headers above empty columns are common and harmless
        key = header_key(text)
        first = seen.get(key)
        if first is not None:
            same = "the same header" if first == text else "headers read as the same column"
            raise DataFileError(
                path,
                f"columns '{_short(first)}' and '{_short(text)}' have {same}, so which one "
                "holds the data is ambiguous",
                "rename or remove one of the two columns and send the file again",
            )
        seen[key] = text


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def read_csv(path: Path, known: set[str], workdir: Path, limits: Limits | None = None) -> RawTable:
    _refuse_binary(path)
    encoding = detect_encoding(path)
    layout = normalise_csv(path, encoding, workdir / f"{path.stem}.norm.csv")
    separator = detect_separator(layout, known)
    head = _csv_head(layout, separator)
    if not any(any(cell.strip() for cell in row if cell) for row in head):
        raise DataFileError(
            path, "the file is empty (no header row)", "send the file again with its rows"
        )
    header = find_header(head, known)
    refuse_ambiguous_headers(path, [cell or "" for cell in head[header]])
    staged = workdir / f"{path.stem}.raw.parquet"
    try:
        frame = _stage_csv_text(path, layout, header, staged, separator)
    except pl.exceptions.PolarsError as exc:
        if encoding == "gb18030" or "utf-8" not in str(exc).lower():
            raise _unreadable_csv(path, layout, separator, exc) from None
        # looked like UTF-8 at the start but is GB18030 further on
        encoding = "gb18030"
        layout = normalise_csv(path, encoding, layout.path)
        try:
            frame = _stage_csv_text(path, layout, header, staged, separator)
        except pl.exceptions.PolarsError as again:
            raise _unreadable_csv(path, layout, separator, again) from None
    rows = _count(frame)
    expected = layout.records - (header + 1)
    if rows != expected:
        raise _count_mismatch(path, layout, separator, expected, rows)
    return RawTable(frame, rows, "csv", encoding, layout.start_line(header), {})


def _unreadable_csv(path: Path, layout: CsvLayout, separator: str, exc: Exception) -> DataFileError:
    """The parser gave up: say where and why in words; its own message may quote whole rows."""
    found = locate_stray_quote(layout, separator)
    if found is not None:
        line, problem = found
        return DataFileError(
            path,
            f"cannot be read as CSV (line {line}: {problem})",
            QUOTE_FIX,
        )
    return DataFileError(
        path,
        f"cannot be read as CSV (the parser stopped: {type(exc).__name__}; the records are "
        "not consistent CSV)",
        CSV_FIX,
    )


QUOTE_FIX = (
    'put a value holding a quote in quotes as a whole with its quote doubled ("6"" pipe") '
    "or remove the quote; or export the file again"
)


def _count_mismatch(
    path: Path, layout: CsvLayout, separator: str, expected: int, rows: int
) -> DataFileError:
    """The parser read a different number of rows than the line breaks and quotes say."""
    found = locate_stray_quote(layout, separator)
    where = f"line {found[0]}: {found[1]}" if found else "the quote characters do not pair up"
    return DataFileError(
        path,
        f"{expected} records by its line breaks and quotes but {rows} rows as parsed, so rows "
        f"would be lost or glued together ({where})",
        QUOTE_FIX,
    )


def _count(frame: pl.LazyFrame) -> int:
    return int(frame.select(pl.len()).collect().item())


def _stage_csv_text(
    path: Path, layout: CsvLayout, header: int, target: Path, separator: str
) -> pl.LazyFrame:
    """Parse the normalised CSV as text, numbering rows as the file shows them: into memory
    when small, else streamed into a Parquet copy at ``target``.

    A row with more (non-empty) fields than the header is an error: silently dropping the
    extra fields would shift values (``1,234.50`` without quotes becomes 1 and "234.50").
    """
    in_memory = layout.path.stat().st_size <= IN_MEMORY_CSV_BYTES

    def stage(truncate: bool) -> pl.LazyFrame:
        frame = pl.scan_csv(
            layout.path,
            skip_rows=header,
            has_header=True,
            infer_schema=False,
            encoding="utf8",
            truncate_ragged_lines=truncate,
            separator=separator,
        )
        frame = frame.rename(lambda name: name.lstrip("\ufeff"))
        if layout.starts is None:
            frame = frame.with_row_index(SOURCE_ROW, offset=header + 2)
        else:
            # records with line breaks inside quotes: the start lines counted from the bytes,
            # side by side with the parsed rows (a count mismatch is refused after staging)
            lines = pl.LazyFrame({SOURCE_ROW: layout.starts[header + 1 :]})
            frame = pl.concat([lines, frame], how="horizontal")
        frame = frame.with_columns(pl.col(SOURCE_ROW).cast(pl.Int64))
        if in_memory:  # the same streaming parser either way
            return frame.collect(engine="streaming").lazy()
        frame.sink_parquet(target, compression="lz4")
        return pl.scan_parquet(target)

    try:
        return stage(truncate=False)
    except pl.exceptions.ComputeError as exc:
        if "more fields" not in str(exc):
            raise
    _refuse_long_rows(path, layout.path, header, separator)
    return stage(truncate=True)


def _refuse_long_rows(
    path: Path, source: Path, header: int, separator: str, shown: int = 3
) -> None:
    """Raise for rows with more non-empty fields than the header (empty trailing ones are fine)."""
    long_rows: list[tuple[int, int]] = []
    width = 0
    count = 0
    with source.open(encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=separator)
        line = 1  # where the next record starts
        for index, row in enumerate(reader):
            start, line = line, reader.line_num + 1
            if index < header:
                continue
            if index == header:
                width = len(row)
                continue
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                count += 1
                if len(long_rows) < shown:
                    long_rows.append((start, len(row)))
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


def check_xlsx_package(path: Path, limits: Limits) -> None:
    """Refuse a workbook that is no zip, or unpacks too large (a "zip bomb"), before parsing.

    An .xlsx is a zip of XML parts; a 4 MB file can hold a sheet of gigabytes that the parser
    would unpack in memory. The sizes in the zip's directory are read, not the parts.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise DataFileError(
            path,
            f"cannot be read as an Excel workbook (it is not a zip package: {type(exc).__name__})",
            "save it as .xlsx",
        ) from None
    unpacked = sum(part.file_size for part in parts)
    packed = sum(part.compress_size for part in parts)
    if unpacked > limits.xlsx_max_uncompressed:
        raise DataFileError(
            path,
            f"the workbook unpacks to {_size(unpacked)}, over the limit of "
            f"{_size(limits.xlsx_max_uncompressed)} (xlsx_max_uncompressed)",
            "split the workbook or raise the limit (--max-xlsx-bytes)",
        )
    ratio = unpacked / max(packed, 1)
    if unpacked > XLSX_RATIO_FLOOR and ratio > limits.xlsx_max_ratio:
        raise DataFileError(
            path,
            f"the workbook unpacks to {ratio:.0f} times its packed size, over the limit of "
            f"{limits.xlsx_max_ratio:g} (xlsx_max_ratio): it may be a zip bomb",
            "split the workbook or raise the limit (--max-xlsx-ratio)",
        )


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def read_xlsx(path: Path, known: set[str], workdir: Path, limits: Limits | None = None) -> RawTable:
    check_xlsx_package(path, limits or Limits())
    return _read_workbook(path, known, "xlsx")


def read_xls(path: Path, known: set[str], workdir: Path, limits: Limits | None = None) -> RawTable:
    """A legacy Excel 97-2003 workbook (BIFF, .xls), read like an .xlsx."""
    return _read_workbook(path, known, "xls")


def _load_sheet(path: Path, index: int, dtype: Literal["string", "boolean"]) -> pl.DataFrame:
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    return reader.load_sheet(index, header_row=None, dtypes=dtype).to_polars()


def _read_workbook(path: Path, known: set[str], file_format: str) -> RawTable:
    import fastexcel

    try:
        index = _table_sheet(fastexcel.read_excel(str(path)), known)
        # the same cells as booleans: a cell is non-null there only when stored as a number
        # (or true/false), which says whether ID numbers were typed as numbers; the parser
        # lets go of the interpreter, so the two loads run side by side
        with ThreadPoolExecutor(max_workers=1) as pool:
            loading = pool.submit(_load_sheet, path, index, "boolean")
            grid = _load_sheet(path, index, "string")
            kinds = loading.result()
    except Exception as exc:  # fastexcel raises its own exception types
        raise DataFileError(
            path,
            f"cannot be read as an Excel workbook ({type(exc).__name__})",
            f"save it as .{file_format}" if file_format == "xlsx" else "save it as .xlsx",
        ) from None
    if grid.height == 0:
        raise DataFileError(path, "the workbook's first sheet is empty", "put the table there")
    head = [list(row) for row in grid.head(HEADER_SCAN_ROWS).iter_rows()]
    header = find_header(head, known)
    cells = [cell if cell is not None else "" for cell in head[header]]
    refuse_ambiguous_headers(path, cells)
    names = _unique_names(cells)
    body = grid.slice(header + 1)
    body.columns = names
    body = body.with_row_index(SOURCE_ROW, offset=header + 2).with_columns(
        pl.col(SOURCE_ROW).cast(pl.Int64)
    )
    # fastexcel leaves blank rows below the table; a row with no cell at all is not data
    data_columns = [name for name in names if not name.startswith(BLANK)]
    body = body.filter(pl.any_horizontal(pl.col(data_columns).is_not_null()))
    numeric = _numeric_cells(kinds.slice(header + 1), names)
    return RawTable(body.lazy(), body.height, file_format, None, header + 1, numeric)


BLANK = "_blank"


def _unique_names(names: list[str]) -> list[str]:
    """Blank headers (above empty columns) get names; other headers are unique already."""
    out = []
    blanks = 0
    for raw in names:
        name = str(raw).strip()
        if not name:
            name = BLANK if blanks == 0 else f"{BLANK}_{blanks}"
            blanks += 1
        out.append(name)
    return out


def _table_sheet(reader: Any, known: set[str]) -> int:
    """The sheet holding the table: the one whose top rows show the most known headers
    (a workbook may start with a cover or 填报说明 sheet); the first on a tie."""
    best, best_hits = 0, 0
    if len(reader.sheet_names) == 1:
        return best  # loading a sheet parses all of it, even for its top rows
    for index in range(len(reader.sheet_names)):
        grid = reader.load_sheet(
            index, header_row=None, dtypes="string", n_rows=HEADER_SCAN_ROWS
        ).to_polars()
        hits = _header_hits([list(row) for row in grid.iter_rows()], known)
        if hits > best_hits:
            best, best_hits = index, hits
    return best


def _numeric_cells(kinds: pl.DataFrame, names: list[str]) -> dict[str, int]:
    """How many cells of each column are stored as numbers, from the rows below the header
    loaded as booleans (the workbook keeps each cell's type; text cells load as null)."""
    counts = kinds.select(pl.all().count()).row(0)
    return {name: int(n) for name, n in zip(names, counts, strict=False) if n}


def read_parquet(
    path: Path, known: set[str], workdir: Path, limits: Limits | None = None
) -> RawTable:
    try:
        frame = pl.scan_parquet(path)
        schema = frame.collect_schema()
        rows = _count(frame)
    except Exception as exc:  # polars raises several exception types for broken files
        raise DataFileError(
            path,
            f"cannot be read as Parquet ({type(exc).__name__}; the file may be cut short)",
            "export it again as .parquet, or send .csv or .xlsx",
        ) from None
    refuse_ambiguous_headers(path, list(schema.names()))
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


READERS: dict[str, Callable[[Path, set[str], Path, Limits | None], RawTable]] = {
    ".csv": read_csv,
    ".xlsx": read_xlsx,
    ".xls": read_xls,
    ".parquet": read_parquet,
}


def read_table(
    path: Path, known_headers: set[str], workdir: Path, limits: Limits | None = None
) -> RawTable:
    """Read ``path`` by its form; ``known_headers`` (as :func:`header_key`) locate the header.

    ``workdir`` holds intermediate copies (personal data: keep it in the run's work folder)
    and must live as long as the returned frame is used. ``limits`` bound what a hostile file
    may cost (the defaults of :class:`Limits` when not given).
    """
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DataFileError(
            path, "is not CSV, XLSX, XLS or Parquet", "send .csv, .xlsx, .xls or .parquet"
        )
    if path.stat().st_size == 0:
        raise DataFileError(path, "the file is empty (0 bytes)", "send the file again")
    return reader(path, known_headers, workdir, limits)
