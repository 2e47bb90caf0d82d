"""Clues (问题线索): one per subject, project and check period — the unit a street visits.

The findings of every rule on one subject in one project and check period make one clue:
its amount at risk counts each payment once however many rules flagged it, its severity is
its highest finding's, its account lists every finding in words. Clues on the same person in
the same check period (in another project, or a person and their household) are linked, so
one visit serves them all.
"""

from __future__ import annotations

import polars as pl

from huimin.rules.clue_ids import clue_id
from huimin.rules.findings import FINDING_SCHEMA, periods_text

SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1}
CLUE_SCHEMA: dict[str, pl.DataType] = {
    "clue_id": pl.String(),
    "project": pl.String(),
    "department": pl.String(),
    "street": pl.String(),
    "organization": pl.String(),
    "subject_kind": pl.String(),
    "subject": pl.String(),
    "name": pl.String(),
    "id_numbers": pl.List(pl.String()),
    "check_period": pl.String(),
    "periods_text": pl.String(),
    "amount": pl.Float64(),
    "severity": pl.String(),
    "findings": pl.UInt32(),
    "rule_ids": pl.List(pl.String()),
    "titles": pl.String(),
    "summary": pl.String(),
    "verify": pl.String(),
    "reference": pl.String(),
    "related_clue_ids": pl.List(pl.String()),
}
KEY = ["project", "subject_kind", "subject", "check_period"]


def assign_clue_ids(findings: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """Each finding gets the id of its clue (same subject, project and check period)."""
    if findings.height == 0:
        return findings
    ids = [clue_id(key, *map(str, parts)) for parts in findings.select(KEY).iter_rows()]
    return findings.with_columns(pl.Series("clue_id", ids, dtype=pl.String))


def _numbered(texts: list[str]) -> str:
    unique = list(dict.fromkeys(t for t in texts if t))
    if len(unique) <= 1:
        return unique[0] if unique else ""
    return "；".join(f"{i}. {text}" for i, text in enumerate(unique, start=1))


def build_clues(findings: pl.DataFrame) -> pl.DataFrame:
    """One row per clue id of ``findings`` (which :func:`assign_clue_ids` filled in)."""
    if findings.height == 0:
        return pl.DataFrame(schema=CLUE_SCHEMA)
    ordered = findings.with_columns(
        pl.col("severity").replace_strict(SEVERITY_RANK, default=0).alias("__rank__")
    ).sort(["clue_id", "__rank__", "rule_id"], descending=[False, True, False])
    amounts = (
        ordered.select("clue_id", "hits")
        .explode("hits")
        .unnest("hits")
        .unique(subset=["clue_id", "row"])
        .group_by("clue_id")
        .agg(pl.col("amount").sum().round(2).alias("amount"))
    )
    clues = ordered.group_by("clue_id", maintain_order=True).agg(
        *[pl.col(name).first() for name in ("project", "department", *KEY[1:])],
        pl.col("street").drop_nulls().min(),
        pl.col("organization").drop_nulls().min(),
        pl.col("name").drop_nulls().min(),
        pl.col("id_numbers").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
        pl.col("periods")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique()
        .sort()
        .alias("__periods__"),
        pl.col("__rank__").max(),
        pl.len().cast(pl.UInt32).alias("findings"),
        pl.col("rule_ids" if "rule_ids" in ordered.columns else "rule_id").alias("rule_ids"),
        pl.col("title"),
        pl.col("summary"),
        pl.col("verify"),
        pl.col("reference"),
    )
    texts = [
        (
            periods_text(list(p)),
            _numbered(list(s)),
            _numbered(list(v)),
            "；".join(dict.fromkeys(r for r in refs if r)),
            "、".join(dict.fromkeys(t)),
        )
        for p, s, v, refs, t in clues.select(
            "__periods__", "summary", "verify", "reference", "title"
        ).iter_rows()
    ]
    rank_name = {rank: name for name, rank in SEVERITY_RANK.items()}
    clues = clues.with_columns(
        pl.Series("periods_text", [t[0] for t in texts], dtype=pl.String),
        pl.Series("summary", [t[1] for t in texts], dtype=pl.String),
        pl.Series("verify", [t[2] for t in texts], dtype=pl.String),
        pl.Series("reference", [t[3] for t in texts], dtype=pl.String),
        pl.Series("titles", [t[4] for t in texts], dtype=pl.String),
        pl.col("__rank__").replace_strict(rank_name, default="low").alias("severity"),
    ).join(amounts, on="clue_id", how="left")
    clues = clues.join(related(clues), on="clue_id", how="left").with_columns(
        pl.col("related_clue_ids").fill_null(pl.lit([], pl.List(pl.String())))
    )
    return clues.select([pl.col(n).cast(t) for n, t in CLUE_SCHEMA.items()]).sort("clue_id")


def related(clues: pl.DataFrame) -> pl.DataFrame:
    """Clue id → the other clues on any of its persons in the same check period."""
    people = clues.select("clue_id", "check_period", "id_numbers").explode("id_numbers")
    people = people.filter(pl.col("id_numbers").is_not_null())
    pairs = people.join(people, on=["check_period", "id_numbers"], suffix="_other").filter(
        pl.col("clue_id") != pl.col("clue_id_other")
    )
    return pairs.group_by("clue_id").agg(
        pl.col("clue_id_other").unique().sort().alias("related_clue_ids")
    )


def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema=FINDING_SCHEMA)
