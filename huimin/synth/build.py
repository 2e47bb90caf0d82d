"""One chunk of the synthetic district: build the world, plant anomalies, render the files' rows."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

import huimin.schemas as schemas
from huimin.synth import plant_civil, plant_dated, plant_other
from huimin.synth.faults import applicable, plant_benign, plant_dq
from huimin.synth.geography import Geography
from huimin.synth.people import make_people
from huimin.synth.registries import build_registries, make_roles
from huimin.synth.render import Form, to_text
from huimin.synth.rosters import build_rosters
from huimin.synth.students import student_aid, students
from huimin.synth.world import Sizing, World

B = npt.NDArray[np.bool_]
DATASET_NAMES: tuple[str, ...] = tuple(
    m.__dataset__ for m in (*schemas.REGISTRIES, *schemas.ROSTERS)
)
REGISTRY_NAMES = tuple(m.__dataset__ for m in schemas.REGISTRIES)
ROSTER_NAMES = tuple(m.__dataset__ for m in schemas.ROSTERS)
DQ_CODES = (
    "dq_bad_check_char",
    "dq_id_birth_date",
    "dq_old_15_digit_id",
    "dq_impossible_date",
    "dq_bad_month",
    "dq_negative_amount",
    "dq_three_decimals",
    "dq_missing_required",
    "dq_bad_enum",
    "dq_duplicate_row",
    "dq_household_size",
)


@dataclass
class Chunk:
    """Rendered rows of every dataset (text, final order) and the truth keyed by position."""

    text: dict[str, pl.DataFrame]
    truth: pl.DataFrame  # dataset, position, subject, period, anomaly_type, category, detail
    world: World


def build_world(
    rng: np.random.Generator, n: int, geo: Geography, sizing: Sizing, chunk: int, n_chunks: int
) -> World:
    people = make_people(rng, n, geo, chunk, n_chunks)
    w = World(rng, people, sizing, chunk)
    roles = make_roles(w)
    build_registries(w, roles)
    build_rosters(w, roles)
    students(w)
    student_aid(w, roles)
    solo = plant_civil.roster_count(w)
    plant_civil.plant_dibao(w, roles, solo)
    plant_civil.plant_tekun(w, roles, solo)
    plant_civil.plant_disability(w, roles, solo)
    plant_civil.plant_elderly(w, solo)
    plant_other.plant_premium(w, roles, solo)
    plant_other.plant_students(w, roles, solo)
    plant_other.plant_resettlement(w, roles, solo)
    plant_other.plant_grain(w, solo)
    plant_other.plant_car(w, solo)
    plant_other.plant_farmland(w)
    plant_other.plant_cross(w, solo)
    plant_dated.plant_dated(w)
    population = people.frame.drop("street_code").with_columns(_key=pl.col("pid"))
    w.frames["population"] = population.drop("pid")
    return w


def _order(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    if name.startswith("dibao_"):
        return frame.sort(["pay_month", "household_id", "_key"])
    if "pay_month" in frame.columns:
        return frame.sort(["pay_month", "_key"])
    if name == "students":
        return frame.sort(["term", "_key"])
    return frame.sort("_key")


def _subject(name: str) -> str:
    return schemas.DATASETS[name].__subject_field__ or "id_number"


def _eligible(w: World, name: str, frame: pl.DataFrame, policy_truth: pl.DataFrame) -> B:
    """Rows that may carry a DQ fault without hiding or creating a policy finding."""
    subj = _subject(name)
    bad_keys = policy_truth.filter(pl.col("dataset") == name)["_key"]
    flagged = policy_truth["subject"].unique()
    roster_ids = pl.concat(
        [w.frames[r]["id_number"] for r in ROSTER_NAMES if r != "farmland_subsidy"]
    )
    ok = ~frame["_key"].is_in(bad_keys.implode()) & ~frame[subj].cast(pl.String).is_in(
        flagged.implode()
    )
    ok &= ~frame["_key"].is_in(pl.Series(w.keep_clean.get(name, []), dtype=pl.Int64).implode())
    if name in REGISTRY_NAMES:
        ok &= ~frame[subj].is_in(roster_ids.implode())
        if name == "vehicles":
            car = w.frames["car_tradein"]
            ok &= ~frame["vin"].is_in(pl.concat([car["old_vin"], car["new_vin"]]).implode())
        if name == "enterprises":
            ok &= ~frame["credit_code"].is_in(
                w.frames["farmland_subsidy"]["contractor_credit_code"].implode()
            )
    elif name.startswith("dibao_") or name == "tekun":
        others = pl.concat(
            [
                w.frames[r]["id_number"].unique()
                for r in ROSTER_NAMES
                if r not in (name, "farmland_subsidy", "premium_subsidy")
            ]
        )
        ok &= ~frame["id_number"].is_in(others.implode())
        if name.startswith("dibao_"):
            bad_hh = frame.filter(~ok)["household_id"].unique()
            ok &= ~frame["household_id"].is_in(bad_hh.implode())
    return ok.to_numpy()


def _counts(name: str, sample: bool) -> dict[str, int]:
    target = 4 if sample else 24
    n_app: dict[str, int] = {}
    for ds in DATASET_NAMES:
        for code in applicable(ds):
            n_app[code] = n_app.get(code, 0) + 1
    return {code: math.ceil(target / n_app[code]) for code in applicable(name)}


def render_chunk(w: World, forms: dict[str, Form]) -> Chunk:
    # the planted situations: policy anomalies and the benign look-alikes
    policy_truth = pl.concat(w.truth) if w.truth else pl.DataFrame()
    texts: dict[str, pl.DataFrame] = {}
    extra: list[pl.DataFrame] = []
    for name in DATASET_NAMES:
        frame = _order(name, w.frames[name])
        eligible = _eligible(w, name, frame, policy_truth)
        text = to_text(name, frame, forms[name])
        dq = plant_dq(name, text, forms[name], eligible, _counts(name, w.sizing.sample), w.rng)
        free = np.concatenate([eligible, np.zeros(dq.frame.height - text.height, dtype=bool)])
        dq_keys = {k for k, *_ in dq.truth}
        free &= ~dq.frame["_key"].is_in(list(dq_keys)).to_numpy()
        bv = plant_benign(name, dq.frame, forms[name], free, 1 if w.sizing.sample else 2, w.rng)
        texts[name] = bv.frame
        rows = dq.truth + bv.truth
        if rows:
            extra.append(_truth_rows(name, frame, rows, dq.origin))
    truth = pl.concat([policy_truth.select(_TRUTH_COLS), *extra])
    pos = pl.concat(
        [
            t.select(pl.lit(n).alias("dataset"), "_key", pl.int_range(pl.len()).alias("position"))
            for n, t in texts.items()
        ]
    )
    truth = truth.join(pos, on=["dataset", "_key"], how="left", maintain_order="left")
    return Chunk(texts, truth.drop("_key"), w)


_TRUTH_COLS = ["dataset", "_key", "subject", "period", "anomaly_type", "category", "detail"]
PERIOD_FIELDS = ("pay_month", "year", "term")


def _truth_rows(
    name: str, typed: pl.DataFrame, rows: list[tuple[int, str, str, str]], origin: dict[int, int]
) -> pl.DataFrame:
    keys = pl.DataFrame(
        {
            "_key": [r[0] for r in rows],
            "_src": [origin.get(r[0], r[0]) for r in rows],
            "anomaly_type": [r[1] for r in rows],
            "category": [r[2] for r in rows],
            "detail": [r[3] for r in rows],
        },
        schema_overrides={"_key": pl.Int64, "_src": pl.Int64},
    )
    subj = _subject(name)
    period = next((p for p in PERIOD_FIELDS if p in typed.columns), None)
    no_period = pl.lit("" if name in REGISTRY_NAMES else "2023")
    info = typed.select(
        pl.col("_key").alias("_src"),
        pl.col(subj).cast(pl.String).alias("subject"),
        (pl.col(period).cast(pl.String) if period else no_period).alias("period"),
    )
    dup = keys.join(info, on="_src", how="left", maintain_order="left")
    return dup.select(
        pl.lit(name).alias("dataset"),
        "_key",
        "subject",
        "period",
        "anomaly_type",
        "category",
        "detail",
    )


def sizing_for(scale: str, n: int) -> Sizing:
    sample = scale == "sample"
    return Sizing(
        n=n, sample=sample, planted=3 if sample else 22, planted_small=2 if sample else 20
    )
