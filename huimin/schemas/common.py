"""Building blocks of the dataset schemas: typed contract fields and their vectorised checks.

A schema module declares each dataset as a :class:`ContractModel` whose fields are made with
the factories below (``IdNumber("公民身份号码")``, ``Yuan("发放金额（元）")`` ...). Each factory
records the contract type, the Chinese header and whether the column may be absent; the model
adds the checks that type always carries (ID check character, at most 2 decimals ...), each a
named polars expression with its error text beside it.

Two checks depend on the date data is judged at (a birth date inside an ID number, a date that
must not lie in the future): a model builds its checks for a given date,
``Model.schema_as_of(as_of)``; nothing holds a current date.
"""

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from huimin import idnumber

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


@dataclass(frozen=True)
class FieldSpec:
    """What the contract says of one field."""

    name: str
    kind: str
    zh: str
    optional: bool = False
    values: tuple[str, ...] = ()
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    not_future: bool = False


def _column_check(fn: Callable[[pl.Expr], pl.Expr], name: str, error: str) -> pa.Check:
    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(fn(pl.col(data.key)))

    return pa.Check(check, name=name, error=error)


def _max_two_decimals(col: pl.Expr) -> pl.Expr:
    cents = col * 100
    return (cents - cents.round(0)).abs() < 1e-6


def id_number_checks(as_of: dt.date) -> list[pa.Check]:
    """Format, GB 11643 check character, a province code, a real birth date not after
    ``as_of``."""
    fmt = idnumber.has_format
    return [
        _column_check(
            fmt,
            "id_format",
            "ID number must be 18 characters: 17 digits then a digit or X "
            "(a 15-digit number is the old format: ask for the 18-digit one)",
        ),
        _column_check(
            lambda c: ~fmt(c) | idnumber.has_check_char(c),
            "id_check_character",
            "ID number check character (18th) does not match the first 17 digits (GB 11643)",
        ),
        _column_check(
            lambda c: ~fmt(c) | idnumber.has_valid_province(c),
            "id_province",
            "ID number does not start with a province code (GB/T 2260: 11-65, 71, 81-83; "
            "a foreigner's permanent-residence number: 9 then a province code) (省级代码无效)",
        ),
        _column_check(
            lambda c: ~fmt(c) | idnumber.has_real_birth_date(c, as_of),
            "id_birth_date",
            "birth date inside the ID number is not a real date or lies in the future",
        ),
    ]


def amount_checks() -> list[pa.Check]:
    return [
        _column_check(lambda c: c >= 0, "non_negative", "must not be negative"),
        _column_check(_max_two_decimals, "max_2_decimals", "must have at most 2 decimals"),
    ]


def date_checks() -> list[pa.Check]:
    return [
        _column_check(
            lambda c: c.is_between(EARLIEST_DATE, LATEST_DATE),
            "plausible_date",
            f"date must lie between {EARLIEST_DATE} and {LATEST_DATE}",
        )
    ]


def not_future_check(as_of: dt.date) -> pa.Check:
    """The date lies on or before ``as_of``."""
    return _column_check(lambda c: c <= as_of, "not_future", "date lies in the future")


def month_checks() -> list[pa.Check]:
    return [
        _column_check(
            lambda c: c.str.contains(r"^\d{4}-(0[1-9]|1[0-2])$"),
            "month_format",
            "month must be written YYYY-MM",
        )
    ]


def enum_checks(values: Sequence[str]) -> list[pa.Check]:
    allowed = list(values)
    return [
        _column_check(
            lambda c: c.is_in(allowed), "allowed_value", "must be one of " + "、".join(allowed)
        )
    ]


def range_checks(low: float | None, high: float | None) -> list[pa.Check]:
    if low is not None and high is not None:
        return [
            _column_check(
                lambda c: c.is_between(low, high),
                "in_range",
                f"must be between {low:g} and {high:g}",
            )
        ]
    if low is not None:
        message = "must not be negative" if low == 0 else f"must be at least {low:g}"
        return [_column_check(lambda c: c >= low, "non_negative" if low == 0 else "min", message)]
    if high is not None:
        return [_column_check(lambda c: c <= high, "max", f"must be at most {high:g}")]
    return []


#: the checks each contract type carries, for a field and the date data is judged at
KIND_CHECKS: dict[str, Callable[[FieldSpec, dt.date], list[pa.Check]]] = {
    "id_number": lambda f, as_of: id_number_checks(as_of),
    "yuan": lambda f, as_of: amount_checks(),
    "date": lambda f, as_of: date_checks() + ([not_future_check(as_of)] if f.not_future else []),
    "month": lambda f, as_of: month_checks(),
    "year": lambda f, as_of: range_checks(1949, 2100),
    "enum": lambda f, as_of: enum_checks(f.values),
    "int": lambda f, as_of: range_checks(f.minimum, f.maximum),
    "float": lambda f, as_of: range_checks(f.minimum, f.maximum),
}


def _field(kind: str, zh: str, optional: bool, description: str, **kw: Any) -> Any:
    meta: dict[str, Any] = {"kind": kind, "zh": zh, "optional": optional}
    if "values" in kw:
        meta["values"] = tuple(kw.pop("values"))
    meta["minimum"], meta["maximum"] = kw.pop("ge", None), kw.pop("le", None)
    meta["not_future"] = kw.pop("not_future", False)
    return pa.Field(
        nullable=optional, metadata=meta, description=description or None, title=zh, **kw
    )


def IdNumber(zh: str, *, optional: bool = False, description: str = "") -> Any:  # noqa: N802
    return _field("id_number", zh, optional, description)


def Text(zh: str, *, optional: bool = False, description: str = "") -> Any:  # noqa: N802
    return _field("text", zh, optional, description)


def Enum(  # noqa: N802
    zh: str, values: Sequence[str], *, optional: bool = False, description: str = ""
) -> Any:
    return _field("enum", zh, optional, description, values=values)


def Date(  # noqa: N802
    zh: str, *, optional: bool = False, not_future: bool = False, description: str = ""
) -> Any:
    """A calendar date; ``not_future`` for dates that cannot lie after the as-of date."""
    return _field("date", zh, optional, description, not_future=not_future)


def Month(zh: str, *, optional: bool = False, description: str = "") -> Any:  # noqa: N802
    return _field("month", zh, optional, description)


def Year(zh: str, *, optional: bool = False, description: str = "") -> Any:  # noqa: N802
    return _field("year", zh, optional, description)


def Yuan(zh: str, *, optional: bool = False, description: str = "") -> Any:  # noqa: N802
    return _field("yuan", zh, optional, description)


def Area(zh: str, *, optional: bool = False, description: str = "") -> Any:  # noqa: N802
    """An area (亩 or 平方米): a float, non-negative, at most 2 decimals."""
    return _field("float", zh, optional, description, ge=0)


def Float(zh: str, *, optional: bool = False, ge: float | None = 0, description: str = "") -> Any:  # noqa: N802
    return _field("float", zh, optional, description, ge=ge)


def Int(  # noqa: N802
    zh: str,
    *,
    optional: bool = False,
    ge: int | None = None,
    le: int | None = None,
    description: str = "",
) -> Any:
    return _field("int", zh, optional, description, ge=ge, le=le)


def Bool(zh: str, *, optional: bool = False, description: str = "") -> Any:  # noqa: N802
    return _field("bool", zh, optional, description)


class ContractModel(pa.DataFrameModel):
    """A dataset of the data contract. Subclasses set the ClassVars and declare fields."""

    __dataset__: ClassVar[str] = ""
    __family__: ClassVar[str] = ""  # "registry", "roster" or "clues"
    __title_zh__: ClassVar[str] = ""
    __roster_project__: ClassVar[str | None] = None
    __roster_department__: ClassVar[str | None] = None
    #: fields that say who a row is about (used for duplicate detection and masking)
    __subject_field__: ClassVar[str | None] = "id_number"
    #: dataframe checks that need every row at once (the others run chunk by chunk)
    __global_checks__: ClassVar[tuple[str, ...]] = ("duplicate_row",)
    #: columns holding areas get the 2-decimal check as amounts do
    __area_fields__: ClassVar[tuple[str, ...]] = ()

    class Config:
        strict = False
        coerce = False

    @pa.dataframe_check(name="duplicate_row", error="exact duplicate of an earlier row")
    @classmethod
    def duplicate_row(cls, data: PolarsData) -> pl.LazyFrame:
        present = set(data.lazyframe.collect_schema().names())
        columns = [f.name for f in cls.field_specs() if f.name in present]
        return data.lazyframe.select(pl.struct(columns).is_first_distinct())

    @classmethod
    def row_check_detail(cls, check_name: str) -> pl.Expr | None:
        """A text expression saying, for a row failing a dataframe check, what is wrong."""
        if check_name == "duplicate_row":
            columns = [f.name for f in cls.field_specs()]
            first = pl.col("_source_row").min().over(pl.struct(columns))
            return pl.format("same as row {}", first)
        return None

    @classmethod
    def schema_as_of(cls, as_of: dt.date) -> pa.DataFrameSchema:
        """The pandera schema with every check, data judged as of ``as_of`` (a birth date or
        a ``not_future`` date after it fails). Built once per model and date."""
        return _schema_as_of(cls, as_of)

    @classmethod
    def to_schema(cls) -> pa.DataFrameSchema:
        """The schema judged as of today (pandera's own entry point; the data dictionary
        reads its check names). Ingestion judges as of its run's date:
        :meth:`schema_as_of`."""
        return cls.schema_as_of(dt.date.today())

    @classmethod
    def _build_schema(cls, as_of: dt.date) -> pa.DataFrameSchema:
        schema = super().to_schema()
        for spec in cls.field_specs():
            extra = KIND_CHECKS[spec.kind](spec, as_of) if spec.kind in KIND_CHECKS else []
            if spec.name in cls.__area_fields__:
                extra = [*extra, amount_checks()[1]]
            if extra:
                column = schema.columns[spec.name]
                schema = schema.update_column(spec.name, checks=[*column.checks, *extra])
        return schema

    @classmethod
    def field_specs(cls) -> list[FieldSpec]:
        """The contract fields of this dataset, in declaration order."""
        specs = []
        for name, column in super().to_schema().columns.items():
            meta = column.metadata or {}
            if "kind" not in meta:
                continue
            specs.append(
                FieldSpec(
                    name=name,
                    kind=str(meta["kind"]),
                    zh=str(meta["zh"]),
                    optional=bool(meta["optional"]),
                    values=tuple(meta.get("values", ())),
                    description=column.description or "",
                    minimum=meta.get("minimum"),
                    maximum=meta.get("maximum"),
                    not_future=bool(meta.get("not_future")),
                )
            )
        return specs

    @classmethod
    def required_fields(cls) -> list[str]:
        return [f.name for f in cls.field_specs() if not f.optional]

    @classmethod
    def aliases(cls) -> dict[str, str]:
        """Accepted header → canonical field name (canonical names and Chinese headers)."""
        out: dict[str, str] = {}
        for spec in cls.field_specs():
            out[spec.name] = spec.name
            out[spec.zh] = spec.name
        return out

    @classmethod
    def polars_schema(cls) -> pl.Schema:
        from huimin.parsing import DTYPES

        return pl.Schema({f.name: DTYPES[f.kind] for f in cls.field_specs()})


@functools.lru_cache(maxsize=512)
def _schema_as_of(model: type[ContractModel], as_of: dt.date) -> pa.DataFrameSchema:
    return model._build_schema(as_of)
