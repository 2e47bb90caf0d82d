"""The rule catalogue over household partitions of a run's staged data, as steps a runner
carries out: in this process one partition after another (``huimin run --partitions N``: the
rule step then holds one partition at a time, not the whole province), or on a Dask cluster
(``huimin run --dask``: :mod:`huimin.flows.dask_run` wraps these same steps as Prefect tasks).

The logic of partitions, stages and the merge is :mod:`huimin.distributed`'s; this module
only sequences it: the partition map, the split, the partition rules, the shared-account and
global stages, the gaps, the merge, and the clues written as ``huimin run`` writes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import polars as pl

from huimin import distributed, pipeline
from huimin.atomic import write_parquet
from huimin.context import RunContext

if TYPE_CHECKING:
    from huimin.rules.engine import PolicyOutcome
    from huimin.rules.model import RuleFile

Outcomes = dict[str, "PolicyOutcome"]
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
#: rows routed at a time when a staged dataset is split: bounds the memory of the split
ROUTE_ROWS = 2_000_000


class Pending(Protocol[T_co]):
    """A step submitted to a runner; ``result()`` waits for it."""

    def result(self) -> T_co: ...


class Runner(Protocol):
    """Carries out a step of this module with its parameters (a Dask cluster, this process)."""

    def submit(self, step: Callable[..., T], parameters: dict[str, Any]) -> Pending[T]: ...


@dataclass(frozen=True)
class Done(Generic[T]):
    value: T

    def result(self) -> T:
        return self.value


class InProcess:
    """Every step at once, here, one after another; ``say`` hears the name of each step."""

    def __init__(self, say: Callable[[str], None] | None = None) -> None:
        self.say = say

    def submit(self, step: Callable[..., T], parameters: dict[str, Any]) -> Done[T]:
        if self.say is not None:
            index = parameters.get("index")
            self.say(step.__name__ if index is None else f"{step.__name__} p{index}")
        return Done(step(**parameters))


# ---------------------------------------------------------------- the steps
def household_map(staged: dict[str, Path], partitions: int, target: Path) -> int:
    """Every person's and household's partition, written to ``target``; returns its rows."""
    links = distributed.household_links(distributed.scans(staged))
    mapped = distributed.partition_map(links, partitions)
    del links
    write_parquet(mapped, target)
    return mapped.height


def partition_datasets(
    staged: dict[str, Path], map_path: Path, partitions: int, folder: Path
) -> dict[str, list[int]]:
    """Staged datasets split into ``folder/p{i}/<name>/``; returns the rows of each partition."""
    mapped = pl.read_parquet(map_path)
    return {
        name: split_dataset(path, name, mapped, partitions, folder) for name, path in staged.items()
    }


def split_dataset(
    path: Path, name: str, mapped: pl.DataFrame, partitions: int, folder: Path
) -> list[int]:
    """``path`` routed :data:`ROUTE_ROWS` rows at a time into one folder per partition (each
    chunk's rows of a partition one file, in order; an empty partition gets an empty file with
    the columns: a rule must see an empty dataset, not a missing one); returns each
    partition's rows."""
    frame = pl.scan_parquet(path)
    total = int(frame.select(pl.len()).collect().item())
    counts = [0] * partitions
    for chunk, offset in enumerate(range(0, total, ROUTE_ROWS)):
        routed = distributed.route(frame.slice(offset, ROUTE_ROWS), name, mapped, partitions)
        pieces = routed.partition_by(distributed.PARTITION, as_dict=True, include_key=False)
        del routed
        for (index,), piece in sorted(pieces.items()):
            write_parquet(piece, _part(folder, int(index), name) / f"part-{chunk:05d}.parquet")
            counts[int(index)] += piece.height
        del pieces
    empty = frame.clear().collect()
    for index in range(partitions):
        if counts[index] == 0:
            write_parquet(empty, _part(folder, index, name) / "part-00000.parquet")
    return counts


def _part(folder: Path, index: int, name: str) -> Path:
    return distributed.partition_folder(folder, index) / name


def partition_paths(folder: Path, names: list[str], partitions: int) -> list[dict[str, Path]]:
    """Each partition's files of every dataset, as a glob the rules scan."""
    return [
        {name: _part(folder, index, name) / "*.parquet" for name in names}
        for index in range(partitions)
    ]


def rules_on_partition(
    index: int,
    catalogue: list[RuleFile],
    placed: dict[str, distributed.Stage],
    paths: dict[str, Path],
    usable: dict[str, tuple[bool, str, bool]],
    sources: dict[str, str],
    ctx: RunContext,
) -> Outcomes:
    """The partition rules over partition ``index`` (its files are ``paths``)."""
    frames = distributed.scans(paths)
    return distributed.evaluate_stage(catalogue, placed, "partition", frames, usable, sources, ctx)


def rules_on_accounts(
    catalogue: list[RuleFile],
    placed: dict[str, distributed.Stage],
    paths: dict[str, Path],
    usable: dict[str, tuple[bool, str, bool]],
    sources: dict[str, str],
    ctx: RunContext,
) -> tuple[Outcomes, int | None]:
    """The shared-account rules, once, over the rows of the persons paid into an account the
    ID, account and household columns show shared; returns their findings and how many
    persons that is (None: every row was read)."""
    frames = distributed.scans(paths)
    subjects = distributed.account_subjects(catalogue, placed, frames, ctx.as_of)
    if subjects is not None:
        frames = distributed.only_subjects(frames, subjects)
    outcomes = distributed.evaluate_stage(
        catalogue, placed, "accounts", frames, usable, sources, ctx
    )
    return outcomes, None if subjects is None else subjects.len()


def rules_global(
    catalogue: list[RuleFile],
    placed: dict[str, distributed.Stage],
    paths: dict[str, Path],
    usable: dict[str, tuple[bool, str, bool]],
    sources: dict[str, str],
    ctx: RunContext,
) -> Outcomes:
    """The rules whose key is not a person (a VIN, a credit code, a project), once."""
    frames = distributed.scans(paths)
    return distributed.evaluate_stage(catalogue, placed, "global", frames, usable, sources, ctx)


def rule_gaps(
    catalogue: list[RuleFile],
    paths: dict[str, Path],
    usable: dict[str, tuple[bool, str, bool]],
    ctx: RunContext,
) -> dict[str, distributed.Gaps]:
    """The rules evaluated and the gaps (periods without a confirmed value) of the whole run."""
    return distributed.rule_gaps(catalogue, distributed.scans(paths), usable, ctx)


# ---------------------------------------------------------------- the sequence
def apply_partitioned(
    runner: Runner,
    run: pipeline.IngestRun,
    catalogue: list[RuleFile],
    partitions: int,
    work: Path,
    *,
    section: str,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Every stage through ``runner``, merged; clues written as ``huimin run`` writes them;
    returns the manifest's rules section, with where each rule ran under ``section``."""
    started = time.perf_counter()
    staged = pipeline.staged_paths(run)
    placed = distributed.stages(catalogue)
    common = {
        "catalogue": catalogue,
        "placed": placed,
        "usable": distributed.usable_table(run.statuses(), staged),
        "sources": {r.dataset: Path(r.file).name for r in run.results if r.ok},
        "ctx": run.ctx,
    }

    def read_by(stage: distributed.Stage) -> dict[str, Path]:
        return {n: staged[n] for n in distributed.stage_datasets(catalogue, placed, stage, staged)}

    split_up = read_by("partition")
    folder = work / "partitions"
    mapping = (  # first: the partitions wait for it
        runner.submit(
            household_map,
            {"staged": split_up, "partitions": partitions, "target": folder / "map.parquet"},
        )
        if partitions > 1
        else None
    )
    accounts = runner.submit(rules_on_accounts, {**common, "paths": read_by("accounts")})
    whole = runner.submit(rules_global, {**common, "paths": read_by("global")})
    gaps = runner.submit(
        rule_gaps,
        {"catalogue": catalogue, "paths": staged, "usable": common["usable"], "ctx": run.ctx},
    )
    if mapping is None:  # one partition: the staged files themselves
        valid = {r.dataset: r.rows_valid for r in run.results}
        folders, rows = [split_up], [sum(valid[name] for name in split_up)]
    else:
        mapping.result()
        folders, rows = split(runner, split_up, partitions, folder)
    say(f"partitions: {partitions}, rows {rows}, in {time.perf_counter() - started:.1f} s")
    parts = [
        runner.submit(rules_on_partition, {**common, "index": index, "paths": paths})
        for index, paths in enumerate(folders)
    ]
    outcomes = [part.result() for part in parts]
    by_account, persons = accounts.result()
    outcomes += [by_account, whole.result()]
    merged = distributed.merge(catalogue, outcomes, gaps.result())
    say(f"rules: {len(outcomes)} stage results in {time.perf_counter() - started:.1f} s")
    summary = pipeline.apply_catalogue(
        run, catalogue, each_policy=lambda rule_file, _: merged[rule_file.policy]
    )
    summary["seconds"] = round(time.perf_counter() - started, 2)
    summary[section] = {
        "partitions": partitions,
        "rows_per_partition": rows,
        "rules_per_stage": {s: list(placed.values()).count(s) for s in distributed.STAGES},
        "persons_for_shared_accounts": persons,
    }
    return summary


def split(
    runner: Runner, staged: Mapping[str, Path], partitions: int, folder: Path
) -> tuple[list[dict[str, Path]], list[int]]:
    """``staged`` split into ``folder/p{i}/`` (after :func:`household_map`) by as many steps
    as partitions, each given datasets of about the same size: each partition's files, and
    its rows."""
    map_path = folder / "map.parquet"
    shares: list[dict[str, Path]] = [{} for _ in range(partitions)]
    for name, path in sorted(staged.items(), key=lambda item: -item[1].stat().st_size):
        smallest = min(shares, key=lambda share: sum(p.stat().st_size for p in share.values()))
        smallest[name] = path
    done = [
        runner.submit(
            partition_datasets,
            {"staged": share, "map_path": map_path, "partitions": partitions, "folder": folder},
        )
        for share in shares
        if share
    ]
    counts = [rows for step in done for rows in step.result().values()]
    rows = [sum(column) for column in zip(*counts, strict=True)] if counts else []
    return partition_paths(folder, sorted(staged), partitions), rows
