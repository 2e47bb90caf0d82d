"""Ingest one dataset: read, map headers, parse, check every row, split valid from quarantined.

Every input row ends up in exactly one place: the staged Parquet (typed contract columns,
extra department columns as text, ``_source_row``) or the quarantine Parquet (the original
text of every column, ``_source_row`` and ``_reasons``, the list of everything wrong with it).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.backends.polars.checks import PolarsCheckBackend

from huimin import parsing
from huimin.atomic import write_parquet
from huimin.errors import DataFileError
from huimin.readers import SOURCE_ROW, RawTable, header_key, read_table
from schemas import ContractModel, FieldSpec

REASONS = "_reasons"
RAW = "__raw__"
EXCEL_NUMBER = r"^\d(\.\d+)?[eE]\+?\d+$|^\d{15,18}\.0$"
EXCEL_NUMBER_FIX = (
    "re-export the sheet with the ID column formatted as text (文本), or as CSV from the "
    "source system; Excel keeps only 15 significant digits, the lost digits cannot be recovered"
)


@dataclass
class DatasetResult:
    """What ingesting one dataset produced; goes into the run manifest."""

    dataset: str
    file: str
    file_format: str = ""
    encoding: str | None = None
    sha256: str = ""
    rows_in: int = 0
    rows_valid: int = 0
    rows_quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def known_headers(model: type[ContractModel], renames: dict[str, str]) -> set[str]:
    return {header_key(h) for h in [*model.aliases(), *renames]}


def map_headers(
    raw: RawTable, model: type[ContractModel], renames: dict[str, str], path: Path
) -> dict[str, str]:
    """File column → canonical field, from the contract's names, Chinese headers and renames."""
    lookup = {header_key(k): v for k, v in model.aliases().items()}
    lookup.update({header_key(k): v for k, v in renames.items()})
    mapping: dict[str, str] = {}
    for column in raw.frame.columns:
        target = lookup.get(header_key(column))
        if column == SOURCE_ROW or target is None:
            continue
        if target in mapping.values():
            first = next(k for k, v in mapping.items() if v == target)
            raise DataFileError(
                path,
                f"columns '{first}' and '{column}' both map to field {target}",
                "keep one of them or rename the other in sources.yaml",
            )
        mapping[column] = target
    missing = [f for f in model.field_specs() if not f.optional and f.name not in mapping.values()]
    if missing:
        names = ", ".join(f"{f.zh} ({f.name})" for f in missing)
        raise DataFileError(
            path,
            f"missing required column{'s' if len(missing) > 1 else ''} {names}",
            "add the column, or map your own header to it in sources.yaml",
        )
    return mapping


def check_excel_numbers(
    raw: RawTable, mapping: dict[str, str], model: type[ContractModel], path: Path
) -> None:
    """Stop when ID numbers were stored as numbers: their last digits are already lost."""
    id_fields = {f.name for f in model.field_specs() if f.kind == "id_number"}
    for column, target in mapping.items():
        if target not in id_fields:
            continue
        values = raw.frame.get_column(column)
        count = raw.numeric_cells.get(column) or int(values.str.contains(EXCEL_NUMBER).sum())
        if count:
            raise DataFileError(
                path,
                f"ID numbers in column '{column}' are stored as numbers "
                f"({count} of {values.len()} rows)",
                EXCEL_NUMBER_FIX,
            )


def _reason(condition: pl.Expr, spec: FieldSpec, message: str, raw: pl.Expr) -> pl.Expr:
    text = pl.format(f"{spec.name} {spec.zh}: {message} (value '{{}}')", raw.fill_null(""))
    return pl.when(condition).then(text)


def _tag(condition: pl.Expr, tag: str) -> pl.Expr:
    return pl.when(condition).then(pl.lit(tag))


def parse_fields(
    frame: pl.DataFrame, model: type[ContractModel], mapping: dict[str, str]
) -> tuple[pl.DataFrame, list[pl.Expr], list[pl.Expr]]:
    """Add typed contract columns; return the parse-failure reason and tag expressions."""
    by_field = {target: column for column, target in mapping.items()}
    typed, reasons, tags = [], [], []
    for spec in model.field_specs():
        raw_name = by_field.get(spec.name)
        if raw_name is None:
            typed.append(pl.lit(None, dtype=parsing.DTYPES[spec.kind]).alias(spec.name))
            continue
        raw = pl.col(raw_name)
        typed.append(parsing.parse(spec.kind, raw).alias(spec.name))
        present = parsing.clean(raw).is_not_null()
        value = pl.col(spec.name)
        bad = present & value.is_null()
        form = parsing.EXPECTED_FORM[spec.kind]
        reasons.append(_reason(bad, spec, f"cannot be read as {form}", raw))
        tags.append(_tag(bad, f"{spec.name}:unreadable"))
        if not spec.optional:
            reasons.append(_reason(~present, spec, "required value is missing", raw))
            tags.append(_tag(~present, f"{spec.name}:missing"))
    return frame.with_columns(typed), reasons, tags


def check_masks(
    frame: pl.DataFrame, model: type[ContractModel], mapping: dict[str, str]
) -> tuple[list[pl.Series], list[pl.Series]]:
    """Run every pandera check of the model row by row; return reason and tag series."""
    schema = model.to_schema()
    by_field = {target: column for column, target in mapping.items()}
    specs = {s.name: s for s in model.field_specs()}
    lazy = frame.lazy()
    jobs: list[tuple[pl.LazyFrame, str | None, str, bool]] = []
    for name, column in schema.columns.items():
        for check in column.checks:
            out = PolarsCheckBackend(check).apply(PolarsData(lazy, name))
            jobs.append((out, name, check.name, bool(check.ignore_na)))
    for check in schema.checks:
        out = PolarsCheckBackend(check).apply(PolarsData(lazy, "*"))
        jobs.append((out, None, check.name, True))
    results = pl.collect_all([job[0] for job in jobs])
    reasons, tags = [], []
    for (_, name, check_name, ignore_na), result in zip(jobs, results, strict=True):
        passed = result.to_series()
        if name is not None and ignore_na:
            passed = passed | frame.get_column(name).is_null()
        failed = ~passed.fill_null(True)
        if not failed.any():
            continue
        check = next(
            c
            for c in (schema.columns[name].checks if name else schema.checks)
            if c.name == check_name
        )
        reasons.append(_check_reason(frame, failed, specs.get(name or ""), by_field, check.error))
        tags.append(
            pl.Series([f"{name or 'row'}:{check_name}"] * frame.height).zip_with(
                failed, pl.Series([None] * frame.height, dtype=pl.String)
            )
        )
    return reasons, tags


def _check_reason(
    frame: pl.DataFrame,
    failed: pl.Series,
    spec: FieldSpec | None,
    by_field: dict[str, str],
    error: str | None,
) -> pl.Series:
    if spec is None:
        text = pl.lit(error or "row check failed")
    else:
        raw = pl.col(by_field[spec.name]) if spec.name in by_field else pl.lit("")
        text = pl.format(f"{spec.name} {spec.zh}: {error} (value '{{}}')", raw.fill_null(""))
    messages = frame.select(text.alias("m")).to_series()
    return messages.zip_with(failed, pl.Series([None] * frame.height, dtype=pl.String))


def split(
    raw: RawTable, model: type[ContractModel], mapping: dict[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame, Counter[str]]:
    """Return (valid typed rows, quarantined raw rows with reasons, reason tag counts)."""
    original = [c for c in raw.frame.columns if c != SOURCE_ROW]
    frame = raw.frame.rename({c: RAW + c for c in original})
    raw_mapping = {RAW + column: target for column, target in mapping.items()}
    frame, reason_exprs, tag_exprs = parse_fields(frame, model, raw_mapping)
    frame = frame.with_columns(
        pl.concat_list(reason_exprs).list.drop_nulls().alias(REASONS),
        pl.concat_list(tag_exprs).list.drop_nulls().alias("_tags"),
    )
    check_reasons, check_tags = check_masks(frame, model, raw_mapping)
    if check_reasons:
        frame = frame.with_columns(
            pl.concat_list([pl.col(REASONS), *[pl.lit(s) for s in check_reasons]])
            .list.drop_nulls()
            .alias(REASONS),
            pl.concat_list([pl.col("_tags"), *[pl.lit(s) for s in check_tags]])
            .list.drop_nulls()
            .alias("_tags"),
        )
    bad = frame.get_column(REASONS).list.len() > 0
    counts: Counter[str] = Counter(frame.filter(bad).get_column("_tags").explode().drop_nulls())
    fields = [s.name for s in model.field_specs()]
    extras = [c for c in original if c not in mapping]
    valid = frame.filter(~bad).select(
        *fields, *[pl.col(RAW + c).alias(c) for c in extras], SOURCE_ROW
    )
    quarantined = frame.filter(bad).select(
        SOURCE_ROW, *[pl.col(RAW + c).alias(c) for c in original], REASONS
    )
    return valid, quarantined, counts


def ingest_file(
    path: Path, model: type[ContractModel], output: Path, renames: dict[str, str] | None = None
) -> DatasetResult:
    """Ingest one file as the dataset of ``model``; whole-file faults raise DataFileError."""
    renames = renames or {}
    result = DatasetResult(dataset=model.__dataset__, file=str(path))
    result.sha256 = sha256_of(path)
    raw = read_table(path, known_headers(model, renames))
    result.file_format, result.encoding = raw.file_format, raw.encoding
    if raw.frame.height == 0:
        raise DataFileError(path, "has a header but no rows", "send the file with its rows")
    mapping = map_headers(raw, model, renames, path)
    check_excel_numbers(raw, mapping, model, path)
    valid, quarantined, counts = split(raw, model, mapping)
    write_parquet(valid, output / "staged" / f"{model.__dataset__}.parquet")
    write_parquet(quarantined, output / "quarantine" / f"{model.__dataset__}.parquet")
    result.rows_in = raw.frame.height
    result.rows_valid, result.rows_quarantined = valid.height, quarantined.height
    result.reasons = dict(sorted(counts.items()))
    result.extra_columns = [c for c in raw.frame.columns if c not in mapping and c != SOURCE_ROW]
    if result.rows_in != result.rows_valid + result.rows_quarantined:  # pragma: no cover
        raise AssertionError(f"{path}: rows in != valid + quarantined")
    return result
