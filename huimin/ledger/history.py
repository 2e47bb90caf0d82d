"""The append-only history: every change one event, each chained by hash to the one before.

An event's hash is SHA-256 over the previous hash and the event's own canonical JSON (sorted
keys, no spaces, UTF-8). The head hash and the count are also kept in their own table, so a
deleted last event shows even when the chain before it is whole; ``--expect-head`` catches
the removal of both.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huimin.ledger.models import ChainHead, Event

GENESIS = "0" * 64


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, non-ASCII kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(body)).encode("utf-8")).hexdigest()


def body_of(event: Event) -> dict[str, Any]:
    """What an event's hash covers (everything but the hashes themselves)."""
    return {
        "seq": event.seq,
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "clue_id": event.clue_id,
        "before": event.before,
        "after": event.after,
    }


def lock_head(session: Session) -> ChainHead:
    """The head row, locked for this transaction (PostgreSQL: FOR UPDATE; SQLite: the
    transaction itself began IMMEDIATE), so that writers take turns."""
    head = session.scalars(select(ChainHead).where(ChainHead.id == 1).with_for_update()).one()
    return head


def append(
    session: Session,
    head: ChainHead,
    *,
    at: str,
    actor: str,
    action: str,
    clue_id: str = "",
    before: Any = None,
    after: Any = None,
) -> Event:
    """Add one event after the head and move the head."""
    event = Event(
        seq=head.count + 1,
        at=at,
        actor=actor,
        action=action,
        clue_id=clue_id,
        before=canonical(before),
        after=canonical(after),
        prev_hash=head.head,
    )
    event.hash = event_hash(head.head, body_of(event))
    session.add(event)
    head.head, head.count = event.hash, event.seq
    return event


@dataclass
class ChainCheck:
    """What :func:`check_chain` found."""

    count: int
    head: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_chain(session: Session, expect_head: str | None = None) -> ChainCheck:
    """Recompute the whole chain; name every event that was edited, removed or put out of place."""
    prev, expected_seq, problems = GENESIS, 1, []
    for event in session.scalars(select(Event).order_by(Event.seq)):
        where = f"event {event.seq} ({event.action}{' ' + event.clue_id if event.clue_id else ''})"
        if event.seq != expected_seq:
            problems.append(f"events {expected_seq}..{event.seq - 1} are missing (deleted)")
        if event.prev_hash != prev:
            problems.append(f"{where}: its link to the event before does not match")
        if event_hash(event.prev_hash, body_of(event)) != event.hash:
            problems.append(f"{where}: its content was changed after it was recorded")
        prev, expected_seq = event.hash, event.seq + 1
    count = expected_seq - 1
    stored = session.get(ChainHead, 1)
    if stored is None:
        problems.append("the head record is missing")
    else:
        if stored.count != count:
            problems.append(
                f"the head record counts {stored.count} events but the history holds {count}"
            )
        if stored.head != prev:
            problems.append("the head record's hash is not the last event's hash")
    if expect_head is not None and expect_head.strip().lower() != prev:
        problems.append(
            f"the last event's hash is {prev}, not the expected {expect_head.strip()}: "
            "events were removed or added since"
        )
    return ChainCheck(count=count, head=prev, problems=problems)
