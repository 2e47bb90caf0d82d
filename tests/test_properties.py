"""Properties that must hold for any input, not just the files of the corpora.

- Any roster (random bytes, or CSV text with headers from the contract and random cells: quotes,
  line breaks, NUL, very long text, ID-like digits, several encodings) is either ingested with
  ``rows_in == rows_valid + rows_quarantined``, or refused with a :class:`DataFileError` whose
  one line shows no ID-like cell of the file.
- Any rule file (the clean one of tests/bad_rules, mutated: wrong types, unknown or missing
  keys, SQL conditions with table functions and subqueries, broken YAML text) either loads or
  raises :class:`RuleFileError` with its problems; never any other exception.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from huimin.context import RunContext
from huimin.errors import DataFileError
from huimin.ingest import ingest_file
from huimin.redact import find_full_ids
from huimin.rules.loader import load_rules, rule_files
from huimin.rules.model import RuleFileError
from huimin.schemas import DATASETS

AS_OF = dt.date(2024, 1, 1)
GOOD_RULES = Path(__file__).parent / "bad_rules" / "_good" / "dibao_rural.yaml"
FAST = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ID_LIKE = re.compile(r"\d{5,17}[\dXx]")

# ------------------------------------------------------------------ random rosters

ROSTERS = ["elderly_allowance", "deaths", "dibao_rural", "province_clues", "population"]
IDS = ["420112193503120112", "420112193807040226", "42011219751231104X", "420112193503120113"]
ODD = ["\r", "\n", "\r\n", "\x00", '"', '""', ",", "\t", ";", "\x07", "\ufeff", "合计", "　", " "]

id_like = st.one_of(
    st.sampled_from(IDS),
    st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True),
    st.from_regex(r"[0-9]{6,17}", fullmatch=True),
)
plain_cell = st.one_of(
    st.sampled_from(
        ["张三", "径河街道", "2023-05", "2023-05-01", "2023年5月1日", "120", "1,234.50"]
    ),
    st.sampled_from(["-80", "是", "否", "公安", "殡葬", "4.20112E+17", "", "NULL", "#N/A"]),
)
text_cell = st.lists(
    st.one_of(st.sampled_from(ODD), st.text(st.characters(codec="utf-8"), max_size=6)), max_size=8
).map("".join)
long_cell = st.builds(
    lambda c, n: c * n, st.sampled_from(["长", "a", "1", '"', "\n"]), st.integers(900, 3000)
)
cell = st.one_of(id_like, plain_cell, plain_cell, text_cell, long_cell)


@st.composite
def roster(draw: st.DrawFn) -> tuple[str, bytes, list[str]]:
    """A dataset name, the file's bytes and the cells written into it."""
    dataset = draw(st.sampled_from(ROSTERS))
    if draw(st.integers(0, 9)) == 0:
        return dataset, draw(st.binary(max_size=3000)), []
    specs = DATASETS[dataset].field_specs()
    pool = [s.name for s in specs] + [s.zh for s in specs] + ["备注", "", " 姓 名 ", "Name"]
    canonical = draw(st.booleans())
    headers = [s.name if canonical else s.zh for s in specs]
    headers = draw(
        st.one_of(
            st.just(headers),
            st.permutations(headers),
            st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool)),
        )
    )
    width = len(headers)
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), max_size=8))
    if draw(st.integers(0, 3)) == 0:  # short and long rows
        rows = [
            row[: draw(st.integers(0, width + 2))] + [""] * draw(st.integers(0, 2)) for row in rows
        ]
    delimiter = draw(st.sampled_from([",", ",", "\t", ";"]))
    ending = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    if draw(st.integers(0, 3)) > 0:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=ending)
        writer.writerows([headers, *rows])
        text = buffer.getvalue()
    else:  # written by hand, no quoting at all: values with delimiters shift columns
        text = "".join(delimiter.join(row) + ending for row in [headers, *rows])
    if draw(st.booleans()):
        text = draw(st.sampled_from(["", "省下发问题线索\n", "2023年5月发放名册,,\r\n"])) + text
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "gbk", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return dataset, data, [c for row in rows for c in row]


@FAST
@given(case=roster(), suffix=st.sampled_from([".csv"] * 8 + [".xlsx", ".parquet"]))
def test_any_roster_is_ingested_or_refused_in_one_clean_line(
    case: tuple[str, bytes, list[str]], suffix: str
) -> None:
    dataset, data, cells = case
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / "in" / f"{dataset}{suffix}"
        path.parent.mkdir()
        path.write_bytes(data)
        (root / "work").mkdir()
        try:
            result = ingest_file(
                path,
                DATASETS[dataset],
                root / "out",
                ctx=RunContext(AS_OF),
                work=root / "work",
            )
        except DataFileError as exc:
            line = exc.one_line()
            event("refused", exc.problem.split("(")[0][:40])
            assert "\n" not in line and "\r" not in line, repr(line)
            shown = line.removeprefix(str(path))
            leaked = [c for c in cells if len(c) >= 6 and ID_LIKE.fullmatch(c) and c in shown]
            assert not leaked, f"{leaked} shown in {line!r}"
            assert not find_full_ids(shown), line
            return
        event("ingested", "with quarantine" if result.rows_quarantined else "clean")
        assert result.rows_in == result.rows_valid + result.rows_quarantined
        staged = pl.read_parquet(root / "out" / "staged" / f"{dataset}.parquet")
        assert staged.height == result.rows_valid
        quarantine = root / "out" / "quarantine" / f"{dataset}.parquet"
        quarantined = pl.read_parquet(quarantine).height if quarantine.exists() else 0
        assert quarantined == result.rows_quarantined
        assert not list((root / "work").iterdir())


# ------------------------------------------------------------------ random rule files

CONDITIONS = [
    "amount > param.standard",
    "deaths.death_date < period_start",
    "amount >",
    "amount > (SELECT max(amount) FROM dibao_rural)",
    "EXISTS (SELECT 1 FROM deaths)",
    "amount IN (SELECT amount FROM read_csv('/etc/passwd'))",
    "read_parquet('clues.parquet') IS NULL",
    "SELECT * FROM deaths",
    "(SELECT count(*) FROM read_csv_auto('x.csv')) > 0",
    "amount > 1; DROP TABLE deaths",
    "id_number = 420112194001010014",
    "deaths.death_date < '2023-01-01'",
    "amount + 'x'",
    "amount",
    "generate_series(1, 10) > 0",
    "amount > param.nope",
    "unknown_column = 1",
    "lower(name) LIKE '%张%'",
    "CAST(amount AS VARCHAR) = '1'",
    "amount > 1e308 * 10",
    "(((((((((amount)))))))))",
    "",
]
scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.dates(),
    st.sampled_from(CONDITIONS),
)
value = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
RULE_KEYS = [
    "id", "title", "description", "severity", "reference", "kind", "registry", "scope",
    "condition", "evidence", "examples", "dataset", "roster", "key", "registry_key", "via",
    "via_key", "applies_when", "at_least", "group_by", "distinct", "across", "order_by", "zone",
    "zone_by", "severty",
]  # fmt: skip
TEXT_EDITS = ["\t", ":", "[", "]", "{", "&a ", "*a", "!!python/object:os.system ", "<<: ", "'", "-"]


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``node`` (mapping keys and list positions)."""
    out = [path]
    if isinstance(node, dict):
        for key, item in node.items():
            out += _places(item, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            out += _places(item, (*path, index))
    return out


def _parent(root: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        root = root[step]
    return root


@st.composite
def rule_file_text(draw: st.DrawFn) -> str:
    """The clean rule file with a few random mutations, as YAML text (sometimes broken)."""
    data = yaml.safe_load(GOOD_RULES.read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        places = [p for p in _places(data) if p]
        action = draw(st.sampled_from(["set", "set", "delete", "add", "condition", "condition"]))
        if action == "condition":
            rules = data.get("rules")
            rule = draw(st.sampled_from(rules)) if isinstance(rules, list) and rules else None
            if isinstance(rule, dict):
                rule[draw(st.sampled_from(["condition", "applies_when"]))] = draw(
                    st.one_of(st.sampled_from(CONDITIONS), st.text(max_size=40))
                )
            continue
        if not places:
            break
        path = draw(st.sampled_from(places))
        parent = _parent(data, path)
        if action == "set":
            parent[path[-1]] = draw(value)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(RULE_KEYS))] = draw(value)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if draw(st.integers(0, 3)) == 0:
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at]
        else:
            text = text[:at] + draw(st.sampled_from(TEXT_EDITS)) + text[at:]
    return text


@FAST
@given(
    texts=st.lists(rule_file_text(), min_size=1, max_size=2),
    names=st.one_of(
        st.just(["dibao_rural.yaml", "dibao_urban.yaml"]),
        st.just(["dibao_rural.yaml", "dibao_urban.yaml"]),
        st.permutations(["dibao_rural.yaml", "deaths.yaml", "x.yaml"]),
    ),
)
def test_any_rule_file_loads_or_is_refused_with_its_problems(
    texts: list[str], names: list[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for text, name in zip(texts, names, strict=False):
            (folder / name).write_text(text, encoding="utf-8")
        try:
            files = load_rules(rule_files(folder))
        except RuleFileError as exc:
            assert exc.problems
            event(
                "refused",
                str(exc.problems[0]).split(": ")[1][:40] if ": " in str(exc.problems[0]) else "",
            )
            for problem in exc.problems:
                assert str(problem).strip()
            return
        event("loaded")
        assert len(files) == len(texts)
