"""Turn the text a department sent into typed values, as vectorised polars expressions.

Parsing has two stages so each column's text is cleaned once: ``normalise`` (full-width digits,
spaces, separators) and ``convert`` (to the contract's type, null where the text cannot be
read). The ingest step compares "text present" with "value null" to say which cells did not
parse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl

from huimin import idnumber

EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_UNIX_DAY = (dt.date(1970, 1, 1) - EXCEL_EPOCH).days
_FW_DIGITS = [chr(0xFF10 + i) for i in range(10)] + ["．", "－", "，", "／", "＋"]
_HW_DIGITS = [str(i) for i in range(10)] + [".", "-", ",", "/", "+"]
TRUE_WORDS = ["是", "true", "True", "TRUE", "1", "Y", "y", "yes", "Yes", "YES", "T"]
FALSE_WORDS = ["否", "false", "False", "FALSE", "0", "N", "n", "no", "No", "NO", "F"]


def clean(expr: pl.Expr) -> pl.Expr:
    """Trim spaces (also full-width ones); an empty cell becomes null."""
    trimmed = expr.str.strip_chars(" \t\r\n\u3000\ufeff\xa0")
    return pl.when(trimmed.str.len_chars() > 0).then(trimmed)


def half_width_number(expr: pl.Expr) -> pl.Expr:
    """Full-width digits and signs to ASCII; drop spaces, thousands separators and 元/亩."""
    return clean(
        expr.str.replace_many(_FW_DIGITS, _HW_DIGITS).str.replace_all(r"[\s\u3000,元亩]", "")
    )


def without_time(expr: pl.Expr) -> pl.Expr:
    """Drop a time of day after a date ("2023-05-01 00:00:00" as Excel date cells read)."""
    return expr.str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "")


def normalise_date_text(expr: pl.Expr) -> pl.Expr:
    """Half-width digits, no time of day, separators 年月/. turned into '-'."""
    text = half_width_number(without_time(clean(expr)))
    return text.str.replace_all(r"[年月/.]", "-").str.strip_suffix("日").str.strip_suffix("-")


def _excel_serial_date(text: pl.Expr) -> pl.Expr:
    serial = text.str.extract(r"^(\d{5})(?:-0+)?$", 1).cast(pl.Int32, strict=False)
    # Excel day 25569 is 1970-01-01, day 0 of polars dates
    return pl.when(serial.is_between(1, 80000)).then((serial - EXCEL_UNIX_DAY).cast(pl.Date))


def convert_date(text: pl.Expr) -> pl.Expr:
    """2023-05-01 and 2023-5-1 (after normalising), 20230501, or an Excel serial number."""
    return pl.coalesce(
        text.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        text.str.strptime(pl.Date, "%Y%m%d", strict=False),
        _excel_serial_date(text),
    )


def convert_month(text: pl.Expr) -> pl.Expr:
    """2023-05 or 2023-5 (after normalising), 202305, or a full date, as 'YYYY-MM'."""
    first_day = pl.coalesce(
        (text + "-01").str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        (text + "01").str.strptime(pl.Date, "%Y%m%d", strict=False),
        text.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
    )
    return pl.when(first_day.dt.year().is_between(1949, 2100)).then(first_day.dt.to_string("%Y-%m"))


def convert_float(text: pl.Expr) -> pl.Expr:
    return text.cast(pl.Float64, strict=False)


def convert_int(text: pl.Expr) -> pl.Expr:
    as_float = convert_float(text)
    return pl.when(as_float == as_float.round(0)).then(as_float.cast(pl.Int64, strict=False))


def convert_year(text: pl.Expr) -> pl.Expr:
    year = convert_int(text.str.strip_suffix("年"))
    return pl.when(year.is_between(1949, 2100)).then(year)


def convert_bool(text: pl.Expr) -> pl.Expr:
    return (
        pl.when(text.is_in(TRUE_WORDS))
        .then(pl.lit(True))
        .when(text.is_in(FALSE_WORDS))
        .then(pl.lit(False))
        .otherwise(pl.lit(None, dtype=pl.Boolean))
    )


def _same(expr: pl.Expr) -> pl.Expr:
    return expr


#: stage 1: the department's text → clean text (computed once per column)
NORMALISERS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "id_number": idnumber.normalize,
    "text": clean,
    "enum": clean,
    "date": normalise_date_text,
    "month": normalise_date_text,
    "year": half_width_number,
    "yuan": half_width_number,
    "float": half_width_number,
    "int": half_width_number,
    "bool": clean,
}

#: stage 2: clean text → the contract's type (null where it cannot be read)
CONVERTERS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "id_number": _same,
    "text": _same,
    "enum": _same,
    "date": convert_date,
    "month": convert_month,
    "year": convert_year,
    "yuan": convert_float,
    "float": convert_float,
    "int": convert_int,
    "bool": convert_bool,
}

DTYPES: dict[str, pl.DataType] = {
    "id_number": pl.String(),
    "text": pl.String(),
    "enum": pl.String(),
    "date": pl.Date(),
    "month": pl.String(),
    "year": pl.Int64(),
    "yuan": pl.Float64(),
    "float": pl.Float64(),
    "int": pl.Int64(),
    "bool": pl.Boolean(),
}

EXPECTED_FORM: dict[str, str] = {
    "id_number": "an 18-character ID number",
    "text": "text",
    "enum": "one of the listed values",
    "date": "a date such as 2023-05-01, 2023/5/1 or 2023年5月1日",
    "month": "a month such as 2023-05, 202305 or 2023年5月",
    "year": "a year such as 2023",
    "yuan": "an amount in yuan such as 1250.50",
    "float": "a number",
    "int": "a whole number",
    "bool": "是 or 否",
}


def normalise(kind: str, expr: pl.Expr) -> pl.Expr:
    """Stage 1: clean text of the contract type ``kind`` (null for an empty cell)."""
    return NORMALISERS[kind](expr)


def convert(kind: str, text: pl.Expr) -> pl.Expr:
    """Stage 2: normalised text to the polars dtype of ``kind``; null where unreadable."""
    return CONVERTERS[kind](text).cast(DTYPES[kind])


def parse(kind: str, expr: pl.Expr) -> pl.Expr:
    """Both stages at once (convenient in tests; ingest keeps stage 1 as a column)."""
    return convert(kind, normalise(kind, expr))
