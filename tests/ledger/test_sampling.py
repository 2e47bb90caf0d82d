"""Re-check sampling: 20% rounded up, one per street, the same seed the same draw."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from huimin.errors import ConfigError
from huimin.ledger.intake import Deadlines, sync
from huimin.ledger.models import Clue, SamplingRound
from huimin.ledger.records import apply_records
from huimin.ledger.sampling import close_round, draw, required, sample
from huimin.ledger.store import Ledger
from huimin.stats import ledger_clues_frame
from tests.ledger.conftest import clue_row, publish, verification


@pytest.mark.parametrize(("n", "k"), [(1, 1), (4, 1), (5, 1), (6, 2), (10, 2), (11, 3), (100, 20)])
def test_twenty_percent_rounded_up(n: int, k: int) -> None:
    assert required(n) == k


def test_draw_one_per_street_reproducible() -> None:
    population = [
        (f"c{i:03d}", "甲街" if i < 27 else ("乙街" if i < 29 else "丙街")) for i in range(30)
    ]
    drawn = draw(population, seed=42)
    assert len(drawn) == 6  # 20% of 30
    streets = {dict(population)[c] for c in drawn}
    assert streets == {"甲街", "乙街", "丙街"}
    assert draw(list(reversed(population)), seed=42) == drawn  # the order given does not matter
    assert any(draw(population, seed=s) != drawn for s in range(5))
    many_streets = [(f"c{i}", f"街{i}") for i in range(7)]
    assert len(draw(many_streets, seed=1)) == 7  # one per street beats 20%


def test_sample_records_the_seed_and_closing_the_round(ledger: Ledger, tmp_path: Path) -> None:
    rows = [clue_row(f"c{i:02d}", street=f"街{i % 3}") for i in range(12)]
    sync(ledger, publish(tmp_path / "out", rows), "t", Deadlines())
    records = []
    for row in rows:
        records += [
            {"clue_id": row["clue_id"], "to": "核查中"},
            {"clue_id": row["clue_id"], "to": "查否", "verification": verification()},
        ]
    apply_records(ledger, records, "街道")
    result = sample(ledger, "区民政局", "民政局", seed=2023)
    assert len(result.drawn) == 3 and result.seed == 2023
    population = [(r["clue_id"], r["street"]) for r in rows]
    assert result.drawn == draw(population, 2023)  # anyone can redo the draw
    with ledger.read() as session:
        stored = session.query(SamplingRound).one()
        assert (stored.seed, json.loads(stored.drawn)) == (2023, result.drawn)
    with pytest.raises(ConfigError, match="open sampling round"):
        sample(ledger, "区民政局", "民政局")
    assert close_round(ledger, "区民政局", "民政局")[1] == 9
    with ledger.read() as session:
        states = {c.clue_id: c.state for c in session.query(Clue)}
    assert {states[c] for c in result.drawn} == {"抽查复核"}
    with ledger.read() as session:  # the progress tables count the drawn, not the round
        drawn = ledger_clues_frame(session).filter(pl.col("drawn"))
    assert sorted(drawn.get_column("clue_id")) == sorted(result.drawn)
    assert sum(s == "查否结案" for s in states.values()) == 9
    with pytest.raises(ConfigError, match="no 查否 clues"):
        sample(ledger, "区民政局", "民政局")
