"""The supervision list (督导): overdue clues, and verifications a supervisor should send back.

A verification is sent back for what the plan's inspections look for: 核查不细致 (an element
answered with an empty phrase, or a single way of verifying), 佐证资料不完善 (a confirmed
problem with a single evidence file), 定性不准确 (an opinion that says nothing) and
整改不到位 (closed with less recovered than owed).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from huimin.ledger.models import Clue, Verification
from huimin.ledger.records import EMPTY_PHRASES, opinion_problem
from huimin.ledger.states import RECTIFY_DUE, VERIFY_DUE, State

SHORT_ELEMENT_CHARS = 4


@dataclass(frozen=True)
class Overdue:
    clue_id: str
    street: str
    department: str
    state: str
    due: str
    deadline: dt.date
    days: int


@dataclass(frozen=True)
class SendBack:
    clue_id: str
    street: str
    department: str
    reasons: tuple[str, ...]


def overdue(session: Session, as_of: dt.date) -> list[Overdue]:
    """Clues past their deadline on ``as_of``, by street, then department, then clue."""
    found: list[Overdue] = []
    for clue in session.scalars(select(Clue)):
        state = State(clue.state)
        if state in VERIFY_DUE:
            due, deadline = "核查", clue.verify_deadline
        elif state in RECTIFY_DUE:
            due, deadline = "整改", clue.rectify_deadline
        else:
            continue
        if deadline is not None and as_of > deadline:
            street = clue.street or clue.organization
            found.append(
                Overdue(
                    clue.clue_id,
                    street,
                    clue.department,
                    clue.state,
                    due,
                    deadline,
                    (as_of - deadline).days,
                )
            )
    return sorted(found, key=lambda o: (o.street, o.department, o.clue_id))


def _verification_reasons(v: Verification) -> list[str]:
    reasons: list[str] = []
    elements = json.loads(v.elements)
    weak = [
        name
        for name, text in elements.items()
        if len(str(text).strip()) < SHORT_ELEMENT_CHARS or str(text).strip() in EMPTY_PHRASES
    ]
    if weak:
        reasons.append(f"核查不细致: elements not established ({', '.join(weak)})")
    if len(json.loads(v.methods)) < 2:
        reasons.append("核查不细致: a single way of verifying")
    if v.outcome in (State.CONFIRMED.value, State.PARTLY.value) and len(json.loads(v.evidence)) < 2:
        reasons.append("佐证资料不完善: a confirmed problem rests on one evidence file")
    if (problem := opinion_problem(v.opinion)) is not None:
        reasons.append(f"定性不准确: {problem}")
    return reasons


def send_back(session: Session) -> list[SendBack]:
    """Verifications (the latest per clue) and closings a supervisor should send back."""
    latest: dict[str, Verification] = {}
    for v in session.scalars(select(Verification).order_by(Verification.id)):
        latest[v.clue_id] = v
    found: list[SendBack] = []
    for clue in session.scalars(select(Clue).order_by(Clue.clue_id)):
        reasons = _verification_reasons(latest[clue.clue_id]) if clue.clue_id in latest else []
        closure = json.loads(clue.closure or "{}")
        owed = float(json.loads(clue.disposition or "{}").get("amount_to_recover") or 0)
        if closure and float(closure.get("amount_recovered") or 0) + 0.005 < owed:
            reasons.append(
                f"整改不到位: closed with {closure.get('amount_recovered')} of {owed:.2f} recovered"
            )
        if reasons:
            street = clue.street or clue.organization
            found.append(SendBack(clue.clue_id, street, clue.department, tuple(reasons)))
    return found
