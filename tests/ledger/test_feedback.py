"""Rule feedback: per district rule, clues raised, verified, confirmed and the 查实率, on both
backends, from a ledger built through sync, records and the re-check sampling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huimin.errors import ConfigError
from huimin.ledger.feedback import (
    ENTRY_SCHEMA,
    FEEDBACK_SCHEMA,
    LOW_RATE_MIN_VERIFIED,
    RuleInfo,
    clue_rules,
    district_entries,
    feedback_table,
    open_existing,
    rule_feedback,
    unattributed,
)
from huimin.ledger.intake import Deadlines, import_list, sync
from huimin.ledger.records import apply_records
from huimin.ledger.sampling import sample
from huimin.ledger.states import State
from huimin.ledger.store import Ledger
from huimin.resources import project_file
from tests.ledger.conftest import clue_row, disposition, publish, verification

PROVINCE = project_file("data", "sample", "province_clues.xlsx")
#: clue → (street, rules); c2 is found by two rules
CLUES = {
    "c1": ("吴家山街", ["dibao.a"]),
    "c2": ("吴家山街", ["dibao.a", "dibao.b"]),
    "c3": ("长青街", ["dibao.b"]),
    "c4": ("长青街", ["dibao.a"]),
    "c5": ("长青街", ["dibao.c"]),
    "c6": ("吴家山街", ["dibao.a"]),
}
CATALOGUE = {
    "dibao.a": RuleInfo("城乡低保", "死亡后仍领取"),
    "dibao.b": RuleInfo("城乡低保", "家庭成员有车"),
    "dibao.c": RuleInfo("城乡低保", "财政供养"),
    "dibao.d": RuleInfo("城乡低保", "重复领取"),
}


def _rows(ids: list[str]) -> list[dict[str, Any]]:
    return [clue_row(i, street=CLUES[i][0], rule_ids=CLUES[i][1]) for i in ids]


def _verify(clue_id: str, outcome: str) -> list[dict[str, Any]]:
    return [
        {"clue_id": clue_id, "to": "核查中"},
        {"clue_id": clue_id, "to": outcome, "verification": verification()},
    ]


def _build(ledger: Ledger, tmp_path: Path) -> dict[str, list[str]]:
    """c1 查实; c2 查否, drawn, overturned to 查实; c3 部分属实 → 整改中; c4 查否, drawn,
    upheld (维持查否); c5 待核查; c6 核查中, then no longer found by the next run."""
    first = publish(tmp_path / "run1", _rows(list(CLUES)))
    sync(ledger, first, "t", Deadlines())
    records = _verify("c1", "查实") + _verify("c2", "查否") + _verify("c3", "部分属实")
    records += [{"clue_id": "c3", "to": "整改中", "disposition": disposition()}]
    records += [*_verify("c4", "查否"), {"clue_id": "c6", "to": "核查中"}]
    apply_records(ledger, records, "街道")
    drawn = sample(ledger, "区民政局", "民政局", seed=3).drawn
    assert drawn == ["c2", "c4"]  # two 查否 in two streets: one per street
    for clue_id, outcome in (("c2", "查实"), ("c4", "维持查否")):
        apply_records(
            ledger,
            [
                {"clue_id": clue_id, "to": "复核中"},
                {"clue_id": clue_id, "to": outcome, "verification": verification()},
            ],
            "民政局",
        )
    second = publish(tmp_path / "run2", _rows(["c1", "c2", "c3", "c4", "c5"]))
    assert sync(ledger, second, "t", Deadlines()).no_longer_found == 1
    return clue_rules(second, first)


def _by_rule(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {row.pop("rule_id"): row for row in frame.iter_rows(named=True)}


def test_counts_per_rule_by_hand(ledger: Ledger, tmp_path: Path) -> None:
    rules_of = _build(ledger, tmp_path)
    with ledger.read() as session:
        frame = rule_feedback(session, ["dibao.d"], rules_of=rules_of, described=CATALOGUE)
    assert frame.schema == pl.Schema(FEEDBACK_SCHEMA)
    assert frame.get_column("rule_id").to_list() == ["dibao.a", "dibao.b", "dibao.c", "dibao.d"]
    rows = _by_rule(frame)
    # dibao.a: c1 查实, c2 overturned to 查实, c4 维持查否, c6 核查中 and no longer found
    assert rows["dibao.a"] == {
        "project": "城乡低保",
        "title": "死亡后仍领取",
        "raised": 4,
        "verified": 3,
        "confirmed": 2,
        "unfounded": 1,
        "pending": 1,
        "no_longer_found": 1,
        "confirmed_rate": 0.6667,
        "low_rate": False,
    }
    # dibao.b: c2 (two rules: counts here too) and c3 部分属实 → 整改中
    b = rows["dibao.b"]
    assert (b["raised"], b["verified"], b["confirmed"], b["unfounded"]) == (2, 2, 2, 0)
    assert (b["pending"], b["confirmed_rate"]) == (0, 1.0)
    # dibao.c: c5 still 待核查: no rate yet
    c = rows["dibao.c"]
    assert (c["raised"], c["verified"], c["pending"], c["confirmed_rate"]) == (1, 0, 1, None)
    # dibao.d: in the catalogue, raised nothing
    d = rows["dibao.d"]
    assert (d["raised"], d["verified"], d["confirmed_rate"], d["title"]) == (0, 0, None, "重复领取")


def test_without_the_catalogue_the_project_comes_from_the_clues(
    ledger: Ledger, tmp_path: Path
) -> None:
    rules_of = _build(ledger, tmp_path)
    with ledger.read() as session:
        frame = rule_feedback(session, rules_of=rules_of)
        named = district_entries(session, rules_of)
        bare = district_entries(session)
    assert frame.get_column("rule_id").to_list() == ["dibao.a", "dibao.b", "dibao.c"]
    assert set(frame.get_column("project")) == {"城乡低保"}
    assert frame.get_column("raised").to_list() == [4, 2, 1]
    assert (named.height, unattributed(named)) == (6, 0)
    # sync records each district clue's rules in its source: no run's clues needed
    assert (bare.height, unattributed(bare)) == (6, 0)


def test_provincial_entries_do_not_count(ledger: Ledger, tmp_path: Path) -> None:
    rules_of = _build(ledger, tmp_path)
    assert import_list(ledger, PROVINCE, "t", Deadlines()).added > 0
    with ledger.read() as session:
        states = dict(district_entries(session, rules_of).select("clue_id", "state").iter_rows())
        raised = rule_feedback(session, rules_of=rules_of).get_column("raised").to_list()
    assert states == {
        "c1": State.CONFIRMED.value,
        "c2": State.CONFIRMED.value,
        "c3": State.RECTIFYING.value,
        "c4": State.UPHELD.value,
        "c5": State.PENDING.value,
        "c6": State.VERIFYING.value,
    }
    assert raised == [4, 2, 1]


def test_a_missing_ledger_file_is_refused_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "ledger.sqlite"
    with pytest.raises(ConfigError, match="no such file"):
        open_existing(str(path))
    assert not path.parent.exists()


def _entries(states: list[str], rules: list[list[str]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "clue_id": [f"c{i}" for i in range(len(states))],
            "project": ["p"] * len(states),
            "state": states,
            "no_longer_found": [False] * len(states),
            "rule_ids": rules,
            "titles": [""] * len(states),
        },
        schema=ENTRY_SCHEMA,
    )


@pytest.mark.parametrize(
    ("confirmed", "unfounded", "low"),
    [
        (0, LOW_RATE_MIN_VERIFIED, True),  # 0 of 5
        (1, LOW_RATE_MIN_VERIFIED - 1, False),  # 1 of 5 is 20%: not below
        (1, 2 * LOW_RATE_MIN_VERIFIED, True),  # 1 of 11
        (0, LOW_RATE_MIN_VERIFIED - 1, False),  # 0 of 4: too few verified to judge
    ],
)
def test_a_low_rate_needs_enough_verified_clues(confirmed: int, unfounded: int, low: bool) -> None:
    states = ["查实"] * confirmed + ["查否结案"] * unfounded + ["待核查"] * 3
    frame = feedback_table(_entries(states, [["r"]] * len(states)))
    assert frame.get_column("low_rate").to_list() == [low]


STATES = [s.value for s in State]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(STATES), st.lists(st.sampled_from(["r1", "r2", "r3"]), unique=True)
        ),
        max_size=30,
    )
)
def test_counts_add_up_for_any_ledger(entries: list[tuple[str, list[str]]]) -> None:
    frame = feedback_table(_entries([s for s, _ in entries], [r for _, r in entries]))
    live = [(s, rules) for s, rules in entries if s != "已合并"]  # merged: counted on the other
    for row in frame.iter_rows(named=True):
        carrying = [s for s, rules in live if row["rule_id"] in rules]
        assert row["raised"] == len(carrying)
        assert row["raised"] == row["verified"] + row["pending"]
        assert row["verified"] == row["confirmed"] + row["unfounded"]
        assert row["pending"] == sum(s in ("待核查", "核查中") for s in carrying)
    assert set(frame.get_column("rule_id")) == {r for _, rules in live for r in rules}
