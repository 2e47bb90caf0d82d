"""Build one Great Expectations suite per dataset from its contract model, and the frame it runs on.

The frame a suite checks is prepared lazily in polars (:func:`prepare_frame`), and its metrics are
computed from it in polars too (:mod:`huimin.reports.metrics`): Great Expectations only ever sees
those results, never the rows. What the frame holds:

* ID columns are replaced by their masked form (``420112********0014``) and a ``<field>__valid``
  boolean (format, GB 11643 check character, real birth date): Data Docs list unexpected values,
  so a full ID number must never reach them;
* free-text columns (names, addresses, account numbers, ...) only ever get a completeness check,
  so they are reduced to a presence marker: their content never reaches Data Docs;
* enum and month columns keep their values (the reader needs to see a bad value) but any run of
  17 digits and a digit/X inside them is masked;
* derived columns the distribution checks need (``_age``, ``_male`` ...) are computed here;
* columns outside the contract (a department's extras) are dropped.

:func:`build_expectations` returns the expectation configurations (as plain data, so this module
needs no Great Expectations import) for :mod:`huimin.reports.validation` to instantiate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from huimin import idnumber
from huimin.schemas.common import EARLIEST_DATE, LATEST_DATE, ContractModel, FieldSpec

if TYPE_CHECKING:
    from huimin.quality import RateCheck

ID_VALID_MOSTLY = 0.999
MONTH_REGEX = r"^\d{4}-(?:0[1-9]|1[0-2])$"  # no capture group: pandas warns on those
PRESENT = "✓"  # what a free-text cell becomes: its content never reaches the report
_ID_LIKE = r"(\d{6})\d{8}(\d{3}[\dXx])"

YEAR_BOUNDS = (1949, 2100)

#: plausible band of the mean payment per roster row, in yuan, with the reasoning shown in Data Docs
AMOUNT_BANDS: dict[str, tuple[float, float, str]] = {
    "dibao_rural": (100, 1500, "农村低保: one member-month, a few hundred yuan"),
    "dibao_urban": (100, 2000, "城市低保: one member-month, several hundred yuan"),
    "tekun": (300, 3000, "特困供养: about 1.3× the 低保 standard per month"),
    "elderly_allowance": (50, 1000, "高龄津贴: 100–500 yuan a month by age band"),
    "disability_living": (30, 500, "困难残疾人生活补贴: under 200 yuan a month"),
    "disability_care": (30, 500, "重度残疾人护理补贴: under 200 yuan a month"),
    "premium_subsidy": (50, 1000, "代缴城乡居民养老保险费: the minimum grade, 100–300 yuan a year"),
    "student_aid_compulsory": (100, 2000, "义务教育生活补助: 250–625 yuan a term"),
    "student_aid_highschool": (300, 3000, "普通高中国家助学金: about 1000 yuan a term"),
    "resettlement_subsidy": (100, 2000, "水库移民直补: 600 yuan a person a year"),
    "grain_subsidy": (10, 10000, "种粮一次性补贴: rate × planted area, a few hundred yuan"),
    "car_tradein": (1000, 30000, "汽车以旧换新: 1万–2万 yuan a car"),
    "farmland_subsidy": (1e4, 5e7, "高标准农田: project payments, tens of thousands to millions"),
}

#: plausible age band (from the ID's birth date, today) of the people a dataset lists
AGE_BANDS: dict[str, tuple[int, int, str]] = {
    "elderly_allowance": (70, 130, "高龄津贴 is paid from age 80 (70 leaves room for local rules)"),
    "students": (3, 30, "students in 小学 to 中职"),
    "student_aid_compulsory": (4, 20, "pupils in 小学 and 初中"),
    "student_aid_highschool": (12, 25, "students in 普通高中"),
    "public_employees": (16, 110, "staff on the public payroll are adults"),
    "pension_insured": (16, 120, "the insured are of working age or retired"),
}

#: date fields recording something that already happened, beyond those the contract marks
#: ``not_future``: not after the as-of date
PAST_DATES: dict[str, tuple[str, ...]] = {
    "population": ("birth_date",),
    "deaths": ("death_date",),
    "vehicles": ("register_date",),
    "properties": ("register_date",),
    "enterprises": ("established_date",),
    "disability_cards": ("issue_date",),
}

#: a roster listing more distinct pay months than this covers an implausible period
MAX_PAY_MONTHS = 36


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation: the Great Expectations class name, its kwargs and why it is there."""

    type: str
    kwargs: dict[str, Any]
    notes: str
    group: str

    def describe(self) -> str:
        column = self.kwargs.get("column")
        return f"{self.type}({column})" if column else self.type


@dataclass
class PreparedDataset:
    """The (lazy) frame to validate and what was done to it."""

    frame: pl.LazyFrame
    expectations: list[ExpectationSpec] = field(default_factory=list)
    absent_optional: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)


def _scrub(expr: pl.Expr) -> pl.Expr:
    """Mask anything shaped like an ID number inside a string value."""
    return expr.str.replace_all(_ID_LIKE, "${1}********${2}")


def _subject_id(model: type[ContractModel], present: set[str]) -> str | None:
    ids = [f.name for f in model.field_specs() if f.kind == "id_number" and f.name in present]
    subject = model.__subject_field__
    if subject in ids:
        return subject
    return ids[0] if ids else None


def prepare_frame(
    model: type[ContractModel], staged: pl.LazyFrame | pl.DataFrame, today: dt.date
) -> PreparedDataset:
    """Turn a staged frame into the privacy-safe (lazy) frame the suite of ``model`` checks."""
    specs = model.field_specs()
    lazy = staged.lazy()
    present = set(lazy.collect_schema().names())
    contract = {f.name for f in specs}
    subject = _subject_id(model, present)
    out: list[pl.Expr] = []
    for spec in specs:
        if spec.name not in present:
            continue
        col = pl.col(spec.name)
        if spec.kind == "id_number":
            valid = (
                idnumber.has_format(col)
                & idnumber.has_check_char(col)
                & idnumber.has_real_birth_date(col, today)
            )
            present_id = col.is_not_null()
            out.append(
                pl.when(present_id).then(valid.fill_null(False)).alias(f"{spec.name}__valid")
            )
            out.append(pl.when(present_id).then(idnumber.mask(col)).alias(spec.name))
        elif spec.kind == "text":
            out.append(pl.when(col.is_not_null()).then(pl.lit(PRESENT)).alias(spec.name))
        elif spec.kind in ("enum", "month"):
            out.append(_scrub(col.cast(pl.String)).alias(spec.name))
        elif spec.kind == "date":
            # compared with the datetime bounds of its expectation, listed as datetimes
            out.append(col.cast(pl.Datetime("ns")).alias(spec.name))
        else:
            out.append(col)
    if subject is not None:
        sid = pl.col(subject)
        today_lit = pl.lit(today)
        ok = idnumber.has_format(sid) & idnumber.has_real_birth_date(sid, today)
        out.append(pl.when(ok).then(idnumber.age_at(sid, today_lit)).alias("_age"))
        if model.__dataset__ == "deaths" and "death_date" in present:
            at_death = idnumber.age_at(sid, pl.col("death_date"))
            out.append(pl.when(ok).then(at_death).alias("_age_at_death"))
        if model.__dataset__ == "population" and "birth_date" in present:
            same = idnumber.birth_date(sid) == pl.col("birth_date")
            out.append(pl.when(ok).then(same).alias("_birth_matches_id"))
    if model.__dataset__ == "population" and "gender" in present:
        out.append((pl.col("gender") == "男").cast(pl.Int8).alias("_male"))
    if {"amount", "invoice_amount"} <= present:
        out.append((pl.col("amount") <= pl.col("invoice_amount")).alias("_amount_within_invoice"))
    if {"transferred_out_area_mu", "contracted_area_mu"} <= present:
        out.append(
            (pl.col("transferred_out_area_mu") <= pl.col("contracted_area_mu") + 0.005).alias(
                "_transfer_within_contract"
            )
        )
    frame = lazy.select(out) if out else pl.LazyFrame()
    prepared = PreparedDataset(
        frame=frame,
        absent_optional=[f.name for f in specs if f.optional and f.name not in present],
        extra_columns=sorted(present - contract - {"_source_row"}),
    )
    prepared.expectations = build_expectations(model, frame.collect_schema().names(), today)
    return prepared


def _field_expectations(
    model: type[ContractModel], spec: FieldSpec, today: dt.date
) -> list[ExpectationSpec]:
    name = spec.name
    label = f"{name} ({spec.zh})"
    out: list[ExpectationSpec] = []
    if spec.optional:
        out.append(
            ExpectationSpec(
                "ExpectColumnValuesToNotBeNull",
                {"column": name, "mostly": 0.0},
                f"{label} is optional: completeness is reported, never failed.",
                "completeness",
            )
        )
    else:
        out.append(
            ExpectationSpec(
                "ExpectColumnValuesToNotBeNull",
                {"column": name},
                f"{label} is required by the contract: every staged row has it.",
                "completeness",
            )
        )
    kind = spec.kind
    if kind == "id_number":
        out.append(
            ExpectationSpec(
                "ExpectColumnValuesToBeInSet",
                {"column": f"{name}__valid", "value_set": [True], "mostly": ID_VALID_MOSTLY},
                f"ID validity rate of {label}: format, GB 11643 check character and a real birth "
                f"date, computed before masking; at least {ID_VALID_MOSTLY:.1%} must be valid. "
                f"The ID column itself is shown masked.",
                "id",
            )
        )
    elif kind == "yuan" or (kind == "float" and spec.minimum is not None):
        what = "an area" if name in model.__area_fields__ else "an amount"
        low = 0 if kind == "yuan" else spec.minimum
        kwargs: dict[str, Any] = {"column": name, "min_value": low}
        if kind == "float" and spec.maximum is not None:
            kwargs["max_value"] = spec.maximum
        out.append(
            ExpectationSpec(
                "ExpectColumnValuesToBeBetween",
                kwargs,
                f"{label} is {what}: never below {low}.",
                "range",
            )
        )
    elif kind == "date":
        not_future = spec.not_future or name in PAST_DATES.get(model.__dataset__, ())
        latest = today if not_future else LATEST_DATE
        why = f"it already happened: not after {today}" if not_future else "a plausible date"
        out.append(
            ExpectationSpec(
                "ExpectColumnValuesToBeBetween",
                {
                    "column": name,
                    "min_value": dt.datetime.combine(EARLIEST_DATE, dt.time()),
                    "max_value": dt.datetime.combine(latest, dt.time()),
                },
                f"{label}: {why} ({EARLIEST_DATE} to {latest}).",
                "range",
            )
        )
    elif kind == "year":
        low, high = YEAR_BOUNDS
        out.append(
            ExpectationSpec(
                "ExpectColumnValuesToBeBetween",
                {"column": name, "min_value": low, "max_value": high},
                f"{label}: a year between {low} and {high}.",
                "range",
            )
        )
    elif kind == "int" and (spec.minimum is not None or spec.maximum is not None):
        out.append(
            ExpectationSpec(
                "ExpectColumnValuesToBeBetween",
                {"column": name, "min_value": spec.minimum, "max_value": spec.maximum},
                f"{label}: the contract allows {spec.minimum} to {spec.maximum}.",
                "range",
            )
        )
    elif kind == "enum":
        out.append(
            ExpectationSpec(
                "ExpectColumnValuesToBeInSet",
                {"column": name, "value_set": list(spec.values)},
                f"{label}: one of " + "、".join(spec.values) + ".",
                "enum",
            )
        )
    elif kind == "month":
        out.append(
            ExpectationSpec(
                "ExpectColumnValuesToMatchRegex",
                {"column": name, "regex": MONTH_REGEX},
                f"{label}: a month written YYYY-MM.",
                "format",
            )
        )
    return out


def _distribution(dataset: str, columns: set[str], today: dt.date) -> list[ExpectationSpec]:
    out: list[ExpectationSpec] = []

    def add(type_: str, kwargs: dict[str, Any], notes: str) -> None:
        if kwargs.get("column", "") in columns:
            out.append(ExpectationSpec(type_, kwargs, notes, "distribution"))

    if dataset == "population":
        add(
            "ExpectColumnMeanToBeBetween",
            {"column": "_male", "min_value": 0.45, "max_value": 0.56},
            "Share of 男 in the registered population (_male = 1 for 男): a district's sex "
            "ratio lies near 0.51; outside 0.45–0.56 suggests a truncated or mis-coded extract.",
        )
        add(
            "ExpectColumnMedianToBeBetween",
            {"column": "_age", "min_value": 25, "max_value": 60},
            "Median age (from the ID's birth date, today): China's median age is about 39; "
            "outside 25–60 suggests the extract covers only part of the population.",
        )
        add(
            "ExpectColumnValuesToBeInSet",
            {"column": "_birth_matches_id", "value_set": [True], "mostly": 0.99},
            "出生日期 equals the birth date inside the ID number for at least 99% of residents.",
        )
    if dataset == "deaths":
        add(
            "ExpectColumnMedianToBeBetween",
            {"column": "_age_at_death", "min_value": 50, "max_value": 95},
            "Median age at death (death date minus the ID's birth date): about 75–80 in China.",
        )
        add(
            "ExpectColumnValuesToBeBetween",
            {"column": "_age_at_death", "min_value": 0, "max_value": 125, "mostly": 0.999},
            "Age at death is never negative (death before birth) nor beyond 125.",
        )
    if dataset in AGE_BANDS:
        low, high, why = AGE_BANDS[dataset]
        add(
            "ExpectColumnValuesToBeBetween",
            {"column": "_age", "min_value": low, "max_value": high, "mostly": 0.99},
            f"Age today from the ID's birth date between {low} and {high} for 99% of rows: {why}.",
        )
    if dataset in AMOUNT_BANDS:
        low_f, high_f, why = AMOUNT_BANDS[dataset]
        add(
            "ExpectColumnMeanToBeBetween",
            {"column": "amount", "min_value": low_f, "max_value": high_f},
            f"Mean amount per row between {low_f:,.0f} and {high_f:,.0f} yuan ({why}); a mean "
            "outside the band points at a unit error (分/万元) or a wrong file.",
        )
    if dataset == "grain_subsidy":
        add(
            "ExpectColumnMeanToBeBetween",
            {"column": "rate_per_mu", "min_value": 5, "max_value": 300},
            "Mean subsidy rate per 亩 between 5 and 300 yuan (national rates are tens of yuan).",
        )
    if "pay_month" in columns:
        add(
            "ExpectColumnUniqueValueCountToBeBetween",
            {"column": "pay_month", "min_value": 1, "max_value": MAX_PAY_MONTHS},
            f"Month spread: the roster covers 1 to {MAX_PAY_MONTHS} distinct pay months; more "
            "means stale or mixed-up months.",
        )
    add(
        "ExpectColumnValuesToBeInSet",
        {"column": "_amount_within_invoice", "value_set": [True], "mostly": 0.999},
        "The trade-in subsidy does not exceed the car's invoice amount.",
    )
    add(
        "ExpectColumnValuesToBeInSet",
        {"column": "_transfer_within_contract", "value_set": [True], "mostly": 0.999},
        "The area transferred out does not exceed the contracted area.",
    )
    return out


def build_expectations(
    model: type[ContractModel], columns: Sequence[str], today: dt.date
) -> list[ExpectationSpec]:
    """The suite of ``model`` for a prepared frame with ``columns``."""
    present = set(columns)
    out = [
        ExpectationSpec(
            "ExpectTableRowCountToBeBetween",
            {"min_value": 1},
            "The staged dataset is not empty.",
            "table",
        )
    ]
    for spec in model.field_specs():
        if spec.name in present:
            out.extend(_field_expectations(model, spec, today))
        elif not spec.optional:
            out.append(
                ExpectationSpec(
                    "ExpectColumnToExist",
                    {"column": spec.name},
                    f"{spec.name} ({spec.zh}) is required by the contract.",
                    "completeness",
                )
            )
    out.extend(_distribution(model.__dataset__, present, today))
    return out


def suite_notes(
    model: type[ContractModel],
    prepared: PreparedDataset,
    *,
    rows: int,
    validated_rows: int,
    sample_step: int,
    quarantined: int | None,
) -> list[str]:
    """Suite-level notes (markdown): the dataset, sampling, quarantine, privacy handling."""
    lines = [
        f"**{model.__title_zh__}** (`{model.__dataset__}`, {model.__family__}).",
        f"Staged rows: {rows:,}; validated rows: {validated_rows:,}.",
    ]
    if sample_step > 1:
        lines.append(
            f"Validated on a deterministic sample: every {sample_step}th staged row "
            f"({validated_rows:,} of {rows:,}); rates and distributions are estimates."
        )
    if quarantined is not None:
        total = rows + quarantined
        rate = quarantined / total if total else 0.0
        lines.append(f"Quarantined at ingestion: {quarantined:,} of {total:,} rows ({rate:.2%}).")
    lines.append(
        "Privacy: ID numbers appear masked (`420112********0014`) next to a computed validity "
        "flag; names and other free text are reduced to a presence marker."
    )
    if prepared.absent_optional:
        lines.append("Optional fields absent: " + ", ".join(prepared.absent_optional) + ".")
    if prepared.extra_columns:
        lines.append(
            f"Extra department columns kept in staging, not validated: "
            f"{len(prepared.extra_columns)}."
        )
    return lines


# ---------------------------------------------------------------------------- quarantine rates

#: the name of a rate in the quarantine summary frame: ``<dataset>.quarantine_rate``
QUARANTINE_RATE = "quarantine_rate"


def quarantine_column(check: RateCheck) -> str:
    """``inmates.quarantine_rate`` or ``inmates.quarantine_rate[row:duplicate_row]``."""
    column = f"{check.dataset}.{QUARANTINE_RATE}"
    return column if check.reason is None else f"{column}[{check.reason}]"


def quarantine_frame(checks: Sequence[RateCheck]) -> pl.DataFrame:
    """One row holding every rate (computed from the ingestion counts, not from rows)."""
    return pl.DataFrame(
        {quarantine_column(c): [round(c.rate, 6)] for c in checks},
        schema={quarantine_column(c): pl.Float64 for c in checks},
    )


def quarantine_expectations(checks: Sequence[RateCheck]) -> list[ExpectationSpec]:
    """One expectation per rate: at most its limit (the dataset fails when one is above)."""
    return [
        ExpectationSpec(
            "ExpectColumnMaxToBeBetween",  # its page shows the observed rate
            {"column": quarantine_column(c), "min_value": 0.0, "max_value": c.limit},
            f"`{c.dataset}`: rows quarantined at ingestion "
            f"{'in all' if c.reason is None else 'for this reason'}: {c.quarantined:,} of "
            f"{c.rows_in:,} rows read; at most {c.limit:.2%} allowed "
            "(data/reference/quality-thresholds.yaml, or the district's thresholds.yaml).",
            "quarantine",
        )
        for c in checks
    ]
