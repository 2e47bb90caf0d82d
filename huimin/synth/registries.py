"""Reference registries and the roles that decide who may appear in them.

Roles first (低保 households, 特困, disability cards, resettled people, land contracts,
students), then the asset and payroll registries drawn only from people outside the protected
groups, so that the ordinary data holds no accidental policy anomaly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from huimin.synth.people import YEAR_START, day
from huimin.synth.world import World, dates

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

DIS_TYPES = np.array(["视力", "听力", "言语", "肢体", "智力", "精神", "多重"])
RESERVOIRS = np.array(["丹江口水库", "三峡水库", "漳河水库", "富水水库", "陆水水库"])
EMPLOYERS = np.array(
    [
        "东西湖区人民政府办公室",
        "东西湖区财政局",
        "东西湖区教育局",
        "东西湖区民政局",
        "东西湖区卫生健康局",
        "东西湖区人力资源和社会保障局",
        "东西湖区农业农村局",
        "东西湖区水务局",
        "东西湖区人民医院",
        "东西湖区疾病预防控制中心",
        "东西湖区吴家山第一小学",
        "东西湖区市场监督管理局",
        "东西湖区城市管理执法局",
        "东西湖区公安分局",
        "东西湖区人民法院",
        "东西湖区自然资源和规划局",
    ]
)
INDUSTRY = np.array(
    ["商贸", "建材", "物流", "餐饮", "科技", "农业", "建筑工程", "电子", "食品", "装饰工程"]
)
WORDS = np.array(list("华兴盛达鑫源泰丰恒昌隆顺安康宏博瑞祥和通"))


@dataclass
class Roles:
    dibao_pid: I64  # members of 低保 households
    dibao_hh: I64  # their household index
    tekun_pid: I64
    card_pid: I64
    card_level: I64
    card_valid: B
    resettled_pid: I64
    land_pid: I64  # contract representatives (household heads)


def uniform_days(rng: np.random.Generator, start: str, end: str, n: int) -> I64:
    return rng.integers(day(start), day(end) + 1, n).astype(np.int64)


def choose_dibao(w: World) -> tuple[I64, I64]:
    """Whole households (every member alive) until ≈1.2 % of residents are covered."""
    p = w.people
    hh_all_alive = np.bincount(p.hh, weights=~p.alive) == 0
    cand = np.flatnonzero(hh_all_alive)
    size = np.bincount(p.hh)
    rural_hh = np.zeros(size.shape[0], dtype=bool)
    rural_hh[p.hh] = p.rural
    wt = np.where(rural_hh[cand], 2.5, 1.0) * np.where(size[cand] <= 3, 1.5, 1.0)
    target = w.sizing.count(0.012, 400)
    order = w.rng.choice(cand, min(cand.shape[0], target), replace=False, p=wt / wt.sum())
    chosen = order[: int(np.searchsorted(np.cumsum(size[order]), target)) + 1]
    mask = np.isin(p.hh, chosen)
    pids = np.flatnonzero(mask).astype(np.int64)
    return pids, p.hh[pids]


def make_roles(w: World) -> Roles:
    p, rng = w.people, w.rng
    dibao_pid, dibao_hh = choose_dibao(w)
    in_dibao = np.zeros(p.n, dtype=bool)
    in_dibao[dibao_pid] = True
    age = p.age_on(YEAR_START)
    n_tekun = w.sizing.count(0.001, 60)
    old = np.flatnonzero(p.alive & ~in_dibao & (age >= 62) & (age <= 95))
    young = np.flatnonzero(p.alive & ~in_dibao & (age >= 25) & (age <= 55))
    n_young = n_tekun * 3 // 10
    tekun_young = rng.choice(young, n_young, replace=False)
    tekun_old = rng.choice(old, n_tekun - n_young, replace=False)
    tekun = np.sort(np.concatenate([tekun_young, tekun_old])).astype(np.int64)
    in_tekun = np.zeros(p.n, dtype=bool)
    in_tekun[tekun] = True
    # disability cards: ≈5 % of residents, older more often, 10 % of 低保 members
    wt = np.exp(0.025 * np.minimum(age, 90)) * np.where(in_dibao, 3.0, 1.0)
    wt = np.where(in_tekun, 0.0, wt)
    n_cards = w.sizing.count(0.05, 300)
    cards = rng.choice(p.n, n_cards, replace=False, p=wt / wt.sum())
    cards = np.sort(np.concatenate([cards, tekun_young])).astype(np.int64)
    level = rng.choice(np.array([1, 2, 3, 4]), cards.shape[0], p=[0.12, 0.23, 0.3, 0.35])
    young_set = np.isin(cards, tekun_young)
    level = np.where(young_set, rng.integers(1, 3, cards.shape[0]), level).astype(np.int64)
    valid = (rng.random(cards.shape[0]) < 0.95) | in_dibao[cards] | young_set
    valid &= p.alive[cards] | (rng.random(cards.shape[0]) < 0.5)
    village = np.flatnonzero(p.kind_village & ~in_dibao & ~in_tekun)
    resettled = np.sort(rng.choice(village, w.sizing.count(0.005, 80), replace=False))
    heads = np.flatnonzero(p.head & p.alive & p.rural & p.kind_village)
    land = np.sort(heads[rng.random(heads.shape[0]) < 0.85]).astype(np.int64)
    roles = Roles(dibao_pid, dibao_hh, tekun, cards, level, valid, resettled, land)
    w.no_assets[dibao_pid] = True
    w.no_assets[tekun] = True
    w.no_assets[cards] = True
    w.no_payroll |= w.no_assets
    w.no_payroll[resettled] = True
    w.no_payroll[land] = True
    return roles


def deaths(w: World) -> None:
    p = w.people
    dead = np.flatnonzero(p.death >= 0)
    src = w.rng.choice(np.array(["公安", "殡葬", "卫健"]), dead.shape[0], p=[0.5, 0.3, 0.2])
    w.add(
        "deaths",
        w.person(dead).with_columns(death_date=dates(p.death[dead]), source=pl.Series(src)),
    )


def disability_cards(w: World, r: Roles) -> None:
    n = r.card_pid.shape[0]
    types = w.rng.choice(DIS_TYPES, n)
    w.add(
        "disability_cards",
        w.person(r.card_pid).with_columns(
            disability_type=pl.Series(types),
            disability_level=pl.Series(r.card_level),
            issue_date=dates(uniform_days(w.rng, "2005-01-01", "2022-12-31", n)),
            status=pl.Series(np.where(r.card_valid, "有效", "注销")),
        ),
    )


def vehicle_rows(
    w: World,
    owners: I64,
    register: I64,
    status: npt.NDArray[np.str_],
    status_day: I64,
    vtype: npt.NDArray[np.str_] | None = None,
    acquired: I64 | None = None,
    rng: np.random.Generator | None = None,
) -> pl.DataFrame:
    """Vehicle registry rows with fresh plates and VINs (``acquired``: the day each owner got
    the car, by default its first registration: a first owner)."""
    n = owners.shape[0]
    serial = w.serial("vin", n)
    rng = w.rng if rng is None else rng
    if vtype is None:
        vtype = rng.choice(
            np.array(["小型轿车", "小型普通客车", "轻型货车", "二轮摩托车"]),
            n,
            p=[0.6, 0.25, 0.05, 0.1],
        )
    letters = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ"))
    frame = pl.DataFrame(
        {
            "owner_id_number": w.person(owners, ["id_number"]).to_series(),
            "s": serial,
            "l1": rng.choice(letters, n),
            "l2": rng.choice(np.array(["LSV", "LFV", "LGB", "LVS", "LHG", "LBV"]), n),
        }
    )
    return frame.select(
        "owner_id_number",
        plate=pl.concat_str(
            [
                pl.lit("鄂A"),
                pl.col("l1"),
                ((pl.col("s") * 7919 + w.chunk * 13) % 10000).cast(pl.String).str.zfill(4),
            ]
        ),
        vin=pl.concat_str(
            [pl.col("l2"), pl.lit(f"{w.chunk:02d}"), pl.col("s").cast(pl.String).str.zfill(12)]
        ),
        vehicle_type=pl.Series(vtype),
        register_date=dates(register),
        status=pl.Series(status),
        status_date=dates(status_day),
        acquired_date=dates(register if acquired is None else acquired),
    )


def vehicles(w: World) -> None:
    pool = w.adults(22, 80, ~w.no_assets)
    n = w.sizing.count(1 / 3, 0)
    owners = np.sort(w.rng.choice(pool, n, replace=True))
    reg = uniform_days(w.rng, "2005-01-01", "2023-11-30", n)
    st = w.rng.choice(np.array(["正常", "转移", "注销", "报废"]), n, p=[0.88, 0.05, 0.02, 0.05])
    st_day = np.where(
        st == "正常", -1, np.minimum(reg + w.rng.integers(200, 4000, n), day("2023-12-31"))
    )
    w.add("vehicles", vehicle_rows(w, owners, reg, st, st_day))


def credit_codes(w: World, k: int) -> pl.Series:
    serial = w.serial("credit", k)
    alnum = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
    frame = pl.DataFrame({"s": serial, "c": alnum[(serial * 7) % alnum.shape[0]]})
    return frame.select(
        pl.concat_str(
            [
                pl.lit(f"91420112MA{w.chunk:02d}"),
                pl.col("s").cast(pl.String).str.zfill(5),
                pl.col("c"),
            ]
        )
    ).to_series()


def enterprise_rows(
    w: World,
    pids: I64,
    roles: npt.NDArray[np.str_],
    status: npt.NDArray[np.str_],
    established: I64,
    status_day: I64 | None = None,
    rng: np.random.Generator | None = None,
) -> pl.DataFrame:
    """Business registry rows (``status_day``: when the status last changed, -1 for none)."""
    n = pids.shape[0]
    rng = w.rng if rng is None else rng
    names = (
        pl.DataFrame(
            {
                "a": rng.choice(WORDS, n),
                "b": rng.choice(WORDS, n),
                "i": rng.choice(INDUSTRY, n),
            }
        )
        .select(pl.concat_str([pl.lit("武汉"), "a", "b", "i", pl.lit("有限公司")]))
        .to_series()
    )
    return w.person(pids).with_columns(
        entity_name=names,
        credit_code=credit_codes(w, n),
        role=pl.Series(roles),
        registered_capital=pl.Series(np.round(rng.uniform(1, 500, n), 2)),
        entity_status=pl.Series(status),
        established_date=dates(established),
        status_date=dates(np.full(n, -1) if status_day is None else status_day),
    )


def enterprises(w: World) -> None:
    pool = w.adults(22, 70, ~w.no_assets)
    n = w.sizing.count(0.1, 0)
    pids = np.sort(w.rng.choice(pool, n, replace=True))
    rng = w.rng
    roles = rng.choice(
        np.array(["法定代表人", "股东", "经营者", "负责人"]), n, p=[0.4, 0.3, 0.25, 0.05]
    )
    st = rng.choice(np.array(["存续", "在业", "注销", "吊销"]), n, p=[0.4, 0.35, 0.2, 0.05])
    est = uniform_days(rng, "2000-01-01", "2023-10-31", n)
    frame = enterprise_rows(w, pids, roles, st, est, closing_days(w.aux, st, est))
    w.add("enterprises", frame.unique(["id_number", "credit_code"], maintain_order=True))


def closing_days(rng: np.random.Generator, status: npt.NDArray[np.str_], established: I64) -> I64:
    """注销/吊销 dates: 1–15 years after establishment, by 2023-12-31 (-1 for a live business)."""
    closed = np.isin(status, ["注销", "吊销"])
    when = np.minimum(established + rng.integers(200, 5500, status.shape[0]), day("2023-12-31"))
    return np.where(closed, when, -1).astype(np.int64)


def public_employees(w: World) -> I64:
    pool = w.adults(23, 59, ~w.no_payroll)
    n = w.sizing.count(0.02, 0)
    pids = np.sort(w.rng.choice(pool, n, replace=False))
    w.payroll[pids] = True
    start = uniform_days(w.rng, "1990-01-01", "2022-12-31", n)
    left = w.rng.random(n) < 0.08
    end = np.where(left, uniform_days(w.rng, "2023-01-01", "2023-06-30", n), -1)
    w.add(
        "public_employees",
        w.person(pids).with_columns(
            employer=pl.Series(w.rng.choice(EMPLOYERS, n)),
            employee_type=pl.Series(
                w.rng.choice(np.array(["公务员", "参公", "事业编制"]), n, p=[0.35, 0.15, 0.5])
            ),
            start_date=dates(start),
            end_date=dates(end),
        ),
    )
    return pids.astype(np.int64)


def property_rows(w: World, owners: I64, usage: npt.NDArray[np.str_]) -> pl.DataFrame:
    n = owners.shape[0]
    serial = w.serial("property", n)
    area = np.where(usage == "住宅", w.rng.uniform(45, 160, n), w.rng.uniform(20, 300, n))
    ids = pl.Series(serial).cast(pl.String).str.zfill(8)
    return pl.DataFrame(
        {
            "owner_id_number": w.person(owners, ["id_number"]).to_series(),
            "property_id": pl.select(
                pl.concat_str([pl.lit(f"420112{w.chunk:03d}GB"), pl.lit(ids), pl.lit("F0001")])
            ).to_series(),
            "usage": usage,
            "area": np.round(area, 2),
            "register_date": dates(uniform_days(w.rng, "2000-01-01", "2023-10-31", n)),
        }
    )


def properties(w: World, r: Roles) -> None:
    p = w.people
    heads = np.flatnonzero(p.head & ~w.no_assets)
    own = heads[w.rng.random(heads.shape[0]) < 0.85]
    second = own[w.rng.random(own.shape[0]) < 0.15]
    shop = own[w.rng.random(own.shape[0]) < 0.05]
    dibao_heads = r.dibao_pid[p.head[r.dibao_pid]]
    poor_home = dibao_heads[w.rng.random(dibao_heads.shape[0]) < 0.3]
    owners = np.concatenate([own, second, poor_home, shop]).astype(np.int64)
    usage = np.array(["住宅"] * (owners.shape[0] - shop.shape[0]) + ["商业"] * shop.shape[0])
    order = np.argsort(owners, kind="stable")
    w.add("properties", property_rows(w, owners[order], usage[order]))


def inmates(w: World) -> None:
    pool = w.adults(20, 55, ~w.no_assets)
    n = w.sizing.count(0.001, 3)
    pids = np.sort(w.rng.choice(pool, n, replace=False))
    start = uniform_days(w.rng, "2015-01-01", "2023-10-31", n)
    released = w.rng.random(n) < 0.5
    end = np.where(
        released, np.minimum(start + w.rng.integers(365, 2500, n), day("2023-12-31")), -1
    )
    w.add("inmates", w.person(pids).with_columns(start_date=dates(start), end_date=dates(end)))


def pension_rows(w: World, pids: I64, payroll: B, status: npt.NDArray[np.str_]) -> pl.DataFrame:
    n = pids.shape[0]
    start = w.rng.integers(1995 * 12, 2022 * 12 + 12, n)
    end = np.where(
        status == "终止", np.minimum(start + w.rng.integers(12, 240, n), 2023 * 12 + 5), -1
    )
    return w.person(pids).with_columns(
        insurance_type=pl.Series(np.where(payroll, "机关事业单位养老保险", "企业职工基本养老保险")),
        status=pl.Series(status),
        start_month=month_text(start),
        end_month=month_text(end),
    )


def month_text(months: I64 | np.int64) -> pl.Series:
    """Months counted as year*12 + (month-1) to 'YYYY-MM' (negative = null)."""
    m = np.asarray(months, dtype=np.int64)
    text = pl.DataFrame({"y": m // 12, "m": m % 12 + 1}).select(
        pl.concat_str(
            [pl.col("y").cast(pl.String), pl.lit("-"), pl.col("m").cast(pl.String).str.zfill(2)]
        )
    )
    return text.select(pl.when(pl.lit(m >= 0)).then(pl.col("y"))).to_series()


def pension_insured(w: World, payroll_pids: I64) -> None:
    pool = w.adults(20, 100, ~w.no_assets)
    n = min(w.sizing.count(0.4, 0), pool.shape[0])
    pids = np.sort(np.unique(np.concatenate([w.rng.choice(pool, n, replace=False), payroll_pids])))
    age = w.people.age_on(YEAR_START)[pids]
    status = w.rng.choice(
        np.array(["参保缴费", "暂停缴费", "终止"]), pids.shape[0], p=[0.8, 0.15, 0.05]
    )
    status = np.where(age >= 60, "领取待遇", status)
    w.add("pension_insured", pension_rows(w, pids, np.isin(pids, payroll_pids), status))


def resettlement_registry(w: World, r: Roles) -> None:
    n = r.resettled_pid.shape[0]
    w.add(
        "resettlement_registry",
        w.person(r.resettled_pid).with_columns(
            reservoir=pl.Series(w.rng.choice(RESERVOIRS, n)),
            approved_date=dates(uniform_days(w.rng, "2006-07-01", "2010-12-31", n)),
        ),
    )


def land_contracts(w: World, r: Roles) -> None:
    n = r.land_pid.shape[0]
    rng = w.rng
    area = np.round(rng.uniform(1.0, 12.0, n), 2)
    kind = rng.choice(3, n, p=[0.45, 0.4, 0.15])
    out = np.where(
        kind == 0, 0.0, np.where(kind == 1, np.round(area * rng.uniform(0.2, 0.8, n), 2), area)
    )
    frame = w.person(r.land_pid, ["id_number", "name", "street", "community"]).rename(
        {"community": "village"}
    )
    w.add(
        "land_contracts",
        frame.with_columns(
            contracted_area_mu=pl.Series(area), transferred_out_area_mu=pl.Series(out)
        ),
    )


def build_registries(w: World, r: Roles) -> None:
    deaths(w)
    disability_cards(w, r)
    resettlement_registry(w, r)
    land_contracts(w, r)
    payroll = public_employees(w)
    vehicles(w)
    enterprises(w)
    properties(w, r)
    inmates(w)
    pension_insured(w, payroll)
