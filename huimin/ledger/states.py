"""The clue's states and the moves between them, exactly as the plan runs a clue.

待核查 → 核查中 → 查实 / 部分属实 / 查否; 查实 and 部分属实 → 整改中 → 已销号, or a terminal state
for clues transferred (移交纪检监察, 报上级纪委) or systemic problems (专题报告, 长效机制);
查否 → 抽查复核 (drawn) → 复核中 → 维持查否 or 推翻 (back to 查实 / 部分属实); 查否 not drawn →
查否结案 when the department closes its sampling round. 已合并 closes, without a verification,
an entry found to be the same clue as another one already under way (the ledger's intake merges
them; see :mod:`huimin.ledger.intake`): no move leads into it or out of it.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    PENDING = "待核查"
    VERIFYING = "核查中"
    CONFIRMED = "查实"
    PARTLY = "部分属实"
    UNFOUNDED = "查否"
    RECTIFYING = "整改中"
    CLOSED = "已销号"
    TO_DISCIPLINE = "移交纪检监察"
    TO_HIGHER = "报上级纪委"
    SPECIAL_REPORT = "专题报告"
    LONG_TERM = "长效机制"
    SAMPLED = "抽查复核"
    RECHECKING = "复核中"
    UPHELD = "维持查否"
    UNFOUNDED_CLOSED = "查否结案"
    MERGED = "已合并"


class Disposition(StrEnum):
    """The plan's four kinds of disposal of a confirmed problem (分类处置)."""

    GENERAL = "一般性违规"
    SYSTEMIC = "系统性问题"
    DISCIPLINE = "涉嫌违纪违法"
    OUTSIDE = "管理权限不在辖区"


S = State
#: every legal move, and the action that makes it
MOVES: dict[tuple[State, State], str] = {
    (S.PENDING, S.VERIFYING): "start",
    (S.VERIFYING, S.CONFIRMED): "verify",
    (S.VERIFYING, S.PARTLY): "verify",
    (S.VERIFYING, S.UNFOUNDED): "verify",
    (S.CONFIRMED, S.RECTIFYING): "dispose",
    (S.PARTLY, S.RECTIFYING): "dispose",
    (S.RECTIFYING, S.CLOSED): "close",
    **{(a, b): "dispose" for a in (S.CONFIRMED, S.PARTLY) for b in (S.TO_DISCIPLINE, S.TO_HIGHER)},
    **{(a, b): "dispose" for a in (S.CONFIRMED, S.PARTLY) for b in (S.SPECIAL_REPORT, S.LONG_TERM)},
    (S.UNFOUNDED, S.SAMPLED): "draw",
    (S.UNFOUNDED, S.UNFOUNDED_CLOSED): "close_round",
    (S.SAMPLED, S.RECHECKING): "start_recheck",
    (S.RECHECKING, S.UPHELD): "recheck",
    (S.RECHECKING, S.CONFIRMED): "overturn",  # 推翻
    (S.RECHECKING, S.PARTLY): "overturn",
}

#: the disposition each state after 查实 / 部分属实 belongs to
DISPOSAL_TARGETS: dict[State, Disposition] = {
    S.RECTIFYING: Disposition.GENERAL,
    S.SPECIAL_REPORT: Disposition.SYSTEMIC,
    S.LONG_TERM: Disposition.SYSTEMIC,
    S.TO_DISCIPLINE: Disposition.DISCIPLINE,
    S.TO_HIGHER: Disposition.OUTSIDE,
}

CLOSED_STATES = frozenset(
    {
        S.CLOSED,
        S.TO_DISCIPLINE,
        S.TO_HIGHER,
        S.SPECIAL_REPORT,
        S.LONG_TERM,
        S.UPHELD,
        S.UNFOUNDED_CLOSED,
        S.MERGED,
    }
)
#: states in which the verification (or re-check) is still due
VERIFY_DUE = frozenset({S.PENDING, S.VERIFYING, S.SAMPLED, S.RECHECKING})
#: states in which the rectification is still due
RECTIFY_DUE = frozenset({S.CONFIRMED, S.PARTLY, S.RECTIFYING})
#: moves only the ledger itself makes (a sampling draw or its round's closing)
AUTOMATIC = frozenset({"draw", "close_round"})


def parse_state(text: str) -> State:
    """The state named ``text`` (its Chinese name), or ValueError listing the names."""
    try:
        return State(text.strip())
    except ValueError:
        names = ", ".join(s.value for s in State)
        raise ValueError(f"unknown state '{text}': one of {names}") from None


def move(current: State, target: State) -> str:
    """The action of the move ``current`` → ``target``, or ValueError saying why it is refused."""
    action = MOVES.get((current, target))
    if action is not None:
        return action
    allowed = [b.value for (a, b) in MOVES if a == current]
    if current == S.MERGED:
        raise ValueError("已合并 is closed: the entry was merged into another; record on that one")
    if target == S.MERGED:
        raise ValueError(
            f"{current.value} → 已合并 is not allowed: only the intake merges two entries of a clue"
        )
    if not allowed:
        raise ValueError(f"{current.value} is closed: no move leads out of it")
    if target == S.UNFOUNDED and current == S.RECHECKING:
        raise ValueError("a re-check that finds nothing ends in 维持查否, not 查否")
    return_text = ", ".join(allowed)
    raise ValueError(
        f"{current.value} → {target.value} is not allowed; from {current.value}: {return_text}"
    )
