"""The broken-rule corpus (tests/bad_rules): each case reports exactly the problems it lists.

Every ``*.yaml`` of a case folder is loaded together with :func:`load_rules`; the expected
problems (place and words) are in ``tests/bad_rules/cases.yaml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from huimin.rules.loader import format_problems, load_rule_file, load_rules, rule_files
from huimin.rules.model import RuleFileError, RuleProblem

CORPUS = Path(__file__).parents[1] / "bad_rules"
CASES: dict[str, dict[str, Any]] = yaml.safe_load(
    (CORPUS / "cases.yaml").read_text(encoding="utf-8")
)["cases"]


def _problems(folder: Path) -> list[RuleProblem]:
    with pytest.raises(RuleFileError) as caught:
        load_rules(rule_files(folder))
    return caught.value.problems


def test_every_case_folder_is_listed() -> None:
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert folders == set(CASES)
    assert len(CASES) >= 22


def test_the_clean_file_loads() -> None:
    loaded = load_rule_file(CORPUS / "_good" / "dibao_rural.yaml")
    assert [rule.id for rule in loaded.rules] == [
        "dibao_rural.member_dead_paid",
        "dibao_rural.amount_above_standard",
    ]


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    folder = CORPUS / name
    problems = _problems(folder)
    printed = format_problems(problems).replace(f"{folder.as_posix()}/", "").splitlines()
    expected = CASES[name]["problems"]
    assert len(printed) == len(expected), "\n".join(printed)
    for line, want in zip(printed, expected, strict=True):
        assert line.startswith(f"{want['at']}: "), f"{line}\nexpected at {want['at']}"
        for word in want["words"]:
            assert word in line, f"{word!r} not in {line}"
