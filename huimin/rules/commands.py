"""What the ``huimin rules`` commands do (the CLI only parses options and prints)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from huimin.context import RunContext
from huimin.rules.clue_ids import district_key
from huimin.rules.engine import RuleRun, load_staged, roster_frame, run_rules
from huimin.rules.executors import PreparedData, RuleContext
from huimin.rules.kinds import KINDS
from huimin.rules.loader import load_rules, rule_files
from huimin.rules.model import Rule, RuleFile
from huimin.rules.output import write_clues
from huimin.rules.params import effective_ranges
from huimin.rules.templates import placeholders
from huimin.rules.yamlsrc import params_used

if TYPE_CHECKING:
    from huimin.pipeline import DatasetStatus

DEFAULT_RULES = Path(__file__).resolve().parents[2] / "rules"


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
    lines = [
        f"{rule.id}: {rule.title}",
        f"  project {rule_file.project} · {rule_file.department} · severity {rule.severity}",
        f"  kind {rule.kind}: " + ", ".join(f"{k}={v}" for k, v in rule.spec.items() if v),
        f"  defined at {rule.loc}",
        f"  reference: {rule.reference}",
        "",
        *[f"  {line}" for line in rule.description.strip().splitlines()],
    ]
    if rule.summary:
        lines += ["", f"  疑点描述: {rule.summary}"]
    if rule.verify:
        lines += [f"  核查要点: {rule.verify}"]
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
    lines += ["", "  polars plan:", *[f"    {line}" for line in plan.splitlines()]]
    return "\n".join(lines) + "\n"


def apply_rules(
    output: Path,
    files: list[RuleFile],
    source_files: dict[str, str],
    staged: Mapping[str, Path],
    statuses: Mapping[str, DatasetStatus],
    ctx: RunContext,
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
        key=district_key(),
        check_period=ctx.check_period,
        include_examples=ctx.include_examples,
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
