"""Facts judged for the period they concern: cars change hands and businesses close.

A car sold on keeps its VIN: the seller's row turns 转移 with the day of the sale as its
状态变更日期, and the buyer's row starts that day (取得日期) with the car's first registration
(初次登记日期) unchanged. A business closed (注销) keeps its row with the day it closed.

Planted here, after every other anomaly, from the world's second random stream (``World.aux``)
so that everything else in the district stays as it was:

- the buyers of part of the ordinary registry's transferred cars (second-hand cars);
- ``dibao_member_owned_car_until_sold``: a 低保 member's car sold in late 2023, an anomaly for
  the months up to the sale only; and the benign ``bv_dibao_car_sold_before_2023``;
- ``dibao_member_business_until_closed``: a member's business 注销 in mid-2023, an anomaly for
  the months up to its closing only; and the benign ``bv_dibao_business_closed_before_2023``;
- trade-ins whose old car has several owners: sold on to a buyer (``bv_car_old_sold_on``),
  bought second-hand long enough before (``bv_car_old_second_hand``), or bought second-hand
  less than 365 days before the invoice though first registered long ago
  (``car_old_owned_too_short``).

Every row added here, and the rows of the situations planted, carry no data-quality fault.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from huimin.synth.people import day
from huimin.synth.plant_civil import (
    _ymd,
    dibao_household,
    hh_rows,
    member_detail,
    roster_count,
)
from huimin.synth.registries import enterprise_rows, uniform_days, vehicle_rows
from huimin.synth.world import World, dates

I64 = npt.NDArray[np.int64]
BENIGN = "benign_variant"
TRADEIN = "car_tradein"


def plant_dated(w: World) -> None:
    solo = roster_count(w)
    _second_hand_cars(w)
    _dibao_cars(w, solo)
    _dibao_businesses(w, solo)
    _tradein_histories(w)


# -- helpers ------------------------------------------------------------------------------------
def _keep_clean(w: World, dataset: str, keys: I64) -> None:
    w.keep_clean.setdefault(dataset, []).extend(int(k) for k in keys)


def _buyers(w: World, k: int) -> I64:
    """k residents who may hold a car (outside the protected groups, not used yet)."""
    pool = w.adults(25, 70, ~w.no_assets & ~w.used)
    chosen = np.sort(w.aux.choice(pool, min(k, pool.shape[0]), replace=False)).astype(np.int64)
    w.used[chosen] = True
    return chosen


def _other_owner_rows(
    w: World, cars: pl.DataFrame, acquired: I64, status: str, status_day: I64
) -> None:
    """Rows of the same cars (VIN, plate, first registration) held by other residents."""
    if cars.height == 0:
        return
    owners = _buyers(w, cars.height)
    cars = cars[: owners.shape[0]]
    rows = cars.drop("_key").with_columns(
        owner_id_number=w.person(owners, ["id_number"]).to_series(),
        acquired_date=dates(acquired[: owners.shape[0]]),
        status=pl.lit(status),
        status_date=dates(status_day[: owners.shape[0]]),
    )
    _keep_clean(w, "vehicles", w.add("vehicles", rows))


def _days(series: pl.Series) -> I64:
    """Dates as days since 1970-01-01 (the synthetic district's day numbers)."""
    return series.cast(pl.Int64).to_numpy().astype(np.int64)


def _day(value: object) -> int:
    return int(_days(pl.Series([value], dtype=pl.Date))[0])


def _update_owner_row(w: World, vin: str, owner: str, **values: object) -> None:
    """Set columns on the one row of ``vin`` held by ``owner``."""
    hit = (pl.col("vin") == vin) & (pl.col("owner_id_number") == owner)
    f = w.frames["vehicles"]
    w.frames["vehicles"] = f.with_columns(
        [
            pl.when(hit).then(pl.lit(v)).otherwise(pl.col(c)).cast(f.schema[c]).alias(c)
            for c, v in values.items()
        ]
    )


# -- the ordinary registry -------------------------------------------------------------------
def _second_hand_cars(w: World) -> None:
    """About half of the cars transferred (转移) by November 2023 were bought in the district."""
    v = w.frames["vehicles"]
    car = w.frames[TRADEIN]
    sold = v.filter(
        (pl.col("status") == "转移")
        & (pl.col("status_date") <= pl.date(2023, 11, 30))
        & ~pl.col("vin").is_in(pl.concat([car["old_vin"], car["new_vin"]]).implode())
        & (pl.col("vin").is_first_distinct() & pl.col("vin").is_last_distinct())
    )
    sold = sold.filter(pl.Series(w.aux.random(sold.height) < 0.5))
    day_sold = _days(sold["status_date"])
    _other_owner_rows(w, sold, day_sold, "正常", np.full(sold.height, -1, dtype=np.int64))


# -- 低保 --------------------------------------------------------------------------------------
def _member_car(w: World, pid: int, register: int, sold: int) -> None:
    """A member's car (first owner), transferred on ``sold`` to another resident."""
    one = np.array([pid], dtype=np.int64)
    car = vehicle_rows(
        w,
        one,
        np.array([register], dtype=np.int64),
        np.array(["转移"]),
        np.array([sold], dtype=np.int64),
        np.array(["小型轿车"]),
        rng=w.aux,
    )
    _keep_clean(w, "vehicles", w.add("vehicles", car))
    added = w.frames["vehicles"].filter(pl.col("vin") == car["vin"][0])
    day_sold = np.array([sold], dtype=np.int64)
    _other_owner_rows(w, added, day_sold, "正常", np.array([-1], dtype=np.int64))


def _dibao_cars(w: World, solo: I64) -> None:
    k, rng = w.sizing.planted, w.aux
    for ds, hid, pids in dibao_household(w, "car_sold", solo, k, rng=rng):
        pid = int(rng.choice(pids))
        register = int(uniform_days(rng, "2014-01-01", "2022-06-30", 1)[0])
        month = int(rng.integers(8, 12))
        sold = day(f"2023-{month:02d}-05") + int(rng.integers(0, 21))
        _member_car(w, pid, register, sold)
        w.mark(
            ds,
            hh_rows(w, ds, hid).filter(pl.col("_m") <= month),
            "dibao_member_owned_car_until_sold",
            member_detail(w, pid, f"owned a car registered {_ymd(register)} until {_ymd(sold)}"),
        )
    for ds, hid, pids in dibao_household(w, "car_sold_before", solo, k, rng=rng):
        pid = int(rng.choice(pids))
        sold = int(uniform_days(rng, "2019-01-01", "2022-11-30", 1)[0])
        register = sold - int(rng.integers(400, 3000))
        _member_car(w, pid, register, sold)
        w.mark(
            ds,
            hh_rows(w, ds, hid),
            "bv_dibao_car_sold_before_2023",
            member_detail(w, pid, f"sold a car on {_ymd(sold)}"),
            category=BENIGN,
        )


def _member_business(w: World, pid: int, established: int, closed: int) -> str:
    role = w.aux.choice(np.array(["法定代表人", "股东"]), 1)
    rows = enterprise_rows(
        w,
        np.array([pid], dtype=np.int64),
        role,
        np.array(["注销"]),
        np.array([established], dtype=np.int64),
        np.array([closed], dtype=np.int64),
        rng=w.aux,
    )
    _keep_clean(w, "enterprises", w.add("enterprises", rows))
    return str(role[0])


def _dibao_businesses(w: World, solo: I64) -> None:
    k, rng = w.sizing.planted, w.aux
    for ds, hid, pids in dibao_household(w, "biz_closed", solo, k, rng=rng):
        pid = int(rng.choice(pids))
        established = int(uniform_days(rng, "2012-01-01", "2021-12-31", 1)[0])
        month = int(rng.integers(4, 9))
        closed = day(f"2023-{month:02d}-05") + int(rng.integers(0, 21))
        role = _member_business(w, pid, established, closed)
        w.mark(
            ds,
            hh_rows(w, ds, hid).filter(pl.col("_m") <= month),
            "dibao_member_business_until_closed",
            member_detail(w, pid, f"was {role} of a business until its 注销 on {_ymd(closed)}"),
        )
    for ds, hid, pids in dibao_household(w, "biz_closed_before", solo, k, rng=rng):
        pid = int(rng.choice(pids))
        closed = int(uniform_days(rng, "2016-01-01", "2022-11-30", 1)[0])
        established = closed - int(rng.integers(400, 4000))
        role = _member_business(w, pid, established, closed)
        w.mark(
            ds,
            hh_rows(w, ds, hid),
            "bv_dibao_business_closed_before_2023",
            member_detail(w, pid, f"was {role} of a business closed (注销) on {_ymd(closed)}"),
            category=BENIGN,
        )


# -- 汽车以旧换新 -----------------------------------------------------------------------------
def _clean_tradeins(w: World) -> pl.DataFrame:
    """Trade-ins with no planted finding, one per applicant, with their old car's row."""
    truth = pl.concat(w.truth)
    flagged = truth["subject"].unique()
    cars = w.frames[TRADEIN]
    once = cars.filter(pl.len().over("_pid") == 1)
    clean = once.filter(
        ~pl.col("_key").is_in(truth.filter(pl.col("dataset") == TRADEIN)["_key"].implode())
        & ~pl.col("id_number").is_in(flagged.implode())
    )
    old = w.frames["vehicles"].select(
        pl.col("vin").alias("old_vin"),
        pl.col("owner_id_number").alias("id_number"),
        pl.col("register_date").alias("_old_register"),
    )
    return clean.join(old, on=["old_vin", "id_number"], how="inner").sort("_key")


def _previous_owner(w: World, row: dict[str, object], acquired: int) -> None:
    """The applicant bought the old car second-hand on ``acquired`` from another resident."""
    vin, owner = str(row["old_vin"]), str(row["id_number"])
    _update_owner_row(w, vin, owner, acquired_date=dates(np.array([acquired]))[0])
    car = w.frames["vehicles"].filter((pl.col("vin") == vin) & (pl.col("owner_id_number") == owner))
    first = _days(car["register_date"])
    _other_owner_rows(w, car, first, "转移", np.array([acquired], dtype=np.int64))


def _tradein_histories(w: World) -> None:
    k, rng = w.sizing.planted_small, w.aux
    clean = _clean_tradeins(w)
    order = rng.permutation(clean.height)
    sold_on = clean[order].filter(pl.col("old_disposal") == "转出")[:k]
    for row in sold_on.iter_rows(named=True):
        car = w.frames["vehicles"].filter(
            (pl.col("vin") == row["old_vin"]) & (pl.col("owner_id_number") == row["id_number"])
        )
        disposed = _days(car["status_date"])
        _other_owner_rows(w, car, disposed, "正常", np.array([-1], dtype=np.int64))
        w.mark(
            TRADEIN,
            clean.filter(pl.col("_key") == row["_key"]),
            "bv_car_old_sold_on",
            f"old car sold on {row['old_disposal_date']} to another resident, who holds it now",
            period="_period",
            category=BENIGN,
        )
    rest = clean[order].filter(~pl.col("_key").is_in(sold_on["_key"].implode()))
    invoice = _days(rest["invoice_date"])
    register = _days(rest["_old_register"])
    long_held = rest.filter(pl.Series(invoice - register >= 800))[:k]
    for row in long_held.iter_rows(named=True):
        inv, reg = _day(row["invoice_date"]), _day(row["_old_register"])
        acquired = int(rng.integers(reg + 180, inv - 400))
        _previous_owner(w, row, acquired)
        w.mark(
            TRADEIN,
            clean.filter(pl.col("_key") == row["_key"]),
            "bv_car_old_second_hand",
            f"old car bought second-hand {_ymd(acquired)}, first registered {_ymd(reg)}",
            period="_period",
            category=BENIGN,
        )
    rest = rest.filter(~pl.col("_key").is_in(long_held["_key"].implode()))
    short = rest.filter(
        pl.Series(_days(rest["invoice_date"]) - _days(rest["_old_register"]) >= 600)
    )
    for row in short[:k].iter_rows(named=True):
        inv, reg = _day(row["invoice_date"]), _day(row["_old_register"])
        acquired = int(inv - rng.integers(60, 300))
        _previous_owner(w, row, acquired)
        w.mark(
            TRADEIN,
            clean.filter(pl.col("_key") == row["_key"]),
            "car_old_owned_too_short",
            f"old car bought second-hand {_ymd(acquired)} (first registered {_ymd(reg)}), "
            "under 365 days before the invoice",
            period="_period",
        )
