"""Findings make clues: one per subject, project and check period, payments counted once."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from huimin.rules.clue_ids import clue_id, district_key
from huimin.rules.clues import assign_clue_ids, build_clues
from huimin.rules.findings import FINDING_SCHEMA, periods_text, shown

KEY = b"k" * 32
PERSON = "420112194001010014"
SPOUSE = "420112194203040027"


def _finding(
    rule: str, severity: str, hits: list[tuple[int, str, str, float]], **kw: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {name: None for name in FINDING_SCHEMA}
    row.update(
        rule_id=rule,
        title=rule,
        severity=severity,
        project="农村低保",
        department="区民政局",
        subject_kind="household",
        subject="H1",
        check_period="2023",
        periods=sorted({h[2] for h in hits}),
        amount=sum(h[3] for h in hits),
        id_numbers=sorted({h[1] for h in hits}),
        summary=f"{rule} 的疑点",
        verify="查原始资料",
        reference="《社会救助暂行办法》",
        hits=[{"row": r, "subject": s, "period": p, "amount": a} for r, s, p, a in hits],
    )
    row.update(kw)
    return row


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=FINDING_SCHEMA)


def test_one_clue_per_subject_with_each_payment_counted_once() -> None:
    findings = _frame(
        [
            _finding(
                "dead_paid", "high", [(2, PERSON, "2023-04", 780.0), (3, SPOUSE, "2023-04", 780.0)]
            ),
            _finding("above_standard", "medium", [(2, PERSON, "2023-04", 780.0)]),
        ]
    )
    clues = build_clues(assign_clue_ids(findings, KEY))
    assert clues.height == 1
    clue = clues.row(0, named=True)
    assert clue["amount"] == 1560.0, "row 2 is flagged by two rules but paid once"
    assert clue["severity"] == "high" and clue["findings"] == 2
    assert clue["id_numbers"] == [PERSON, SPOUSE]
    assert clue["summary"] == "1. dead_paid 的疑点；2. above_standard 的疑点"
    assert clue["verify"] == "查原始资料", "the same advice is given once"
    assert clue["periods_text"] == "2023-04"


def test_clues_on_the_same_person_in_two_projects_are_linked() -> None:
    findings = _frame(
        [
            _finding("a", "high", [(2, PERSON, "2023-04", 1.0)]),
            _finding("b", "low", [(9, PERSON, "2023-05", 1.0)], project="城市低保", subject="U7"),
            _finding(
                "c",
                "low",
                [(4, SPOUSE, "2023-05", 1.0)],
                project="特困人员救助供养",
                subject=SPOUSE,
            ),
        ]
    )
    clues = build_clues(assign_clue_ids(findings, KEY))
    by_project = {c["project"]: c for c in clues.iter_rows(named=True)}
    rural, urban = by_project["农村低保"], by_project["城市低保"]
    assert rural["related_clue_ids"] == [urban["clue_id"]]
    assert urban["related_clue_ids"] == [rural["clue_id"]]
    assert by_project["特困人员救助供养"]["related_clue_ids"] == []


def test_clue_ids_are_keyed_stable_and_reveal_nothing() -> None:
    first = clue_id(KEY, "农村低保", "person", PERSON, "2023")
    assert first == clue_id(KEY, "农村低保", "person", PERSON, "2023")
    assert first != clue_id(b"x" * 32, "农村低保", "person", PERSON, "2023")
    assert first != clue_id(KEY, "城市低保", "person", PERSON, "2023")
    assert PERSON not in first and first.startswith("HM-") and len(first) == 19


def test_the_district_key_is_made_once_and_kept(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "keys" / "clue-key"
    monkeypatch.setenv("HUIMIN_KEY_FILE", str(path))
    key = district_key()
    assert district_key() == key and len(key) == 32
    assert oct(path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("periods", "text"),
    [
        (["2023-04", "2023-05", "2023-06", "2023-09"], "2023-04至2023-06、2023-09"),
        (["2022-12", "2023-01"], "2022-12至2023-01"),
        (["2023秋", "2023春"], "2023秋、2023春"),
        (["2023"], "2023"),
    ],
)
def test_periods_as_ranges(periods: list[str], text: str) -> None:
    assert periods_text(periods) == text


@given(st.sets(st.integers(min_value=0, max_value=40), min_size=1))
def test_every_month_is_in_exactly_one_range(months: set[int]) -> None:
    names = [f"{2022 + m // 12}-{m % 12 + 1:02d}" for m in sorted(months)]
    covered = []
    for part in periods_text(names).split("、"):
        first, _, last = part.partition("至")
        last = last or first
        a = int(first[:4]) * 12 + int(first[5:]) - 1
        b = int(last[:4]) * 12 + int(last[5:]) - 1
        covered.extend(range(a, b + 1))
    assert covered == [2022 * 12 + m for m in sorted(months)]


def test_values_shown_as_a_street_worker_reads_them() -> None:
    assert shown(4690.0) == "4,690"
    assert shown(12.5) == "12.50"
    assert shown(None) == "（无）"
    assert shown(["张三", "李四"]) == "张三、李四"
