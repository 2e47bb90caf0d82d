"""Spreadsheets people open: every text cell stays text, never a formula, a link or a number.

A name such as ``=HYPERLINK("http://x","click")`` in a roster is data. Written to a workbook
with default options it becomes a live formula, and in a CSV file opened in Excel or WPS it
runs as one (CSV injection). So:

* workbooks are opened with :func:`safe_workbook`: strings are written as strings, whatever
  they start with (``strings_to_formulas``, ``strings_to_urls`` and ``strings_to_numbers`` off),
  which covers ``DataFrame.write_excel`` too; single cells go through :func:`write_text_cell`;
* CSV files are written with :func:`write_csv`, which neutralises every text cell
  (:func:`neutralise_csv_cell`) and writes atomically.

ID numbers in a CSV file are text but Excel turns an 18-digit cell into a number when it opens
the file, losing the last digits: returns to departments that carry ID numbers are better sent
as XLSX (their ID cells are strings).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import polars as pl
import xlsxwriter

from huimin.atomic import atomic_path

#: options every workbook huimin writes is opened with
WORKBOOK_OPTIONS: Final[dict[str, bool]] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
#: a CSV cell starting with one of these is read as a formula by spreadsheet programs (OWASP)
CSV_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_CSV_FORMULA_REGEX = r"^[=+\-@\t\r]"
_TEXT_TYPES = (pl.String, pl.Categorical, pl.Enum)


def safe_workbook(path: Path | str, *, constant_memory: bool = False, **options: Any) -> Any:
    """An ``xlsxwriter.Workbook`` at ``path`` that writes every string as a string.

    ``constant_memory`` streams rows to disk (for large sheets, written row by row); further
    ``options`` are passed on, but the three string options of :data:`WORKBOOK_OPTIONS` always
    win. Use it as a context manager or call ``close()``.
    """
    merged = {**options, "constant_memory": constant_memory, **WORKBOOK_OPTIONS}
    return xlsxwriter.Workbook(str(path), merged)


def write_text_cell(
    worksheet: Any, row: int, col: int, value: str | None, cell_format: Any = None
) -> None:
    """Write ``value`` into a cell as text (a blank cell for ``None``), even if it looks like a
    formula, a URL or a number, whatever options the workbook was opened with."""
    if value is None:
        worksheet.write_blank(row, col, None, cell_format)
    else:
        worksheet.write_string(row, col, value, cell_format)


def neutralise_csv_cell(value: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would read as a formula (OWASP CSV injection).

    A value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe, which spreadsheets show as text; anything else is returned unchanged. A negative
    number written as text (``-10``) is prefixed too: write numbers in numeric columns.
    """
    return f"'{value}" if value.startswith(CSV_FORMULA_STARTS) else value


def neutralise_csv(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with :func:`neutralise_csv_cell` applied to every text column (numbers, dates and
    booleans are left as they are; categorical columns become strings)."""
    text = [name for name, dtype in frame.schema.items() if isinstance(dtype, _TEXT_TYPES)]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(name).cast(pl.String).str.contains(_CSV_FORMULA_REGEX))
        .then(pl.lit("'") + pl.col(name).cast(pl.String))
        .otherwise(pl.col(name).cast(pl.String))
        .alias(name)
        for name in text
    )


def write_csv(frame: pl.DataFrame, path: Path, *, bom: bool = True) -> Path:
    """Write ``frame`` as UTF-8 CSV at ``path``, atomically, every text cell neutralised.

    ``bom`` (default on) starts the file with a byte-order mark so that Excel and WPS read the
    Chinese text as UTF-8. Nulls are empty cells.
    """
    safe = neutralise_csv(frame)
    with atomic_path(path) as tmp:
        safe.write_csv(tmp, include_bom=bom, null_value="")
    return path


#: sheet name, title above the header, the table
Sheet = tuple[str, str, pl.DataFrame]


def _width(frame: pl.DataFrame, column: str) -> float:
    longest = max([len(column), *(len(str(v)) for v in frame.get_column(column).head(200))])
    return float(min(40, max(8, 2 * longest)))


def write_sheets(sheets: list[Sheet], path: Path) -> Path:
    """One workbook, a sheet per table: a title row, the header, then the rows; every text
    cell written as text (never a formula), numbers as numbers."""
    with atomic_path(path) as tmp:
        workbook = safe_workbook(tmp)
        head = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        bold = workbook.add_format({"bold": True, "font_size": 14})
        for name, title, frame in sheets:
            sheet = workbook.add_worksheet(name)
            write_text_cell(sheet, 0, 0, title, bold)
            for col, header in enumerate(frame.columns):
                write_text_cell(sheet, 1, col, header, head)
                sheet.set_column(col, col, _width(frame, header))
            for r, row in enumerate(frame.iter_rows(), start=2):
                for col, value in enumerate(row):
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        sheet.write_number(r, col, float(value))
                    else:
                        write_text_cell(sheet, r, col, None if value is None else str(value))
            sheet.freeze_panes(2, 0)
        workbook.close()
    return path
