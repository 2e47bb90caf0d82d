"""学籍信息 (one row per student and term) and the two student-aid rosters."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from huimin.synth import policy
from huimin.synth.people import day
from huimin.synth.registries import Roles, uniform_days
from huimin.synth.world import World, dates

I64 = npt.NDArray[np.int64]
HIGH_SCHOOLS = ("武汉市东西湖高级中学", "武汉市东西湖区第一中学", "武汉市吴家山中学")
VOCATIONAL = "武汉市东西湖职业技术学校"
PAY_WINDOWS = {"2023春": ("2023-04-10", "2023-05-31"), "2023秋": ("2023-10-10", "2023-11-30")}


def _stage(birth: I64, school_year: int) -> npt.NDArray[np.str_]:
    def born(y: int) -> int:
        return day(f"{y}-09-01")

    y = school_year
    return np.select(
        [
            (birth >= born(y - 12)) & (birth < born(y - 6)),
            (birth >= born(y - 15)) & (birth < born(y - 12)),
            (birth >= born(y - 18)) & (birth < born(y - 15)),
        ],
        ["小学", "初中", "高中"],
        "",
    )


def _school_names(frame: pl.DataFrame) -> pl.DataFrame:
    short = pl.col("street").str.replace("街$", "").str.replace("镇$", "")
    pid = pl.col("_pid")
    return frame.with_columns(
        school_name=pl.when(pl.col("stage") == "小学")
        .then(
            pl.concat_str(
                [
                    pl.lit("武汉市东西湖区"),
                    short,
                    pl.when(pid % 2 == 0).then(pl.lit("第一小学")).otherwise(pl.lit("第二小学")),
                ]
            )
        )
        .when(pl.col("stage") == "初中")
        .then(pl.concat_str([pl.lit("武汉市东西湖区"), short, pl.lit("中学")]))
        .when(pl.col("stage") == "普通高中")
        .then(pl.lit(pl.Series(list(HIGH_SCHOOLS))).gather(pid % 3))
        .otherwise(pl.lit(VOCATIONAL))
    ).with_columns(
        school_code=pl.lit("2142")
        + (pl.col("school_name").hash(7) % 1_000_000).cast(pl.String).str.zfill(6)
    )


def students(w: World) -> None:
    p = w.people
    rng = w.rng
    track = rng.choice(np.array(["普通高中", "中职", ""]), p.n, p=[0.65, 0.25, 0.10])
    u = rng.random(p.n)
    parts = []
    for term, year in zip(policy.TERMS, (2022, 2023), strict=True):
        stage = _stage(p.birth, year)
        stage = np.where(stage == "高中", track, stage)
        pids = np.flatnonzero(p.alive & (stage != "")).astype(np.int64)
        st = stage[pids]
        limit = np.select([st == "小学", st == "初中"], [0.05, 0.25], 0.6)
        status = rng.choice(
            np.array(["在读", "休学", "转出"]), pids.shape[0], p=[0.99, 0.005, 0.005]
        )
        parts.append(
            w.person(pids, ["id_number", "name", "street"]).with_columns(
                stage=pl.Series(st),
                boarding=pl.Series(u[pids] < limit),
                term=pl.lit(term),
                status=pl.Series(status),
                _pid=pl.Series(pids),
            )
        )
    frame = _school_names(pl.concat(parts))
    w.add(
        "students",
        frame.select(
            [
                "id_number",
                "name",
                "school_code",
                "school_name",
                "stage",
                "boarding",
                "term",
                "status",
                "_pid",
            ]
        ),
    )


def _aid_rows(w: World, rows: pl.DataFrame) -> pl.DataFrame:
    n = rows.height
    pay = np.zeros(n, dtype=np.int64)
    terms = rows["term"].to_numpy()
    for term, (a, b) in PAY_WINDOWS.items():
        pay = np.where(terms == term, uniform_days(w.rng, a, b, n), pay)
    return rows.with_columns(pay_date=dates(pay))


def _category(w: World, r: Roles, pid: pl.Series, share_other: float) -> pl.Series:
    dibao = np.isin(pid.to_numpy(), r.dibao_pid)
    disabled = np.isin(pid.to_numpy(), r.card_pid[r.card_valid])
    other = w.rng.random(pid.len()) < share_other
    kind = w.rng.choice(np.array(["脱贫家庭", "其他困难"]), pid.len())
    return pl.Series(
        np.where(dibao, "低保家庭", np.where(disabled, "残疾学生", np.where(other, kind, "")))
    )


def student_aid(w: World, r: Roles) -> None:
    reg = w.frames["students"].filter(pl.col("status") == "在读")
    comp = reg.filter(pl.col("stage").is_in(["小学", "初中"]))
    per_person = comp.select("_pid").unique().sort("_pid")["_pid"]
    cat = _category(w, r, per_person, 0.04 if not w.sizing.sample else 0.08)
    chosen = pl.DataFrame({"_pid": per_person, "difficulty_category": cat}).filter(
        pl.col("difficulty_category") != ""
    )
    comp = comp.join(chosen, on="_pid", maintain_order="left")
    table = policy.STUDENT_AID_TERM
    amount = pl.struct("stage", "boarding").map_elements(
        lambda s: table[(s["stage"], s["boarding"])], return_dtype=pl.Float64
    )
    comp = comp.with_columns(amount=amount)
    w.add(
        "student_aid_compulsory",
        _aid_rows(w, comp).select(
            [
                "id_number",
                "name",
                "school_name",
                "stage",
                "boarding",
                "term",
                "difficulty_category",
                "amount",
                "pay_date",
                "_pid",
            ]
        ),
    )
    high = reg.filter(pl.col("stage") == "普通高中")
    per_person = high.select("_pid").unique().sort("_pid")["_pid"]
    cat = _category(w, r, per_person, 0.1 if not w.sizing.sample else 0.4)
    tier = np.where(cat == "低保家庭", 1500.0, np.where(cat == "残疾学生", 1000.0, 500.0))
    tier = np.where(w.rng.random(tier.shape[0]) < 0.3, 1000.0, tier)
    chosen = pl.DataFrame({"_pid": per_person, "difficulty_category": cat, "amount": tier})
    high = high.join(
        chosen.filter(pl.col("difficulty_category") != ""), on="_pid", maintain_order="left"
    )
    w.add(
        "student_aid_highschool",
        _aid_rows(w, high).select(
            [
                "id_number",
                "name",
                "school_name",
                "term",
                "difficulty_category",
                "amount",
                "pay_date",
                "_pid",
            ]
        ),
    )
