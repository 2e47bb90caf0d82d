"""What every kind's executor shares: the run's prepared data, the rule's context, a rule's
SQL as a polars expression and the evidence struct (the join with another dataset is in
:mod:`huimin.rules.kinds.lookup`).

Each kind's executor lives in its module (:mod:`huimin.rules.kinds`): a rule and the prepared
data in, a LazyFrame of flagged roster rows out (a lazy plan: the engine collects it). The
rows keep the roster's columns (with the derived ones and ``param``), plus ``__evidence__``, a
struct of what made the rule fire. A row may appear once per rule (the first match, in a fixed
order, explains it).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Final

import polars as pl

from huimin.contract import DATASETS
from huimin.rules.context import (
    POOLED,
    TOTALS,
    dataset_schema,
    household_index,
    prepare_rows,
    with_households,
)
from huimin.rules.model import Rule, RuleFile

#: the engine what is kept for the rules is built on (rosters prepared, registries read,
#: joins shared): short plans over data read whole, where the in-memory engine is faster
#: than the streaming one (measured on the district)
ENGINE: Final = "in-memory"
ROW = "_source_row"
EVIDENCE = "__evidence__"
MEMBER = "member"


@dataclass
class PreparedData:
    """The staged data of a run as rules see it; rosters are prepared once and kept, and so
    are registries, with the columns the rules read of them, until :meth:`release`."""

    staged: dict[str, pl.LazyFrame]  # dataset → staged frame (contract columns, _source_row)
    as_of: dt.date  # the date the run judges at: the ``as_of`` column of prepared rosters
    cache: dict[str, pl.DataFrame] = field(default_factory=dict)
    #: registry → the columns the run's rules read of it (:meth:`declare`)
    wanted: dict[str, set[str]] = field(default_factory=dict)
    #: frames rules of different files build alike (:meth:`once`)
    shared: dict[Hashable, pl.DataFrame] = field(default_factory=dict)
    #: each frame of ``shared`` → the datasets its build read (:meth:`release`)
    sources: dict[Hashable, frozenset[str]] = field(default_factory=dict)
    #: the datasets read by each build of :meth:`once` under way (innermost last)
    reading: list[set[str]] = field(default_factory=list)

    def raw(self, name: str) -> pl.LazyFrame:
        """A staged dataset as ingested (an empty frame of its schema when it was not sent)."""
        self._note(name)
        if name in self.staged:
            return self.staged[name]
        return pl.LazyFrame(schema=DATASETS[name].polars_schema()).with_columns(
            pl.lit(None, pl.Int64).alias(ROW)
        )

    def dataset(self, name: str) -> pl.LazyFrame:
        """A staged dataset with the derived columns rules see (pooled ones concatenated).

        Registries stay lazy scans; rosters, which every rule of their file and the
        cross-roster rules read, are prepared once and kept in memory, except when a frame
        built once for the run (:meth:`once`) reads them: that build is then a plan over the
        staged roster, reading only the columns it selects.
        """
        if name in POOLED:
            return pl.concat([self.dataset(part) for part in POOLED[name]], how="vertical")
        if name in TOTALS:
            return TOTALS[name].frame(self.raw(TOTALS[name].source))
        model = DATASETS[name]
        if model.__family__ != "roster":
            return self.raw(name)
        if name in self.cache:
            self._note(name)
            return self.cache[name].lazy()
        rows = prepare_rows(self.raw(name), model, as_of=self.as_of)
        if self.reading:
            return with_households(rows, self._households_of(name, rows))
        rows = rows.collect(engine=ENGINE).lazy()
        prepared = with_households(rows, self._households_of(name, rows))
        self.cache[name] = prepared.collect(engine=ENGINE)
        return self.cache[name].lazy()

    def _households_of(self, name: str, rows: pl.LazyFrame) -> pl.LazyFrame:
        """The 户号 of roster ``name``'s subjects (its prepared ``rows``), kept while the run
        reads the roster: far fewer rows than the registry holds."""
        key = _households_key(name)
        if key not in self.cache:
            subjects = rows.select("subject").unique().collect(engine=ENGINE).to_series()
            people = self.columns("population", ["id_number", "household_id"])
            known = people.filter(pl.col("id_number").is_in(subjects.implode()))
            self.cache[key] = household_index(known).collect(engine=ENGINE)
        return self.cache[key].lazy()

    def _note(self, name: str) -> None:
        for read in self.reading:
            read.add(name)

    def households(self) -> pl.LazyFrame:
        """ID number → 户号 of the population registry (kept once read)."""
        if "__households__" not in self.cache:
            self.cache["__households__"] = (
                self.raw("population").select("id_number", "household_id").collect()
            )
        self._note("population")
        return self.cache["__households__"].lazy()

    def once(self, key: Hashable, build: Callable[[], pl.LazyFrame]) -> pl.LazyFrame:
        """``build()``, collected once for every rule of the run asking with ``key`` (until
        :meth:`release`)."""
        if key not in self.shared:
            self.reading.append(set())
            try:
                frame = build().collect(engine=ENGINE)
            finally:
                read = self.reading.pop()
            self.shared[key], self.sources[key] = frame, frozenset(read)
        for read in self.reading:
            read.update(self.sources[key])
        return self.shared[key].lazy()

    def release(self, rows: Iterable[str], finished: Iterable[str]) -> None:
        """Forget the rows kept of datasets ``rows`` (prepared rosters, registries read), and
        all that is kept of datasets ``finished``, with the frames of :meth:`once` built from
        them only. What is asked again is built again."""
        done = set(finished)
        for name in {*rows, *done}:
            self.cache.pop(name, None)
            self.cache.pop(f"__registry_{name}__", None)
        for name in done:
            self.cache.pop(_households_key(name), None)
        if "population" in done:
            self.cache.pop("__households__", None)
        for key in [key for key, read in self.sources.items() if read <= done]:
            self.shared.pop(key, None)
            del self.sources[key]

    def declare(self, name: str, columns: Iterable[str] | None) -> None:
        """Say that a rule of the run reads ``columns`` of dataset ``name`` (None: all of
        them), so that :meth:`columns` reads a registry once for every rule, and rules looking
        into the same dataset can share their plans (:meth:`fields`)."""
        wanted = self.wanted.setdefault(name, set())
        if columns is not None and wanted.issuperset(columns):
            return
        model = DATASETS.get(name)
        if model is None or model.__family__ == "roster":
            names = dataset_schema(name).names()
        else:
            names = self.raw(name).collect_schema().names()
        wanted.update(names if columns is None else [c for c in columns if c in names])

    def fields(self, name: str, columns: Iterable[str] | None) -> list[str] | None:
        """The columns of ``name`` to carry for a rule that reads ``columns`` (None: all):
        those and the ones other rules of the run declared, the same for all of them."""
        if columns is None:
            return None
        self.declare(name, columns)
        return sorted(self.wanted[name])

    def columns(self, name: str, wanted: Iterable[str] | None) -> pl.LazyFrame:
        """:meth:`dataset` with at least the columns ``wanted`` (None: all). A registry is read
        once with the columns every rule declared (:meth:`declare`) and kept; again, with
        more, only if a rule reads a column none declared."""
        model = DATASETS.get(name)
        if model is None or model.__family__ == "roster":
            return self.dataset(name)
        self.declare(name, wanted)
        self._note(name)
        key = f"__registry_{name}__"
        kept = self.cache.get(key)
        if kept is None or not self.wanted[name] <= set(kept.columns):
            frame = self.raw(name)
            names = [c for c in frame.collect_schema().names() if c in self.wanted[name]]
            kept = self.cache[key] = frame.select(names).collect(engine=ENGINE)
        return kept.lazy()


def _households_key(roster: str) -> str:
    return f"__households_{roster}__"


@dataclass
class RuleContext:
    """The prepared data of a run and the roster being checked."""

    data: PreparedData
    rule_file: RuleFile
    roster: pl.LazyFrame  # the policy roster with derived columns and ``param``
    #: frames the rules of one file build alike, collected once for all of them (None: each
    #: rule builds its own plan)
    shared: dict[Hashable, pl.DataFrame] | None = None
    #: what tells ``roster``'s rows apart from other rules' of the file (the gate's parameters)
    rows_key: Hashable = None
    #: where the keys :meth:`once` is asked for are written down (None: nowhere)
    asked: set[Hashable] | None = None

    def dataset(self, name: str) -> pl.LazyFrame:
        return self.data.dataset(name)

    def once(self, key: Hashable, build: Callable[[], pl.LazyFrame]) -> pl.LazyFrame:
        """``build()``: collected once for every rule of the file asking with the same ``key``
        over the same rows when the engine shares frames, else the plan itself."""
        if self.asked is not None:
            self.asked.add(key)
        if self.shared is None:
            return build()
        full = (self.rows_key, key)
        if full not in self.shared:
            self.shared[full] = build().collect(engine=ENGINE)
        return self.shared[full].lazy()


@functools.lru_cache(maxsize=4096)
def expr(text: str) -> pl.Expr:
    """A rule's SQL text (accepted when the rule was loaded) as a polars expression (parsed
    once: an expression is immutable)."""
    return pl.sql_expr(text)


def evidence(rule: Rule, extra: list[pl.Expr] | None = None) -> pl.Expr:
    """The ``__evidence__`` struct: the rule's evidence values, then ``extra``."""
    fields = [expr(text).alias(text) for text in rule.evidence]
    # a struct needs one field: "_" is dropped when the evidence is written out
    return pl.struct([pl.lit(None, pl.Null).alias("_"), *fields, *(extra or [])]).alias(EVIDENCE)
