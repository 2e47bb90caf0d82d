"""A YAML text as located values, read in one pass over its event stream.

Nothing is constructed, lost or guessed: each scalar keeps its resolved YAML 1.2 type and its
text (dates stay text until the loader reads them), a key written twice is reported with both
places, and anchors, aliases, merge keys, tags and too deep a nesting are refused where they
were written, from the events, so an alias "bomb" is never expanded.

Two parsers produce the events. libyaml (PyYAML's C parser) reads every text huimin accepts as
it is, fast; the moment its events hold anything whose words or place only ruamel.yaml can give
exactly (a syntax error, a refused construct, a duplicate or merge key, an empty value, a
directive, a second document, a character the two read differently), the text is read again,
from the start, by ruamel.yaml's pure-Python parser, whose messages and places are the ones
reported. Without libyaml every text is read by ruamel.yaml. Both feed the same builder, so a
file gives the same values with the same locations either way (``tests/rules/test_loader_yaml.py``
checks it over every rule file, the broken-rule corpus and generated documents).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from huimin.rules.model import Loc, RuleProblem

if TYPE_CHECKING:
    from ruamel.yaml.error import MarkedYAMLError

try:
    from yaml import CSafeLoader as _LibyamlLoader
    from yaml import YAMLError as _LibyamlError
    from yaml import parse as _libyaml_parse

    LIBYAML = True
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    LIBYAML = False

_TAG = "tag:yaml.org,2002:"
#: how deeply mappings and lists may nest (rule files nest about 8 deep)
MAX_DEPTH = 64
#: characters libyaml (YAML 1.1) and ruamel.yaml (YAML 1.2) read differently: line breaks
#: NEL, LS, PS; the byte-order mark; tabs; BEL, which ruamel.yaml uses to mark folds
_READ_APART = re.compile("[\x85\u2028\u2029\ufeff\t\a]")


@dataclass(frozen=True)
class YScalar:
    """A scalar: ``kind`` is str, int, float, bool, null or timestamp; ``value`` its value."""

    loc: Loc
    kind: str
    value: Any
    text: str


@dataclass(frozen=True)
class YSeq:
    loc: Loc
    items: tuple[YNode, ...]


@dataclass(frozen=True)
class YMap:
    """A mapping: key → value node, and where each key was written."""

    loc: Loc
    entries: dict[str, YNode]
    key_locs: dict[str, Loc]


YNode = YScalar | YSeq | YMap


class YamlRefusedError(Exception):
    """A YAML text that is not read: a syntax error (``syntax``) or a construct refused on
    purpose (anchors, aliases, tags, too deep a nesting), located where it was written."""

    def __init__(self, loc: Loc, detail: str, syntax: bool) -> None:
        self.loc = loc
        self.detail = detail
        self.syntax = syntax
        super().__init__(f"{loc}: {detail}")

    def problem(self) -> RuleProblem:
        message = f"YAML syntax error: {self.detail}" if self.syntax else self.detail
        return RuleProblem(self.loc, message)


# ---------------------------------------------------------------- scalars

#: ruamel.yaml's implicit resolvers of YAML 1.2 (``ruamel.yaml.resolver``), in its order
_RESOLVERS_1_2: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", tuple("tTfF")),
    (
        "float",
        r"""^(?:
         [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        tuple("-+0123456789."),
    ),
    (
        "int",
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""",
        tuple("-+0123456789"),
    ),
    ("merge", r"^(?:<<)$", ("<",)),
    ("null", r"^(?: ~ |null|Null|NULL | )$", ("~", "n", "N", "")),
    (
        "timestamp",
        r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
        tuple("0123456789"),
    ),
    ("value", r"^(?:=)$", ("=",)),
    ("yaml", r"^(?:!|&|\*)$", tuple("!&*")),
)


def _by_first_char() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for tag, pattern, first in _RESOLVERS_1_2:
        compiled = re.compile(pattern, re.X)
        for char in first:
            table.setdefault(char, []).append((tag, compiled))
    return table


_BY_FIRST_CHAR = _by_first_char()


def resolve_plain(text: str) -> str:
    """The YAML 1.2 type of a plain scalar, as ruamel.yaml resolves it."""
    for tag, pattern in _BY_FIRST_CHAR.get(text[:1], ()):
        if pattern.match(text):
            return tag
    return "str"


def _number(text: str, kind: str) -> Any:
    clean = text.replace("_", "")
    if kind == "int":
        return int(clean, 10) if re.fullmatch(r"[-+]?\d+", clean) else int(clean, 0)
    lowered = clean.lower().replace(".inf", "inf").replace(".nan", "nan")
    return float(lowered)


def scalar(raw: str, kind: str, loc: Loc) -> YScalar:
    """A scalar of text ``raw`` whose resolved type is ``kind`` (a tag without its prefix)."""
    text = raw.replace("\a", "")
    value: Any = text
    if kind in ("int", "float"):
        try:
            value = _number(text, kind)
        except ValueError:
            kind, value = "str", text
    elif kind == "bool":
        value = text.lower() in ("true", "yes", "on")
    elif kind == "null":
        value = None
    elif kind != "timestamp":
        kind = "str"
    return YScalar(loc, kind, value, text)


# ---------------------------------------------------------------- the builder


class _NeedsRuamelError(Exception):
    """libyaml's events hold something only ruamel.yaml reports in the expected words."""


Resolve = Callable[[str, tuple[bool, bool]], str]


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Builder:
    """Located values from one event stream (libyaml's or ruamel.yaml's: same class names).

    ``strict`` (libyaml) gives up (:class:`_NeedsRuamelError`) at anything ruamel.yaml must report;
    otherwise refused constructs raise :class:`YamlRefusedError` at the first one in the
    stream and the other problems are collected in ``problems``.
    """

    def __init__(self, events: Iterator[Any], file: str, resolve: Resolve, strict: bool) -> None:
        self.events = events
        self.file = file
        self.resolve = resolve
        self.strict = strict
        self.problems: list[RuleProblem] = []
        self.depth = 0

    def loc(self, mark: Any) -> Loc:
        return Loc(self.file, mark.line + 1, mark.column + 1)

    def next(self) -> tuple[Any, str]:
        event = next(self.events)
        name = type(event).__name__
        if name in ("MappingStartEvent", "SequenceStartEvent"):
            self.depth += 1
        elif name in ("MappingEndEvent", "SequenceEndEvent"):
            self.depth -= 1
        if name in ("AliasEvent", "ScalarEvent", "MappingStartEvent", "SequenceStartEvent"):
            self._refuse(event, name)
        return event, name

    def _refuse(self, event: Any, name: str) -> None:
        """The first anchor, alias, tag or too deep nesting (in the order they are written)."""
        detail = ""
        if name == "AliasEvent":
            alias = _short(str(event.anchor))
            detail = f"YAML alias '*{alias}' is not allowed: write the value out in full"
        elif event.anchor:
            anchor = _short(str(event.anchor))
            detail = f"YAML anchor '&{anchor}' is not allowed: write each value out in full"
        elif event.tag:
            tag = str(event.tag)
            shown = "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag
            detail = f"YAML tag '{_short(shown)}' is not allowed"
            detail += ": write plain values (text in quotes)"
        elif self.depth > MAX_DEPTH and name != "ScalarEvent":
            detail = f"values nest more than {MAX_DEPTH} levels deep"
        if detail:
            if self.strict:
                raise _NeedsRuamelError
            raise YamlRefusedError(self.loc(event.start_mark), detail, syntax=False)

    def add(self, loc: Loc, message: str) -> None:
        if self.strict:
            raise _NeedsRuamelError
        self.problems.append(RuleProblem(loc, message))

    def document(self) -> YNode | None:
        """The stream's single document (None if it has none)."""
        self.next()  # the stream's start
        start, name = self.next()
        if name == "StreamEndEvent":
            return None
        if self.strict and (start.version or start.tags):
            raise _NeedsRuamelError  # a %YAML or %TAG directive
        first = self.next()
        root = self.node(*first)
        self.next()  # the document's end
        event, name = self.next()
        if name != "StreamEndEvent":
            if self.strict:
                raise _NeedsRuamelError
            while self.next()[1] != "StreamEndEvent":
                pass  # a refused construct or a syntax error further on comes first
            raise _second_document(self.file, first[0].start_mark, event.start_mark)
        return root

    def node(self, event: Any, name: str) -> YNode:
        loc = self.loc(event.start_mark)
        if name == "ScalarEvent":
            plain = event.implicit[0]
            if plain and event.value == "" and self.strict:
                raise _NeedsRuamelError  # an empty value: the parsers place it differently
            kind = self.resolve(event.value, event.implicit)
            return scalar(event.value, kind, loc)
        if name == "SequenceStartEvent":
            items: list[YNode] = []
            while True:
                item, item_name = self.next()
                if item_name == "SequenceEndEvent":
                    return YSeq(loc, tuple(items))
                items.append(self.node(item, item_name))
        return self._mapping(loc)

    def _mapping(self, loc: Loc) -> YMap:
        entries: dict[str, YNode] = {}
        key_locs: dict[str, Loc] = {}
        while True:
            key_event, name = self.next()
            if name == "MappingEndEvent":
                return YMap(loc, entries, key_locs)
            key_loc = self.loc(key_event.start_mark)
            problem = self._key_problem(key_event, name, key_locs)
            if problem is not None:
                self._skip(key_event, name)  # neither key nor value is read
                self._skip(*self.next())
                self.add(key_loc, problem)
                continue
            key = str(key_event.value)
            entries[key] = self.node(*self.next())
            key_locs[key] = key_loc

    def _key_problem(self, event: Any, name: str, key_locs: dict[str, Loc]) -> str | None:
        if name != "ScalarEvent":
            return "a key must be a plain name"
        key = str(event.value)
        if key == "<<" and event.style in (None, ""):
            return "YAML merge keys (<<) are not allowed: write the keys out in full"
        if key in key_locs:
            return f"duplicate key '{key}' (first written at line {key_locs[key].line})"
        return None

    def _skip(self, event: Any, name: str) -> None:
        """Read past a node, keeping none of the problems found inside it."""
        kept = len(self.problems)
        self.node(event, name)
        del self.problems[kept:]


def _second_document(file: str, first: Any, second: Any) -> YamlRefusedError:
    """ruamel.yaml's composer error for a stream of several documents, in its own words."""
    from ruamel.yaml.composer import ComposerError

    error = ComposerError(
        "expected a single document in the stream", first, "but found another document", second
    )
    return _syntax_error(file, error)


def _syntax_error(file: str, error: MarkedYAMLError) -> YamlRefusedError:
    mark = error.problem_mark or error.context_mark
    loc = Loc(file, mark.line + 1, mark.column + 1) if mark is not None else Loc(file, 1, 1)
    detail = str(error.problem or error).strip()
    if error.context and error.context_mark is not None:
        detail += f" ({error.context} started at line {error.context_mark.line + 1})"
    if "\\t" in detail or "\t" in detail:
        detail += "; indent with spaces, not tabs"
    return YamlRefusedError(loc, detail, syntax=True)


def _unreadable_character(text: str, file: str, position: int) -> YamlRefusedError:
    """A character YAML does not allow (a control character), located in huimin's words."""
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    code = ord(text[position]) if 0 <= position < len(text) else 0
    detail = f"the character U+{code:04X} is not allowed in a YAML file (a control character)"
    return YamlRefusedError(Loc(file, line, column), detail, syntax=True)


# ---------------------------------------------------------------- the two readers


def _read_libyaml(text: str, file: str) -> YNode | None:
    """The document through libyaml; :class:`_NeedsRuamelError` where ruamel.yaml must read it."""
    if not LIBYAML or _READ_APART.search(text):
        raise _NeedsRuamelError
    events = _libyaml_parse(text, Loader=_LibyamlLoader)
    builder = _Builder(events, file, _resolve_libyaml, strict=True)
    try:
        return builder.document()
    except _LibyamlError:
        raise _NeedsRuamelError from None


def _resolve_libyaml(value: str, implicit: tuple[bool, bool]) -> str:
    return resolve_plain(value) if implicit[0] else "str"


def _read_ruamel(text: str, file: str) -> tuple[YNode | None, list[RuleProblem]]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.reader import ReaderError

    yaml = YAML(typ="rt")

    def resolve(value: str, implicit: tuple[bool, bool]) -> str:
        tag = str(yaml.resolver.resolve(ScalarNode, value, implicit))
        return tag[len(_TAG) :] if tag.startswith(_TAG) else "str"

    builder = _Builder(iter(yaml.parse(text)), file, resolve, strict=False)
    try:
        root = builder.document()
    except MarkedYAMLError as error:
        raise _syntax_error(file, error) from None
    except ReaderError as error:
        raise _unreadable_character(text, file, error.position) from None
    return root, builder.problems


def read(text: str, file: str, *, fast: bool = True) -> tuple[YNode | None, list[RuleProblem]]:
    """The document's located values (None if it holds none) and the problems found (duplicate
    keys, keys that are not plain names, merge keys). Raises :class:`YamlRefusedError` for a
    syntax error or a refused construct, located ``file:line:column``. ``fast=False`` reads with
    ruamel.yaml only (what happens without libyaml)."""
    if fast:
        try:
            return _read_libyaml(text, file), []
        except _NeedsRuamelError:
            pass
    return _read_ruamel(text, file)
