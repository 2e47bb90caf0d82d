"""The synthetic world of one chunk: residents, their roles, and the frames being built.

Every dataset is held as a typed polars frame with the canonical field names plus ``_key``, a
row key unique within the dataset that the truth file refers to until rows get their place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from huimin.synth.people import People, day, to_date

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
TRUTH_COLUMNS = ("dataset", "_key", "subject", "period", "anomaly_type", "category", "detail")


@dataclass
class Sizing:
    """How many of each thing a chunk holds: district rates with floors at sample scale."""

    n: int
    sample: bool
    planted: int  # distinct subjects planted per policy anomaly type
    planted_small: int  # for the small rosters (car, farmland)

    def count(self, rate: float, floor: int) -> int:
        value = round(self.n * rate)
        return max(value, floor) if self.sample else value


@dataclass
class World:
    rng: np.random.Generator
    people: People
    sizing: Sizing
    chunk: int
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    truth: list[pl.DataFrame] = field(default_factory=list)
    no_assets: B = field(default_factory=lambda: np.zeros(0, dtype=bool))
    no_payroll: B = field(default_factory=lambda: np.zeros(0, dtype=bool))
    used: B = field(default_factory=lambda: np.zeros(0, dtype=bool))
    payroll: B = field(default_factory=lambda: np.zeros(0, dtype=bool))
    counters: dict[str, int] = field(default_factory=dict)
    # rows that must carry no data-quality fault or benign variant (by dataset, their keys)
    keep_clean: dict[str, list[int]] = field(default_factory=dict)
    # a second random stream, for what was added later: drawing from it leaves every value
    # drawn from ``rng`` (and so the rest of the district) as it was
    aux: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        self.aux = self.rng.spawn(1)[0]
        n = self.people.n
        self.no_assets = np.zeros(n, dtype=bool)
        self.no_payroll = np.zeros(n, dtype=bool)
        self.used = np.zeros(n, dtype=bool)
        self.payroll = np.zeros(n, dtype=bool)

    # -- residents -------------------------------------------------------------------------
    def person(self, pids: I64, columns: Sequence[str] = ("id_number", "name")) -> pl.DataFrame:
        return self.people.frame.select(columns)[pids]

    def adults(self, low: int, high: int, mask: B | None = None) -> I64:
        """Alive residents aged low..high on 2023-07-01 (optionally within ``mask``)."""
        age = self.people.age_on(day("2023-07-01"))
        ok = self.people.alive & (age >= low) & (age <= high)
        if mask is not None:
            ok &= mask
        return np.flatnonzero(ok).astype(np.int64)

    def pick(self, pool: I64, k: int) -> I64:
        """Up to k residents from ``pool`` not used yet; marks them used."""
        pool = pool[~self.used[pool]]
        k = min(k, pool.shape[0])
        chosen = np.sort(self.rng.choice(pool, k, replace=False)) if k else pool[:0]
        self.used[chosen] = True
        return chosen.astype(np.int64)

    def serial(self, name: str, k: int) -> I64:
        """Running numbers for codes unique within the chunk (VINs, credit codes ...)."""
        start = self.counters.get(name, 0)
        self.counters[name] = start + k
        return np.arange(start, start + k, dtype=np.int64)

    # -- frames ----------------------------------------------------------------------------
    def add(self, name: str, frame: pl.DataFrame) -> I64:
        """Append rows to a dataset; returns their keys."""
        old = self.frames.get(name)
        start = 0 if old is None else old.height
        keys = np.arange(start, start + frame.height, dtype=np.int64)
        frame = frame.with_columns(_key=pl.Series(keys))
        if old is not None:
            frame = frame.select(old.columns).cast(old.schema)
            self.frames[name] = pl.concat([old, frame], how="vertical")
        else:
            self.frames[name] = frame
        return keys

    def mark(
        self,
        dataset: str,
        rows: pl.DataFrame,
        code: str,
        detail: pl.Expr | str,
        subject: str = "id_number",
        period: str = "pay_month",
        category: str = "policy",
    ) -> None:
        """Record truth for ``rows`` (a subset of the dataset with ``_key``): a policy anomaly,
        or with ``category="benign_variant"`` a situation that looks like one but is not."""
        if rows.height == 0:
            return
        det = pl.lit(detail) if isinstance(detail, str) else detail
        per = pl.col(period) if period in rows.columns else pl.lit("2023")
        self.truth.append(
            rows.select(
                pl.lit(dataset).alias("dataset"),
                pl.col("_key"),
                pl.col(subject).cast(pl.String).alias("subject"),
                per.cast(pl.String).alias("period"),
                pl.lit(code).alias("anomaly_type"),
                pl.lit(category).alias("category"),
                det.cast(pl.String).alias("detail"),
            )
        )

    def rows_of(self, dataset: str, ids: pl.Series, column: str = "id_number") -> pl.DataFrame:
        return self.frames[dataset].filter(pl.col(column).is_in(ids.implode()))

    def update(self, dataset: str, keys: I64, **values: pl.Expr | object) -> None:
        """Set columns on the rows with the given keys."""
        hit = pl.col("_key").is_in(pl.Series(keys).implode())
        exprs = [
            pl.when(hit)
            .then(v if isinstance(v, pl.Expr) else pl.lit(v))
            .otherwise(pl.col(c))
            .cast(self.frames[dataset].schema[c])
            .alias(c)
            for c, v in values.items()
        ]
        self.frames[dataset] = self.frames[dataset].with_columns(exprs)

    def set_people(self, pids: I64, **values: object) -> None:
        """Change residents' registry rows (population is built from people.frame at the end)."""
        frame = self.people.frame
        hit = pl.col("pid").is_in(pl.Series(pids).implode())
        self.people.frame = frame.with_columns(
            [
                pl.when(hit).then(pl.lit(v)).otherwise(pl.col(c)).cast(frame.schema[c]).alias(c)
                for c, v in values.items()
            ]
        )


def dates(days: I64) -> pl.Series:
    return to_date(np.asarray(days, dtype=np.int64))


def account_numbers(keys: I64, chunk: int) -> pl.Series:
    """19-digit bank card numbers, unique per key and chunk."""
    prefixes = np.array([6217, 6228, 6230, 6222, 6212], dtype=np.int64)
    body = (keys * 7_919_113 + 1_234_567_891) % 10**13
    frame = pl.DataFrame({"p": prefixes[keys % 5], "b": body})
    return frame.select(
        pl.concat_str(
            [
                pl.col("p").cast(pl.String),
                pl.lit(f"{chunk:02d}"),
                pl.col("b").cast(pl.String).str.zfill(13),
            ]
        )
    ).to_series()
