"""The hash-chained history: edits, deletions (also of the last events) and counts detected."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, update
from typer.testing import CliRunner

from huimin.cli_ledger import app
from huimin.ledger.intake import Deadlines, sync
from huimin.ledger.models import ChainHead, Event
from huimin.ledger.store import Ledger
from tests.ledger.conftest import clue_row, publish

runner = CliRunner()


def _filled(ledger: Ledger, tmp_path: Path) -> None:
    rows = [clue_row(f"c{i}") for i in range(5)]
    sync(ledger, publish(tmp_path / "out", rows), "t", Deadlines())


def _verify(url: str, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["verify", "--ledger", url, *extra])
    return result.exit_code, result.output


def test_intact_history_verifies(ledger: Ledger, ledger_url: str, tmp_path: Path) -> None:
    _filled(ledger, tmp_path)
    head = ledger.head()
    code, output = _verify(ledger_url, "--expect-head", head.hash)
    assert code == 0, output
    assert f"history: 5 events, head {head.hash}" in output


def test_an_edited_event_is_named(ledger: Ledger, ledger_url: str, tmp_path: Path) -> None:
    _filled(ledger, tmp_path)
    with ledger.engine.begin() as conn:
        conn.execute(update(Event).where(Event.seq == 3).values(actor="someone else"))
    code, output = _verify(ledger_url)
    assert code == 1
    assert "event 3 (add c2): its content was changed" in output


def test_deleting_the_last_event_is_detected(
    ledger: Ledger, ledger_url: str, tmp_path: Path
) -> None:
    _filled(ledger, tmp_path)
    head = ledger.head()
    with ledger.engine.begin() as conn:
        conn.execute(delete(Event).where(Event.seq == 5))
    code, output = _verify(ledger_url)
    assert code == 1
    assert "counts 5 events but the history holds 4" in output
    # the head record rewritten too: only the expected head shows it
    with ledger.engine.begin() as conn:
        last = conn.execute(Event.__table__.select().where(Event.seq == 4)).one()
        conn.execute(update(ChainHead).values(head=last.hash, count=4))
    assert _verify(ledger_url)[0] == 0
    code, output = _verify(ledger_url, "--expect-head", head.hash)
    assert code == 1
    assert "not the expected" in output


def test_a_deleted_middle_event_and_a_wrong_count(
    ledger: Ledger, ledger_url: str, tmp_path: Path
) -> None:
    _filled(ledger, tmp_path)
    with ledger.engine.begin() as conn:
        conn.execute(delete(Event).where(Event.seq == 2))
    code, output = _verify(ledger_url)
    assert code == 1
    assert "events 2..2 are missing" in output
    assert "event 3 (add c2): its link to the event before does not match" in output


def test_the_migrations_build_what_the_models_describe(ledger: Ledger) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from huimin.ledger.models import Base

    with ledger.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": "ledger_alembic_version"})
        assert compare_metadata(context, Base.metadata) == []
