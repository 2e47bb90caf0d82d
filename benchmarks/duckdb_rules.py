"""The 12 benchmark rules written by hand as DuckDB SQL over the staged Parquet.

python benchmarks/duckdb_rules.py STAGED_DIR [--out subjects.parquet]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import polars as pl
from rule_set import ACCOUNT_ROSTERS, RURAL_STANDARD, write_subjects

MONTHLY = (
    "dibao_rural",
    "dibao_urban",
    "tekun",
    "elderly_allowance",
    "disability_care",
    "disability_living",
)

VIEWS = """
CREATE VIEW population_first AS
  SELECT id_number, arg_min(household_id, _source_row) AS household_id
  FROM population GROUP BY id_number;
CREATE VIEW dibao AS SELECT * FROM dibao_rural_p UNION ALL SELECT * FROM dibao_urban_p;
"""

QUERIES = {
    "elderly_allowance.paid_after_death": """
SELECT DISTINCT e.id_number AS subject, e.period FROM elderly_allowance_p e
JOIN deaths d ON d.id_number = e.id_number WHERE d.death_date < e.period_start""",
    "dibao_rural.member_owns_car": """
WITH members AS (SELECT DISTINCT household_id, period, id_number AS member FROM dibao_rural_p)
SELECT DISTINCT r.id_number AS subject, r.period FROM dibao_rural_p r
JOIN members m ON m.household_id = r.household_id AND m.period = r.period
JOIN vehicles v ON v.owner_id_number = m.member
WHERE v.vehicle_type <> '二轮摩托车'
  AND COALESCE(v.acquired_date, v.register_date) <= r.period_end
  AND (v.status = '正常' OR v.status_date > r.period_start)""",
    "dibao_rural.member_public_payroll": """
WITH members AS (SELECT DISTINCT household_id, period, id_number AS member FROM dibao_rural_p)
SELECT DISTINCT r.id_number AS subject, r.period FROM dibao_rural_p r
JOIN members m ON m.household_id = r.household_id AND m.period = r.period
JOIN public_employees p ON p.id_number = m.member
WHERE p.start_date <= r.period_end AND (p.end_date IS NULL OR p.end_date >= r.period_start)""",
    "dibao_rural.also_tekun": """
SELECT DISTINCT r.id_number AS subject, r.period FROM dibao_rural_p r
JOIN tekun_p t ON t.id_number = r.id_number
WHERE t.period_start <= r.period_end AND t.period_end >= r.period_start""",
    "dibao_rural.also_urban_dibao": """
SELECT DISTINCT r.id_number AS subject, r.period FROM dibao_rural_p r
JOIN dibao_urban_p u ON u.id_number = r.id_number
WHERE u.period_start <= r.period_end AND u.period_end >= r.period_start""",
    "elderly_allowance.under_80": """
SELECT DISTINCT id_number AS subject, period FROM elderly_allowance_p
WHERE year(period_start) * 12 + month(period_start)
    < (year(born) + 80) * 12 + month(born)""",
    "dibao_rural.amount_above_standard": """
SELECT DISTINCT r.id_number AS subject, r.period FROM dibao_rural_p r
JOIN rural_standard s ON r.period_start BETWEEN s.first_day AND s.last_day
WHERE r.amount > s.standard""",
    "student_aid_compulsory.not_enrolled": """
SELECT DISTINCT a.id_number AS subject, a.term AS period FROM student_aid_compulsory a
WHERE NOT EXISTS (
  SELECT 1 FROM students s WHERE s.id_number = a.id_number AND s.term = a.term
    AND s.status = '在读' AND s.stage IN ('小学', '初中'))""",
    "disability_care.level_not_severe": """
SELECT DISTINCT c.id_number AS subject, c.period FROM disability_care_p c
JOIN disability_cards k ON k.id_number = c.id_number
WHERE k.status = '有效' AND k.disability_level > 2""",
    "disability_living.not_on_dibao": """
SELECT DISTINCT l.id_number AS subject, l.period FROM disability_living_p l
WHERE NOT EXISTS (
  SELECT 1 FROM dibao d WHERE d.id_number = l.id_number AND d.pay_month = l.pay_month)""",
    "student_aid_compulsory.paid_twice_in_term": """
SELECT id_number AS subject, term AS period FROM student_aid_compulsory
GROUP BY id_number, term HAVING count(*) > 1""",
    "dibao_rural.shared_bank_account": """
WITH pooled AS ({pooled}),
shared AS (SELECT bank_account FROM pooled WHERE bank_account IS NOT NULL
  GROUP BY bank_account HAVING count(DISTINCT who) >= 3)
SELECT DISTINCT r.id_number AS subject, r.period FROM dibao_rural_p r
JOIN shared USING (bank_account)""",
}


def _pooled() -> str:
    parts = [
        f"SELECT t.bank_account, COALESCE(p.household_id, t.id_number) AS who FROM {name} t "
        f"LEFT JOIN population_first p ON p.id_number = t.id_number"
        for name in ACCOUNT_ROSTERS
    ]
    return "\nUNION ALL\n".join(parts)


def connect(staged: Path) -> duckdb.DuckDBPyConnection:
    """A connection with a view of every staged file and the monthly rosters' periods."""
    con = duckdb.connect()
    for path in sorted(staged.glob("*.parquet")):
        con.execute(f"CREATE VIEW {path.stem} AS SELECT * FROM read_parquet('{path}')")
    for name in MONTHLY:
        con.execute(
            f"CREATE VIEW {name}_p AS SELECT *, pay_month AS period, "
            f"CAST(strptime(pay_month || '-01', '%Y-%m-%d') AS DATE) AS period_start, "
            f"CAST(last_day(strptime(pay_month || '-01', '%Y-%m-%d')) AS DATE) AS period_end, "
            f"TRY_CAST(try_strptime(substr(id_number, 7, 8), '%Y%m%d') AS DATE) AS born "
            f"FROM {name}"
        )
    con.execute(VIEWS)
    con.execute("CREATE TABLE rural_standard (first_day DATE, last_day DATE, standard DOUBLE)")
    con.executemany("INSERT INTO rural_standard VALUES (?, ?, ?)", list(RURAL_STANDARD))
    return con


def run(staged: Path) -> pl.DataFrame:
    con = connect(staged)
    frames = []
    for rule_id, sql in QUERIES.items():
        text = sql.format(pooled=_pooled()) if "{pooled}" in sql else sql
        found = pl.DataFrame(
            con.execute(text).fetchall(), schema=["subject", "period"], orient="row"
        )
        frames.append(found.with_columns(pl.lit(rule_id).alias("rule_id")))
    return pl.concat(frames, how="diagonal_relaxed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("staged", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    write_subjects(run(args.staged), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
