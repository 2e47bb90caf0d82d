"""Turn the text a department sent into typed values, as vectorised polars expressions.

Every parser takes an expression of strings and returns an expression of the contract's type,
null where the text cannot be read. The ingest step compares "text present" with "value null"
to say which cells did not parse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl

from huimin import idnumber

EXCEL_EPOCH = dt.date(1899, 12, 30)
_FW_DIGITS = [chr(0xFF10 + i) for i in range(10)] + ["．", "－", "，", "／", "＋"]
_HW_DIGITS = [str(i) for i in range(10)] + [".", "-", ",", "/", "+"]
TRUE_WORDS = ["是", "true", "True", "TRUE", "1", "Y", "y", "yes", "Yes", "YES", "T"]
FALSE_WORDS = ["否", "false", "False", "FALSE", "0", "N", "n", "no", "No", "NO", "F"]


def clean(expr: pl.Expr) -> pl.Expr:
    """Trim spaces (also full-width ones); an empty cell becomes null."""
    trimmed = expr.str.strip_chars().str.strip_chars("\u3000\ufeff")
    return pl.when(trimmed.str.len_chars() > 0).then(trimmed).otherwise(None)


def half_width_number(expr: pl.Expr) -> pl.Expr:
    """Full-width digits and signs to ASCII; drop spaces, thousands separators and 元/亩."""
    return clean(
        expr.str.replace_many(_FW_DIGITS, _HW_DIGITS).str.replace_all(r"[\s\u3000,元亩]", "")
    )


def parse_text(expr: pl.Expr) -> pl.Expr:
    return clean(expr)


def parse_id_number(expr: pl.Expr) -> pl.Expr:
    return idnumber.normalize(expr)


def parse_float(expr: pl.Expr) -> pl.Expr:
    return half_width_number(expr).cast(pl.Float64, strict=False)


def parse_int(expr: pl.Expr) -> pl.Expr:
    as_float = parse_float(expr)
    return pl.when(as_float == as_float.round(0)).then(as_float.cast(pl.Int64, strict=False))


def parse_year(expr: pl.Expr) -> pl.Expr:
    year = parse_int(half_width_number(expr).str.strip_suffix("年"))
    return pl.when((year >= 1949) & (year <= 2100)).then(year)


def parse_bool(expr: pl.Expr) -> pl.Expr:
    text = clean(expr)
    return (
        pl.when(text.is_in(TRUE_WORDS))
        .then(pl.lit(True))
        .when(text.is_in(FALSE_WORDS))
        .then(pl.lit(False))
        .otherwise(pl.lit(None, dtype=pl.Boolean))
    )


def without_time(expr: pl.Expr) -> pl.Expr:
    """Drop a time of day after a date ("2023-05-01 00:00:00" as Excel date cells read)."""
    return clean(expr).str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "")


def _excel_serial_date(text: pl.Expr) -> pl.Expr:
    serial = text.str.extract(r"^(\d{5})(?:\.0+)?$", 1).cast(pl.Int64, strict=False)
    in_range = (serial >= 1) & (serial <= 80000)
    return pl.when(in_range).then(pl.lit(EXCEL_EPOCH) + pl.duration(days=serial)).cast(pl.Date)


def parse_date(expr: pl.Expr) -> pl.Expr:
    """Read 2023-05-01, 2023/5/1, 2023.5.1, 2023年5月1日, 20230501, an Excel serial number."""
    text = half_width_number(without_time(expr))
    dashed = text.str.replace_all(r"[年月/.]", "-").str.strip_suffix("日")
    ymd = dashed.str.extract_groups(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
    compact = text.str.extract_groups(r"^(\d{4})(\d{2})(\d{2})$")

    def build(groups: pl.Expr) -> pl.Expr:
        return pl.concat_str(
            [
                groups.struct.field("1"),
                groups.struct.field("2").str.zfill(2),
                groups.struct.field("3").str.zfill(2),
            ]
        ).str.strptime(pl.Date, "%Y%m%d", strict=False)

    return pl.coalesce(build(ymd), build(compact), _excel_serial_date(text))


def parse_month(expr: pl.Expr) -> pl.Expr:
    """Read 2023-05, 2023/5, 202305, 2023年5月, 2023.05 (and a full date) into 'YYYY-MM'."""
    text = half_width_number(without_time(expr))
    dashed = text.str.replace_all(r"[年月/.]", "-").str.strip_suffix("-")
    dashed_parts = dashed.str.extract_groups(r"^(\d{4})-(\d{1,2})(?:-\d{1,2}日?)?$")
    compact_parts = text.str.extract_groups(r"^(\d{4})(\d{2})$")
    year = pl.coalesce(dashed_parts.struct.field("1"), compact_parts.struct.field("1")).cast(
        pl.Int32, strict=False
    )
    month = pl.coalesce(dashed_parts.struct.field("2"), compact_parts.struct.field("2")).cast(
        pl.Int32, strict=False
    )
    valid = (year >= 1949) & (year <= 2100) & (month >= 1) & (month <= 12)
    return pl.when(valid).then(
        pl.concat_str([year.cast(pl.String), pl.lit("-"), month.cast(pl.String).str.zfill(2)])
    )


def parse_enum(expr: pl.Expr) -> pl.Expr:
    return clean(expr)


PARSERS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "id_number": parse_id_number,
    "text": parse_text,
    "enum": parse_enum,
    "date": parse_date,
    "month": parse_month,
    "year": parse_year,
    "yuan": parse_float,
    "float": parse_float,
    "int": parse_int,
    "bool": parse_bool,
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


def parse(kind: str, expr: pl.Expr) -> pl.Expr:
    """Parse ``expr`` (strings) as the contract type ``kind``, cast to its polars dtype."""
    return PARSERS[kind](expr).cast(DTYPES[kind])
