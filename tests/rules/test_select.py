"""Choosing part of the catalogue with ``--only``: exact ids, a file's prefix, did-you-mean."""

from __future__ import annotations

import re

import pytest

from huimin.errors import ConfigError
from huimin.rules.model import RuleFile
from huimin.rules.select import select_rules


def _ids(files: list[RuleFile]) -> list[str]:
    return [rule.id for rule_file in files for rule in rule_file.rules]


def test_nothing_chosen_keeps_the_whole_catalogue(catalogue: list[RuleFile]) -> None:
    assert _ids(select_rules(catalogue, [])) == _ids(catalogue)


def test_exact_ids_keep_the_catalogue_order_and_parameters(catalogue: list[RuleFile]) -> None:
    chosen = select_rules(
        catalogue, ["elderly_allowance.under_80", "dibao_rural.amount_above_standard"]
    )
    assert _ids(chosen) == ["dibao_rural.amount_above_standard", "elderly_allowance.under_80"]
    dibao = next(f for f in catalogue if f.policy == "dibao_rural")
    assert chosen[0].parameters == dibao.parameters


def test_a_prefix_selects_every_rule_of_a_file(catalogue: list[RuleFile]) -> None:
    chosen = select_rules(catalogue, ["tekun.", "dibao_rural.also_tekun"])
    tekun = next(f for f in catalogue if f.policy == "tekun")
    assert [f.policy for f in chosen] == ["dibao_rural", "tekun"]
    assert chosen[1].rules == tekun.rules


def test_an_unknown_id_says_which_was_meant(catalogue: list[RuleFile]) -> None:
    with pytest.raises(ConfigError, match=re.escape("did you mean 'elderly_allowance.under_80'")):
        select_rules(catalogue, ["elderly_allowance.under80"])


def test_an_unknown_file_prefix_says_which_was_meant(catalogue: list[RuleFile]) -> None:
    with pytest.raises(ConfigError, match=re.escape("did you mean 'dibao_rural.'")):
        select_rules(catalogue, ["dibao_rurall."])


def test_a_file_name_without_the_dot_points_to_the_prefix(catalogue: list[RuleFile]) -> None:
    with pytest.raises(ConfigError, match="no rule 'tekun'"):
        select_rules(catalogue, ["tekun"])
