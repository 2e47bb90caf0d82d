"""The staged data as the catalogue's SQL sees it (benchmarks/duckdb_catalogue.py).

Each roster becomes ``<roster>_p``: its rows with the subject (the ID number; the project for
高标准农田), the period paid (month, year or term) and its first and last day, the age from
the ID number, the period's total, the 户号 of the subject in the population registry and,
for every parameter its rule file names, the value in force at the period's first day
(``p_<name>``) and whether any value is (``c_<name>``: a row with none is not judged). The
values are read from the parameter tree, rules/parameters/, as a hand-written pipeline would
copy them from the notices; nothing of huimin is imported.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "data" / "reference" / "data-contract.yaml"
PARAMETER_TREE = ROOT / "rules" / "parameters"

#: roster → how its period is dated: month (pay_month), year (year), term (term), or the
#: column whose year is the period (car trade-ins by invoice, 高标准农田 by payment)
ROSTERS: dict[str, str] = {
    "grain_subsidy": "year",
    "car_tradein": "invoice_date",
    "dibao_rural": "month",
    "dibao_urban": "month",
    "tekun": "month",
    "disability_living": "month",
    "disability_care": "month",
    "elderly_allowance": "month",
    "premium_subsidy": "year",
    "student_aid_compulsory": "term",
    "student_aid_highschool": "term",
    "resettlement_subsidy": "year",
    "farmland_subsidy": "pay_date",
}
#: the subject of a roster row when it is not the ID number
SUBJECT: dict[str, str] = {"farmland_subsidy": "project_id"}
#: the column a registry is looked up by when it is not id_number
REGISTRY_KEY: dict[str, str] = {"vehicles": "owner_id_number", "properties": "owner_id_number"}
#: the rosters whose bank accounts are pooled by every shared-account rule
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
DISABILITY_ZONE = "CAST(disability_level AS VARCHAR)"
#: roster → local name → (parameter file under rules/parameters, zone as SQL over the row)
PARAMETERS: dict[str, dict[str, tuple[str, str | None]]] = {
    "car_tradein": {
        "subsidy_per_car": ("car_tradein/subsidy_per_car", None),
        "window_start": ("car_tradein/window_start", None),
        "window_end": ("car_tradein/window_end", None),
        "min_ownership_days": ("car_tradein/min_ownership_days", None),
    },
    "dibao_rural": {"standard": ("dibao/rural_standard", None)},
    "dibao_urban": {"standard": ("dibao/urban_standard", None)},
    "disability_care": {"standard": ("disability/care_standard", DISABILITY_ZONE)},
    "disability_living": {"standard": ("disability/living_standard", DISABILITY_ZONE)},
    "elderly_allowance": {
        "allowance": (
            "elderly/allowance_by_age",
            "CASE WHEN age >= 100 THEN '100岁及以上' WHEN age >= 90 THEN '90至99岁' "
            "WHEN age >= 80 THEN '80至89岁' END",
        )
    },
    "farmland_subsidy": {
        "standard_per_mu": ("farmland/standard_per_mu", None),
        "pre_acceptance_share": ("farmland/pre_acceptance_share", None),
    },
    "grain_subsidy": {"rate_per_mu": ("grain/rate_per_mu", None)},
    "premium_subsidy": {"minimum": ("pension/minimum_premium", None)},
    "resettlement_subsidy": {"per_year": ("resettlement/per_year", None)},
    "student_aid_compulsory": {
        "standard": (
            "student_aid/compulsory_standard",
            "stage || CASE WHEN boarding THEN '寄宿' ELSE '走读' END",
        )
    },
    "student_aid_highschool": {"top_tier": ("student_aid/highschool_top_tier", None)},
    "tekun": {"standard": ("tekun/standard", "area_type")},
}


@cache
def contract() -> dict[str, dict[str, dict[str, Any]]]:
    """Dataset → field → its entry in the data contract (type, zh, values, optional)."""
    loaded = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    return {
        name: dict(entry["fields"])
        for family in ("registries", "rosters")
        for name, entry in loaded[family].items()
    }


# ------------------------------------------------------------------ parameters in force
Range = tuple[str | None, dt.date, dt.date | None, Any]


@cache
def parameter_ranges(path: str) -> list[Range]:
    """(zone, first day, last day or None, value) of each value of a parameter file: a value
    runs from its start until its end or the day before the next value of its zone."""
    loaded = yaml.safe_load((PARAMETER_TREE / f"{path}.yaml").read_text(encoding="utf-8"))
    zones: dict[str | None, list[dict[str, Any]]] = {}
    for value in loaded["values"]:
        zone = None if value.get("zone") is None else str(value["zone"])
        zones.setdefault(zone, []).append(value)
    out: list[Range] = []
    for zone, values in zones.items():
        ordered = sorted(values, key=lambda v: v["start"])
        for value, following in zip(ordered, [*ordered[1:], None], strict=True):
            last = value.get("end")
            if following is not None:
                before = following["start"] - dt.timedelta(days=1)
                last = min(last, before) if last else before
            out.append((zone, value["start"], last, value["value"]))
    return out


def _in_range(first: dt.date, last: dt.date | None) -> str:
    after = f"period_start >= DATE '{first}'"
    return after if last is None else f"{after} AND period_start <= DATE '{last}'"


def _literal(value: Any) -> str:
    return f"DATE '{value}'" if isinstance(value, dt.date) else f"CAST({value!r} AS DOUBLE)"


def parameter_columns(policy: str) -> list[str]:
    """``p_<name>``: the value in force at period_start (for the row's zone); ``c_<name>``:
    whether any value (of any zone) is in force then, else the row is not judged."""
    columns = []
    for name, (path, zone) in PARAMETERS.get(policy, {}).items():
        ranges = parameter_ranges(path)
        cases = [
            f"WHEN {_in_range(first, last)}"
            + (f" AND ({zone}) = '{value_zone}'" if zone else "")
            + f" THEN {_literal(value)}"
            for value_zone, first, last, value in ranges
        ]
        covered = " OR ".join(f"({_in_range(first, last)})" for _, first, last, _ in ranges)
        columns.append(f"CASE {' '.join(cases)} END AS p_{name}")
        columns.append(f"COALESCE({covered}, FALSE) AS c_{name}")
    return columns


# ------------------------------------------------------------------ prepared rosters
def _period(form: str) -> tuple[str, str, str]:
    """period, period_start and period_end of a roster row."""
    if form == "month":
        start = "CAST(try_strptime(pay_month || '-01', '%Y-%m-%d') AS DATE)"
        return "pay_month", start, f"CAST(last_day({start}) AS DATE)"
    if form == "term":
        year = r"TRY_CAST(regexp_extract(term, '^(\d{4})', 1) AS INTEGER)"
        autumn = "strpos(term, '秋') > 0"
        start = f"CASE WHEN {autumn} THEN make_date({year}, 9, 1) ELSE make_date({year}, 2, 1) END"
        end = f"CASE WHEN {autumn} THEN make_date({year} + 1, 1, 31) "
        end += f"ELSE make_date({year}, 7, 31) END"
        return "term", start, end
    year = "year" if form == "year" else f"year({form})"
    return f"CAST({year} AS VARCHAR)", f"make_date({year}, 1, 1)", f"make_date({year}, 12, 31)"


AGE = (
    "year(period_start) - year(born) - CASE WHEN month(period_start) > month(born) OR "
    "(month(period_start) = month(born) AND day(period_start) >= day(born)) THEN 0 ELSE 1 END"
)


def prepare(con: duckdb.DuckDBPyConnection, present: set[str]) -> None:
    """``<roster>_p``: each roster with subject, period, age, period_total, the 户号 in the
    population registry and its parameters; ``dibao_p``, ``land_holdings``, ``accounts``."""
    if "population" in present:
        con.execute(
            "CREATE OR REPLACE TABLE households AS SELECT id_number, first(household_id "
            "ORDER BY _source_row) AS registered_household FROM population GROUP BY id_number"
        )
    else:
        con.execute(
            "CREATE OR REPLACE TABLE households (id_number VARCHAR, registered_household VARCHAR)"
        )
    for roster, form in ROSTERS.items():
        if roster not in present:
            continue
        period, start, end = _period(form)
        fields = contract()[roster]
        born = (
            "CAST(try_strptime(substr(id_number, 7, 8), '%Y%m%d') AS DATE)"
            if "id_number" in fields
            else "CAST(NULL AS DATE)"
        )
        params = "".join(f", {column}" for column in parameter_columns(roster))
        con.execute(
            f"CREATE OR REPLACE TABLE {roster}_p AS WITH base AS (SELECT *, "
            f"{SUBJECT.get(roster, 'id_number')} AS subject, {period} AS period, "
            f"{start} AS period_start, {end} AS period_end, {born} AS born FROM {roster}), "
            f"aged AS (SELECT *, {AGE} AS age, sum(amount) OVER (PARTITION BY subject, period) "
            f"AS period_total FROM base) SELECT aged.*, households.registered_household{params} "
            "FROM aged LEFT JOIN households ON households.id_number = aged.subject"
        )
    dibao = [
        f"SELECT * FROM {name}_p" for name in ("dibao_rural", "dibao_urban") if name in present
    ]
    if dibao:
        con.execute(f"CREATE OR REPLACE VIEW dibao_p AS {' UNION ALL BY NAME '.join(dibao)}")
    if "land_contracts" in present:
        con.execute(
            "CREATE OR REPLACE VIEW land_holdings AS SELECT id_number, "
            "sum(COALESCE(contracted_area_mu, 0)) AS contracted_area_mu, "
            "sum(COALESCE(transferred_out_area_mu, 0)) AS transferred_out_area_mu, "
            "count(*) AS rows FROM land_contracts GROUP BY id_number"
        )
    pooled = [
        f"SELECT bank_account, COALESCE(registered_household, subject) AS who FROM {name}_p"
        for name in ACCOUNT_ROSTERS
        if name in present
    ]
    if pooled:
        # the number of distinct households an account pays (an unknown one counts once)
        con.execute(
            "CREATE OR REPLACE TABLE accounts AS SELECT bank_account, count(DISTINCT who) + "
            "max(CASE WHEN who IS NULL THEN 1 ELSE 0 END) AS households FROM ("
            f"{' UNION ALL '.join(pooled)}) WHERE bank_account IS NOT NULL GROUP BY bank_account"
        )


def load_staged(con: duckdb.DuckDBPyConnection, staged: Path) -> set[str]:
    """A table of every staged dataset of the contract; their names."""
    present = set()
    for path in sorted(staged.glob("*.parquet")):
        if path.stem in contract():
            con.execute(f"CREATE TABLE {path.stem} AS SELECT * FROM read_parquet(?)", [str(path)])
            present.add(path.stem)
    return present
