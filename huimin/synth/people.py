"""Residents and households: ages, genders, names, ID numbers, registration status."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from huimin.synth import ids
from huimin.synth.geography import Geography, address_codes

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
EPOCH = np.datetime64("1970-01-01", "D")


def day(text: str) -> int:
    """Days since 1970-01-01 of an ISO date."""
    return int((np.datetime64(text, "D") - EPOCH).astype(np.int64))


REF_DAY = day("2023-06-30")
YEAR_START = day("2023-01-01")
YEAR_END = day("2023-12-31")

# Wuhan-like age pyramid by 5-year groups (share of residents), 0-4 ... 100+
PYRAMID = np.array(
    [
        4.5,
        5.0,
        4.4,
        4.3,
        7.0,
        8.3,
        10.0,
        8.6,
        7.0,
        7.3,
        7.6,
        6.8,
        5.2,
        4.8,
        3.4,
        2.2,
        1.6,
        1.0,
        0.4,
        0.1,
        0.02,
    ]
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
_SURNAME_W = np.concatenate([np.full(10, 6.0), np.full(20, 2.5), np.full(len(SURNAMES) - 30, 1.0)])
MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋勋峰建国志文斌海东亮成"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀燕玲桂丹萍红梅琳雪慧莉婷颖洁琴云倩晶妍欣怡佳蓉英兰凤玉珍婉"
SHARED_CHARS = "子晓思嘉天一雨新春家永金德长立红小安世"

RELATIONS = ("户主", "配偶", "子女", "子女", "父母", "父母")


@dataclass
class People:
    """Residents as aligned arrays (index = pid) and their registry frame."""

    frame: pl.DataFrame  # pid, id_number, name, gender, birth_date, household_id, ...
    hh: I64  # household index
    birth: I64  # days since epoch
    male: B
    rural: B  # 农村 hukou
    kind_village: B  # lives in a 村
    alive: B  # status 正常 at the end of 2023
    death: I64  # death day or -1
    head: B

    @property
    def n(self) -> int:
        return int(self.hh.shape[0])

    def age_on(self, days: int | I64) -> I64:
        """Whole years of age on a day (vectorised over residents)."""
        by, bm, bd = ids.ymd_parts(self.birth)
        y, m, d = ids.ymd_parts(np.asarray(days, dtype=np.int64) + np.zeros_like(self.birth))
        before = (m < bm) | ((m == bm) & (d < bd))
        return np.asarray(y - by - before.astype(np.int64), dtype=np.int64)


def _household_sizes(rng: np.random.Generator, n: int) -> I64:
    p = np.array([0.25, 0.30, 0.24, 0.12, 0.06, 0.03])
    sizes = rng.choice(np.arange(1, 7), int(n / 2.5) + 50, p=p)
    cum = np.cumsum(sizes)
    k = int(np.searchsorted(cum, n)) + 1
    sizes = sizes[:k].copy()
    sizes[-1] -= int(cum[k - 1] - n)
    return np.asarray(sizes[sizes > 0], dtype=np.int64)


def _ages(rng: np.random.Generator, sizes: I64) -> tuple[I64, I64, I64]:
    """Age in years and relation slot per member (slot 0 head, 1 spouse, 2-3 child, 4-5 parent)."""
    h = sizes.shape[0]
    groups = np.arange(len(PYRAMID))
    w = PYRAMID.copy()
    w[:5] = 0.0
    single_w = w * np.linspace(0.6, 2.2, len(w))
    head_grp = rng.choice(groups, h, p=w / w.sum())
    solo = sizes <= 2
    head_grp = np.where(solo, rng.choice(groups, h, p=single_w / single_w.sum()), head_grp)
    head_age = np.minimum(head_grp * 5 + rng.integers(0, 5, h), 101)
    young_heads = sizes >= 5
    head_age = np.where(young_heads, rng.integers(28, 52, h), head_age)
    four_parent = (sizes == 4) & (rng.random(h) < 0.4)
    slots_by_size = {
        1: [0],
        2: [0, 1],
        3: [0, 1, 2],
        4: [0, 1, 2, 3],
        5: [0, 1, 2, 4, 5],
        6: [0, 1, 2, 3, 4, 5],
    }
    hh = np.repeat(np.arange(h), sizes)
    pos = np.arange(hh.shape[0]) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    table = np.full((7, 6), -1)
    for s, sl in slots_by_size.items():
        table[s, : len(sl)] = sl
    slot = table[sizes[hh], pos]
    slot = np.where(four_parent[hh] & (pos == 3), 4, slot)
    a = head_age[hh]
    n = hh.shape[0]
    spouse = np.clip(a + rng.integers(-4, 4, n), 20, 104)
    child = a - rng.integers(22, 36, n)
    child = np.where(child < 0, rng.integers(0, 4, n), child)
    parent = np.minimum(a + rng.integers(22, 32, n), 97)
    age = np.select([slot == 0, slot == 1, slot <= 3], [a, spouse, child], parent)
    return hh, slot, age.astype(np.int64)


def _genders(rng: np.random.Generator, slot: I64, hh: I64) -> B:
    n = slot.shape[0]
    head_male = rng.random(int(hh.max()) + 1) < 0.62
    return np.select(
        [slot == 0, slot == 1, slot <= 3, slot == 4],
        [head_male[hh], ~head_male[hh], rng.random(n) < 0.52, rng.random(n) < 0.7],
        rng.random(n) < 0.02,
    ).astype(bool)


def _pick(pool: str, idx: I64) -> pl.Series:
    return pl.Series(list(pool)).gather(idx)


def make_names(rng: np.random.Generator, male: B, family: I64) -> pl.Series:
    """Chinese names: a surname (shared by ``family`` groups) and one or two given characters."""
    n = male.shape[0]
    fam_surname = rng.choice(len(SURNAMES), int(family.max()) + 1, p=_SURNAME_W / _SURNAME_W.sum())
    surname = _pick(SURNAMES, fam_surname[family])
    m_pool, f_pool = MALE_CHARS + SHARED_CHARS, FEMALE_CHARS + SHARED_CHARS
    first = np.where(male, rng.integers(0, len(m_pool), n), rng.integers(0, len(f_pool), n))
    second = np.where(male, rng.integers(0, len(m_pool), n), rng.integers(0, len(f_pool), n))
    g1 = pl.Series(list(m_pool)).gather(np.minimum(first, len(m_pool) - 1))
    g1f = pl.Series(list(f_pool)).gather(np.minimum(first, len(f_pool) - 1))
    g2 = pl.Series(list(m_pool)).gather(np.minimum(second, len(m_pool) - 1))
    g2f = pl.Series(list(f_pool)).gather(np.minimum(second, len(f_pool) - 1))
    two = rng.random(n) < 0.75
    frame = pl.DataFrame(
        {"s": surname, "m": male, "a": g1, "af": g1f, "b": g2, "bf": g2f, "two": two}
    )
    return frame.select(
        pl.concat_str(
            [
                pl.col("s"),
                pl.when(pl.col("m")).then(pl.col("a")).otherwise(pl.col("af")),
                pl.when(pl.col("two"))
                .then(pl.when(pl.col("m")).then(pl.col("b")).otherwise(pl.col("bf")))
                .otherwise(pl.lit("")),
            ]
        )
    ).to_series()


def _status(rng: np.random.Generator, age: I64, birth: I64) -> tuple[I64, I64]:
    """Death day (-1 alive) and move-out day (-1 stays): ≈1 %/yr deaths 2020–2023, 1.5 % moves."""
    n = age.shape[0]
    w = np.exp(0.09 * np.minimum(age, 100).astype(np.float64))
    dead_idx = rng.choice(n, int(n * 0.04), replace=False, p=w / w.sum())
    death = np.full(n, -1, dtype=np.int64)
    death[dead_idx] = rng.integers(day("2020-01-01"), YEAR_END + 1, dead_idx.shape[0])
    death = np.where((death >= 0) & (death <= birth), birth + 30, death)
    moved = np.full(n, -1, dtype=np.int64)
    cand = np.flatnonzero((death < 0) & (rng.random(n) < 0.015))
    moved[cand] = rng.integers(day("2019-01-01"), YEAR_END + 1, cand.shape[0])
    return death, moved


def to_date(days: I64) -> pl.Series:
    """Days since epoch to a polars Date series (negative = null)."""
    s = pl.Series(days.astype(np.int32)).cast(pl.Date)
    return pl.select(pl.when(pl.lit(days >= 0)).then(s)).to_series()


def make_people(
    rng: np.random.Generator, n: int, geo: Geography, chunk: int = 0, n_chunks: int = 1
) -> People:
    """Residents of ``n`` in households placed in the district's communities."""
    sizes = _household_sizes(rng, n)
    hh, slot, age = _ages(rng, sizes)
    n = hh.shape[0]
    male = _genders(rng, slot, hh)
    birth = REF_DAY - (age * 365.25).astype(np.int64) - rng.integers(0, 365, n)
    addr = address_codes(rng, n)
    birth, seq = ids.unique_sequences(addr, birth, male, chunk, n_chunks)
    h = int(sizes.shape[0])
    place = rng.choice(geo.size, h, p=geo.weights())[hh]
    t = geo.table
    village = (t["kind"].to_numpy() == "村")[place]
    urban_street = (t["area"].to_numpy() == "urban")[place]
    p_rural = np.where(village, 0.92, np.where(urban_street, 0.04, 0.35))
    rural = (rng.random(h) < p_rural[np.unique(hh, return_index=True)[1]])[hh]
    family = np.where((slot == 1) | (slot == 5), n + np.arange(n), hh)
    family = np.unique(family, return_inverse=True)[1].astype(np.int64)
    death, moved = _status(rng, age, birth)
    rel = np.array(["户主", "配偶", "子", "子", "父亲", "母亲"])[slot]
    rel = np.where((slot >= 2) & (slot <= 3) & ~male, "女", rel)
    rel = np.where((slot == 4) & ~male, "母亲", rel)
    rel = np.where((slot == 5) & male, "父亲", rel)
    status = np.where(death >= 0, "死亡注销", np.where(moved >= 0, "迁出", "正常"))
    street_code = t["street_code"].gather(place)
    frame = pl.DataFrame(
        {
            "pid": np.arange(n, dtype=np.int64),
            "id_number": ids.make_ids(addr, birth, seq),
            "name": make_names(rng, male, family),
            "gender": np.where(male, "男", "女"),
            "birth_date": pl.Series(birth.astype("datetime64[D]")).cast(pl.Date),
            "household_id": pl.Series(hh).cast(pl.String).str.zfill(7),
            "relation": rel,
            "hukou_type": np.where(rural, "农村", "城镇"),
            "street": t["street"].gather(place),
            "community": t["community"].gather(place),
            "status": status,
            "status_date": to_date(np.maximum(death, moved)),
            "street_code": street_code,
        }
    ).with_columns(
        household_id=pl.concat_str(
            [pl.col("street_code").str.slice(6, 3), pl.lit(f"{chunk:02d}"), pl.col("household_id")]
        )
    )
    return People(
        frame=frame,
        hh=hh,
        birth=birth,
        male=male,
        rural=rural,
        kind_village=village,
        alive=status == "正常",
        death=death,
        head=slot == 0,
    )
