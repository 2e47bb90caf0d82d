"""What the district reports upward from the ledger, and what each department analyses.

``province_report`` is one row per clue, in the form the 专班 enters into the provincial system
(核查、抽查、整改情况): its sources and provincial clue numbers, the street's verification, the
department's re-check, the disposition, the amounts and the dates, the deadlines and whether
the clue is late. ``province_totals`` adds them up. ``department_analysis`` counts each
department's confirmed problems by problem type, street, disposition and measure: the basis
of its 专题报告 and of 举一反三. Subjects and names are masked; nothing here writes a file.

Dates of moves (disposed, closed) come from the history and are Wuhan dates (Asia/Shanghai);
verification dates are the ones the verifiers stated.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from huimin.appendix import NO_STREET, project_rank
from huimin.idnumber import mask_text
from huimin.ledger.models import Clue, ClueSource, Event, SamplingRound, Verification
from huimin.ledger.states import CLOSED_STATES, State
from huimin.ledger.store import wuhan_date
from huimin.ledger.supervision import Overdue, overdue
from huimin.redact import mask_account, redact
from huimin.stats import CONFIRMED

S = State
SOURCE_ZH = {
    "province": "省下发",
    "district": "区自查",
    "transferred": "跨区移交",
    "complaint": "群众举报",
}
#: sources whose lists come from the provincial system and carry its clue numbers
PROVINCE_SOURCES = ("province", "transferred")
UPHELD, OVERTURNED, RECHECK_DUE = "维持查否", "推翻", "待复核"
NO_PROBLEM_TYPE = "（未记录问题类型）"
#: an entry merged into another (the same clue from another source): not a clue of its own
MERGED = "已合并"
YES, NO = "是", "否"

#: the internal frame every table here is made from
FRAME_SCHEMA: dict[str, Any] = {
    "clue_id": pl.String,
    "sources": pl.List(pl.String),
    "province_ids": pl.List(pl.String),
    "department": pl.String,
    "project": pl.String,
    "street": pl.String,
    "organization": pl.String,
    "subject": pl.String,
    "name": pl.String,
    "state": pl.String,
    "verification": pl.String,
    "verifier": pl.String,
    "verified_on": pl.Date,
    "drawn": pl.Boolean,
    "recheck": pl.String,
    "rechecker": pl.String,
    "rechecked_on": pl.Date,
    "determination": pl.String,
    "category": pl.String,
    "measures": pl.List(pl.String),
    "disposed_on": pl.Date,
    "amount": pl.Float64,
    "amount_to_recover": pl.Float64,
    "amount_recovered": pl.Float64,
    "closed_on": pl.Date,
    "verify_deadline": pl.Date,
    "rectify_deadline": pl.Date,
    "overdue": pl.Boolean,
    "overdue_what": pl.String,
    "overdue_days": pl.Int64,
    "problems": pl.List(pl.String),
}

#: the report's columns: internal name → Chinese header
REPORT_COLUMNS = {
    "clue_id": "线索编号",
    "sources": "线索来源",
    "province_ids": "省线索编号",
    "department": "业务主管部门",
    "project": "项目名称",
    "street": "街道",
    "organization": "所属单位",
    "subject": "核查对象",
    "name": "姓名",
    "state": "线索状态",
    "verification": "核查结论",
    "verifier": "核查人",
    "verified_on": "核查日期",
    "drawn": "抽查复核",
    "recheck": "复核结论",
    "rechecker": "复核人",
    "rechecked_on": "复核日期",
    "determination": "认定结论",
    "category": "处置类别",
    "measures": "处置措施",
    "disposed_on": "处置日期",
    "amount": "涉及金额（元）",
    "amount_to_recover": "应追缴金额（元）",
    "amount_recovered": "已追缴金额（元）",
    "closed_on": "办结日期",
    "verify_deadline": "核查期限",
    "rectify_deadline": "整改期限",
    "overdue": "是否逾期",
    "overdue_what": "逾期事项",
    "overdue_days": "逾期天数",
}


# ---------------------------------------------------------------------------- loading
@dataclass
class _Ledger:
    """What the tables read from the ledger, loaded once."""

    clues: list[Clue]
    sources: dict[str, list[ClueSource]] = field(default_factory=dict)
    verifications: dict[str, Verification] = field(default_factory=dict)
    rechecks: dict[str, Verification] = field(default_factory=dict)
    drawn: set[str] = field(default_factory=set)
    dates: dict[str, dict[str, dt.date]] = field(default_factory=dict)
    late: dict[str, Overdue] = field(default_factory=dict)


def _move_dates(session: Session) -> dict[str, dict[str, dt.date]]:
    """Clue → the (Wuhan) date of its latest disposal (``dispose``) and of its latest move into
    each state (keyed by the state's name)."""
    dates: dict[str, dict[str, dt.date]] = {}
    query = select(Event).where(Event.clue_id != "").order_by(Event.seq)
    for event in session.scalars(query):
        after = json.loads(event.after or "null")
        if not isinstance(after, dict):
            continue
        day = wuhan_date(event.at)
        found = dates.setdefault(event.clue_id, {})
        if event.action == "dispose":
            found["dispose"] = day
        if isinstance(after.get("state"), str):
            found[after["state"]] = day
    return dates


def _load(session: Session, as_of: dt.date) -> _Ledger:
    query = select(Clue).where(Clue.state != MERGED).order_by(Clue.clue_id)
    loaded = _Ledger(clues=list(session.scalars(query)))
    for source in session.scalars(select(ClueSource).order_by(ClueSource.id)):
        loaded.sources.setdefault(source.clue_id, []).append(source)
    for row in session.scalars(select(Verification).order_by(Verification.id)):
        kept = loaded.rechecks if row.kind == "recheck" else loaded.verifications
        kept[row.clue_id] = row
    for round_ in session.scalars(select(SamplingRound)):
        loaded.drawn.update(json.loads(round_.drawn or "[]"))
    loaded.dates = _move_dates(session)
    loaded.late = {o.clue_id: o for o in overdue(session, as_of)}
    return loaded


# ---------------------------------------------------------------------------- one clue
def _payload(source: ClueSource) -> dict[str, Any]:
    try:
        value = json.loads(source.payload or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _province_ids(sources: Iterable[ClueSource]) -> list[str]:
    """The provincial system's own clue numbers (a list row without one has none)."""
    found: list[str] = []
    for source in sources:
        if source.source not in PROVINCE_SOURCES:
            continue
        payload = _payload(source)
        number = str(payload.get("clue_id") or "") if "clue_id" in payload else source.source_key
        if number.strip():
            found.append(redact(number.strip()))
    return list(dict.fromkeys(found))


def _titles(value: Any) -> list[str]:
    if isinstance(value, str):
        return [t.strip() for t in value.split("、") if t.strip()]
    if isinstance(value, list):
        return [str(t).strip() for t in value if str(t).strip()]
    return []


def problem_types(sources: Iterable[ClueSource]) -> list[str]:
    """A clue's problem types: its rules' titles (a district run's clue), else the lists'
    问题描述, else :data:`NO_PROBLEM_TYPE`. ID numbers in them are masked."""
    payloads = [_payload(s) for s in sources]
    titles = [t for p in payloads for t in _titles(p.get("titles"))]
    if not titles:
        titles = [str(p["problem"]).strip() for p in payloads if str(p.get("problem") or "")]
    masked = [redact(t) for t in titles if t.strip()]
    return list(dict.fromkeys(masked)) or [NO_PROBLEM_TYPE]


def masked_subject(kind: str, subject: str) -> str:
    """The subject as a shared report may show it: an ID masked (``420112********0014``), an
    account by its last 4 digits; a household or project code with any ID in it masked."""
    if kind == "person":
        return mask_text(subject) if subject else ""
    if kind == "account":
        return mask_account(subject)
    return redact(subject)


def masked_name(kind: str, name: str) -> str:
    """A person's name as public lists show it (``张*``); a project's name as it is."""
    text = name.strip()
    if kind == "project":
        return redact(text)
    return f"{text[0]}*" if text else ""


def _amounts(clue: Clue) -> tuple[dict[str, Any], float | None, float | None]:
    disposition = json.loads(clue.disposition or "{}")
    closure = json.loads(clue.closure or "{}")
    owed = disposition.get("amount_to_recover")
    recovered = closure.get("amount_recovered", disposition.get("amount_recovered"))
    return (
        disposition,
        None if owed is None else float(owed),
        None if recovered is None else float(recovered),
    )


def _recheck(clue_id: str, loaded: _Ledger) -> tuple[str, Verification | None]:
    row = loaded.rechecks.get(clue_id)
    if row is not None:
        return (UPHELD if row.outcome == S.UPHELD.value else OVERTURNED), row
    return (RECHECK_DUE if clue_id in loaded.drawn else ""), None


def _determination(verified: Verification | None, rechecked: Verification | None) -> str:
    if rechecked is not None:
        return S.UNFOUNDED.value if rechecked.outcome == S.UPHELD.value else rechecked.outcome
    return verified.outcome if verified is not None else ""


def _row(clue: Clue, loaded: _Ledger) -> dict[str, Any]:
    sources = loaded.sources.get(clue.clue_id, [])
    verified = loaded.verifications.get(clue.clue_id)
    recheck, rechecked = _recheck(clue.clue_id, loaded)
    disposition, owed, recovered = _amounts(clue)
    dates = loaded.dates.get(clue.clue_id, {})
    late = loaded.late.get(clue.clue_id)
    return {
        "clue_id": redact(clue.clue_id),
        "sources": list(json.loads(clue.sources or "[]")),
        "province_ids": _province_ids(sources),
        "department": clue.department,
        "project": clue.project,
        "street": clue.street,
        "organization": clue.organization,
        "subject": masked_subject(clue.subject_kind, clue.subject or ""),
        "name": masked_name(clue.subject_kind, clue.name or ""),
        "state": clue.state,
        "verification": verified.outcome if verified else "",
        "verifier": verified.verifier if verified else "",
        "verified_on": verified.verified_on if verified else None,
        "drawn": clue.clue_id in loaded.drawn,
        "recheck": recheck,
        "rechecker": rechecked.verifier if rechecked else "",
        "rechecked_on": rechecked.verified_on if rechecked else None,
        "determination": _determination(verified, rechecked),
        "category": str(disposition.get("category") or ""),
        "measures": [str(m) for m in disposition.get("measures") or []],
        "disposed_on": dates.get("dispose"),
        "amount": clue.amount,
        "amount_to_recover": owed,
        "amount_recovered": recovered,
        "closed_on": dates.get(clue.state) if S(clue.state) in CLOSED_STATES else None,
        "verify_deadline": clue.verify_deadline,
        "rectify_deadline": clue.rectify_deadline,
        "overdue": late is not None,
        "overdue_what": late.due if late else "",
        "overdue_days": late.days if late else None,
        "problems": problem_types(sources),
    }


def clues_frame(session: Session, as_of: dt.date) -> pl.DataFrame:
    """Every ledger clue with what the report needs (:data:`FRAME_SCHEMA`), masked, in the
    appendix's order of projects, then by street and clue id; overdue as of ``as_of``. Entries
    merged into another (已合并) are left out: their sources are on the entry they joined."""
    loaded = _load(session, as_of)
    frame = pl.DataFrame([_row(c, loaded) for c in loaded.clues], schema=FRAME_SCHEMA)
    rank = pl.col("project").map_elements(project_rank, return_dtype=pl.Int64)
    return frame.sort(rank, "street", "clue_id", maintain_order=True)


# ---------------------------------------------------------------------------- the report
def _joined(column: str, names: dict[str, str] | None = None) -> pl.Expr:
    items = pl.col(column)
    if names is not None:
        items = items.list.eval(pl.element().replace(names))
    return items.list.join("、").alias(column)


def province_report(session: Session, as_of: dt.date | None = None) -> pl.DataFrame:
    """One row per ledger clue, Chinese headers (:data:`REPORT_COLUMNS`); overdue as of
    ``as_of`` (default today)."""
    frame = clues_frame(session, as_of or dt.date.today())
    yes_no = {True: YES, False: NO}
    return frame.with_columns(
        _joined("sources", SOURCE_ZH),
        _joined("province_ids"),
        _joined("measures"),
        pl.col("drawn").replace_strict(yes_no, return_dtype=pl.String),
        pl.col("overdue").replace_strict(yes_no, return_dtype=pl.String),
    ).select([pl.col(k).alias(v) for k, v in REPORT_COLUMNS.items()])


# ---------------------------------------------------------------------------- the totals
@dataclass(frozen=True)
class Item:
    """One line of the totals."""

    section: str
    item: str
    value: int | float | str | None
    unit: str
    note: str = ""


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def _verification_items(f: pl.DataFrame) -> list[Item]:
    outcome = f.get_column("verification")
    verified = int((outcome != "").sum())
    found = {s: int((outcome == s.value).sum()) for s in (S.CONFIRMED, S.PARTLY, S.UNFOUNDED)}
    confirmed = found[S.CONFIRMED] + found[S.PARTLY]
    section = "核查情况"
    by_source = [
        Item(section, f"其中：{zh}", int(f.get_column("sources").list.contains(key).sum()), "条")
        for key, zh in SOURCE_ZH.items()
    ]
    return [
        Item(section, "接收线索", f.height, "条", "台账全部线索；兼有两种来源的线索各计一次"),
        *by_source,
        Item(section, "已核查", verified, "条", "街道已记录核查结论"),
        *[Item(section, s.value, n, "条", "街道核查结论") for s, n in found.items()],
        Item(section, "未完成核查", f.height - verified, "条", "待核查、核查中"),
        Item(section, "查实率", _share(confirmed, verified), "%", "（查实＋部分属实）÷已核查"),
    ]


def _recheck_items(f: pl.DataFrame) -> list[Item]:
    population = int((f.get_column("verification") == S.UNFOUNDED.value).sum())
    drawn = int(f.get_column("drawn").sum())
    recheck = f.get_column("recheck")
    upheld, overturned = int((recheck == UPHELD).sum()), int((recheck == OVERTURNED).sum())
    section = "抽查情况"
    return [
        Item(section, "街道查否线索", population, "条", "复核抽查的总体"),
        Item(section, "抽取复核", drawn, "条", "业务主管部门抽中的查否线索"),
        Item(
            section, "抽查比例", _share(drawn, population), "%", "抽取复核÷街道查否线索，不低于20%"
        ),
        Item(section, "已完成复核", upheld + overturned, "条"),
        Item(section, UPHELD, upheld, "条"),
        Item(section, OVERTURNED, overturned, "条", "复核后改为查实或部分属实"),
        Item(section, RECHECK_DUE, int((recheck == RECHECK_DUE).sum()), "条", "抽中未完成复核"),
        Item(section, S.UNFOUNDED_CLOSED.value, _in_state(f, S.UNFOUNDED_CLOSED), "条", "未抽中"),
    ]


def _in_state(f: pl.DataFrame, *states: State) -> int:
    return int(f.get_column("state").is_in([s.value for s in states]).sum())


def _rectification_items(f: pl.DataFrame, as_of: dt.date) -> list[Item]:
    confirmed = _in_state(f, *CONFIRMED)
    owed = round(float(f.get_column("amount_to_recover").fill_null(0).sum()), 2)
    recovered = round(float(f.get_column("amount_recovered").fill_null(0).sum()), 2)
    late = f.get_column("overdue_what")
    section = "整改情况"
    states = (S.RECTIFYING, S.CLOSED, S.TO_DISCIPLINE, S.TO_HIGHER, S.SPECIAL_REPORT, S.LONG_TERM)
    names = {S.CLOSED: "已整改销号"}
    return [
        Item(section, "认定问题", confirmed, "条", "查实、部分属实及复核推翻的线索"),
        Item(section, "待处置", _in_state(f, S.CONFIRMED, S.PARTLY), "条", "已认定、未定处置"),
        *[Item(section, names.get(s, s.value), _in_state(f, s), "条") for s in states],
        Item(section, "应追缴金额", owed, "元"),
        Item(section, "已追缴金额", recovered, "元"),
        Item(section, "追缴完成率", _share_amount(recovered, owed), "%", "已追缴÷应追缴"),
        Item(section, "逾期线索", int(f.get_column("overdue").sum()), "条", f"截至{as_of}"),
        Item(section, "其中：核查逾期", int((late == "核查").sum()), "条"),
        Item(section, "其中：整改逾期", int((late == "整改").sum()), "条"),
    ]


def _share_amount(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 2) if whole > 0 else None


def _shown(value: int | float | str | None, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if unit == "条":
        return str(int(value))
    return f"{value:.2f}"


def province_totals(session: Session, as_of: dt.date | None = None) -> pl.DataFrame:
    """核查、抽查、整改情况: one line per item (类别, 项目, 数值, 单位, 说明); ``数值`` is text
    as it reads (counts, yuan to 2 decimals, percentages to 2 decimals, ``—`` when there is
    nothing to divide by)."""
    day = as_of or dt.date.today()
    f = clues_frame(session, day)
    items = [
        Item("统计口径", "统计截止日期", day.isoformat(), ""),
        *_verification_items(f),
        *_recheck_items(f),
        *_rectification_items(f, day),
    ]
    return pl.DataFrame(
        {
            "类别": [i.section for i in items],
            "项目": [i.item for i in items],
            "数值": [_shown(i.value, i.unit) for i in items],
            "单位": [i.unit for i in items],
            "说明": [i.note for i in items],
        },
        schema={name: pl.String for name in ("类别", "项目", "数值", "单位", "说明")},
    )


# ---------------------------------------------------------------------------- departments
DIMENSIONS = ("合计", "问题类型", "街道（单位）", "处置类别", "处置措施")
ANALYSIS_SCHEMA: dict[str, Any] = {
    "业务主管部门": pl.String,
    "分析维度": pl.String,
    "分类": pl.String,
    "问题数": pl.Int64,
    "查实": pl.Int64,
    "部分属实": pl.Int64,
    "涉及金额（元）": pl.Float64,
    "应追缴金额（元）": pl.Float64,
    "已追缴金额（元）": pl.Float64,
    "已办结": pl.Int64,
    "措施数": pl.Int64,
}


def _analysis_aggregates() -> list[pl.Expr]:
    determination = pl.col("determination")
    return [
        pl.len().alias("问题数"),
        (determination == S.CONFIRMED.value).sum().alias("查实"),
        (determination == S.PARTLY.value).sum().alias("部分属实"),
        *[
            pl.col(column).fill_null(0).sum().round(2).alias(REPORT_COLUMNS[column])
            for column in ("amount", "amount_to_recover", "amount_recovered")
        ],
        pl.col("state").is_in([s.value for s in CLOSED_STATES]).sum().alias("已办结"),
        pl.col("measures").list.len().sum().alias("措施数"),
    ]


def _by(confirmed: pl.DataFrame, dimension: str) -> pl.DataFrame:
    place = pl.col("street").replace("", None).fill_null(pl.col("organization"))
    keys: dict[str, pl.Expr] = {
        "合计": pl.lit("全部"),
        "问题类型": pl.col("problems"),
        "街道（单位）": place.replace("", None).fill_null(pl.lit(NO_STREET)),
        "处置类别": pl.col("category").replace("", "待处置"),
        "处置措施": pl.col("measures_each"),
    }
    frame = confirmed.with_columns(pl.col("measures").alias("measures_each"))
    if dimension in ("问题类型", "处置措施"):
        column = "problems" if dimension == "问题类型" else "measures_each"
        frame = frame.explode(column).filter(pl.col(column).is_not_null())
    grouped = frame.group_by(
        pl.col("department").alias("业务主管部门"), keys[dimension].alias("分类")
    ).agg(_analysis_aggregates())
    return grouped.with_columns(pl.lit(dimension).alias("分析维度"))


def department_analysis(session: Session) -> pl.DataFrame:
    """Each department's confirmed problems (查实, 部分属实 and every state after them):
    a 合计 line (zero when none is confirmed), then by problem type, street (or organisation),
    disposition category and measure taken, most frequent first.

    A clue with two problem types (or measures) counts once under each, so those lines may add
    up to more than 合计; amounts are each clue's, under every line it counts in.
    """
    frame = clues_frame(session, dt.date.today())
    confirmed = frame.filter(pl.col("state").is_in([s.value for s in CONFIRMED]))
    rank = pl.col("project").map_elements(project_rank, return_dtype=pl.Int64).alias("rank")
    departments = (
        frame.with_columns(rank)
        .group_by(pl.col("department").alias("业务主管部门"))
        .agg(pl.col("rank").min())
    )
    zero = departments.select(
        "业务主管部门", pl.lit("合计").alias("分析维度"), pl.lit("全部").alias("分类")
    )
    parts = [_by(confirmed, d) for d in DIMENSIONS]
    table = pl.concat(
        [zero.join(parts[0], on=["业务主管部门", "分析维度", "分类"], how="left"), *parts[1:]],
        how="diagonal_relaxed",
    )
    table = table.select(
        [
            pl.col(c).cast(t) if t == pl.String else pl.col(c).cast(t).fill_null(0)
            for c, t in ANALYSIS_SCHEMA.items()
        ]
    )
    order = pl.col("分析维度").replace_strict(
        {d: i for i, d in enumerate(DIMENSIONS)}, return_dtype=pl.Int64
    )
    return (
        table.join(departments, on="业务主管部门", how="left")
        .sort(
            ["rank", "业务主管部门", order, "问题数", "分类"],
            descending=[False] * 3 + [True, False],
        )
        .drop("rank")
    )
