"""Planting the 区民政局 policy anomalies: 低保, 特困, disability subsidies, 高龄津贴."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from huimin.synth import policy
from huimin.synth.people import day
from huimin.synth.registries import (
    Roles,
    enterprise_rows,
    pension_rows,
    property_rows,
    uniform_days,
    vehicle_rows,
)
from huimin.synth.rosters import monthly
from huimin.synth.world import World, dates

I64 = npt.NDArray[np.int64]
ROSTERS_WITH_PID = (
    "dibao_urban",
    "dibao_rural",
    "tekun",
    "disability_living",
    "disability_care",
    "elderly_allowance",
    "student_aid_compulsory",
    "student_aid_highschool",
    "resettlement_subsidy",
    "grain_subsidy",
    "car_tradein",
)


def roster_count(w: World) -> I64:
    """In how many rosters (other than 代缴) each resident appears."""
    count = np.zeros(w.people.n, dtype=np.int64)
    for name in ROSTERS_WITH_PID:
        pids = w.frames[name]["_pid"].unique().to_numpy()
        count[pids[pids < w.people.n]] += 1  # fabricated recipients are no residents
    return count


def kill(w: World, pid: int, death_day: int) -> None:
    """Record a death: population status and the deaths registry."""
    w.set_people(np.array([pid]), status="死亡注销", status_date=dates(np.array([death_day]))[0])
    w.people.alive[pid] = False
    row = w.person(np.array([pid])).with_columns(
        death_date=dates(np.array([death_day])), source=pl.lit("公安")
    )
    w.add("deaths", row)


def move_out(w: World, pid: int, moved_day: int) -> None:
    w.set_people(np.array([pid]), status="迁出", status_date=dates(np.array([moved_day]))[0])
    w.people.alive[pid] = False


def _ymd(d: int) -> str:
    return str(np.datetime64(d, "D"))


def clean_households(w: World, dataset: str, solo: I64) -> pl.DataFrame:
    """低保 households of ``dataset`` whose members are in no other roster and unused."""
    f = w.frames[dataset].select("household_id", "_pid").unique(maintain_order=True)
    bad = (solo[f["_pid"].to_numpy()] > 1) | w.used[f["_pid"].to_numpy()]
    f = f.with_columns(_bad=pl.Series(bad))
    ok = (
        f.group_by("household_id").agg(pl.col("_bad").any(), pl.col("_pid")).filter(~pl.col("_bad"))
    )
    return ok.sort("household_id")


def dibao_household(
    w: World,
    code: str,
    solo: I64,
    k: int,
    need_old: bool = False,
    rng: np.random.Generator | None = None,
) -> list[tuple[str, str, I64]]:
    """k households split over the two rolls: (dataset, household_id, member pids)."""
    rng = w.rng if rng is None else rng
    out: list[tuple[str, str, I64]] = []
    age = w.people.age_on(day("2023-01-01"))
    for i, dataset in enumerate(("dibao_urban", "dibao_rural")):
        hh = clean_households(w, dataset, solo)
        if need_old:
            old = np.flatnonzero(age >= 62)
            hh = hh.filter(
                pl.col("_pid").list.eval(pl.element().is_in(pl.Series(old).implode())).list.any()
            )
        take = (k + 1 - i) // 2
        idx = np.sort(rng.choice(hh.height, min(take, hh.height), replace=False))
        for row in hh[idx].iter_rows(named=True):
            pids = np.array(row["_pid"], dtype=np.int64)
            w.used[pids] = True
            out.append((dataset, row["household_id"], pids))
    return out


def hh_rows(w: World, dataset: str, hid: str, after_month: int = 0) -> pl.DataFrame:
    return w.frames[dataset].filter((pl.col("household_id") == hid) & (pl.col("_m") > after_month))


def member_detail(w: World, pid: int, text: str) -> str:
    return f"member {w.person(np.array([pid]), ['id_number'])[0, 0]} {text}"


def plant_dibao(w: World, r: Roles, solo: I64) -> None:
    k = w.sizing.planted
    rng = w.rng
    for ds, hid, pids in dibao_household(w, "dead", solo, k):
        pid = int(rng.choice(pids))
        m = int(rng.integers(1, 11))
        d = day(f"2023-{m:02d}-01") + int(rng.integers(0, 27))
        kill(w, pid, d)
        w.mark(
            ds,
            hh_rows(w, ds, hid, m),
            "dibao_member_dead_paid",
            member_detail(w, pid, f"died {_ymd(d)}"),
        )
    for ds, hid, pids in dibao_household(w, "car", solo, k):
        pid = int(rng.choice(pids))
        reg = uniform_days(rng, "2015-01-01", "2022-10-31", 1)
        w.add(
            "vehicles",
            vehicle_rows(
                w, np.array([pid]), reg, np.array(["正常"]), np.array([-1]), np.array(["小型轿车"])
            ),
        )
        w.mark(
            ds,
            hh_rows(w, ds, hid),
            "dibao_member_owns_car",
            member_detail(w, pid, f"owns a car registered {_ymd(int(reg[0]))}"),
        )
    for ds, hid, pids in dibao_household(w, "biz", solo, k):
        pid = int(rng.choice(pids))
        role = rng.choice(np.array(["法定代表人", "股东"]), 1)
        w.add(
            "enterprises",
            enterprise_rows(
                w,
                np.array([pid]),
                role,
                np.array(["存续"]),
                uniform_days(rng, "2012-01-01", "2022-06-30", 1),
            ),
        )
        w.mark(
            ds,
            hh_rows(w, ds, hid),
            "dibao_member_business",
            member_detail(w, pid, f"is {role[0]} of a live business"),
        )
    for ds, hid, pids in dibao_household(w, "payroll", solo, k):
        pid = int(rng.choice(pids))
        add_payroll(w, pid)
        w.mark(
            ds,
            hh_rows(w, ds, hid),
            "dibao_member_public_payroll",
            member_detail(w, pid, "is on the public payroll"),
        )
    for ds, hid, pids in dibao_household(w, "prop", solo, k):
        pid = int(rng.choice(pids))
        usage = np.array(["住宅", "住宅"]) if rng.random() < 0.5 else np.array(["商业"])
        w.add("properties", property_rows(w, np.full(usage.shape[0], pid), usage))
        what = "owns 2 more homes" if usage.shape[0] == 2 else "owns commercial property"
        w.mark(ds, hh_rows(w, ds, hid), "dibao_member_property", member_detail(w, pid, what))
    for ds, hid, pids in dibao_household(w, "pension", solo, k, need_old=True):
        age = w.people.age_on(day("2023-01-01"))[pids]
        pid = int(pids[np.argmax(age)])
        w.add(
            "pension_insured",
            pension_rows(w, np.array([pid]), np.array([False]), np.array(["领取待遇"])),
        )
        w.mark(
            ds,
            hh_rows(w, ds, hid),
            "dibao_member_employee_pension",
            member_detail(w, pid, "draws an employee pension"),
        )
    for ds, hid, pids in dibao_household(w, "prison", solo, k):
        pid = int(rng.choice(pids))
        start = uniform_days(rng, "2020-01-01", "2022-10-31", 1)
        w.add(
            "inmates",
            w.person(np.array([pid])).with_columns(
                start_date=dates(start), end_date=dates(np.array([-1]))
            ),
        )
        w.mark(
            ds,
            hh_rows(w, ds, hid),
            "dibao_member_in_prison",
            member_detail(w, pid, f"in prison since {_ymd(int(start[0]))}"),
        )
    for ds, hid, _ in dibao_household(w, "amount", solo, k):
        rows = hh_rows(w, ds, hid)
        urban = ds == "dibao_urban"
        std = policy.dibao_standard(rows["_m"].to_numpy(), np.full(rows.height, urban))
        new = policy.DIBAO_URBAN_2023 if urban else policy.DIBAO_RURAL_2023
        bump = np.where(rows["_m"].to_numpy() < policy.STANDARD_CHANGE_MONTH, new, std + 60.0)
        w.frames[ds] = (
            w.frames[ds]
            .join(rows.select("_key").with_columns(_new=pl.Series(bump)), on="_key", how="left")
            .with_columns(amount=pl.coalesce("_new", "amount"))
            .drop("_new")
        )
        w.mark(
            ds,
            hh_rows(w, ds, hid),
            "dibao_amount_above_standard",
            pl.concat_str(
                [pl.lit("amount "), pl.col("amount").cast(pl.String), pl.lit(" above standard")]
            ),
        )
    for ds, hid, pids in dibao_household(w, "hukou", solo, k):
        w.set_people(pids, hukou_type="农村" if ds == "dibao_urban" else "城镇")
        roll = "urban" if ds == "dibao_urban" else "rural"
        w.mark(
            ds,
            hh_rows(w, ds, hid),
            "dibao_hukou_type_mismatch",
            f"{roll} roll, household registration differs",
        )
    _urban_and_rural(w, solo, k)
    _dibao_and_tekun(w, solo, k)


def add_payroll(w: World, pid: int) -> None:
    start = uniform_days(w.rng, "2008-01-01", "2022-06-30", 1)
    w.add(
        "public_employees",
        w.person(np.array([pid])).with_columns(
            employer=pl.lit("东西湖区城市管理执法局"),
            employee_type=pl.lit("事业编制"),
            start_date=dates(start),
            end_date=dates(np.array([-1])),
        ),
    )
    w.payroll[pid] = True


def _urban_and_rural(w: World, solo: I64, k: int) -> None:
    for _, hid, pids in dibao_household(w, "both", solo, 2 * k)[:k]:
        if not w.frames["dibao_urban"].filter(pl.col("household_id") == hid).height:
            continue
        pid = int(pids[0])
        months = np.zeros((1, 12), dtype=bool)
        months[0, 3:9] = True
        std = policy.dibao_standard(np.arange(1, 13)[None, :], np.array([[False]]))
        rows = monthly(w, np.array([pid]), months, std)
        sid = w.serial("dbx", 1)[0]
        rel = rows.with_columns(
            household_id=pl.lit(f"DB{w.chunk:02d}X{sid:05d}"),
            relation=pl.lit("户主"),
            family_size=pl.lit(1, dtype=pl.Int64),
        )
        keys = w.add(
            "dibao_rural", rel.select([c for c in w.frames["dibao_rural"].columns if c != "_key"])
        )
        new = w.frames["dibao_rural"].filter(pl.col("_key").is_in(pl.Series(keys).implode()))
        old = w.frames["dibao_urban"].filter(
            (pl.col("_pid") == pid) & pl.col("_m").is_between(4, 9)
        )
        w.mark("dibao_rural", new, "dibao_urban_and_rural", "also on the urban roll this month")
        w.mark(
            "dibao_rural",
            new,
            "dibao_hukou_type_mismatch",
            "rural roll, household registration 城镇",
        )
        w.mark("dibao_urban", old, "dibao_urban_and_rural", "also on the rural roll this month")


def _dibao_and_tekun(w: World, solo: I64, k: int) -> None:
    age = w.people.age_on(day("2023-01-01"))
    for ds, _, pids in dibao_household(w, "tekun", solo, k, need_old=True):
        pid = int(pids[np.argmax(age[pids])])
        urban = ds == "dibao_urban"
        mask = np.zeros((1, 12), dtype=bool)
        mask[0, 4:] = True
        std = policy.tekun_standard(np.arange(1, 13)[None, :], np.array([[urban]]))
        rows = monthly(w, np.array([pid]), mask, std).with_columns(
            area_type=pl.lit("城市" if urban else "农村"), support_mode=pl.lit("分散供养")
        )
        keys = w.add("tekun", rows.select([c for c in w.frames["tekun"].columns if c != "_key"]))
        w.mark(
            "tekun",
            w.frames["tekun"].filter(pl.col("_key").is_in(pl.Series(keys).implode())),
            "dibao_and_tekun",
            "also on the 低保 roll this month",
        )
        w.mark(
            ds,
            w.frames[ds].filter((pl.col("_pid") == pid) & (pl.col("_m") >= 5)),
            "dibao_and_tekun",
            "also on the 特困 roll this month",
        )


def recipients(
    w: World, dataset: str, solo: I64, k: int, mask: npt.NDArray[np.bool_] | None = None
) -> I64:
    """k unused recipients of ``dataset`` who are in no other roster."""
    pool = np.unique(w.frames[dataset]["_pid"].to_numpy())
    ok = solo[pool] == 1
    if mask is not None:
        ok &= mask[pool]
    return w.pick(pool[ok], k)


def person_rows(w: World, dataset: str, pid: int, after: int = 0) -> pl.DataFrame:
    return w.frames[dataset].filter((pl.col("_pid") == pid) & (pl.col("_m") > after))


def add_monthly(
    w: World,
    dataset: str,
    pid: int,
    amount: npt.NDArray[np.float64],
    first: int = 1,
    **extra: object,
) -> pl.DataFrame:
    """Add rows for months first..12 of one resident; returns the new rows (with keys)."""
    mask = np.zeros((1, 12), dtype=bool)
    mask[0, first - 1 :] = True
    rows = monthly(w, np.array([pid]), mask, np.broadcast_to(amount, (1, 12)).astype(np.float64))
    rows = rows.with_columns([pl.lit(v).alias(c) for c, v in extra.items()])
    keys = w.add(dataset, rows.select([c for c in w.frames[dataset].columns if c != "_key"]))
    return w.frames[dataset].filter(pl.col("_key").is_in(pl.Series(keys).implode()))


def set_amount(
    w: World, dataset: str, rows: pl.DataFrame, amount: npt.NDArray[np.float64]
) -> pl.DataFrame:
    w.frames[dataset] = (
        w.frames[dataset]
        .join(rows.select("_key").with_columns(_new=pl.Series(amount)), on="_key", how="left")
        .with_columns(amount=pl.coalesce("_new", "amount"))
        .drop("_new")
    )
    return w.frames[dataset].filter(pl.col("_key").is_in(rows["_key"].implode()))


def plant_tekun(w: World, r: Roles, solo: I64) -> None:
    k, rng = w.sizing.planted, w.rng
    age0, age1 = w.people.age_on(day("2023-01-01")), w.people.age_on(day("2023-12-31"))
    has_card = np.zeros(w.people.n, dtype=bool)
    has_card[r.card_pid] = True
    pool = np.flatnonzero(
        w.people.alive & (age0 >= 30) & (age1 <= 55) & ~has_card & (solo == 0) & ~w.no_assets
    )
    for pid in w.pick(pool, k):
        urban = not w.people.rural[pid]
        std = policy.tekun_standard(np.arange(1, 13), np.full(12, urban))
        rows = add_monthly(
            w,
            "tekun",
            int(pid),
            std,
            area_type="城市" if urban else "农村",
            support_mode="分散供养",
        )
        w.mark("tekun", rows, "tekun_working_age_able", f"aged {age0[pid]} with no disability card")
    for pid in recipients(w, "tekun", solo, k):
        rows = person_rows(w, "tekun", int(pid))
        urban = rows["area_type"][0] == "城市"
        m = rows["_m"].to_numpy()
        std = policy.tekun_standard(m, np.full(m.shape, urban))
        new = policy.TEKUN_URBAN_2023 if urban else policy.TEKUN_RURAL_2023
        amount = (
            np.where(m < policy.STANDARD_CHANGE_MONTH, new, std + 100.0)
            if rng.random() < 0.5
            else std + 100.0
        )
        rows = set_amount(w, "tekun", rows, amount)
        w.mark(
            "tekun",
            rows,
            "tekun_amount_above_standard",
            "amount above the 特困 standard of the month",
        )
    plant_paid_after_death(w, "tekun", solo, "tekun_paid_after_death")


def plant_paid_after_death(w: World, dataset: str, solo: I64, code: str) -> None:
    """Recipients of ``dataset`` who die in January–October 2023 while payments go on."""
    rng = w.rng
    for pid in recipients(w, dataset, solo, w.sizing.planted):
        month = int(rng.integers(1, 11))
        d = day(f"2023-{month:02d}-01") + int(rng.integers(0, 27))
        kill(w, int(pid), d)
        w.mark(dataset, person_rows(w, dataset, int(pid), month), code, f"died {_ymd(d)}")


def plant_disability(w: World, r: Roles, solo: I64) -> None:
    k = w.sizing.planted
    p = w.people
    level = np.zeros(p.n, dtype=np.int64)
    level[r.card_pid[r.card_valid]] = r.card_level[r.card_valid]
    has_card = np.zeros(p.n, dtype=bool)
    has_card[r.card_pid] = True
    in_dibao = np.zeros(p.n, dtype=bool)
    in_dibao[r.dibao_pid] = True
    in_tekun = np.zeros(p.n, dtype=bool)
    in_tekun[np.unique(w.frames["tekun"]["_pid"].to_numpy())] = True
    living, care = policy.DISABILITY_LIVING, policy.DISABILITY_CARE
    pool = np.flatnonzero(p.alive & (level > 0) & ~in_dibao & ~in_tekun & (solo == 0))
    for pid in w.pick(pool, k):
        g = int(level[pid])
        rows = add_monthly(
            w, "disability_living", int(pid), np.array(living[g]), disability_level=g
        )
        w.mark(
            "disability_living",
            rows,
            "disability_living_not_on_dibao",
            "on no 低保 roll this month",
        )
    dibao_solo = np.flatnonzero(in_dibao & ~has_card & (solo == 1) & p.alive)
    for pid in w.pick(dibao_solo, k):
        rows = add_monthly(
            w, "disability_living", int(pid), np.array(living[2]), disability_level=2
        )
        w.mark("disability_living", rows, "disability_no_valid_card", "no valid disability card")
    pool = np.flatnonzero(p.alive & ~has_card & ~in_dibao & ~in_tekun & (solo == 0))
    for pid in w.pick(pool, k):
        rows = add_monthly(w, "disability_care", int(pid), np.array(care[1]), disability_level=1)
        w.mark("disability_care", rows, "disability_no_valid_card", "no valid disability card")
    young_tekun = np.flatnonzero(in_tekun & (level >= 1) & (level <= 2) & (solo == 1))
    for pid in w.pick(young_tekun, k):
        g = int(level[pid])
        rows = add_monthly(
            w, "disability_living", int(pid), np.array(living[g]), disability_level=g
        )
        w.mark(
            "disability_living",
            rows,
            "disability_living_also_tekun",
            "also supported as 特困 this month",
        )
        w.mark(
            "disability_living",
            rows,
            "disability_living_not_on_dibao",
            "on no 低保 roll this month (特困)",
        )
    for pid in w.pick(np.flatnonzero(in_tekun & (level >= 1) & (level <= 2) & (solo == 1)), k):
        g = int(level[pid])
        rows = add_monthly(w, "disability_care", int(pid), np.array(care[g]), disability_level=g)
        w.mark(
            "disability_care", rows, "disability_care_tekun", "also supported as 特困 this month"
        )
    pool = np.flatnonzero(p.alive & (level >= 3) & ~in_tekun & (solo == 0))
    for pid in w.pick(pool, k):
        rows = add_monthly(
            w, "disability_care", int(pid), np.array(care[2]), disability_level=int(level[pid])
        )
        w.mark("disability_care", rows, "disability_care_level", f"card grade {level[pid]}")


def plant_elderly(w: World, solo: I64) -> None:
    k, rng = w.sizing.planted, w.rng
    plant_paid_after_death(w, "elderly_allowance", solo, "elderly_paid_after_death")
    age0, age1 = w.people.age_on(day("2023-01-01")), w.people.age_on(day("2023-12-31"))
    pool = np.flatnonzero(w.people.alive & (age0 >= 70) & (age1 <= 78) & (solo == 0))
    for pid in w.pick(pool, k):
        rows = add_monthly(w, "elderly_allowance", int(pid), np.array(100.0))
        w.mark("elderly_allowance", rows, "elderly_under_80", f"aged {age0[pid]} at the pay month")
    for pid in recipients(w, "elderly_allowance", solo, k):
        rows = person_rows(w, "elderly_allowance", int(pid), 2)
        wrong = np.where(rows["amount"].to_numpy() == 100.0, 300.0, 100.0)
        rows = set_amount(w, "elderly_allowance", rows, wrong)
        w.mark(
            "elderly_allowance", rows, "elderly_amount_not_tier", "amount not the tier of the age"
        )
    for pid in recipients(w, "elderly_allowance", solo, k):
        m = int(rng.integers(0, 10))
        d = (
            day(f"2023-{m:02d}-01") + int(rng.integers(0, 27))
            if m
            else int(uniform_days(rng, "2021-01-01", "2022-12-31", 1)[0])
        )
        move_out(w, int(pid), d)
        w.mark(
            "elderly_allowance",
            person_rows(w, "elderly_allowance", int(pid), m),
            "elderly_moved_out",
            f"registration moved out {_ymd(d)}",
        )
