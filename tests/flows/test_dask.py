"""``huimin run --dask``: partitions that keep households whole, the stages, and one real run
on a local two-worker Dask cluster giving the very bytes of a single-process run."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner

from huimin import distributed
from huimin.cli import app
from huimin.context import RunContext
from huimin.errors import ConfigError
from huimin.ingest import DatasetResult
from huimin.pipeline import dataset_statuses
from huimin.rules.clue_ids import district_key
from huimin.rules.commands import load_catalogue
from huimin.rules.engine import run_rules

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
AS_OF = dt.date(2024, 1, 1)


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``huimin run`` in one process on the sample: the result to match."""
    out = tmp_path_factory.mktemp("single") / "out"
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--input",
            str(SAMPLE),
            "--output",
            str(out),
            "--no-reports",
            "--as-of",
            "2024-01-01",
        ],
    )
    assert result.exit_code == 0, result.output
    return out


# ---------------------------------------------------------------- where each rule runs
def test_rules_run_on_a_partition_only_when_what_they_compare_is_one_household() -> None:
    placed = distributed.stages(load_catalogue())
    assert placed["dibao_rural.member_owns_car"] == "partition"  # members' registry rows
    assert placed["student_aid_compulsory.hardship_dibao_not_found"] == "partition"
    assert placed["tekun.also_rural_dibao"] == "partition"  # another roster, same person
    assert placed["grain_subsidy.paid_twice_in_year"] == "partition"  # key [subject, period]
    assert placed["dibao_rural.shared_bank_account"] == "accounts"
    assert placed["car_tradein.new_car_twice"] == "global"  # key [new_vin]
    assert placed["car_tradein.new_car_registered_to_other"] == "global"  # looked up by VIN
    assert placed["farmland_subsidy.paid_before_acceptance"] == "global"  # a project, no person
    assert set(placed.values()) == {"partition", "accounts", "global"}


def test_a_kind_the_splitter_does_not_know_runs_once_over_everything() -> None:
    catalogue = load_catalogue()
    rule_file = next(f for f in catalogue if f.policy == "tekun")
    rule = next(r for r in rule_file.rules if r.kind == "eligibility")
    assert distributed.stage_of(rule, rule_file) == "partition"
    assert distributed.stage_of(replace(rule, kind="future_kind"), rule_file) == "global"


# ---------------------------------------------------------------- routing rows
def _reference_bucket(text: str, buckets: int) -> int:
    value = 0
    for byte in text.encode("utf-8"):
        value = (value * 257 + byte + 1) % (2**31 - 1)
    return value % buckets


@given(st.lists(st.one_of(st.none(), st.text(max_size=30)), max_size=40), st.integers(1, 9))
@settings(max_examples=60, deadline=None)
def test_the_bucket_is_a_fixed_hash_of_the_utf8_bytes(
    texts: list[str | None], buckets: int
) -> None:
    got = distributed.stable_bucket(pl.Series(texts, dtype=pl.String), buckets).to_list()
    assert got == [None if t is None else _reference_bucket(t, buckets) for t in texts]


def test_the_bucket_of_an_id_number_is_pinned() -> None:
    """The same in every process and polars version: a change would move every household."""
    ids = pl.Series(["420112194001010014", "42011219400101001X", "户号0001"])
    assert distributed.stable_bucket(ids, 1_000_003).to_list() == [
        _reference_bucket(text, 1_000_003) for text in ids
    ]
    assert distributed.stable_bucket(ids, 1_000_003).to_list() == [190_685, 190_721, 386_525]


IDS = st.text(alphabet="0123456789X", min_size=1, max_size=3)
HOUSEHOLDS = st.text(alphabet="abcd", min_size=1, max_size=2)


def _frames(
    population: list[tuple[str | None, str]],
    dibao: list[tuple[str, str]],
    deaths: list[str | None],
) -> dict[str, pl.DataFrame]:
    text = pl.String()
    return {
        "population": pl.DataFrame(
            population, schema={"id_number": text, "household_id": text}, orient="row"
        ),
        "dibao_rural": pl.DataFrame(
            dibao, schema={"household_id": text, "id_number": text}, orient="row"
        ),
        "deaths": pl.DataFrame({"id_number": deaths}, schema={"id_number": text}),
    }


def _split(frames: dict[str, pl.DataFrame], buckets: int) -> dict[str, pl.DataFrame]:
    lazy = {name: frame.lazy() for name, frame in frames.items()}
    mapped = distributed.partition_map(distributed.household_links(lazy), buckets)
    return {name: distributed.route(lazy[name], name, mapped, buckets) for name in lazy}


@given(
    st.lists(st.tuples(st.one_of(st.none(), IDS), HOUSEHOLDS), max_size=25),
    st.lists(st.tuples(HOUSEHOLDS, IDS), max_size=20),
    st.lists(st.one_of(st.none(), IDS), max_size=15),
    st.integers(1, 4),
    st.randoms(use_true_random=False),
)
@settings(max_examples=80, deadline=None)
def test_every_row_lands_in_one_partition_with_its_whole_household(
    population: list[tuple[str | None, str]],
    dibao: list[tuple[str, str]],
    deaths: list[str | None],
    buckets: int,
    shuffler: random.Random,
) -> None:
    frames = _frames(population, dibao, deaths)
    routed = _split(frames, buckets)
    for name, frame in frames.items():
        part = routed[name].get_column(distributed.PARTITION)
        assert part.null_count() == 0 and part.is_between(0, buckets - 1).all()
        assert routed[name].drop(distributed.PARTITION).equals(frame), "rows and their order"
    rows = pl.concat(
        [routed[name].select("id_number", distributed.PARTITION) for name in routed]
    ).drop_nulls("id_number")
    assert rows.group_by("id_number").agg(pl.col(distributed.PARTITION).n_unique()).get_column(
        distributed.PARTITION
    ).max() in (None, 1), "a person's rows, in every dataset, in one partition"
    for name in ("population", "dibao_rural"):
        spread = routed[name].group_by("household_id").agg(pl.col(distributed.PARTITION).n_unique())
        assert spread.get_column(distributed.PARTITION).max() in (None, 1), "households whole"
    # the same in another run, whatever the order of rows
    shuffled = {
        name: frame.sample(fraction=1.0, shuffle=True, seed=shuffler.randrange(2**32))
        for name, frame in frames.items()
    }
    again = _split(shuffled, buckets)
    for name in frames:
        assert (
            again[name]
            .sort(pl.all(), nulls_last=True)
            .equals(routed[name].sort(pl.all(), nulls_last=True))
        )


def test_a_person_in_two_households_joins_them_in_one_partition() -> None:
    frames = _frames(
        [("1", "a"), ("2", "a"), ("3", "b"), ("4", "c")], [("x", "2"), ("x", "3")], ["3", None]
    )
    for buckets in (2, 3, 5, 7):
        routed = _split(frames, buckets)
        population = dict(routed["population"].select("id_number", distributed.PARTITION).rows())
        assert population["1"] == population["2"] == population["3"]  # a, then x, then b
        (death,) = (
            routed["deaths"].filter(pl.col("id_number") == "3").get_column(distributed.PARTITION)
        )
        assert death == population["3"]


# ---------------------------------------------------------------- the stages, in one process
def _staged(out: Path) -> tuple[dict[str, Path], dict[str, tuple[bool, str, bool]], dict[str, str]]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    results = [DatasetResult(**entry) for entry in manifest["datasets"].values()]
    statuses = dataset_statuses(results, RunContext(AS_OF))
    paths = {n: out / "staged" / f"{n}.parquet" for n, s in statuses.items() if s.usable}
    sources = {r.dataset: Path(r.file).name for r in results if r.ok}
    return paths, distributed.usable_table(statuses, paths), sources


def test_the_stages_merged_find_what_one_process_finds(single: Path) -> None:
    paths, usable, sources = _staged(single)
    catalogue, ctx = load_catalogue(), RunContext(AS_OF)
    placed = distributed.stages(catalogue)
    scans = distributed.scans(paths)
    names = distributed.stage_datasets(catalogue, placed, "partition", paths)
    routed = _split({n: scans[n].collect() for n in names}, 3)
    parts = [
        distributed.evaluate_stage(
            catalogue,
            placed,
            "partition",
            {
                n: r.filter(pl.col(distributed.PARTITION) == i).drop(distributed.PARTITION).lazy()
                for n, r in routed.items()
            },
            usable,
            sources,
            ctx,
        )
        for i in range(3)
    ]
    accounts = {
        n: scans[n] for n in distributed.stage_datasets(catalogue, placed, "accounts", paths)
    }
    subjects = distributed.account_subjects(catalogue, placed, accounts, AS_OF)
    assert subjects is not None and 0 < subjects.len() < 100, "a few persons, not the rosters"
    reduced = distributed.evaluate_stage(
        catalogue,
        placed,
        "accounts",
        distributed.only_subjects(accounts, subjects),
        usable,
        sources,
        ctx,
    )
    whole = distributed.evaluate_stage(
        catalogue, placed, "accounts", accounts, usable, sources, ctx
    )
    assert sum(outcome.findings.height for outcome in whole.values()) > 0
    for policy, outcome in whole.items():
        assert reduced[policy].findings.sort("subject").equals(outcome.findings.sort("subject"))
    glob = distributed.evaluate_stage(catalogue, placed, "global", scans, usable, sources, ctx)
    merged = distributed.merge(
        catalogue, [*parts, reduced, glob], distributed.rule_gaps(catalogue, scans, usable, ctx)
    )

    def check(name: str) -> tuple[bool, str, bool]:
        return usable[name]

    run = run_rules(
        catalogue,
        {},
        sources,
        check,
        as_of=AS_OF,
        key=district_key(),
        each_policy=lambda rule_file, _: merged[rule_file.policy],
    )
    assert run.clues.equals(pl.read_parquet(single / "clues.parquet"))
    assert run.findings.equals(pl.read_parquet(single / "findings.parquet"))
    rules = json.loads((single / "manifest.json").read_text(encoding="utf-8"))["rules"]
    assert run.per_rule == rules["per_rule"]
    assert [list(n) for n in run.not_evaluated] == [
        [i["rule"], i["reason"], i["quiet"]] for i in rules["not_evaluated"]
    ]


# ---------------------------------------------------------------- a real cluster
@pytest.mark.slow
@pytest.mark.flow
def test_two_workers_write_the_bytes_of_one_process(
    single: Path, tmp_path: Path, prefect_harness: None
) -> None:
    from distributed import LocalCluster

    from huimin.flows.dask_run import run_on_dask

    out = tmp_path / "dask"
    printed = io.StringIO()
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        codes = [
            run_on_dask(
                SAMPLE,
                folder,
                cluster.scheduler_address,
                ctx=RunContext(AS_OF),
                reports=False,
                rules_dir=None,
                parameters_file=None,
                only=[],
                province=None,
                wait=False,
                console=Console(file=printed, width=200),
                partitions=partitions,
            )
            for folder, partitions in ((out, None), (tmp_path / "one", 1))
        ]
    assert codes == [0, 0]
    one = tmp_path / "one" / "clues.parquet"
    assert one.read_bytes() == (single / "clues.parquet").read_bytes(), "one partition alike"
    assert (out / "clues.parquet").read_bytes() == (single / "clues.parquet").read_bytes()
    assert (out / "findings.parquet").read_bytes() == (single / "findings.parquet").read_bytes()
    ours = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    theirs = json.loads((single / "manifest.json").read_text(encoding="utf-8"))
    for key in ("per_rule", "not_evaluated", "clues", "findings", "policy_fingerprints"):
        assert ours["rules"][key] == theirs["rules"][key], key
    assert ours["rules"]["dask"]["partitions"] == 2
    assert sum(ours["rules"]["dask"]["rows_per_partition"]) > 0
    assert not (out / ".work").exists(), "the partitions are removed with the run's work folder"
    assert "185 clues" in printed.getvalue()


@pytest.mark.flow
def test_an_address_where_no_scheduler_answers_is_refused(
    tmp_path: Path, prefect_harness: None
) -> None:
    import dask

    from huimin.flows.dask_run import check_scheduler, dask_run

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(ConfigError, match="no Dask scheduler answers"):
            dask_run(SAMPLE, tmp_path / "out", "tcp://127.0.0.1:9", reports=False, as_of=AS_OF)
        with pytest.raises(ConfigError, match="no Dask scheduler answers"):
            check_scheduler("tcp://127.0.0.1:9")  # what the command checks before the flow
    assert not (tmp_path / "out").exists(), "refused before anything is written"
