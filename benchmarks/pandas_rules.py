"""The 12 benchmark rules as a typical analyst would write them in pandas.

python benchmarks/pandas_rules.py STAGED_DIR [--out subjects.parquet]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import polars as pl
from rule_set import ACCOUNT_ROSTERS, RURAL_STANDARD, write_subjects

Tables = dict[str, pd.DataFrame]


def load(staged: Path) -> Tables:
    tables = {path.stem: pd.read_parquet(path) for path in sorted(staged.glob("*.parquet"))}
    for name, frame in tables.items():
        if "pay_month" in frame.columns:
            start = pd.to_datetime(frame["pay_month"] + "-01", format="%Y-%m-%d")
            frame["period"] = frame["pay_month"]
            frame["period_start"] = start
            frame["period_end"] = start + pd.offsets.MonthEnd(0)
        elif "term" in frame.columns:
            frame["period"] = frame["term"]
        for column in frame.columns:
            if frame[column].dtype == "object" and column.endswith("_date"):
                frame[column] = pd.to_datetime(frame[column])
        tables[name] = frame
    return tables


def hits(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["id_number", "period"]].drop_duplicates()


def paid_after_death(t: Tables) -> pd.DataFrame:
    m = t["elderly_allowance"].merge(t["deaths"], on="id_number", suffixes=("", "_d"))
    return hits(m[m["death_date"] < m["period_start"]])


def _members(t: Tables, registry: str, key: str) -> pd.DataFrame:
    r = t["dibao_rural"]
    members = r[["household_id", "period", "id_number"]].drop_duplicates()
    members = members.rename(columns={"id_number": "member"})
    m = r.merge(members, on=["household_id", "period"])
    return m.merge(t[registry], left_on="member", right_on=key, suffixes=("", "_r"))


def owns_car(t: Tables) -> pd.DataFrame:
    m = _members(t, "vehicles", "owner_id_number")
    since = m["acquired_date"].fillna(m["register_date"])
    active = (m["status"] == "正常") | (m["status_date"] > m["period_start"])
    return hits(m[(m["vehicle_type"] != "二轮摩托车") & (since <= m["period_end"]) & active])


def public_payroll(t: Tables) -> pd.DataFrame:
    m = _members(t, "public_employees", "id_number")
    ok = (m["start_date"] <= m["period_end"]) & (
        m["end_date"].isna() | (m["end_date"] >= m["period_start"])
    )
    return hits(m[ok])


def _overlap(t: Tables, other: str) -> pd.DataFrame:
    m = t["dibao_rural"].merge(t[other], on="id_number", suffixes=("", "_o"))
    return hits(
        m[(m["period_start_o"] <= m["period_end"]) & (m["period_end_o"] >= m["period_start"])]
    )


def under_80(t: Tables) -> pd.DataFrame:
    e = t["elderly_allowance"]
    born = pd.to_datetime(e["id_number"].str[6:14], format="%Y%m%d", errors="coerce")
    paid = e["period_start"].dt.year * 12 + e["period_start"].dt.month
    return hits(e[paid < (born.dt.year + 80) * 12 + born.dt.month])


def above_standard(t: Tables) -> pd.DataFrame:
    r = t["dibao_rural"]
    standard = pd.Series(float("nan"), index=r.index)
    for first, last, value in RURAL_STANDARD:
        inside = r["period_start"].between(pd.Timestamp(first), pd.Timestamp(last))
        standard[inside] = value
    return hits(r[r["amount"] > standard])


def not_enrolled(t: Tables) -> pd.DataFrame:
    s = t["students"]
    s = s[(s["status"] == "在读") & s["stage"].isin(["小学", "初中"])]
    enrolled = set(zip(s["id_number"], s["term"], strict=True))
    a = t["student_aid_compulsory"]
    keys = zip(a["id_number"], a["term"], strict=True)
    return hits(a[[key not in enrolled for key in keys]])


def level_not_severe(t: Tables) -> pd.DataFrame:
    cards = t["disability_cards"]
    cards = cards[(cards["status"] == "有效") & (cards["disability_level"] > 2)]
    return hits(t["disability_care"][t["disability_care"]["id_number"].isin(cards["id_number"])])


def not_on_dibao(t: Tables) -> pd.DataFrame:
    dibao = pd.concat([t["dibao_rural"], t["dibao_urban"]])
    on = set(zip(dibao["id_number"], dibao["pay_month"], strict=True))
    living = t["disability_living"]
    keys = zip(living["id_number"], living["pay_month"], strict=True)
    return hits(living[[key not in on for key in keys]])


def paid_twice(t: Tables) -> pd.DataFrame:
    a = t["student_aid_compulsory"]
    return hits(a[a.duplicated(["id_number", "term"], keep=False)])


def shared_account(t: Tables) -> pd.DataFrame:
    population = t["population"].drop_duplicates("id_number")
    household = population.set_index("id_number")["household_id"]
    pooled = []
    for name in ACCOUNT_ROSTERS:
        frame = t[name][["bank_account", "id_number"]].dropna(subset=["bank_account"])
        who = frame["id_number"].map(household).fillna(frame["id_number"])
        pooled.append(pd.DataFrame({"bank_account": frame["bank_account"], "who": who}))
    counts = pd.concat(pooled).groupby("bank_account")["who"].nunique()
    shared = counts[counts >= 3].index
    r = t["dibao_rural"]
    return hits(r[r["bank_account"].isin(shared)])


RULES: dict[str, Callable[[Tables], pd.DataFrame]] = {
    "elderly_allowance.paid_after_death": paid_after_death,
    "dibao_rural.member_owns_car": owns_car,
    "dibao_rural.member_public_payroll": public_payroll,
    "dibao_rural.also_tekun": lambda t: _overlap(t, "tekun"),
    "dibao_rural.also_urban_dibao": lambda t: _overlap(t, "dibao_urban"),
    "elderly_allowance.under_80": under_80,
    "dibao_rural.amount_above_standard": above_standard,
    "student_aid_compulsory.not_enrolled": not_enrolled,
    "disability_care.level_not_severe": level_not_severe,
    "disability_living.not_on_dibao": not_on_dibao,
    "student_aid_compulsory.paid_twice_in_term": paid_twice,
    "dibao_rural.shared_bank_account": shared_account,
}


def run(staged: Path) -> pl.DataFrame:
    tables = load(staged)
    frames = []
    for rule_id, rule in RULES.items():
        found = rule(tables).rename(columns={"id_number": "subject"})
        found["rule_id"] = rule_id
        frames.append(pl.from_pandas(found[["rule_id", "subject", "period"]]))
    return pl.concat(frames)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("staged", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    write_subjects(run(args.staged), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
