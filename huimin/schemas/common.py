"""The pandera side of the data contract: the vectorised checks of each contract type, and
:class:`ContractModel`, the pandera model of a dataset built from its declaration in
:mod:`huimin.contract` (fields, Chinese headers, whether a column may be absent).

A schema module declares each model as ``class Population(ContractModel,
contract=contract.Population)`` (``contract`` being the family's module of
:mod:`huimin.contract`); the model takes the dataset's fields from there and adds the checks
their types always carry (ID check character, at most 2 decimals ...), each a
named polars expression with its error text beside it, and the model's own dataframe checks.

Two checks depend on the date data is judged at (a birth date inside an ID number, a date that
must not lie in the future): a model builds its checks for a given date,
``Model.schema_as_of(as_of)``; nothing holds a current date.
"""

import datetime as dt
import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from huimin import idnumber
from huimin.contract.fields import Dataset
from huimin.contract.fields import FieldSpec as FieldSpec  # the reports and synth import it here

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


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


#: the Python type pandera gives the column of each contract type
PYTHON_TYPES: dict[str, type] = {
    "id_number": str,
    "text": str,
    "enum": str,
    "month": str,
    "date": dt.date,
    "year": int,
    "int": int,
    "yuan": float,
    "float": float,
    "bool": bool,
}


def _column(spec: FieldSpec) -> Any:
    """The pandera field of a contract field (its checks come with :meth:`schema_as_of`)."""
    meta: dict[str, Any] = {"kind": spec.kind, "zh": spec.zh, "optional": spec.optional}
    if spec.kind == "enum":
        meta["values"] = spec.values
    meta["minimum"], meta["maximum"] = spec.minimum, spec.maximum
    meta["not_future"] = spec.not_future
    return pa.Field(
        nullable=spec.optional,
        metadata=meta,
        description=spec.description or None,
        title=spec.zh,
    )


#: what a model takes from its contract dataset
FROM_CONTRACT = (
    "__dataset__",
    "__family__",
    "__title_zh__",
    "__roster_project__",
    "__roster_department__",
    "__subject_field__",
    "__area_fields__",
    "__contract_fields__",
)


class ContractModel(pa.DataFrameModel, Dataset):
    """The pandera model of a contract dataset: ``class M(ContractModel, contract=D)`` takes
    the fields, ClassVars and docstring of ``D`` (a :class:`huimin.contract.Dataset`); a model
    adds dataframe checks of its own with ``@pa.dataframe_check``."""

    #: the dataset this model checks
    __contract__: ClassVar[type[Dataset]] = Dataset
    #: dataframe checks that need every row at once (the others run chunk by chunk)
    __global_checks__: ClassVar[tuple[str, ...]] = ("duplicate_row",)

    def __init_subclass__(cls, contract: type[Dataset] | None = None, **kwargs: Any) -> None:
        if contract is not None:
            _take_contract(cls, contract)
        super().__init_subclass__(**kwargs)  # type: ignore[no-untyped-call]

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


def _take_contract(model: type[ContractModel], contract: type[Dataset]) -> None:
    """Give a model being declared its dataset's ClassVars, docstring and fields (a pandera
    column each, typed by its contract type) before pandera collects them."""
    model.__contract__ = contract
    for name in FROM_CONTRACT:
        setattr(model, name, getattr(contract, name))
    model.__doc__ = model.__doc__ or contract.__doc__
    model.__annotations__ = {
        **inspect.get_annotations(model),
        **{spec.name: PYTHON_TYPES[spec.kind] for spec in contract.field_specs()},
    }
    for spec in contract.field_specs():
        column = _column(spec)
        column.__set_name__(model, spec.name)
        setattr(model, spec.name, column)


@functools.lru_cache(maxsize=512)
def _schema_as_of(model: type[ContractModel], as_of: dt.date) -> pa.DataFrameSchema:
    return model._build_schema(as_of)
