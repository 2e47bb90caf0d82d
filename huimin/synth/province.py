"""The 157 provincial clues (省下发问题线索), reproducing the appendix counts row by row."""

from __future__ import annotations

import numpy as np
import polars as pl

from huimin.resources import project_file
from huimin.synth.anomalies import CATALOGUE
from huimin.synth.registries import uniform_days
from huimin.synth.world import World, dates

APPENDIX = project_file("data", "reference", "appendix-clue-counts.csv")
PROJECT_DATASET = {
    "实际种粮农民一次性补贴": "grain_subsidy",
    "汽车以旧换新补贴": "car_tradein",
    "农村低保": "dibao_rural",
    "城市低保": "dibao_urban",
    "特困人员救助供养": "tekun",
    "残疾人两项补贴（困难残疾人生活补贴）": "disability_living",
    "残疾人两项补贴（重度残疾人生活补贴）": "disability_care",
    "高龄津贴": "elderly_allowance",
    "困难群体人员代缴城乡居民保费": "premium_subsidy",
    "义务教育家庭经济困难学生生活补助": "student_aid_compulsory",
    "普通高中国家助学金": "student_aid_highschool",
    "大中型水库原迁移民直补资金": "resettlement_subsidy",
    "高标准农田建设补助资金": "farmland_subsidy",
}
ORG_COLUMN = {
    "car_tradein": "dealer",
    "student_aid_compulsory": "school_name",
    "student_aid_highschool": "school_name",
}


def appendix_rows() -> pl.DataFrame:
    table = pl.read_csv(APPENDIX, infer_schema=False)
    return table.filter(pl.col("序号").is_not_null())


def _subjects(w: World, dataset: str, truth: pl.DataFrame) -> pl.DataFrame:
    """One row per subject of the roster: subject, name, street, organization, amount, codes."""
    f = w.frames[dataset]
    subj = "project_id" if dataset == "farmland_subsidy" else "id_number"
    streets = w.people.frame.select(
        pl.col("id_number").alias(subj), pl.col("street").alias("_street")
    )
    if dataset == "farmland_subsidy":
        base = f.select(subj, pl.col("recipient_name").alias("name"), "street", "amount")
    else:
        cols = [subj, "name", "amount"] + ([ORG_COLUMN[dataset]] if dataset in ORG_COLUMN else [])
        cols += ["street"] if "street" in f.columns else []
        base = f.select(cols).join(streets, on=subj, how="left", maintain_order="left")
        base = base.with_columns(
            street=pl.coalesce("_street", *(["street"] if "street" in f.columns else []))
        )
    org = pl.col(ORG_COLUMN[dataset]).first() if dataset in ORG_COLUMN else pl.lit(None, pl.String)
    per = base.group_by(subj, maintain_order=True).agg(
        pl.col("name").first(),
        pl.col("street").first(),
        org.alias("organization"),
        pl.col("amount").sum(),
    )
    codes = truth.filter((pl.col("dataset") == dataset) & (pl.col("category") == "policy"))
    codes = codes.group_by("subject", maintain_order=True).agg(pl.col("anomaly_type").first())
    return per.rename({subj: "subject"}).join(
        codes, on="subject", how="left", maintain_order="left"
    )


def _take(w: World, pool: pl.DataFrame, k: int) -> pl.DataFrame:
    """k subjects: three in four with a planted anomaly where there are enough, the rest without."""
    bad = pool.filter(pl.col("anomaly_type").is_not_null())
    good = pool.filter(pl.col("anomaly_type").is_null())
    n_bad = min(bad.height, max(k - k // 4, k - good.height))
    pick_b = (
        np.sort(w.rng.choice(bad.height, n_bad, replace=False)) if n_bad else np.zeros(0, np.int64)
    )
    n_good = min(good.height, k - n_bad)
    pick_g = (
        np.sort(w.rng.choice(good.height, n_good, replace=False))
        if n_good
        else np.zeros(0, np.int64)
    )
    return pl.concat([bad[pick_b], good[pick_g]])


def _street_take(w: World, pool: pl.DataFrame, street: str, k: int) -> pl.DataFrame:
    """k subjects in the street; residents of the street fill in where recipients run out."""
    got = _take(w, pool.filter(pl.col("street") == street), k)
    if got.height < k:
        people = w.people.frame.filter((pl.col("street") == street) & (pl.col("status") == "正常"))
        idx = np.sort(w.rng.choice(people.height, k - got.height, replace=False))
        fill = people[idx].select(pl.col("id_number").alias("subject"), "name")
        got = pl.concat([got, fill], how="diagonal_relaxed")
    return got.with_columns(street=pl.lit(street))


def _org_take(w: World, pool: pl.DataFrame, k: int) -> pl.DataFrame:
    """k subjects of a project without streets; residents fill in (with a dealer or school)."""
    got = _take(w, pool, k)
    if got.height < k:
        people = w.people.frame.filter(pl.col("status") == "正常")
        idx = np.sort(w.rng.choice(people.height, k - got.height, replace=False))
        orgs = pool["organization"].unique(maintain_order=True)
        org = orgs.gather(w.rng.integers(0, orgs.len(), k - got.height))
        fill = people[idx].select(pl.col("id_number").alias("subject"), "name")
        got = pl.concat([got, fill.with_columns(organization=org)], how="diagonal_relaxed")
    return got.with_columns(street=pl.lit(None, pl.String))


def make_clues(w: World, truth: pl.DataFrame) -> pl.DataFrame:
    table = appendix_rows()
    streets = [c for c in table.columns if c.endswith("街") or c == "常青花园"]
    parts: list[pl.DataFrame] = []
    for row in table.iter_rows(named=True):
        dataset = PROJECT_DATASET[row["项目名称"]]
        pool = _subjects(w, dataset, truth)
        by_street = [(s, int(row[s])) for s in streets if row[s]]
        if not by_street:
            got = _org_take(w, pool, int(row["线索数量"]))
        else:
            got = pl.concat(
                [_street_take(w, pool, s, k) for s, k in by_street], how="diagonal_relaxed"
            )
        got = got.with_columns(
            department=pl.lit(row["业务主管部门"]), project=pl.lit(row["项目名称"])
        )
        parts.append(got)
    clues = pl.concat(parts, how="diagonal_relaxed")
    problem = (
        clues["anomaly_type"]
        .map_elements(
            lambda c: CATALOGUE[c].zh if c in CATALOGUE else "疑似不符合享受条件",
            return_dtype=pl.String,
        )
        .fill_null("疑似不符合享受条件")
    )
    n = clues.height
    farmland = clues["project"] == "高标准农田建设补助资金"
    return clues.select(
        clue_id=pl.format("HB-2023-{}", pl.int_range(1, n + 1).cast(pl.String).str.zfill(4)),
        department=pl.col("department"),
        project=pl.col("project"),
        street=pl.col("street"),
        organization=pl.col("organization"),
        id_number=pl.when(pl.lit(farmland)).then(None).otherwise(pl.col("subject")),
        name=pl.col("name"),
        problem=pl.when(pl.lit(farmland))
        .then(pl.concat_str([pl.col("subject"), pl.lit(" "), pl.lit(problem)]))
        .otherwise(pl.lit(problem)),
        amount=pl.col("amount").round(2),
        issued_date=dates(uniform_days(w.rng, "2023-08-10", "2023-09-28", n)),
    )
