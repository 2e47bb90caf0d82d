"""The 13 payment rosters (and the student registry), paid exactly by the policy parameters."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from huimin.synth import policy
from huimin.synth.ids import ymd_parts
from huimin.synth.people import YEAR_START, day
from huimin.synth.registries import Roles, enterprise_rows, uniform_days, vehicle_rows
from huimin.synth.world import World, account_numbers, dates

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
MONTH_TEXT = pl.Series(list(policy.MONTHS))
DEALERS = np.array(
    [
        f"武汉{n}汽车销售服务有限公司"
        for n in (
            "东西湖鑫达",
            "金银湖宝泽",
            "吴家山华通",
            "临空港永达",
            "径河捷顺",
            "常青盛世",
            "将军路东风",
            "走马岭恒信",
        )
    ]
)


def month_start(m: int) -> int:
    return day(f"{policy.YEAR}-{m:02d}-01")


def monthly(
    w: World, pids: I64, mask: B, amount: npt.NDArray[np.float64], account_key: I64 | None = None
) -> pl.DataFrame:
    """One row per resident and paid month (``mask`` and ``amount`` are n × 12)."""
    i, m = np.nonzero(mask)
    pid = pids[i]
    key = pid if account_key is None else account_key[i]
    return w.person(pid, ["id_number", "name", "street", "community"]).with_columns(
        pay_month=MONTH_TEXT.gather(m),
        amount=pl.Series(amount[i, m]),
        bank_account=account_numbers(key, w.chunk),
        _pid=pl.Series(pid),
        _m=pl.Series(m + 1),
    )


def dibao(w: World, r: Roles) -> None:
    p = w.people
    hh_ids, inv = np.unique(r.dibao_hh, return_inverse=True)
    size = np.bincount(inv)
    first = np.full(hh_ids.shape[0], p.n, dtype=np.int64)
    np.minimum.at(first, inv, r.dibao_pid)
    cut = np.where(
        w.rng.random(hh_ids.shape[0]) < 0.25, 0, w.rng.integers(1, 41, hh_ids.shape[0]) * 10
    )
    urban = ~p.rural[r.dibao_pid]
    months = np.arange(1, 13)
    std = policy.dibao_standard(months[None, :], urban[:, None])
    amount = std - cut[inv][:, None]
    mask = np.ones((r.dibao_pid.shape[0], 12), dtype=bool)
    rows = monthly(w, r.dibao_pid, mask, amount.astype(np.float64), first[inv])
    i = np.repeat(np.arange(r.dibao_pid.shape[0]), 12)
    rel = w.person(r.dibao_pid, ["relation"]).to_series().gather(i)
    hid = pl.Series(inv[i] + 1).cast(pl.String).str.zfill(6)
    rows = rows.with_columns(
        household_id=pl.concat_str([pl.lit(f"DB{w.chunk:02d}"), hid]),
        relation=rel,
        family_size=pl.Series(size[inv][i]),
        _urban=pl.Series(urban[i]),
    )
    cols = [
        "household_id",
        "id_number",
        "name",
        "relation",
        "family_size",
        "street",
        "community",
        "pay_month",
        "amount",
        "bank_account",
        "_pid",
        "_m",
    ]
    w.add("dibao_urban", rows.filter(pl.col("_urban")).select(cols))
    w.add("dibao_rural", rows.filter(~pl.col("_urban")).select(cols))


def tekun(w: World, r: Roles) -> None:
    urban = ~w.people.rural[r.tekun_pid]
    std = policy.tekun_standard(np.arange(1, 13)[None, :], urban[:, None])
    rows = monthly(w, r.tekun_pid, np.ones(std.shape, dtype=bool), std)
    i = np.repeat(np.arange(r.tekun_pid.shape[0]), 12)
    mode = np.where(w.rng.random(r.tekun_pid.shape[0]) < 0.3, "集中供养", "分散供养")
    rows = rows.with_columns(
        area_type=pl.Series(np.where(urban, "城市", "农村")[i]), support_mode=pl.Series(mode[i])
    )
    w.add(
        "tekun",
        rows.select(
            [
                "id_number",
                "name",
                "street",
                "community",
                "area_type",
                "support_mode",
                "pay_month",
                "amount",
                "bank_account",
                "_pid",
                "_m",
            ]
        ),
    )


def disability(w: World, r: Roles) -> None:
    alive = w.people.alive[r.card_pid]
    ok = r.card_valid & alive
    living = ok & np.isin(r.card_pid, r.dibao_pid)
    care = ok & (r.card_level <= 2) & ~np.isin(r.card_pid, r.tekun_pid)
    care &= w.rng.random(care.shape[0]) < 0.85
    for name, sel, table in (
        ("disability_living", living, policy.DISABILITY_LIVING),
        ("disability_care", care, policy.DISABILITY_CARE),
    ):
        pids, level = r.card_pid[sel], r.card_level[sel]
        amount = np.vectorize(lambda g, t=table: t[int(g)])(level) if level.size else level * 0.0
        amt = np.repeat(amount.astype(np.float64)[:, None], 12, axis=1)
        rows = monthly(w, pids, np.ones(amt.shape, dtype=bool), amt)
        rows = rows.with_columns(disability_level=pl.Series(np.repeat(level, 12)))
        w.add(
            name,
            rows.select(
                [
                    "id_number",
                    "name",
                    "street",
                    "community",
                    "disability_level",
                    "pay_month",
                    "amount",
                    "bank_account",
                    "_pid",
                    "_m",
                ]
            ),
        )


def elderly(w: World) -> None:
    p = w.people
    by, bm, _ = ymd_parts(p.birth)
    ages = np.stack([p.age_on(month_start(m)) for m in range(1, 13)], axis=1)
    turning = np.isin(policy.YEAR - by, (80, 90, 100))[:, None] & (bm[:, None] == np.arange(1, 13))
    mask = p.alive[:, None] & (ages >= policy.ELDERLY_MIN_AGE) & ~turning
    pids = np.flatnonzero(mask.any(axis=1)).astype(np.int64)
    rows = monthly(w, pids, mask[pids], policy.elderly_amount(ages[pids]))
    w.add(
        "elderly_allowance",
        rows.select(
            [
                "id_number",
                "name",
                "street",
                "community",
                "pay_month",
                "amount",
                "bank_account",
                "_pid",
                "_m",
            ]
        ),
    )


def premium(w: World, r: Roles) -> None:
    p = w.people
    age0, age1 = p.age_on(YEAR_START), p.age_on(day("2023-12-31"))
    working = p.alive & (age0 >= 20) & (age1 <= 58)
    cat = np.full(p.n, "", dtype=object)
    severe = r.card_pid[r.card_valid & (r.card_level <= 2)]
    cat[severe] = "重度残疾人"
    cat[r.dibao_pid] = "低保对象"
    cat[r.tekun_pid] = "特困人员"
    pids = np.flatnonzero(working & (cat != "")).astype(np.int64)
    rows = w.person(pids, ["id_number", "name", "street"]).with_columns(
        category=pl.Series(cat[pids].astype(str)),
        year=pl.lit(policy.YEAR, dtype=pl.Int64),
        amount=pl.lit(policy.PREMIUM_MINIMUM),
        _pid=pl.Series(pids),
    )
    w.add("premium_subsidy", rows)


def build_rosters(w: World, r: Roles) -> None:
    dibao(w, r)
    tekun(w, r)
    disability(w, r)
    elderly(w)
    premium(w, r)
    resettlement(w, r)
    grain(w)
    car_tradein(w)
    farmland(w)


def resettlement(w: World, r: Roles) -> None:
    pids = r.resettled_pid[w.people.alive[r.resettled_pid]]
    n = pids.shape[0]
    rows = w.person(pids, ["id_number", "name", "street"]).with_columns(
        year=pl.lit(policy.YEAR, dtype=pl.Int64),
        amount=pl.lit(policy.RESETTLEMENT_PER_YEAR),
        pay_date=dates(uniform_days(w.rng, "2023-09-01", "2023-09-30", n)),
        bank_account=account_numbers(pids, w.chunk),
        _pid=pl.Series(pids),
    )
    w.add("resettlement_subsidy", rows)


def grain(w: World) -> None:
    land = w.frames["land_contracts"]
    net_cents = ((land["contracted_area_mu"] - land["transferred_out_area_mu"]) * 100).round(0)
    net = net_cents.cast(pl.Int64).to_numpy()
    n = land.height
    keep = (net > 0) & (w.rng.random(n) < 0.92)
    part = w.rng.random(n) < 0.3
    cents = np.where(part, np.floor(net * w.rng.uniform(0.6, 0.99, n)), net).astype(np.int64)
    pids = (
        land.select("id_number")
        .join(w.people.frame.select("id_number", "pid"), on="id_number", how="left")["pid"]
        .to_numpy()
        .astype(np.int64)
    )
    rows = land.select("id_number", "name", "street", "village").with_columns(
        year=pl.lit(policy.YEAR, dtype=pl.Int64),
        planted_area_mu=pl.Series(cents / 100.0),
        rate_per_mu=pl.lit(policy.GRAIN_RATE_PER_MU),
        amount=pl.Series(cents * int(policy.GRAIN_RATE_PER_MU) / 100.0),
        pay_date=dates(uniform_days(w.rng, "2023-06-01", "2023-07-31", n)),
        bank_account=account_numbers(pids, w.chunk),
        _pid=pl.Series(pids),
    )
    w.add("grain_subsidy", rows.filter(pl.Series(keep)))


def car_rows(w: World, buyers: I64, invoice: I64, old_reg: I64) -> pl.DataFrame:
    """Trade-in rows plus the registry rows of the old (disposed) and new cars."""
    n = buyers.shape[0]
    rng = w.rng
    disposal = np.where(rng.random(n) < 0.6, "报废", "转出")
    disp_day = np.maximum(invoice - rng.integers(0, 30, n), day("2023-04-01"))
    old_status = np.where(disposal == "报废", "报废", "转移")
    old = vehicle_rows(w, buyers, old_reg, old_status, disp_day, np.full(n, "小型轿车"))
    new = vehicle_rows(
        w,
        buyers,
        invoice + rng.integers(1, 15, n),
        np.full(n, "正常"),
        np.full(n, -1),
        np.full(n, "小型轿车"),
    )
    w.add("vehicles", old)
    w.add("vehicles", new)
    return w.person(buyers).with_columns(
        dealer=pl.Series(rng.choice(DEALERS, n)),
        old_plate=old["plate"],
        old_vin=old["vin"],
        old_disposal=pl.Series(disposal),
        old_disposal_date=dates(disp_day),
        new_vin=new["vin"],
        invoice_date=dates(invoice),
        invoice_amount=pl.Series(np.round(rng.uniform(80_000, 300_000, n), -2)),
        amount=pl.lit(policy.CAR_SUBSIDY),
        pay_date=dates(invoice + rng.integers(20, 60, n)),
        bank_account=account_numbers(buyers, w.chunk),
        _pid=pl.Series(buyers),
    )


def car_tradein(w: World) -> None:
    n = w.sizing.count(0.0033, 90)
    buyers = w.pick(w.adults(25, 65, ~w.no_assets), n)
    invoice = uniform_days(w.rng, "2023-05-01", "2023-12-10", buyers.shape[0])
    old_reg = uniform_days(w.rng, "2010-01-01", "2021-12-31", buyers.shape[0])
    w.add("car_tradein", car_rows(w, buyers, invoice, old_reg))


def farmland(w: World) -> None:
    n = w.sizing.count(0.00008, 30)
    geo = (
        w.people.frame.filter(pl.col("community").str.ends_with("村"))
        .select("street", "community")
        .unique(maintain_order=True)
        .sort(["street", "community"])
    )
    place = w.rng.choice(geo.height, n, replace=geo.height < n)
    reps = w.pick(w.adults(30, 60, ~w.no_payroll & ~w.payroll), n)
    firms = enterprise_rows(
        w,
        reps,
        np.full(n, "法定代表人"),
        np.full(n, "存续"),
        uniform_days(w.rng, "2005-01-01", "2020-12-31", n),
    ).with_columns(entity_name=pl.col("entity_name").str.replace("有限公司", "建设工程有限公司"))
    w.add("enterprises", firms)
    area = np.round(w.rng.uniform(300, 3000, n), 0)
    per_mu = w.rng.integers(10, 16, n) * 100.0
    accept = uniform_days(w.rng, "2023-03-01", "2023-08-31", n)
    serial = w.serial("farmland", n) + 1
    g = geo[place]
    rows = g.select(
        project_id=pl.concat_str(
            [pl.lit(f"GBNT-2023-{w.chunk:02d}"), pl.Series(serial).cast(pl.String).str.zfill(3)]
        ),
        project_name=pl.concat_str(["street", "community", pl.lit("高标准农田建设项目")]),
        street=pl.col("street"),
        recipient_name=pl.concat_str(["community", pl.lit("股份经济合作社")]),
    ).with_columns(
        contractor_credit_code=firms["credit_code"],
        area_mu=pl.Series(area),
        amount=pl.Series(area * per_mu),
        acceptance_date=dates(accept),
        pay_date=dates(accept + w.rng.integers(10, 60, n)),
    )
    w.add("farmland_subsidy", rows)
