"""Recording what happens to a clue: each move checked against the state machine and against
what the plan requires of it (verification, disposition, closing).

A record is a mapping, as in a JSON or YAML file::

    {"clue_id": "...", "to": "查实",
     "verification": {"elements": {"线索真伪": "...", ...}, "methods": ["查原始资料", ...],
                      "opinion": "...", "verifier": "...", "date": "2023-09-20",
                      "evidence": ["evidence/入户记录.pdf"]},
     "disposition": {"category": "一般性违规", "measures": ["取消资格", "追缴"],
                     "amount_to_recover": 3600, "amount_recovered": 0},
     "closure": {"evidence": ["..."], "amount_recovered": 3600, "reason": ""}}

A list of records applies all or nothing, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from huimin.errors import ConfigError
from huimin.ledger.history import canonical
from huimin.ledger.models import Clue, Verification
from huimin.ledger.states import AUTOMATIC, DISPOSAL_TARGETS, Disposition, State, move, parse_state
from huimin.ledger.store import Ledger, Writer, wuhan_date

#: the five elements every verification establishes (五个要素)
ELEMENTS = ("线索真伪", "资格条件", "资金去向", "办理程序", "人员责任")
#: the five ways of verifying (五种方式)
METHODS = ("听对象陈述", "查原始资料", "看实际现场", "问经手经办", "访左邻右舍")
#: measures taken on a confirmed problem
MEASURES = (
    "取消资格",
    "停发",
    "追缴",
    "补发",
    "纳入保障",
    "调整标准",
    "移交纪检监察",
    "报上级纪委",
    "党纪政务处分",
    "问责",
    "批评教育",
    "诫勉谈话",
    "完善制度",
)
#: opinions that say nothing (意见具体 is one of the plan's five standards)
EMPTY_PHRASES = frozenset(
    {
        "属实",
        "不属实",
        "已核实",
        "情况属实",
        "经核实属实",
        "经核实不属实",
        "无问题",
        "正常",
        "无",
        "同意",
        "已整改",
        "已处理",
        "查否",
        "查实",
        "部分属实",
        "情况正常",
        "核实无误",
    }
)
MIN_OPINION_CHARS = 10
_PUNCTUATION = re.compile(r"[\s，。、；：！？,.;:!?（）()“”\"'-]+")


def _bare(text: str) -> str:
    return _PUNCTUATION.sub("", text)


def opinion_problem(text: str) -> str | None:
    """Why an opinion says nothing specific, or None when it does."""
    bare = _bare(text)
    if bare in EMPTY_PHRASES:
        return f"the opinion '{text.strip()}' says nothing specific (意见具体)"
    if len(bare) < MIN_OPINION_CHARS:
        return (
            f"the opinion has {len(bare)} characters: state what was found, on whom, how much "
            f"and what follows (at least {MIN_OPINION_CHARS} characters, 意见具体)"
        )
    return None


def _texts(value: Any, what: str) -> list[str]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ValueError(f"{what} must be a list")
    items = [str(v).strip() for v in value if str(v).strip()]
    if not items:
        raise ValueError(f"{what} is empty")
    return items


def _date(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{what} must be a date (YYYY-MM-DD)") from None


def _amount(value: Any, what: str) -> float:
    try:
        amount = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an amount in yuan") from None
    if amount < 0 or amount != amount:
        raise ValueError(f"{what} must not be negative")
    return round(amount, 2)


def check_verification(data: Any) -> dict[str, Any]:
    """A verification as recorded, or ValueError naming everything missing."""
    if not isinstance(data, Mapping):
        raise ValueError(
            "a verification is required (elements, methods, opinion, verifier, date, evidence)"
        )
    problems: list[str] = []
    raw = data.get("elements")
    elements: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    missing = [e for e in ELEMENTS if not str(elements.get(e) or "").strip()]
    if missing:
        problems.append(f"the five elements lack {', '.join(missing)}")
    try:
        methods = _texts(data.get("methods") or [], "methods")
        unknown = [m for m in methods if m not in METHODS]
        if unknown:
            problems.append(f"unknown methods {', '.join(unknown)}: one of {', '.join(METHODS)}")
    except ValueError as exc:
        problems.append(f"{exc}: name the ways used ({', '.join(METHODS)})")
    opinion = str(data.get("opinion") or "")
    if (problem := opinion_problem(opinion)) is not None:
        problems.append(problem)
    if not str(data.get("verifier") or "").strip():
        problems.append("the verifier is missing")
    for what, check in (("date", _date), ("evidence", _texts)):
        try:
            check(data.get(what), what)
        except ValueError as exc:
            problems.append(
                f"{exc} (references to evidence files)" if what == "evidence" else str(exc)
            )
    if problems:
        raise ValueError("; ".join(problems))
    return {
        "elements": {e: str(elements[e]).strip() for e in ELEMENTS},
        "methods": _texts(data["methods"], "methods"),
        "opinion": opinion.strip(),
        "verifier": str(data["verifier"]).strip(),
        "date": _date(data["date"], "date").isoformat(),
        "evidence": _texts(data["evidence"], "evidence"),
    }


def check_disposition(data: Any, target: State) -> dict[str, Any]:
    """A disposition fitting ``target``, or ValueError saying what is wrong."""
    if not isinstance(data, Mapping):
        raise ValueError(
            "a disposition is required (category, measures, amount_to_recover, amount_recovered)"
        )
    expected = DISPOSAL_TARGETS[target]
    category = str(data.get("category") or "").strip()
    if category not in {d.value for d in Disposition}:
        kinds = ", ".join(d.value for d in Disposition)
        raise ValueError(f"disposition category '{category}': one of {kinds}")
    if category != expected.value:
        raise ValueError(f"{target.value} is for the category {expected.value}, not {category}")
    measures = _texts(data.get("measures") or [], "measures")
    unknown = [m for m in measures if m not in MEASURES and not m.startswith("其他")]
    if unknown:
        raise ValueError(
            f"unknown measures {', '.join(unknown)}: one of {', '.join(MEASURES)} or 其他：..."
        )
    return {
        "category": category,
        "measures": measures,
        "amount_to_recover": _amount(data.get("amount_to_recover"), "amount_to_recover"),
        "amount_recovered": _amount(data.get("amount_recovered", 0), "amount_recovered"),
    }


def check_closure(data: Any, disposition: Mapping[str, Any]) -> dict[str, Any]:
    """Closing (销号): rectification evidence and settled amounts, or ValueError with the reason."""
    if not isinstance(data, Mapping):
        raise ValueError("closing requires the rectification evidence and the amounts")
    evidence = _texts(data.get("evidence") or [], "rectification evidence")
    recovered = _amount(
        data.get("amount_recovered", disposition.get("amount_recovered", 0)), "amount_recovered"
    )
    to_recover = float(disposition.get("amount_to_recover") or 0)
    reason = str(data.get("reason") or "").strip()
    if recovered + 0.005 < to_recover and not reason:
        raise ValueError(
            f"amounts not settled: {recovered:.2f} recovered of {to_recover:.2f} to recover; "
            "recover the rest or state the reason"
        )
    return {"evidence": evidence, "amount_recovered": recovered, "reason": reason}


def apply_records(ledger: Ledger, records: Sequence[Any], actor: str) -> list[str]:
    """Apply every record, all or nothing; returns each record's move as text.

    ConfigError names each refused record (its position, clue and reason); nothing is applied.
    """
    moves: list[str] = []
    with ledger.write(actor) as writer:
        errors: list[str] = []
        for index, record in enumerate(records, start=1):
            try:
                moves.append(apply_one(writer, record))
            except ValueError as exc:
                clue_id = record.get("clue_id", "?") if isinstance(record, Mapping) else "?"
                errors.append(f"record {index} ({clue_id}): {exc}")
        if errors:
            raise ConfigError("refused, nothing recorded:\n  " + "\n  ".join(errors))
    return moves


def apply_one(writer: Writer, record: Any) -> str:
    """One move on one clue, within ``writer``'s transaction; ValueError when refused."""
    if not isinstance(record, Mapping):
        raise ValueError("a record must be a mapping with clue_id and to")
    clue = writer.session.get(Clue, str(record.get("clue_id") or ""))
    if clue is None:
        raise ValueError("no such clue in the ledger")
    current, target = parse_state(clue.state), parse_state(str(record.get("to") or ""))
    action = move(current, target)
    if action in AUTOMATIC:
        raise ValueError(
            f"{current.value} → {target.value} happens only through the "
            "department's sampling (huimin ledger sample / close-round)"
        )
    detail: dict[str, Any] = {}
    changes: dict[str, Any] = {"state": target.value}
    if action in ("verify", "recheck", "overturn"):
        detail["verification"] = check_verification(record.get("verification"))
        _store_verification(writer, clue, action, target, detail["verification"])
    if action == "dispose":
        changes["disposition"] = canonical(check_disposition(record.get("disposition"), target))
    if action == "close":
        closure = check_closure(record.get("closure"), json.loads(clue.disposition or "{}"))
        changes["closure"] = canonical({**closure, "closed_on": wuhan_date(writer.at).isoformat()})
    note = str(record.get("note") or "").strip()
    if note:
        detail["note"] = note
    writer.change(clue, action, detail or None, **changes)
    return f"{clue.clue_id}: {current.value} → {target.value}"


def _store_verification(
    writer: Writer, clue: Clue, action: str, target: State, data: dict[str, Any]
) -> None:
    writer.session.add(
        Verification(
            clue_id=clue.clue_id,
            kind="verification" if action == "verify" else "recheck",
            outcome=target.value,
            elements=canonical(data["elements"]),
            methods=canonical(data["methods"]),
            opinion=data["opinion"],
            verifier=data["verifier"],
            verified_on=dt.date.fromisoformat(data["date"]),
            evidence=canonical(data["evidence"]),
            recorded_at=writer.at,
        )
    )
