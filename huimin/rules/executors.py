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
from dataclasses import dataclass, field

import polars as pl

from huimin.rules.context import POOLED, TOTALS, prepare
from huimin.rules.model import Rule, RuleFile
from huimin.schemas import DATASETS

ROW = "_source_row"
EVIDENCE = "__evidence__"
MEMBER = "member"


@dataclass
class PreparedData:
    """The staged data of a run as rules see it; rosters are prepared once and kept."""

    staged: dict[str, pl.LazyFrame]  # dataset → staged frame (contract columns, _source_row)
    as_of: dt.date  # the date the run judges at: the ``as_of`` column of prepared rosters
    cache: dict[str, pl.DataFrame] = field(default_factory=dict)

    def raw(self, name: str) -> pl.LazyFrame:
        """A staged dataset as ingested (an empty frame of its schema when it was not sent)."""
        if name in self.staged:
            return self.staged[name]
        return pl.LazyFrame(schema=DATASETS[name].polars_schema()).with_columns(
            pl.lit(None, pl.Int64).alias(ROW)
        )

    def dataset(self, name: str) -> pl.LazyFrame:
        """A staged dataset with the derived columns rules see (pooled ones concatenated).

        Registries stay lazy scans; rosters, which every rule of their file and the
        cross-roster rules read, are prepared once per run and kept in memory.
        """
        if name in POOLED:
            return pl.concat([self.dataset(part) for part in POOLED[name]], how="vertical")
        if name in TOTALS:
            return TOTALS[name].frame(self.raw(TOTALS[name].source))
        model = DATASETS[name]
        if model.__family__ != "roster":
            return self.raw(name)
        if name not in self.cache:
            self.cache[name] = prepare(
                self.raw(name), model, self.households(), as_of=self.as_of
            ).collect()
        return self.cache[name].lazy()

    def households(self) -> pl.LazyFrame:
        """ID number → 户号 of the population registry (kept once read)."""
        if "__households__" not in self.cache:
            self.cache["__households__"] = (
                self.raw("population").select("id_number", "household_id").collect()
            )
        return self.cache["__households__"].lazy()


@dataclass
class RuleContext:
    """The prepared data of a run and the roster being checked."""

    data: PreparedData
    rule_file: RuleFile
    roster: pl.LazyFrame  # the policy roster with derived columns and ``param``

    def dataset(self, name: str) -> pl.LazyFrame:
        return self.data.dataset(name)


def expr(text: str) -> pl.Expr:
    """A rule's SQL text (accepted when the rule was loaded) as a polars expression."""
    return pl.sql_expr(text)


def evidence(rule: Rule, extra: list[pl.Expr] | None = None) -> pl.Expr:
    """The ``__evidence__`` struct: the rule's evidence values, then ``extra``."""
    fields = [expr(text).alias(text) for text in rule.evidence]
    # a struct needs one field: "_" is dropped when the evidence is written out
    return pl.struct([pl.lit(None, pl.Null).alias("_"), *fields, *(extra or [])]).alias(EVIDENCE)
