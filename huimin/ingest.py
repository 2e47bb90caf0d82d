"""Ingest one dataset: read, map headers, parse, check every row, split valid from quarantined.

Every input row ends up in exactly one place: the staged Parquet (typed contract columns,
extra department columns as text, ``_source_row``) or the quarantine Parquet (the original
text of every column, ``_source_row`` and ``_reasons``, the list of everything wrong with it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
NORM = "__norm__"
FLAG = "__flag__"
BAD = "__bad__"
DETAIL = "__detail__"
EXCEL_NUMBER = r"^\d(\.\d+)?[eE]\+?\d+$|^\d{15,18}\.0$"
PARQUET_NUMBER_FIX = (
    "write the ID column of the Parquet file as a string (text) column: an ID number is never "
    "a number, and one ending in X cannot be stored as one"
)
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
                PARQUET_NUMBER_FIX if raw.file_format == "parquet" else EXCEL_NUMBER_FIX,
            )


@dataclass
class Problem:
    """One kind of row problem: a boolean column of the frame and how to say it."""

    flag: str  # the boolean column, true where the row has the problem
    tag: str  # short name counted in the manifest, e.g. "amount:non_negative"
    message: str
    raw_column: str | None  # the department's column whose text the message quotes
    detail: pl.Expr | None = None  # a row-specific message, where the model gives one


def parse_fields(
    frame: pl.DataFrame, model: type[ContractModel], by_field: dict[str, str]
) -> tuple[pl.DataFrame, list[Problem]]:
    """Add typed contract columns and flag cells that are unreadable or missing."""
    specs = model.field_specs()
    frame = frame.with_columns(
        parsing.normalise(s.kind, pl.col(by_field[s.name])).alias(NORM + s.name)
        for s in specs
        if s.name in by_field
    )
    frame = frame.with_columns(
        parsing.convert(s.kind, pl.col(NORM + s.name)).alias(s.name)
        if s.name in by_field
        else pl.lit(None, dtype=parsing.DTYPES[s.kind]).alias(s.name)
        for s in specs
    )
    flags, problems = [], []
    for spec in specs:
        raw = by_field.get(spec.name)
        if raw is None:
            continue
        present = pl.col(NORM + spec.name).is_not_null()
        unreadable = f"{FLAG}{spec.name}:unreadable"
        flags.append((present & pl.col(spec.name).is_null()).alias(unreadable))
        form = parsing.EXPECTED_FORM[spec.kind]
        problems.append(
            Problem(
                unreadable,
                f"{spec.name}:unreadable",
                f"{_label(spec)}: cannot be read as {form}",
                raw,
            )
        )
        if not spec.optional:
            missing = f"{FLAG}{spec.name}:missing"
            flags.append((~present).alias(missing))
            problems.append(
                Problem(
                    missing,
                    f"{spec.name}:missing",
                    f"{_label(spec)}: required value is missing",
                    None,
                )
            )
    return frame.with_columns(flags).drop(NORM + s.name for s in specs if s.name in by_field), (
        problems
    )


def _label(spec: FieldSpec) -> str:
    return f"{spec.name} {spec.zh}"


def check_flags(
    frame: pl.DataFrame, model: type[ContractModel], by_field: dict[str, str]
) -> tuple[pl.DataFrame, list[Problem]]:
    """Run every pandera check of the model row by row; add a flag column per failing check."""
    schema = model.to_schema()
    specs = {s.name: s for s in model.field_specs()}
    lazy = frame.lazy()
    jobs: list[tuple[pl.LazyFrame, FieldSpec | None, Any]] = []
    for name, column in schema.columns.items():
        for check in column.checks:
            jobs.append(
                (PolarsCheckBackend(check).apply(PolarsData(lazy, name)), specs[name], check)
            )
    for check in schema.checks:
        jobs.append((PolarsCheckBackend(check).apply(PolarsData(lazy, "*")), None, check))
    outputs = pl.collect_all([job[0] for job in jobs])
    flags, problems = [], []
    for (_, spec, check), output in zip(jobs, outputs, strict=True):
        passed = output.to_series()
        if spec is not None and check.ignore_na:
            passed = passed | frame.get_column(spec.name).is_null()
        failed = ~passed.fill_null(True)
        if not failed.any():
            continue
        name = f"{FLAG}{spec.name if spec else 'row'}:{check.name}"
        flags.append(failed.alias(name))
        label = _label(spec) + ": " if spec else ""
        raw = by_field.get(spec.name) if spec else None
        detail = model.row_check_detail(check.name) if spec is None else None
        problems.append(
            Problem(name, name.removeprefix(FLAG), f"{label}{check.error}", raw, detail)
        )
    return frame.with_columns(flags), problems


def _reasons(problems: list[Problem]) -> pl.Expr:
    texts = []
    for p in problems:
        if p.detail is not None:
            text = pl.format(f"{p.message}: {{}}", p.detail)
        elif p.raw_column is None:
            text = pl.lit(p.message)
        else:
            text = pl.format(f"{p.message} (value '{{}}')", pl.col(p.raw_column).fill_null(""))
        texts.append(pl.when(pl.col(p.flag)).then(text))
    return pl.concat_list(texts).list.drop_nulls().alias(REASONS)


def split(
    raw: RawTable, model: type[ContractModel], mapping: dict[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """Return (valid typed rows, quarantined raw rows with reasons, rows per problem)."""
    original = [c for c in raw.frame.columns if c != SOURCE_ROW]
    frame = raw.frame.rename({c: RAW + c for c in original})
    by_field = {target: RAW + column for column, target in mapping.items()}
    frame, problems = parse_fields(frame, model, by_field)
    frame, check_problems = check_flags(frame, model, by_field)
    problems += check_problems
    flags = [p.flag for p in problems]
    bad = pl.any_horizontal(flags) if flags else pl.lit(False)
    frame = frame.with_columns(bad.alias(BAD))
    counts = frame.select(pl.col(flags).sum()).row(0, named=True) if flags else {}
    by_tag = {p.tag: int(counts[p.flag]) for p in problems if counts[p.flag]}
    fields = [s.name for s in model.field_specs()]
    extras = [c for c in original if c not in mapping]
    valid = frame.filter(~pl.col(BAD)).select(
        *fields, *[pl.col(RAW + c).alias(c) for c in extras], SOURCE_ROW
    )
    windowed = [p for p in problems if p.detail is not None]
    if windowed:  # details look at other rows (an earlier copy, the rest of a household)
        frame = frame.with_columns(p.detail.alias(DETAIL + p.flag) for p in windowed)  # type: ignore[union-attr]
        for p in windowed:
            p.detail = pl.col(DETAIL + p.flag)
    quarantined = (
        frame.filter(pl.col(BAD))
        .with_columns(_reasons(problems))
        .select(SOURCE_ROW, *[pl.col(RAW + c).alias(c) for c in original], REASONS)
    )
    return valid, quarantined, dict(sorted(by_tag.items()))


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
    result.reasons = counts
    result.extra_columns = [c for c in raw.frame.columns if c not in mapping and c != SOURCE_ROW]
    if result.rows_in != result.rows_valid + result.rows_quarantined:  # pragma: no cover
        raise AssertionError(f"{path}: rows in != valid + quarantined")
    return result
