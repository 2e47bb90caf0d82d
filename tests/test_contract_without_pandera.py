"""The contract is declared once, as plain data in ``huimin.contract``: the rule engine reads it
without importing pandera (nor pandas through it), and the pandera models of ``huimin.schemas``
are built from it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import huimin.contract as contract
import huimin.schemas as schemas
from huimin.parsing import DTYPES

HEAVY = ("pandera", "pandas")

IMPORT_ENGINE = "import huimin.rules.engine"
RULES_CHECK = """
from huimin.cli import app
try:
    app(["rules", "check"])
except SystemExit as done:
    assert done.code in (0, None), done.code
"""
RUN_EVERY_RULE = """
import datetime as dt
import polars as pl
from huimin.contract import DATASETS
from huimin.rules.clue_ids import district_key
from huimin.rules.commands import load_catalogue
from huimin.rules.engine import run_rules
staged = {
    name: pl.LazyFrame(schema={**dataset.polars_schema(), "_source_row": pl.Int64()})
    for name, dataset in DATASETS.items()
}
run_rules(
    load_catalogue(), staged, as_of=dt.date(2023, 12, 31), key=district_key(),
    include_examples=True,
)
"""
REPORT = "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"


@pytest.mark.parametrize(
    "code",
    [IMPORT_ENGINE, RULES_CHECK, RUN_EVERY_RULE],
    ids=["import-engine", "rules-check", "run-every-rule"],
)
def test_the_rule_engine_never_imports_pandera_or_pandas(code: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", code + REPORT], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    modules = json.loads(done.stdout.splitlines()[-1])
    loaded = sorted({name.split(".")[0] for name in modules} & set(HEAVY))
    assert not loaded, f"the rule engine imported {loaded}: read the contract from huimin.contract"


def test_every_contract_dataset_has_its_model_in_the_same_order() -> None:
    pairs = [
        (schemas.REGISTRIES, contract.REGISTRIES),
        (schemas.ROSTERS, contract.ROSTERS),
        (tuple(schemas.DATASETS.values()), tuple(contract.DATASETS.values())),
    ]
    for models, datasets in pairs:
        assert [m.__contract__ for m in models] == list(datasets)
    assert list(schemas.DATASETS) == list(contract.DATASETS)


@pytest.mark.parametrize("name", sorted(contract.DATASETS))
def test_a_model_says_what_its_contract_says(name: str) -> None:
    dataset, model = contract.DATASETS[name], schemas.DATASETS[name]
    for attr in (
        "__dataset__",
        "__family__",
        "__title_zh__",
        "__roster_project__",
        "__roster_department__",
        "__subject_field__",
        "__area_fields__",
    ):
        assert getattr(model, attr) == getattr(dataset, attr), f"{name}: {attr}"
    assert model.__doc__ == dataset.__doc__
    assert model.field_specs() == dataset.field_specs()
    columns = model.to_schema().columns
    assert list(columns) == [spec.name for spec in dataset.field_specs()], name
    for spec in dataset.field_specs():
        column = columns[spec.name]
        assert column.title == spec.zh, f"{name}.{spec.name}"
        assert column.nullable == spec.optional, f"{name}.{spec.name}"
        assert column.description == (spec.description or None), f"{name}.{spec.name}"
        assert column.dtype.type == DTYPES[spec.kind], f"{name}.{spec.name}"
