"""``huimin ledger export`` / ``huimin ledger import``: case workers' Excel round-trip.

``export`` writes a street's (organisation's, department's) clues still to record to a signed
workbook; ``import`` checks a filled workbook cell by cell and records it all or nothing.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, cast

import typer
from rich.console import Console

from huimin.boundary import guarded
from huimin.cli_ledger import LedgerOpt
from huimin.errors import ConfigError
from huimin.redact import RedactingWriter, redact

if TYPE_CHECKING:
    from huimin.ledger.workbook import Scope

console = Console(file=cast(IO[str], RedactingWriter(None)), stderr=True)

app = typer.Typer(
    help="Case workers' Excel round-trip: export a signed workbook, import it filled in.",
    no_args_is_help=True,
)


def _say(text: str) -> None:
    console.print(redact(text), markup=False, highlight=False, soft_wrap=True)


def _scope(
    street: str | None, organisation: str | None, department: str | None
) -> tuple[Scope, str]:
    from huimin.ledger.workbook import Scope

    given = [
        (scope, name)
        for scope, name in (
            (Scope.STREET, street),
            (Scope.ORGANISATION, organisation),
            (Scope.DEPARTMENT, department),
        )
        if name
    ]
    if len(given) != 1:
        raise ConfigError("give exactly one of --street, --organisation or --department")
    return given[0][0], str(given[0][1])


@app.command("export")
@guarded(console)
def export_command(
    out: Annotated[Path, typer.Option("--out", help="The workbook to write (.xlsx).")],
    street: Annotated[
        str | None, typer.Option("--street", help="A street's clues in 待核查/核查中.")
    ] = None,
    organisation: Annotated[
        str | None,
        typer.Option("--organisation", help="A dealer's or school's clues in 待核查/核查中."),
    ] = None,
    department: Annotated[
        str | None,
        typer.Option("--department", help="A department's drawn 查否 clues (抽查复核/复核中)."),
    ] = None,
    ledger: LedgerOpt = None,
) -> None:
    """Write a signed workbook of the clues to record, for case workers to fill in."""
    from huimin.ledger.store import Ledger
    from huimin.ledger.workbook import export_workbook

    scope, name = _scope(street, organisation, department)
    opened = Ledger.open(ledger)
    try:
        count = export_workbook(opened, scope, name, out)
        _say(f"{count} clues of {name} written to {out} (an internal file: names and ID numbers)")
        _say(opened.head().line())
    finally:
        opened.dispose()


@app.command("import")
@guarded(console)
def import_command(
    file: Annotated[Path, typer.Argument(help="A workbook written by huimin ledger export.")],
    ledger: LedgerOpt = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Who records (default: the login name).")
    ] = None,
) -> None:
    """Check a filled workbook cell by cell and record it, all or nothing."""
    from huimin.ledger.store import Ledger
    from huimin.ledger.workbook import import_workbook

    actor = by or _login()
    opened = Ledger.open(ledger)
    try:
        result = import_workbook(opened, file, actor)
        for line in result.moves:
            _say(line)
        _say(
            f"{result.rows} rows of {result.name}: {len(result.moves)} moves recorded, "
            f"{result.blank} rows left blank"
        )
        _say(opened.head().line())
    finally:
        opened.dispose()


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise ConfigError("say who records with --by NAME") from None
