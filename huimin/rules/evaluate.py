"""Measure clues against a synthetic district's truth: recall and precision per anomaly type.

A finding's payments (its ``hits``) and a planted anomaly meet on (roster, subject,
period). Which rules look for which
anomaly type is written in ``data/reference/rule-truth-map/<policy>.yaml`` (rule id → the
synthetic district's anomaly types it should find; see docs/synthetic-district.md).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import yaml

from huimin.rules.model import RuleFile

KEY = ["dataset", "subject", "period"]


def load_truth_map(path: Path) -> dict[str, list[str]]:
    """Rule id → anomaly types, from one YAML file or every YAML file of a folder."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    out: dict[str, list[str]] = {}
    for file in files:
        loaded = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for rule, types in loaded.items():
            out[str(rule)] = [str(t) for t in (types if isinstance(types, list) else [types])]
    return out


def score(
    findings: pl.DataFrame,
    truth: pl.DataFrame,
    truth_map: dict[str, list[str]],
    rule_files: list[RuleFile],
) -> pl.DataFrame:
    """One row per anomaly type: planted keys, found, recall, clues, true clues, precision."""
    policy_of = {rule.id: rf.policy for rf in rule_files for rule in rf.rules}
    pairs = [(rule, t) for rule, types in truth_map.items() for t in types]
    mapping = pl.DataFrame(
        pairs, schema={"rule_id": pl.String, "anomaly_type": pl.String}, orient="row"
    )
    hits = findings.select("rule_id", "hits").explode("hits").unnest("hits")
    flagged = hits.select(
        "rule_id",
        pl.col("rule_id").replace_strict(policy_of, default=None).alias("dataset"),
        "subject",
        "period",
    ).unique()
    clue_keys = flagged.join(mapping, on="rule_id").select("anomaly_type", *KEY).unique()
    planted = (
        truth.filter(pl.col("category") == "policy")
        .select("anomaly_type", *KEY)
        .with_columns(pl.col("period").cast(pl.String))
        .unique()
    )
    # a flagged payment is true when it is planted as any type its rule is mapped to (a rule
    # may look for several types: a car owned all year, a car sold in the year)
    true_keys = (
        flagged.join(mapping, on="rule_id")
        .join(planted.rename({"anomaly_type": "planted_type"}), on=KEY, how="inner")
        .filter(
            pl.struct("rule_id", "planted_type").is_in(
                mapping.select(pl.struct("rule_id", pl.col("anomaly_type").alias("planted_type")))
                .to_series()
                .implode()
            )
        )
        .select("anomaly_type", *KEY)
        .unique()
    )
    types = sorted(
        set(planted.get_column("anomaly_type")) | set(mapping.get_column("anomaly_type"))
    )
    rows = []
    for anomaly in types:
        want = planted.filter(pl.col("anomaly_type") == anomaly).select(KEY)
        got = clue_keys.filter(pl.col("anomaly_type") == anomaly).select(KEY)
        found = want.join(got, on=KEY, how="semi").height
        true_clues = true_keys.filter(pl.col("anomaly_type") == anomaly).height
        rows.append(
            {
                "anomaly_type": anomaly,
                "planted": want.height,
                "found": found,
                "recall": found / want.height if want.height else None,
                "clues": got.height,
                "true_clues": true_clues,
                "precision": true_clues / got.height if got.height else None,
            }
        )
    return pl.DataFrame(rows)


def markdown(table: pl.DataFrame) -> str:
    """The score table as Markdown (for the README and the terminal)."""
    lines = [
        "| anomaly type | planted | found | recall | clues | true | precision |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in table.iter_rows(named=True):
        recall = "-" if row["recall"] is None else f"{row['recall']:.3f}"
        precision = "-" if row["precision"] is None else f"{row['precision']:.3f}"
        lines.append(
            f"| {row['anomaly_type']} | {row['planted']} | {row['found']} | {recall} | "
            f"{row['clues']} | {row['true_clues']} | {precision} |"
        )
    return "\n".join(lines) + "\n"
