"""Values of a rule file with their locations: typed readers and SQL checks.

:mod:`huimin.rules.yamlread` reads the YAML text into located nodes (:func:`parse`, also used
for an input folder's ``sources.yaml`` through :func:`config_tree`): each scalar keeps its
resolved YAML type and its text, dates stay text until the loader reads them (a wrong date such
as ``2023-02-30`` is then reported where it was written), a key written twice is reported with
both places, and anchors, aliases, merge keys, tags and too deep a nesting are refused, located.
:class:`Reader` collects problems while reading typed values (text, number, date, choice ...)
out of the nodes, and :class:`SqlChecker` first checks the shape of an SQL text
(:func:`huimin.rules.sql.sql_refusal`), then resolves it against the columns a rule may use
(:func:`huimin.rules.context.condition_schema`), naming the closest column of an unknown one.
Its messages are huimin's own words: polars' texts may repeat the SQL, literals included.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from huimin.contract import DATASETS, FieldSpec
from huimin.rules.context import condition_schema
from huimin.rules.model import Loc, RuleProblem
from huimin.rules.sql import sql_refusal
from huimin.rules.yamlread import YamlRefusedError as YamlRefusedError
from huimin.rules.yamlread import YMap as YMap
from huimin.rules.yamlread import YNode as YNode
from huimin.rules.yamlread import YScalar as YScalar
from huimin.rules.yamlread import YSeq as YSeq
from huimin.rules.yamlread import read

DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TEXT_KINDS = ("id_number", "text", "enum", "month")


def describe(node: YNode) -> str:
    """How a value looks to the person who wrote it, for messages."""
    if isinstance(node, YMap):
        return "a mapping (key: value lines)"
    if isinstance(node, YSeq):
        return "a list"
    if node.kind == "null":
        return "an empty value"
    if node.kind in ("int", "float"):
        return f"the number {node.text}"
    if node.kind == "timestamp":
        return f"the date {node.text}"
    return f"the {'yes/no value' if node.kind == 'bool' else 'text'} '{node.text}'"


def suggest(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate (difflib), if any is close enough."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def parse(text: str, file: str) -> tuple[YNode | None, list[RuleProblem]]:
    """The document's root node (None if the file is empty or not YAML) and the problems."""
    try:
        root, problems = read(text, file)
    except YamlRefusedError as refused:
        return None, [refused.problem()]
    if root is None:
        return None, [RuleProblem(Loc(file, 1, 1), "the file is empty")]
    return root, problems


def plain(node: YNode) -> Any:
    """The node as plain Python data (dates stay text)."""
    if isinstance(node, YMap):
        return {key: plain(value) for key, value in node.entries.items()}
    if isinstance(node, YSeq):
        return [plain(item) for item in node.items]
    return node.value


def read_date(text: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` date, or None if the text is not a real date in that form."""
    if not DATE_TEXT.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@dataclass
class Reader:
    """Reads typed values out of nodes, collecting a problem for each wrong one."""

    file: str
    problems: list[RuleProblem] = field(default_factory=list)

    def add(self, loc: Loc, message: str, suggestion: str | None = None) -> None:
        self.problems.append(RuleProblem(loc, message, suggestion))

    def mapping(self, node: YNode, what: str) -> YMap | None:
        if isinstance(node, YMap):
            return node
        self.add(node.loc, f"{what} must be a mapping (key: value lines), not {describe(node)}")
        return None

    def sequence(self, node: YNode, what: str) -> YSeq | None:
        if isinstance(node, YSeq):
            return node
        self.add(
            node.loc, f"{what} must be a list (lines starting with '- '), not {describe(node)}"
        )
        return None

    def keys(self, node: YMap, allowed: Sequence[str], required: Sequence[str], what: str) -> None:
        """Unknown keys (with the allowed ones and a suggestion) and missing required keys."""
        for key in node.entries:
            if key not in allowed:
                message = f"unknown key '{key}' in {what}; allowed: {', '.join(allowed)}"
                self.add(node.key_locs[key], message, suggest(key, allowed))
        missing = [key for key in required if key not in node.entries]
        if missing:
            names = ", ".join(f"'{key}'" for key in missing)
            self.add(node.loc, f"{what} lacks required key{'s' * (len(missing) > 1)} {names}")

    def text(self, node: YNode, what: str) -> str | None:
        if isinstance(node, YScalar) and node.kind in ("str", "timestamp"):
            if node.value.strip():
                return str(node.value)
            self.add(node.loc, f"{what} is empty")
            return None
        hint = " (write it in quotes)" if isinstance(node, YScalar) and node.kind != "null" else ""
        self.add(node.loc, f"{what} must be text, not {describe(node)}{hint}")
        return None

    def number(self, node: YNode, what: str) -> float | None:
        if isinstance(node, YScalar) and node.kind in ("int", "float"):
            return float(node.value)
        self.add(node.loc, f"{what} must be a number, not {describe(node)}")
        return None

    def integer(self, node: YNode, what: str) -> int | None:
        if isinstance(node, YScalar) and node.kind == "int":
            return int(node.value)
        self.add(node.loc, f"{what} must be a whole number, not {describe(node)}")
        return None

    def date(self, node: YNode, what: str) -> dt.date | None:
        if isinstance(node, YScalar) and node.kind in ("str", "timestamp"):
            day = read_date(node.text.strip())
            if day is not None:
                return day
            message = f"{what} '{node.text}' is not a real date written YYYY-MM-DD"
            self.add(node.loc, message)
            return None
        self.add(node.loc, f"{what} must be a date written YYYY-MM-DD, not {describe(node)}")
        return None

    def choice(self, node: YNode, what: str, choices: Sequence[str]) -> str | None:
        value = self.text(node, what)
        if value is None or value in choices:
            return value
        message = f"{what} '{value}' is not one of {', '.join(choices)}"
        self.add(node.loc, message, suggest(value, choices))
        return None

    def text_list(self, node: YNode, what: str) -> list[str] | None:
        seq = self.sequence(node, what)
        if seq is None:
            return None
        values = [self.text(item, f"each entry of {what}") for item in seq.items]
        return [value for value in values if value is not None]

    def field_value(self, node: YNode, spec: FieldSpec, what: str) -> Any:
        """A value of a contract field in an example row (empty is allowed: null)."""
        if isinstance(node, YScalar) and node.kind == "null":
            return None
        if spec.kind in TEXT_KINDS:
            value = self.text(node, what)
            if value is not None and spec.values and value not in spec.values:
                message = f"{what} '{value}' is not one of {', '.join(spec.values)}"
                self.add(node.loc, message, suggest(value, spec.values))
            return value
        if spec.kind == "date":
            return self.date(node, what)
        if spec.kind in ("int", "year"):
            return self.integer(node, what)
        if spec.kind == "bool":
            if isinstance(node, YScalar) and node.kind == "bool":
                return node.value
            self.add(node.loc, f"{what} must be true or false, not {describe(node)}")
            return None
        return self.number(node, what)


# ---------------------------------------------------------------- SQL values

_STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")
_DOTTED = re.compile(r'"?([A-Za-z_]\w*)"?\s*\.\s*"?([A-Za-z_]\w*)"?')
_PARAM = re.compile(r'\bparam"?\s*\.\s*"?([A-Za-z_]\w*)')
_MISSING_COLUMN = re.compile(r'unable to find column "([^"]+)"')
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
SchemaKey = tuple[str, tuple[str, ...], str | tuple[str, ...] | None, bool, str | None]


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _dotted(text: str) -> list[tuple[str, str]]:
    """``struct.field`` references of an SQL text (string literals left out)."""
    return list(dict.fromkeys(_DOTTED.findall(_STRING_LITERAL.sub("''", text))))


def params_used(texts: Iterable[str]) -> list[str]:
    """The parameters (``param.<name>``) SQL texts use, in order of first use."""
    found = (m for text in texts for m in _PARAM.findall(_STRING_LITERAL.sub("''", text)))
    return list(dict.fromkeys(found))


def _struct_fields(schema: pl.Schema) -> dict[str, list[str]]:
    return {
        name: [f.name for f in dtype.fields]
        for name, dtype in schema.items()
        if isinstance(dtype, pl.Struct)
    }


def _unknown_field(root: str, name: str, fields: list[str]) -> tuple[str, str | None]:
    if root == "param":
        return f"undefined parameter '{name}'", suggest(name, fields)
    best = suggest(name, fields)
    return f"unknown column '{root}.{name}'", f"{root}.{best}" if best else None


def _unknown_root(root: str, fields: list[str], schema: pl.Schema) -> list[tuple[str, str | None]]:
    structs = _struct_fields(schema)
    if root == "param":
        return [
            (f"undefined parameter '{f}' (the file defines no parameters)", None) for f in fields
        ]
    if root == "member" and fields:
        message = "member.<column> exists only for household rules (scope: household)"
        return [(f"unknown column 'member.{f}': {message}", None) for f in fields]
    if fields:
        out: list[tuple[str, str | None]] = []
        for name in fields:
            message = f"unknown column '{root}.{name}'"
            if root in DATASETS:
                message += f": this rule sees no dataset '{root}' (only its own roster"
                message += ", and the dataset named by registry/dataset/roster)"
            best = suggest(root, structs)
            hint = suggest(name, structs[best]) if best else None
            out.append((message, f"{best}.{hint or name}" if best else None))
        return out
    plain_columns = [name for name in schema if name not in structs]
    best = suggest(root, plain_columns)
    if best is None:
        qualified = {f"{s}.{f}": f for s, names in structs.items() for f in names}
        match = suggest(root, qualified.values())
        best = next((q for q, f in qualified.items() if f == match), None)
    return [(f"unknown column '{root}'", best)]


def unknown_columns(text: str, expr: pl.Expr, schema: pl.Schema) -> list[tuple[str, str | None]]:
    """Every column, struct field or parameter an expression uses that the schema lacks."""
    refs = _dotted(text)
    structs = _struct_fields(schema)
    problems: list[tuple[str, str | None]] = []
    for root in dict.fromkeys(expr.meta.root_names()):
        if root not in schema:
            fields = [name for first, name in refs if first == root]
            problems.extend(_unknown_root(root, fields, schema))
    for root, name in refs:
        if root in structs and name not in structs[root]:
            problems.append(_unknown_field(root, name, structs[root]))
    return problems


def _resolve_error(error: pl.exceptions.PolarsError) -> str:
    """What went wrong, in huimin's own words: polars' text may repeat the SQL, so only a
    column name (a plain name) is ever taken from it."""
    text = str(error)
    found = _MISSING_COLUMN.search(text)
    if found and _NAME.match(found.group(1)):
        return f"unknown column '{found.group(1)}'"
    if isinstance(error, pl.exceptions.StructFieldNotFoundError):
        field = _first_line(error)
        return f"unknown column '{field}'" if _NAME.match(field) else "unknown column"
    if "compare" in text:
        message = "SQL cannot be evaluated: cannot compare values of different types"
        if "str" in text:
            message += " (write a date as DATE '2023-01-01')"
        return message
    return (
        "SQL cannot be evaluated: the types of its values do not fit together (see the "
        "columns' types in docs/data-contract.md)"
    )


@functools.lru_cache(maxsize=1024)
def _empty_frame(key: SchemaKey) -> pl.LazyFrame:
    """An empty frame of the columns a rule may use: built once per process for each key (the
    contract does not change while it runs; rule files share keys: pooled rosters ...), from
    empty columns built once each (most columns recur from key to key)."""
    policy, params, other, household, via = key
    schema = condition_schema(policy, list(params), other, household, via=via)
    return pl.DataFrame([_empty_column(name, dtype) for name, dtype in schema.items()]).lazy()


@functools.lru_cache(maxsize=4096)
def _empty_column(name: str, dtype: pl.DataType) -> pl.Series:
    return pl.Series(name, [], dtype)


class SqlChecker:
    """Parses SQL texts and resolves them against the columns a rule may use."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def _frame(self, key: SchemaKey) -> pl.LazyFrame:
        return _empty_frame(key)

    def problems(self, text: str, key: SchemaKey, boolean: bool) -> list[tuple[str, str | None]]:
        """What is wrong with one SQL text (empty if nothing)."""
        if not text.strip():
            return [("SQL is empty", None)]
        refused = sql_refusal(text)
        if refused is not None:
            allowed = "not allowed" in refused
            return [(refused if allowed else f"SQL does not parse: {refused}", None)]
        try:
            expr = pl.sql_expr(text)
        except (pl.exceptions.PolarsError, ValueError, TypeError):
            message = "SQL does not parse: check the function calls and typed values "
            message += "(DATE '2023-01-31')"
            return [(message, None)]
        frame = self._frame(key)
        unknown = unknown_columns(text, expr, frame.collect_schema())
        if unknown:
            return unknown
        try:
            result = frame.select(expr).collect_schema()
        except pl.exceptions.PolarsError as error:
            return [(_resolve_error(error), None)]
        dtype = next(iter(result.values()))
        if boolean and dtype != pl.Boolean:
            message = f"a condition must be true or false for each row, but this gives {dtype}"
            return [(message + " values (compare it, e.g. amount > param.standard)", None)]
        return []

    def check(
        self,
        text: str,
        loc: Loc,
        policy: str,
        parameters: Sequence[str] = (),
        other: str | tuple[str, ...] | None = None,
        household: bool = False,
        via: str | None = None,
        *,
        what: str = "SQL",
        boolean: bool = False,
    ) -> bool:
        """Report the problems of ``text`` at ``loc``; True if there were none."""
        key = (policy, tuple(parameters), other, household, via)
        found = self.problems(text, key, boolean)
        for message, hint in found:
            self.reader.add(loc, f"{what}: {message}", hint)
        return not found

    def check_across(
        self, text: str, loc: Loc, rosters: Sequence[str], parameters: Sequence[str], what: str
    ) -> None:
        """``text`` must also resolve over each roster pooled in by ``across``."""
        if sql_refusal(text) is not None:
            return  # reported by check
        for roster in rosters:
            for message, hint in self.problems(
                text, (roster, tuple(parameters), None, False, None), False
            ):
                self.reader.add(
                    loc, f"{what}: {message} in roster '{roster}' (pooled by across)", hint
                )


def config_tree(text: str, path: Path) -> YNode | None:
    """A settings file (``sources.yaml``, ``thresholds.yaml`` ...) as located nodes; its first
    problem, refused construct or syntax error raises ConfigError with file:line:col."""
    from huimin.errors import ConfigError

    try:
        tree, problems = read(text, str(path))
    except YamlRefusedError as refused:
        detail = " ".join(refused.detail.split())
        if refused.syntax:
            raise ConfigError(
                f"{refused.loc}: not valid YAML ({detail}): check the indentation and quoting there"
            ) from None
        raise ConfigError(f"{refused.loc}: {detail}") from None
    if problems:
        raise ConfigError(str(min(problems, key=lambda p: (p.loc.line, p.loc.column))))
    return tree
