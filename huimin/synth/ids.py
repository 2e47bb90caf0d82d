"""Vectorised citizen ID numbers (GB 11643): valid ones, and the faulty forms planted on purpose."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from huimin.idnumber import CHECK_CHARS, WEIGHTS

I64 = npt.NDArray[np.int64]
_CHECK = np.array(list(CHECK_CHARS))
_W = np.array(WEIGHTS, dtype=np.int64)
_POW = 10 ** np.arange(16, -1, -1, dtype=np.int64)

#: population sequences use k in 1..449 (seq = 2k + male); fabricated IDs use k in 450..499
POP_K_MAX = 449
FAKE_K = (450, 500)


def ymd_parts(days: I64) -> tuple[I64, I64, I64]:
    """Year, month, day of dates given as days since 1970-01-01."""
    d = days.astype("datetime64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return year, month, day


def check_chars(body: I64) -> npt.NDArray[np.str_]:
    """Check characters for 17-digit bodies held as int64."""
    digits = (body[:, None] // _POW[None, :]) % 10
    out: npt.NDArray[np.str_] = _CHECK[(digits * _W[None, :]).sum(axis=1) % 11]
    return out


def _body(addr: I64, year: I64, month: I64, day: I64, seq: I64) -> I64:
    return addr * 10**11 + (year * 10000 + month * 100 + day) * 1000 + seq


def _to_strings(body: I64, check: npt.NDArray[np.str_]) -> pl.Series:
    frame = pl.DataFrame({"b": body, "c": check})
    return frame.select(
        pl.concat_str([pl.col("b").cast(pl.String).str.zfill(17), pl.col("c")])
    ).to_series()


def make_ids(addr: I64, birth_days: I64, seq: I64) -> pl.Series:
    """Valid 18-character ID numbers."""
    year, month, day = ymd_parts(birth_days)
    body = _body(addr, year, month, day, seq)
    return _to_strings(body, check_chars(body))


def bad_birth_ids(ids: pl.Series) -> pl.Series:
    """Same IDs with birth month 13 and a CORRECT check character for that body."""
    body = ids.str.slice(0, 17).cast(pl.Int64).to_numpy()
    body = body - ((body // 10**5) % 100) * 10**5 + 13 * 10**5
    return _to_strings(body, check_chars(body))


def bad_check_ids(ids: pl.Series) -> pl.Series:
    """Same IDs with a wrong 18th character."""
    right = ids.str.slice(17, 1).to_numpy()
    idx = np.searchsorted(np.sort(_CHECK), right)
    wrong = np.sort(_CHECK)[(idx + 3) % 11]
    return (
        pl.DataFrame({"a": ids.str.slice(0, 17), "b": wrong})
        .select(pl.concat_str(["a", "b"]))
        .to_series()
    )


def old_15_ids(ids: pl.Series) -> pl.Series:
    """The 15-digit old form: address, 2-digit year, month, day, sequence."""
    return (
        pl.DataFrame({"i": ids})
        .select(pl.concat_str([pl.col("i").str.slice(0, 6), pl.col("i").str.slice(8, 9)]))
        .to_series()
    )


def unique_sequences(
    addr: I64, birth_days: I64, male: npt.NDArray[np.bool_], chunk: int, n_chunks: int
) -> tuple[I64, I64]:
    """Sequence numbers unique per (address, birth date) across all chunks.

    Returns (birth_days, seq); a birth date moves by a day where a group would overflow.
    """
    birth = birth_days.copy()
    for _ in range(20):
        frame = pl.DataFrame({"a": addr, "b": birth, "m": male})
        rank = frame.select(pl.int_range(pl.len()).over(["a", "b", "m"])).to_series().to_numpy()
        over = rank * n_chunks + chunk >= POP_K_MAX
        if not over.any():
            break
        birth = np.where(over & (rank % 2 == 0), birth - 1, np.where(over, birth + 1, birth))
    offset = (birth * 7 + addr * 13) % POP_K_MAX
    k = 1 + (offset + rank * n_chunks + chunk) % POP_K_MAX
    return birth, 2 * k + male.astype(np.int64)


def fake_ids(rng: np.random.Generator, n: int, birth_days: I64) -> pl.Series:
    """Valid IDs that no generated resident can hold (reserved sequence range)."""
    addr = rng.choice(np.array([420112, 420116, 421182, 411521], dtype=np.int64), n)
    k = np.arange(n, dtype=np.int64) % (FAKE_K[1] - FAKE_K[0]) + FAKE_K[0]
    seq = 2 * k + rng.integers(0, 2, n)
    return make_ids(addr, birth_days, seq)
