"""Rule feedback (规则核查反馈): for each district rule, the clues it raised and what the
streets' verification made of them, so that rule authors see which rules waste case workers'
time.

Every district entry of the ledger (a clue of ``huimin ledger sync``, reopened ones included)
counts once for each rule that found it. Verified: any state after 核查中. Confirmed: 查实,
部分属实 and every state that follows them (a re-check that overturns 查否 ends there too);
查否 here is verified and not confirmed (查否, drawn for re-check, in re-check, 维持查否,
查否结案). 查实率 = confirmed / verified, null while nothing is verified.

The rules of an entry are those its district source records (``rule_ids`` in the source's
payload); for an entry whose source does not record them, those the caller gives for its clue
id (``rules_of``, read from a run's ``clues.parquet`` by :func:`clue_rules`). An entry with
neither carries no rule and is counted by :func:`unattributed`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from huimin.errors import ConfigError, DataFileError
from huimin.ledger.intake import REOPEN_MARK, Source
from huimin.ledger.models import Clue, ClueSource
from huimin.ledger.states import State
from huimin.ledger.store import Ledger, shown
from huimin.stats import CONFIRMED, VERIFIED

if TYPE_CHECKING:
    from huimin.rules.model import RuleFile

DISTRICT = Source.DISTRICT.value
#: a rule whose 查实率 is below LOW_RATE once at least LOW_RATE_MIN_VERIFIED of its clues are
#: verified is flagged: most of the visits it causes find nothing
LOW_RATE = 0.20
LOW_RATE_MIN_VERIFIED = 5

ENTRY_SCHEMA: dict[str, Any] = {
    "clue_id": pl.String,
    "project": pl.String,
    "state": pl.String,
    "no_longer_found": pl.Boolean,
    "rule_ids": pl.List(pl.String),
    "titles": pl.String,
}
FEEDBACK_SCHEMA: dict[str, Any] = {
    "rule_id": pl.String,
    "project": pl.String,
    "title": pl.String,
    "raised": pl.Int64,
    "verified": pl.Int64,
    "confirmed": pl.Int64,
    "unfounded": pl.Int64,
    "pending": pl.Int64,
    "no_longer_found": pl.Int64,
    "confirmed_rate": pl.Float64,
    "low_rate": pl.Boolean,
}
#: the table's headers as the district's tables show them (``huimin stats``)
HEADERS = {
    "rule_id": "规则编号",
    "project": "项目名称",
    "title": "规则名称",
    "raised": "线索数量",
    "verified": "已核查",
    "confirmed": "查实及部分属实",
    "unfounded": "查否",
    "pending": "未核查",
    "no_longer_found": "已不再发现",
    "confirmed_rate": "查实率",
    "low_rate": "查实率偏低",
}


@dataclass(frozen=True)
class RuleInfo:
    """What the catalogue says of a rule: its project and its title."""

    project: str
    title: str


def catalogue_rules(catalogue: Iterable[RuleFile]) -> dict[str, RuleInfo]:
    """Rule id → its project and title, for every rule of ``catalogue``."""
    return {
        rule.id: RuleInfo(rule_file.project, rule.title)
        for rule_file in catalogue
        for rule in rule_file.rules
    }


def clue_rules(*folders: Path) -> dict[str, list[str]]:
    """Clue id → its rule ids, from the ``clues.parquet`` of each run folder that has one;
    the first folder naming a clue wins."""
    found: dict[str, list[str]] = {}
    for folder in folders:
        path = folder / "clues.parquet"
        if not path.is_file():
            continue
        try:
            frame = pl.read_parquet(path, columns=["clue_id", "rule_ids"])
        except (OSError, pl.exceptions.PolarsError):
            raise DataFileError(path, "cannot be read as a run's clue table") from None
        for clue_id, rule_ids in frame.iter_rows():
            found.setdefault(str(clue_id), [str(r) for r in rule_ids or []])
    return found


def _payload(text: str | None) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _entry_rules(
    clue_id: str, payload: dict[str, Any], rules_of: Mapping[str, Sequence[str]]
) -> list[str]:
    recorded = payload.get("rule_ids")
    if isinstance(recorded, list) and recorded:
        return sorted({str(r) for r in recorded})
    base = str(payload.get("clue_id") or clue_id.split(REOPEN_MARK)[0])
    return sorted({str(r) for r in rules_of.get(base, ())})


def district_entries(
    session: Session, rules_of: Mapping[str, Sequence[str]] | None = None
) -> pl.DataFrame:
    """The ledger's district entries with their rules (see ``ENTRY_SCHEMA``)."""
    query = (
        select(Clue.clue_id, Clue.project, Clue.state, Clue.no_longer_found, ClueSource.payload)
        .join(ClueSource, ClueSource.clue_id == Clue.clue_id)
        .where(ClueSource.source == DISTRICT, Clue.state != State.MERGED.value)
        .order_by(Clue.clue_id)
    )
    rows = []
    for clue_id, project, state, gone, text in session.execute(query):
        payload = _payload(text)
        rows.append(
            {
                "clue_id": clue_id,
                "project": project,
                "state": state,
                "no_longer_found": bool(gone),
                "rule_ids": _entry_rules(clue_id, payload, rules_of or {}),
                "titles": str(payload.get("titles") or ""),
            }
        )
    return pl.DataFrame(rows, schema=ENTRY_SCHEMA)


def unattributed(entries: pl.DataFrame) -> int:
    """Entries of :func:`district_entries` that carry no rule."""
    return entries.filter(pl.col("rule_ids").list.len() == 0).height


def _counts(entries: pl.DataFrame) -> pl.DataFrame:
    state = pl.col("state")
    verified = state.is_in([s.value for s in VERIFIED])
    confirmed = state.is_in([s.value for s in CONFIRMED])
    alone = (pl.col("rule_ids").list.len() == 1) & (pl.col("titles") != "")
    return (
        entries.filter(state != State.MERGED.value)  # its sources are on the entry it joined
        .with_columns(pl.when(alone).then(pl.col("titles")).alias("title"))
        .explode("rule_ids")
        .rename({"rule_ids": "rule_id"})
        .filter(pl.col("rule_id").is_not_null())
        .group_by("rule_id")
        .agg(
            pl.col("project").min(),
            pl.col("title").drop_nulls().min(),
            pl.len().alias("raised"),
            verified.sum().alias("verified"),
            confirmed.sum().alias("confirmed"),
            (verified & ~confirmed).sum().alias("unfounded"),
            (~verified).sum().alias("pending"),
            pl.col("no_longer_found").sum().alias("no_longer_found"),
        )
    )


def _with_known(
    counts: pl.DataFrame, known: set[str], described: Mapping[str, RuleInfo]
) -> pl.DataFrame:
    missing = sorted(known - set(counts.get_column("rule_id").to_list()))
    zeros = pl.DataFrame({"rule_id": missing}, schema={"rule_id": pl.String})
    table = pl.concat([counts, zeros], how="diagonal_relaxed")
    info = pl.DataFrame(
        {
            "rule_id": list(described),
            "__project__": [i.project for i in described.values()],
            "__title__": [i.title for i in described.values()],
        },
        schema={"rule_id": pl.String, "__project__": pl.String, "__title__": pl.String},
    )
    return (
        table.join(info, on="rule_id", how="left")
        .with_columns(
            pl.coalesce("__project__", "project").fill_null("").alias("project"),
            pl.coalesce("__title__", "title").fill_null("").alias("title"),
        )
        .drop("__project__", "__title__")
    )


def feedback_table(
    entries: pl.DataFrame,
    known_rules: Iterable[str] | None = None,
    described: Mapping[str, RuleInfo] | None = None,
) -> pl.DataFrame:
    """One row per rule (see ``FEEDBACK_SCHEMA``) from :func:`district_entries`; the rules of
    ``known_rules`` and ``described`` that raised no clue are rows of zeros. Sorted by rule id.

    ``described`` gives a rule's project and title; otherwise they come from its entries (the
    project of its clues; the title its source records for a clue found by it alone).
    """
    described = dict(described or {})
    known = set(known_rules or ()) | set(described)
    table = _with_known(_counts(entries), known, described)
    counts = ["raised", "verified", "confirmed", "unfounded", "pending", "no_longer_found"]
    rate = pl.when(pl.col("verified") > 0).then((pl.col("confirmed") / pl.col("verified")).round(4))
    low = (pl.col("verified") >= LOW_RATE_MIN_VERIFIED) & (pl.col("confirmed_rate") < LOW_RATE)
    return (
        table.with_columns(pl.col(counts).fill_null(0).cast(pl.Int64))
        .with_columns(rate.alias("confirmed_rate"))
        .with_columns(low.fill_null(False).alias("low_rate"))
        .select([pl.col(n).cast(t) for n, t in FEEDBACK_SCHEMA.items()])
        .sort("rule_id")
    )


def rule_feedback(
    session: Session,
    known_rules: Iterable[str] | None = None,
    *,
    rules_of: Mapping[str, Sequence[str]] | None = None,
    described: Mapping[str, RuleInfo] | None = None,
) -> pl.DataFrame:
    """Per district rule: clues raised, verified, confirmed, 查否, pending, no longer found and
    the 查实率 (see the module's docstring and :func:`feedback_table`)."""
    return feedback_table(district_entries(session, rules_of), known_rules, described)


def open_existing(value: str) -> Ledger:
    """Open the ledger at ``value`` to read it; ConfigError when there is none.

    Unlike :meth:`Ledger.open`, a ledger file that does not exist is refused, not created.
    """
    if "://" not in value:
        path = Path(value).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"ledger {path}: no such file; give the ledger the clues were synced into"
            )
    return Ledger.open(value)


def shown_ledger(value: str) -> str:
    """The ledger as it may be printed: a path as given, a URL without its password."""
    return shown(value) if "://" in value else str(Path(value).expanduser())
