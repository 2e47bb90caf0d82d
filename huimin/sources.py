"""Find the dataset files in an input folder, with the optional ``sources.yaml`` mapping.

``sources.yaml`` lets a department keep its own file names and headers, and a district say
which datasets it never sends::

    datasets:
      dibao_rural:
        file: 2023年农村低保发放明细.xlsx
        columns:
          证件号码: id_number
          实发金额: amount
    absent: [vehicles, enterprises]

The file is read with every value's place kept, so each problem is reported
``sources.yaml:line:column``. YAML anchors, aliases, merge keys and tags are refused before
anything is expanded, and so is a file larger than :data:`MAX_SOURCES_BYTES`. A mapped file
must be a file of the input folder itself (no folder part, no ``..``, no link out of it).
Files huimin does not read (hidden files, Excel lock files, other files matching no dataset)
are listed in :attr:`Discovery.ignored` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from huimin.errors import ConfigError, DataFileError
from huimin.rules.model import Loc
from huimin.rules.yamlsrc import (
    YMap,
    YNode,
    YScalar,
    YSeq,
    config_tree,
    suggest,
)
from huimin.schemas import DATASETS, ContractModel

SUFFIXES = (".csv", ".xlsx", ".xls", ".parquet")
SOURCES_FILE = "sources.yaml"
#: the district's own parameter values (read by the rule catalogue, not as a dataset)
PARAMETERS_FILE = "parameters.yaml"
#: the district's accepted quarantine rates (read by huimin.quality)
THRESHOLDS_FILE = "thresholds.yaml"
ALLOWED_TOP_KEYS = ("datasets", "absent")
ALLOWED_ENTRY_KEYS = {"file", "columns"}
#: a sources.yaml is a few lines; a larger one is refused before it is read
MAX_SOURCES_BYTES = 1 << 20
OUTSIDE_FIX = "copy the file itself into the input folder"


@dataclass
class Source:
    """One dataset's file in the input folder."""

    dataset: str
    model: type[ContractModel]
    path: Path
    renames: dict[str, str] = field(default_factory=dict)


@dataclass
class Discovery:
    """What an input folder holds.

    ``ignored`` lists the files huimin does not read, each with why; ``absent`` the datasets
    ``sources.yaml`` declares the district never sends.
    """

    sources: list[Source]
    errors: list[DataFileError]
    ignored: list[tuple[Path, str]] = field(default_factory=list)
    absent: frozenset[str] = frozenset()


@dataclass
class _Mapping:
    """What ``sources.yaml`` says: file name → dataset, renames per dataset, the datasets
    declared absent (with where each was written)."""

    files: dict[str, str] = field(default_factory=dict)
    renames: dict[str, dict[str, str]] = field(default_factory=dict)
    absent: dict[str, Loc] = field(default_factory=dict)


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` (following links) is a file of ``folder`` or below."""
    return path.resolve().is_relative_to(folder.resolve())


def _read_tree(path: Path, folder: Path) -> YNode | None:
    if path.is_symlink() and not _inside(path, folder):
        raise ConfigError(f"{path}: a link to a file outside the input folder: {OUTSIDE_FIX}")
    size = path.stat().st_size
    if size > MAX_SOURCES_BYTES:
        raise ConfigError(
            f"{path}: {size / 2**20:.1f} MB, more than a sources.yaml may be "
            f"({MAX_SOURCES_BYTES >> 20} MB): it maps file names and headers, nothing else"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: save it as UTF-8") from exc
    return config_tree(text, path)


def _text(node: YNode, what: str) -> str:
    scalar = isinstance(node, YScalar) and node.kind not in ("null", "bool")
    if scalar and isinstance(node, YScalar) and node.text.strip():
        return node.text.strip()
    raise ConfigError(f"{node.loc}: {what} must be a name, written as text")


def _load_mapping(folder: Path) -> _Mapping:
    path = folder / SOURCES_FILE
    if not path.exists() and not path.is_symlink():
        return _Mapping()
    tree = _read_tree(path, folder)
    mapping = _Mapping()
    if tree is None:
        return mapping
    if not isinstance(tree, YMap):
        raise ConfigError(f"{tree.loc}: the file must hold the key 'datasets' (and 'absent')")
    for key, loc in tree.key_locs.items():
        if key not in ALLOWED_TOP_KEYS:
            raise ConfigError(
                f"{loc}: unknown key '{key}': the file allows only the keys datasets, absent"
            )
    entries = tree.entries.get("datasets")
    if entries is not None and not _is_null(entries):
        if not isinstance(entries, YMap):
            raise ConfigError(
                f"{entries.loc}: 'datasets' must map each dataset name to its file and columns"
            )
        for name, entry in entries.entries.items():
            _entry(folder, mapping, name, entry, entries.key_locs[name])
    absent = tree.entries.get("absent")
    if absent is not None and not _is_null(absent):
        _absent(mapping, absent)
    return mapping


def _is_null(node: YNode) -> bool:
    return isinstance(node, YScalar) and node.kind == "null"


def _entry(folder: Path, mapping: _Mapping, name: str, entry: YNode, key_loc: Loc) -> None:
    if name not in DATASETS:
        raise ConfigError(
            f"{key_loc}: unknown dataset '{name}' (known: {', '.join(sorted(DATASETS))})"
        )
    if not isinstance(entry, YMap) or set(entry.entries) - ALLOWED_ENTRY_KEYS:
        raise ConfigError(f"{entry.loc}: dataset '{name}' allows only the keys file, columns")
    fields = {f.name for f in DATASETS[name].field_specs()}
    columns = entry.entries.get("columns")
    renames: dict[str, str] = {}
    if columns is not None and not _is_null(columns):
        if not isinstance(columns, YMap):
            raise ConfigError(
                f"{columns.loc}: dataset '{name}': 'columns' must map your header to a field "
                "(证件号码: id_number), one per line"
            )
        for header, target_node in columns.entries.items():
            target = target_node.text if isinstance(target_node, YScalar) else ""
            if target not in fields:
                raise ConfigError(
                    f"{target_node.loc}: dataset '{name}' maps '{header}' to '{target}', "
                    f"which is not one of its fields ({', '.join(sorted(fields))})"
                )
            renames[header] = target
    mapping.renames[name] = renames
    if "file" in entry.entries:
        file_node = entry.entries["file"]
        file_name = _file(folder, name, file_node)
        if file_name in mapping.files:
            raise ConfigError(
                f"{file_node.loc}: dataset '{name}': file '{file_name}' is already mapped to "
                f"dataset '{mapping.files[file_name]}': each file holds one dataset"
            )
        mapping.files[file_name] = name


def _file(folder: Path, name: str, node: YNode) -> str:
    """A mapped file name: a file of the input folder itself, present and not linking out."""
    file_name = _text(node, f"dataset '{name}': file")
    where = f"{node.loc}: dataset '{name}': file '{file_name}'"
    if "/" in file_name or "\\" in file_name or file_name in (".", ".."):
        raise ConfigError(
            f"{where} must be the name of a file in the input folder, without any folder part"
        )
    path = folder / file_name
    if path.is_symlink() and not _inside(path, folder):
        raise ConfigError(f"{where} is a link to a file outside the input folder: {OUTSIDE_FIX}")
    if not path.exists():
        raise ConfigError(f"{where} is not in the input folder {folder}: check the name")
    if not path.is_file():
        raise ConfigError(f"{where} is not a file")
    return file_name


def _absent(mapping: _Mapping, node: YNode) -> None:
    if not isinstance(node, YSeq):
        raise ConfigError(
            f"{node.loc}: 'absent' must list the datasets the district never sends "
            "(absent: [vehicles, enterprises])"
        )
    for item in node.items:
        name = _text(item, "each entry of 'absent'")
        if name not in DATASETS:
            best = suggest(name, DATASETS)
            hint = f" (did you mean {best}?)" if best else ""
            raise ConfigError(f"{item.loc}: 'absent' names unknown dataset '{name}'{hint}")
        if name in mapping.renames:
            raise ConfigError(
                f"{item.loc}: dataset '{name}' is declared absent and also mapped under "
                "'datasets': keep one"
            )
        mapping.absent.setdefault(name, item.loc)


def _stem_lookup() -> dict[str, str]:
    lookup = {name: name for name in DATASETS}
    lookup.update({model.__title_zh__: name for name, model in DATASETS.items()})
    return lookup


def _ignored_reason(path: Path) -> str | None:
    """Why a folder entry is not read at all (None if it may be a data file)."""
    if path.name.startswith("~$"):
        return "an Excel lock file (left while the workbook is open in Excel)"
    if path.name.startswith("."):
        return "a hidden file"
    if path.is_dir():
        return "a folder: only the files directly in the input folder are read"
    return None


def _link_problem(path: Path, folder: Path) -> DataFileError | None:
    if path.is_symlink() and not path.exists():
        return DataFileError(path, "a link to a file that does not exist", OUTSIDE_FIX)
    if path.is_symlink() and not _inside(path, folder):
        return DataFileError(path, "a link to a file outside the input folder", OUTSIDE_FIX)
    if not path.is_file():
        return DataFileError(path, "not a regular file", OUTSIDE_FIX)
    return None


def discover(folder: Path) -> Discovery:
    """Match every data file in ``folder`` to a dataset; unknown or doubled files are errors."""
    mapping = _load_mapping(folder)
    stems = _stem_lookup()
    found: dict[str, list[Path]] = {}
    errors: list[DataFileError] = []
    ignored: list[tuple[Path, str]] = []
    for path in sorted(folder.iterdir()):
        if path.name in (SOURCES_FILE, PARAMETERS_FILE, THRESHOLDS_FILE):
            continue
        reason = _ignored_reason(path)
        if reason is not None:
            ignored.append((path, reason))
            continue
        dataset = mapping.files.get(path.name) or stems.get(path.stem)
        if path.suffix.lower() not in SUFFIXES and dataset is None:
            ignored.append((path, "not a dataset file (huimin reads .csv, .xlsx and .parquet)"))
            continue
        problem = _link_problem(path, folder)
        if problem is not None:
            errors.append(problem)
            continue
        if path.suffix.lower() not in SUFFIXES:
            errors.append(
                DataFileError(
                    path,
                    f"'{path.suffix}' is not a form huimin reads",
                    "send .csv, .xlsx, .xls or .parquet",
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
        if dataset in mapping.absent:
            raise ConfigError(
                f"{mapping.absent[dataset]}: dataset '{dataset}' is declared absent but "
                f"{path.name} is in the input folder: remove one of them"
            )
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
        renames = mapping.renames.get(dataset, {})
        sources.append(Source(dataset, DATASETS[dataset], paths[0], dict(renames)))
    return Discovery(sources, errors, ignored, frozenset(mapping.absent))
