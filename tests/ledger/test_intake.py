"""Clues in: a run's clues (sync), provincial lists (import), and both together."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from huimin.ledger.intake import Deadlines, Source, import_list, sync
from huimin.ledger.models import Clue, ClueSource
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
