"""Case workers' Excel round-trip: a street's (organisation's, department's) clues out to a
workbook, the filled workbook back into the ledger.

:func:`export_workbook` (:mod:`huimin.ledger.workbook_export`) writes one row per clue still to
record, with the clue's account in locked columns, fill-in columns for what
:mod:`huimin.ledger.records` requires, dropdowns for the allowed values, a sheet of
instructions (填写说明) and, in a hidden sheet, a signature: an HMAC with the district's key over
the scope (street, organisation or department), the clue ids and every locked cell.
:func:`import_workbook` (:mod:`huimin.ledger.workbook_import`) checks the workbook cell by cell,
refuses it when its signature does not match, and applies every row all or nothing through
:func:`huimin.ledger.records.apply_records`. The sheets and columns both share are in
:mod:`huimin.ledger.workbook_layout`.

The workbook carries names and full ID numbers: it is an internal output, like ``clues.xlsx``.
"""

from __future__ import annotations

from huimin.ledger.workbook_export import export_workbook, scope_rows
from huimin.ledger.workbook_import import ImportResult, Signed, import_workbook
from huimin.ledger.workbook_layout import (
    COL,
    CONFIRMED,
    FILL,
    FORMAT,
    FROM_STATES,
    GUIDE,
    HEADERS,
    LOCKED,
    MAIN,
    OUTCOMES,
    SIGNATURE,
    STARTED,
    TARGETS,
    YES,
    Scope,
    column_letter,
)

__all__ = [
    "COL",
    "CONFIRMED",
    "FILL",
    "FORMAT",
    "FROM_STATES",
    "GUIDE",
    "HEADERS",
    "LOCKED",
    "MAIN",
    "OUTCOMES",
    "SIGNATURE",
    "STARTED",
    "TARGETS",
    "YES",
    "ImportResult",
    "Scope",
    "Signed",
    "column_letter",
    "export_workbook",
    "import_workbook",
    "scope_rows",
]
