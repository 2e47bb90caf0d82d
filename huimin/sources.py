"""Find the dataset files in an input folder, with the optional ``sources.yaml`` mapping.

``sources.yaml`` lets a department keep its own file names and headers::

    datasets:
      dibao_rural:
        file: 2023年农村低保发放明细.xlsx
        columns:
          证件号码: id_number
          实发金额: amount
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from huimin.errors import ConfigError, DataFileError
from schemas import DATASETS, ContractModel

SUFFIXES = (".csv", ".xlsx", ".parquet")
SOURCES_FILE = "sources.yaml"
ALLOWED_ENTRY_KEYS = {"file", "columns"}


@dataclass
class Source:
    """One dataset's file in the input folder."""

    dataset: str
    model: type[ContractModel]
    path: Path
    renames: dict[str, str] = field(default_factory=dict)


@dataclass
class Discovery:
    sources: list[Source]
    errors: list[DataFileError]


def _load_mapping(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / SOURCES_FILE
    if not path.exists():
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: save it as UTF-8") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", exc)
        raise ConfigError(
            f"{path}{where}: not valid YAML ({problem}): check the indentation and quoting there"
        ) from exc
    if not isinstance(loaded, dict) or set(loaded) - {"datasets"}:
        raise ConfigError(f"{path}: the file must hold one key, 'datasets'")
    entries = loaded.get("datasets") or {}
    if not isinstance(entries, dict):
        raise ConfigError(f"{path}: 'datasets' must map each dataset name to its file and columns")
    for name, entry in entries.items():
        if name not in DATASETS:
            raise ConfigError(
                f"{path}: unknown dataset '{name}' (known: {', '.join(sorted(DATASETS))})"
            )
        if not isinstance(entry, dict) or set(entry) - ALLOWED_ENTRY_KEYS:
            raise ConfigError(f"{path}: dataset '{name}' allows only the keys file, columns")
        model = DATASETS[name]
        fields = {f.name for f in model.field_specs()}
        columns = entry.get("columns") or {}
        if not isinstance(columns, dict):
            raise ConfigError(
                f"{path}: dataset '{name}': 'columns' must map your header to a field "
                "(证件号码: id_number), one per line"
            )
        for header, target in columns.items():
            if target not in fields:
                raise ConfigError(
                    f"{path}: dataset '{name}' maps '{header}' to '{target}', "
                    f"which is not one of its fields ({', '.join(sorted(fields))})"
                )
    return {str(k): dict(v) for k, v in entries.items()}


def _stem_lookup() -> dict[str, str]:
    lookup = {name: name for name in DATASETS}
    lookup.update({model.__title_zh__: name for name, model in DATASETS.items()})
    return lookup


def discover(folder: Path) -> Discovery:
    """Match every data file in ``folder`` to a dataset; unknown or doubled files are errors."""
    mapping = _load_mapping(folder)
    by_file = {str(entry["file"]): name for name, entry in mapping.items() if "file" in entry}
    stems = _stem_lookup()
    found: dict[str, list[Path]] = {}
    errors: list[DataFileError] = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        if path.name == SOURCES_FILE or path.name.startswith((".", "~$")):
            continue
        dataset = by_file.get(path.name) or stems.get(path.stem)
        if path.suffix.lower() not in SUFFIXES:
            if dataset is not None:
                errors.append(
                    DataFileError(
                        path,
                        f"'{path.suffix}' is not a form huimin reads",
                        "send .csv, .xlsx or .parquet",
                    )
                )
            continue
        if dataset is None:
            errors.append(
                DataFileError(
                    path,
                    f"unknown dataset name '{path.stem}'",
                    "name the file after a dataset of the contract (e.g. population.csv, "
                    "dibao_rural.xlsx; see docs/data-contract.md) or map it in sources.yaml",
                )
            )
            continue
        found.setdefault(dataset, []).append(path)
    sources = []
    for dataset, paths in sorted(found.items()):
        if len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            errors.append(
                DataFileError(
                    paths[0], f"several files for dataset {dataset} ({names})", "keep exactly one"
                )
            )
            continue
        columns = mapping.get(dataset, {}).get("columns") or {}
        renames = {str(k): str(v) for k, v in columns.items()}
        sources.append(Source(dataset, DATASETS[dataset], paths[0], renames))
    return Discovery(sources, errors)
