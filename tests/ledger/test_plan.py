"""The whole plan on the bundled sample, once on SQLite and once on PostgreSQL.

The sample district's run (with the province's list reconciled) is synced and the provincial
list imported; every street and organisation verifies its clues through Excel round-trips on
the command line; each department re-checks a draw of its 查否 clues; rectified clues are
closed; the statistics are regenerated and checked against what the test recorded; the history
verifies, and an edited or a deleted event is caught.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
import shutil
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from huimin.cli import app
from huimin.cli_ledger import app as ledger_app
from huimin.cli_ledger_workbook import app as workbook_app
from huimin.cli_stats import app as stats_app
from huimin.ledger.models import ChainHead, Clue, ClueSource, Event
from huimin.ledger.states import CLOSED_STATES, State
from huimin.ledger.store import Ledger
from huimin.ledger.workbook import MAIN
from huimin.redact import find_full_ids
from huimin.resources import project_file
from huimin.stats import NO_STREET, STREETS
from tests.ledger.test_workbook import fill_workbook, read_sheets

#: both backends on one worker, so that the sample is run once
pytestmark = pytest.mark.xdist_group("ledger-plan")

SAMPLE = project_file("data", "sample")
PROVINCE = SAMPLE / "province_clues.xlsx"
APPENDIX = project_file("data", "reference", "appendix-clue-counts.csv")
RUNNER = CliRunner()
TO_RECOVER = 1000.0
HEAD = re.compile(r"history: (\d+) events, head ([0-9a-f]{64})")


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample district's run, reconciled with the province's list (once per session)."""
    out = tmp_path_factory.mktemp("plan") / "out"
    args = ["run", "--input", str(SAMPLE), "--output", str(out), "--province", str(PROVINCE)]
    result = RUNNER.invoke(app, [*args, "--no-reports", "--as-of", "2024-01-01"])
    assert result.exit_code == 0, result.output
    return out


class Plan:
    """The ledger driven through the command line, and what the test expects of each clue."""

    def __init__(self, url: str, work: Path) -> None:
        self.url, self.work = url, work
        self.expected: dict[str, str] = {}
        self.street: dict[str, str] = {}
        self.recovered: dict[str, float] = {}

    def huimin(self, *args: str, code: int = 0) -> str:
        """``huimin ARGS --ledger URL`` (the command's own app: the same command, built faster)."""
        group, command, *rest = args
        if group == "stats":
            result = RUNNER.invoke(stats_app, [command, *rest, "--ledger", self.url])
        else:
            sub = workbook_app if command in ("export", "import") else ledger_app
            result = RUNNER.invoke(sub, [command, *rest, "--ledger", self.url])
        assert result.exit_code == code, result.output
        assert not find_full_ids(result.output)
        return result.output

    def clues(self) -> dict[str, Clue]:
        ledger = Ledger.open(self.url)
        try:
            with ledger.read() as session:
                found = {c.clue_id: c for c in session.scalars(select(Clue))}
                session.expunge_all()
                return found
        finally:
            ledger.dispose()

    def in_state(self, *states: str) -> list[str]:
        return sorted(c for c, s in self.expected.items() if s in states)

    def round_trip(self, option: str, name: str, fill: dict[str, dict[str, str]]) -> list[str]:
        """Export ``name``'s workbook, fill the rows of ``fill``, import it; the clue ids."""
        blank = self.work / f"{len(list(self.work.iterdir()))}.xlsx"
        self.huimin("ledger", "export", option, name, "--out", str(blank))
        ids = [row[0] for row in read_sheets(blank)[MAIN][1:]]
        rows = {r: fill[c] for r, c in enumerate(ids, start=2) if c in fill}
        filled = fill_workbook(blank, blank.with_suffix(".filled.xlsx"), rows)
        output = self.huimin("ledger", "import", str(filled), "--by", f"{name}核查员")
        assert f"{len(ids)} rows of {name}" in output
        assert f"{len(ids) - len(rows)} rows left blank" in output
        return ids


def _choice(clue_id: str) -> int:
    """A fixed pseudo-random digit per clue: the outcome it is given."""
    return int(hashlib.sha256(clue_id.encode()).hexdigest()[:8], 16) % 10


#: digit → (核查结果, 处置去向 in the workbook, the state it ends the round-trip in)
OUTCOMES = {
    **dict.fromkeys(range(4), ("查否", "", "查否")),
    **dict.fromkeys(range(4, 7), ("查实", "整改中", "整改中")),
    7: ("查实", "移交纪检监察", "移交纪检监察"),
    8: ("部分属实", "", "部分属实"),
    9: ("部分属实", "长效机制", "长效机制"),
}
MEASURES = {"整改中": "停发、追缴", "移交纪检监察": "移交纪检监察", "长效机制": "完善制度"}


def _filled(outcome: str, target: str = "", verifier: str = "王五") -> dict[str, str]:
    """A row as a case worker fills it: the five elements, methods, a specific opinion."""
    found = outcome != "查否" and outcome != "维持查否"
    row = {
        "核查结果": outcome,
        "线索真伪": "经入户核实，线索反映情况属实" if found else "经入户核实，线索反映情况不属实",
        "资格条件": "对象已不符合保障条件" if found else "对象符合保障条件",
        "资金去向": "补贴资金由本人账户领取",
        "办理程序": "社区未按月复核" if found else "审批程序完整",
        "人员责任": "社区经办人员未及时核查" if found else "无责任人员",
        "核查意见": (
            "对象不符合条件仍领取补贴，应停发并追缴违规资金，对经办人员批评教育"
            if found
            else "对象资格与发放金额均符合政策规定，线索反映问题不存在，予以查否"
        ),
        "核查人": verifier,
        "核查日期": "2023-09-20",
        "佐证材料": "入户记录.pdf；发放明细.xlsx",
        "查原始资料": "是",
        "访左邻右舍": "是",
    }
    if target:
        row |= {"处置去向": target, "处置措施": MEASURES[target]}
        row |= {"应追缴金额": f"{TO_RECOVER:.0f}", "已追缴金额": "0"}
    return row


def _intake(plan: Plan, sample_run: Path) -> None:
    """Step 1: the run's clues and the province's list, joined where reconciliation pairs them."""
    district = pl.read_parquet(sample_run / "clues.parquet").height
    output = plan.huimin("ledger", "sync", "--output", str(sample_run), "--by", "专班")
    assert f"{district} added" in output
    pairs = pl.read_parquet(sample_run / "reconciliation.parquet")
    joined = pairs.filter(pl.col("match") == "corroborated").height
    output = plan.huimin(
        "ledger", "import-province", str(PROVINCE), "--output", str(sample_run), "--by", "专班"
    )
    assert f"{157 - joined} added, {joined} joined" in output
    for clue_id, clue in plan.clues().items():
        plan.expected[clue_id] = clue.state
        plan.street[clue_id] = clue.street if clue.street in STREETS else NO_STREET
    assert len(plan.expected) == district + 157 - joined
    assert set(plan.expected.values()) == {"待核查"}


def _verify_everything(plan: Plan) -> None:
    """Step 2: every street and organisation verifies its clues through workbooks."""
    clues = plan.clues()
    streets = sorted({c.street for c in clues.values() if c.street})
    units = sorted({c.organization for c in clues.values() if not c.street})
    first = True
    for option, name in [("--street", s) for s in streets] + [("--organisation", u) for u in units]:
        fill = {}
        for clue_id in sorted(c for c in clues if name in (clues[c].street, clues[c].organization)):
            outcome, target, state = OUTCOMES[_choice(clue_id)]
            fill[clue_id] = _filled(outcome, target)
            plan.expected[clue_id] = state
        if first:  # one clue only started at first: recorded, then finished from a new export
            started = min(fill)
            plan.round_trip(option, name, {**fill, started: {"核查结果": "核查中"}})
            assert plan.round_trip(option, name, {started: fill[started]}) == [started]
            first = False
            continue
        assert sorted(plan.round_trip(option, name, fill)) == sorted(fill)
    assert not plan.in_state("待核查", "核查中")


def _dispose_the_rest(plan: Plan) -> None:
    """Step 2b: the 部分属实 clues left without a disposition get one by verify-record."""
    partly = plan.in_state("部分属实")
    records = [
        {
            "clue_id": clue_id,
            "to": "整改中",
            "disposition": {
                "category": "一般性违规",
                "measures": ["追缴", "批评教育"],
                "amount_to_recover": TO_RECOVER,
                "amount_recovered": 0,
            },
        }
        for clue_id in partly
    ]
    assert records, "the sample gives some 部分属实 clues to dispose of"
    path = plan.work / "dispositions.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    output = plan.huimin("ledger", "verify-record", str(path), "--by", "街道")
    assert output.count("部分属实 → 整改中") == len(records)
    plan.expected |= dict.fromkeys(partly, "整改中")


def _recheck(plan: Plan, clues: dict[str, Clue]) -> Counter[str]:
    """Step 3: each department draws its 查否 clues, re-checks them, closes the round."""
    drawn_by: Counter[str] = Counter()
    departments = sorted({clues[c].department for c in plan.in_state("查否")})
    for department in departments:
        population = [c for c in plan.in_state("查否") if clues[c].department == department]
        places = {clues[c].street or clues[c].organization for c in population}
        output = plan.huimin("ledger", "sample", "--department", department, "--seed", "2023")
        drawn = re.findall(r"^  (\S+)$", output, flags=re.MULTILINE)
        assert len(drawn) == max(len(places), math.ceil(len(population) / 5))
        assert f"of {len(population)} 查否 clues drawn with seed 2023" in output
        overturned = drawn[0]
        fill = {c: _filled("维持查否", verifier="复核员") for c in drawn}
        fill[overturned] = _filled("查实", "整改中", verifier="复核员")
        assert sorted(plan.round_trip("--department", department, fill)) == sorted(drawn)
        plan.expected |= dict.fromkeys(drawn, "维持查否")
        plan.expected[overturned] = "整改中"
        drawn_by[department] = len(drawn)
        output = plan.huimin("ledger", "close-round", "--department", department, "--by", "科室")
        assert f"{len(population) - len(drawn)} 查否 clues not drawn are closed" in output
        plan.expected |= {c: "查否结案" for c in population if c not in drawn}
    return drawn_by


def _close_rectified(plan: Plan) -> None:
    """Step 4: every rectified clue closed (销号) with its evidence and the money recovered."""
    for n, clue_id in enumerate(plan.in_state("整改中")):
        recovered = TO_RECOVER if n % 5 else 600.0
        extra = [] if n % 5 else ["--reason", "对象已死亡，遗产不足以退还全部款项"]
        plan.huimin(
            "ledger", "close", clue_id, "--evidence", f"整改/{n}.pdf",
            "--recovered", f"{recovered:.0f}", *extra, "--by", "街道",
        )  # fmt: skip
        plan.expected[clue_id] = "已销号"
        plan.recovered[clue_id] = recovered


def _appendix_rows() -> dict[str, dict[str, int]]:
    with APPENDIX.open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["项目名称"] != "汇总"]
    return {r["项目名称"]: {c: int(r[c] or 0) for c in ["线索数量", *STREETS]} for r in rows}


def _check_stats(plan: Plan, sample_run: Path, drawn_by: Counter[str]) -> None:
    """Step 5: the tables regenerated from the ledger say what the test recorded."""
    stats = plan.work / "stats"
    plan.huimin("stats", "--output", str(stats), "--as-of", "2023-12-31")
    table = {r["街道"]: r for r in pl.read_csv(stats / "progress-street.csv").to_dicts()}
    for street in [*STREETS, NO_STREET]:
        mine = [c for c in plan.expected if plan.street[c] == street]
        counts = Counter(plan.expected[c] for c in mine)
        row = table[street]
        assert row["线索数量"] == len(mine), street
        shown = [s for s in State if s != State.MERGED]
        assert {s.value: row[s.value] for s in shown} == {s.value: counts[s] for s in shown}
        assert row["逾期"] == 0
    total = table["汇总"]
    disposed = plan.in_state("已销号", "移交纪检监察", "长效机制")
    assert total["线索数量"] == len(plan.expected)
    assert total["查实及部分属实"] == len(disposed)
    assert total["应追缴金额"] == pytest.approx(TO_RECOVER * len(disposed))
    assert total["已追缴金额"] == pytest.approx(sum(plan.recovered.values()))
    *departments, _ = pl.read_csv(stats / "progress-department.csv").to_dicts()
    drawn = {r["业务主管部门"]: r["抽查复核数"] for r in departments if r["抽查复核数"]}
    assert drawn == dict(drawn_by)
    assert sum(r["复核推翻"] for r in departments) == len(drawn_by)  # one overturned in each

    province = plan.work / "stats-province"
    plan.huimin("stats", "--source", "province", "--output", str(province))
    appendix = pl.read_csv(province / "appendix.csv", schema_overrides={"项目名称": pl.String})
    expected = _appendix_rows()
    # two provincial clues on one district clue are one entry, one visit, but two clues of the
    # province's table: the table counts them as the province does, as the appendix does
    for row in appendix.head(-1).iter_rows(named=True):
        assert {c: row[c] for c in ["线索数量", *STREETS]} == expected[row["项目名称"]]
    assert appendix.get_column("线索数量").to_list()[-1] == 157
    pairs = pl.read_parquet(sample_run / "reconciliation.parquet").filter(
        pl.col("match") == "corroborated"
    )
    assert pairs.get_column("clue_id").is_duplicated().any(), "the sample has such a pair"


def _check_history(plan: Plan) -> None:
    """Step 6: the history verifies; an edited event, a deleted last one, are caught."""
    output = plan.huimin("ledger", "verify")
    printed = HEAD.findall(output)
    assert printed, output
    count, head = printed[-1]
    assert f"history intact: {count} events" in output
    ledger = Ledger.open(plan.url)
    try:
        with ledger.engine.begin() as conn:
            seq, action, clue_id, after = conn.execute(
                select(Event.seq, Event.action, Event.clue_id, Event.after)
                .where(Event.action == "verify")
                .order_by(Event.seq)
                .limit(1)
            ).one()
            forged = after.replace("查否", "查实") if "查否" in after else after + " "
            conn.execute(update(Event).where(Event.seq == seq).values(after=forged))
        output = plan.huimin("ledger", "verify", code=1)
        assert f"event {seq} ({action} {clue_id}): its content was changed" in output
        with ledger.engine.begin() as conn:
            conn.execute(update(Event).where(Event.seq == seq).values(after=after))
        plan.huimin("ledger", "verify", "--expect-head", head)

        last = int(count)
        with ledger.engine.begin() as conn:
            conn.execute(delete(Event).where(Event.seq == last))
        output = plan.huimin("ledger", "verify", code=1)
        assert f"counts {last} events but the history holds {last - 1}" in output
        output = plan.huimin("ledger", "verify", "--expect-head", head, code=1)
        assert f"not the expected {head}" in output
        with ledger.engine.begin() as conn:  # the head record rewritten to match as well
            before = conn.execute(select(Event.hash).where(Event.seq == last - 1)).scalar_one()
            conn.execute(update(ChainHead).values(head=before, count=last - 1))
        plan.huimin("ledger", "verify")
        output = plan.huimin("ledger", "verify", "--expect-head", head, code=1)
        assert f"not the expected {head}: events were removed or added since" in output
    finally:
        ledger.dispose()


def test_the_whole_plan(sample_run: Path, ledger_url: str, tmp_path: Path) -> None:
    plan = Plan(ledger_url, tmp_path / "work")
    plan.work.mkdir()
    _intake(plan, sample_run)
    clues = plan.clues()
    _verify_everything(plan)
    _dispose_the_rest(plan)
    drawn_by = _recheck(plan, clues)
    assert plan.in_state("整改中") and plan.in_state("维持查否") and plan.in_state("查否结案")
    _close_rectified(plan)
    assert {c: c_.state for c, c_ in plan.clues().items()} == plan.expected
    assert set(plan.expected.values()) <= set(CLOSED_STATES), "every clue ends closed"
    _check_stats(plan, sample_run, drawn_by)
    _check_history(plan)


def _expected_entries(sample_run: Path) -> set[frozenset[tuple[str, str]]]:
    """Each entry's sources as the reconciliation pairs them: one entry per district clue with
    the provincial clues it corroborates, one per provincial clue left over."""
    district = pl.read_parquet(sample_run / "clues.parquet").get_column("clue_id").to_list()
    listed = pl.read_excel(PROVINCE, engine="calamine", read_options={"header_row": 1})
    pairs = dict(
        pl.read_parquet(sample_run / "reconciliation.parquet")
        .filter(pl.col("match") == "corroborated")
        .select("province_clue_id", "clue_id")
        .iter_rows()
    )
    groups = {d: {("district", d)} for d in district}
    alone = []
    for key in listed.get_column("线索编号").to_list():
        if key in pairs:
            groups[pairs[key]].add(("province", key))
        else:
            alone.append(frozenset({("province", key)}))
    return {frozenset(g) for g in groups.values()} | set(alone)


@pytest.mark.parametrize("order", ["district first", "province first", "apart, then reconciled"])
def test_every_order_of_intake_gives_the_same_entries(
    sample_run: Path, ledger_url: str, tmp_path: Path, order: str
) -> None:
    plan = Plan(ledger_url, tmp_path)
    sync = ["ledger", "sync", "--output", str(sample_run), "--by", "专班"]
    province = ["ledger", "import-province", str(PROVINCE), "--by", "专班"]
    if order == "district first":
        plan.huimin(*sync)
        output = plan.huimin(*province, "--output", str(sample_run))
    elif order == "province first":
        plan.huimin(*province)
        output = plan.huimin(*sync)
    else:
        unreconciled = tmp_path / "unreconciled"
        unreconciled.mkdir()
        shutil.copy(sample_run / "clues.parquet", unreconciled / "clues.parquet")
        plan.huimin(*province)
        plan.huimin("ledger", "sync", "--output", str(unreconciled), "--by", "专班")
        output = plan.huimin(*sync)
    assert "conflict" not in output
    clues = plan.clues()
    ledger = Ledger.open(ledger_url)
    try:
        with ledger.read() as session:
            held: dict[str, set[tuple[str, str]]] = {}
            for source in session.scalars(select(ClueSource)):
                held.setdefault(source.clue_id, set()).add((source.source, source.source_key))
    finally:
        ledger.dispose()
    assert {frozenset(g) for g in held.values()} == _expected_entries(sample_run)
    live = {c for c, clue in clues.items() if clue.state != "已合并"}
    assert set(held) == live  # every source on a live entry, every live entry with its sources
    merged = len(clues) - len(live)
    assert merged == {"district first": 0, "province first": 2}.get(order, 65)
    if merged:
        assert f"{merged} entries merged into another (已合并)" in output
    for clue_id in live:
        sources = sorted({s for s, _ in held[clue_id]})
        assert json.loads(clues[clue_id].sources) == sources
