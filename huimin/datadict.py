"""The data dictionary (docs/data-contract.md), generated from the schemas.

A test regenerates it and fails when the committed file differs, so it never goes stale.
"""

from __future__ import annotations

from pathlib import Path

from huimin.atomic import write_text
from huimin.parsing import EXPECTED_FORM
from huimin.schemas import DATASETS, REGISTRIES, ROSTERS, ContractModel
from huimin.schemas.clues import ProvinceClues

HEADER = """# Data contract: the datasets huimin accepts

_Generated from the datasets of `huimin/contract/` (the pandera models in `schemas/` are built
from them) by `huimin contract docs`; do not edit by hand. A test fails when this file is
stale._

Each dataset arrives as one file `<dataset>.csv`, `<dataset>.xlsx` or `<dataset>.parquet` in the
input folder (the Chinese title, e.g. `户籍人口信息.xlsx`, is accepted as the file name too, and
`sources.yaml` can map any other name). CSV may be UTF-8, UTF-8 with BOM or GBK/GB18030; the
encoding is detected from the bytes. XLSX may have title rows above the header. Headers may be
the canonical names or the Chinese headers below; spaces and half-width brackets in headers
are tolerated. Columns not listed are kept as text in the staged data.

Rows that fail a check are quarantined (`OUT/quarantine/<dataset>.parquet`) with every reason;
a whole-file problem (missing required column, unreadable file, ID numbers stored as Excel
numbers, empty file, unknown dataset name) stops that dataset only.

## Types

| type | what a cell may hold |
|---|---|
"""


def _checks_text(model: type[ContractModel], field: str) -> str:
    column = model.to_schema().columns[field]
    return "; ".join(str(check.error) for check in column.checks) or ""


def _dataset_section(model: type[ContractModel]) -> list[str]:
    lines = [f"### `{model.__dataset__}`: {model.__title_zh__}", ""]
    doc = (model.__doc__ or "").strip().splitlines()
    if doc:
        lines += [doc[0], ""]
    if model.__roster_project__:
        lines += [
            f"Project 项目: {model.__roster_project__}; department 业务主管部门: "
            f"{model.__roster_department__}.",
            "",
        ]
    lines += [
        "| field | 中文表头 | type | required | allowed values | checks |",
        "|---|---|---|---|---|---|",
    ]
    for spec in model.field_specs():
        values = "、".join(spec.values)
        required = "optional" if spec.optional else "yes"
        checks = _checks_text(model, spec.name).replace("|", "\\|")
        note = f" ({spec.description})" if spec.description else ""
        lines.append(
            f"| `{spec.name}` | {spec.zh}{note} | {spec.kind} | {required} | {values} | {checks} |"
        )
    row_checks = [f"{c.name}: {c.error}" for c in model.to_schema().checks]
    if row_checks:
        lines += ["", "Row checks: " + "; ".join(row_checks) + "."]
    return [*lines, ""]


def render() -> str:
    """The whole data dictionary as Markdown."""
    lines = [HEADER.rstrip("\n")]
    lines += [f"| {kind} | {form} |" for kind, form in EXPECTED_FORM.items()]
    lines += ["", f"{len(DATASETS)} datasets.", "", "## Registries (参照数据)", ""]
    for model in REGISTRIES:
        lines += _dataset_section(model)
    lines += ["## Payment rosters (发放名册)", ""]
    for model in ROSTERS:
        lines += _dataset_section(model)
    lines += ["## Provincial clues (省下发问题线索)", ""]
    lines += _dataset_section(ProvinceClues)
    return "\n".join(lines).rstrip("\n") + "\n"


def write_data_dictionary(path: Path) -> None:
    write_text(path, render())
