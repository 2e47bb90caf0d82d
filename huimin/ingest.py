"""Ingest one dataset: read, map headers, parse, check every row, split valid from quarantined.

Every input row ends up in exactly one place: the staged Parquet (typed contract columns,
extra department columns as text, ``_source_row``) or the quarantine Parquet (the original
text of every column, ``_source_row`` and ``_reasons``, the list of everything wrong with it).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from huimin.atomic import atomic_path
from huimin.context import RunContext
from huimin.errors import DataFileError, InternalError
from huimin.readers import SOURCE_ROW, RawTable, header_key, read_table
from huimin.rowchecks import (
    RAW,
    attach_global,
    flag_chunk,
    global_failures,
    make_plan,
    split_chunk,
)
from huimin.schemas import ContractModel

#: rows handled at once; larger files are processed chunk by chunk to bound memory
CHUNK_ROWS = 1_000_000
#: zstd's fastest level: files barely larger than at the default level, written faster
ZSTD_LEVEL = 1
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
    #: what decides this result (file bytes, contract, mapping, date, limits, code)
    fingerprint: str = ""
    #: taken over from the previous run, whose fingerprint was the same
    reused: bool = False

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
    for column in raw.frame.collect_schema().names():
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
        count = raw.numeric_cells.get(column) or int(
            raw.frame.select(pl.col(column).str.contains(EXCEL_NUMBER).sum()).collect().item()
        )
        if count:
            raise DataFileError(
                path,
                f"ID numbers in column '{column}' are stored as numbers "
                f"({count} of {raw.rows} rows)",
                PARQUET_NUMBER_FIX if raw.file_format == "parquet" else EXCEL_NUMBER_FIX,
            )


def ingest_file(
    path: Path,
    model: type[ContractModel],
    output: Path,
    renames: dict[str, str] | None = None,
    *,
    ctx: RunContext | None = None,
    work: Path | None = None,
    sha256: str | None = None,
) -> DatasetResult:
    """Ingest one file as the dataset of ``model``; whole-file faults raise DataFileError.

    ``sha256``: the file's digest when the caller has just computed it (else computed here).

    ``ctx`` carries the date data is judged at and the limits on hostile input; without it,
    :meth:`RunContext.today` (today and the default limits). Every temporary copy of the
    file's rows lives in a folder made inside ``work`` (the run's own work folder) and removed
    at the end; without ``work``, inside ``output``.
    """
    ctx = ctx or RunContext.today()
    output.mkdir(parents=True, exist_ok=True)
    parent = work if work is not None else output
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".huimin-work-", dir=parent) as tmp:
        result = DatasetResult(
            dataset=model.__dataset__, file=str(path), sha256=sha256 or sha256_of(path)
        )
        return _ingest(result, path, model, output, renames or {}, Path(tmp), ctx)


def _ingest(
    result: DatasetResult,
    path: Path,
    model: type[ContractModel],
    output: Path,
    renames: dict[str, str],
    work: Path,
    ctx: RunContext,
) -> DatasetResult:
    raw = read_table(path, known_headers(model, renames), work, ctx.limits)
    result.file_format, result.encoding = raw.file_format, raw.encoding
    if raw.rows == 0:
        raise DataFileError(path, "has a header but no rows", "send the file with its rows")
    mapping = map_headers(raw, model, renames, path)
    check_excel_numbers(raw, mapping, model, path)
    original = [c for c in raw.frame.collect_schema().names() if c != SOURCE_ROW]
    plan = make_plan(
        model,
        {target: RAW + column for column, target in mapping.items()},
        ctx.as_of,
        columns=original,
        max_text_chars=ctx.limits.max_text_chars,
    )
    renamed = raw.frame.rename({c: RAW + c for c in original})

    chunks = ChunkStore(work / "flagged", raw.rows)
    for offset in range(0, raw.rows, CHUNK_ROWS):
        chunks.add(flag_chunk(renamed.slice(offset, CHUNK_ROWS).collect(), plan))
    typed = chunks.scan().select(*[s.name for s in model.field_specs()], SOURCE_ROW)
    failures = global_failures(typed, plan)

    valid_parts, quarantine_parts = ChunkStore(work / "valid"), ChunkStore(work / "quarantine")
    counts: Counter[str] = Counter()
    for chunk in chunks:
        valid, quarantined, chunk_counts = split_chunk(
            attach_global(chunk, failures, plan), plan, original, mapping
        )
        valid_parts.add(valid)
        quarantine_parts.add(quarantined)
        counts.update(chunk_counts)
    valid_parts.write(output / "staged" / f"{model.__dataset__}.parquet")
    quarantine_parts.write(output / "quarantine" / f"{model.__dataset__}.parquet")

    result.rows_in = raw.rows
    result.rows_valid, result.rows_quarantined = valid_parts.rows, quarantine_parts.rows
    result.reasons = dict(sorted(counts.items()))
    result.extra_columns = [c for c in original if c not in mapping]
    if result.rows_in != result.rows_valid + result.rows_quarantined:
        raise InternalError(
            f"{path}: {result.rows_in} rows in but "
            f"{result.rows_valid} valid + {result.rows_quarantined} quarantined"
        )
    return result


class ChunkStore:
    """Chunks of one frame: kept in memory when small, spilled to Parquet files when large."""

    def __init__(self, folder: Path, expected_rows: int = 0) -> None:
        self.folder = folder
        self.spill = expected_rows > CHUNK_ROWS
        self.frames: list[pl.DataFrame] = []
        self.paths: list[Path] = []
        self.rows = 0

    def add(self, frame: pl.DataFrame) -> None:
        self.rows += frame.height
        if not self.spill and (not self.frames or self.rows <= CHUNK_ROWS):
            self.frames.append(frame)
            return
        self.spill = True
        self.folder.mkdir(parents=True, exist_ok=True)
        for held in [*self.frames, frame]:
            path = self.folder / f"part-{len(self.paths):05d}.parquet"
            held.write_parquet(path, compression="lz4")
            self.paths.append(path)
        self.frames = []

    def __iter__(self) -> Iterator[pl.DataFrame]:
        yield from self.frames
        for path in self.paths:
            yield pl.read_parquet(path)

    def scan(self) -> pl.LazyFrame:
        if self.paths:
            return pl.scan_parquet(self.paths)
        return pl.concat(self.frames, how="vertical").lazy()

    def write(self, target: Path) -> None:
        """Write every chunk, in order, as one Parquet file (atomically)."""
        with atomic_path(target) as tmp:
            if not self.paths:
                frame = pl.concat(self.frames, how="vertical")
                frame.write_parquet(tmp, compression="zstd", compression_level=ZSTD_LEVEL)
                return
            pl.scan_parquet(self.paths).sink_parquet(
                tmp, compression="zstd", compression_level=ZSTD_LEVEL
            )
