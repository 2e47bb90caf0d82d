"""The schemas are the contract: same datasets, fields, types, headers and allowed values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from huimin.datadict import render
from schemas import DATASETS, REGISTRIES, ROSTERS

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "data" / "reference" / "data-contract.yaml"
SHARED = ROOT.parent / "shared" / "data-contract.yaml"


def _contract() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(VENDORED.read_text(encoding="utf-8"))
    return loaded


def _contract_datasets() -> dict[str, dict[str, Any]]:
    contract = _contract()
    out = {**contract["registries"], **contract["rosters"]}
    out["province_clues"] = contract["province_clues"]
    return out


def test_vendored_contract_matches_shared_copy() -> None:
    if not SHARED.exists():
        pytest.skip("no shared/ folder beside this checkout")
    assert VENDORED.read_bytes() == SHARED.read_bytes()


def test_every_dataset_has_a_model_and_no_more() -> None:
    contract = _contract()
    assert {m.__dataset__ for m in REGISTRIES} == set(contract["registries"])
    assert {m.__dataset__ for m in ROSTERS} == set(contract["rosters"])
    assert set(DATASETS) == set(_contract_datasets())


@pytest.mark.parametrize("dataset", sorted(_contract_datasets()))
def test_fields_match_the_contract(dataset: str) -> None:
    spec = _contract_datasets()[dataset]
    model = DATASETS[dataset]
    assert model.__title_zh__ == spec["header_zh"]
    if "project" in spec:
        assert model.__roster_project__ == spec["project"]
        assert model.__roster_department__ == spec["department"]
    fields = {f.name: f for f in model.field_specs()}
    assert list(fields) == list(spec["fields"])
    for name, declared in spec["fields"].items():
        field = fields[name]
        assert field.kind == declared["type"], name
        assert field.zh == declared["zh"], name
        assert field.optional == bool(declared.get("optional", False)), name
        assert list(field.values) == list(declared.get("values", [])), name


def test_data_dictionary_is_fresh() -> None:
    committed = (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/data-contract.md is stale: run `huimin contract docs`"
