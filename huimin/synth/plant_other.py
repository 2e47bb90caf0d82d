"""Planting the other projects' policy anomalies and the cross-roster ones."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from huimin.synth import policy
from huimin.synth.people import day
from huimin.synth.plant_civil import (
    _ymd,
    add_payroll,
    kill,
    move_out,
    recipients,
    set_amount,
)
from huimin.synth.registries import Roles, pension_rows, uniform_days
from huimin.synth.rosters import car_rows
from huimin.synth.world import World, account_numbers, dates

I64 = npt.NDArray[np.int64]


def _add_like(w: World, dataset: str, rows: pl.DataFrame, **changes: object) -> pl.DataFrame:
    """Add copies of ``rows`` with some columns changed; returns the new rows with keys."""
    new = rows.drop("_key").with_columns([pl.lit(v).alias(c) for c, v in changes.items()])
    keys = w.add(dataset, new)
    return w.frames[dataset].filter(pl.col("_key").is_in(pl.Series(keys).implode()))


def _rows_of_pid(w: World, dataset: str, pid: int) -> pl.DataFrame:
    return w.frames[dataset].filter(pl.col("_pid") == pid)


def _one(pid: int | np.int64) -> I64:
    return np.array([int(pid)], dtype=np.int64)


def plant_premium(w: World, r: Roles, solo: I64) -> None:
    k, p = w.sizing.planted, w.people
    age0, age1 = p.age_on(day("2023-01-01")), p.age_on(day("2023-12-31"))
    flagged = np.zeros(p.n, dtype=bool)
    flagged[r.dibao_pid] = flagged[r.tekun_pid] = flagged[r.card_pid] = True
    base = w.frames["premium_subsidy"]

    def new_row(pid: int, category: str) -> pl.DataFrame:
        row = w.person(_one(pid), ["id_number", "name", "street"]).with_columns(
            category=pl.lit(category),
            year=pl.lit(2023, dtype=pl.Int64),
            amount=pl.lit(policy.PREMIUM_MINIMUM),
            _pid=pl.lit(pid, dtype=pl.Int64),
        )
        keys = w.add("premium_subsidy", row)
        return w.frames["premium_subsidy"].filter(pl.col("_key").is_in(pl.Series(keys).implode()))

    insured = (
        p.frame["id_number"].is_in(w.frames["pension_insured"]["id_number"].implode()).to_numpy()
    )
    pool = np.flatnonzero(p.alive & (age0 >= 30) & (age1 <= 55) & ~flagged & (solo == 0) & ~insured)
    for pid in w.pick(pool, k):
        w.mark(
            "premium_subsidy",
            new_row(int(pid), "低保对象"),
            "premium_no_qualifying_roll",
            "on no 低保/特困 roll and no grade 1–2 card in 2023",
            period="year",
        )
    severe = base.filter(pl.col("category") == "重度残疾人")["_pid"].to_numpy()
    for pid in w.pick(severe[solo[severe] <= 1], k):
        w.add(
            "pension_insured", pension_rows(w, _one(pid), np.array([False]), np.array(["参保缴费"]))
        )
        w.mark(
            "premium_subsidy",
            _rows_of_pid(w, "premium_subsidy", int(pid)),
            "premium_employee_pension",
            "insured in the employee pension scheme",
            period="year",
        )
    dib = base.filter(pl.col("category") == "低保对象")["_pid"].to_numpy()
    for pid in w.pick(dib, k):
        extra = _add_like(
            w,
            "premium_subsidy",
            _rows_of_pid(w, "premium_subsidy", int(pid)),
            category="重度残疾人",
        )
        w.mark(
            "premium_subsidy",
            extra,
            "premium_paid_twice",
            "second payment for the year",
            period="year",
        )
    for pid in w.pick(base["_pid"].to_numpy(), k):
        rows = _rows_of_pid(w, "premium_subsidy", int(pid))
        rows = set_amount(w, "premium_subsidy", rows, np.array([300.0]))
        w.mark(
            "premium_subsidy",
            rows,
            "premium_amount_above_minimum",
            "paid 300 above the 200 minimum",
            period="year",
        )
    dead = np.flatnonzero(
        (p.death >= 0) & (p.death < day("2023-01-01")) & (age0 >= 20) & (age0 <= 58)
    )
    for pid in w.pick(dead, k):
        card = w.person(_one(pid)).with_columns(
            disability_type=pl.lit("肢体"),
            disability_level=pl.lit(1, dtype=pl.Int64),
            issue_date=dates(uniform_days(w.rng, "2010-01-01", "2018-12-31", 1)),
            status=pl.lit("有效"),
        )
        w.add("disability_cards", card)
        w.mark(
            "premium_subsidy",
            new_row(int(pid), "重度残疾人"),
            "premium_dead_before_year",
            f"died {_ymd(int(p.death[pid]))}",
            period="year",
        )


def plant_students(w: World, r: Roles, solo: I64) -> None:
    k = w.sizing.planted
    for ds, code in (
        ("student_aid_compulsory", "student"),
        ("student_aid_highschool", "highschool"),
    ):
        aid = w.frames[ds]
        ok = solo[aid["_pid"].to_numpy()] == 1
        pids = w.pick(np.unique(aid["_pid"].to_numpy()[ok]), 3 * k)
        groups = np.array_split(pids, 3)
        for pid in groups[0]:
            row = _rows_of_pid(w, ds, int(pid))[0]
            hit = (pl.col("_pid") == int(pid)) & (pl.col("term") == row["term"][0])
            w.frames["students"] = w.frames["students"].with_columns(
                status=pl.when(hit).then(pl.lit("休学")).otherwise("status")
            )
            w.mark(
                ds,
                row,
                f"{code}_not_enrolled",
                f"students status 休学 in {row['term'][0]}",
                period="term",
            )
        for pid in groups[1]:
            row = _rows_of_pid(w, ds, int(pid))[0]
            if ds == "student_aid_compulsory":
                amount = 1000.0
                code2, text = (
                    "student_amount_not_standard",
                    "amount not the standard of stage and boarding",
                )
            else:
                amount, code2, text = (
                    2000.0,
                    "highschool_amount_above_top",
                    "amount above the 1500 top tier",
                )
            w.mark(ds, set_amount(w, ds, row, np.array([amount])), code2, text, period="term")
        for pid in groups[2]:
            row = _rows_of_pid(w, ds, int(pid))[0]
            if ds == "student_aid_compulsory":
                other = (
                    "武汉市东西湖区实验小学"
                    if row["stage"][0] == "小学"
                    else "武汉市东西湖区实验中学"
                )
                extra = _add_like(w, ds, row, school_name=other)
                w.mark(
                    ds,
                    extra,
                    "student_two_schools",
                    f"also paid by {row['school_name'][0]}",
                    period="term",
                )
            else:
                extra = _add_like(w, ds, row)
                extra = extra.with_columns(pl.col("pay_date").dt.offset_by("21d"))
                w.frames[ds] = w.frames[ds].update(extra.select("_key", "pay_date"), on="_key")
                w.mark(
                    ds, extra, "highschool_paid_twice", "second payment in the term", period="term"
                )
        _hardship(w, r, solo, ds, code)


def _hardship(w: World, r: Roles, solo: I64, ds: str, code: str) -> None:
    stage = ["小学", "初中"] if ds == "student_aid_compulsory" else ["普通高中"]
    reg = w.frames["students"].filter(
        pl.col("stage").is_in(stage) & (pl.col("status") == "在读") & (pl.col("term") == "2023秋")
    )
    pids = reg["_pid"].to_numpy()
    ok = (solo[pids] == 0) & ~np.isin(pids, r.dibao_pid) & ~np.isin(pids, r.card_pid)
    for pid in w.pick(np.unique(pids[ok]), w.sizing.planted):
        row = reg.filter(pl.col("_pid") == int(pid))
        amount = (
            policy.STUDENT_AID_TERM[(row["stage"][0], bool(row["boarding"][0]))]
            if ds == "student_aid_compulsory"
            else 1500.0
        )
        new = row.with_columns(
            difficulty_category=pl.lit("低保家庭"),
            amount=pl.lit(amount),
            pay_date=dates(uniform_days(w.rng, "2023-10-10", "2023-11-30", 1)),
        )
        keys = w.add(ds, new.select([c for c in w.frames[ds].columns if c != "_key"]))
        rows = w.frames[ds].filter(pl.col("_key").is_in(pl.Series(keys).implode()))
        w.mark(
            ds,
            rows,
            f"{code}_hardship_not_found",
            "claims 低保家庭, on no 低保 roll",
            period="term",
        )


def plant_resettlement(w: World, r: Roles, solo: I64) -> None:
    k, p, ds = w.sizing.planted, w.people, "resettlement_subsidy"
    pool = np.flatnonzero(p.alive & p.kind_village & (solo == 0) & ~w.payroll)
    pool = pool[~np.isin(pool, r.resettled_pid)]
    for pid in w.pick(pool, k):
        row = w.person(_one(pid), ["id_number", "name", "street"]).with_columns(
            year=pl.lit(2023, dtype=pl.Int64),
            amount=pl.lit(600.0),
            pay_date=dates(uniform_days(w.rng, "2023-09-01", "2023-09-30", 1)),
            bank_account=account_numbers(_one(pid), w.chunk),
            _pid=pl.lit(int(pid), dtype=pl.Int64),
        )
        keys = w.add(ds, row)
        w.mark(
            ds,
            w.frames[ds].filter(pl.col("_key").is_in(pl.Series(keys).implode())),
            "resettlement_not_registered",
            "not in the registered resettled population",
            period="year",
        )
    for pid in recipients(w, ds, solo, k):
        add_payroll(w, int(pid))
        w.mark(
            ds,
            _rows_of_pid(w, ds, int(pid)),
            "resettlement_public_payroll",
            "on the public payroll",
            period="year",
        )
    for pid in recipients(w, ds, solo, k):
        d = int(uniform_days(w.rng, "2021-01-01", "2022-12-31", 1)[0])
        kill(w, int(pid), d)
        w.mark(
            ds, _rows_of_pid(w, ds, int(pid)), "resettlement_dead", f"died {_ymd(d)}", period="year"
        )
    for pid in recipients(w, ds, solo, k):
        d = int(uniform_days(w.rng, "2021-01-01", "2022-12-31", 1)[0])
        move_out(w, int(pid), d)
        w.mark(
            ds,
            _rows_of_pid(w, ds, int(pid)),
            "resettlement_moved_out",
            f"moved out {_ymd(d)}",
            period="year",
        )
    for pid in recipients(w, ds, solo, k):
        rows = set_amount(w, ds, _rows_of_pid(w, ds, int(pid)), np.array([1200.0]))
        w.mark(ds, rows, "resettlement_above_600", "paid 1200 for the year", period="year")


def plant_grain(w: World, solo: I64) -> None:
    k, ds = w.sizing.planted, "grain_subsidy"
    land = w.frames["land_contracts"]
    for pid in recipients(w, ds, solo, k):
        row = _rows_of_pid(w, ds, int(pid))
        lc = land.filter(pl.col("id_number") == row["id_number"][0])
        net = float(lc["contracted_area_mu"][0] - lc["transferred_out_area_mu"][0])
        area = round(net + float(w.rng.integers(100, 500)) / 100, 2)
        w.frames[ds] = w.frames[ds].update(
            row.select("_key").with_columns(
                planted_area_mu=pl.lit(area), amount=pl.lit(round(area * 15, 2))
            ),
            on="_key",
        )
        w.mark(
            ds,
            row,
            "grain_area_exceeds_contract",
            f"area {area} > contract net {net:.2f}",
            period="year",
        )
    for pid in recipients(w, ds, solo, k):
        d = int(uniform_days(w.rng, "2021-01-01", "2022-12-31", 1)[0])
        kill(w, int(pid), d)
        w.mark(
            ds,
            _rows_of_pid(w, ds, int(pid)),
            "grain_dead_before_year",
            f"died {_ymd(d)}",
            period="year",
        )
    for pid in recipients(w, ds, solo, k):
        row = _rows_of_pid(w, ds, int(pid))
        extra = _add_like(w, ds, row)
        extra = extra.with_columns(pl.col("pay_date").dt.offset_by("35d"))
        w.frames[ds] = w.frames[ds].update(extra.select("_key", "pay_date"), on="_key")
        w.mark(ds, extra, "grain_paid_twice", "second payment for the year", period="year")
    for pid in recipients(w, ds, solo, k):
        row = _rows_of_pid(w, ds, int(pid))
        rows = set_amount(w, ds, row, np.array([round(float(row["amount"][0]) + 150.0, 2)]))
        w.mark(ds, rows, "grain_amount_not_area_rate", "amount ≠ area × 15", period="year")
    for pid in recipients(w, ds, solo, k):
        add_payroll(w, int(pid))
        w.mark(
            ds,
            _rows_of_pid(w, ds, int(pid)),
            "grain_public_payroll",
            "on the public payroll",
            period="year",
        )


def _vehicle_update(w: World, vin: str, **values: object) -> None:
    hit = pl.col("vin") == vin
    f = w.frames["vehicles"]
    w.frames["vehicles"] = f.with_columns(
        [
            pl.when(hit).then(pl.lit(v)).otherwise(pl.col(c)).cast(f.schema[c]).alias(c)
            for c, v in values.items()
        ]
    )


def plant_car(w: World, solo: I64) -> None:
    k, ds, rng = w.sizing.planted_small, "car_tradein", w.rng
    other = w.person(w.pick(w.adults(30, 70, ~w.no_assets), 8 * k), ["id_number"]).to_series()
    cars = w.frames[ds]
    pool = np.unique(cars["_pid"].to_numpy())
    pids = rng.permutation(pool[~w.used[pool] | True])[: 8 * k]
    w.used[pids] = True
    groups = np.array_split(pids[: 6 * k], 6)
    year = 365
    for i, pid in enumerate(groups[0]):
        row = _rows_of_pid(w, ds, int(pid))
        _vehicle_update(w, row["old_vin"][0], owner_id_number=other[i])
        w.mark(
            ds, row, "car_old_not_owned", "old car registered to another person", period="_period"
        )
    for pid in groups[1]:
        row = _rows_of_pid(w, ds, int(pid))
        reg = row["invoice_date"][0] - np.timedelta64(int(rng.integers(60, 300)), "D").astype(
            object
        )
        _vehicle_update(w, row["old_vin"][0], register_date=reg, acquired_date=reg)
        w.mark(
            ds,
            row,
            "car_old_owned_too_short",
            f"old car registered {reg}, under {year} days",
            period="_period",
        )
    for pid in groups[2]:
        row = _rows_of_pid(w, ds, int(pid))
        _vehicle_update(w, row["old_vin"][0], status="正常", status_date=None)
        w.mark(ds, row, "car_old_not_disposed", "old car still 正常", period="_period")
    for pid in groups[3]:
        row = _rows_of_pid(w, ds, int(pid))
        w.frames["vehicles"] = w.frames["vehicles"].filter(pl.col("vin") != row["new_vin"][0])
        w.mark(
            ds,
            row,
            "car_new_not_registered",
            "new car not in the vehicle registry",
            period="_period",
        )
    for i, pid in enumerate(groups[4]):
        row = _rows_of_pid(w, ds, int(pid))
        _vehicle_update(w, row["new_vin"][0], owner_id_number=other[k + i])
        w.mark(
            ds,
            row,
            "car_new_registered_to_other",
            "new car registered to another person",
            period="_period",
        )
    for pid in groups[5]:
        row = _rows_of_pid(w, ds, int(pid))
        inv = int(rng.integers(day("2023-03-01"), day("2023-04-25")))
        _car_dates(w, row, inv)
        w.mark(
            ds,
            w.frames[ds].filter(pl.col("_key") == row["_key"][0]),
            "car_outside_window",
            f"invoice {_ymd(inv)} before 2023-05-01",
            period="_period",
        )
    _car_twice(w, k, pids[6 * k :])


def _car_dates(w: World, row: pl.DataFrame, inv: int) -> None:
    ds = "car_tradein"
    upd = row.select("_key").with_columns(
        invoice_date=dates(np.array([inv])),
        old_disposal_date=dates(np.array([inv - 5])),
        pay_date=dates(np.array([inv + 40])),
    )
    w.frames[ds] = w.frames[ds].update(upd, on="_key")
    _vehicle_update(w, row["old_vin"][0], status_date=dates(np.array([inv - 5]))[0])
    new_reg = dates(np.array([inv + 3]))[0]
    _vehicle_update(w, row["new_vin"][0], register_date=new_reg, acquired_date=new_reg)


def _car_twice(w: World, k: int, spare: I64) -> None:
    ds = "car_tradein"
    early = spare
    for pid in early[:k]:
        inv = np.array([day("2023-12-20")])
        rows = car_rows(w, _one(pid), inv, uniform_days(w.rng, "2012-01-01", "2020-12-31", 1))
        keys = w.add(ds, rows)
        w.mark(
            ds,
            w.frames[ds].filter(pl.col("_key").is_in(pl.Series(keys).implode())),
            "car_person_twice",
            "second subsidy for the same applicant",
            period="_period",
        )
    newbies = w.pick(w.adults(25, 65, ~w.no_assets), k)
    for pid, src in zip(newbies, early[k : 2 * k], strict=False):
        first = w.frames[ds].filter(pl.col("_pid") == int(src)).sort("invoice_date")[0]
        inv = np.array([day("2023-12-22")])
        rows = car_rows(w, _one(pid), inv, uniform_days(w.rng, "2012-01-01", "2020-12-31", 1))
        stray = rows["new_vin"][0]
        w.frames["vehicles"] = w.frames["vehicles"].filter(pl.col("vin") != stray)
        keys = w.add(ds, rows.with_columns(new_vin=pl.lit(first["new_vin"][0])))
        extra = w.frames[ds].filter(pl.col("_key").is_in(pl.Series(keys).implode()))
        w.mark(ds, extra, "car_new_vin_twice", "new car already subsidised", period="_period")
        w.mark(
            ds,
            extra,
            "car_new_registered_to_other",
            "new car registered to another person",
            period="_period",
        )


def plant_farmland(w: World) -> None:
    k, ds = max(2, w.sizing.planted_small // 4), "farmland_subsidy"
    f = w.frames[ds]
    idx = w.rng.permutation(f.height)[: 4 * k]
    groups = np.array_split(idx, 4)
    for i in groups[0]:
        row = f[int(i)]
        w.frames[ds] = w.frames[ds].update(
            row.select("_key").with_columns(
                acceptance_date=pl.lit(row["pay_date"][0]) + pl.duration(days=30)
            ),
            on="_key",
        )
        w.mark(
            ds,
            row,
            "farmland_paid_before_acceptance",
            "paid before acceptance",
            subject="project_id",
            period="_period",
        )
    for i in groups[1]:
        row = f[int(i)]
        rows = set_amount(w, ds, row, np.array([float(row["area_mu"][0]) * 1800.0]))
        w.mark(
            ds,
            rows,
            "farmland_amount_per_mu",
            "1800 yuan per mu",
            subject="project_id",
            period="_period",
        )
    ent = w.frames["enterprises"]
    for i in groups[2]:
        row = f[int(i)]
        rep = ent.filter(pl.col("credit_code") == row["contractor_credit_code"][0])["id_number"][0]
        pid = int(w.people.frame.filter(pl.col("id_number") == rep)["pid"][0])
        add_payroll(w, pid)
        w.mark(
            ds,
            row,
            "farmland_contractor_payroll",
            f"legal representative {rep} on the payroll",
            subject="project_id",
            period="_period",
        )
    for i in groups[3]:
        row = f[int(i)]
        extra = _add_like(w, ds, row)
        w.frames[ds] = w.frames[ds].update(
            extra.select("_key").with_columns(
                pay_date=pl.lit(row["pay_date"][0]) + pl.duration(days=45)
            ),
            on="_key",
        )
        w.mark(
            ds,
            extra,
            "farmland_paid_twice",
            "project paid a second time",
            subject="project_id",
            period="_period",
        )


def plant_cross(w: World, solo: I64) -> None:
    """shared_bank_account, id_not_in_population, name_mismatch, moved_out."""
    k, rng = w.sizing.planted, w.rng
    per_group = 3
    for g in range(max(1, k // per_group + (k % per_group > 0))):
        members = [
            (ds, int(pid))
            for ds in ("elderly_allowance", "tekun", "disability_care")
            for pid in recipients(w, ds, solo, 1)
        ]
        hh = w.people.frame["household_id"].gather([pid for _, pid in members])
        if hh.n_unique() < 2:
            continue
        account = account_numbers(np.array([w.people.n + 10_000 + g]), w.chunk)[0]
        for ds, pid in members:
            rows = _rows_of_pid(w, ds, pid)
            w.frames[ds] = w.frames[ds].with_columns(
                bank_account=pl.when(pl.col("_pid") == pid)
                .then(pl.lit(account))
                .otherwise("bank_account")
            )
            w.mark(
                ds,
                rows,
                "shared_bank_account",
                f"account …{account[-4:]} used by {len(members)} households",
            )
    for ds in ("elderly_allowance", "tekun", "dibao_urban"):
        for pid in recipients(w, ds, solo, max(1, k // 3 + 1)):
            rows = _rows_of_pid(w, ds, int(pid))
            name = rows["name"][0]
            alias = name[0] + ("建" if name[1:2] != "建" else "国") + name[2:]
            w.frames[ds] = w.frames[ds].with_columns(
                name=pl.when(pl.col("_pid") == int(pid)).then(pl.lit(alias)).otherwise("name")
            )
            w.mark(ds, rows, "name_mismatch", f"roster name {alias}, registry name {name}")
    for ds in ("tekun", "disability_care"):
        for pid in recipients(w, ds, solo, k // 2 + 1):
            d = int(uniform_days(rng, "2021-06-01", "2022-12-31", 1)[0])
            move_out(w, int(pid), d)
            w.mark(
                ds, _rows_of_pid(w, ds, int(pid)), "moved_out", f"registration moved out {_ymd(d)}"
            )
    _fabricated(w, k)


def _fabricated(w: World, k: int) -> None:
    from huimin.synth.ids import fake_ids
    from huimin.synth.people import make_names
    from huimin.synth.plant_civil import add_monthly

    n = 2 * (k // 2 + 1)
    birth = uniform_days(w.rng, "1934-01-02", "1940-12-31", n)
    fake = fake_ids(w.rng, n, birth)
    names = make_names(w.rng, np.ones(n, dtype=bool), np.arange(n, dtype=np.int64))
    sample = w.people.frame.filter(pl.col("status") == "正常").sample(
        n, seed=int(w.rng.integers(1 << 30))
    )
    for i in range(n):
        ds = "elderly_allowance" if i % 2 == 0 else "tekun"
        amount = np.array(100.0) if ds == "elderly_allowance" else None
        pid = int(sample["pid"][i])
        extra: dict[str, object] = {
            "id_number": fake[i],
            "name": names[i],
            "_pid": w.people.n + i,
            "bank_account": account_numbers(np.array([w.people.n + 20_000 + i]), w.chunk)[0],
        }
        if ds == "tekun":
            urban = sample["hukou_type"][i] == "城镇"
            amount = policy.tekun_standard(np.arange(1, 13), np.full(12, urban))
            extra |= {"area_type": "城市" if urban else "农村", "support_mode": "分散供养"}
        rows = add_monthly(w, ds, pid, np.asarray(amount, dtype=np.float64), 1, **extra)
        w.mark(ds, rows, "id_not_in_population", "ID not in the household registry")
