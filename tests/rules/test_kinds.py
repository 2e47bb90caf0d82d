"""The kinds' registry: every kind is one module with its spec, executor and docs, is described
in docs/writing-rules.md (section 4), is used by the catalogue, and hands back a lazy plan."""

from __future__ import annotations

import datetime as dt
import functools
import pkgutil
import re
from pathlib import Path

import polars as pl
import pytest

import huimin.rules.kinds as kinds_package
from huimin.rules.commands import DEFAULT_RULES, load_catalogue
from huimin.rules.engine import roster_frame
from huimin.rules.executors import PreparedData, RuleContext
from huimin.rules.kinds import ALL_KIND_KEYS, KINDS, MODULES
from huimin.rules.model import RuleFile

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "writing-rules.md").read_text(encoding="utf-8")
#: modules of the kinds package that are not a kind (what several kinds share)
SHARED_MODULES = {"spec", "lookup"}


@functools.cache
def _catalogue() -> list[RuleFile]:
    return load_catalogue(DEFAULT_RULES)


def _section_4() -> str:
    start = GUIDE.index("## 4. The kinds of rule")
    return GUIDE[start : GUIDE.index("\n## 5.", start)]


def test_every_kind_module_is_registered_under_its_own_name() -> None:
    found = {m.name for m in pkgutil.iter_modules(kinds_package.__path__)} - SHARED_MODULES
    assert found == set(KINDS)
    for module in MODULES:
        assert module.__name__.rsplit(".", 1)[1] == module.SPEC.name
        assert KINDS[module.SPEC.name] is module.SPEC


@pytest.mark.parametrize("name", list(KINDS))
def test_a_kind_has_its_docs_keys_and_executor(name: str) -> None:
    spec = KINDS[name]
    assert spec.name == name
    assert spec.doc.strip()
    assert callable(spec.execute)
    assert spec.check is None or callable(spec.check)
    for key, key_spec in spec.keys.items():
        assert key_spec.doc.strip(), f"{name}.{key} has no doc"
    assert spec.other_key is None or spec.other_key in spec.keys
    assert set(spec.keys) <= set(ALL_KIND_KEYS)


@pytest.mark.parametrize("name", list(KINDS))
def test_a_kind_is_described_in_the_guide(name: str) -> None:
    section = _section_4()
    rows = [line for line in section.splitlines() if line.startswith(f"| `{name}` |")]
    assert rows, f"docs/writing-rules.md section 4 has no table row for {name}"
    listed = set(re.findall(r"`(\w+)`", rows[0].rsplit("|", 2)[1]))
    assert listed == set(KINDS[name].keys), f"the row of {name} lists other keys"
    assert f"    kind: {name}\n" in section, f"section 4 has no example of {name}"


def test_every_kind_is_used_by_the_catalogue() -> None:
    used = {rule.kind for rule_file in _catalogue() for rule in rule_file.rules}
    assert set(KINDS) <= used, f"no catalogue rule of {sorted(set(KINDS) - used)}"


@pytest.mark.parametrize("name", list(KINDS))
def test_an_executor_hands_back_a_lazy_plan(name: str) -> None:
    rule_file, rule = next((f, r) for f in _catalogue() for r in f.rules if r.kind == name)
    data = PreparedData({}, dt.date(2024, 1, 1))
    ctx = RuleContext(data, rule_file, roster_frame(rule_file, data))
    plan = KINDS[name].execute(rule, ctx)
    assert isinstance(plan, pl.LazyFrame)
    assert "__evidence__" in plan.collect_schema().names()
    source = Path(KINDS[name].execute.__code__.co_filename).read_text(encoding="utf-8")
    assert ".collect()" not in source, "an executor hands back a plan; the engine collects"
