"""The columns a rule condition can use, and how they are derived from staged data.

A condition is an SQL expression (parsed by ``pl.sql_expr``) over one roster row with:

- the roster's own columns (``amount``, ``pay_month`` ...);
- derived columns: ``subject`` (the ID number; the project id for 高标准农田),
  ``registered_household`` (the subject's 户号 in the population registry), ``period``
  (month ``2023-05``, year ``2023`` or term ``2023秋``), ``period_start`` and ``period_end``
  (dates), ``period_total`` (all this roster paid the subject for the period),
  ``birth_date_from_id``, ``age`` (whole years at ``period_start``) and
  ``gender_from_id`` from the ID, and ``as_of`` (the date the run judges at, passed to
  :func:`prepare`);
- ``param.<name>``: the value of each parameter in force for the row's period (and zone);
- for rules that look into another dataset: that dataset's row as ``<dataset>.<column>``
  (``dibao`` pools the urban and rural 低保 rosters; ``land_holdings`` sums a person's
  承包地 rows: ``contracted_area_mu``, ``transferred_out_area_mu``, ``rows``)
  (e.g. ``deaths.death_date``), with the same derived columns when it is a roster, and for
  household rules ``member.<column>`` (the household member the match is about).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from huimin import idnumber
from huimin.contract import DATASETS, Dataset
from huimin.rules.model import DATE_SUFFIX

#: datasets rules may name that pool rosters of the same columns: ``dibao`` is 低保, urban or rural
POOLED: dict[str, tuple[str, ...]] = {"dibao": ("dibao_rural", "dibao_urban")}


@dataclass(frozen=True)
class Totals:
    """A registry summed per person: one row per ID number with the totals of some columns."""

    source: str
    key: str
    sums: tuple[str, ...]

    def schema(self) -> pl.Schema:
        model = DATASETS[self.source].polars_schema()
        return pl.Schema(
            {
                self.key: model[self.key],
                **{name: model[name] for name in self.sums},
                "rows": pl.UInt32(),
                "_source_row": pl.Int64(),
            }
        )

    def frame(self, registry: pl.LazyFrame) -> pl.LazyFrame:
        return registry.group_by(self.key).agg(
            *[pl.col(name).fill_null(0).sum() for name in self.sums],
            pl.len().alias("rows"),
            pl.col("_source_row").min(),
        )


#: registries summed per person: ``land_holdings`` is all of a person's contracted land
#: (several 承包地 rows add up), so a grower is compared with everything they hold
TOTALS: dict[str, Totals] = {
    "land_holdings": Totals(
        "land_contracts", "id_number", ("contracted_area_mu", "transferred_out_area_mu")
    )
}


def model_of(name: str) -> type[Dataset]:
    """The contract model of a dataset (of the first roster of a pooled one, of the source of
    a summed one)."""
    if name in POOLED:
        return DATASETS[POOLED[name][0]]
    if name in TOTALS:
        return DATASETS[TOTALS[name].source]
    return DATASETS[name]


def dataset_names() -> list[str]:
    """Every name a rule may use for a dataset: the contract's, pooled and summed ones."""
    return sorted([*DATASETS, *POOLED, *TOTALS])


DERIVED: dict[str, pl.DataType] = {
    "subject": pl.String(),
    "period": pl.String(),
    "period_start": pl.Date(),
    "period_end": pl.Date(),
    "birth_date_from_id": pl.Date(),
    "age": pl.Int32(),
    "gender_from_id": pl.String(),
    "as_of": pl.Date(),
    "registered_household": pl.String(),
    "period_total": pl.Float64(),
}
MEMBER_FIELDS: dict[str, pl.DataType] = {
    "id_number": pl.String(),
    "name": pl.String(),
    "relation": pl.String(),
    "age": pl.Int32(),
}


#: rosters with no month, year or term: the date whose year is the payment's period. A car
#: trade-in belongs to the year of its invoice (the programme window is set on invoice dates),
#: even when the subsidy is paid in the next year.
PERIOD_DATE: dict[str, str] = {"car_tradein": "invoice_date"}


def period_kind(model: type[Dataset]) -> str:
    """month, year, term or date_year (dated by the year of one of its dates)."""
    names = {f.name for f in model.field_specs()}
    if "pay_month" in names:
        return "month"
    if "term" in names:
        return "term"
    if "year" in names:
        return "year"
    return "date_year" if _period_date(model) in names else "none"


def _period_date(model: type[Dataset]) -> str:
    return PERIOD_DATE.get(model.__dataset__, "pay_date")


def period_columns(model: type[Dataset]) -> list[pl.Expr]:
    """Expressions adding ``period``, ``period_start`` and ``period_end`` to a staged roster."""
    kind = period_kind(model)
    if kind == "month":
        start = (pl.col("pay_month") + "-01").str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        return [
            pl.col("pay_month").alias("period"),
            start.alias("period_start"),
            start.dt.month_end().alias("period_end"),
        ]
    if kind in ("year", "date_year"):
        year = pl.col("year") if kind == "year" else pl.col(_period_date(model)).dt.year()
        return [
            year.cast(pl.String).alias("period"),
            pl.date(year, 1, 1).alias("period_start"),
            pl.date(year, 12, 31).alias("period_end"),
        ]
    if kind == "term":
        year = pl.col("term").str.extract(r"^(\d{4})", 1).cast(pl.Int32, strict=False)
        autumn = pl.col("term").str.contains("秋")
        start = pl.when(autumn).then(pl.date(year, 9, 1)).otherwise(pl.date(year, 2, 1))
        end = pl.when(autumn).then(pl.date(year + 1, 1, 31)).otherwise(pl.date(year, 7, 31))
        return [
            pl.col("term").alias("period"),
            start.alias("period_start"),
            end.alias("period_end"),
        ]
    return [
        pl.lit(None, pl.String).alias("period"),
        pl.lit(None, pl.Date).alias("period_start"),
        pl.lit(None, pl.Date).alias("period_end"),
    ]


def subject_column(model: type[Dataset]) -> str:
    return model.__subject_field__ or "id_number"


def derived_columns(model: type[Dataset], as_of: dt.date | None) -> list[pl.Expr]:
    """All derived columns but the period ones (which :func:`period_columns` adds first);
    ``as_of`` is the date the run judges at (null when there is none)."""
    subject = pl.col(subject_column(model))
    id_col = pl.col("id_number") if "id_number" in model.polars_schema() else None
    if id_col is None:
        born = pl.lit(None, pl.Date)
        gender = pl.lit(None, pl.String)
        age = pl.lit(None, pl.Int32)
    else:
        born = idnumber.birth_date(id_col)
        gender = idnumber.gender(id_col)
        age = idnumber.age_at(id_col, pl.col("period_start")).cast(pl.Int32)
    return [
        subject.alias("subject"),
        pl.lit(as_of, pl.Date).alias("as_of"),
        born.alias("birth_date_from_id"),
        age.alias("age"),
        gender.alias("gender_from_id"),
    ]


def prepare(
    frame: pl.LazyFrame,
    model: type[Dataset],
    population: pl.LazyFrame | None = None,
    *,
    as_of: dt.date | None = None,
) -> pl.LazyFrame:
    """A staged dataset with its derived columns (rosters only).

    ``population`` (the staged registry) gives each subject's 户号 as ``registered_household``;
    ``as_of`` (the date the run judges at) is the ``as_of`` column, null when not given (rule
    files are checked without a run date).
    """
    if model.__family__ != "roster":
        return frame
    rows = prepare_rows(frame, model, as_of=as_of)
    if population is None:
        return rows.with_columns(pl.lit(None, pl.String).alias("registered_household"))
    return with_households(rows, household_index(population))


def prepare_rows(
    frame: pl.LazyFrame, model: type[Dataset], *, as_of: dt.date | None
) -> pl.LazyFrame:
    """A staged roster with its derived columns but ``registered_household``
    (:func:`with_households` adds it)."""
    frame = frame.with_columns(period_columns(model)).with_columns(derived_columns(model, as_of))
    total = (
        pl.col("amount").sum().over("subject", "period")
        if "amount" in model.polars_schema()
        else pl.lit(None, pl.Float64)
    )
    return frame.with_columns(total.alias("period_total"))


def household_index(population: pl.LazyFrame) -> pl.LazyFrame:
    """Each ID number of the population registry (``subject``) with the 户号 of its first row
    (``registered_household``)."""
    return population.select(
        pl.col("id_number").alias("subject"), pl.col("household_id").alias("registered_household")
    ).unique(subset=["subject"], keep="first", maintain_order=True)


def with_households(rows: pl.LazyFrame, index: pl.LazyFrame) -> pl.LazyFrame:
    """Prepared rows (:func:`prepare_rows`) with each subject's ``registered_household`` from
    the population registry's :func:`household_index`."""
    return rows.join(index, on="subject", how="left", maintain_order="left")


def dataset_schema(name: str) -> pl.Schema:
    """Columns of a staged dataset as rules see it (contract columns, derived, _source_row)."""
    if name in TOTALS:
        return TOTALS[name].schema()
    model = model_of(name)
    schema = dict(model.polars_schema())
    if model.__family__ == "roster":
        schema.update(DERIVED)
    schema["_source_row"] = pl.Int64()
    return pl.Schema(schema)


def condition_schema(
    policy: str,
    parameters: list[str],
    other: str | tuple[str, ...] | None = None,
    household: bool = False,
    via: str | None = None,
) -> pl.Schema:
    """The columns a condition may use: the roster row, ``param``, the other dataset (and the
    ``via`` dataset), and ``member`` for household rules.

    ``parameters`` are names; a date-valued one ends in ``:date`` (``Parameter.typed_name``).
    """
    schema = dict(dataset_schema(policy))
    if parameters:
        schema["param"] = pl.Struct(
            {
                name.removesuffix(DATE_SUFFIX): pl.Date()
                if name.endswith(DATE_SUFFIX)
                else pl.Float64()
                for name in parameters
            }
        )
    others = other if isinstance(other, tuple) else (other,)
    for name in (via, *others):
        if name is not None:
            schema[name] = pl.Struct(dict(dataset_schema(name)))
    if household:
        schema["member"] = pl.Struct(MEMBER_FIELDS)
    return pl.Schema(schema)
