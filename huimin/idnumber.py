"""The citizen ID number (公民身份号码, GB 11643-1999) as strings and as polars expressions.

An ID number is always a string. 18 characters: 6-digit address code, 8-digit birth date
YYYYMMDD, 3-digit sequence (odd = male) and a check character computed from the first 17.
The address code starts with the 2-digit code of a province (GB/T 2260).

The foreigner's permanent-residence ID card (外国人永久居留身份证, issued since 2023-12-01)
has a number of the same shape: ``9`` (the foreigner mark), the 2-digit province code of the
place that issued it, a 3-digit nationality code, the birth date YYYYMMDD, a 3-digit sequence
and the same GB 11643 check character. It is accepted wherever a citizen's number is, so a
foreign resident receiving a benefit is not quarantined; ``9`` followed by anything but a
mainland province code is refused.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
ID_PATTERN = r"^[0-9]{17}[0-9X]$"
OLD_ID_PATTERN = r"^[0-9]{15}$"
EARLIEST_BIRTH = dt.date(1880, 1, 1)

#: first two digits of a citizen's number: the provinces of GB/T 2260 (71 台湾, 81 香港, 82 澳门)
#: and 83, which the residence permits of Taiwan residents (台湾居民居住证) use
CITIZEN_PROVINCES: frozenset[str] = frozenset(
    ["11", "12", "13", "14", "15", "21", "22", "23"]
    + [str(code) for code in range(31, 38)]
    + [str(code) for code in range(41, 47)]
    + [str(code) for code in range(50, 55)]
    + [str(code) for code in range(61, 66)]
    + ["71", "81", "82", "83"]
)
#: the mark that starts a foreigner's permanent-residence number (2023 format)
FOREIGNER_MARK = "9"
#: provinces that issue the foreigner's card: the mainland ones
ISSUING_PROVINCES: frozenset[str] = frozenset(
    code for code in CITIZEN_PROVINCES if code not in {"71", "81", "82", "83"}
)

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


def make_foreigner_id(province: str, nationality: str, birth: dt.date, sequence: int) -> str:
    """Build a valid foreigner's permanent-residence number (2023 format) from its parts."""
    body = f"{FOREIGNER_MARK}{province}{nationality}{birth:%Y%m%d}{sequence:03d}"
    return body + check_char(body)


def is_valid(value: str, as_of: dt.date | None = None) -> bool:
    """Scalar check of an ID number (format, check character, real birth date not in future)."""
    value = value.strip().replace("x", "X")
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return False
    if check_char(value[:17]) != value[17] or not has_province_code(value):
        return False
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return EARLIEST_BIRTH <= born <= (as_of or dt.date.today())


def has_province_code(value: str) -> bool:
    """Scalar: a citizen's number starts with a province code, a foreigner's with 9 and one."""
    if value.startswith(FOREIGNER_MARK):
        return value[1:3] in ISSUING_PROVINCES
    return value[:2] in CITIZEN_PROVINCES


def is_foreigner(expr: pl.Expr) -> pl.Expr:
    """True where the number is a foreigner's permanent-residence number (starts with 9)."""
    return expr.str.starts_with(FOREIGNER_MARK)


def has_valid_province(expr: pl.Expr) -> pl.Expr:
    """True where the first two digits are a province (9 then an issuing province)."""
    citizen = expr.str.slice(0, 2).is_in(sorted(CITIZEN_PROVINCES))
    foreign = is_foreigner(expr) & expr.str.slice(1, 2).is_in(sorted(ISSUING_PROVINCES))
    return pl.when(is_foreigner(expr)).then(foreign).otherwise(citizen)


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


#: an old (first-generation) ID number's length: 6 region, 6 birth date (YYMMDD), 3 sequence
OLD_LENGTH = 15


def mask(expr: pl.Expr) -> pl.Expr:
    """Mask the birth date and sequence: 420112********0014 keeps the region and the check.

    A 15-character (old) number keeps its last 3 only: its 4th-last is a digit of the birth date.
    """
    length = expr.str.len_chars()
    return (
        pl.when(length == OLD_LENGTH)
        .then(pl.concat_str([expr.str.slice(0, 6), pl.lit("********"), expr.str.slice(-3, 3)]))
        .when(length >= 10)
        .then(pl.concat_str([expr.str.slice(0, 6), pl.lit("********"), expr.str.slice(-4, 4)]))
        .otherwise(pl.lit("****"))
    )


def mask_text(value: str | None) -> str:
    """Scalar form of :func:`mask` for log lines and messages."""
    if value is None:
        return ""
    value = str(value)
    if len(value) == OLD_LENGTH:
        return f"{value[:6]}********{value[-3:]}"
    return f"{value[:6]}********{value[-4:]}" if len(value) >= 10 else "****"


#: what :func:`mask_public` leaves of an 18-character and of a 15-digit number
PUBLIC_MASK_18 = r"^[0-9]{6}\*{8}[0-9]{3}[0-9X]$"
PUBLIC_MASK_15 = r"^[0-9]{6}\*{6}[0-9]{3}$"


def mask_public(expr: pl.Expr) -> pl.Expr:
    """Mask an ID number for a public list (公示): the birth date never shows.

    An 18-character number (citizen's or foreigner's, spaces, full-width digits and a lowercase
    x tolerated) keeps its region and its last 4 (``420112********0014``, as :func:`mask`); a
    15-digit old number keeps its region and its 3-digit sequence (``420112******001``: the last
    4 of an old number would show a digit of the birth date). A value already in one of these
    two forms stays as it is; a missing value becomes ``""``; anything else becomes ``****``.
    """
    value = normalize(expr)
    masked = value.str.contains(PUBLIC_MASK_18) | value.str.contains(PUBLIC_MASK_15)
    return (
        pl.when(value.is_null())
        .then(pl.lit(""))
        .when(value.str.contains(ID_PATTERN))
        .then(pl.concat_str([value.str.slice(0, 6), pl.lit("********"), value.str.slice(14, 4)]))
        .when(value.str.contains(OLD_ID_PATTERN))
        .then(pl.concat_str([value.str.slice(0, 6), pl.lit("******"), value.str.slice(12, 3)]))
        .when(masked)
        .then(value)
        .otherwise(pl.lit("****"))
    )
