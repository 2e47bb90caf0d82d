"""The date data is judged at is passed explicitly: two dates in one process never interfere."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import polars as pl

from huimin.context import RunContext
from huimin.idnumber import make_id
from huimin.ingest import ingest_file
from huimin.rowchecks import FLAG, RAW, flag_chunk, make_plan
from huimin.rules.context import prepare
from huimin.schemas import DATASETS

BORN = dt.date(2023, 6, 1)
LATER = dt.date(2024, 1, 1)  # the ID's birth date has passed: valid
EARLIER = dt.date(2023, 1, 1)  # the ID's birth date lies in the future: invalid
PERSON = make_id("420112", BORN, 7)
HEADER = "公民身份号码"
BIRTH_FLAG = FLAG + "id_number:id_birth_date"


def _birth_date_fails(as_of: dt.date) -> bool:
    model = DATASETS["deaths"]
    plan = make_plan(model, {"id_number": RAW + HEADER}, as_of, columns=[HEADER])
    flagged = flag_chunk(pl.DataFrame({RAW + HEADER: [PERSON]}), plan)
    return bool(flagged.get_column(BIRTH_FLAG)[0])


def test_each_plan_judges_at_its_own_date() -> None:
    assert not _birth_date_fails(LATER)
    assert _birth_date_fails(EARLIER)
    assert not _birth_date_fails(LATER)  # the earlier plan left nothing behind
    frame = pl.DataFrame({"id_number": [PERSON]})
    model = DATASETS["deaths"]
    failing = [
        check.name
        for check in model.schema_as_of(EARLIER).columns["id_number"].checks
        if not check(frame.lazy(), "id_number").check_passed.collect().item()
    ]
    assert failing == ["id_birth_date"]


def test_two_dates_interleaved_in_two_threads_judge_independently(tmp_path: Path) -> None:
    """Two runs of different dates ingesting the same row at the same time, round after round."""
    source = tmp_path / "deaths.csv"
    source.write_text(f"{HEADER},姓名,死亡日期,数据来源\n{PERSON},张三,2023-12-01,公安\n", "utf-8")
    rounds = 4
    barrier = threading.Barrier(2)
    seen: dict[dt.date, list[tuple[int, int, bool]]] = {LATER: [], EARLIER: []}
    errors: list[BaseException] = []

    def judge(as_of: dt.date) -> None:
        try:
            for i in range(rounds):
                barrier.wait(timeout=60)
                out = tmp_path / f"{as_of}-{i}"
                result = ingest_file(source, DATASETS["deaths"], out, ctx=RunContext(as_of))
                barrier.wait(timeout=60)
                flagged = _birth_date_fails(as_of)
                seen[as_of].append((result.rows_valid, result.rows_quarantined, flagged))
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=judge, args=(day,)) for day in (LATER, EARLIER)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert seen[LATER] == [(1, 0, False)] * rounds
    # as of 2023-01-01 the person is not born yet (and the 2023-12-01 death is in the future)
    assert seen[EARLIER] == [(0, 1, True)] * rounds
    quarantine = pl.read_parquet(tmp_path / f"{EARLIER}-0" / "quarantine" / "deaths.parquet")
    (reasons,) = quarantine.get_column("_reasons").to_list()
    assert any("birth date inside the ID number" in reason for reason in reasons)


def test_rules_see_the_date_they_are_given() -> None:
    model = DATASETS["tekun"]
    empty = pl.LazyFrame(schema=model.polars_schema())
    for day in (LATER, EARLIER):
        prepared = prepare(empty, model, as_of=day).collect_schema()
        assert prepared["as_of"] == pl.Date
        row = prepare(
            pl.LazyFrame([{"id_number": PERSON}], schema=model.polars_schema()), model, as_of=day
        )
        assert row.select("as_of").collect().item() == day
