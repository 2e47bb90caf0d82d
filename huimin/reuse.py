"""Incremental monthly runs: what the previous published run already computed is reused when
nothing that decides it has changed, and the result is always the one a full run would give.

- A dataset is not ingested again when its fingerprint is the previous run's: the file's
  bytes, the contract, its ``sources.yaml`` mapping, the judgement date, the limits and
  huimin's version. Its staged and quarantine files are then linked into this run.
- A policy's rules are not run again when its fingerprint is the previous run's: the rule
  file and the parameter values it uses, the fingerprints and states of every dataset its
  rules read, the rule options and the clue-id key. Its findings are then taken over.
- The manifest says, per dataset and per policy, whether it was reused.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from huimin import __version__
from huimin.context import RunContext
from huimin.ingest import DatasetResult
from huimin.schemas import DATASETS
from huimin.sources import Source

if TYPE_CHECKING:
    from huimin.pipeline import DatasetStatus
    from huimin.rules.model import RuleFile


def _digest(*parts: object) -> str:
    text = json.dumps([str(p) for p in parts], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def code_version() -> str:
    """huimin's version and a digest of its code (schemas and rule kinds included), so that a
    result is never reused across a change of the code that made it."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def contract_version() -> str:
    """A digest of every dataset's fields and checks as the schemas declare them."""
    return _digest(*[(name, model.field_specs()) for name, model in sorted(DATASETS.items())])


def dataset_fingerprint(source: Source, sha256: str, ctx: RunContext) -> str:
    return _digest(
        source.dataset,
        sha256,
        contract_version(),
        sorted(source.renames.items()),
        ctx.as_of,
        ctx.limits,
        code_version(),
    )


@dataclass(frozen=True)
class Previous:
    """The published run this one may reuse from."""

    folder: Path
    manifest: dict[str, Any]

    @classmethod
    def load(cls, folder: Path | None) -> Previous | None:
        if folder is None:
            return None
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return cls(folder, manifest)

    def dataset(self, name: str, fingerprint: str) -> DatasetResult | None:
        """The previous result of dataset ``name`` if it had this fingerprint (and its files)."""
        entry = (self.manifest.get("datasets") or {}).get(name)
        if not isinstance(entry, dict) or entry.get("fingerprint") != fingerprint:
            return None
        if entry.get("error") is not None:
            return None
        files = [self.folder / part / f"{name}.parquet" for part in ("staged", "quarantine")]
        if not all(f.is_file() for f in files):
            return None
        try:
            return DatasetResult(**{**entry, "reused": True})
        except TypeError:
            return None

    def policies(self) -> dict[str, str]:
        rules = self.manifest.get("rules") or {}
        return dict(rules.get("policy_fingerprints") or {})


def link_dataset(previous: Previous, name: str, folder: Path) -> None:
    """The previous run's staged and quarantine files of ``name``, linked into ``folder``."""
    for part in ("staged", "quarantine"):
        source = previous.folder / part / f"{name}.parquet"
        target = folder / part / f"{name}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        try:
            os.link(source, target)
        except OSError:
            import shutil

            shutil.copy2(source, target)


def key_digest(key: bytes) -> str:
    """Which clue-id key was used (never the key itself)."""
    return hashlib.sha256(b"huimin clue key|" + key).hexdigest()[:16]


def policy_fingerprint(
    rule_file: RuleFile,
    results: Mapping[str, DatasetResult],
    statuses: Mapping[str, DatasetStatus],
    ctx: RunContext,
    key: bytes,
) -> str:
    """What decides the findings of one rule file."""
    from huimin.rules.model import rule_needs

    read: set[str] = {rule_file.policy}
    for rule in rule_file.rules:
        read |= rule_needs(rule, rule_file).datasets
    datasets = [
        (
            name,
            statuses[name].state if name in statuses else "missing",
            results[name].fingerprint if name in results else "",
        )
        for name in sorted(read)
    ]
    return _digest(
        repr(rule_file),
        datasets,
        ctx.as_of,
        ctx.check_period,
        ctx.include_examples,
        key_digest(key),
        code_version(),
    )


@dataclass(frozen=True)
class ReusedPolicy:
    """A rule file's findings, counts and gaps, as the previous run recorded them."""

    findings: pl.DataFrame
    per_rule: dict[str, int]
    not_evaluated: list[tuple[str, str, bool]]


def reused_policies(
    previous: Previous | None, fingerprints: Mapping[str, str], catalogue: list[RuleFile]
) -> dict[str, ReusedPolicy]:
    """The rule files whose fingerprint is the previous run's, with what it found."""
    if previous is None:
        return {}
    before = previous.policies()
    same = [f for f in catalogue if before.get(f.policy) == fingerprints.get(f.policy)]
    path = previous.folder / "findings.parquet"
    if not same or not path.is_file():
        return {}
    with contextlib.suppress(OSError, pl.exceptions.PolarsError):
        findings = pl.read_parquet(path)
        rules = previous.manifest.get("rules") or {}
        per_rule = dict(rules.get("per_rule") or {})
        gaps = rules.get("not_evaluated") or []
        out = {}
        for rule_file in same:
            ids = [rule.id for rule in rule_file.rules]
            out[rule_file.policy] = ReusedPolicy(
                findings.filter(pl.col("rule_id").is_in(ids)),
                {i: int(per_rule[i]) for i in ids if i in per_rule},
                [(g["rule"], g["reason"], bool(g["quiet"])) for g in gaps if g["rule"] in ids],
            )
        return out
    return {}
