"""The rule kinds, one module each, registered here and only here.

A kind's module holds its :class:`KindSpec`, ``SPEC``: the keys it takes with their docs and
defaults (the loader's contract with a rule file, and the JSON schema's), its executor
(``SPEC.execute``: a rule and the run's prepared data in, a lazy polars plan of the roster
rows it flags out, collected by the engine) and, when it needs one, its own load-time check
(``SPEC.check``). Adding a kind is a module here, one line in :data:`MODULES`, its tests and
its section in ``docs/writing-rules.md`` (see CONTRIBUTING.md).
"""

from __future__ import annotations

from huimin.rules.kinds import (
    aggregate,
    duplicate,
    eligibility,
    exclusive_rosters,
    registry_match,
    required_presence,
)
from huimin.rules.kinds.spec import (
    COMMON_KEYS,
    SEVERITIES,
    Check,
    Executor,
    KeySpec,
    KeyType,
    KindSpec,
    RuleCheck,
)

#: every kind's module, in the order kinds are listed (help, schema, messages)
MODULES = (
    registry_match,
    required_presence,
    exclusive_rosters,
    eligibility,
    duplicate,
    aggregate,
)
#: kind name → its spec: keys, executor, own check
KINDS: dict[str, KindSpec] = {module.SPEC.name: module.SPEC for module in MODULES}
#: every key some kind takes (what a rule whose kind is unknown may say)
ALL_KIND_KEYS = tuple(dict.fromkeys(key for spec in KINDS.values() for key in spec.keys))

__all__ = [
    "ALL_KIND_KEYS",
    "COMMON_KEYS",
    "KINDS",
    "MODULES",
    "SEVERITIES",
    "Check",
    "Executor",
    "KeySpec",
    "KeyType",
    "KindSpec",
    "RuleCheck",
]
