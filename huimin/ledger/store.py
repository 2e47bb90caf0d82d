"""Opening the ledger: where it lives, its migrations, and one writer at a time.

The ledger is an embedded SQLite file by default, outside every run folder:
``$HUIMIN_LEDGER`` or ``~/.local/share/huimin/ledger.sqlite``. A SQLAlchemy URL
(``postgresql+psycopg://user@host/db``) works the same way. Opening applies the migrations
(Alembic, ``upgrade head``). Every change happens in a :meth:`Ledger.write` transaction that
first locks the history's head, so two processes writing at the same moment take turns and
both apply in full.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session

from huimin.errors import ConfigError
from huimin.ledger.history import append, lock_head
from huimin.ledger.models import ChainHead, Clue

ENV_VAR = "HUIMIN_LEDGER"
#: the district's time zone: the dates it sees (closing dates, reports) are Wuhan dates
TIMEZONE = ZoneInfo("Asia/Shanghai")
DEFAULT_PATH = Path("~/.local/share/huimin/ledger.sqlite")
#: a PostgreSQL advisory lock key: one process migrates at a time
MIGRATION_LOCK = 0x6875696D696E  # "huimin"
#: the clue fields a change is recorded for
SNAPSHOT = (
    "state",
    "sources",
    "no_longer_found",
    "street",
    "organization",
    "department",
    "verify_deadline",
    "rectify_deadline",
    "disposition",
    "closure",
    "sampling_round",
    "amount",
    "summary",
    "content_hash",
    "merged_into",
)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def wuhan_date(at: str) -> dt.date:
    """The district's (Wuhan's) date of a moment the ledger recorded (stored in UTC)."""
    return dt.datetime.fromisoformat(at).astimezone(TIMEZONE).date()


def location(value: str | None) -> str:
    """The ledger's SQLAlchemy URL from ``--ledger``, ``$HUIMIN_LEDGER`` or the default path."""
    chosen = value or os.environ.get(ENV_VAR) or str(DEFAULT_PATH)
    if "://" in chosen:
        return chosen
    path = Path(chosen).expanduser().resolve()
    for folder in [path.parent, *path.parent.parents]:
        if folder.name.endswith(".runs") or (folder / "manifest.json").exists():
            raise ConfigError(
                f"ledger {path}: lies inside a run folder ({folder}); runs are replaced and "
                "removed, so keep the ledger outside every output folder"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def shown(url: str) -> str:
    """The URL as it may be printed: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable ledger URL)"


def _sqlite_takes_turns(engine: Engine) -> None:
    """SQLite: a transaction takes the write lock when it begins, and waits for it."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 60000")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _migrate(engine: Engine) -> None:
    config = Config()
    config.set_main_option("script_location", str(resources.files("huimin.ledger") / "migrations"))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@dataclass(frozen=True)
class Head:
    """The history's head hash and event count, printed by every ledger command."""

    count: int
    hash: str

    def line(self) -> str:
        return f"history: {self.count} events, head {self.hash}"


class Ledger:
    """An open ledger."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    @classmethod
    def open(cls, value: str | None = None) -> Ledger:
        """Open (and migrate) the ledger at ``value``; ConfigError when it cannot be reached."""
        url = location(value)
        try:
            engine = create_engine(url, future=True, connect_args=_connect_args(url))
        except (ArgumentError, NoSuchModuleError):
            raise ConfigError(
                f"--ledger {shown(url)}: not a database URL or path "
                "(a file path, or postgresql+psycopg://user@host/database)"
            ) from None
        if engine.dialect.name == "sqlite":
            _sqlite_takes_turns(engine)
        try:
            _migrate(engine)
        except DBAPIError:
            engine.dispose()
            raise ConfigError(
                f"ledger {shown(url)}: the database cannot be opened or does not answer; "
                "check the path, the server and the user's rights"
            ) from None
        return cls(engine, url)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine) as session, session.begin():
            yield session

    @contextmanager
    def write(self, actor: str) -> Iterator[Writer]:
        """One all-or-nothing change, holding the history's head until it commits."""
        with Session(self.engine, autoflush=True) as session, session.begin():
            yield Writer(session, actor)

    def head(self) -> Head:
        with self.read() as session:
            row = session.get(ChainHead, 1)
            return Head(row.count, row.head) if row else Head(0, "")


def _connect_args(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"timeout": 60}
    if url.startswith("postgresql"):
        return {"connect_timeout": 5}
    return {}


class Writer:
    """A write transaction: changes clues and records each change as a history event."""

    def __init__(self, session: Session, actor: str) -> None:
        if not actor.strip():
            raise ConfigError("say who makes the change (--by NAME)")
        self.session = session
        self.actor = actor.strip()
        self.at = now()
        self.head = lock_head(session)

    def event(self, action: str, clue_id: str = "", before: Any = None, after: Any = None) -> None:
        append(
            self.session,
            self.head,
            at=self.at,
            actor=self.actor,
            action=action,
            clue_id=clue_id,
            before=before,
            after=after,
        )
        self.session.flush()

    def add_clue(self, clue: Clue, action: str = "add", detail: Any = None) -> None:
        clue.created_at = clue.updated_at = self.at
        self.session.add(clue)
        self.session.flush()
        after = snapshot(clue)
        if detail is not None:
            after["detail"] = detail
        self.event(action, clue.clue_id, None, after)

    def change(self, clue: Clue, action: str, detail: Any = None, **changes: Any) -> None:
        """Set ``changes`` on ``clue`` and record before and after."""
        before = {k: _plain(getattr(clue, k)) for k in changes}
        for key, value in changes.items():
            setattr(clue, key, value)
        clue.updated_at = self.at
        after: dict[str, Any] = {k: _plain(getattr(clue, k)) for k in changes}
        if detail is not None:
            after["detail"] = detail
        self.session.flush()
        self.event(action, clue.clue_id, before, after)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def snapshot(clue: Clue) -> dict[str, Any]:
    return {key: _plain(getattr(clue, key)) for key in SNAPSHOT}
