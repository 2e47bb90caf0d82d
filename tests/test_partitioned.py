"""``huimin run --partitions N`` in one process: households split into partitions run one after
another, and the result is the very bytes of the unpartitioned run."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from huimin import distributed, partitioned
from huimin.cli import app

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def _run(out: Path, *extra: str) -> None:
    args = ["run", "--input", str(SAMPLE), "--output", str(out), "--no-reports"]
    result = CliRunner().invoke(app, [*args, "--as-of", "2024-01-01", *extra])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("partitioned")
    _run(root / "one")
    _run(root / "three", "--partitions", "3")
    return root / "one", root / "three"


def test_three_partitions_give_the_bytes_of_one_process(runs: tuple[Path, Path]) -> None:
    one, three = runs
    for name in ("clues.parquet", "findings.parquet"):
        assert (three / name).read_bytes() == (one / name).read_bytes(), name
    assert pl.read_parquet(one / "clues.parquet").height > 100


def test_the_manifest_says_how_the_rules_were_split(runs: tuple[Path, Path]) -> None:
    one, three = runs
    rules = json.loads((three / "manifest.json").read_text(encoding="utf-8"))["rules"]
    assert rules["partitions"]["partitions"] == 3
    rows = rules["partitions"]["rows_per_partition"]
    assert len(rows) == 3 and all(count > 0 for count in rows)
    assert set(rules["partitions"]["rules_per_stage"]) == {"partition", "accounts", "global"}
    before = json.loads((one / "manifest.json").read_text(encoding="utf-8"))["rules"]
    assert "partitions" not in before
    assert rules["per_rule"] == before["per_rule"]
    assert rules["not_evaluated"] == before["not_evaluated"]
    assert not list(three.rglob("map.parquet")), "the partitions stay in the run's work folder"


def test_no_partition_count_below_one_is_taken(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["run", "--input", str(SAMPLE), "--output", str(tmp_path / "o"), "--partitions", "0"],
    )
    assert result.exit_code != 0
    assert "--partitions" in result.output
    assert not (tmp_path / "o").exists()


def _staged() -> tuple[pl.DataFrame, pl.DataFrame]:
    population = pl.DataFrame(
        {
            "id_number": [f"P{i:03d}" for i in range(40)],
            "household_id": [f"H{i // 3:03d}" for i in range(40)],
            "name": [f"n{i}" for i in range(40)],
        }
    )
    links = distributed.household_links({"population": population.lazy()})
    return population, distributed.partition_map(links, 4)


def test_a_dataset_split_in_chunks_is_the_dataset_split_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    population, mapped = _staged()
    source = tmp_path / "population.parquet"
    population.write_parquet(source)
    monkeypatch.setattr(partitioned, "ROUTE_ROWS", 7)
    counts = partitioned.split_dataset(source, "population", mapped, 4, tmp_path / "parts")
    whole = distributed.route(population.lazy(), "population", mapped, 4)
    paths = partitioned.partition_paths(tmp_path / "parts", ["population"], 4)
    for index, files in enumerate(paths):
        part = pl.scan_parquet(files["population"]).collect()
        expected = whole.filter(pl.col(distributed.PARTITION) == index).drop(distributed.PARTITION)
        assert part.equals(expected), index  # the same rows, in the file's order
        assert counts[index] == part.height
    assert sum(counts) == population.height
    households = whole.group_by("household_id").agg(pl.col(distributed.PARTITION).n_unique())
    assert households.get_column(distributed.PARTITION).max() == 1


def test_an_empty_partition_is_an_empty_dataset_not_a_missing_one(tmp_path: Path) -> None:
    population, mapped = _staged()
    one_household = population.filter(pl.col("household_id") == "H000")
    source = tmp_path / "population.parquet"
    one_household.write_parquet(source)
    counts = partitioned.split_dataset(source, "population", mapped, 4, tmp_path / "parts")
    assert sorted(counts) == [0, 0, 0, 3]
    for files in partitioned.partition_paths(tmp_path / "parts", ["population"], 4):
        part = pl.scan_parquet(files["population"]).collect()
        assert part.schema == one_household.schema


def test_the_runner_in_this_process_says_each_step() -> None:
    heard: list[str] = []

    def rules_on_partition(index: int, value: int) -> int:
        return index + value

    runner = partitioned.InProcess(heard.append)
    assert runner.submit(rules_on_partition, {"index": 2, "value": 3}).result() == 5
    assert heard == ["rules_on_partition p2"]


IDS = st.text(alphabet="0123456789X", min_size=1, max_size=3)
HOUSEHOLDS = st.text(alphabet="abcde", min_size=1, max_size=2)


def _reference(links: list[tuple[str, str]]) -> dict[str, str]:
    """Each node's group's smallest person, by union-find over the links."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for person, group in links:
        parent[find(person)] = find(group)
    smallest: dict[str, str] = {}
    for person, _ in links:
        root = find(person)
        smallest[root] = min(smallest.get(root, person), person)
    return {node: smallest[find(node)] for node in parent}


@given(
    st.lists(st.tuples(IDS, HOUSEHOLDS), max_size=30),
    st.lists(st.tuples(IDS, HOUSEHOLDS), max_size=20),
    st.integers(1, 5),
)
@settings(max_examples=120, deadline=None)
def test_each_group_goes_where_its_smallest_id_number_goes(
    population: list[tuple[str, str]], dibao: list[tuple[str, str]], buckets: int
) -> None:
    links = [(p, f"\x1fpopulation\x1f{h}") for p, h in population]
    links += [(p, f"\x1fdibao_rural\x1f{h}") for p, h in dibao]
    frame = pl.DataFrame(links, schema={"person": pl.String, "group": pl.String}, orient="row")
    mapped = distributed.partition_map(frame.unique(), buckets)
    expected = _reference(links)
    assert mapped.height == len(expected)
    nodes = pl.Series(list(expected))
    firsts = pl.Series([expected[node] for node in nodes])
    want = dict(zip(nodes, distributed.stable_bucket(firsts, buckets), strict=True))
    assert dict(mapped.rows()) == want
    assert mapped.get_column("node").is_sorted()
