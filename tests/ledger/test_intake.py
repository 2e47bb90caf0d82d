"""Clues in: a run's clues (sync), provincial lists (import), and both together."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from huimin.cli_ledger import app as cli
from huimin.errors import ConfigError
from huimin.ledger.history import check_chain
from huimin.ledger.intake import Deadlines, IntakeResult, Source, find_entry, import_list, sync
from huimin.ledger.models import Clue, ClueSource, Event
from huimin.ledger.records import apply_records
from huimin.ledger.store import Ledger
from tests.ledger.conftest import ID_A, ID_B, clue_row, disposition, publish, verification

HEADER = "线索编号,业务主管部门,项目名称,街道,身份证号码,姓名,问题描述,涉及金额（元）,下发日期\n"


def _province_csv(path: Path, rows: list[str]) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _row(n: int, id_number: str = ID_A) -> str:
    return f"HB-{n:04d},区民政局,城乡低保,吴家山街,{id_number},张三,死亡后仍领取,{n}00,2023-08-01"


def _clues(ledger: Ledger) -> dict[str, Clue]:
    with ledger.read() as session:
        clues = {c.clue_id: c for c in session.query(Clue)}
        session.expunge_all()
        return clues


def test_sync_adds_new_marks_missing_and_is_idempotent(ledger: Ledger, tmp_path: Path) -> None:
    out = publish(tmp_path / "out", [clue_row("a"), clue_row("b")])
    first = sync(ledger, out, "t", Deadlines())
    assert (first.added, first.known) == (2, 0)
    head = ledger.head()
    again = sync(ledger, out, "t", Deadlines())
    assert (again.added, again.known, ledger.head()) == (0, 2, head)  # nothing recorded twice

    publish(out, [clue_row("a")])
    gone = sync(ledger, out, "t", Deadlines())
    assert gone.no_longer_found == 1
    clues = _clues(ledger)
    assert set(clues) == {"a", "b"} and clues["b"].no_longer_found  # kept, marked
    assert clues["a"].verify_deadline is not None
    assert clues["a"].verify_deadline.isoformat() == "2023-10-15"
    assert clues["a"].rectify_deadline is not None
    assert clues["a"].rectify_deadline.isoformat() == "2023-11-15"

    publish(out, [clue_row("a"), clue_row("b")])
    assert sync(ledger, out, "t", Deadlines()).found_again == 1
    assert not _clues(ledger)["b"].no_longer_found


def test_a_finding_on_a_closed_clue_opens_a_linked_one(ledger: Ledger, tmp_path: Path) -> None:
    out = publish(tmp_path / "out", [clue_row("a")])
    sync(ledger, out, "t", Deadlines((9, 30), (12, 31)))
    apply_records(
        ledger,
        [
            {"clue_id": "a", "to": "核查中"},
            {"clue_id": "a", "to": "查实", "verification": verification()},
            {"clue_id": "a", "to": "整改中", "disposition": disposition()},
            {
                "clue_id": "a",
                "to": "已销号",
                "closure": {"evidence": ["追缴凭证.pdf"], "amount_recovered": 3600},
            },
        ],
        "街道",
    )
    assert sync(ledger, out, "t", Deadlines()).reopened == 0  # the same finding: dealt with
    publish(out, [clue_row("a", periods_text="2023-01至2023-09", amount=5400.0)])
    assert sync(ledger, out, "t", Deadlines()).reopened == 1
    clues = _clues(ledger)
    assert clues["a"].state == "已销号"
    assert clues["a~2"].reopened_from == "a" and clues["a~2"].state == "待核查"
    assert clues["a~2"].verify_deadline is not None
    assert clues["a~2"].verify_deadline.isoformat() == "2023-10-15"
    assert sync(ledger, out, "t", Deadlines()).reopened == 0


def test_import_is_idempotent_and_adds_only_new_clues(ledger: Ledger, tmp_path: Path) -> None:
    bad = f"HB-0099,区民政局,城乡低保,吴家山街,{ID_A[:-1]}5,王五,问题,100,2023-08-01"
    first = _province_csv(tmp_path / "p1.csv", [_row(1), _row(2), bad])
    result = import_list(ledger, first, "t", Deadlines())
    assert (result.added, result.quarantined, result.rows_in) == (2, 1, 3)
    assert result.reasons
    head = ledger.head()
    assert import_list(ledger, first, "t", Deadlines()).known == 2
    assert ledger.head() == head

    changed = _row(2).replace("死亡后仍领取", "改过的描述")
    later = _province_csv(tmp_path / "p2.csv", [_row(1), changed, _row(3, ID_B)])
    result = import_list(ledger, later, "t", Deadlines())
    assert (result.added, result.known) == (1, 2)
    clues = _clues(ledger)
    assert set(clues) == {"prov:HB-0001", "prov:HB-0002", "prov:HB-0003"}
    assert clues["prov:HB-0002"].summary == "死亡后仍领取"  # nothing recorded is changed
    assert json.loads(clues["prov:HB-0003"].id_numbers) == [ID_B]


def test_other_sources_and_corroborated_pairs(ledger: Ledger, tmp_path: Path) -> None:
    out = publish(tmp_path / "out", [clue_row("d1")])
    sync(ledger, out, "t", Deadlines())
    pl.DataFrame(
        {
            "province_clue_id": ["HB-0001", "HB-0002"],
            "match": ["corroborated", "province_only"],
            "match_strength": ["id", None],
            "clue_id": ["d1", None],
        }
    ).write_parquet(out / "reconciliation.parquet")
    listed = _province_csv(tmp_path / "p.csv", [_row(1), _row(2)])
    result = import_list(ledger, listed, "t", Deadlines(), output=out)
    assert (result.joined, result.added) == (1, 1)
    assert import_list(ledger, listed, "t", Deadlines(), output=out).known == 2
    clues = _clues(ledger)
    assert json.loads(clues["d1"].sources) == ["district", "province"]  # one entry, one visit
    assert set(clues) == {"d1", "prov:HB-0002"}

    tip = import_list(ledger, listed, "t", Deadlines(), source=Source.COMPLAINT)
    assert tip.added == 2
    with ledger.read() as session:
        kinds = {s.source for s in session.query(ClueSource)}
    assert kinds == {"district", "province", "complaint"}


def test_the_bundled_provincial_list(tmp_path: Path) -> None:
    ledger = Ledger.open(str(tmp_path / "ledger.sqlite"))
    try:
        path = Path(__file__).parents[2] / "data" / "sample" / "province_clues.xlsx"
        assert import_list(ledger, path, "t", Deadlines()).added == 157
        assert import_list(ledger, path, "t", Deadlines()).known == 157
        assert ledger.head().count == 157
    finally:
        ledger.dispose()


# ------------------------------------------------------------------ one clue, one entry, any order
def _reconciled(out: Path, pairs: dict[str, str]) -> Path:
    """``out`` as a reconciled run: each provincial clue id corroborated by its district clue."""
    pl.DataFrame(
        {
            "province_clue_id": list(pairs),
            "match": ["corroborated"] * len(pairs),
            "match_strength": ["id"] * len(pairs),
            "clue_id": list(pairs.values()),
        }
    ).write_parquet(out / "reconciliation.parquet")
    return out


def _events(ledger: Ledger, action: str) -> list[Event]:
    with ledger.read() as session:
        found = list(session.scalars(select(Event).where(Event.action == action)))
        session.expunge_all()
        return found


def _holder(ledger: Ledger, source: str, key: str) -> str:
    with ledger.read() as session:
        row = session.scalars(
            select(ClueSource).where(ClueSource.source == source, ClueSource.source_key == key)
        ).one()
        return row.clue_id


def test_province_first_then_a_reconciled_run_joins_the_provincial_entry(
    ledger: Ledger, tmp_path: Path
) -> None:
    import_list(ledger, _province_csv(tmp_path / "p.csv", [_row(1), _row(2)]), "t", Deadlines())
    detail = "对象已于2022年12月死亡，2023年1至6月仍领取低保金3600元"
    out = publish(tmp_path / "out", [clue_row("d1", summary=detail), clue_row("d2")])
    result = sync(ledger, _reconciled(out, {"HB-0001": "d1"}), "t", Deadlines())
    assert (result.joined, result.added, result.merged) == (1, 1, 0)
    clues = _clues(ledger)
    assert set(clues) == {"prov:HB-0001", "prov:HB-0002", "d2"}  # no second entry for d1
    entry = clues["prov:HB-0001"]
    assert json.loads(entry.sources) == ["district", "province"]
    assert entry.summary == detail  # still 待核查: it takes the district's account
    assert _holder(ledger, "district", "d1") == "prov:HB-0001"
    with ledger.read() as session:
        found = find_entry(session, "d1")
        assert found is not None and found.clue_id == "prov:HB-0001"
    head = ledger.head()
    again = sync(ledger, out, "t", Deadlines())  # the district clue id still finds it
    assert (again.known, again.added, again.joined, ledger.head()) == (2, 0, 0, head)
    publish(out, [clue_row("d1", summary=detail, amount=5400.0), clue_row("d2")])
    assert sync(ledger, out, "t", Deadlines()).updated == 1
    assert _clues(ledger)["prov:HB-0001"].amount == 5400.0


def test_two_provincial_entries_of_one_district_clue_become_one(
    ledger: Ledger, tmp_path: Path
) -> None:
    import_list(ledger, _province_csv(tmp_path / "p.csv", [_row(1), _row(2)]), "t", Deadlines())
    out = publish(tmp_path / "out", [clue_row("d1")])
    result = sync(ledger, _reconciled(out, {"HB-0001": "d1", "HB-0002": "d1"}), "t", Deadlines())
    assert (result.joined, result.merged, result.conflicts) == (1, 1, [])
    clues = _clues(ledger)
    assert clues["prov:HB-0001"].state == "待核查"
    assert clues["prov:HB-0002"].state == "已合并"
    assert clues["prov:HB-0002"].merged_into == "prov:HB-0001"
    assert _holder(ledger, "province", "HB-0002") == "prov:HB-0001"


def _apart(ledger: Ledger, tmp_path: Path) -> Path:
    """A provincial entry and a district entry of one clue, recorded apart (no reconciliation)."""
    import_list(ledger, _province_csv(tmp_path / "p.csv", [_row(1)]), "t", Deadlines())
    out = publish(tmp_path / "out", [clue_row("d1")])
    assert sync(ledger, out, "t", Deadlines()).added == 1
    assert set(_clues(ledger)) == {"prov:HB-0001", "d1"}
    return out


def _reunite(ledger: Ledger, tmp_path: Path, out: Path, how: str) -> IntakeResult:
    _reconciled(out, {"HB-0001": "d1"})
    if how == "sync":
        return sync(ledger, out, "t", Deadlines())
    return import_list(ledger, tmp_path / "p.csv", "t", Deadlines(), output=out)


@pytest.mark.parametrize("how", ["sync", "import"])
def test_entries_recorded_apart_merge_when_neither_has_started(
    ledger: Ledger, tmp_path: Path, how: str
) -> None:
    out = _apart(ledger, tmp_path)
    result = _reunite(ledger, tmp_path, out, how)
    assert (result.merged, result.conflicts) == (1, [])
    clues = _clues(ledger)
    assert json.loads(clues["d1"].sources) == ["district", "province"]
    assert (clues["prov:HB-0001"].state, clues["prov:HB-0001"].merged_into) == ("已合并", "d1")
    assert json.loads(clues["prov:HB-0001"].sources) == []
    assert _holder(ledger, "province", "HB-0001") == "d1"
    merges = {e.clue_id: e for e in _events(ledger, "merge")}
    assert set(merges) == {"d1", "prov:HB-0001"}
    closed = merges["prov:HB-0001"]
    assert json.loads(closed.before) == {
        "state": "待核查",
        "merged_into": None,
        "sources": ["province"],
    }
    after = json.loads(closed.after)
    assert (after["state"], after["merged_into"], after["detail"]["into"]) == ("已合并", "d1", "d1")
    assert json.loads(merges["d1"].before)["sources"] == ["district"]
    head = ledger.head()
    again = _reunite(ledger, tmp_path, out, how)  # done once: nothing more to merge
    assert (again.merged, again.joined, ledger.head()) == (0, 0, head)
    with ledger.read() as session:
        assert check_chain(session).ok
        found = find_entry(session, "prov:HB-0001")
        assert found is not None and found.clue_id == "d1"


@pytest.mark.parametrize("how", ["sync", "import"])
def test_the_entry_under_way_stays_and_the_other_is_merged_into_it(
    ledger: Ledger, tmp_path: Path, how: str
) -> None:
    out = _apart(ledger, tmp_path)
    apply_records(ledger, [{"clue_id": "prov:HB-0001", "to": "核查中"}], "街道")
    result = _reunite(ledger, tmp_path, out, how)
    assert (result.merged, result.conflicts) == (1, [])
    clues = _clues(ledger)
    assert (clues["d1"].state, clues["d1"].merged_into) == ("已合并", "prov:HB-0001")
    assert clues["prov:HB-0001"].state == "核查中"
    assert clues["prov:HB-0001"].summary == "死亡后仍领取"  # under way: keeps its account
    assert json.loads(clues["prov:HB-0001"].sources) == ["district", "province"]
    assert _holder(ledger, "district", "d1") == "prov:HB-0001"
    later = sync(ledger, out, "t", Deadlines())  # the district clue is found on its entry
    assert (later.known, later.added, later.reopened, later.no_longer_found) == (1, 0, 0, 0)
    with pytest.raises(ConfigError, match="已合并 is closed"):
        apply_records(ledger, [{"clue_id": "d1", "to": "核查中"}], "街道")


@pytest.mark.parametrize("how", ["sync", "import"])
def test_two_entries_under_way_are_a_conflict_never_merged(
    ledger: Ledger, ledger_url: str, tmp_path: Path, how: str
) -> None:
    out = _apart(ledger, tmp_path)
    started = [{"clue_id": c, "to": "核查中"} for c in ("prov:HB-0001", "d1")]
    apply_records(ledger, started, "街道")
    head = ledger.head()
    _reconciled(out, {"HB-0001": "d1"})
    command = ["sync", "--output", str(out)]
    if how == "import":
        command = ["import-province", str(tmp_path / "p.csv"), "--output", str(out)]
    done = CliRunner().invoke(cli, [*command, "--ledger", ledger_url, "--by", "专班"])
    assert done.exit_code == 0, done.output
    assert "conflict: prov:HB-0001 (核查中), d1 (核查中) are one clue" in done.output
    assert "not merged" in done.output
    assert ledger.head() == head  # nothing recorded
    clues = _clues(ledger)
    assert (clues["d1"].state, clues["prov:HB-0001"].state) == ("核查中", "核查中")


def test_the_merge_summary_on_the_command_line(
    ledger: Ledger, ledger_url: str, tmp_path: Path
) -> None:
    out = _reconciled(_apart(ledger, tmp_path), {"HB-0001": "d1"})
    args = ["sync", "--output", str(out), "--ledger", ledger_url, "--by", "专班"]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    assert "1 entries merged into another (已合并)" in done.output
    assert "conflict" not in done.output and "nothing to do" not in done.output
    shown = CliRunner().invoke(cli, ["show", "prov:HB-0001", "--ledger", ledger_url])
    assert shown.exit_code == 0, shown.output
    assert "prov:HB-0001 is followed on the entry d1" in shown.output
    assert shown.output.splitlines()[1].startswith("d1: 待核查")
    assert "source province: HB-0001" in shown.output


def test_a_ledger_of_the_first_schema_is_upgraded(tmp_path: Path) -> None:
    from importlib import resources

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    path = tmp_path / "old" / "ledger.sqlite"
    path.parent.mkdir()
    engine = create_engine(f"sqlite:///{path}")
    config = Config()
    config.set_main_option("script_location", str(resources.files("huimin.ledger") / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    engine.dispose()
    ledger = Ledger.open(str(path))
    try:
        assert sync(ledger, publish(tmp_path / "out", [clue_row("a")]), "t", Deadlines()).added
        assert _clues(ledger)["a"].merged_into is None
    finally:
        ledger.dispose()
