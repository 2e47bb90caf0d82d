"""How each department sends its file, and typed frames turned into the text of the cells."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

import huimin.schemas as schemas
from huimin.schemas.common import FieldSpec


@dataclass(frozen=True)
class Form:
    """One dataset's file: format, header language, date and month styles."""

    fmt: str  # "xlsx", "csv-gbk", "csv-bom", "parquet"
    chinese: bool
    date_style: str  # "iso", "slash", "cn", "excel" (real Excel date cells; iso text elsewhere)
    month_style: str = "iso"  # "iso", "compact", "cn"

    @property
    def ext(self) -> str:
        return {"xlsx": "xlsx", "parquet": "parquet"}.get(self.fmt, "csv")

    def row_offset(self) -> int:
        """source_row of the first data row minus 0-based position."""
        return {"xlsx": 3, "parquet": 1}.get(self.fmt, 2)


FORMS: dict[str, Form] = {
    "population": Form("parquet", False, "iso"),
    "deaths": Form("csv-bom", True, "slash"),
    "vehicles": Form("csv-gbk", True, "iso"),
    "enterprises": Form("parquet", False, "iso"),
    "public_employees": Form("xlsx", True, "excel"),
    "properties": Form("csv-bom", False, "cn"),
    "disability_cards": Form("xlsx", True, "iso"),
    "students": Form("csv-gbk", True, "iso"),
    "inmates": Form("xlsx", True, "excel"),
    "pension_insured": Form("parquet", False, "iso", "compact"),
    "land_contracts": Form("xlsx", True, "iso"),
    "resettlement_registry": Form("csv-bom", True, "cn"),
    "grain_subsidy": Form("xlsx", True, "excel"),
    "car_tradein": Form("csv-bom", True, "slash"),
    "dibao_rural": Form("xlsx", True, "iso", "cn"),
    "dibao_urban": Form("csv-gbk", True, "iso", "compact"),
    "tekun": Form("xlsx", True, "iso", "iso"),
    "disability_living": Form("csv-gbk", True, "iso", "iso"),
    "disability_care": Form("xlsx", True, "iso", "compact"),
    "elderly_allowance": Form("parquet", False, "iso", "iso"),
    "premium_subsidy": Form("xlsx", True, "iso"),
    "student_aid_compulsory": Form("csv-gbk", True, "slash"),
    "student_aid_highschool": Form("xlsx", True, "excel"),
    "resettlement_subsidy": Form("csv-bom", True, "cn"),
    "farmland_subsidy": Form("xlsx", True, "excel"),
}
XLSX_MAX_ROWS = 1_000_000


def form_for(dataset: str, expected_rows: int) -> Form:
    """The dataset's form; XLSX falls back to GBK CSV when it would reach 1,000,000 rows."""
    form = FORMS[dataset]
    if form.fmt == "xlsx" and expected_rows >= XLSX_MAX_ROWS:
        date_style = "iso" if form.date_style == "excel" else form.date_style
        return Form("csv-gbk", True, date_style, form.month_style)
    return form


def specs(dataset: str) -> list[FieldSpec]:
    return schemas.DATASETS[dataset].field_specs()


DATE_FORMATS = {
    "iso": "%Y-%m-%d",
    "excel": "%Y-%m-%d",
    "slash": "%Y/%-m/%-d",
    "cn": "%Y年%-m月%-d日",
}


def date_text(col: pl.Expr, style: str) -> pl.Expr:
    return col.dt.strftime(DATE_FORMATS[style])


def month_text(col: pl.Expr, style: str) -> pl.Expr:
    """'YYYY-MM' in the given style."""
    year, month = col.str.slice(0, 4), col.str.slice(5, 2)
    if style == "compact":
        return pl.concat_str([year, month])
    if style == "cn":
        return pl.concat_str([year, pl.lit("年"), month.str.strip_chars_start("0"), pl.lit("月")])
    return col


def money_text(col: pl.Expr) -> pl.Expr:
    """Amounts with 2 decimals dropped when whole: 130, 312.50."""
    cents = (col * 100).round(0).cast(pl.Int64)
    whole = (cents // 100).cast(pl.String)
    frac = (cents % 100).cast(pl.String).str.zfill(2)
    return (
        pl.when(cents % 100 == 0).then(whole).otherwise(pl.concat_str([whole, pl.lit("."), frac]))
    )


def cell_text(spec: FieldSpec, form: Form) -> pl.Expr:
    col = pl.col(spec.name)
    if spec.kind == "date":
        return date_text(col, form.date_style)
    if spec.kind == "month":
        return month_text(col, form.month_style)
    if spec.kind in ("yuan", "float"):
        return money_text(col)
    if spec.kind == "bool":
        return pl.when(col).then(pl.lit("是")).otherwise(pl.lit("否"))
    return col.cast(pl.String)


def to_text(dataset: str, frame: pl.DataFrame, form: Form) -> pl.DataFrame:
    """Canonical text columns (null for an empty cell) plus the hidden helper columns."""
    fields = specs(dataset)
    hidden = [c for c in frame.columns if c.startswith("_")]
    exprs: list[pl.Expr] = [cell_text(s, form).alias(s.name) for s in fields]
    return frame.select(exprs + [pl.col(c) for c in hidden])


def headers(dataset: str, form: Form) -> list[str]:
    return [s.zh if form.chinese else s.name for s in specs(dataset)]
