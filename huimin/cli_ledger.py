"""``huimin ledger``: the verification ledger (问题线索台账) from the command line.

Every command prints the history's head hash and event count. The console shows ID numbers
masked; the ledger itself holds them in full (it is the district's own working data).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.console import Console

from huimin.boundary import guarded
from huimin.errors import EXIT_CHECKS_FAILED, ConfigError, DataFileError
from huimin.redact import RedactingWriter, redact

if TYPE_CHECKING:
    from huimin.ledger.intake import Deadlines, IntakeResult
    from huimin.ledger.models import Clue
    from huimin.ledger.store import Ledger
    from huimin.ledger.supervision import Overdue, SendBack

console = Console(file=cast(IO[str], RedactingWriter(None)), stderr=True)

app = typer.Typer(
    help=(
        "The verification ledger (问题线索台账): clues from their source to close-out, with a "
        "hash-chained history. Default location: $HUIMIN_LEDGER or "
        "~/.local/share/huimin/ledger.sqlite."
    ),
    no_args_is_help=True,
)

LedgerOpt = Annotated[
    str | None,
    typer.Option(
        "--ledger",
        help="Ledger file or database URL (postgresql+psycopg://user@host/db); "
        "default $HUIMIN_LEDGER or ~/.local/share/huimin/ledger.sqlite.",
    ),
]
ByOpt = Annotated[
    str | None, typer.Option("--by", help="Who makes the change (default: the login name).")
]
VerifyBy = Annotated[
    str, typer.Option("--verify-by", help="Verification deadline, MM-DD of the check year.")
]
RectifyBy = Annotated[
    str, typer.Option("--rectify-by", help="Rectification deadline, MM-DD of the check year.")
]


class SourceChoice(StrEnum):
    """The values of :class:`huimin.ledger.intake.Source`, without importing the ledger (and
    SQLAlchemy) to build the command line."""

    DISTRICT = "district"
    PROVINCE = "province"
    TRANSFERRED = "transferred"
    COMPLAINT = "complaint"


def _say(text: str) -> None:
    console.print(redact(text), markup=False, highlight=False, soft_wrap=True)


def _actor(value: str | None) -> str:
    if value:
        return value
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise ConfigError("say who makes the change with --by NAME") from None


@contextmanager
def _open(value: str | None) -> Iterator[Ledger]:
    from sqlalchemy.exc import SQLAlchemyError

    from huimin.ledger.store import Ledger

    ledger = Ledger.open(value)
    try:
        yield ledger
    finally:
        try:
            _say(ledger.head().line())
        except SQLAlchemyError:
            _say("history: the head cannot be read")
        ledger.dispose()


def _deadlines(verify_by: str, rectify_by: str) -> Deadlines:
    from huimin.ledger.intake import Deadlines

    return Deadlines(Deadlines.parse(verify_by), Deadlines.parse(rectify_by))


def _intake_lines(result: IntakeResult) -> None:
    counts = {
        "added": result.added,
        "already recorded": result.known,
        "joined": result.joined,
        "reopened": result.reopened,
        "updated": result.updated,
        "no longer found": result.no_longer_found,
        "found again": result.found_again,
    }
    nothing = not any(counts.values()) and not result.merged and not result.conflicts
    _say("nothing to do" if nothing else ", ".join(f"{v} {k}" for k, v in counts.items() if v))
    if result.quarantined:
        reasons = "; ".join(f"{r}: {n}" for r, n in result.reasons.items())
        _say(f"{result.quarantined} of {result.rows_in} rows quarantined, not imported ({reasons})")


@app.command("sync")
@guarded(console)
def sync_command(
    output: Annotated[Path, typer.Option("--output", help="A published run (OUT).")],
    ledger: LedgerOpt = None,
    by: ByOpt = None,
    verify_by: VerifyBy = "10-15",
    rectify_by: RectifyBy = "11-15",
) -> None:
    """Bring a published run's clues into the ledger (new ones added, missing ones marked)."""
    from huimin.ledger.intake import sync

    with _open(ledger) as opened:
        result = sync(opened, output, _actor(by), _deadlines(verify_by, rectify_by))
        _say(f"{result.rows_in} clues in the run")
        _intake_lines(result)
        for line in result.merge_lines():
            _say(line)


@app.command("import-province")
@guarded(console)
def import_province_command(
    file: Annotated[Path, typer.Argument(help="The clue list (XLSX or CSV, province_clues).")],
    ledger: LedgerOpt = None,
    by: ByOpt = None,
    source: Annotated[
        SourceChoice,
        typer.Option("--source", help="province, transferred (跨区移交) or complaint."),
    ] = SourceChoice.PROVINCE,
    output: Annotated[
        Path | None,
        typer.Option("--output", help="A published run whose reconciliation.parquet joins pairs."),
    ] = None,
    verify_by: VerifyBy = "10-15",
    rectify_by: RectifyBy = "11-15",
) -> None:
    """Import a provincial (or transferred, or complaint) clue list: only new clues are added."""
    from huimin.ledger.intake import Source, import_list

    with _open(ledger) as opened:
        result = import_list(
            opened,
            file,
            _actor(by),
            _deadlines(verify_by, rectify_by),
            source=Source(source.value),
            output=output,
        )
        _say(f"{result.rows_in} rows in {file.name}")
        _intake_lines(result)
        for line in result.merge_lines():
            _say(line)


def _load_records(path: Path) -> list[Any]:
    from huimin.rules.yamlsrc import parse, plain

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise DataFileError(path, "cannot be read as UTF-8 text") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataFileError(path, f"not JSON (line {exc.lineno})") from None
    else:
        node, problems = parse(text, str(path))
        if problems or node is None:
            raise ConfigError(str(problems[0]) if problems else f"{path}: empty")
        data = plain(node)
    records = data if isinstance(data, list) else [data]
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        records = data["records"]
    return list(records)


def _apply(ledger: str | None, by: str | None, records: list[Any]) -> None:
    from huimin.ledger.records import apply_records

    with _open(ledger) as opened:
        for line in apply_records(opened, records, _actor(by)):
            _say(line)


@app.command("transition")
@guarded(console)
def transition_command(
    clue_id: Annotated[str, typer.Argument(help="The clue.")],
    to: Annotated[str, typer.Option("--to", help="The new state (its Chinese name).")],
    file: Annotated[
        Path | None,
        typer.Option("--file", help="JSON/YAML with verification, disposition or closure."),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="A note kept in the history.")] = "",
    ledger: LedgerOpt = None,
    by: ByOpt = None,
) -> None:
    """Move one clue to a new state; refused, with the reason, when the plan does not allow it."""
    extra = _load_records(file)[0] if file else {}
    if not isinstance(extra, dict):
        raise ConfigError(f"{file}: must hold a mapping")
    _apply(ledger, by, [{**extra, "clue_id": clue_id, "to": to, "note": note}])


@app.command("verify-record")
@guarded(console)
def verify_record_command(
    file: Annotated[Path, typer.Argument(help="JSON/YAML: one record or a list of records.")],
    ledger: LedgerOpt = None,
    by: ByOpt = None,
) -> None:
    """Record verifications, dispositions and closings from a file: all or nothing."""
    _apply(ledger, by, _load_records(file))


@app.command("close")
@guarded(console)
def close_command(
    clue_id: Annotated[str, typer.Argument(help="The clue (in 整改中).")],
    evidence: Annotated[
        list[str], typer.Option("--evidence", help="A rectification evidence file (repeat).")
    ],
    recovered: Annotated[
        float | None, typer.Option("--recovered", help="Amount recovered in total (yuan).")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why less than owed was recovered.")] = "",
    ledger: LedgerOpt = None,
    by: ByOpt = None,
) -> None:
    """Close a rectified clue (销号): needs evidence and settled amounts."""
    closure: dict[str, Any] = {"evidence": evidence, "reason": reason}
    if recovered is not None:
        closure["amount_recovered"] = recovered
    _apply(ledger, by, [{"clue_id": clue_id, "to": "已销号", "closure": closure}])


@app.command("sample")
@guarded(console)
def sample_command(
    department: Annotated[str, typer.Option("--department", help="The department.")],
    seed: Annotated[int | None, typer.Option("--seed", help="Seed (recorded).")] = None,
    ledger: LedgerOpt = None,
    by: ByOpt = None,
) -> None:
    """Draw a department's re-check sample: 20% of its 查否 clues rounded up, one per street."""
    from huimin.ledger.sampling import sample

    with _open(ledger) as opened:
        drawn = sample(opened, department, _actor(by), seed)
        _say(
            f"round {drawn.round_id}: {len(drawn.drawn)} of {len(drawn.population)} 查否 clues "
            f"drawn with seed {drawn.seed}"
        )
        for clue_id in drawn.drawn:
            _say(f"  {clue_id}")


@app.command("close-round")
@guarded(console)
def close_round_command(
    department: Annotated[str, typer.Option("--department", help="The department.")],
    ledger: LedgerOpt = None,
    by: ByOpt = None,
) -> None:
    """Close the department's sampling round: 查否 clues not drawn become 查否结案."""
    from huimin.ledger.sampling import close_round

    with _open(ledger) as opened:
        round_id, closed = close_round(opened, department, _actor(by))
        _say(f"round {round_id} closed: {closed} 查否 clues not drawn are closed (查否结案)")


@app.command("verify")
@guarded(console)
def verify_command(
    ledger: LedgerOpt = None,
    expect_head: Annotated[
        str | None,
        typer.Option("--expect-head", help="The head hash printed earlier: catches removals."),
    ] = None,
) -> None:
    """Recompute the history's hash chain; exit 1 naming every event edited or removed."""
    from huimin.ledger.history import check_chain

    with _open(ledger) as opened:
        with opened.read() as session:
            check = check_chain(session, expect_head)
        for problem in check.problems:
            _say(f"history: {problem}")
        if check.ok:
            _say(f"history intact: {check.count} events")
    if not check.ok:
        raise typer.Exit(EXIT_CHECKS_FAILED)


@app.command("overdue")
@guarded(console)
def overdue_command(
    ledger: LedgerOpt = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The date to judge at (default today).")
    ] = None,
) -> None:
    """The supervision list: overdue clues by street and department, and what to send back."""
    from huimin.ledger.supervision import overdue, send_back

    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        raise ConfigError(f"--as-of '{as_of}': write the date as YYYY-MM-DD") from None
    with _open(ledger) as opened:
        with opened.read() as session:
            late, back = overdue(session, day), send_back(session)
        _print_supervision(day, late, back)


def _print_supervision(day: dt.date, late: list[Overdue], back: list[SendBack]) -> None:
    _say(f"{len(late)} clues overdue on {day.isoformat()}")
    for o in late:
        _say(
            f"  {o.street or '-'} | {o.department} | {o.clue_id} | {o.state} | {o.due} "
            f"due {o.deadline.isoformat()} | {o.days} days late"
        )
    _say(f"{len(back)} verifications to send back")
    for b in back:
        _say(f"  {b.street or '-'} | {b.department} | {b.clue_id} | {'; '.join(b.reasons)}")


@app.command("show")
@guarded(console)
def show_command(
    clue_id: Annotated[str, typer.Argument(help="The clue.")],
    ledger: LedgerOpt = None,
) -> None:
    """One clue: its account, sources, verifications and history (ID numbers masked)."""
    from huimin.ledger.intake import find_entry

    with _open(ledger) as opened, opened.read() as session:
        clue = find_entry(session, clue_id)
        if clue is None:
            raise ConfigError(f"no clue {clue_id} in the ledger")
        if clue.clue_id != clue_id:
            _say(f"{clue_id} is followed on the entry {clue.clue_id}")
        _show(session, clue)


def _show(session: Any, clue: Clue) -> None:
    from sqlalchemy import select

    from huimin.ledger.models import ClueSource, Event, Verification

    where = clue.street or clue.organization or "-"
    _say(f"{clue.clue_id}: {clue.state}{' (no longer found)' if clue.no_longer_found else ''}")
    _say(f"  {clue.project} | {clue.department} | {where} | {clue.name} {clue.subject}")
    _say(
        f"  sources: {', '.join(json.loads(clue.sources))}; deadlines: verify "
        f"{clue.verify_deadline}, rectify {clue.rectify_deadline}"
    )
    if clue.reopened_from:
        _say(f"  reopens {clue.reopened_from}")
    if clue.merged_into:
        _say(f"  merged into {clue.merged_into}")
    _say(f"  {clue.summary}")
    for source in session.scalars(select(ClueSource).where(ClueSource.clue_id == clue.clue_id)):
        _say(f"  source {source.source}: {source.source_key}")
    for v in session.scalars(select(Verification).where(Verification.clue_id == clue.clue_id)):
        _say(f"  {v.kind} {v.verified_on} by {v.verifier}: {v.outcome}: {v.opinion}")
    if clue.disposition != "{}":
        _say(f"  disposition: {clue.disposition}")
    if clue.closure != "{}":
        _say(f"  closure: {clue.closure}")
    events = select(Event).where(Event.clue_id == clue.clue_id).order_by(Event.seq)
    for e in session.scalars(events):
        _say(f"  event {e.seq} {e.at} {e.actor}: {e.action}")
