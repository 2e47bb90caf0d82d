"""The 12 representative rules the benchmark compares, and what the three implementations share.

Each implementation reads the staged Parquet of one run and returns the flagged payments as a
set of (rule id, subject, period) rows; the harness checks the three sets are equal before it
times anything.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

#: one rule for each situation the performance issue lists, in its order
RULES: tuple[str, ...] = (
    "elderly_allowance.paid_after_death",  # paid after death
    "dibao_rural.member_owns_car",  # household member owns a car
    "dibao_rural.member_public_payroll",  # public payroll
    "dibao_rural.also_tekun",  # 低保/特困 exclusivity
    "dibao_rural.also_urban_dibao",  # urban/rural duplicate
    "elderly_allowance.under_80",  # age below 80
    "dibao_rural.amount_above_standard",  # amount above the dated standard
    "student_aid_compulsory.not_enrolled",  # not enrolled
    "disability_care.level_not_severe",  # disability grade
    "disability_living.not_on_dibao",  # required 低保 household
    "student_aid_compulsory.paid_twice_in_term",  # duplicate payment
    "dibao_rural.shared_bank_account",  # shared bank account
)

#: 农村低保标准 (元/人·月) as an analyst would copy it from the notices: first day, last day
RURAL_STANDARD: tuple[tuple[dt.date, dt.date, float], ...] = (
    (dt.date(2022, 4, 1), dt.date(2023, 6, 30), 780.0),
    (dt.date(2023, 7, 1), dt.date(9999, 12, 31), 820.0),
)

#: the rosters pooled into the shared-bank-account groups
ACCOUNT_ROSTERS: tuple[str, ...] = (
    "dibao_rural",
    "dibao_urban",
    "tekun",
    "disability_living",
    "disability_care",
    "elderly_allowance",
    "grain_subsidy",
    "car_tradein",
    "resettlement_subsidy",
)

SUBJECTS_SCHEMA = {"rule_id": pl.String(), "subject": pl.String(), "period": pl.String()}


def subjects_frame(rows: pl.DataFrame) -> pl.DataFrame:
    """The flagged (rule, subject, period) set, in a fixed order."""
    return (
        rows.select([pl.col(name).cast(kind) for name, kind in SUBJECTS_SCHEMA.items()])
        .unique()
        .sort(list(SUBJECTS_SCHEMA))
    )


def write_subjects(rows: pl.DataFrame, path: Path | None) -> None:
    if path is not None:
        subjects_frame(rows).write_parquet(path)
