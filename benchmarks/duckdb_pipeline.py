"""Raw department files to flagged payments with DuckDB alone: the baseline of ``huimin run``.

    python benchmarks/duckdb_pipeline.py INPUT_DIR [--out subjects.parquet] [--as-of DATE]

Independent of huimin (nothing of it is imported): reads each dataset file of an input folder
as departments send them (XLSX with title rows above the header, found by its headers, read
with python-calamine; CSV in UTF-8, UTF-8 with BOM or GBK; Parquet), maps the headers by the
data contract's names and Chinese names (data/reference/data-contract.yaml), types every
field in SQL (full-width digits, stray spaces, thousands separators, dates written
2023/5/1, 2023年5月1日, 20230501 or as Excel serials), drops every row with an invalid ID number
(GB 11643: 17 digits and a check character, a province code, a real birth date; the old
15-digit form is refused, as huimin refuses it) and every row huimin would quarantine for the
key checks of the contract (a required value missing or unreadable, a value outside its list,
a negative amount or one with more than 2 decimals, an impossible date, an exact duplicate, a
低保 household whose stated size differs from its members listed), stages the rest as DuckDB
tables and runs the catalogue's SQL translation (duckdb_catalogue.py) on them. It writes the
flagged (rule id, subject, period) payments, the form ``run_huimin_rules.py --all`` writes.

Not applied (none changes a row of the synthetic district): huimin's checks of control
characters, line breaks inside one-line values and over-long text; CSV separated otherwise
than by commas, .xls workbooks, and ID numbers in a CSV written as Excel numbers (4.20112E+17:
huimin refuses the file, here its rows are dropped as invalid); sources.yaml (department
headers and file names) and a district's parameters.yaml are refused rather than read.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from duckdb_catalogue import flag
from duckdb_prepared import contract
from rule_set import write_subjects

HEADER_SCAN_ROWS = 30
TRIM = " \t\r\n\u3000\ufeff\xa0"
FULL_WIDTH, HALF_WIDTH = "０１２３４５６７８９．－，／＋", "0123456789.-,/+"
#: GB/T 2260 province codes; 83: Taiwan residents' residence permits; a foreigner's permanent
#: residence number is 9 and a mainland province
MAINLAND = (
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65"
)
PROVINCES = f"{MAINLAND} 71 81 82 83"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
#: fields checked beyond their type: (low, high) for whole numbers; areas have 2 decimals
RANGES: dict[str, tuple[int, int]] = {"family_size": (1, 30), "disability_level": (1, 4)}
AREAS = {"contracted_area_mu", "transferred_out_area_mu", "planted_area_mu", "area_mu", "area"}
NOT_FUTURE = {("population", "birth_date"), ("deaths", "death_date")}
SQL_TYPES = {"date": "DATE", "year": "BIGINT", "int": "BIGINT", "yuan": "DOUBLE"}
SQL_TYPES |= {"float": "DOUBLE", "bool": "BOOLEAN"}
TRUE_WORDS = ("是", "true", "True", "TRUE", "1", "Y", "y", "yes", "Yes", "YES", "T")
FALSE_WORDS = ("否", "false", "False", "FALSE", "0", "N", "n", "no", "No", "NO", "F")


def _list(values: Any) -> str:
    """An SQL list of text values."""
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


class RefusedFileError(Exception):
    """A file this pipeline does not stage, said in its own words (never a cell's text)."""


@dataclass
class Staged:
    """What became of one dataset file: rows in, rows staged, rows dropped per reason."""

    dataset: str
    rows_in: int = 0
    rows_staged: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    refused: str = ""


# ------------------------------------------------------------------ reading files as text
def header_key(text: Any) -> str:
    """Headers compared loosely: no spaces, full-width brackets, lower case."""
    cleaned = "".join(str(text).split()).replace("\ufeff", "").replace("\u3000", "")
    return cleaned.replace("(", "（").replace(")", "）").lower()


def known_headers(dataset: str) -> dict[str, str]:
    """Header (as :func:`header_key` gives it) → contract field: names and Chinese names."""
    fields = contract()[dataset]
    return {header_key(h): name for name, spec in fields.items() for h in (name, spec["zh"])}


def header_row(rows: list[list[Any]], known: dict[str, str]) -> int:
    """The row among the first ones with the most known headers (title rows are above it)."""
    hits = [sum(1 for c in row if c not in (None, "") and header_key(c) in known) for row in rows]
    return max(range(len(hits)), key=lambda i: (hits[i], -i)) if hits else 0


def read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, known: dict[str, str], tmp: Path
) -> list[str]:
    """``raw``: the CSV's rows as text (c0, c1 ...); the header's names."""
    data, source = path.read_bytes(), path
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = data.decode("gb18030"), "gb18030"
    if encoding != "utf-8" or text.startswith("\ufeff"):  # DuckDB reads UTF-8 without BOM
        text = text.removeprefix("\ufeff")
        source = tmp / f"{path.stem}.utf8.csv"
        source.write_text(text, encoding="utf-8")
    head = list(islice(csv.reader(io.StringIO(text, newline="")), HEADER_SCAN_ROWS))
    header = header_row(head, known)
    names = head[header]
    columns = {f"c{i}": "VARCHAR" for i in range(len(names))}
    con.execute(
        f"CREATE OR REPLACE TABLE raw AS SELECT * FROM read_csv(?, header = false, "
        f"skip = {header + 1}, columns = {columns!r}, delim = ',', quote = '\"', "
        "escape = '\"', auto_detect = false)",
        [str(source)],
    )
    return names


def _cell(value: Any) -> str | None:
    """A workbook cell as the text it shows (a number without a needless .0)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, known: dict[str, str], ids: set[str]
) -> list[str]:
    """``raw``: the rows below the header of the sheet showing the most known headers; a
    column of ID numbers stored as numbers (their last digits lost) refuses the file."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    sheets = [book.get_sheet_by_index(i) for i in range(len(book.sheet_names))]

    def hits(index: int) -> int:
        head = sheets[index].to_python(nrows=HEADER_SCAN_ROWS)
        return max(
            (sum(1 for c in r if c != "" and header_key(c) in known) for r in head), default=0
        )

    rows = sheets[max(range(len(sheets)), key=lambda i: (hits(i), -i))].to_python()
    header = header_row(rows[:HEADER_SCAN_ROWS], known)
    names = [_cell(cell) or "" for cell in rows[header]]
    body = [row for row in rows[header + 1 :] if any(c not in (None, "") for c in row)]
    for index, name in enumerate(names):
        numeric = (isinstance(row[index], int | float) for row in body if index < len(row))
        if known.get(header_key(name)) in ids and any(numeric):
            raise RefusedFileError(f"ID numbers stored as numbers in column {name}")
    frame = pl.DataFrame(
        {
            f"c{i}": [_cell(row[i]) if i < len(row) else None for row in body]
            for i in range(len(names))
        },
        schema={f"c{i}": pl.String() for i in range(len(names))},
    )
    con.register("workbook", frame)
    con.execute("CREATE OR REPLACE TABLE raw AS SELECT * FROM workbook")
    con.unregister("workbook")
    return names


def read_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, known: dict[str, str], ids: set[str]
) -> list[str]:
    """``raw``: every column as text (dates ISO, numbers without a needless .0); ID numbers
    stored as numbers refuse the file."""
    described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    texts = []
    for index, (name, kind, *_) in enumerate(described):
        column = f'"{name}"'
        if known.get(header_key(name)) in ids and kind != "VARCHAR":
            raise RefusedFileError(f"ID numbers stored as numbers in column {name}")
        if kind == "DATE":
            text = f"strftime({column}, '%Y-%m-%d')"
        elif kind in ("DOUBLE", "FLOAT"):
            rounded = f"CAST(round_even({column} * 1e6, 0) / 1e6 AS VARCHAR)"
            text = f"regexp_replace({rounded}, '\\.0$', '')"
        else:
            text = f"CAST({column} AS VARCHAR)"
        texts.append(f"{text} AS c{index}")
    con.execute(
        f"CREATE OR REPLACE TABLE raw AS SELECT {', '.join(texts)} FROM read_parquet(?)",
        [str(path)],
    )
    return [name for name, *_ in described]


# ------------------------------------------------------------------ text to typed values
def _clean(sql: str) -> str:
    """Without spaces around it (also full-width ones); an empty cell is null."""
    return f"NULLIF(trim({sql}, '{TRIM}'), '')"


def _text(column: str) -> str:
    """:func:`_clean` of a column, quicker where there is nothing to trim (most cells)."""
    edge = _list(TRIM)
    trimmed = f"NOT (left({column}, 1) IN {edge} OR right({column}, 1) IN {edge})"
    return (
        f"CASE WHEN {column} = '' THEN NULL WHEN {trimmed} THEN {column} ELSE {_clean(column)} END"
    )


def _number_text(sql: str) -> str:
    """Full-width digits to ASCII; no spaces, thousands separators, 元 or 亩."""
    return _clean(
        f"regexp_replace(translate({sql}, '{FULL_WIDTH}', '{HALF_WIDTH}'), "
        "'[\\s\\p{Z},元亩]', '', 'g')"
    )


def _date_text(sql: str) -> str:
    """No time of day; separators 年 月 / . as '-'; no final 日."""
    timeless = (
        f"regexp_replace({_clean(sql)}, '[ T]\\d{{1,2}}:\\d{{2}}(:\\d{{2}}(\\.\\d+)?)?$', '')"
    )
    dashed = f"regexp_replace({_number_text(timeless)}, '[年月/.]', '-', 'g')"
    return f"regexp_replace(regexp_replace({dashed}, '日$', ''), '-$', '')"


#: text already in its clean form, left as it is (most cells): ID numbers, dates, numbers
CLEAN_FORMS = {
    "id_number": "[0-9]{17}[0-9X]",
    "date": "\\d{4}-\\d{2}(-\\d{2})?",
    "number": "-?[0-9]+(\\.[0-9]+)?",
}


def normalised(kind: str, sql: str) -> str:
    """The cleaned text of a cell of contract type ``kind`` (null when empty)."""
    if kind == "id_number":
        spaceless = f"regexp_replace({sql}, '[\\s\\p{{Z}}]+', '', 'g')"
        slow = f"NULLIF(translate({spaceless}, '０１２３４５６７８９Ｘｘx', '0123456789XXX'), '')"
    elif kind in ("date", "month"):
        kind, slow = "date", _date_text(sql)
    elif kind in ("year", "yuan", "float", "int"):
        kind, slow = "number", _number_text(sql)
    else:
        return _text(sql)
    return f"CASE WHEN regexp_full_match({sql}, '{CLEAN_FORMS[kind]}') THEN {sql} ELSE {slow} END"


def _date(sql: str) -> str:
    """2023-5-1, 20230501 or an Excel serial day."""
    serial = f"TRY_CAST(regexp_extract({sql}, '^(\\d{{5}})(-0+)?$', 1) AS INTEGER)"
    return (
        f"COALESCE(CAST(try_strptime(CASE WHEN regexp_full_match({sql}, '\\d{{4}}-\\d{{1,2}}-"
        f"\\d{{1,2}}') THEN {sql} END, '%Y-%m-%d') AS DATE), CAST(try_strptime(CASE WHEN "
        f"regexp_full_match({sql}, '\\d{{8}}') THEN {sql} END, '%Y%m%d') AS DATE), CASE WHEN "
        f"{serial} BETWEEN 1 AND 80000 THEN DATE '1899-12-30' + {serial} END)"
    )


def typed(kind: str, sql: str) -> str:
    """The value of cleaned text ``sql`` as the contract's type (null where unreadable)."""
    number = f"TRY_CAST({sql} AS DOUBLE)"
    if kind == "date":
        return _date(sql)
    if kind == "month":
        day = _date(
            f"CASE WHEN regexp_full_match({sql}, '\\d{{4}}-\\d{{1,2}}') THEN {sql} || '-01' "
            f"WHEN regexp_full_match({sql}, '\\d{{6}}') THEN {sql} || '01' ELSE {sql} END"
        )
        return f"CASE WHEN year({day}) BETWEEN 1949 AND 2100 THEN strftime({day}, '%Y-%m') END"
    if kind in ("year", "int"):
        text = f"regexp_replace({sql}, '年$', '')" if kind == "year" else sql
        value = f"TRY_CAST({text} AS DOUBLE)"
        whole = f"CASE WHEN {value} = round({value}) THEN TRY_CAST({value} AS BIGINT) END"
        return (
            f"CASE WHEN {whole} BETWEEN 1949 AND 2100 THEN {whole} END" if kind == "year" else whole
        )
    if kind in ("yuan", "float"):
        return number
    if kind == "bool":
        return (
            f"CASE WHEN {sql} IN {_list(TRUE_WORDS)} THEN TRUE "
            f"WHEN {sql} IN {_list(FALSE_WORDS)} THEN FALSE END"
        )
    return sql


def _id_checks(name: str, as_of: dt.date) -> list[tuple[str, str]]:
    """(reason, SQL true where the ID number fails it); only 18-character forms are judged
    further."""
    well_formed = f"regexp_full_match({name}, '[0-9]{{17}}[0-9X]')"
    total = " + ".join(
        f"(ascii(substr({name}, {i + 1}, 1)) - 48) * {w}" for i, w in enumerate(WEIGHTS)
    )
    mainland, provinces = _list(MAINLAND.split()), _list(PROVINCES.split())
    province = (
        f"CASE WHEN substr({name}, 1, 1) = '9' THEN substr({name}, 2, 2) IN {mainland} "
        f"ELSE substr({name}, 1, 2) IN {provinces} END"
    )
    check = f"substr('10X98765432', ({total}) % 11 + 1, 1)"
    born = f"CAST(try_strptime(substr({name}, 7, 8), '%Y%m%d') AS DATE)"
    real_birth = f"{born} BETWEEN DATE '1880-01-01' AND DATE '{as_of}'"
    return [
        (f"{name}:id_old_15_digit_form", f"regexp_full_match({name}, '[0-9]{{15}}')"),
        (
            f"{name}:id_format",
            f"NOT {well_formed} AND NOT regexp_full_match({name}, '[0-9]{{15}}')",
        ),
        (
            f"{name}:id_check_character",
            f"{well_formed} AND {check} <> substr({name}, 18, 1)",
        ),
        (f"{name}:id_province", f"{well_formed} AND NOT ({province})"),
        (
            f"{name}:id_birth_date",
            f"{well_formed} AND NOT COALESCE({real_birth}, FALSE)",
        ),
    ]


def field_checks(
    dataset: str, name: str, spec: dict[str, Any], as_of: dt.date
) -> list[tuple[str, str]]:
    """(reason, SQL true where the row fails it) for one field; a null value passes all but
    the first two."""
    kind, text = spec["type"], f"n_{name}"
    checks = [(f"{name}:unreadable", f"{text} IS NOT NULL AND {name} IS NULL")]
    if not spec.get("optional"):
        checks.append((f"{name}:missing", f"{text} IS NULL"))
    if kind == "id_number":
        checks += _id_checks(name, as_of)
    if kind in ("yuan", "float"):
        checks.append((f"{name}:non_negative", f"{name} < 0"))
    if kind == "yuan" or name in AREAS:
        checks.append(
            (f"{name}:max_2_decimals", f"abs({name} * 100 - round({name} * 100)) >= 1e-6")
        )
    if name in RANGES:
        low, high = RANGES[name]
        checks.append((f"{name}:in_range", f"{name} NOT BETWEEN {low} AND {high}"))
    if kind == "date":
        checks.append(
            (
                f"{name}:plausible_date",
                f"{name} NOT BETWEEN DATE '1900-01-01' AND DATE '2100-12-31'",
            )
        )
        if (dataset, name) in NOT_FUTURE:
            checks.append((f"{name}:not_future", f"{name} > DATE '{as_of}'"))
    if kind == "enum":
        checks.append((f"{name}:allowed_value", f"{name} NOT IN {_list(spec['values'])}"))
    return checks


def _distinct_count(sql: str, over: str) -> str:
    """Distinct values over a window, an empty value counting as one."""
    return (
        f"(count(DISTINCT {sql}) OVER ({over}) + "
        f"max(CASE WHEN {sql} IS NULL THEN 1 ELSE 0 END) OVER ({over}))"
    )


def row_checks(dataset: str) -> list[tuple[str, str]]:
    """Checks that look at several rows (exact duplicates, 低保 household sizes) or fields."""
    fields = ", ".join(contract()[dataset])
    checks = [
        ("row:duplicate_row", f"row_number() OVER (PARTITION BY {fields} ORDER BY _source_row) > 1")
    ]
    if dataset.startswith("dibao_"):
        over = "PARTITION BY household_id, pay_month"
        listed = _distinct_count("id_number", over)
        consistent = f"{_distinct_count('family_size', over)} = 1 AND family_size = {listed}"
        checks.append(("row:household_size_consistent", f"NOT COALESCE({consistent}, TRUE)"))
    if dataset == "population":
        born = "CAST(try_strptime(substr(id_number, 7, 8), '%Y%m%d') AS DATE)"
        checks.append(("row:birth_date_matches_id", f"birth_date <> {born}"))
    return checks


def stage(
    con: duckdb.DuckDBPyConnection, dataset: str, mapping: dict[str, str], as_of: dt.date
) -> Staged:
    """The table ``<dataset>``: the typed rows of ``raw`` that pass every check."""
    specs = contract()[dataset]
    texts = [
        f"{normalised(spec['type'], mapping[name])} AS n_{name}"
        if name in mapping
        else f"CAST(NULL AS VARCHAR) AS n_{name}"
        for name, spec in specs.items()
    ]
    values = [
        f"CAST({typed(kind, f'n_{name}')} AS {SQL_TYPES.get(kind, 'VARCHAR')}) AS {name}"
        for name, kind in ((name, spec["type"]) for name, spec in specs.items())
    ]
    checks = [c for name, spec in specs.items() for c in field_checks(dataset, name, spec, as_of)]
    checks += row_checks(dataset)
    flags = [f'COALESCE({sql}, FALSE) AS "{reason}"' for reason, sql in checks]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE checked AS WITH texts AS (SELECT rowid + 1 AS _source_row, "
        f"{', '.join(texts)} FROM raw), typed AS (SELECT *, {', '.join(values)} FROM texts) "
        f"SELECT *, {', '.join(flags)} FROM typed"
    )
    bad = " OR ".join(f'"{reason}"' for reason, _ in checks)
    con.execute(
        f"CREATE OR REPLACE TABLE {dataset} AS SELECT {', '.join(specs)}, _source_row FROM checked "
        f"WHERE NOT ({bad}) ORDER BY _source_row"
    )
    counts = ", ".join(f'count_if("{reason}")' for reason, _ in checks)
    sums = con.execute(f"SELECT count(*), {counts}, count_if({bad}) FROM checked").fetchall()[0]
    result = Staged(dataset, int(sums[0]), int(sums[0]) - int(sums[-1] or 0))
    result.dropped.update({r: int(n) for (r, _), n in zip(checks, sums[1:-1], strict=True) if n})
    return result


# ------------------------------------------------------------------ the folder
READERS = (".csv", ".xlsx", ".parquet")


def inputs(folder: Path) -> dict[str, Path]:
    """The dataset files of an input folder (<dataset>.csv|.xlsx|.parquet)."""
    for own in ("sources.yaml", "parameters.yaml"):
        if (folder / own).exists():
            raise SystemExit(f"{folder / own}: not read by this baseline (use huimin)")
    return {
        path.stem: path
        for path in sorted(folder.iterdir())
        if path.is_file() and path.stem in contract() and path.suffix.lower() in READERS
    }


def ingest(
    con: duckdb.DuckDBPyConnection, dataset: str, path: Path, as_of: dt.date, tmp: Path
) -> Staged:
    """One file read, typed, checked and staged as the table ``<dataset>``."""
    known = known_headers(dataset)
    specs = contract()[dataset]
    ids = {name for name, spec in specs.items() if spec["type"] == "id_number"}
    try:
        if path.suffix.lower() == ".csv":
            names = read_csv(con, path, known, tmp)
        elif path.suffix.lower() == ".xlsx":
            names = read_xlsx(con, path, known, ids)
        else:
            names = read_parquet(con, path, known, ids)
    except RefusedFileError as exc:
        return Staged(dataset, refused=str(exc))
    except Exception as exc:  # a reader's own message may quote cells: its kind only
        return Staged(dataset, refused=f"cannot be read ({type(exc).__name__})")
    mapping: dict[str, str] = {}
    for index, name in enumerate(names):
        target = known.get(header_key(name))
        if target is not None:
            if target in mapping:
                return Staged(dataset, refused=f"two columns for {target}")
            mapping[target] = f"c{index}"
    missing = [
        name for name, spec in specs.items() if not spec.get("optional") and name not in mapping
    ]
    if missing:
        return Staged(dataset, refused=f"no column for {', '.join(missing)}")
    return stage(con, dataset, mapping, as_of)


def run(
    folder: Path, as_of: dt.date, con: duckdb.DuckDBPyConnection | None = None
) -> tuple[pl.DataFrame, list[Staged]]:
    """The flagged payments of an input folder, and what became of each file (staged as
    tables of ``con``, a new connection when not given)."""
    con = con or duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    with tempfile.TemporaryDirectory(prefix="duckdb-pipeline-") as tmp:
        results = [
            ingest(con, name, path, as_of, Path(tmp)) for name, path in inputs(folder).items()
        ]
    present = {result.dataset for result in results if result.rows_staged}
    return flag(con, present), results


def summary(results: list[Staged]) -> str:
    """Rows in, staged and dropped per dataset, with the reasons (counts only)."""
    lines = []
    for r in results:
        if r.refused:
            lines.append(f"{r.dataset}: refused: {r.refused}")
            continue
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(r.dropped.items()))
        lines.append(f"{r.dataset}: {r.rows_in} in, {r.rows_staged} staged; dropped: {reasons}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args()
    try:
        flagged, results = run(args.input, args.as_of)
    except duckdb.Error as exc:  # its message may quote a cell: say only what failed
        raise SystemExit(f"duckdb_pipeline: a query failed ({type(exc).__name__})") from None
    print(summary(results))
    print(f"{flagged.height} flagged (rule, subject, period) payments")
    write_subjects(flagged, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
