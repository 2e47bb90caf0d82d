"""The schemas are the contract: same datasets, fields, types, headers and allowed values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from huimin.datadict import render
from huimin.schemas import DATASETS, REGISTRIES, ROSTERS

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "data" / "reference" / "data-contract.yaml"
SHARED = ROOT.parent / "shared" / "data-contract.yaml"


# The project's own optional fields, beyond the shared contract (marked `extension: huimin`).
EXTENSIONS = {
    ("vehicles", "acquired_date"),
    ("enterprises", "status_date"),
}


def _datasets(contract: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        **contract["registries"],
        **contract["rosters"],
        "province_clues": contract["province_clues"],
    }


def _contract() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(VENDORED.read_text(encoding="utf-8"))
    return loaded


def _contract_datasets() -> dict[str, dict[str, Any]]:
    return _datasets(_contract())


def _without_extensions(spec: dict[str, Any]) -> dict[str, Any]:
    fields = {n: f for n, f in spec["fields"].items() if f.get("extension") != "huimin"}
    return {**spec, "fields": fields}


def test_extensions_are_optional_and_listed() -> None:
    found = {
        (dataset, name)
        for dataset, spec in _contract_datasets().items()
        for name, field in spec["fields"].items()
        if "extension" in field
    }
    assert found == EXTENSIONS
    for dataset, name in found:
        field = _contract_datasets()[dataset]["fields"][name]
        assert field["extension"] == "huimin", (dataset, name)
        assert field.get("optional") is True, (dataset, name)


def test_vendored_contract_is_the_shared_one_plus_its_extensions() -> None:
    if not SHARED.exists():
        pytest.skip("no shared/ folder beside this checkout")
    shared: dict[str, Any] = yaml.safe_load(SHARED.read_text(encoding="utf-8"))
    ours = _contract()
    assert set(ours) == set(shared)
    assert list(ours["registries"]) == list(shared["registries"])
    assert list(ours["rosters"]) == list(shared["rosters"])
    theirs = _datasets(shared)
    for dataset, spec in _datasets(ours).items():
        assert _without_extensions(spec) == theirs[dataset], dataset
        assert list(_without_extensions(spec)["fields"]) == list(theirs[dataset]["fields"]), dataset
    for dataset, name in EXTENSIONS:
        assert name not in theirs[dataset]["fields"], f"{dataset}.{name} is shared now"


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
