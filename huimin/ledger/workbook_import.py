"""A filled workbook back into the ledger: checked cell by cell, applied all or nothing.

:func:`import_workbook` refuses a workbook whose signature does not match (a locked cell
changed, rows added or removed, another street's clue), names every fill-in cell that breaks
a rule (sheet, row, column, allowed values), and applies every row in one transaction through
:func:`huimin.ledger.records.apply_records`.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from huimin.errors import ConfigError, DataFileError
from huimin.ledger.models import Clue
from huimin.ledger.records import (
    ELEMENTS,
    METHODS,
    apply_records,
    check_disposition,
    check_verification,
)
from huimin.ledger.states import DISPOSAL_TARGETS, State
from huimin.ledger.store import Ledger
from huimin.ledger.workbook_layout import (
    COL,
    CONFIRMED,
    FILL,
    FORMAT,
    FROM_STATES,
    HEADERS,
    LIST_SEPARATORS,
    LOCKED,
    MAIN,
    OUTCOMES,
    SIGNATURE,
    STARTED,
    TARGETS,
    YES,
    Scope,
    cell_mac,
    signature,
    where,
)
from huimin.rules.clue_ids import district_key


@dataclass
class Signed:
    """What the hidden sheet says: the scope, the signature and each locked cell's MAC."""

    scope: Scope
    name: str
    signature: str
    macs: list[list[str]]


@dataclass
class ImportResult:
    """What an import did: the moves applied, and the rows left blank."""

    scope: Scope
    name: str
    moves: list[str] = field(default_factory=list)
    rows: int = 0
    blank: int = 0


def _read_sheet(path: Path, sheet: str) -> list[list[str]]:
    try:
        frame = pl.read_excel(
            path, sheet_name=sheet, engine="calamine", has_header=False, infer_schema_length=0
        )
    except Exception:
        raise DataFileError(
            path, f"has no readable sheet {sheet}", "import the workbook huimin ledger export wrote"
        ) from None
    return [[("" if v is None else str(v)) for v in row] for row in frame.rows()]


def _signed(path: Path) -> Signed:
    rows = _read_sheet(path, SIGNATURE)
    head = rows[0] + [""] * 4 if rows else [""] * 4
    if head[0] != FORMAT or head[1] not in {s.value for s in Scope}:
        raise DataFileError(path, "its signature sheet is missing or changed: it is refused")
    macs = [[v for v in row if v] for row in rows[1:]]
    return Signed(Scope(head[1]), head[2], head[3], macs)


def _check_signature(path: Path, signed: Signed, rows: list[list[str]]) -> list[str]:
    key = district_key()
    expected = signature(key, signed.scope, signed.name, signed.macs)
    if not hmac.compare_digest(expected, signed.signature):
        raise DataFileError(
            path,
            "its signature does not match (the hidden sheet was changed, or the workbook was "
            "not exported with this district's key): it is refused",
        )
    problems: list[str] = []
    if len(rows) != len(signed.macs):
        problems.append(
            f"sheet {MAIN} has {len(rows)} clue rows, the workbook was exported with "
            f"{len(signed.macs)}: rows must not be added or removed"
        )
    for r, (values, macs) in enumerate(zip(rows, signed.macs, strict=False), start=2):
        for c in range(len(LOCKED)):
            value = values[c] if c < len(values) else ""
            mac = cell_mac(key, signed.scope, signed.name, r, c, value)
            if c >= len(macs) or not hmac.compare_digest(mac, macs[c]):
                problems.append(f"{where(MAIN, r, c)}: changed since export (a locked cell)")
    return problems


def import_workbook(ledger: Ledger, path: Path, actor: str) -> ImportResult:
    """Check ``path`` cell by cell and apply it all or nothing.

    ConfigError lists every problem (sheet, row, column, allowed values) and nothing is
    recorded; DataFileError when the file is not a workbook this district exported.
    """
    if not path.is_file():
        raise DataFileError(path, "no such file")
    signed = _signed(path)
    table = _read_sheet(path, MAIN)
    if not table or tuple(table[0][: len(HEADERS)]) != HEADERS:
        raise DataFileError(path, f"sheet {MAIN}'s header row was changed: it is refused")
    rows = [(row + [""] * len(HEADERS))[: len(HEADERS)] for row in table[1:]]
    while rows and not any(v.strip() for v in rows[-1]):
        rows.pop()
    problems = _check_signature(path, signed, rows)
    states = _current(ledger, signed, rows, problems)
    if problems:
        raise ConfigError(f"{path.name} refused, nothing recorded:\n  " + "\n  ".join(problems))
    result = ImportResult(signed.scope, signed.name, rows=len(rows))
    records: list[dict[str, Any]] = []
    origin: list[int] = []
    for r, values in enumerate(rows, start=2):
        row_records = _row_records(signed.scope, r, values, states.get(values[0], ""), problems)
        if row_records is None:
            result.blank += 1
        records.extend(row_records or [])
        origin.extend([r] * len(row_records or []))
    if problems:
        raise ConfigError(f"{path.name} refused, nothing recorded:\n  " + "\n  ".join(problems))
    result.moves = _apply(ledger, records, origin, actor)
    return result


def _current(
    ledger: Ledger, signed: Signed, rows: list[list[str]], problems: list[str]
) -> dict[str, str]:
    """Each clue's state now; a clue of another scope, or moved since export, is a problem."""
    scope_col = {
        Scope.STREET: COL["街道"],
        Scope.ORGANISATION: COL["单位"],
        Scope.DEPARTMENT: COL["主管部门"],
    }[signed.scope]
    states: dict[str, str] = {}
    allowed = {s.value for s in FROM_STATES[signed.scope]}
    with ledger.read() as session:
        for r, values in enumerate(rows, start=2):
            clue = session.get(Clue, values[0])
            if clue is None:
                problems.append(f"{where(MAIN, r, 0)}: no such clue in this ledger")
                continue
            owner = {
                Scope.STREET: clue.street,
                Scope.ORGANISATION: clue.organization,
                Scope.DEPARTMENT: clue.department,
            }[signed.scope]
            if owner != signed.name or values[scope_col] != signed.name:
                problems.append(
                    f"{where(MAIN, r, scope_col)}: the clue belongs to '{owner}', "
                    f"not to '{signed.name}'"
                )
            elif clue.state not in allowed:
                problems.append(
                    f"{where(MAIN, r, 0)}: the clue is now {clue.state} (recorded since "
                    f"export); export a new workbook"
                )
            states[clue.clue_id] = clue.state
    return states


def _cell(values: list[str], title: str) -> str:
    return values[COL[title]].strip()


def _split(text: str) -> list[str]:
    return [t.strip() for t in LIST_SEPARATORS.split(text) if t.strip()]


def _date_text(text: str) -> str | None:
    if re.fullmatch(r"\d{4,6}(\.0+)?", text):
        serial = int(float(text))
        return (dt.date(1899, 12, 30) + dt.timedelta(days=serial)).isoformat()
    match = re.match(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", text)
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:
        return None


def _choice(
    values: list[str], r: int, title: str, allowed: Sequence[str], problems: list[str]
) -> str:
    text = _cell(values, title)
    if text and text not in allowed:
        problems.append(
            f"{where(MAIN, r, COL[title])}: '{text}' is not allowed; allowed: {', '.join(allowed)}"
        )
        return ""
    return text


def _row_records(
    scope: Scope, r: int, values: list[str], state: str, problems: list[str]
) -> list[dict[str, Any]] | None:
    """The records of row ``r`` (None when no fill-in cell is filled)."""
    if not any(_cell(values, title) for title in FILL):
        return None
    before = len(problems)
    outcome = _choice(values, r, "核查结果", OUTCOMES[scope], problems)
    for method in METHODS:
        _choice(values, r, method, (YES,), problems)
    target = _choice(values, r, "处置去向", TARGETS, problems)
    if not _cell(values, "核查结果") and len(problems) == before:
        allowed = ", ".join(OUTCOMES[scope])
        problems.append(f"{where(MAIN, r, COL['核查结果'])}: required; allowed: {allowed}")
    if len(problems) > before:
        return []
    started = STARTED[scope].value
    records: list[dict[str, Any]] = []
    if state != started:
        records.append({"clue_id": values[0], "to": started})
    if outcome == started:
        _nothing_more(values, r, problems)
        return records
    records.append(
        {"clue_id": values[0], "to": outcome, "verification": _verification(values, r, problems)}
    )
    note = _cell(values, "备注")
    if note:
        records[-1]["note"] = note
    disposal = _disposition(values, r, outcome, target, problems)
    if disposal is not None:
        records.append(disposal)
    return records


def _nothing_more(values: list[str], r: int, problems: list[str]) -> None:
    filled = [t for t in FILL[1:] if t != "备注" and _cell(values, t)]
    if filled:
        col = COL[filled[0]]
        problems.append(
            f"{where(MAIN, r, col)}: filled while 核查结果 says the check has only started; "
            f"choose the outcome ({', '.join(CONFIRMED)}, ...) or clear the cell"
        )


def _verification(values: list[str], r: int, problems: list[str]) -> dict[str, Any]:
    date_text = _cell(values, "核查日期")
    date = _date_text(date_text) if date_text else ""
    if date is None:
        problems.append(
            f"{where(MAIN, r, COL['核查日期'])}: '{date_text}' is not a date; "
            "allowed: a date as YYYY-MM-DD"
        )
        date = ""
    data: dict[str, Any] = {
        "elements": {e: _cell(values, e) for e in ELEMENTS},
        "methods": [m for m in METHODS if _cell(values, m) == YES],
        "opinion": _cell(values, "核查意见"),
        "verifier": _cell(values, "核查人"),
        "date": date,
        "evidence": _split(_cell(values, "佐证材料")),
    }
    _verification_cells(data, r, problems, date_text)
    return data


def _verification_cells(data: dict[str, Any], r: int, problems: list[str], date: str) -> None:
    """Name the cell of each missing or refused part of a verification."""
    for element in ELEMENTS:
        if not data["elements"][element]:
            problems.append(f"{where(MAIN, r, COL[element])}: required (one of the five elements)")
    if not data["methods"]:
        problems.append(
            f"{where(MAIN, r, COL[METHODS[0]])}: choose {YES} in at least one of the columns "
            f"{', '.join(METHODS)}"
        )
    for title, key in (("核查人", "verifier"), ("佐证材料", "evidence")):
        if not data[key]:
            problems.append(f"{where(MAIN, r, COL[title])}: required")
    if not date:
        problems.append(f"{where(MAIN, r, COL['核查日期'])}: required; a date as YYYY-MM-DD")
    if data["opinion"] or all(data["elements"].values()):
        try:
            check_verification({**data, "date": data["date"] or "2000-01-01"})
        except ValueError as exc:
            if "opinion" in str(exc):
                problems.append(f"{where(MAIN, r, COL['核查意见'])}: {exc}")


def _amount(values: list[str], r: int, title: str, problems: list[str]) -> float | None:
    text = _cell(values, title).replace(",", "")
    try:
        amount = float(text or "0")
    except ValueError:
        amount = -1.0
    if amount < 0 or amount != amount:
        problems.append(
            f"{where(MAIN, r, COL[title])}: '{text}' is not an amount; allowed: a number of "
            "yuan, 0 or more"
        )
        return None
    return amount


def _disposition(
    values: list[str], r: int, outcome: str, target: str, problems: list[str]
) -> dict[str, Any] | None:
    parts = ("处置措施", "应追缴金额", "已追缴金额")
    if not target:
        filled = [t for t in parts if _cell(values, t)]
        if filled and outcome in CONFIRMED:
            problems.append(
                f"{where(MAIN, r, COL['处置去向'])}: required with {filled[0]}; "
                f"allowed: {', '.join(TARGETS)}"
            )
        return None
    if outcome not in CONFIRMED:
        problems.append(
            f"{where(MAIN, r, COL['处置去向'])}: only for {', '.join(CONFIRMED)}, "
            f"not {outcome}: clear the cell"
        )
        return None
    state = State(target)
    data = {
        "category": DISPOSAL_TARGETS[state].value,
        "measures": _split(_cell(values, "处置措施")),
        "amount_to_recover": _amount(values, r, "应追缴金额", problems),
        "amount_recovered": _amount(values, r, "已追缴金额", problems),
    }
    try:
        check_disposition(data, state)
    except ValueError as exc:
        problems.append(f"{where(MAIN, r, COL['处置措施'])}: {exc}")
    return {"clue_id": values[0], "to": target, "disposition": data}


def _apply(
    ledger: Ledger, records: list[dict[str, Any]], origin: list[int], actor: str
) -> list[str]:
    try:
        return apply_records(ledger, records, actor)
    except ConfigError as exc:
        text = re.sub(
            r"record (\d+)",
            lambda m: f"sheet {MAIN}, row {origin[int(m.group(1)) - 1]}",
            str(exc),
        )
        raise ConfigError(text) from None
