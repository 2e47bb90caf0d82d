"""Row checks of one dataset, chunk by chunk, as boolean flag columns.

Every problem a row can have is a :class:`Problem`: a flag column (true where the row has it)
and the words that say it. Parse failures, missing required values and the pandera column
checks are computed chunk by chunk; the model's *global* dataframe checks (duplicates,
household consistency) need every row at once and run on the typed columns only. Reason texts
are built for quarantined rows only.

Every text cell, contract field or department column, is also checked as text:

- a control character (U+0000-U+001F and U+007F-U+009F) other than tab, CR and LF is no text a
  person typed (a NUL comes from a broken export): the row is quarantined;
- a line break (CR or LF) inside a value is allowed in free text (an address typed with
  Alt+Enter in Excel, a description) and in department columns, but not in a name, an ID number
  or any typed field (number, date, month, year, enum, yes/no): parsing drops spaces there, so
  "120<LF>5" would silently read as 1205, and a name on two lines matches nobody;
- a cell longer than the run's ``max_text_chars`` is quarantined (names and addresses are far
  shorter; a runaway quote or a pasted document is not data).

The date data is judged at travels in the plan (:func:`make_plan`'s ``as_of``): the plan's
schema carries the checks built for that date, so plans of different dates never interfere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.backends.polars.checks import PolarsCheckBackend

from huimin import parsing
from huimin.context import MAX_TEXT_CHARS
from huimin.readers import SOURCE_ROW
from huimin.schemas import ContractModel, FieldSpec

#: the engine of the queries over a chunk held in memory (the streaming engine has stumbled
#: on reason texts of rows filtered from a chunk read back from Parquet)
ENGINE: Final = "in-memory"
RAW = "__raw__"
NORM = "__norm__"
FLAG = "__flag__"
DETAIL = "__detail__"
BAD = "__bad__"
REASONS = "_reasons"
TEXT = "__text__"
FILLED = "__filled__"
#: control characters no person types: C0 but tab, LF and CR; DEL and C1
CONTROL_CHARACTERS = [
    chr(code) for code in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]
]
#: a CR or LF with a character other than spaces and line breaks somewhere before and after
#: it: a line break that trimming the value's ends leaves inside it
INNER_LINE_BREAK = "(?s)[^ \t\r\n\u3000].*[\r\n].*[^ \t\r\n\u3000]"
CONTROL_FLAG = FLAG + "row:control_character"
LINE_BREAK_FLAG = FLAG + "row:line_break"
TOO_LONG_FLAG = FLAG + "row:text_too_long"


@dataclass(frozen=True)
class Problem:
    """One kind of row problem: a flag column and how to say it."""

    flag: str  # the boolean column, true where the row has the problem
    message: str
    raw_column: str | None = None  # the department's column whose text the message quotes
    detail: bool = False  # a row-specific detail column DETAIL + flag explains it

    @property
    def tag(self) -> str:
        """Short name counted in the manifest, e.g. ``amount:non_negative``."""
        return self.flag.removeprefix(FLAG)


@dataclass(frozen=True)
class Plan:
    """The problems of a dataset given how its file's columns map to the contract."""

    model: type[ContractModel]
    by_field: dict[str, str]  # field → raw column (RAW-prefixed)
    problems: tuple[Problem, ...]
    as_of: dt.date  # the date data is judged at
    columns: tuple[str, ...] = ()  # every column of the file, as its header reads
    max_text_chars: int = MAX_TEXT_CHARS

    @property
    def flags(self) -> list[str]:
        return [p.flag for p in self.problems]

    @property
    def schema(self) -> pa.DataFrameSchema:
        """The model's pandera schema with its checks built for :attr:`as_of`."""
        return self.model.schema_as_of(self.as_of)

    def global_flags(self) -> list[str]:
        return [FLAG + "row:" + name for name in self.model.__global_checks__]


def _label(spec: FieldSpec) -> str:
    return f"{spec.name} {spec.zh}"


def one_line_only(spec: FieldSpec) -> bool:
    """Fields where a line break inside the value is refused: all but free text, and names."""
    return spec.kind != "text" or spec.name == "name" or spec.name.endswith("_name")


def make_plan(
    model: type[ContractModel],
    by_field: dict[str, str],
    as_of: dt.date,
    *,
    columns: Sequence[str] = (),
    max_text_chars: int = MAX_TEXT_CHARS,
) -> Plan:
    """Every problem the file can show, in a fixed order (so every chunk has the same columns).

    ``by_field`` maps each contract field to its raw column (RAW + the file's header);
    ``columns`` lists every header of the file (contract and department columns), whose cells
    are checked as text; ``as_of`` is the date data is judged at (a birth date after it is
    impossible).
    """
    schema = model.schema_as_of(as_of)
    problems: list[Problem] = [
        Problem(
            CONTROL_FLAG,
            "control character (such as NUL) in a cell: not text a person typed (含控制字符)",
            detail=True,
        ),
        Problem(
            LINE_BREAK_FLAG,
            "line break inside a value that must be one line (值内含换行)",
            detail=True,
        ),
        Problem(
            TOO_LONG_FLAG,
            f"text longer than {max_text_chars} characters (文本过长)",
            detail=True,
        ),
    ]
    for spec in model.field_specs():
        raw = by_field.get(spec.name)
        if raw is None:
            continue
        form = parsing.EXPECTED_FORM[spec.kind]
        problems.append(
            Problem(
                f"{FLAG}{spec.name}:unreadable", f"{_label(spec)}: cannot be read as {form}", raw
            )
        )
        if not spec.optional:
            problems.append(
                Problem(f"{FLAG}{spec.name}:missing", f"{_label(spec)}: required value is missing")
            )
        for check in schema.columns[spec.name].checks:
            problems.append(
                Problem(f"{FLAG}{spec.name}:{check.name}", f"{_label(spec)}: {check.error}", raw)
            )
    for check in schema.checks:
        is_global = check.name in model.__global_checks__
        detail = is_global and model.row_check_detail(check.name) is not None
        problems.append(Problem(f"{FLAG}row:{check.name}", str(check.error), None, detail))
    return Plan(
        model,
        by_field,
        tuple(problems),
        as_of,
        tuple(columns),
        max_text_chars,
    )


def _any_cell(cells: list[tuple[str, pl.Expr]]) -> pl.Expr:
    """True where any (header, condition) pair's condition is true."""
    if not cells:
        return pl.lit(False)
    return pl.any_horizontal([cond.fill_null(False) for _, cond in cells])


def _headers_where(cells: list[tuple[str, pl.Expr]]) -> pl.Expr:
    """The headers whose condition is true, joined with 、 (null where none is)."""
    if not cells:
        return pl.lit(None, dtype=pl.String)
    names = [pl.when(cond.fill_null(False)).then(pl.lit(header)) for header, cond in cells]
    return pl.concat_str(names, separator="、", ignore_nulls=True)


def _text_cells(plan: Plan) -> dict[str, list[tuple[str, pl.Expr]]]:
    """For each text check's flag, the (header, condition) pair of every cell it looks at."""
    one_line = {
        plan.by_field[spec.name]
        for spec in plan.model.field_specs()
        if spec.name in plan.by_field and one_line_only(spec)
    }
    cells: dict[str, list[tuple[str, pl.Expr]]] = {
        CONTROL_FLAG: [],
        LINE_BREAK_FLAG: [],
        TOO_LONG_FLAG: [],
    }
    for header in plan.columns:
        cell = pl.col(RAW + header)
        cells[CONTROL_FLAG].append((header, cell.str.contains_any(CONTROL_CHARACTERS)))
        cells[TOO_LONG_FLAG].append((header, cell.str.len_chars() > plan.max_text_chars))
        if RAW + header in one_line:
            cells[LINE_BREAK_FLAG].append((header, cell.str.contains(INNER_LINE_BREAK)))
    return cells


def text_flags(plan: Plan) -> list[pl.Expr]:
    """Flag columns of the text checks every cell gets (see the module's notes)."""
    return [_any_cell(cells).alias(flag) for flag, cells in _text_cells(plan).items()]


def text_details(plan: Plan) -> list[pl.Expr]:
    """Detail columns of the text checks: the headers of the cells that have the problem
    (evaluate on quarantined rows only)."""
    return [_headers_where(cells).alias(DETAIL + flag) for flag, cells in _text_cells(plan).items()]


#: contract types whose columns repeat a few distinct texts (dates, amounts, codes): each
#: distinct text is parsed once and its result joined back to the rows
PARSE_DISTINCT = frozenset({"enum", "date", "month", "year", "yuan", "float", "int", "bool"})


def _parsed(frame: pl.LazyFrame, specs: list[FieldSpec], plan: Plan) -> pl.LazyFrame:
    """Each field's typed value (null where unreadable) and FILLED + field: text present."""
    if not specs:
        return frame
    norm = frame.with_columns(
        parsing.normalise(s.kind, pl.col(plan.by_field[s.name])).alias(NORM + s.name) for s in specs
    )
    return norm.select(
        pl.exclude([NORM + s.name for s in specs]),
        *[parsing.convert(s.kind, pl.col(NORM + s.name)).alias(s.name) for s in specs],
        *[pl.col(NORM + s.name).is_not_null().alias(FILLED + s.name) for s in specs],
    )


def _parsed_distinct(frame: pl.LazyFrame, spec: FieldSpec, plan: Plan) -> pl.LazyFrame:
    """One field parsed once per distinct text, its typed value and FILLED beside each row."""
    raw = plan.by_field[spec.name]
    texts = frame.select(pl.col(raw).alias(TEXT))
    table = _parsed(texts.unique().rename({TEXT: raw}), [spec], plan).rename({raw: TEXT})
    joined = texts.join(table, on=TEXT, how="left", nulls_equal=True, maintain_order="left")
    return joined.drop(TEXT)


def parse_lazy(frame: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """Typed contract columns (null where unreadable) beside the raw text columns, and the
    flags of unreadable and missing values."""
    specs = plan.model.field_specs()
    present = [s for s in specs if s.name in plan.by_field]
    per_row = [s for s in present if s.kind not in PARSE_DISTINCT]
    parts = [_parsed_distinct(frame, s, plan) for s in present if s.kind in PARSE_DISTINCT]
    frame = pl.concat([_parsed(frame, per_row, plan), *parts], how="horizontal")
    flags = []
    for spec in present:
        filled = pl.col(FILLED + spec.name)
        flags.append((filled & pl.col(spec.name).is_null()).alias(f"{FLAG}{spec.name}:unreadable"))
        if not spec.optional:
            flags.append((~filled).alias(f"{FLAG}{spec.name}:missing"))
    typed = [
        pl.col(s.name)
        if s.name in plan.by_field
        else pl.lit(None, dtype=parsing.DTYPES[s.kind]).alias(s.name)
        for s in specs
    ]
    parsed = {*[s.name for s in present], *[FILLED + s.name for s in present]}
    rest = [c for c in frame.collect_schema().names() if c not in parsed]
    return frame.select(*rest, *typed, *flags)


def parse_chunk(chunk: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """:func:`parse_lazy` of a chunk in memory."""
    return parse_lazy(chunk.lazy(), plan).collect(engine=ENGINE)


def _run(check: pa.Check, frame: pl.LazyFrame, key: str) -> pl.LazyFrame:
    """Row-by-row outcome of a pandera check, through pandera's own polars check backend."""
    outcome: pl.LazyFrame = PolarsCheckBackend(check).apply(PolarsData(frame, key))
    return outcome


def flag_chunk(chunk: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """Parse a chunk and add a flag column for every problem but the global ones."""
    parsed = parse_lazy(chunk.lazy().with_columns(text_flags(plan)), plan).collect(engine=ENGINE)
    lazy = parsed.lazy()
    schema = plan.schema
    jobs: list[tuple[str, pl.LazyFrame, str | None, bool]] = []
    for name, column in schema.columns.items():
        if name not in plan.by_field:
            continue
        for check in column.checks:
            jobs.append(
                (f"{FLAG}{name}:{check.name}", _run(check, lazy, name), name, bool(check.ignore_na))
            )
    for check in schema.checks:
        if check.name not in plan.model.__global_checks__:
            jobs.append((f"{FLAG}row:{check.name}", _run(check, lazy, "*"), None, True))
    outputs = pl.collect_all([job[1] for job in jobs], engine=ENGINE)
    flags = []
    for (flag, _, column, ignore_na), output in zip(jobs, outputs, strict=True):
        passed = output.to_series()
        if column is not None and ignore_na:
            passed = passed | parsed.get_column(column).is_null()
        flags.append((~passed.fill_null(True)).alias(flag))
    return parsed.with_columns(flags)


def global_failures(typed: pl.LazyFrame, plan: Plan) -> pl.DataFrame:
    """Rows failing a global dataframe check: ``_source_row``, its flags and detail texts."""
    names = plan.model.__global_checks__
    checks = [c for c in plan.schema.checks if c.name in names]
    empty = {SOURCE_ROW: pl.Int64, **{f: pl.Boolean for f in plan.global_flags()}}
    if not checks:
        return pl.DataFrame(schema=empty)
    frame = _global_rows(typed, plan).collect()
    outputs = pl.collect_all([_run(c, frame.lazy(), "*") for c in checks])
    flags = [
        (~output.to_series().fill_null(True)).alias(f"{FLAG}row:{check.name}")
        for check, output in zip(checks, outputs, strict=True)
    ]
    details = []
    for check in checks:
        detail = plan.model.row_check_detail(check.name)
        if detail is not None:
            details.append(detail.alias(f"{DETAIL}{FLAG}row:{check.name}"))
    flag_names = [f.name for f in flags]
    # details look at other rows (the earlier copy, the whole household): compute before filtering
    frame = frame.with_columns(flags).with_columns(details)
    return frame.filter(pl.any_horizontal(flag_names)).select(
        SOURCE_ROW, *flag_names, *[d.meta.output_name() for d in details]
    )


def _global_rows(typed: pl.LazyFrame, plan: Plan) -> pl.LazyFrame:
    """The rows a global check can fail, or name, in file order. With the duplicate check
    alone, those whose content hash another row shares (a row unlike every other is nobody's
    copy and nobody's original), found by a streaming pass over the hashes: a million-row file
    is then never held whole. Checks over groups (a household's size) see every row."""
    if tuple(plan.model.__global_checks__) != ("duplicate_row",):
        return typed
    columns = [spec.name for spec in plan.model.field_specs()]
    hashes = typed.select(SOURCE_ROW, pl.struct(columns).hash().alias("__hash__"))
    shared = (
        hashes.filter(pl.col("__hash__").is_duplicated())
        .select(SOURCE_ROW)
        .collect(engine="streaming")
        .get_column(SOURCE_ROW)
    )
    return typed.filter(pl.col(SOURCE_ROW).is_in(shared.implode()))


def attach_global(chunk: pl.DataFrame, failures: pl.DataFrame, plan: Plan) -> pl.DataFrame:
    """Bring the global check flags (false where absent) and details into a flagged chunk."""
    names = plan.global_flags()
    if not names:
        return chunk
    joined = chunk.join(failures, on=SOURCE_ROW, how="left", maintain_order="left")
    return joined.with_columns(pl.col(names).fill_null(False))


def reasons(plan: Plan) -> pl.Expr:
    """The list of reason texts of a row (evaluate on quarantined rows only)."""
    texts = []
    for problem in plan.problems:
        if problem.detail:
            text = pl.format(f"{problem.message}: {{}}", pl.col(DETAIL + problem.flag))
        elif problem.raw_column is None:
            text = pl.lit(problem.message)
        else:
            quoted = pl.col(problem.raw_column).fill_null("")
            text = pl.format(f"{problem.message} (value '{{}}')", quoted)
        texts.append(pl.when(pl.col(problem.flag)).then(text))
    return pl.concat_list(texts).list.drop_nulls().alias(REASONS)


def split_chunk(
    chunk: pl.DataFrame, plan: Plan, original: list[str], mapping: dict[str, str]
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int]]:
    """(valid typed rows, quarantined raw rows with reasons, rows per problem tag)."""
    flags = plan.flags
    sums = chunk.select(pl.col(flags).sum()).row(0, named=True)
    counts = {p.tag: int(sums[p.flag]) for p in plan.problems if sums[p.flag]}
    fields = [s.name for s in plan.model.field_specs()]
    extras = [c for c in original if c not in mapping]
    flagged = chunk.lazy().with_columns(pl.any_horizontal(flags).alias(BAD))
    valid = flagged.filter(~pl.col(BAD)).select(
        *fields, *[pl.col(RAW + c).alias(c) for c in extras], SOURCE_ROW
    )
    quarantined = (
        flagged.filter(pl.col(BAD))
        .with_columns(text_details(plan))
        .with_columns(reasons(plan))
        .select(SOURCE_ROW, *[pl.col(RAW + c).alias(c) for c in original], REASONS)
    )
    valid_rows, quarantined_rows = pl.collect_all([valid, quarantined], engine=ENGINE)
    return valid_rows, quarantined_rows, counts
