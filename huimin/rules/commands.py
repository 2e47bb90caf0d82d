"""What the ``huimin rules`` commands do (the CLI only parses options and prints)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from huimin.context import RunContext
from huimin.resources import project_file
from huimin.rules.clue_ids import district_key
from huimin.rules.engine import EachPolicy, RuleRun, load_staged, roster_frame, run_rules
from huimin.rules.executors import PreparedData, RuleContext
from huimin.rules.findings import SUBJECT_KINDS_ZH, shown, subject_kind
from huimin.rules.kinds import KINDS
from huimin.rules.loader import load_rules, rule_files
from huimin.rules.model import Rule, RuleFile
from huimin.rules.output import SEVERITY_ZH, write_clues
from huimin.rules.params import effective_ranges
from huimin.rules.templates import placeholders
from huimin.rules.yamlsrc import params_used

if TYPE_CHECKING:
    from huimin.pipeline import DatasetStatus
    from huimin.reuse import ReusedPolicy

DEFAULT_RULES = project_file("rules")


def load_catalogue(folder: Path = DEFAULT_RULES, overrides: Path | None = None) -> list[RuleFile]:
    """Every rule file in ``folder``, with the parameters they declare from the tree (``folder``'s
    ``parameters/``, else the project's) and, given ``overrides`` (a district's
    ``parameters.yaml``), the district's values merged in. Raises RuleFileError listing every
    problem of the rule files, the tree and the district's file."""
    return load_rules(rule_files(folder), overrides=overrides)


def find_rule(files: list[RuleFile], rule_id: str) -> tuple[RuleFile, Rule]:
    for rule_file in files:
        for rule in rule_file.rules:
            if rule.id == rule_id:
                return rule_file, rule
    known = sorted(r.id for f in files for r in f.rules)
    raise KeyError(f"no rule '{rule_id}' (rules: {', '.join(known)})")


def explain(files: list[RuleFile], rule_id: str, *, as_of: dt.date | None = None) -> str:
    """What a rule does, its parameters with their dated values, and its polars plan (as of
    ``as_of``, by default today)."""
    rule_file, rule = find_rule(files, rule_id)
    kind_zh = SUBJECT_KINDS_ZH[subject_kind(rule, rule_file)]
    lines = [
        f"{rule.id}: {rule.title}",
        f"  项目 {rule_file.project} · {rule_file.department} · 风险等级 "
        f"{SEVERITY_ZH.get(rule.severity, rule.severity)} · 一条线索 = 一个{kind_zh}、一个年度",
        f"  政策依据: {rule.reference}",
        "",
        "  What it finds:",
        *[f"    {line}" for line in rule.description.strip().splitlines()],
        "",
        f"  How: {_in_words(rule)}",
    ]
    if rule.summary:
        lines += ["", f"  疑点描述 (template): {rule.summary}"]
    if rule.verify:
        lines += [f"  核查要点 (template): {rule.verify}"]
    lines += _example_account(rule, rule_file)
    texts = [*_sql_texts(rule), *rule.evidence, rule.summary or "", rule.verify or ""]
    used = params_used(texts) + [
        name.removeprefix("param.")
        for text in (rule.summary or "", rule.verify or "")
        for name in placeholders(text)
        if name.startswith("param.")
    ]
    for local in dict.fromkeys(used):
        parameter = rule_file.parameters.get(local)
        if parameter is None:
            continue
        lines += [
            "",
            f"  param.{local} = {parameter.name}: {parameter.title} ({parameter.unit})",
            f"    defined at {parameter.loc.file}; reference: {parameter.reference}",
        ]
        if parameter.zone_by:
            lines.append(f"    zone by: {' '.join(parameter.zone_by.split())}")
        for value, first, last in sorted(
            effective_ranges(parameter), key=lambda r: (str(r[0].zone), r[1])
        ):
            zone = f" [{value.zone}]" if value.zone else ""
            until = last.isoformat() if last else "on"
            origin = "district" if value.origin == "district" else "project"
            lines.append(
                f"    {first} – {until}{zone}: {_shown(value.value)} "
                f"({value.status}, {origin} {value.loc}; {value.source})"
            )
    data = PreparedData({}, as_of or dt.date.today())
    ctx = RuleContext(data, rule_file, roster_frame(rule_file, data))
    plan = KINDS[rule.kind].execute(rule, ctx).explain()
    lines += [
        "",
        "  For engineers:",
        f"    kind {rule.kind}: " + ", ".join(f"{k}={v}" for k, v in rule.spec.items() if v),
        f"    defined at {rule.loc}",
        "    polars plan:",
        *[f"      {line}" for line in plan.splitlines()],
    ]
    return "\n".join(lines) + "\n"


def _in_words(rule: Rule) -> str:
    """The rule's comparison in one plain sentence."""
    spec = rule.spec
    who = "any member of the household" if spec.get("scope") == "household" else "the recipient"
    when = f" where {' '.join(str(spec['condition']).split())}" if spec.get("condition") else ""
    if rule.kind in ("registry_match", "exclusive_rosters"):
        other = spec.get("registry") or spec.get("roster")
        return f"a payment is flagged when {who} is found in {other}{when}."
    if rule.kind == "required_presence":
        other = spec.get("dataset")
        return f"a payment is flagged when {who} is NOT found in {other}{when}."
    if rule.kind == "eligibility":
        return f"a payment is flagged{when}."
    if rule.kind == "duplicate":
        key = ", ".join(spec.get("key") or ["subject", "period"])
        return f"every payment after the first with the same {key} is flagged{when}."
    return (
        f"payments are grouped by {spec.get('group_by')}; a group with at least "
        f"{spec.get('at_least')} different {spec.get('distinct')} is flagged{when}."
    )


def _example_account(rule: Rule, rule_file: RuleFile) -> list[str]:
    """What a street worker reads on a clue of this rule, rendered from its first example
    that raises one."""
    from huimin.rules.examples import run_example_findings

    for example in rule.examples:
        if not example.expect:
            continue
        findings = run_example_findings(rule, rule_file, example)
        if findings.height == 0:
            continue
        first = findings.row(0, named=True)
        return [
            "",
            f"  An example clue (example '{example.name}'):",
            f"    疑点描述: {first['summary']}",
            f"    核查要点: {first['verify'] or '（未写）'}",
            f"    涉及期间 {first['periods_text']}，涉及金额 {shown(first['amount'])} 元",
        ]
    return []


def apply_rules(
    output: Path,
    files: list[RuleFile],
    source_files: dict[str, str],
    staged: Mapping[str, Path],
    statuses: Mapping[str, DatasetStatus],
    ctx: RunContext,
    *,
    key: bytes | None = None,
    reuse: Mapping[str, ReusedPolicy] | None = None,
    each_policy: EachPolicy | None = None,
) -> RuleRun:
    """Run the catalogue over this run's usable staged datasets; write clues.parquet,
    findings.parquet and clues.xlsx into ``output`` (the run's own folder)."""

    def usable(name: str) -> tuple[bool, str, bool]:
        status = statuses.get(name)
        if status is None:
            return False, f"{name} is missing from the input", False
        return status.usable and name in staged, status.reason, status.quiet

    run = run_rules(
        files,
        load_staged(staged),
        source_files,
        usable,
        as_of=ctx.as_of,
        key=key or district_key(),
        check_period=ctx.check_period,
        include_examples=ctx.include_examples,
        reuse=reuse,
        each_policy=each_policy,
    )
    write_clues(run.clues, run.findings, output)
    return run


def _sql_texts(rule: Rule) -> list[str]:
    return [
        text
        for value in rule.spec.values()
        for text in (value if isinstance(value, list) else [value])
        if isinstance(text, str)
    ]


def _shown(value: float | dt.date) -> str:
    return value.isoformat() if isinstance(value, dt.date) else f"{value:g}"
