"""Clues into the ledger: a published run's clues (sync) and provincial or other lists (import).

A run's clue keeps its ``clue_id`` as its ledger id. A clue the run no longer finds is marked
``no_longer_found`` and kept. A clue found again after it was closed, with a different content
(other periods, amounts or rules), opens a new entry ``<clue_id>~<n>`` linked to the closed
one. A list's row is keyed by its own clue id (else by a hash of its content): importing the
same list again, or a longer one, adds only the rows not seen before and changes nothing else.

A provincial clue and the district clue a run's reconciliation pairs it with (``corroborated``)
are one entry, one visit, whichever comes in first: the later one joins the entry of the
earlier one as another source (``join``). Two entries already recorded apart are merged when
a reconciled run is synced or a list is imported with ``--output``: the one already under way
(past 待核查) stays the entry, or, when neither is, the one holding the district clue; the other
is closed as 已合并 pointing to it, its sources moved over, both changes recorded as ``merge``
events with before and after. When more than one of them is under way nothing is merged and
the intake reports a conflict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

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
DISTRICT, PROVINCE = Source.DISTRICT.value, Source.PROVINCE.value
#: (source, key) → the entry holding that source
Holders = dict[tuple[str, str], Clue]


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
    merged: int = 0
    conflicts: list[str] = field(default_factory=list)

    def merge_lines(self) -> list[str]:
        """The summary's lines on merges and conflicts (clue ids and states only)."""
        lines = [f"{self.merged} entries merged into another (已合并)"] if self.merged else []
        return lines + [f"conflict: {c}" for c in self.conflicts]


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
    pairs = _corroborated(output)
    result = IntakeResult(rows_in=len(rows))
    with ledger.write(actor) as writer:
        holders = _holders(writer)
        entries = {key: c for (source, key), c in holders.items() if source == DISTRICT}
        provinces = _by_district(pairs)
        for row in rows:
            listed = [holders.get((PROVINCE, k)) for k in provinces.get(row["clue_id"], [])]
            _sync_one(writer, row, entries, deadlines, result, _distinct(listed))
        holders.update({(DISTRICT, key): clue for key, clue in entries.items()})
        _unite(writer, pairs, holders, result)
        _mark_missing(writer, holders, {row["clue_id"] for row in rows}, result)
    return result


def _mark_missing(writer: Writer, holders: Holders, seen: set[str], result: IntakeResult) -> None:
    """Mark *no longer found* every open entry none of whose district clues the run found."""
    found: dict[str, bool] = {}
    entries: dict[str, Clue] = {}
    for (source, key), clue in holders.items():
        if source == DISTRICT:
            entries[clue.clue_id] = clue
            found[clue.clue_id] = found.get(clue.clue_id, False) or _base(key) in seen
    for clue_id, clue in sorted(entries.items()):
        if not found[clue_id] and not clue.no_longer_found and clue.state not in CLOSED_STATES:
            writer.change(clue, "no_longer_found", no_longer_found=True)
            result.no_longer_found += 1


def _base(key: str) -> str:
    return key.split(REOPEN_MARK)[0]


def _latest(clue_id: str, known: Callable[[str], bool]) -> str:
    """The district key of ``clue_id``'s latest entry: itself or its last reopening."""
    latest, n = clue_id, 2
    while known(f"{clue_id}{REOPEN_MARK}{n}"):
        latest, n = f"{clue_id}{REOPEN_MARK}{n}", n + 1
    return latest


def _sync_one(
    writer: Writer,
    row: dict[str, Any],
    entries: dict[str, Clue],
    deadlines: Deadlines,
    result: IntakeResult,
    listed: list[Clue],
) -> None:
    """One run clue: added, joined to its provincial entry, known, updated or reopened."""
    clue_id = row["clue_id"]
    if clue_id not in entries:
        clue = _district_clue(row, clue_id, deadlines)
        if listed:
            entries[clue_id] = _target(listed, None)
            _join(writer, entries[clue_id], Source.DISTRICT, clue_id, _district_payload(row), clue)
            result.joined += 1
            return
        _add(writer, clue, Source.DISTRICT, clue_id, _district_payload(row))
        entries[clue_id] = clue
        result.added += 1
        return
    key = _latest(clue_id, entries.__contains__)
    latest, content = entries[key], _content_hash(row)
    if latest.content_hash == content:
        result.known += 1
    elif latest.state in CLOSED_STATES:
        n = 2 if key == clue_id else int(key.split(REOPEN_MARK)[1]) + 1
        new = _district_clue(row, f"{clue_id}{REOPEN_MARK}{n}", deadlines)
        new.reopened_from = latest.clue_id
        _add(writer, new, Source.DISTRICT, new.clue_id, _district_payload(row), "reopen")
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
        _refresh_payload(writer, key, row)
        result.updated += 1
    if latest.no_longer_found:
        writer.change(latest, "found_again", no_longer_found=False)
        result.found_again += 1


def _district_payload(row: dict[str, Any]) -> dict[str, Any]:
    """What a district source keeps of its run clue: the rules that raised it (rule feedback)."""
    return {
        "clue_id": row["clue_id"],
        "rule_ids": sorted(row.get("rule_ids") or []),
        "titles": row.get("titles") or "",
    }


def _refresh_payload(writer: Writer, key: str, row: dict[str, Any]) -> None:
    """An updated clue may have other rules now: its district source says which."""
    query = select(ClueSource).where(
        ClueSource.source == Source.DISTRICT.value, ClueSource.source_key == key
    )
    for source in writer.session.scalars(query):
        source.payload = canonical(_district_payload(row))


def _add(
    writer: Writer,
    clue: Clue,
    source: Source,
    key: str,
    payload: dict[str, Any],
    action: str = "add",
) -> None:
    writer.add_clue(clue, action, {"source": source.value, "key": key})
    _record_source(writer, clue.clue_id, source, key, payload)


def _record_source(
    writer: Writer, clue_id: str, source: Source, key: str, payload: dict[str, Any]
) -> None:
    writer.session.add(
        ClueSource(
            clue_id=clue_id,
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


def _by_district(pairs: dict[str, str]) -> dict[str, list[str]]:
    """District clue id → the provincial clue ids it corroborates."""
    found: dict[str, list[str]] = {}
    for province_key, district_id in sorted(pairs.items()):
        found.setdefault(district_id, []).append(province_key)
    return found


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
        holders = _holders(writer)
        siblings = _by_district(pairs)
        for row in rows:
            key = _row_key(row)
            if (source.value, key) in holders:
                result.known += 1
                continue
            payload = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}
            group = _group(pairs.get(key), siblings, holders)
            if group:
                entry = _target(group, _district_holder(pairs[key], holders))
                _join(writer, entry, source, key, payload)
                holders[(source.value, key)] = entry
                result.joined += 1
                continue
            clue = _listed_clue(row, f"{PREFIX[source]}:{key}", source, deadlines)
            _add(writer, clue, source, key, payload)
            holders[(source.value, key)] = clue
            result.added += 1
        _unite(writer, pairs, holders, result)
    return result


def _join(
    writer: Writer,
    clue: Clue,
    source: Source,
    key: str,
    payload: dict[str, Any],
    district: Clue | None = None,
) -> None:
    """``source``'s clue ``key`` joins the entry ``clue``; a district clue brings its account."""
    changes: dict[str, Any] = {"sources": _sources(clue, [source.value])}
    if district is not None:
        changes |= _account(clue, district)
    writer.change(clue, "join", {"source": source.value, "key": key}, **changes)
    _record_source(writer, clue.clue_id, source, key, payload)


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


# ---------------------------------------------------------------------------- one clue, one entry


def _holders(writer: Writer) -> Holders:
    query = select(ClueSource.source, ClueSource.source_key, Clue).join(
        Clue, Clue.clue_id == ClueSource.clue_id
    )
    return {(source, key): clue for source, key, clue in writer.session.execute(query)}


def _sources(clue: Clue, more: list[str]) -> str:
    return canonical(sorted({*json.loads(clue.sources or "[]"), *more}))


def _group(district_id: str | None, siblings: dict[str, list[str]], holders: Holders) -> list[Clue]:
    """The entries holding district clue ``district_id`` or a provincial clue it corroborates."""
    if district_id is None:
        return []
    found = [_district_holder(district_id, holders)]
    found += [holders.get((PROVINCE, k)) for k in siblings.get(district_id, [])]
    return _distinct(found)


def _distinct(clues: list[Clue | None]) -> list[Clue]:
    """Each entry once, in the order they were recorded."""
    return sorted({c.clue_id: c for c in clues if c is not None}.values(), key=_order)


def _district_holder(district_id: str, holders: Holders) -> Clue | None:
    """The entry holding district clue ``district_id`` (its latest reopening)."""
    return holders.get((DISTRICT, _latest(district_id, lambda k: (DISTRICT, k) in holders)))


def _order(clue: Clue) -> tuple[str, str]:
    return clue.created_at, clue.clue_id


def _survivor(group: list[Clue], holder: Clue | None) -> Clue | None:
    """The entry the others merge into: the one already under way (None when several are),
    else the one holding the district clue, else the first recorded."""
    started = [c for c in group if c.state != State.PENDING.value]
    if len(started) > 1:
        return None
    if started:
        return started[0]
    if holder is not None and any(c is holder for c in group):
        return holder
    return min(group, key=_order)


def _target(group: list[Clue], holder: Clue | None) -> Clue:
    """The entry a newcomer of ``group`` joins (the first one when several are under way)."""
    return _survivor(group, holder) or min(group, key=_order)


def _account(entry: Clue, district: Clue) -> dict[str, Any]:
    """What an entry takes from a district clue joining it: the finding's hash (the next sync
    knows it), and its account (amount, 疑点描述, 核查要点) while the entry is still 待核查."""
    changes: dict[str, Any] = {"content_hash": district.content_hash}
    if entry.state == State.PENDING.value:
        changes |= {
            "amount": district.amount,
            "summary": district.summary,
            "verify_points": district.verify_points,
        }
    return changes


def _unite(writer: Writer, pairs: dict[str, str], holders: Holders, result: IntakeResult) -> None:
    """Merge the entries of every corroborated pair recorded apart (see the module docstring)."""
    siblings = _by_district(pairs)
    for district_id in sorted(siblings):
        group = _group(district_id, siblings, holders)
        if len(group) < 2:
            continue
        survivor = _survivor(group, _district_holder(district_id, holders))
        if survivor is None:
            states = ", ".join(f"{c.clue_id} ({c.state})" for c in group)
            result.conflicts.append(
                f"{states} are one clue (district clue {district_id}) and more than one is "
                "already under way: not merged, each is followed on its own"
            )
            continue
        for other in group:
            if other is not survivor:
                for moved in _merge(writer, survivor, other):
                    holders[(moved.source, moved.source_key)] = survivor
                result.merged += 1


def _merge(writer: Writer, survivor: Clue, other: Clue) -> list[ClueSource]:
    """Close ``other`` (still 待核查) as 已合并 into ``survivor``; its sources move over."""
    moved = list(
        writer.session.scalars(
            select(ClueSource).where(ClueSource.clue_id == other.clue_id).order_by(ClueSource.id)
        )
    )
    names = [[s.source, s.source_key] for s in moved]
    theirs, ours = json.loads(other.sources or "[]"), json.loads(survivor.sources or "[]")
    changes: dict[str, Any] = {"sources": _sources(survivor, theirs)}
    if DISTRICT in theirs and DISTRICT not in ours:
        changes |= _account(survivor, other)
    writer.change(survivor, "merge", {"absorbed": other.clue_id, "sources": names}, **changes)
    writer.change(
        other,
        "merge",
        {"into": survivor.clue_id, "sources": names},
        state=State.MERGED.value,
        merged_into=survivor.clue_id,
        sources=canonical([]),
    )
    for source in moved:
        source.clue_id = survivor.clue_id
    writer.session.flush()
    return moved


def find_entry(session: Session, clue_id: str) -> Clue | None:
    """The entry that carries ``clue_id`` now: its own, the one it was merged into, or the one
    holding it as a source (a district or provincial clue id that joined another entry)."""
    clue, seen = session.get(Clue, clue_id), set()
    while clue is not None and clue.merged_into and clue.clue_id not in seen:
        seen.add(clue.clue_id)
        clue = session.get(Clue, clue.merged_into)
    if clue is not None:
        return clue
    query = select(ClueSource.clue_id).where(ClueSource.source_key == clue_id)
    holder = session.scalars(query.order_by(ClueSource.id)).first()
    return None if holder is None else session.get(Clue, holder)
