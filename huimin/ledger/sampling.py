"""Re-check sampling (复核抽查): each department draws at least 20% of its 查否 clues.

The draw takes one clue at random from every street (or organisation) that has any, then fills
up to 20% of the population, rounded up, at random from the rest. It is a pure function of the
population and the seed, and the seed is recorded with the round, so anyone can redo the draw.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from huimin.errors import ConfigError
from huimin.ledger.history import canonical
from huimin.ledger.models import Clue, SamplingRound
from huimin.ledger.states import State
from huimin.ledger.store import Ledger

SHARE_PERCENT = 20


def required(population: int) -> int:
    """20% of the population, rounded up."""
    return -(-population * SHARE_PERCENT // 100)


def draw(population: Iterable[tuple[str, str]], seed: int) -> list[str]:
    """The clue ids drawn from (clue id, street) pairs with ``seed``; sorted."""
    pairs = sorted(set(population))
    rng = random.Random(seed)
    by_street: dict[str, list[str]] = {}
    for clue_id, street in pairs:
        by_street.setdefault(street, []).append(clue_id)
    chosen = [rng.choice(ids) for _street, ids in sorted(by_street.items())]
    rest = [clue_id for clue_id, _ in pairs if clue_id not in set(chosen)]
    extra = max(0, required(len(pairs)) - len(chosen))
    return sorted(chosen + rng.sample(rest, extra))


@dataclass(frozen=True)
class Draw:
    round_id: int
    department: str
    seed: int
    population: list[str]
    drawn: list[str]


def _open_round(session: object, department: str) -> SamplingRound | None:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    return session.scalars(
        select(SamplingRound).where(
            SamplingRound.department == department, SamplingRound.closed_at.is_(None)
        )
    ).first()


def sample(ledger: Ledger, department: str, actor: str, seed: int | None = None) -> Draw:
    """Draw a department's re-check sample from its 查否 clues not yet in a round."""
    seed = secrets.randbits(31) if seed is None else seed
    with ledger.write(actor) as writer:
        session = writer.session
        if _open_round(session, department) is not None:
            raise ConfigError(
                f"{department} has an open sampling round: close it first "
                "(huimin ledger close-round --department NAME)"
            )
        clues = list(
            session.scalars(
                select(Clue).where(
                    Clue.department == department,
                    Clue.state == State.UNFOUNDED.value,
                    Clue.sampling_round.is_(None),
                )
            )
        )
        if not clues:
            raise ConfigError(f"{department} has no 查否 clues waiting for a re-check draw")
        population = [(c.clue_id, c.street or c.organization) for c in clues]
        drawn = draw(population, seed)
        ids = sorted(c for c, _ in population)
        round_ = SamplingRound(
            department=department,
            seed=seed,
            population=canonical(ids),
            drawn=canonical(drawn),
            drawn_at=writer.at,
            drawn_by=writer.actor,
        )
        session.add(round_)
        session.flush()
        writer.event(
            "sample",
            "",
            None,
            {
                "round": round_.id,
                "department": department,
                "seed": seed,
                "population": ids,
                "drawn": drawn,
            },
        )
        chosen = set(drawn)
        for clue in sorted(clues, key=lambda c: c.clue_id):
            changes: dict[str, object] = {"sampling_round": round_.id}
            if clue.clue_id in chosen:
                changes["state"] = State.SAMPLED.value
            writer.change(clue, "draw" if clue.clue_id in chosen else "not_drawn", **changes)
        return Draw(round_.id, department, seed, ids, drawn)


def close_round(ledger: Ledger, department: str, actor: str) -> tuple[int, int]:
    """Close the department's open round: its 查否 clues not drawn become 查否结案.

    Returns (round id, clues closed).
    """
    with ledger.write(actor) as writer:
        round_ = _open_round(writer.session, department)
        if round_ is None:
            raise ConfigError(f"{department} has no open sampling round")
        drawn = set(json.loads(round_.drawn))
        closed = 0
        for clue_id in json.loads(round_.population):
            clue = writer.session.get(Clue, clue_id)
            if clue is None or clue_id in drawn or clue.state != State.UNFOUNDED.value:
                continue
            writer.change(clue, "close_round", state=State.UNFOUNDED_CLOSED.value)
            closed += 1
        round_.closed_at = writer.at
        writer.event(
            "close_round",
            "",
            None,
            {"round": round_.id, "department": department, "closed": closed},
        )
        return round_.id, closed
