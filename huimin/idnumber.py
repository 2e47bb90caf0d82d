"""The citizen ID number (公民身份号码, GB 11643-1999) as strings and as polars expressions.

An ID number is always a string. 18 characters: 6-digit address code, 8-digit birth date
YYYYMMDD, 3-digit sequence (odd = male) and a check character computed from the first 17.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
ID_PATTERN = r"^[0-9]{17}[0-9X]$"
OLD_ID_PATTERN = r"^[0-9]{15}$"
EARLIEST_BIRTH = dt.date(1880, 1, 1)

_FULL_WIDTH = [chr(0xFF10 + i) for i in range(10)] + ["Ｘ", "ｘ", "x"]
_HALF_WIDTH = [str(i) for i in range(10)] + ["X", "X", "X"]


def check_char(first17: str) -> str:
    """Return the check character for the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def make_id(address: str, birth: dt.date, sequence: int) -> str:
    """Build a valid 18-character ID number from its parts."""
    body = f"{address}{birth:%Y%m%d}{sequence:03d}"
    return body + check_char(body)


def is_valid(value: str, as_of: dt.date | None = None) -> bool:
    """Scalar check of an ID number (format, check character, real birth date not in future)."""
    value = value.strip().replace("x", "X")
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return False
    if check_char(value[:17]) != value[17]:
        return False
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return EARLIEST_BIRTH <= born <= (as_of or dt.date.today())


def normalize(expr: pl.Expr) -> pl.Expr:
    """Strip spaces (also full-width), turn full-width digits and a lowercase x into ASCII."""
    cleaned = expr.str.replace_all(r"[\s\u3000]+", "").str.replace_many(_FULL_WIDTH, _HALF_WIDTH)
    return pl.when(cleaned.str.len_chars() > 0).then(cleaned).otherwise(None)


def has_format(expr: pl.Expr) -> pl.Expr:
    """True where the value is 17 digits and a digit or X."""
    return expr.str.contains(ID_PATTERN)


def computed_check_char(expr: pl.Expr) -> pl.Expr:
    """The check character the first 17 digits call for (null where they are not digits)."""
    total = pl.sum_horizontal(
        [expr.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(WEIGHTS)]
    )
    return (total % 11).replace_strict(
        list(range(11)), list(CHECK_CHARS), return_dtype=pl.String, default=None
    )


def has_check_char(expr: pl.Expr) -> pl.Expr:
    """True where the 18th character matches the check character (format assumed)."""
    return computed_check_char(expr) == expr.str.slice(17, 1)


def birth_date(expr: pl.Expr) -> pl.Expr:
    """The birth date encoded in the ID (null if it is not a real date)."""
    return expr.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)


def has_real_birth_date(expr: pl.Expr, as_of: dt.date) -> pl.Expr:
    """True where the birth date inside the ID is a real date between 1880 and ``as_of``."""
    born = birth_date(expr)
    return born.is_not_null() & (born >= EARLIEST_BIRTH) & (born <= as_of)


def gender(expr: pl.Expr) -> pl.Expr:
    """男 for an odd sequence digit, 女 for an even one."""
    odd = expr.str.slice(16, 1).cast(pl.Int32, strict=False) % 2 == 1
    return pl.when(odd).then(pl.lit("男")).otherwise(pl.lit("女"))


def age_at(expr: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Age in whole years on the date ``on``, from the birth date in the ID."""
    born = birth_date(expr)
    had_birthday = (on.dt.month() > born.dt.month()) | (
        (on.dt.month() == born.dt.month()) & (on.dt.day() >= born.dt.day())
    )
    return on.dt.year() - born.dt.year() - pl.when(had_birthday).then(0).otherwise(1)


def mask(expr: pl.Expr) -> pl.Expr:
    """Mask the birth date and sequence: 420112********0014 keeps the region and the check."""
    return (
        pl.when(expr.str.len_chars() >= 10)
        .then(pl.concat_str([expr.str.slice(0, 6), pl.lit("********"), expr.str.slice(-4, 4)]))
        .otherwise(pl.lit("****"))
    )


def mask_text(value: str | None) -> str:
    """Scalar form of :func:`mask` for log lines and messages."""
    if value is None:
        return ""
    value = str(value)
    return f"{value[:6]}********{value[-4:]}" if len(value) >= 10 else "****"
