"""Run a rule's inline examples: the rows given, the clues expected.

Given rows use the contract's field names; fields left out are empty. Values are read the
way ingestion reads a file (so ``2023-05`` is a month, ``是`` a bool), then the rule runs
alone on those datasets, judged as of the example's date.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from huimin import idnumber, parsing
from huimin.contract import DATASETS
from huimin.rules.engine import RuleRun, run_rules
from huimin.rules.model import Example, Rule, RuleFile


@dataclass(frozen=True)
class ExampleOutcome:
    """What one example gave, against what it expected."""

    rule_id: str
    example: Example
    expected: frozenset[tuple[str, str]]
    got: frozenset[tuple[str, str]]
    amounts_ok: bool
    invalid_ids: tuple[str, ...] = ()
    wrong_summaries: tuple[tuple[str, str], ...] = ()  # (expected text, rendered text)

    @property
    def passed(self) -> bool:
        return (
            self.expected == self.got
            and self.amounts_ok
            and not self.invalid_ids
            and not self.wrong_summaries
        )

    def describe(self) -> str:
        status = "ok" if self.passed else "FAILED"
        text = f"{self.example.loc}: {self.rule_id}: {self.example.name}: {status}"
        if not self.passed:
            missing = sorted(self.expected - self.got)
            extra = sorted(self.got - self.expected)
            text += f" (expected but no clue: {missing}; clue not expected: {extra})"
            if not self.amounts_ok:
                text += " (amounts differ)"
            if self.invalid_ids:
                text += " (invalid ID numbers in given rows: " + ", ".join(self.invalid_ids) + ")"
            for want, got in self.wrong_summaries:
                text += f" (summary expected {want!r}, rendered {got!r})"
        return text


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def given_frame(dataset: str, rows: list[dict[str, Any]]) -> pl.LazyFrame:
    """Typed staged rows of ``dataset`` from an example's ``given`` rows."""
    model = DATASETS[dataset]
    specs = model.field_specs()
    raw = pl.DataFrame(
        {s.name: [_text(row.get(s.name)) for row in rows] for s in specs},
        schema={s.name: pl.String for s in specs},
    )
    typed = raw.select(parsing.parse(s.kind, pl.col(s.name)).alias(s.name) for s in specs)
    return typed.with_columns(
        pl.int_range(1, typed.height + 1, dtype=pl.Int64).alias("_source_row")
    ).lazy()


def invalid_ids(example: Example) -> list[str]:
    """ID numbers in the given rows that ingestion would quarantine (a wrong example)."""
    bad = []
    for dataset, rows in example.given.items():
        id_fields = [f.name for f in DATASETS[dataset].field_specs() if f.kind == "id_number"]
        for row in rows:
            for name in id_fields:
                value = _text(row.get(name))
                if value and not idnumber.is_valid(value, example.as_of):
                    bad.append(f"{dataset}.{name} {value}")
    return bad


EXAMPLE_KEY = b"rule examples: ids are not compared"


def run_example_findings(rule: Rule, rule_file: RuleFile, example: Example) -> pl.DataFrame:
    """The findings ``rule`` makes of the rows ``example`` gives (its whole world)."""
    staged = {name: given_frame(name, rows) for name, rows in example.given.items()}
    alone = RuleFile(
        rule_file.path,
        rule_file.policy,
        rule_file.project,
        rule_file.department,
        rule_file.parameters,
        (rule,),
    )
    # a dataset the example does not give is empty there; example values are judged
    result: RuleRun = run_rules(
        [alone],
        staged,
        usable=lambda _: (True, "", False),
        as_of=example.as_of,
        key=EXAMPLE_KEY,
        include_examples=True,
    )
    return result.findings


def run_example(rule: Rule, rule_file: RuleFile, example: Example) -> ExampleOutcome:
    findings = run_example_findings(rule, rule_file, example)
    hits = (
        findings.select("summary", "hits")
        .explode("hits")
        .unnest("hits")
        .group_by("subject", "period")
        .agg(pl.col("amount").sum(), pl.col("summary").first())
    )
    got = frozenset((str(s), str(p)) for s, p in hits.select("subject", "period").rows())
    expected = frozenset((str(e["subject"]), str(e["period"])) for e in example.expect)
    actual = {(str(s), str(p)): (a, t) for s, p, a, t in hits.iter_rows()}
    amounts_ok = all(
        actual.get(k) is not None
        and actual[k][0] is not None
        and abs(float(actual[k][0]) - float(e["amount"])) < 0.005
        for e in example.expect
        if "amount" in e
        for k in [(str(e["subject"]), str(e["period"]))]
    )
    wrong = tuple(
        (str(e["summary"]), str(actual.get(k, (None, "（无线索）"))[1]))
        for e in example.expect
        if "summary" in e
        for k in [(str(e["subject"]), str(e["period"]))]
        if actual.get(k, (None, None))[1] != e["summary"]
    )
    return ExampleOutcome(
        rule.id, example, expected, got, amounts_ok, tuple(invalid_ids(example)), wrong
    )


def run_examples(rule_files: list[RuleFile], only: str | None = None) -> list[ExampleOutcome]:
    """Every example of every rule (or of the rules whose id starts with ``only``)."""
    outcomes: list[ExampleOutcome] = []
    for rule_file in rule_files:
        for rule in rule_file.rules:
            if only and not rule.id.startswith(only):
                continue
            outcomes.extend(run_example(rule, rule_file, ex) for ex in rule.examples)
    return outcomes
