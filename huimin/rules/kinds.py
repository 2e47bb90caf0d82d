"""The fixed set of rule kinds: each is the keys it accepts (its parser's contract) and an
executor (in :mod:`huimin.rules.executors`) that turns a rule into a polars plan.

Keys marked ``sql`` are SQL expressions checked at load time against the columns of
:func:`huimin.rules.context.condition_schema`; ``dataset`` keys name a dataset of the contract;
``column`` keys name a column of the dataset they refer to (``registry_key`` of the other
dataset, ``via_key`` of ``via``). A ``via`` dataset is visible to conditions as
``<via>.<column>`` like the other dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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
class KindSpec:
    """What a kind is for and which keys it takes besides the common ones."""

    name: str
    doc: str
    keys: dict[str, KeySpec] = field(default_factory=dict)
    #: the key naming the other dataset whose row the condition sees as <dataset>.<column>
    other_key: str | None = None

    def other_dataset(self, spec: dict[str, object]) -> str | tuple[str, ...] | None:
        """The dataset (or, for a ``datasets`` key, the datasets) the condition looks into."""
        value = spec.get(self.other_key) if self.other_key else None
        if isinstance(value, list | tuple):
            return tuple(str(v) for v in value)
        return str(value) if value is not None else None


SCOPE = KeySpec(
    "scope",
    False,
    "person: the recipient only; household: any member of the recipient's household "
    "(the roster's household_id, else the population registry's 户号)",
    "person",
)

JOIN_KEYS = {
    "key": KeySpec(
        "sql", False, "what of the roster row to look up (default: the person's ID number)", None
    ),
    "registry_key": KeySpec(
        "column", False, "the column of the other dataset it must equal (default: its ID)", None
    ),
    "via": KeySpec(
        "dataset", False, "look up `key` here first, then its ID number in the other dataset", None
    ),
    "via_key": KeySpec("column", False, "the column of `via` that `key` must equal", None),
}

APPLIES_WHEN = KeySpec(
    "sql", False, "only roster rows where this holds are looked at (default: all)", None
)

KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in [
        KindSpec(
            "registry_match",
            "A clue when the person (or a household member) appears in a registry or another "
            "roster under a condition, e.g. paid for a month after death.",
            {
                "registry": KeySpec("dataset", True, "the dataset to look in, e.g. deaths"),
                "scope": SCOPE,
                "applies_when": APPLIES_WHEN,
                "condition": KeySpec("sql", False, "when a registry row counts (default: any)"),
                "at_least": KeySpec(
                    "int", False, "how many counting rows make a clue (e.g. 2 homes)", 1
                ),
                **JOIN_KEYS,
            },
            other_key="registry",
        ),
        KindSpec(
            "required_presence",
            "A clue when the person (or household) is NOT found in a dataset under a condition, "
            "e.g. 困难残疾人生活补贴 needs the household on 低保 that month.",
            {
                "dataset": KeySpec(
                    "datasets",
                    True,
                    "where the person must appear; a list means: found in any of them (the "
                    "condition then names each, e.g. dibao.x ... OR tekun.y ...)",
                ),
                "scope": SCOPE,
                "applies_when": APPLIES_WHEN,
                "condition": KeySpec("sql", False, "when a row of that dataset counts"),
                **JOIN_KEYS,
            },
            other_key="dataset",
        ),
        KindSpec(
            "exclusive_rosters",
            "A clue when the same person is also paid by a roster that excludes this one for "
            "the same period (default condition: the periods overlap).",
            {
                "roster": KeySpec("roster", True, "the other roster"),
                "scope": SCOPE,
                "applies_when": APPLIES_WHEN,
                "condition": KeySpec(
                    "sql",
                    False,
                    "when the other payment counts",
                    "{roster}.period_start <= period_end AND {roster}.period_end >= period_start",
                ),
            },
            other_key="roster",
        ),
        KindSpec(
            "eligibility",
            "A clue for each roster row where the condition holds (age, amount against the "
            "standard in force, amount not the tier's ...).",
            {"condition": KeySpec("sql", True, "true for a suspicious row")},
        ),
        KindSpec(
            "duplicate",
            "A clue for every payment after the first of the same key (default: the same "
            "subject in the same period), e.g. paid twice or by two schools.",
            {
                "key": KeySpec("sql_list", False, "what makes two payments the same", None),
                "order_by": KeySpec(
                    "sql_list", False, "which payment counts as the first (earliest first)", None
                ),
                "condition": KeySpec("sql", False, "only rows where this holds are compared"),
            },
        ),
        KindSpec(
            "aggregate",
            "A clue on every row of a group that has too many distinct values, e.g. one bank "
            "account paying several unrelated households.",
            {
                "group_by": KeySpec("sql", True, "the group, e.g. bank_account"),
                "distinct": KeySpec("sql", True, "what is counted, e.g. the household"),
                "at_least": KeySpec("int", True, "clue when the group has at least this many"),
                "across": KeySpec(
                    "str_list", False, "other rosters pooled into the groups (same columns)", None
                ),
                "condition": KeySpec("sql", False, "only rows where this holds are grouped"),
            },
        ),
    ]
}

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
