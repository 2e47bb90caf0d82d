"""Data-quality faults and benign variants, written into the text cells of a rendered dataset.

Each faulty row carries exactly one fault; benign variants go on other clean rows. Both return
truth rows keyed by ``_key`` (a duplicate gets a new key: the later copy is the faulty one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from huimin.synth import ids
from huimin.synth.render import Form, specs

B = npt.NDArray[np.bool_]
FW = str.maketrans("0123456789.", "０１２３４５６７８９．")
DIBAO_FIXED = ("household_id", "family_size", "pay_month", "id_number")


@dataclass
class Faulted:
    frame: pl.DataFrame
    truth: list[tuple[int, str, str, str]] = field(default_factory=list)  # key, code, cat, detail
    origin: dict[int, int] = field(default_factory=dict)  # duplicate key → copied row's key


def _kinds(dataset: str) -> dict[str, list[str]]:
    """Required fields by contract type (optional fields may be empty, so they carry nothing)."""
    out: dict[str, list[str]] = {}
    for s in specs(dataset):
        if not s.optional:
            out.setdefault(s.kind, []).append(s.name)
    return out


def applicable(dataset: str) -> list[str]:
    """DQ types that can be planted in this dataset."""
    k = _kinds(dataset)
    dibao = dataset.startswith("dibao_")
    out = ["dq_missing_required", "dq_duplicate_row"]
    if "id_number" in k:
        out += ["dq_bad_check_char", "dq_id_birth_date", "dq_old_15_digit_id"]
    if "date" in k:
        out.append("dq_impossible_date")
    if "month" in k and not dibao:
        out.append("dq_bad_month")
    if "yuan" in k:
        out += ["dq_negative_amount", "dq_three_decimals"]
    if "enum" in k:
        out.append("dq_bad_enum")
    if dibao:
        out.append("dq_household_size")
    return out


def _bad_date(style: str) -> str:
    return {"slash": "2023/2/30", "cn": "2023年2月30日"}.get(style, "2023-02-30")


def _bad_month(style: str) -> str:
    return {"compact": "202313", "cn": "2023年13月"}.get(style, "2023-13")


def _set(
    frame: pl.DataFrame, column: str, rows: npt.NDArray[np.int64], values: list[str | None]
) -> pl.DataFrame:
    s = frame[column].scatter(rows, pl.Series(values, dtype=pl.String))
    return frame.with_columns(s.alias(column))


def _id_field(dataset: str) -> str:
    return next(s.name for s in specs(dataset) if s.kind == "id_number")


def _missing_field(dataset: str) -> str:
    fixed = DIBAO_FIXED if dataset.startswith("dibao_") else ()
    req = [
        s.name
        for s in specs(dataset)
        if not s.optional and s.kind != "id_number" and s.name not in fixed
    ]
    return "name" if "name" in req else req[0]


def plant_dq(
    dataset: str,
    frame: pl.DataFrame,
    form: Form,
    eligible: B,
    counts: dict[str, int],
    rng: np.random.Generator,
) -> Faulted:
    out = Faulted(frame)
    free = eligible.copy()
    if "dq_household_size" in counts:
        _household_size(out, free, counts["dq_household_size"], rng)
    kinds = _kinds(dataset)
    for code in applicable(dataset):
        n = counts.get(code, 0)
        if code == "dq_household_size" or n == 0:
            continue
        pool = np.flatnonzero(free)
        rows = np.sort(rng.choice(pool, min(n, pool.shape[0]), replace=False))
        free[rows] = False
        _apply(out, dataset, form, kinds, code, rows, rng)
    return out


def _apply(
    out: Faulted,
    dataset: str,
    form: Form,
    kinds: dict[str, list[str]],
    code: str,
    rows: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> None:
    f = out.frame
    keys = f["_key"].gather(rows).to_list()
    if code == "dq_duplicate_row":
        copies = f[rows].with_columns(
            _key=pl.Series(int(f["_key"].cast(pl.Int64).max() or 0) + 1 + np.arange(rows.shape[0]))  # type: ignore[arg-type]
        )
        out.frame = pl.concat([f, copies])
        out.origin |= dict(zip(copies["_key"].to_list(), keys, strict=True))
        out.truth += [
            (int(k), code, "data_quality", "exact copy of an earlier row") for k in copies["_key"]
        ]
        return
    if code in ("dq_bad_check_char", "dq_id_birth_date", "dq_old_15_digit_id"):
        col = _id_field(dataset)
        fn: Callable[[pl.Series], pl.Series] = {
            "dq_bad_check_char": ids.bad_check_ids,
            "dq_id_birth_date": ids.bad_birth_ids,
            "dq_old_15_digit_id": ids.old_15_ids,
        }[code]
        values = fn(f[col].gather(rows)).to_list()
        detail = f"{col} written {{}}"
    elif code == "dq_impossible_date":
        col = kinds["date"][0]
        values, detail = [_bad_date(form.date_style)] * rows.shape[0], f"{col} {{}}"
    elif code == "dq_bad_month":
        col = kinds["month"][0]
        values, detail = [_bad_month(form.month_style)] * rows.shape[0], f"{col} {{}}"
    elif code in ("dq_negative_amount", "dq_three_decimals"):
        col = "amount" if "amount" in kinds["yuan"] else kinds["yuan"][0]
        old = f[col].gather(rows).cast(pl.Float64).to_list()
        values = [f"-{v:.2f}" if code == "dq_negative_amount" else f"{v:.2f}5" for v in old]
        detail = f"{col} {{}}"
    elif code == "dq_missing_required":
        col = _missing_field(dataset)
        values, detail = [None] * rows.shape[0], f"{col} empty{{}}"
    else:  # dq_bad_enum
        col = kinds["enum"][0]
        values, detail = ["未知"] * rows.shape[0], f"{col} {{}}"
    out.frame = _set(f, col, rows, values)
    out.truth += [
        (int(k), code, "data_quality", detail.format(v or ""))
        for k, v in zip(keys, values, strict=True)
    ]


def _household_size(out: Faulted, free: B, n: int, rng: np.random.Generator) -> None:
    f = out.frame.with_columns(_i=pl.int_range(pl.len()), _free=pl.Series(free))
    groups = (
        f.group_by("household_id", "pay_month", maintain_order=True)
        .agg(pl.col("_i"), pl.col("_free").all())
        .filter(pl.col("_free"))
    )
    if groups.height == 0:
        return
    pick = np.sort(rng.choice(groups.height, min(n, groups.height), replace=False))
    rows = np.sort(
        np.concatenate([np.array(x, dtype=np.int64) for x in groups["_i"].gather(pick).to_list()])
    )
    free[rows] = False
    size = out.frame["family_size"].gather(rows).cast(pl.Int64)
    values = (size + 1).cast(pl.String).to_list()
    keys = out.frame["_key"].gather(rows).to_list()
    out.frame = _set(out.frame, "family_size", rows, values)
    out.truth += [
        (int(k), "dq_household_size", "data_quality", f"family_size {v} ≠ members listed")
        for k, v in zip(keys, values, strict=True)
    ]


# -- benign variants -----------------------------------------------------------------------------

OTHER_DATE = {"iso": "cn", "excel": "slash", "slash": "iso", "cn": "slash"}
OTHER_MONTH = {"iso": "cn", "compact": "iso", "cn": "compact"}


def plant_benign(
    dataset: str, frame: pl.DataFrame, form: Form, free: B, n: int, rng: np.random.Generator
) -> Faulted:
    from huimin.synth.render import date_text, month_text

    out = Faulted(frame)
    kinds = _kinds(dataset)
    idc = _id_field(dataset) if "id_number" in kinds else None
    money = (
        ("amount" if "amount" in kinds.get("yuan", []) else kinds["yuan"][0])
        if "yuan" in kinds
        else None
    )
    todo = [
        "bv_full_width_digits",
        "bv_stray_spaces",
        "bv_lowercase_x",
        "bv_thousands_separator",
        "bv_date_form",
    ]
    for code in todo:
        pool = np.flatnonzero(free)
        f = out.frame
        if code == "bv_lowercase_x" and idc:
            pool = pool[f[idc].gather(pool).str.ends_with("X").to_numpy()]
        if code == "bv_thousands_separator":
            if not money:
                continue
            pool = pool[
                f[money].gather(pool).cast(pl.Float64, strict=False).fill_null(0).to_numpy() >= 1000
            ]
        if (code != "bv_date_form" and code != "bv_thousands_separator" and not idc) or pool.shape[
            0
        ] == 0:
            continue
        rows = np.sort(rng.choice(pool, min(n, pool.shape[0]), replace=False))
        free[rows] = False
        keys = f["_key"].gather(rows).to_list()
        if code == "bv_date_form":
            dcol = kinds.get("date", [None])[0] if "date" in kinds else None
            mcol = kinds.get("month", [None])[0] if "month" in kinds else None
            col = mcol or dcol
            if col is None:
                continue
            typed = f.select(pl.col(col).gather(rows))
            if col == mcol:
                iso = typed.select(_iso_month(pl.col(col), form.month_style).alias(col))
                vals = (
                    iso.select(month_text(pl.col(col), OTHER_MONTH[form.month_style]))
                    .to_series()
                    .to_list()
                )
            else:
                parsed = typed.select(_iso_date(pl.col(col), form.date_style).alias(col))
                vals = (
                    parsed.select(date_text(pl.col(col), OTHER_DATE[form.date_style]))
                    .to_series()
                    .to_list()
                )
        elif code == "bv_thousands_separator":
            col = money or ""
            vals = [f"{float(v):,.2f}" for v in f[col].gather(rows).to_list()]
        elif code == "bv_full_width_digits":
            col = idc or ""
            vals = [str(v).translate(FW) for v in f[col].gather(rows).to_list()]
        elif code == "bv_stray_spaces":
            col = idc or ""
            vals = [f" {v} " for v in f[col].gather(rows).to_list()]
        else:
            col = idc or ""
            vals = [str(v)[:-1] + "x" for v in f[col].gather(rows).to_list()]
        out.frame = _set(f, col, rows, vals)
        out.truth += [
            (int(k), code, "benign_variant", f"{col} written {v!r}")
            for k, v in zip(keys, vals, strict=True)
        ]
    return out


def _iso_date(col: pl.Expr, style: str) -> pl.Expr:
    fmt = {"slash": "%Y/%m/%d", "cn": "%Y年%m月%d日"}.get(style, "%Y-%m-%d")
    return col.str.strptime(pl.Date, fmt)


def _iso_month(col: pl.Expr, style: str) -> pl.Expr:
    """Back to 'YYYY-MM' from the file's month style."""
    if style == "compact":
        return pl.concat_str([col.str.slice(0, 4), pl.lit("-"), col.str.slice(4, 2)])
    if style == "cn":
        parts = col.str.extract_groups(r"^(\d{4})年(\d{1,2})月$")
        return pl.concat_str(
            [parts.struct.field("1"), pl.lit("-"), parts.struct.field("2").str.zfill(2)]
        )
    return col
