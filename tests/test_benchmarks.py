"""The benchmark's baselines flag the same payments as huimin on the bundled sample: the three
implementations of the 12 rules (huimin's engine, hand-written DuckDB SQL, pandas), the whole
catalogue written as DuckDB SQL, and the DuckDB pipeline from the raw department files."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huimin import idnumber
from huimin.pipeline import IngestRun, ingest_folder
from huimin.rules.commands import load_catalogue
from huimin.rules.examples import given_frame
from huimin.rules.model import Example

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
AS_OF = dt.date(2024, 1, 1)
duckdb = pytest.importorskip("duckdb")


def _module(name: str) -> ModuleType:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> IngestRun:
    return ingest_folder(SAMPLE, tmp_path_factory.mktemp("bench-sample"), as_of=AS_OF)


@pytest.fixture(scope="module")
def staged(ingested: IngestRun) -> Path:
    return ingested.output_dir / "staged"


@pytest.fixture(scope="module")
def huimin_all(staged: Path) -> pl.DataFrame:
    """What huimin's engine flags with the whole catalogue (examples included)."""
    flagged: pl.DataFrame = _module("rule_set").subjects_frame(
        _module("run_huimin_rules").run(staged, ())
    )
    return flagged


def test_the_three_implementations_flag_the_same_payments(staged: Path) -> None:
    rule_set = _module("rule_set")
    found = {
        name: rule_set.subjects_frame(_module(name).run(staged))
        for name in ("run_huimin_rules", "duckdb_rules", "pandas_rules")
    }
    huimin = found["run_huimin_rules"]
    assert huimin.height > 0
    assert set(huimin.get_column("rule_id")) <= set(rule_set.RULES)
    for name, other in found.items():
        assert other.equals(huimin), name


def test_the_harness_covers_the_12_rules() -> None:
    rule_set, duck, pandas = (_module(n) for n in ("rule_set", "duckdb_rules", "pandas_rules"))
    assert len(rule_set.RULES) == 12
    assert list(duck.QUERIES) == list(rule_set.RULES) == list(pandas.RULES)
    assert pl.DataFrame(schema=rule_set.SUBJECTS_SCHEMA).columns == ["rule_id", "subject", "period"]


# ------------------------------------------------------------------ the whole catalogue
def test_the_duckdb_catalogue_translates_every_rule_once() -> None:
    translated = [rule.id for rule in _module("duckdb_catalogue").RULES]
    catalogue = [rule.id for rule_file in load_catalogue() for rule in rule_file.rules]
    assert len(translated) == len(set(translated))
    assert sorted(translated) == sorted(catalogue)


def test_the_duckdb_catalogue_flags_the_same_payments_as_huimin(
    staged: Path, huimin_all: pl.DataFrame
) -> None:
    duck = _module("duckdb_catalogue").run(staged)
    assert huimin_all.get_column("rule_id").n_unique() >= 80  # most rules fire on the sample
    assert duck.equals(huimin_all)


def _example_flags(con: Any, rule: Any, example: Example) -> set[tuple[str, str]]:
    """What the SQL of ``rule`` flags in an example's world (the datasets it gives; those it
    does not give are empty), built in a schema of its own."""
    catalogue, prepared = _module("duckdb_catalogue"), _module("duckdb_prepared")
    names = set(rule.needs) | {"population"}
    con.execute("CREATE SCHEMA example; SET schema = 'example'")
    try:
        for name in names:
            con.register("given", given_frame(name, example.given.get(name, [])).collect())
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM given")
            con.unregister("given")
        prepared.prepare(con, names)
        return {(s, p) for _, s, p in con.execute(catalogue.family_sql([rule])).fetchall()}
    finally:
        con.execute("SET schema = 'main'; DROP SCHEMA example CASCADE")


def test_the_duckdb_catalogue_gives_each_rule_example_its_clues() -> None:
    """Every rule's own examples (each rule has one that makes a clue): the SQL flags what the
    example expects, which covers the rules that flag nothing on the sample."""
    by_id = {rule.id: rule for rule in _module("duckdb_catalogue").RULES}
    wrong = []
    con = duckdb.connect()
    for rule_file in load_catalogue():
        for rule in rule_file.rules:
            for example in rule.examples:
                want = {(str(e["subject"]), str(e["period"])) for e in example.expect}
                if _example_flags(con, by_id[rule.id], example) != want:
                    wrong.append(f"{rule.id}: {example.name}")
    con.close()
    assert wrong == []


# ------------------------------------------------------------------ from the raw files
def test_the_duckdb_pipeline_flags_from_the_raw_files_what_huimin_flags(
    tmp_path: Path, ingested: IngestRun, huimin_all: pl.DataFrame
) -> None:
    out = tmp_path / "flagged.parquet"
    command = [sys.executable, str(ROOT / "benchmarks" / "duckdb_pipeline.py"), str(SAMPLE)]
    done = subprocess.run(
        [*command, "--out", str(out), "--as-of", AS_OF.isoformat()],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert pl.read_parquet(out).equals(huimin_all)
    for result in ingested.results:
        if result.dataset != "province_clues":
            line = f"{result.dataset}: {result.rows_in} in, {result.rows_valid} staged"
            assert line in done.stdout
    assert "id_number:id_old_15_digit_form 1" in done.stdout
    assert not re.search(r"\d{15}", done.stdout + done.stderr)  # counts only, never an ID


def test_the_duckdb_pipeline_stages_the_rows_huimin_stages(
    ingested: IngestRun, staged: Path
) -> None:
    """The same typed values, row for row, in every dataset (the variants of the synthetic
    district: full-width digits, stray spaces, 2023年5月1日, a lowercase x ...)."""
    pipeline, prepared = _module("duckdb_pipeline"), _module("duckdb_prepared")
    con = duckdb.connect()
    _, results = pipeline.run(SAMPLE, AS_OF, con)
    datasets = {result.dataset for result in ingested.results} - {"province_clues"}
    assert {result.dataset for result in results} == datasets
    for result in results:
        fields = list(prepared.contract()[result.dataset])
        ours = con.sql(f"SELECT {', '.join(fields)} FROM {result.dataset}").pl()
        theirs = pl.read_parquet(staged / f"{result.dataset}.parquet", columns=fields)
        assert ours.cast(theirs.schema).sort(fields).equals(theirs.sort(fields)), result.dataset


def _huimin_accepts(values: list[str]) -> list[bool]:
    """huimin's verdict on ID numbers as its ingest reads them."""
    number = pl.col("v")
    ok = (
        idnumber.has_format(number)
        & idnumber.has_check_char(number)
        & idnumber.has_valid_province(number)
        & idnumber.has_real_birth_date(number, AS_OF)
    )
    frame = pl.DataFrame({"v": values}).select(idnumber.normalize(number).alias("v"))
    return frame.select(ok.fill_null(False)).to_series().to_list()


def _pipeline_accepts(con: Any, values: list[str]) -> list[bool]:
    pipeline = _module("duckdb_pipeline")
    spec = {"type": "id_number", "zh": "身份证号码"}
    checks = pipeline.field_checks("deaths", "id_number", spec, AS_OF)
    failing = " OR ".join(f"COALESCE({sql}, FALSE)" for _, sql in checks)
    con.register("ids", pl.DataFrame({"i": range(len(values)), "c0": values}))
    rows = con.execute(
        f"SELECT i, NOT ({failing}) FROM (SELECT i, n_id_number, n_id_number AS id_number "
        f"FROM (SELECT i, {pipeline.normalised('id_number', 'c0')} AS n_id_number FROM ids)) "
        "ORDER BY i"
    ).fetchall()
    con.unregister("ids")
    return [bool(ok) for _, ok in rows]


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """ID numbers as departments send them: valid ones, and ones broken in the usual ways."""
    province = draw(st.sampled_from(["42", "11", "65", "71", "83", "99", "00", "9" + "4"]))
    address = (province + draw(st.from_regex(r"[0-9]{4}", fullmatch=True)))[:6]
    born = draw(st.dates(dt.date(1870, 1, 1), dt.date(2030, 12, 31)))
    number = idnumber.make_id(address, born, draw(st.integers(0, 999)))
    how = draw(st.sampled_from(["as is", "check", "x", "wide", "spaces", "15", "17", "letter"]))
    if how == "check":
        number = number[:17] + draw(st.sampled_from("0123456789X"))
    elif how == "x":
        number = number[:17] + "x"
    elif how == "wide":
        number = number.translate(FULL_WIDTH)
    elif how == "spaces":
        number = f" {number[:6]} {number[6:]}\u3000"
    elif how in ("15", "17"):
        number = number[: int(how)]
    elif how == "letter":
        number = number[:5] + "A" + number[6:]
    return number


@pytest.fixture(scope="module")
def id_connection() -> Any:
    con = duckdb.connect()
    yield con
    con.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(id_numbers(), min_size=1, max_size=25))
def test_the_duckdb_pipeline_judges_id_numbers_as_huimin_does(
    id_connection: Any, values: list[str]
) -> None:
    assert _pipeline_accepts(id_connection, values) == _huimin_accepts(values)


def test_the_duckdb_pipeline_refuses_id_numbers_stored_as_numbers(tmp_path: Path) -> None:
    pipeline = _module("duckdb_pipeline")
    numbers = {"公民身份号码": [420112194001010014], "姓名": ["张三"]}
    pl.DataFrame(numbers | {"死亡日期": [dt.date(2023, 3, 1)], "数据来源": ["公安"]}).write_parquet(
        tmp_path / "deaths.parquet"
    )
    flagged, results = pipeline.run(tmp_path, AS_OF)
    refused = "ID numbers stored as numbers in column 公民身份号码"
    assert [(r.dataset, r.refused) for r in results] == [("deaths", refused)]
    assert flagged.height == 0
