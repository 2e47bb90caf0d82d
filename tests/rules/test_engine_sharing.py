"""What the engine shares between rules (registries read once, joins built once per file, the
pools of shared-account rules built once per run) never changes what a rule finds."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from huimin.rules.engine import declare_reads, evaluate_file, load_staged
from huimin.rules.executors import PreparedData
from huimin.rules.model import RuleFile

AS_OF = dt.date(2024, 1, 1)


def _usable(name: str) -> tuple[bool, str, bool]:
    return True, "", False


def _evaluate(files: list[RuleFile], data: PreparedData, examples: bool) -> pl.DataFrame:
    found = [evaluate_file(f, data, _usable, None, "year", examples).findings for f in files]
    return pl.concat(found).sort(["rule_id", "subject", "check_period"])


@pytest.mark.parametrize("examples", [True, False])
def test_each_rule_alone_finds_what_it_finds_beside_the_others(
    sample_staged: dict[str, Path], catalogue: list[RuleFile], examples: bool
) -> None:
    together = PreparedData(load_staged(sample_staged), AS_OF)
    declare_reads(catalogue, together)
    everything = _evaluate(catalogue, together, examples)
    # one rule per evaluation: nothing built for another rule of its file can be reused
    alone = [replace(f, rules=(rule,)) for f in reversed(catalogue) for rule in f.rules]
    one_by_one = _evaluate(alone, PreparedData(load_staged(sample_staged), AS_OF), examples)
    assert everything.height > 0
    assert everything.get_column("rule_id").n_unique() > 20, "the sample makes many rules fire"
    assert everything.equals(one_by_one)


def test_a_registry_is_read_once_with_the_columns_the_rules_declared(
    sample_staged: dict[str, Path],
) -> None:
    data = PreparedData(load_staged(sample_staged), AS_OF)
    data.declare("population", ["name"])
    data.declare("population", ["status", "no_such_column"])
    first = data.columns("population", ["name"]).collect()
    assert set(first.columns) == {"name", "status"}
    kept = dict(data.cache)
    assert data.columns("population", ["status"]).collect().equals(first)
    assert data.cache.keys() == kept.keys()
    assert all(data.cache[name] is frame for name, frame in kept.items()), "nothing read again"
    wider = data.columns("population", ["community"]).collect()
    assert set(wider.columns) == {"name", "status", "community"}
    assert (
        wider.height
        == first.height
        == pl.scan_parquet(sample_staged["population"]).collect().height
    )


def test_the_rosters_know_their_household_from_the_population_registry(
    sample_staged: dict[str, Path],
) -> None:
    data = PreparedData(load_staged(sample_staged), AS_OF)
    roster = data.dataset("elderly_allowance").collect()
    population = pl.read_parquet(sample_staged["population"])
    first = population.unique(subset=["id_number"], keep="first", maintain_order=True)
    expected = roster.select("subject").join(
        first.select(pl.col("id_number").alias("subject"), "household_id"),
        on="subject",
        how="left",
        maintain_order="left",
    )
    assert roster.get_column("registered_household").drop_nulls().len() > 0
    assert roster.get_column("registered_household").equals(
        expected.get_column("household_id"), check_names=False
    )
