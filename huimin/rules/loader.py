"""Load rule files (``rules/<policy>.yaml``) strictly, reporting every problem at once.

Each problem is a :class:`~huimin.rules.model.RuleProblem` located ``file:line:column`` where
the offending value (or the mapping lacking a key) was written. SQL must first be one
expression over the row (:func:`huimin.rules.sql.sql_refusal`: no subquery, no table
function), then it is parsed with ``pl.sql_expr`` and resolved against
:func:`huimin.rules.context.condition_schema`, so an unknown column is reported with the
closest existing one. ``docs/writing-rules.md`` describes the format for the policy officers
who write these files.

A rule file's ``parameters`` name parameters of the tree (``rules/parameters/``, read by
:mod:`huimin.rules.params_loader`) under local names: ``standard: dibao.rural_standard`` lets its
SQL say ``param.standard``. ``summary`` and ``verify`` are text templates whose placeholders
are checked here (:mod:`huimin.rules.templates`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import polars as pl

from huimin.contract import DATASETS, ROSTERS, FieldSpec
from huimin.resources import project_file
from huimin.rules import context
from huimin.rules.kinds import ALL_KIND_KEYS, COMMON_KEYS, KINDS, SEVERITIES, KeySpec, RuleCheck
from huimin.rules.model import (
    Example,
    Loc,
    Parameter,
    Rule,
    RuleFile,
    RuleFileError,
    RuleProblem,
    Severity,
)
from huimin.rules.params import value_in_force
from huimin.rules.params_loader import (
    ParameterTree,
    load_district,
    load_tree,
    tree_folder,
)
from huimin.rules.sql import sql_refusal
from huimin.rules.templates import template_issues
from huimin.rules.yamlsrc import (
    Reader,
    SqlChecker,
    YMap,
    YNode,
    YScalar,
    YSeq,
    params_used,
    parse,
    suggest,
)

ROSTER_NAMES = tuple(model.__dataset__ for model in ROSTERS)
#: what registry/dataset/roster keys may name: the contract's datasets and the pooled ones
DATASET_NAMES = tuple(context.dataset_names())
ROSTER_KEYS = tuple(n for n in DATASET_NAMES if context.model_of(n).__family__ == "roster")
ROOT_KEYS = ("policy", "project", "department", "parameters", "rules")
ROOT_REQUIRED = ("policy", "project", "department", "rules")
SCOPES = ("person", "household")
RULE_REQUIRED = ("id", "title", "description", "severity", "reference", "kind", "examples")
EXAMPLE_KEYS = ("name", "as_of", "given", "expect")
EXPECT_KEYS = ("subject", "period", "amount", "summary")
#: text templates of a rule (疑点描述, 核查要点), beside the common keys
TEMPLATE_KEYS = ("summary", "verify")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
#: a rule file is a few dozen kB; anything this large is refused before it is read
MAX_RULE_FILE_BYTES = 2 << 20
#: the project's parameter tree, used by rule files in a folder without its own
PROJECT_TREE = project_file("rules", "parameters")


def rule_files(folder: Path = Path("rules")) -> list[Path]:
    """The rule files of a folder, sorted."""
    return sorted(folder.glob("*.yaml"))


def default_tree(paths: Iterable[Path]) -> Path:
    """The tree of rule files: ``parameters/`` beside them, else the project's."""
    for path in paths:
        folder = tree_folder(path.parent)
        return folder if folder.is_dir() else PROJECT_TREE
    return PROJECT_TREE


def load_rule_file(path: Path, *, tree: Path | None = None) -> RuleFile:
    """One rule file; raises :class:`RuleFileError` with every problem of the file (and of
    the parameter tree)."""
    (loaded,) = load_rules([path], tree=tree)
    return loaded


def load_parameters(
    tree: Path, overrides: Path | None = None
) -> tuple[ParameterTree, dict[str, Parameter], list[RuleProblem]]:
    """The tree, its parameters with a district's values merged in, and the problems of both."""
    loaded = load_tree(tree)
    problems = list(loaded.problems)
    parameters = loaded.parameters
    if overrides is not None:
        parameters, found = load_district(overrides, loaded)
        problems.extend(found)
    return loaded, parameters, problems


def load_rules(
    paths: Iterable[Path], *, tree: Path | None = None, overrides: Path | None = None
) -> list[RuleFile]:
    """Every file, checked on its own and together (rule ids are unique across files).

    ``tree`` is the parameter tree (default :func:`default_tree`); ``overrides`` a district's
    ``parameters.yaml``, whose values are merged into the parameters the files declare.
    """
    paths = list(paths)
    loaded_tree, parameters, problems = load_parameters(tree or default_tree(paths), overrides)
    broken = loaded_tree.broken
    files: list[RuleFile] = []
    seen_ids: dict[str, Loc] = {}
    seen_policies: dict[str, str] = {}
    for path in paths:
        loader = _FileLoader(path, parameters, broken)
        loaded = loader.run()
        problems.extend(loader.reader.problems)
        for rule_id, loc in loader.rule_ids:
            if rule_id in seen_ids and seen_ids[rule_id].file != loc.file:
                message = f"duplicate rule id '{rule_id}' (first defined at {seen_ids[rule_id]})"
                problems.append(RuleProblem(loc, message))
            seen_ids.setdefault(rule_id, loc)
        if loaded is not None:
            if loaded.policy in seen_policies:
                message = f"a second file for policy '{loaded.policy}' (first: "
                message += f"{seen_policies[loaded.policy]})"
                problems.append(RuleProblem(Loc(loaded.path, 1, 1), message))
            seen_policies.setdefault(loaded.policy, loaded.path)
            files.append(loaded)
    if problems:
        raise RuleFileError(sort_problems(problems))
    return files


def sort_problems(problems: Iterable[RuleProblem]) -> list[RuleProblem]:
    """By place; a problem found twice (a tree file's zone_by checked for two rule files) once."""
    unique = {str(p): p for p in problems}.values()
    return sorted(unique, key=lambda p: (p.loc.file, p.loc.line, p.loc.column, p.message))


def format_problems(problems: Iterable[RuleProblem]) -> str:
    """One problem a line, ``file:line:column: message``, sorted by place."""
    return "\n".join(str(problem) for problem in sort_problems(problems))


class _FileLoader:
    """Reads one file; problems go to ``reader.problems``, rule ids to ``rule_ids``."""

    def __init__(
        self,
        path: Path,
        tree: Mapping[str, Parameter],
        broken: Iterable[str] = (),
    ) -> None:
        self.path = path
        self.file = path.as_posix()
        self.reader = Reader(self.file)
        self.policy: str | None = None
        self.tree = tree
        self.broken = frozenset(broken)
        self.parameters: dict[str, Parameter] = {}
        #: local names whose tree parameter is unknown (reported once, where it is named)
        self.unresolved: list[str] = []
        self.rule_ids: list[tuple[str, Loc]] = []
        self.sql = SqlChecker(self.reader)

    def run(self) -> RuleFile | None:
        try:
            size = self.path.stat().st_size
            if size > MAX_RULE_FILE_BYTES:
                message = f"the file is {size / 2**20:.1f} MB, more than a rule file may be "
                message += (
                    f"({MAX_RULE_FILE_BYTES >> 20} MB): it holds rules and small examples, not data"
                )
                self.reader.add(Loc(self.file, 1, 1), message)
                return None
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self.reader.add(Loc(self.file, 1, 1), f"cannot read the file: {error}")
            return None
        root, problems = parse(text, self.file)
        self.reader.problems.extend(problems)
        if root is None:
            return None
        return self._file(root)

    def _file(self, root: YNode) -> RuleFile | None:
        r = self.reader
        top = r.mapping(root, "a rule file")
        if top is None:
            return None
        r.keys(top, ROOT_KEYS, ROOT_REQUIRED, "the rule file")
        e = top.entries
        self.policy = self._policy(e["policy"]) if "policy" in e else None
        project = self._header(e.get("project"), "project", "__roster_project__")
        department = self._header(e.get("department"), "department", "__roster_department__")
        if "parameters" in e:
            self.parameters = self._parameters(e["parameters"])
        rules = self._rules(e["rules"]) if "rules" in e else []
        return RuleFile(
            self.file, self.policy or "", project, department, self.parameters, tuple(rules)
        )

    # ---------------------------------------------------------------- header

    def _policy(self, node: YNode) -> str | None:
        r = self.reader
        name = r.text(node, "policy")
        if name is None:
            return None
        if name not in DATASETS:
            message = f"unknown dataset '{name}': policy must name a roster"
            r.add(node.loc, message, suggest(name, ROSTER_NAMES))
            return None
        if name not in ROSTER_NAMES:
            family = DATASETS[name].__family__
            message = f"'{name}' is a {family}, not a roster: policy must name a roster"
            r.add(node.loc, message, suggest(self.path.stem, ROSTER_NAMES))
            return None
        if name != self.path.stem:
            message = f"policy '{name}' differs from the file name {self.path.name}: "
            message += f"the file must be named {name}.yaml"
            r.add(node.loc, message, self.path.stem if self.path.stem in ROSTER_NAMES else None)
        return name

    def _header(self, node: YNode | None, key: str, attr: str) -> str:
        value = self.reader.text(node, key) if node is not None else None
        if value is None or node is None or self.policy is None:
            return value or ""
        expected = getattr(DATASETS[self.policy], attr)
        if expected and value != expected:
            message = f"{key} '{value}' differs from the appendix table's for {self.policy}"
            self.reader.add(node.loc, message, expected)
        return value

    # ---------------------------------------------------------------- parameters

    def _parameters(self, node: YNode) -> dict[str, Parameter]:
        """``local name: tree name`` entries: the tree's parameter under the local name."""
        r = self.reader
        block = r.mapping(node, "parameters")
        if block is None:
            return {}
        out: dict[str, Parameter] = {}
        for local, path_node in block.entries.items():
            if not NAME.match(local):
                message = f"parameter name '{local}' must be lower-case letters, digits and _, "
                r.add(block.key_locs[local], message + "starting with a letter")
            if isinstance(path_node, YMap):
                message = f"parameter '{local}' must name a parameter of the tree (e.g. "
                message += f"{local}: dibao.rural_standard); its values go in "
                r.add(path_node.loc, message + "rules/parameters/<folder>/<name>.yaml")
                continue
            name = r.text(path_node, f"parameter '{local}'")
            if name is None:
                continue
            parameter = self.tree.get(name)
            if parameter is None:
                self.unresolved.append(local)
                if name not in self.broken:
                    message = f"parameter '{local}': unknown parameter '{name}' (no file "
                    message += f"rules/parameters/{name.replace('.', '/')}.yaml)"
                    r.add(path_node.loc, message, suggest(name, self.tree))
                continue
            out[local] = replace(parameter, local=local)
            if parameter.zone_by is not None and self.policy is not None:
                where = parameter.zone_by_loc or parameter.loc
                self.sql.check(parameter.zone_by, where, self.policy, what="zone_by")
        return out

    # ---------------------------------------------------------------- rules

    def _rules(self, node: YNode) -> list[Rule]:
        seq = self.reader.sequence(node, "rules")
        if seq is None:
            return []
        rules = [self._rule(item) for item in seq.items]
        first: dict[str, Loc] = {}
        for rule_id, loc in self.rule_ids:
            if rule_id in first:
                message = f"duplicate rule id '{rule_id}' (first defined at {first[rule_id]})"
                self.reader.add(loc, message)
            first.setdefault(rule_id, loc)
        return [rule for rule in rules if rule is not None]

    def _rule(self, node: YNode) -> Rule | None:
        r = self.reader
        block = r.mapping(node, "a rule")
        if block is None:
            return None
        e = block.entries
        kind = r.choice(e["kind"], "kind", tuple(KINDS)) if "kind" in e else None
        rule_id = self._rule_id(e["id"]) if "id" in e else None
        what = f"rule '{rule_id}'" if rule_id else "the rule"
        own = KINDS[kind].keys if kind else {}
        allowed = (*COMMON_KEYS, *TEMPLATE_KEYS, *(own if kind else ALL_KIND_KEYS))
        required = (*RULE_REQUIRED, *(k for k, spec in own.items() if spec.required))
        r.keys(block, allowed, required, what)
        texts = {k: r.text(e[k], k) for k in ("title", "description", "reference") if k in e}
        severity = r.choice(e["severity"], "severity", SEVERITIES) if "severity" in e else None
        spec, locs = self._spec(block, kind)
        evidence = r.text_list(e["evidence"], "evidence") if "evidence" in e else []
        self._check_rule_sql(kind, spec, locs, evidence or [], e.get("evidence"))
        kind_texts = KINDS[kind].sql_texts(spec) if kind else []
        used = params_used([*kind_texts, *(evidence or [])])
        household = spec.get("scope") == "household"
        templates = {
            key: self._template(e[key], key, evidence or [], household)
            for key in TEMPLATE_KEYS
            if key in e
        }
        examples = self._examples(e["examples"], used) if "examples" in e else []
        if None in (rule_id, kind, severity) or len(texts) < 3 or None in texts.values():
            return None
        return Rule(
            cast(str, rule_id),
            texts["title"] or "",
            texts["description"] or "",
            cast(Severity, severity),
            texts["reference"] or "",
            cast(str, kind),
            spec,
            tuple(evidence or []),
            tuple(examples),
            block.loc,
            locs,
            summary=templates.get("summary"),
            verify=templates.get("verify"),
        )

    def _template(self, node: YNode, key: str, evidence: list[str], household: bool) -> str | None:
        """A text template whose every placeholder is a field a clue has."""
        text = self.reader.text(node, key)
        if text is None:
            return None
        params = [*self.parameters, *self.unresolved]
        found = template_issues(text, params, evidence, household)
        for message, hint in found:
            self.reader.add(node.loc, f"{key}: {message}", hint)
        return None if found else text

    def _rule_id(self, node: YNode) -> str | None:
        rule_id = self.reader.text(node, "id")
        if rule_id is None:
            return None
        if not RULE_ID.match(rule_id):
            message = f"rule id '{rule_id}' must look like {self.policy or 'policy'}.what_it_finds"
            self.reader.add(node.loc, message + " (lower-case letters, digits, _ and dots)")
            return None
        self.rule_ids.append((rule_id, node.loc))
        return rule_id

    def _spec(self, block: YMap, kind: str | None) -> tuple[dict[str, Any], dict[str, Loc]]:
        """The kind's keys (defaults filled in) and where each key's value was written."""
        locs = {key: value.loc for key, value in block.entries.items()}
        spec: dict[str, Any] = {}
        if kind is None:
            return spec, locs
        for key, key_spec in KINDS[kind].keys.items():
            node = block.entries.get(key)
            spec[key] = self._key_value(node, key, key_spec) if node is not None else None
            if node is None and key_spec.default is not None:
                spec[key] = key_spec.default
                locs[key] = block.loc
        for key, value in spec.items():  # a default naming another key: its value
            if isinstance(value, str) and key not in block.entries:
                for name in KINDS[kind].keys:
                    value = value.replace(f"{{{name}}}", str(spec.get(name)))
                spec[key] = value
        return spec, locs

    def _key_value(self, node: YNode, key: str, key_spec: KeySpec) -> Any:
        r = self.reader
        kind = key_spec.type
        if kind in ("sql", "column"):
            return r.text(node, key)
        if kind == "sql_list":
            return r.text_list(node, key)
        if kind == "int":
            number = r.integer(node, key)
            if number is not None and number < 1:
                r.add(node.loc, f"{key} must be at least 1")
            return number
        if kind == "scope":
            return r.choice(node, key, SCOPES)
        if kind == "str_list":
            names = r.text_list(node, key)
            return [name for name in names or [] if self._dataset(node, name, key, True)]
        if kind == "datasets" and isinstance(node, YSeq):
            names = r.text_list(node, key) or []
            found = [name for name in names if self._dataset(node, name, key, False)]
            return found if found and len(found) == len(names) else None
        name = r.text(node, key)
        return name if name and self._dataset(node, name, key, kind == "roster") else None

    def _dataset(self, node: YNode, name: str, key: str, roster: bool) -> bool:
        allowed = ROSTER_KEYS if roster else DATASET_NAMES
        if name in allowed:
            return True
        what = "roster" if roster else "dataset"
        if name in DATASET_NAMES:
            message = f"{key}: '{name}' is a {context.model_of(name).__family__}, not a roster"
        else:
            message = f"{key}: unknown {what} '{name}'"
        self.reader.add(node.loc, message, suggest(name, allowed))
        return False

    def _check_rule_sql(
        self,
        kind: str | None,
        spec: dict[str, Any],
        locs: dict[str, Loc],
        evidence: list[str],
        evidence_node: YNode | None,
    ) -> None:
        if kind is None or self.policy is None:
            return
        kind_spec = KINDS[kind]
        other = kind_spec.other_dataset(spec)
        if kind_spec.other_key and other is None:
            return  # the other dataset is unknown: reported already
        typed = [p.typed_name for p in self.parameters.values()] + self.unresolved
        if kind_spec.check is not None:
            checking = RuleCheck(kind_spec, spec, locs, self.policy, typed, self.reader, self.sql)
            kind_spec.check(checking)
        household = spec.get("scope") == "household"
        via = spec.get("via")
        if via is not None and via not in DATASET_NAMES:
            return
        args = (self.policy, typed, other, household, via)
        for key, key_spec in kind_spec.keys.items():
            texts = [spec[key]] if key_spec.type == "sql" else spec[key] or []
            if key_spec.type in ("sql", "sql_list") and spec.get(key) is not None:
                for text in texts:
                    self.sql.check(text, locs[key], *args, what=key, boolean=key == "condition")
        items = evidence_node.items if isinstance(evidence_node, YSeq) else ()
        for text, item in zip(evidence, items, strict=False):
            self.sql.check(text, item.loc, *args, what="evidence")

    # ---------------------------------------------------------------- examples

    def _examples(self, node: YNode, used: list[str]) -> list[Example]:
        seq = self.reader.sequence(node, "examples")
        if seq is None:
            return []
        if not seq.items:
            self.reader.add(seq.loc, "a rule needs at least one example")
        examples = [self._example(item, used) for item in seq.items]
        return [example for example in examples if example is not None]

    def _example(self, node: YNode, used: list[str]) -> Example | None:
        r = self.reader
        block = r.mapping(node, "an example")
        if block is None:
            return None
        r.keys(block, EXAMPLE_KEYS, EXAMPLE_KEYS, "the example")
        e = block.entries
        name = r.text(e["name"], "name of the example") if "name" in e else None
        as_of = r.date(e["as_of"], "as_of") if "as_of" in e else None
        given = self._given(e["given"]) if "given" in e else None
        expect = self._expect(e["expect"]) if "expect" in e else None
        if given is not None and self.policy in given:
            self._coverage(block.loc, name or "", given[self.policy or ""], used)
        if name is None or as_of is None or given is None or expect is None:
            return None
        return Example(name, as_of, given, expect, block.loc)

    def _given(self, node: YNode) -> dict[str, list[dict[str, Any]]] | None:
        r = self.reader
        block = r.mapping(node, "given")
        if block is None:
            return None
        out: dict[str, list[dict[str, Any]]] = {}
        for name, rows_node in block.entries.items():
            if name not in DATASETS:
                message = f"unknown dataset '{name}' in given"
                r.add(block.key_locs[name], message, suggest(name, DATASETS))
                continue
            rows = r.sequence(rows_node, f"given {name}")
            fields = _contract_fields(name)
            out[name] = [self._row(item, name, fields) for item in rows.items] if rows else []
        if self.policy is not None and self.policy not in block.entries:
            r.add(block.loc, f"given must include rows of the policy roster '{self.policy}'")
        return out

    def _row(self, node: YNode, dataset: str, fields: dict[str, FieldSpec]) -> dict[str, Any]:
        r = self.reader
        block = r.mapping(node, f"a row of {dataset}")
        if block is None:
            return {}
        row: dict[str, Any] = {}
        for key, value_node in block.entries.items():
            if key not in fields:
                message = f"unknown field '{key}' of dataset '{dataset}'; fields: "
                r.add(block.key_locs[key], message + ", ".join(fields), suggest(key, fields))
                continue
            row[key] = r.field_value(value_node, fields[key], f"{dataset}.{key}")
        return row

    def _expect(self, node: YNode) -> list[dict[str, Any]] | None:
        r = self.reader
        seq = r.sequence(node, "expect")
        if seq is None:
            return None
        out: list[dict[str, Any]] = []
        for item in seq.items:
            block = r.mapping(item, "an expected clue")
            if block is None:
                continue
            r.keys(block, EXPECT_KEYS, ("subject", "period"), "an expected clue")
            e = block.entries
            clue: dict[str, Any] = {}
            if "subject" in e:
                clue["subject"] = r.text(e["subject"], "subject")
            if "period" in e:
                period = e["period"]
                if isinstance(period, YScalar) and period.kind == "int":
                    clue["period"] = period.text
                else:
                    clue["period"] = r.text(period, "period")
            if "amount" in e:
                clue["amount"] = r.number(e["amount"], "amount")
            if "summary" in e:
                clue["summary"] = r.text(e["summary"], "summary")
            out.append(clue)
        return out

    def _coverage(self, loc: Loc, name: str, rows: list[dict[str, Any]], used: list[str]) -> None:
        """Every parameter the rule uses has a value in force for each roster row's period."""
        params = [self.parameters[p] for p in used if p in self.parameters]
        if not params or self.policy is None:
            return
        reported: set[tuple[str, str]] = set()
        for period, start, zones in _row_periods(self.policy, rows, params):
            for param in params:
                local = param.local_name
                zone = zones.get(local)
                if (
                    start is None
                    or value_in_force(param, start, zone)
                    or (local, period) in reported
                ):
                    continue
                reported.add((local, period))
                where = f" and zone {zone}" if param.zone_by else ""
                message = f"example '{name}': parameter '{local}' has no value in force "
                self.reader.add(loc, message + f"on {start} (period {period}{where})")


@functools.cache
def _contract_fields(dataset: str) -> dict[str, FieldSpec]:
    """The contract's fields of a dataset by name (read once per process: pandera builds the
    schema anew on each call)."""
    return {spec.name: spec for spec in DATASETS[dataset].field_specs()}


def _row_periods(
    policy: str, rows: list[dict[str, Any]], params: list[Parameter]
) -> list[tuple[str, dt.date | None, dict[str, str | None]]]:
    """Each given roster row's period, period start and zone per zoned parameter."""
    model = DATASETS[policy]
    schema = model.polars_schema()
    zoned = [p for p in params if p.zone_by]
    if any(sql_refusal(p.zone_by or "") is not None for p in zoned):
        return []  # reported where zone_by is written; polars never sees it
    try:
        frame = pl.DataFrame(
            [{k: row.get(k) for k in schema} for row in rows], schema=schema, strict=False
        )
        prepared = context.prepare(frame.lazy(), model)
        zones = [pl.sql_expr(p.zone_by or "").cast(pl.String).alias(p.local_name) for p in zoned]
        out = prepared.select("period", "period_start", *zones).collect()
    except (pl.exceptions.PolarsError, TypeError, ValueError):
        return []
    return [
        (str(rec["period"]), rec["period_start"], {p.local_name: rec[p.local_name] for p in zoned})
        for rec in out.iter_rows(named=True)
    ]
