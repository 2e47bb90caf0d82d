"""Load the parameter tree (``rules/parameters/``) and a district's ``parameters.yaml``.

The tree holds one file per parameter; its path is its name:
``rules/parameters/dibao/rural_standard.yaml`` is ``dibao.rural_standard``. A file says
``title``, ``unit``, ``reference`` (the policy document), optionally ``zone_by`` (SQL over the
roster row picking the zone) and its ``values``, each with ``value``, ``start``, optional
``end`` and ``zone``, ``status`` (published, assumed, example), ``source`` and optional
``note`` and ``reference`` (the document of this value, if not the parameter's).

A district's own values (its input folder's ``parameters.yaml``, or any file given) name
parameters of the tree::

    parameters:
      dibao.rural_standard:
        values:
          - {value: 850, start: 2024-01-01, status: published, source: 东西湖区通知}

Wherever a district value is in force (for its zone) it wins over the project's
(:func:`huimin.rules.params.effective_ranges`). Every problem is a located
:class:`~huimin.rules.model.RuleProblem`, as for rule files.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

from huimin.rules.model import (
    Loc,
    Origin,
    Parameter,
    ParamValue,
    RuleFile,
    RuleProblem,
    ValueStatus,
)
from huimin.rules.yamlsrc import Reader, YMap, YNode, YScalar, describe, parse, suggest

#: the folder of the tree, inside a rules folder
TREE_FOLDER = "parameters"
#: the name of a district's own values in its input folder
DISTRICT_FILE = "parameters.yaml"
PARAM_KEYS = ("title", "unit", "reference", "zone_by", "values")
PARAM_REQUIRED = ("title", "unit", "reference", "values")
VALUE_KEYS = ("value", "start", "end", "zone", "status", "source", "note", "reference")
VALUE_REQUIRED = ("value", "start", "status", "source")
STATUSES = ("published", "example", "assumed")
DISTRICT_ROOT_KEYS = ("parameters",)
DISTRICT_PARAM_KEYS = ("values",)
_DATE_LIKE = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s*$")
SEGMENT = re.compile(r"^[a-z][a-z0-9_]*$")
#: a parameter file or a district's parameters.yaml is a few kB
MAX_PARAMETER_FILE_BYTES = 1 << 20


@dataclass
class ParameterTree:
    """The tree's parameters by name, where it was read from and the problems found."""

    folder: Path
    parameters: dict[str, Parameter] = field(default_factory=dict)
    problems: list[RuleProblem] = field(default_factory=list)
    #: files that could not be read as a parameter (reported): not "unknown" where named
    broken: set[str] = field(default_factory=set)

    @property
    def names(self) -> list[str]:
        return sorted(self.parameters)


def tree_folder(rules_folder: Path) -> Path:
    """The tree beside rule files: ``<rules folder>/parameters``."""
    return rules_folder / TREE_FOLDER


def district_file(input_dir: Path) -> Path | None:
    """A district's own values in its input folder (``parameters.yaml``), if it has one."""
    path = input_dir / DISTRICT_FILE
    return path if path.is_file() else None


def tree_name(folder: Path, path: Path) -> str:
    """``<folder>/dibao/rural_standard.yaml`` → ``dibao.rural_standard``."""
    return ".".join(path.relative_to(folder).with_suffix("").parts)


def tree_files(folder: Path) -> list[Path]:
    """Every parameter file of the tree, sorted."""
    return sorted(path for path in folder.rglob("*.yaml") if path.is_file())


def load_tree(folder: Path) -> ParameterTree:
    """Every parameter file under ``folder`` (problems in ``ParameterTree.problems``)."""
    tree = ParameterTree(folder)
    if not folder.is_dir():
        return tree
    for path in tree_files(folder):
        file = path.as_posix()
        reader = Reader(file)
        name = tree_name(folder, path)
        parts = path.relative_to(folder).with_suffix("").parts
        bad = [part for part in parts if not SEGMENT.match(part)]
        if bad:
            message = f"parameter file name '{'/'.join(parts)}.yaml': each folder and the file "
            message += "name must be lower-case letters, digits and _, starting with a letter"
            reader.add(Loc(file, 1, 1), message)
        root = _read(path, reader, "a parameter file")
        if root is not None:
            parameter = _ValueReader(reader, "project").parameter(name, root)
            if parameter is not None and not bad:
                tree.parameters[name] = parameter
        if name not in tree.parameters:
            tree.broken.add(name)
        tree.problems.extend(reader.problems)
    return tree


def load_district(
    path: Path, tree: ParameterTree
) -> tuple[dict[str, Parameter], list[RuleProblem]]:
    """A district's ``parameters.yaml`` merged into the tree: every tree parameter, those the
    file names with the district's values added (``origin == "district"``)."""
    reader = Reader(path.as_posix())
    merged = dict(tree.parameters)
    root = _read(path, reader, "a district's parameters file")
    block = _district_block(reader, root) if root is not None else None
    if block is None:
        return merged, reader.problems
    for name, param_node in block.entries.items():
        parameter = tree.parameters.get(name)
        if parameter is None:
            if name not in tree.broken:
                message = f"unknown parameter '{name}': the project's tree has no "
                message += f"rules/parameters/{name.replace('.', '/')}.yaml"
                reader.add(block.key_locs[name], message, suggest(name, tree.parameters))
            continue
        values = _ValueReader(reader, "district").district_values(parameter, param_node)
        merged[name] = replace(parameter, values=(*parameter.values, *values))
    return merged, reader.problems


def _district_block(reader: Reader, root: YNode) -> YMap | None:
    top = reader.mapping(root, "a district's parameters file")
    if top is None:
        return None
    reader.keys(top, DISTRICT_ROOT_KEYS, DISTRICT_ROOT_KEYS, "the district's parameters file")
    node = top.entries.get("parameters")
    return reader.mapping(node, "parameters") if node is not None else None


def _read(path: Path, reader: Reader, what: str) -> YNode | None:
    try:
        size = path.stat().st_size
        if size > MAX_PARAMETER_FILE_BYTES:
            message = f"the file is {size / 2**20:.1f} MB, more than {what} may be "
            reader.add(Loc(reader.file, 1, 1), message + f"({MAX_PARAMETER_FILE_BYTES >> 20} MB)")
            return None
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error.strerror
        reader.add(Loc(reader.file, 1, 1), f"cannot read the file: {reason}")
        return None
    root, problems = _parsed(text, reader.file)
    reader.problems.extend(problems)
    return root


@functools.lru_cache(maxsize=256)
def _parsed(text: str, file: str) -> tuple[YNode | None, tuple[RuleProblem, ...]]:
    """A file's nodes, parsed once per process while its text is the same: ``huimin rules
    check`` reads the tree again to list the parameters no rule uses."""
    root, problems = parse(text, file)
    return root, tuple(problems)


class _ValueReader:
    """Reads a tree file or a district's values, reporting to ``reader``."""

    def __init__(self, reader: Reader, origin: Origin) -> None:
        self.reader = reader
        self.origin: Origin = origin

    def parameter(self, name: str, node: YNode) -> Parameter | None:
        r = self.reader
        what = f"parameter '{name}'"
        block = r.mapping(node, f"the file of {what}")
        if block is None:
            return None
        r.keys(block, PARAM_KEYS, PARAM_REQUIRED, what)
        e = block.entries
        texts = {
            k: r.text(e[k], f"{k} of {what}") for k in ("title", "unit", "reference") if k in e
        }
        zone_by = r.text(e["zone_by"], f"zone_by of {what}") if "zone_by" in e else None
        reference = texts.get("reference") or ""
        zoned = "zone_by" in e
        values = self.values(what, e["values"], zoned, reference) if "values" in e else []
        check_values(r, what, values)
        return Parameter(
            name,
            texts.get("title") or "",
            texts.get("unit") or "",
            reference,
            zone_by,
            tuple(values),
            block.loc,
            zone_by_loc=e["zone_by"].loc if zone_by is not None else None,
        )

    def district_values(self, parameter: Parameter, node: YNode) -> list[ParamValue]:
        r = self.reader
        what = f"parameter '{parameter.name}'"
        block = r.mapping(node, what)
        if block is None:
            return []
        r.keys(block, DISTRICT_PARAM_KEYS, DISTRICT_PARAM_KEYS, f"{what} of the district")
        if "values" not in block.entries:
            return []
        zoned = parameter.zone_by is not None
        values = self.values(what, block.entries["values"], zoned, parameter.reference)
        kinds = [_kind(v) for v in values]
        expected = "date" if parameter.is_date else "number"
        for value, kind in zip(values, kinds, strict=True):
            if kind != expected:
                message = f"{what}: the value must be a {expected}, as in the project's tree, "
                r.add(value.loc, message + f"not a {kind}")
        known = parameter.zones
        for value in values:
            if zoned and value.zone is not None and value.zone not in known:
                message = f"{what}: unknown zone '{value.zone}'; its zones: {', '.join(known)}"
                r.add(value.loc, message, suggest(value.zone, known))
        check_values(r, f"{what} (district values)", values)
        return [v for v, kind in zip(values, kinds, strict=True) if kind == expected]

    def values(self, what: str, node: YNode, zoned: bool, reference: str) -> list[ParamValue]:
        seq = self.reader.sequence(node, f"values of {what}")
        if seq is None:
            return []
        if not seq.items:
            self.reader.add(seq.loc, f"{what} has no values")
        values = [self.value(what, item, zoned, reference) for item in seq.items]
        return [value for value in values if value is not None]

    def value(self, what: str, node: YNode, zoned: bool, reference: str) -> ParamValue | None:
        r = self.reader
        block = r.mapping(node, f"a value of {what}")
        if block is None:
            return None
        r.keys(block, VALUE_KEYS, VALUE_REQUIRED, f"a value of {what}")
        e = block.entries
        value = self._param_value(e["value"]) if "value" in e else None
        start = r.date(e["start"], "start") if "start" in e else None
        end = r.date(e["end"], "end") if "end" in e else None
        if start is not None and end is not None and end < start:
            r.add(e["end"].loc, f"end {end} is before start {start}")
        zone = self._zone(block, what, zoned)
        status = r.choice(e["status"], "status", STATUSES) if "status" in e else None
        source = r.text(e["source"], "source") if "source" in e else None
        note = r.text(e["note"], "note") if "note" in e else ""
        own = r.text(e["reference"], "reference") if "reference" in e else None
        if value is None or start is None or status is None or source is None:
            return None
        return ParamValue(
            value,
            start,
            end,
            zone,
            cast(ValueStatus, status),
            source,
            note or "",
            block.loc,
            own or reference,
            self.origin,
        )

    def _param_value(self, node: YNode) -> float | dt.date | None:
        """A number (an amount, a rate) or a date (e.g. the first day of a programme)."""
        if isinstance(node, YScalar) and (node.kind == "timestamp" or _DATE_LIKE.match(node.text)):
            return self.reader.date(node, "value")
        if isinstance(node, YScalar) and node.kind == "str":
            message = f"value must be a number or a date written YYYY-MM-DD, not {describe(node)}"
            self.reader.add(node.loc, message)
            return None
        return self.reader.number(node, "value")

    def _zone(self, block: YMap, what: str, zoned: bool) -> str | None:
        node = block.entries.get("zone")
        if node is None:
            if zoned:
                self.reader.add(block.loc, f"{what} has zone_by, so each value needs a zone")
            return None
        if not zoned:
            message = f"zone given but {what} has no zone_by (add zone_by or remove the zone)"
            self.reader.add(block.key_locs["zone"], message)
            return None
        if isinstance(node, YScalar) and node.kind == "int":
            return node.text
        return self.reader.text(node, "zone")


def _kind(value: ParamValue) -> str:
    return "date" if isinstance(value.value, dt.date) else "number"


def check_values(r: Reader, what: str, values: list[ParamValue]) -> None:
    """No two values of a zone overlap; the values are all numbers or all dates.

    A value without an end runs until the next one starts; an explicit end must not reach
    into the next value, and two values of a zone cannot start on the same day.
    """
    ordered = sorted(values, key=lambda v: (v.start, v.loc.line))
    for i, later in enumerate(ordered):
        for earlier in ordered[:i]:
            if earlier.zone != later.zone:
                continue
            reaches = earlier.end is not None and earlier.end >= later.start
            if earlier.start == later.start or reaches:
                zone = f" in zone {later.zone}" if later.zone is not None else ""
                message = f"{what}: the value from {later.start}{zone} overlaps the value from "
                r.add(later.loc, message + f"{earlier.start} (line {earlier.loc.line})")
                break
    dates = [v for v in values if isinstance(v.value, dt.date)]
    if dates and len(dates) < len(values):
        r.add(dates[0].loc, f"{what} mixes dates and numbers: its values must all be one kind")


def unused_parameters(tree: ParameterTree, files: Iterable[RuleFile]) -> list[Parameter]:
    """The tree's parameters no rule file declares (for ``huimin rules check`` to list)."""
    used = {p.name for rule_file in files for p in rule_file.parameters.values()}
    return [p for name, p in sorted(tree.parameters.items()) if name not in used]
