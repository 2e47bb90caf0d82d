"""The rule step keeps no more than later rule files read: each prepared roster, registry and
frame shared by the run is forgotten after its last reader, built once, and what the rules
find does not change."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Hashable
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from huimin.rules import engine
from huimin.rules.engine import (
    FINDING_SCHEMA,
    PolicyOutcome,
    declare_reads,
    evaluate_file,
    load_staged,
    releases,
    run_rules,
)
from huimin.rules.executors import PreparedData
from huimin.rules.model import RuleFile, datasets_read

AS_OF = dt.date(2024, 1, 1)
KEY = b"release tests" * 3


def _usable(name: str) -> tuple[bool, str, bool]:
    return True, "", False


class CountingDict(dict[Any, Any]):
    """A dict that counts how often each key is set."""

    def __init__(self) -> None:
        super().__init__()
        self.sets: dict[Hashable, int] = {}

    def __setitem__(self, key: Hashable, value: Any) -> None:
        self.sets[key] = self.sets.get(key, 0) + 1
        super().__setitem__(key, value)


class Watched(PreparedData):
    """Prepared data whose kept frames are counted; the last one made is ``Watched.last``."""

    last: Watched | None = None

    def __init__(self, sample_staged: dict[str, pl.LazyFrame], as_of: dt.date) -> None:
        super().__init__(sample_staged, as_of, cache=CountingDict(), shared=CountingDict())
        Watched.last = self


def _dataset_of(key: str) -> str:
    """The dataset a key of :attr:`PreparedData.cache` keeps rows of."""
    return key.removeprefix("__registry_").removeprefix("__households_").strip("_")


def _own_reads(rule_file: RuleFile) -> set[str]:
    """What the file's rules read but the rosters they pool ``across``."""
    rules = [replace(r, spec={**r.spec, "across": None}) for r in rule_file.rules]
    return {rule_file.policy, *(n for r in rules for n in datasets_read(r, rule_file))}


def test_after_the_last_file_nothing_is_kept_and_nothing_was_built_twice(
    sample_staged: dict[str, Path], catalogue: list[RuleFile], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "PreparedData", Watched)
    run_rules(catalogue, load_staged(sample_staged), as_of=AS_OF, key=KEY)
    data = Watched.last
    assert data is not None
    assert isinstance(data.cache, CountingDict) and isinstance(data.shared, CountingDict)
    assert "elderly_allowance" in data.cache.sets and "__registry_population__" in data.cache.sets
    assert len(data.shared.sets) > 1, "the shared-account rules pool rosters once for the run"
    assert data.cache == {} and data.shared == {} and data.sources == {}
    twice = {key: n for key, n in {**data.cache.sets, **data.shared.sets}.items() if n > 1}
    assert twice == {}


def test_each_file_finds_kept_only_what_it_or_a_later_file_reads(
    sample_staged: dict[str, Path], catalogue: list[RuleFile], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "PreparedData", Watched)
    later: list[set[str]] = []
    for i in range(len(catalogue)):
        names = {n for f in catalogue[i:] for r in f.rules for n in datasets_read(r, f)}
        later.append(names | {"population"})
    kept: list[set[str]] = []

    def each(rule_file: RuleFile, evaluate: Any) -> PolicyOutcome:
        assert Watched.last is not None
        kept.append({str(key) for key in Watched.last.cache})
        outcome: PolicyOutcome = evaluate()
        return outcome

    run_rules(catalogue, load_staged(sample_staged), as_of=AS_OF, key=KEY, each_policy=each)
    assert len(kept) == len(catalogue)
    for keys, reads in zip(kept, later, strict=True):
        assert {_dataset_of(key) for key in keys} <= reads
    # a roster only pooled by the first file's shared-account rule is not prepared there
    first = catalogue[0]
    pooled_only = {str(n) for r in first.rules for n in r.spec.get("across") or []}
    pooled_only -= _own_reads(first) | _own_reads(catalogue[1])
    assert pooled_only, "the catalogue's first file pools other rosters"
    assert not pooled_only & kept[1]


def test_forgetting_after_the_last_reader_finds_the_same(
    sample_staged: dict[str, Path], catalogue: list[RuleFile]
) -> None:
    kept = PreparedData(load_staged(sample_staged), AS_OF)
    declare_reads(catalogue, kept)
    outcomes = [evaluate_file(f, kept, _usable, None, "year", False) for f in catalogue]
    found = pl.concat([o.findings for o in outcomes]).drop("clue_id")
    run = run_rules(catalogue, load_staged(sample_staged), as_of=AS_OF, key=KEY)
    assert found.height > 0 and set(found.columns) == set(FINDING_SCHEMA) - {"clue_id"}
    order = ["rule_id", "subject", "check_period"]
    assert run.findings.drop("clue_id").sort(order).equals(found.sort(order))


def test_a_roster_read_for_a_shared_frame_is_the_roster_prepared(
    sample_staged: dict[str, Path], catalogue: list[RuleFile]
) -> None:
    rosters = [rule_file.policy for rule_file in catalogue]
    data = PreparedData(load_staged(sample_staged), AS_OF)
    for name in rosters:
        read = data.once(("whole", name), lambda name=name: data.dataset(name)).collect()
        assert name not in data.cache, "only the shared frame is kept"
        assert data.sources[("whole", name)] >= {name}
        assert read.equals(data.dataset(name).collect())
    assert any(data.cache[name].height for name in rosters)


def test_a_shared_frame_is_forgotten_with_every_dataset_it_was_built_from(
    sample_staged: dict[str, Path],
) -> None:
    data = PreparedData(load_staged(sample_staged), AS_OF)
    data.once("deaths", lambda: data.columns("deaths", ["id_number"]))
    data.once("both", lambda: data.dataset("deaths").join(data.dataset("inmates"), on="id_number"))
    data.release([], {"deaths"})
    assert set(data.shared) == {"both"} and "__registry_deaths__" not in data.cache
    data.release([], {"deaths", "inmates"})
    assert data.shared == {} and data.sources == {}


def test_the_release_plan_forgets_every_dataset_once_after_its_last_reader(
    catalogue: list[RuleFile],
) -> None:
    plan = releases(catalogue)
    assert len(plan) == len(catalogue)
    released = [name for step in plan for name in step.rows]
    assert len(released) == len(set(released))
    read = {n for f in catalogue for r in f.rules for n in datasets_read(r, f)}
    assert set(released) == read and plan[-1].finished == read
    assert all(a.finished <= b.finished for a, b in itertools.pairwise(plan))
    for i, step in enumerate(plan):
        for name in step.rows - {"population"}:
            readers = [j for j, f in enumerate(catalogue) if name in _own_reads(f)]
            assert readers[-1] == i, name


def test_a_frame_of_a_file_is_forgotten_after_the_last_rule_asking_for_it(
    sample_staged: dict[str, Path], catalogue: list[RuleFile], monkeypatch: pytest.MonkeyPatch
) -> None:
    (dibao,) = [f for f in catalogue if f.policy == "dibao_rural"]
    data = PreparedData(load_staged(sample_staged), AS_OF)
    declare_reads(catalogue, data)
    roster = engine.roster_frame(dibao, data).collect()
    asked = engine._asked(dibao, [True] * len(dibao.rules), data, roster)
    members = [i for i, keys in enumerate(asked) if "household_members" in keys]
    assert members and members[-1] < len(dibao.rules) - 1, "later rules do not ask for it"
    kept: list[set[Hashable]] = []
    flag = engine.flag_rows

    def flag_rows(rule: Any, ctx: Any) -> pl.DataFrame:
        kept.append({key for _, key in ctx.shared})
        return flag(rule, ctx)

    monkeypatch.setattr(engine, "flag_rows", flag_rows)
    evaluate_file(dibao, data, _usable, None, "year", True)
    assert len(kept) == len(asked)
    assert "household_members" in kept[members[-1]]
    for i, keys in enumerate(kept):
        assert keys <= set().union(*asked[i:]), dibao.rules[i].id
