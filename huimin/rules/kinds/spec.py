"""What a rule kind is: the keys it accepts (its parser's contract), its executor and its own
load-time check.

Keys marked ``sql`` are SQL expressions checked at load time against the columns of
:func:`huimin.rules.context.condition_schema`; ``dataset`` keys name a dataset of the contract;
``column`` keys name a column of the dataset they refer to (the join keys of
:mod:`huimin.rules.kinds.lookup`). A text default may name another key of the kind as
``{key}``: the value written there replaces it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

if TYPE_CHECKING:
    from huimin.rules.executors import RuleContext
    from huimin.rules.model import Loc, Rule
    from huimin.rules.yamlsrc import Reader, SqlChecker

KeyType = Literal[
    "sql", "sql_list", "dataset", "datasets", "roster", "scope", "int", "str_list", "column"
]


@dataclass(frozen=True)
class KeySpec:
    type: KeyType
    required: bool
    doc: str
    default: object = None


@dataclass(frozen=True)
class RuleCheck:
    """A rule being loaded, as its kind's own check sees it (the generic checks are done)."""

    kind: KindSpec
    spec: Mapping[str, Any]  # the kind's keys, defaults filled in
    locs: Mapping[str, Loc]  # where each key's value was written
    policy: str  # the roster of the rule file
    parameters: Sequence[str]  # the file's parameters as condition_schema takes them
    reader: Reader  # where problems go
    sql: SqlChecker


#: a kind's executor: a rule and the run's prepared data in, a lazy plan of the roster rows it
#: flags out (the roster's columns plus ``__evidence__``), never collected here
Executor = Callable[["Rule", "RuleContext"], pl.LazyFrame]
#: a kind's own load-time check: reports its problems through ``RuleCheck.reader``
Check = Callable[[RuleCheck], None]
#: what a rule of a kind reads of each registry it looks into (None: whole rows)
Reads = Callable[["Rule"], Mapping[str, Sequence[str] | None]]


@dataclass(frozen=True, kw_only=True)
class KindSpec:
    """What a kind is for, which keys it takes besides the common ones, and how it runs."""

    name: str
    doc: str
    keys: dict[str, KeySpec] = field(default_factory=dict)
    execute: Executor
    #: the key naming the other dataset whose row the condition sees as <dataset>.<column>
    other_key: str | None = None
    #: a pooled dataset (低保) named by ``other_key`` is needed whole: with a part missing
    #: everyone on it would look absent (otherwise one part suffices)
    needs_every_part: bool = False
    #: checks of this kind only, run by the loader after the generic ones
    check: Check | None = None
    #: the columns its rules read of other datasets, declared before a run so that each
    #: registry is read once for all of them (:meth:`~huimin.rules.executors.PreparedData.declare`)
    reads: Reads | None = None

    def other_dataset(self, spec: Mapping[str, object]) -> str | tuple[str, ...] | None:
        """The dataset (or, for a ``datasets`` key, the datasets) the condition looks into."""
        value = spec.get(self.other_key) if self.other_key else None
        if isinstance(value, list | tuple):
            return tuple(str(v) for v in value)
        return str(value) if value is not None else None

    def sql_texts(self, spec: Mapping[str, object]) -> list[str]:
        """The SQL texts of the rule's kind keys (``sql`` and ``sql_list``), in key order."""
        texts: list[str] = []
        for key, key_spec in self.keys.items():
            value = spec.get(key)
            if key_spec.type == "sql" and isinstance(value, str):
                texts.append(value)
            elif key_spec.type == "sql_list" and isinstance(value, list):
                texts.extend(str(v) for v in value)
        return texts


COMMON_KEYS = (
    "id",
    "title",
    "description",
    "severity",
    "reference",
    "kind",
    "evidence",
    "examples",
)
SEVERITIES = ("high", "medium", "low")
