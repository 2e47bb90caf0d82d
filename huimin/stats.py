"""The district's statistics: the appendix table (department × project × street) and progress.

``appendix_table`` makes the table in the form of the 2023 plan's appendix (业务主管部门,
项目名称, 线索数量, the 12 streets, a column for clues with no street, a 汇总 row); the street
sheet of ``clues.xlsx`` is this very table. ``progress_table`` counts the ledger's clues by
state, with the 查实率, the amounts and the re-check results, by street, department or project.
``cross_foot`` checks any table of the appendix's form. Nothing here writes a file.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from huimin.appendix import (
    COUNT,
    TOTAL,
    project_rank,
    street_bucket,
)
from huimin.appendix import (
    NO_STREET as NO_STREET,
)
from huimin.appendix import (
    STREETS as STREETS,
)
from huimin.appendix import (
    appendix_table as appendix_table,
)
from huimin.errors import DataFileError
from huimin.ledger.models import Clue, ClueSource, SamplingRound, Verification
from huimin.ledger.states import State
from huimin.ledger.supervision import overdue

S = State
VERIFIED = frozenset(S) - {S.PENDING, S.VERIFYING, S.MERGED}
CONFIRMED = frozenset(
    {S.CONFIRMED, S.PARTLY, S.RECTIFYING, S.CLOSED, S.TO_DISCIPLINE, S.TO_HIGHER}
    | {S.SPECIAL_REPORT, S.LONG_TERM}
)
SOURCES = ("province", "district", "transferred", "complaint")

LEDGER_SCHEMA: dict[str, Any] = {
    "clue_id": pl.String,
    "sources": pl.List(pl.String),
    "project": pl.String,
    "department": pl.String,
    "street": pl.String,
    "organization": pl.String,
    "state": pl.String,
    "amount": pl.Float64,
    "amount_to_recover": pl.Float64,
    "amount_recovered": pl.Float64,
    "drawn": pl.Boolean,
    "recheck": pl.String,
    "overdue": pl.Boolean,
    "no_longer_found": pl.Boolean,
    "province_clues": pl.Int64,
}


def _amounts(clue: Clue) -> tuple[float | None, float | None]:
    disposition = json.loads(clue.disposition or "{}")
    closure = json.loads(clue.closure or "{}")
    owed = disposition.get("amount_to_recover")
    recovered = closure.get("amount_recovered", disposition.get("amount_recovered"))
    return (
        None if owed is None else float(owed),
        None if recovered is None else float(recovered),
    )


def _rechecks(session: Session) -> dict[str, str]:
    """The latest re-check outcome of each clue: 维持查否, or 推翻 (back to 查实 / 部分属实)."""
    found: dict[str, str] = {}
    query = select(Verification).where(Verification.kind == "recheck").order_by(Verification.id)
    for row in session.scalars(query):
        found[row.clue_id] = "维持查否" if row.outcome == S.UPHELD.value else "推翻"
    return found


def _drawn(session: Session) -> set[str]:
    """The clues drawn for re-check in any round (a round marks its whole population)."""
    rounds = session.scalars(select(SamplingRound))
    return {str(c) for r in rounds for c in json.loads(r.drawn or "[]")}


def _province_counts(session: Session) -> dict[str, int]:
    """How many provincial clues each entry carries (two may share one district clue)."""
    counts: dict[str, int] = {}
    for clue_id in session.scalars(
        select(ClueSource.clue_id).where(ClueSource.source == "province")
    ):
        counts[clue_id] = counts.get(clue_id, 0) + 1
    return counts


def ledger_clues_frame(session: Session, as_of: dt.date | None = None) -> pl.DataFrame:
    """The ledger's entries, one row each (see ``LEDGER_SCHEMA``), those merged into another
    left out; ``overdue`` as of ``as_of``."""
    late = {o.clue_id for o in overdue(session, as_of or dt.date.today())}
    rechecks = _rechecks(session)
    drawn = _drawn(session)
    provincial = _province_counts(session)
    rows = []
    live = select(Clue).where(Clue.state != S.MERGED.value).order_by(Clue.clue_id)
    for clue in session.scalars(live):
        owed, recovered = _amounts(clue)
        rows.append(
            {
                "clue_id": clue.clue_id,
                "sources": list(json.loads(clue.sources or "[]")),
                "project": clue.project,
                "department": clue.department,
                "street": clue.street,
                "organization": clue.organization,
                "state": clue.state,
                "amount": clue.amount,
                "amount_to_recover": owed,
                "amount_recovered": recovered,
                "drawn": clue.clue_id in drawn,
                "recheck": rechecks.get(clue.clue_id, ""),
                "overdue": clue.clue_id in late,
                "no_longer_found": bool(clue.no_longer_found),
                "province_clues": provincial.get(clue.clue_id, 0),
            }
        )
    return pl.DataFrame(rows, schema=LEDGER_SCHEMA)


def with_source(clues: pl.DataFrame, source: str) -> pl.DataFrame:
    """The clues having ``source`` among their sources (``all``: every clue)."""
    if source == "all":
        return clues
    return clues.filter(pl.col("sources").list.contains(source))


def as_listed(clues: pl.DataFrame, source: str) -> pl.DataFrame:
    """The clues counted as their list counts them: for the province, an entry once per
    provincial clue it carries (two provincial clues on one district clue are one visit but
    two clues of the province's table); otherwise one row per entry."""
    if source != "province":
        return clues
    times = pl.int_ranges(0, pl.col("province_clues"))
    return clues.with_columns(times.alias("_n")).explode("_n").drop_nulls("_n").drop("_n")


# ---------------------------------------------------------------------------- progress
PROGRESS_KEYS = {"street": "街道", "department": "业务主管部门", "project": "项目名称"}


def _progress_aggregates() -> list[pl.Expr]:
    state = pl.col("state")
    verified = state.is_in([s.value for s in VERIFIED]).sum()
    confirmed = state.is_in([s.value for s in CONFIRMED]).sum()
    return [
        pl.len().alias(COUNT),
        *[(state == s.value).sum().alias(s.value) for s in State if s != S.MERGED],
        verified.alias("已核查"),
        confirmed.alias("查实及部分属实"),
        pl.col("amount_to_recover").fill_null(0).sum().round(2).alias("应追缴金额"),
        pl.col("amount_recovered").fill_null(0).sum().round(2).alias("已追缴金额"),
        pl.col("drawn").sum().alias("抽查复核数"),
        (pl.col("recheck") == "维持查否").sum().alias("复核维持查否"),
        (pl.col("recheck") == "推翻").sum().alias("复核推翻"),
        pl.col("overdue").sum().alias("逾期"),
    ]


def _with_rate(table: pl.DataFrame) -> pl.DataFrame:
    rate = (
        pl.when(pl.col("已核查") > 0)
        .then((pl.col("查实及部分属实") / pl.col("已核查")).round(4))
        .otherwise(None)
    )
    return table.with_columns(rate.alias("查实率")).with_columns(
        pl.col(pl.UInt32, pl.UInt64, pl.Int32).cast(pl.Int64)
    )


def progress_table(clues: pl.DataFrame, by: str) -> pl.DataFrame:
    """Clues by state, 查实率 (查实 + 部分属实 over verified), amounts, re-checks, overdue.

    ``by`` is ``street`` (clues with no street in one row), ``department`` or ``project``
    (in the appendix's order); a 汇总 row closes the table.
    """
    label = PROGRESS_KEYS[by]
    frame = clues.with_columns(street_bucket()) if by == "street" else clues
    grouped = frame.group_by(pl.col(by).fill_null("").alias(label)).agg(_progress_aggregates())
    if by == "street":
        order = {name: i for i, name in enumerate([*STREETS, NO_STREET])}
        rank = pl.col(label).replace_strict(order, default=len(order), return_dtype=pl.Int64)
    elif by == "project":
        rank = pl.col(label).map_elements(project_rank, return_dtype=pl.Int64)
    else:
        rank = pl.col(label)
    grouped = grouped.sort(rank, label)
    total = frame.select(pl.lit(TOTAL).alias(label), *_progress_aggregates())
    return _with_rate(pl.concat([grouped, total], how="vertical_relaxed"))


# ---------------------------------------------------------------------------- cross-footing
@dataclass(frozen=True)
class Discrepancy:
    """A total that is not the sum of its cells: ``row`` and ``column`` name the total."""

    row: str
    column: str
    expected: float
    found: float | None


def _number(text: str) -> float | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _label(row: dict[str, str], line: int) -> str:
    name = (row.get("项目名称") or "").strip()
    number = (row.get("序号") or "").strip()
    if name and number:
        return f"{number} {name}"
    return name or f"line {line}"


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of a CSV table (UTF-8, with or without BOM)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = [dict(row) for row in reader]
            header = list(reader.fieldnames or [])
    except (OSError, UnicodeDecodeError, csv.Error):
        raise DataFileError(path, "cannot be read as a UTF-8 CSV table") from None
    if COUNT not in header:
        raise DataFileError(path, f"no {COUNT} column", "give a table in the appendix's form")
    return header, rows


def _is_total(row: dict[str, str]) -> bool:
    return any((value or "").strip() == TOTAL for value in row.values())


def _sum(values: list[float | None]) -> float:
    return float(sum(v for v in values if v is not None))


def _differs(expected: float, found: float | None) -> bool:
    value = 0.0 if found is None else found
    return not abs(expected - value) < 0.005  # NaN (not a number) always differs


def cross_foot(header: list[str], rows: list[dict[str, str]]) -> list[Discrepancy]:
    """Every total that does not add up: each row's 线索数量 against its street cells, each
    column against the 汇总 row, and the 汇总 row's own 线索数量.

    A row whose street cells are all blank, in a table without a no-street column, is not
    broken down by street (the appendix's dealers and schools): its 线索数量 counts for the
    汇总 row's own check and nowhere else.
    """
    streets = [c for c in header if c in STREETS or c == NO_STREET]
    body = [(i, r) for i, r in enumerate(rows, start=2) if not _is_total(r)]
    totals = [r for r in rows if _is_total(r)]
    found: list[Discrepancy] = []
    unbroken = 0.0
    for line, row in body:
        cells = [_number(row.get(c) or "") for c in streets]
        count = _number(row.get(COUNT) or "")
        if NO_STREET not in streets and all(v is None for v in cells):
            unbroken += count or 0.0
            continue
        if _differs(_sum(cells), count):
            found.append(Discrepancy(_label(row, line), COUNT, _sum(cells), count))
    for total in totals:
        for column in [COUNT, *streets]:
            expected = _sum([_number(r.get(column) or "") for _, r in body])
            cell = _number(total.get(column) or "")
            if _differs(expected, cell):
                found.append(Discrepancy(TOTAL, column, expected, cell))
        own = _sum([_number(total.get(c) or "") for c in streets]) + unbroken
        count = _number(total.get(COUNT) or "")
        if _differs(own, count):
            found.append(Discrepancy(f"{TOTAL} (its street cells)", COUNT, own, count))
    return found
