"""The broken-rule corpus (tests/bad_rules): each case reports exactly the problems it lists.

Every ``*.yaml`` of a case folder is loaded together with :func:`load_rules` (with the case's
own ``parameters/`` tree if it has one, else the project's, and its ``district/parameters.yaml``
as a district's own values if it has one); the expected
problems (place and words, and words they must never show) are in
``tests/bad_rules/cases.yaml``. A case with ``grow`` is copied and one file padded with YAML
comments to that many bytes first (too large a file to commit).
"""

from __future__ import annotations

import shutil
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
    district = folder / "district" / "parameters.yaml"
    with pytest.raises(RuleFileError) as caught:
        load_rules(rule_files(folder), overrides=district if district.exists() else None)
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


def _grown(name: str, tmp_path: Path) -> Path:
    """The case folder, copied with its ``grow`` file padded to the bytes given."""
    grow = CASES[name]["grow"]
    folder = tmp_path / name
    shutil.copytree(CORPUS / name, folder)
    path = folder / grow["file"]
    line = "# " + "padding " * 12 + "\n"
    padding = line * (int(grow["bytes"]) // len(line) + 1)
    path.write_text(path.read_text(encoding="utf-8") + padding, encoding="utf-8")
    return folder


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str, tmp_path: Path) -> None:
    folder = _grown(name, tmp_path) if "grow" in CASES[name] else CORPUS / name
    problems = _problems(folder)
    printed = format_problems(problems).replace(f"{folder.as_posix()}/", "").splitlines()
    expected = CASES[name]["problems"]
    assert len(printed) == len(expected), "\n".join(printed)
    for line, want in zip(printed, expected, strict=True):
        assert line.startswith(f"{want['at']}: "), f"{line}\nexpected at {want['at']}"
        for word in want["words"]:
            assert word in line, f"{word!r} not in {line}"
    for word in CASES[name].get("never", []):
        assert word not in "\n".join(printed), f"{word!r} must never be shown"
