"""The state machine: every legal move, and illegal ones refused with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from huimin.errors import ConfigError
from huimin.ledger import store
from huimin.ledger.intake import Deadlines, sync
from huimin.ledger.models import Clue
from huimin.ledger.records import apply_records
from huimin.ledger.sampling import close_round, sample
from huimin.ledger.states import MOVES, State, move
from huimin.ledger.store import Ledger
from tests.ledger.conftest import clue_row, disposition, publish, verification

S = State


def test_every_move_in_the_table_is_legal_and_others_are_refused() -> None:
    for (a, b), action in MOVES.items():
        assert move(a, b) == action
    for a in State:
        for b in State:
            if (a, b) not in MOVES:
                with pytest.raises(ValueError, match=r"not allowed|closed|维持查否"):
                    move(a, b)


def _ledger_with(ledger: Ledger, tmp_path: Path, n: int) -> list[str]:
    rows = [clue_row(f"c{i:02d}", street=f"街{i % 2}") for i in range(n)]
    sync(ledger, publish(tmp_path / "out", rows), "t", Deadlines())
    return [r["clue_id"] for r in rows]


def _state(ledger: Ledger, clue_id: str) -> str:
    with ledger.read() as session:
        clue = session.get(Clue, clue_id)
        assert clue is not None
        return clue.state


def _verify(clue_id: str, outcome: str) -> list[dict[str, object]]:
    return [
        {"clue_id": clue_id, "to": "核查中"},
        {"clue_id": clue_id, "to": outcome, "verification": verification()},
    ]


def test_every_path_through_the_plan(ledger: Ledger, tmp_path: Path) -> None:
    ids = _ledger_with(ledger, tmp_path, 9)
    paths = {
        ids[0]: ("查实", "整改中", "一般性违规"),
        ids[1]: ("部分属实", "移交纪检监察", "涉嫌违纪违法"),
        ids[2]: ("查实", "报上级纪委", "管理权限不在辖区"),
        ids[3]: ("查实", "专题报告", "系统性问题"),
        ids[4]: ("部分属实", "长效机制", "系统性问题"),
    }
    records: list[dict[str, object]] = []
    for clue_id, (outcome, target, category) in paths.items():
        records += _verify(clue_id, outcome)
        records.append({"clue_id": clue_id, "to": target, "disposition": disposition(category)})
    closing = {"evidence": ["整改/追缴凭证.pdf"], "amount_recovered": 3600}
    records.append({"clue_id": ids[0], "to": "已销号", "closure": closing})
    for clue_id in ids[5:]:
        records += _verify(clue_id, "查否")
    apply_records(ledger, records, "街道")
    assert [_state(ledger, c) for c in ids[:5]] == [
        "已销号",
        "移交纪检监察",
        "报上级纪委",
        "专题报告",
        "长效机制",
    ]

    drawn = sample(ledger, "区民政局", "民政局", seed=7).drawn
    assert len(drawn) == 2  # 4 查否 in two streets: 20% rounded up is 1, one per street is 2
    outcomes = ["维持查否", "查实"]
    for clue_id, outcome in zip(drawn, outcomes, strict=True):
        assert _state(ledger, clue_id) == "抽查复核"
        apply_records(
            ledger,
            [
                {"clue_id": clue_id, "to": "复核中"},
                {"clue_id": clue_id, "to": outcome, "verification": verification()},
            ],
            "民政局",
        )
        assert _state(ledger, clue_id) == outcome
    assert close_round(ledger, "区民政局", "民政局")[1] == 2
    assert {_state(ledger, c) for c in ids[5:] if c not in drawn} == {"查否结案"}


@pytest.mark.parametrize(
    ("records", "reason"),
    [
        ([{"clue_id": "c00", "to": "查实"}], "待核查 → 查实 is not allowed"),
        ([{"clue_id": "c00", "to": "已撤销"}], "unknown state"),
        ([{"clue_id": "nope", "to": "核查中"}], "no such clue"),
        (
            [{"clue_id": "c00", "to": "核查中"}, {"clue_id": "c00", "to": "查实"}],
            "a verification is required",
        ),
        (
            [
                {"clue_id": "c00", "to": "核查中"},
                {
                    "clue_id": "c00",
                    "to": "查实",
                    "verification": verification(elements={"线索真伪": "属实"}, evidence=[]),
                },
            ],
            r"lack 资格条件, 资金去向, 办理程序, 人员责任.*evidence is empty",
        ),
        (
            [
                {"clue_id": "c00", "to": "核查中"},
                {
                    "clue_id": "c00",
                    "to": "查实",
                    "verification": verification(opinion="经核实，属实。"),
                },
            ],
            "says nothing specific",
        ),
        (
            [
                {"clue_id": "c00", "to": "核查中"},
                {"clue_id": "c00", "to": "查否", "verification": verification(methods=["打电话"])},
            ],
            "unknown methods 打电话",
        ),
        (
            [
                *_verify("c00", "查实"),
                {"clue_id": "c00", "to": "整改中", "disposition": disposition("系统性问题")},
            ],
            "整改中 is for the category 一般性违规",
        ),
        (
            [
                *_verify("c00", "查实"),
                {"clue_id": "c00", "to": "整改中", "disposition": disposition()},
                {"clue_id": "c00", "to": "已销号", "closure": {"evidence": ["x.pdf"]}},
            ],
            r"0\.00 recovered of 3600\.00",
        ),
        (
            [*_verify("c00", "查否"), {"clue_id": "c00", "to": "抽查复核"}],
            "only through the department's sampling",
        ),
    ],
)
def test_illegal_or_incomplete_records_are_refused_with_the_reason(
    ledger: Ledger, tmp_path: Path, records: list[dict[str, object]], reason: str
) -> None:
    _ledger_with(ledger, tmp_path, 1)
    before = ledger.head()
    with pytest.raises(ConfigError, match=reason):
        apply_records(ledger, records, "街道")
    assert ledger.head() == before  # all or nothing
    assert _state(ledger, "c00") == "待核查"


def test_closing_with_a_stated_reason_and_closed_states_have_no_way_out(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ledger_with(ledger, tmp_path, 1)
    # 01:30 in Wuhan on 21 November is still the 20th in UTC: the closing date is Wuhan's
    monkeypatch.setattr(store, "now", lambda: "2023-11-20T17:30:00.000000+00:00")
    closing = {
        "evidence": ["整改.pdf"],
        "amount_recovered": 1000,
        "reason": "对象无偿还能力，已立案",
    }
    apply_records(
        ledger,
        [
            *_verify("c00", "查实"),
            {"clue_id": "c00", "to": "整改中", "disposition": disposition()},
            {"clue_id": "c00", "to": "已销号", "closure": closing},
        ],
        "街道",
    )
    with ledger.read() as session:
        closed = json.loads(session.get(Clue, "c00").closure)
    assert closed["closed_on"] == "2023-11-21"
    with pytest.raises(ConfigError, match="已销号 is closed"):
        apply_records(ledger, [{"clue_id": "c00", "to": "整改中"}], "街道")


def test_a_recheck_cannot_end_in_plain_unfounded(ledger: Ledger, tmp_path: Path) -> None:
    _ledger_with(ledger, tmp_path, 1)
    apply_records(ledger, _verify("c00", "查否"), "街道")
    sample(ledger, "区民政局", "民政局", seed=1)
    apply_records(ledger, [{"clue_id": "c00", "to": "复核中"}], "民政局")
    with pytest.raises(ConfigError, match="维持查否, not 查否"):
        apply_records(
            ledger, [{"clue_id": "c00", "to": "查否", "verification": verification()}], "民政局"
        )
    assert S(_state(ledger, "c00")) == S.RECHECKING
