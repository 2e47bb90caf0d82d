"""The YAML reader's two parsers read alike: libyaml (the fast path) and ruamel.yaml (which
reports every error, and reads everything where libyaml is missing) give the same located
values, the same problems and the same refusals, for every rule and parameter file of the
project, the broken-rule corpus and generated documents; the catalogue loads the same without
libyaml."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

from huimin.rules import params_loader, yamlread
from huimin.rules.commands import load_catalogue
from huimin.rules.loader import format_problems, load_rules, rule_files
from huimin.rules.model import RuleFileError
from huimin.rules.yamlread import YamlRefusedError, YMap, YNode, YScalar, read, resolve_plain

REPO = Path(__file__).parents[2]
CORPUS = REPO / "tests" / "bad_rules"
FILES = sorted([*REPO.glob("rules/**/*.yaml"), *CORPUS.glob("**/*.yaml")])
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir())
#: cases grown past a size limit first (tests/rules/test_bad_rules.py): as committed, they load
GROWN = {
    name
    for name, case in yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))[
        "cases"
    ].items()
    if "grow" in case
}


def _shape(node: YNode | None) -> Any:
    """A node as nested tuples, in the order written (NaN compared by its text)."""
    if node is None:
        return None
    if isinstance(node, YScalar):
        value = "nan" if isinstance(node.value, float) and math.isnan(node.value) else node.value
        return (node.loc, node.kind, value, node.text)
    if isinstance(node, YMap):
        return (node.loc, [(k, node.key_locs[k], _shape(v)) for k, v in node.entries.items()])
    return (node.loc, [_shape(item) for item in node.items])


def _outcome(text: str, fast: bool) -> Any:
    try:
        root, problems = read(text, "doc.yaml", fast=fast)
    except YamlRefusedError as refused:
        return ("refused", str(refused.problem()))
    return ("read", _shape(root), [str(p) for p in problems])


@pytest.fixture
def without_libyaml(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every text read by ruamel.yaml, as where PyYAML has no libyaml (nothing cached)."""
    monkeypatch.setattr(yamlread, "LIBYAML", False)
    params_loader._parsed.cache_clear()
    yield
    params_loader._parsed.cache_clear()


def test_the_corpus_is_there() -> None:
    assert len(FILES) > 80 and len(CASES) > 40


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_each_file_reads_alike_with_both_parsers(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    assert _outcome(text, fast=True) == _outcome(text, fast=False)


def test_the_project_catalogue_never_needs_ruamel(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, file: str) -> None:
        raise AssertionError(f"{file} was read by ruamel.yaml")

    monkeypatch.setattr(yamlread, "_read_ruamel", refuse)
    params_loader._parsed.cache_clear()
    assert sum(len(f.rules) for f in load_catalogue()) > 100


def test_the_catalogue_is_the_same_without_libyaml(without_libyaml: None) -> None:
    slow = load_catalogue()
    yamlread.LIBYAML = True
    params_loader._parsed.cache_clear()
    assert load_catalogue() == slow


def _problems(folder: Path) -> str:
    district = folder / "district" / "parameters.yaml"
    try:
        load_rules(rule_files(folder), overrides=district if district.exists() else None)
    except RuleFileError as error:
        return format_problems(error.problems)
    return ""


@pytest.mark.parametrize("folder", CASES, ids=lambda p: p.name)
def test_each_broken_case_reports_the_same_without_libyaml(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    params_loader._parsed.cache_clear()
    fast = _problems(folder)
    monkeypatch.setattr(yamlread, "LIBYAML", False)
    params_loader._parsed.cache_clear()
    assert _problems(folder) == fast
    assert bool(fast) is (folder.name not in {"_good", *GROWN})


# ---------------------------------------------------------------- generated documents

_PLAIN = st.sampled_from(
    [
        "1", "-0", "+12", "017", "0o17", "0x1F", "0b101", "1_000", "1e3", "1.5e-3", ".5",
        "-.inf", ".NaN", "1:30", "12e", "true", "False", "yes", "No", "on", "null", "~",
        "Null", "2023-02-30", "2023-01-01 10:00:00", "2023-1-1", "<<", "=", "x=y", "张三",
        "dibao.rural_standard", "amount > param.standard", "a b  c", "-x", "%", "@",
    ]
)  # fmt: skip
_TEXT = st.one_of(_PLAIN, st.text(st.characters(codec="utf-8", exclude_categories=["Cs"])))
_KEY = st.one_of(st.sampled_from(["id", "kind", "1", "<<", "名称", "a b", "x:y"]), _TEXT)
_DATA = st.recursive(
    st.one_of(_TEXT, st.integers(), st.floats(), st.booleans(), st.none(), st.dates()),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEY, inner, max_size=4)),
    max_leaves=12,
)
_BREAKS = [
    "&a ", "*a", "!!str ", "!x ", ": ", "- ", "\t", "# c", "'", '"', "{", "[", "]", "\n",
    "\n\n", "  ", "? ", "---\n", "%YAML 1.1\n", "\x01", "\u2028", "|", ">",
]  # fmt: skip


@st.composite
def _documents(draw: st.DrawFn) -> str:
    """A dumped document in block or flow style, sometimes broken or re-spaced."""
    data = draw(_DATA)
    text = yaml.safe_dump(
        data,
        allow_unicode=draw(st.booleans()),
        default_flow_style=draw(st.sampled_from([False, True, None])),
        sort_keys=False,
        width=draw(st.sampled_from([20, 80, 1000])),
        indent=draw(st.sampled_from([2, 4])),
    )
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(_BREAKS)) + text[at:]
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents())
def test_generated_documents_read_alike_with_both_parsers(text: str) -> None:
    assert _outcome(text, fast=True) == _outcome(text, fast=False)


_PLAIN_TEXT = st.text(st.sampled_from("0123456789-+._eExXoObB:tTfFnNuLlAaYySs~<=! "), max_size=12)


@given(st.one_of(_PLAIN, _PLAIN_TEXT))
def test_plain_scalars_resolve_as_ruamel_resolves_them(text: str) -> None:
    tag = str(VersionedResolver(version=(1, 2)).resolve(ScalarNode, text, (True, False)))
    expected = tag.removeprefix("tag:yaml.org,2002:") if "2002:" in tag else "str"
    assert resolve_plain(text) == expected


# ---------------------------------------------------------------- what only ruamel.yaml says


@pytest.mark.parametrize(
    ("text", "place", "words"),
    [
        ("a: &x 1\nb: *x\n", "1:4", "YAML anchor '&x' is not allowed"),
        ("a: 1\nb: !!str 2\n", "2:4", "YAML tag '!!str' is not allowed"),
        ("a: 1\na: 2\n", "2:1", "duplicate key 'a' (first written at line 1)"),
        ("a: 1\n<<: {b: 2}\n", "2:1", "YAML merge keys (<<) are not allowed"),
        ("a: 1\n---\nb: 2\n", "2:1", "but found another document"),
        ("a: [1, 2\n", "2:1", "YAML syntax error"),
        ("a:\n\tb: 1\n", "2:1", "indent with spaces, not tabs"),
        ("a: 1\nb: x\x01y\n", "2:5", "the character U+0001 is not allowed"),
        ("a: " + "[" * 70 + "]" * 70 + "\n", "1:67", "values nest more than 64 levels deep"),
    ],
)
def test_refused_and_broken_texts_are_located(text: str, place: str, words: str) -> None:
    for fast in (True, False):
        outcome = _outcome(text, fast)
        shown = outcome[1] if outcome[0] == "refused" else "\n".join(outcome[2])
        assert shown.startswith(f"doc.yaml:{place}: "), shown
        assert words in shown


def test_an_empty_value_is_placed_as_ruamel_places_it() -> None:
    text = "a:\nb: 1\nc:\n"
    root, _ = read(text, "doc.yaml")
    assert isinstance(root, YMap)
    assert [str(v.loc) for v in root.entries.values()] == [
        "doc.yaml:2:1",
        "doc.yaml:2:4",
        "doc.yaml:4:1",
    ]


def test_a_control_character_in_a_rule_file_is_a_located_problem(tmp_path: Path) -> None:
    good = (CORPUS / "_good" / "dibao_rural.yaml").read_text(encoding="utf-8")
    lines = good.splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\n") + "\x07x\n"
    (tmp_path / "dibao_rural.yaml").write_text("".join(lines), encoding="utf-8")
    with pytest.raises(RuleFileError) as caught:
        load_rules(rule_files(tmp_path))
    (problem,) = caught.value.problems
    assert (problem.loc.line, problem.loc.column) == (3, len(lines[2]) - 2)
    assert "U+0007 is not allowed" in problem.message


def test_a_multi_line_text_keeps_its_lines_and_place() -> None:
    text = textwrap.dedent(
        """\
        description: >
          发放对象已死亡，
          仍在领取。

          second paragraph
        sql: |
          amount > 0
          AND period >= '2023-01'
        """
    )
    fast, slow = _outcome(text, True), _outcome(text, False)
    assert fast == slow
    root, _ = read(text, "doc.yaml")
    assert isinstance(root, YMap)
    description = root.entries["description"]
    assert isinstance(description, YScalar)
    assert description.text == "发放对象已死亡， 仍在领取。\nsecond paragraph\n"
    assert str(description.loc) == "doc.yaml:1:14"
