"""Clues into the ledger: a published run's clues (sync) and provincial or other lists (import).

A run's clue keeps its ``clue_id`` as its ledger id. A clue the run no longer finds is marked
``no_longer_found`` and kept. A clue found again after it was closed, with a different content
(other periods, amounts or rules), opens a new entry ``<clue_id>~<n>`` linked to the closed
one. A list's row is keyed by its own clue id (else by a hash of its content): importing the
same list again, or a longer one, adds only the rows not seen before and changes nothing else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select

from huimin.errors import ConfigError, DataFileError
from huimin.ledger.history import canonical
from huimin.ledger.models import Clue, ClueSource
from huimin.ledger.states import CLOSED_STATES, State
from huimin.ledger.store import Ledger, Writer

REOPEN_MARK = "~"


class Source(StrEnum):
    """Where a clue came from."""

    DISTRICT = "district"  # the district's own rules
    PROVINCE = "province"  # 省下发
    TRANSFERRED = "transferred"  # 跨区移交
    COMPLAINT = "complaint"  # 群众举报


PREFIX = {Source.PROVINCE: "prov", Source.TRANSFERRED: "xfer", Source.COMPLAINT: "tip"}


@dataclass(frozen=True)
class Deadlines:
    """Verification and rectification deadlines as (month, day) of the check year.

    The plan's defaults: verification by mid-October, rectification by mid-November.
    """

    verify: tuple[int, int] = (10, 15)
    rectify: tuple[int, int] = (11, 15)

    def for_year(self, year: int) -> tuple[dt.date, dt.date]:
        return dt.date(year, *self.verify), dt.date(year, *self.rectify)

    @staticmethod
    def parse(text: str) -> tuple[int, int]:
        """``MM-DD`` → (month, day); ConfigError when it is no date."""
        try:
            month, day = (int(p) for p in text.strip().split("-"))
            dt.date(2024, month, day)
        except ValueError:
            raise ConfigError(f"deadline '{text}': write it as MM-DD, e.g. 10-15") from None
        return month, day


@dataclass
class IntakeResult:
    """What a sync or an import did; counts only (printed on the console)."""

    added: int = 0
    known: int = 0
    joined: int = 0
    reopened: int = 0
    updated: int = 0
    no_longer_found: int = 0
    found_again: int = 0
    rows_in: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def _content_hash(row: dict[str, Any]) -> str:
    keys = ("periods_text", "amount", "rule_ids", "findings", "summary")
    return hashlib.sha256(canonical({k: row.get(k) for k in keys}).encode()).hexdigest()


def _year(period: str, fallback: int) -> int:
    head = (period or "")[:4]
    return int(head) if head.isdigit() else fallback


def _district_clue(row: dict[str, Any], clue_id: str, deadlines: Deadlines) -> Clue:
    verify_by, rectify_by = deadlines.for_year(_year(row["check_period"], dt.date.today().year))
    return Clue(
        clue_id=clue_id,
        sources=canonical([Source.DISTRICT.value]),
        project=row["project"] or "",
        department=row["department"] or "",
        street=row["street"] or "",
        organization=row["organization"] or "",
        subject_kind=row["subject_kind"] or "person",
        subject=row["subject"] or "",
        name=row["name"] or "",
        id_numbers=canonical(list(row["id_numbers"] or [])),
        check_period=row["check_period"] or "",
        amount=row["amount"],
        summary=row["summary"] or "",
        verify_points=row["verify"] or "",
        content_hash=_content_hash(row),
        state=State.PENDING.value,
        no_longer_found=False,
        verify_deadline=verify_by,
        rectify_deadline=rectify_by,
        disposition="{}",
        closure="{}",
    )


def read_run_clues(output: Path) -> list[dict[str, Any]]:
    path = output / "clues.parquet"
    if not path.is_file():
        raise DataFileError(path, "no clues in this output", "publish a run there (huimin run)")
    try:
        return pl.read_parquet(path).to_dicts()
    except Exception:
        raise DataFileError(path, "cannot be read as the run's clue table") from None


def sync(ledger: Ledger, output: Path, actor: str, deadlines: Deadlines) -> IntakeResult:
    """Bring a published run's clues into the ledger (see the module's docstring)."""
    rows = read_run_clues(output)
    result = IntakeResult(rows_in=len(rows))
    with ledger.write(actor) as writer:
        entries = {
            c.clue_id: c
            for c in writer.session.scalars(select(Clue).where(Clue.sources.contains('"district"')))
        }
        seen: set[str] = set()
        for row in rows:
            seen.add(row["clue_id"])
            _sync_one(writer, row, entries, deadlines, result)
        for clue in sorted(entries.values(), key=lambda c: c.clue_id):
            base = clue.clue_id.split(REOPEN_MARK)[0]
            gone = base not in seen and not clue.no_longer_found
            if gone and clue.state not in CLOSED_STATES:
                writer.change(clue, "no_longer_found", no_longer_found=True)
                result.no_longer_found += 1
    return result


def _latest(clue_id: str, entries: dict[str, Clue]) -> Clue:
    latest, n = entries[clue_id], 2
    while f"{clue_id}{REOPEN_MARK}{n}" in entries:
        latest, n = entries[f"{clue_id}{REOPEN_MARK}{n}"], n + 1
    return latest


def _sync_one(
    writer: Writer,
    row: dict[str, Any],
    entries: dict[str, Clue],
    deadlines: Deadlines,
    result: IntakeResult,
) -> None:
    clue_id = row["clue_id"]
    if clue_id not in entries:
        clue = _district_clue(row, clue_id, deadlines)
        _add(writer, clue, Source.DISTRICT, clue_id, {"clue_id": clue_id})
        entries[clue_id] = clue
        result.added += 1
        return
    latest = _latest(clue_id, entries)
    content = _content_hash(row)
    if latest.content_hash == content:
        result.known += 1
    elif latest.state in CLOSED_STATES:
        n = 2 if latest.clue_id == clue_id else int(latest.clue_id.split(REOPEN_MARK)[1]) + 1
        new = _district_clue(row, f"{clue_id}{REOPEN_MARK}{n}", deadlines)
        new.reopened_from = latest.clue_id
        _add(writer, new, Source.DISTRICT, new.clue_id, {"clue_id": clue_id}, "reopen")
        entries[new.clue_id] = new
        result.reopened += 1
        return
    else:
        writer.change(
            latest,
            "update",
            content_hash=content,
            amount=row["amount"],
            summary=row["summary"] or "",
        )
        result.updated += 1
    if latest.no_longer_found:
        writer.change(latest, "found_again", no_longer_found=False)
        result.found_again += 1


def _add(
    writer: Writer,
    clue: Clue,
    source: Source,
    key: str,
    payload: dict[str, Any],
    action: str = "add",
) -> None:
    writer.add_clue(clue, action, {"source": source.value, "key": key})
    writer.session.add(
        ClueSource(
            clue_id=clue.clue_id,
            source=source.value,
            source_key=key,
            payload=canonical(payload),
            added_at=writer.at,
        )
    )


def _corroborated(output: Path | None) -> dict[str, str]:
    """Provincial clue id → district clue id, from the run's reconciliation, if there is one."""
    if output is None or not (output / "reconciliation.parquet").is_file():
        return {}
    try:
        frame = pl.read_parquet(output / "reconciliation.parquet")
        pairs = frame.filter(pl.col("match") == "corroborated").select(
            pl.col("province_clue_id").cast(pl.String), pl.col("clue_id").cast(pl.String)
        )
    except Exception:
        raise DataFileError(
            output / "reconciliation.parquet", "cannot be read as a reconciliation table"
        ) from None
    return {str(a): str(b) for a, b in pairs.iter_rows() if a and b}


def _list_rows(path: Path, result: IntakeResult) -> list[dict[str, Any]]:
    from huimin.ingest import ingest_file
    from huimin.schemas.clues import ProvinceClues

    if not path.is_file():
        raise DataFileError(path, "no such file", "give the provincial clue list (XLSX or CSV)")
    with tempfile.TemporaryDirectory(prefix="huimin-ledger-import-") as tmp:
        done = ingest_file(path, ProvinceClues, Path(tmp))
        staged = Path(tmp) / "staged" / "province_clues.parquet"
        rows = pl.read_parquet(staged).drop("_source_row", strict=False).to_dicts()
    result.rows_in, result.quarantined = done.rows_in, done.rows_quarantined
    result.reasons = dict(done.reasons)
    return rows


def _row_key(row: dict[str, Any]) -> str:
    own = str(row.get("clue_id") or "").strip()
    if own:
        return own
    return hashlib.sha256(canonical(row).encode()).hexdigest()[:32]


def import_list(
    ledger: Ledger,
    path: Path,
    actor: str,
    deadlines: Deadlines,
    *,
    source: Source = Source.PROVINCE,
    output: Path | None = None,
) -> IntakeResult:
    """Import a clue list in the contract's ``province_clues`` form (see the module docstring).

    With ``output`` (a published run holding ``reconciliation.parquet``), a provincial clue
    corroborated by a district clue joins that clue's entry: one visit, both sources on it.
    """
    if source == Source.DISTRICT:
        raise ConfigError("district clues come from a run: use huimin ledger sync --output OUT")
    result = IntakeResult()
    rows = _list_rows(path, result)
    pairs = _corroborated(output) if source == Source.PROVINCE else {}
    with ledger.write(actor) as writer:
        for row in rows:
            key = _row_key(row)
            known = writer.session.scalars(
                select(ClueSource).where(
                    ClueSource.source == source.value, ClueSource.source_key == key
                )
            ).first()
            if known is not None:
                result.known += 1
                continue
            payload = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}
            district = writer.session.get(Clue, pairs[key]) if key in pairs else None
            if district is not None:
                _join(writer, district, source, key, payload)
                result.joined += 1
                continue
            clue = _listed_clue(row, f"{PREFIX[source]}:{key}", source, deadlines)
            _add(writer, clue, source, key, payload)
            result.added += 1
    return result


def _join(writer: Writer, clue: Clue, source: Source, key: str, payload: dict[str, Any]) -> None:
    import json

    sources = sorted({*json.loads(clue.sources), source.value})
    writer.change(clue, "join", {"source": source.value, "key": key}, sources=canonical(sources))
    writer.session.add(
        ClueSource(
            clue_id=clue.clue_id,
            source=source.value,
            source_key=key,
            payload=canonical(payload),
            added_at=writer.at,
        )
    )


def _listed_clue(row: dict[str, Any], clue_id: str, source: Source, deadlines: Deadlines) -> Clue:
    issued = row.get("issued_date")
    year = issued.year if isinstance(issued, dt.date) else dt.date.today().year
    verify_by, rectify_by = deadlines.for_year(year)
    id_number = row.get("id_number") or ""
    return Clue(
        clue_id=clue_id,
        sources=canonical([source.value]),
        project=row.get("project") or "",
        department=row.get("department") or "",
        street=row.get("street") or "",
        organization=row.get("organization") or "",
        subject_kind="person",
        subject=id_number or (row.get("name") or ""),
        name=row.get("name") or "",
        id_numbers=canonical([id_number] if id_number else []),
        check_period=str(year),
        amount=row.get("amount"),
        summary=row.get("problem") or "",
        verify_points="",
        content_hash=hashlib.sha256(canonical(row).encode()).hexdigest() if row else "",
        state=State.PENDING.value,
        no_longer_found=False,
        verify_deadline=verify_by,
        rectify_deadline=rectify_by,
        disposition="{}",
        closure="{}",
    )
