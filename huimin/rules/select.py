"""Choose a part of the rule catalogue: ``--only RULE_ID`` (repeatable) on the command line.

An exact rule id selects that rule; a prefix ending in a dot (``dibao_rural.``) selects every
rule of that file. The rule files keep their parameters; files with no selected rule are left
out. The catalogue's order is kept, whatever the order of the selection.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from huimin.errors import ConfigError
from huimin.rules.model import RuleFile
from huimin.rules.yamlsrc import suggest

__all__ = ["select_rules"]


def select_rules(catalogue: list[RuleFile], only: Sequence[str]) -> list[RuleFile]:
    """The rule files of ``catalogue`` restricted to the rules ``only`` names (all of them
    when ``only`` is empty). Raises ConfigError naming an unknown id, with the closest one."""
    if not only:
        return list(catalogue)
    known = [rule.id for rule_file in catalogue for rule in rule_file.rules]
    prefixes = {f"{rule_file.policy}." for rule_file in catalogue}
    for wanted in only:
        _check(wanted, known, prefixes)
    chosen = set(only)
    selected = []
    for rule_file in catalogue:
        rules = [rule for rule in rule_file.rules if _chosen(rule.id, chosen)]
        if rules:
            selected.append(dataclasses.replace(rule_file, rules=tuple(rules)))
    return selected


def _chosen(rule_id: str, chosen: set[str]) -> bool:
    return rule_id in chosen or rule_id[: rule_id.find(".") + 1] in chosen


def _check(wanted: str, known: list[str], prefixes: set[str]) -> None:
    if wanted in known or wanted in prefixes:
        return
    if wanted.endswith("."):
        close = suggest(wanted, sorted(prefixes))
        message = f"--only {wanted}: no rule file '{wanted.rstrip('.')}'"
    else:
        close = suggest(wanted, known) or suggest(wanted + ".", sorted(prefixes))
        message = f"--only {wanted}: no rule '{wanted}'"
    hint = (
        f"did you mean '{close}'?"
        if close
        else "see `huimin rules explain` and the rule files for the rule ids"
    )
    raise ConfigError(f"{message}: {hint}")
