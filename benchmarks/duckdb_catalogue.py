"""The whole rule catalogue (rules/*.yaml, 133 rules) written by hand as DuckDB SQL.

    python benchmarks/duckdb_catalogue.py STAGED_DIR [--out subjects.parquet]

An independent translation: each rule's conditions were read from its YAML file and the
semantics of its kind (periods, parameters in force, household members, first payments ...)
from huimin's executors, and written again here as SQL; nothing of huimin is imported. The
values of the parameters are read from the parameter tree (rules/parameters/), as a
hand-written pipeline would copy them from the notices; values of status ``example`` are
used, as ``run_huimin_rules.py --all`` uses them. The result is the set of flagged
(rule id, subject, period) payments, the form ``run_huimin_rules.py --all`` writes.

The rules run as one query per family (rules looking into the same dataset, or of the same
kind), each a UNION ALL of the family's rules.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
from duckdb_prepared import ACCOUNT_ROSTERS, REGISTRY_KEY, ROSTERS, contract, load_staged, prepare
from rule_set import SUBJECTS_SCHEMA, subjects_frame, write_subjects


# ------------------------------------------------------------------ the rules
@dataclass(frozen=True)
class Rule:
    """One rule as SQL returning the (subject, period) of the payments it flags."""

    id: str
    family: str  # the rules of a family run as one query
    needs: frozenset[str]  # the datasets it reads
    sql: str


def _policy(rule: str) -> str:
    return rule.split(".", 1)[0]


def _needs(*names: str) -> frozenset[str]:
    expanded = {"dibao": ("dibao_rural", "dibao_urban"), "land_holdings": ("land_contracts",)}
    return frozenset(part for name in names for part in expanded.get(name, (name,)))


def _table(name: str) -> str:
    """The dataset a rule looks into, named so that conditions say ``<dataset>.<column>``."""
    return f"{name}_p AS {name}" if name in ROSTERS or name == "dibao" else name


def _where(*conditions: str, gate: Iterable[str] = ()) -> str:
    """The conditions, and that every parameter the rule uses has a value in force."""
    text = " AND ".join(f"({c})" for c in conditions)
    used = sorted(set(re.findall(r"r\.p_(\w+)", text)) | set(gate))
    return " AND ".join([text, *[f"r.c_{name}" for name in used]])


def eligible(rule: str, condition: str, gate: tuple[str, ...] = ()) -> Rule:
    policy = _policy(rule)
    sql = f"SELECT r.subject, r.period FROM {policy}_p r WHERE {_where(condition, gate=gate)}"
    return Rule(rule, "eligibility", _needs(policy), sql)


def lookup(
    rule: str,
    other: str,
    condition: str = "TRUE",
    *,
    key: str = "r.subject",
    on: str | None = None,
    household: bool = False,
    at_least: int = 1,
    gate: tuple[str, ...] = (),
) -> Rule:
    """Payments with a row of ``other`` (for ``household``: of any member listed with the
    recipient's household that month) where the condition holds; ``at_least`` such rows."""
    policy = _policy(rule)
    members = ""
    if household:
        members = (
            f"JOIN (SELECT DISTINCT household_id, period, id_number, name, relation FROM "
            f"{policy}_p) m ON m.household_id = r.household_id AND m.period = r.period "
        )
        key = "m.id_number"
    column = on or REGISTRY_KEY.get(other, "id_number")
    sql = (
        f"SELECT r.subject, r.period FROM {policy}_p r {members}JOIN {_table(other)} "
        f"ON {other}.{column} = CAST({key} AS VARCHAR) WHERE {_where(condition, gate=gate)}"
    )
    if at_least > 1:
        sql += f" GROUP BY r._source_row, r.subject, r.period HAVING count(*) >= {at_least}"
    return Rule(rule, other, _needs(policy, other), sql)


def absent(
    rule: str,
    others: dict[str, str],
    *,
    key: str = "r.subject",
    on: str | None = None,
    applies: str = "TRUE",
    household: bool = False,
) -> Rule:
    """Payments (where ``applies``) with no row of any of ``others`` meeting its condition;
    for ``household`` none of any member of the recipient's household in the population
    registry (the recipient always counts)."""
    policy = _policy(rule)
    checks = []
    for other, condition in others.items():
        column = on or REGISTRY_KEY.get(other, "id_number")
        checks.append(
            f"NOT EXISTS (SELECT 1 FROM {_table(other)} WHERE {other}.{column} = "
            f"CAST({key} AS VARCHAR) AND ({condition}))"
        )
        if household:
            checks.append(
                f"NOT EXISTS (SELECT 1 FROM population p1 JOIN population p2 ON "
                f"p2.household_id = p1.household_id JOIN {_table(other)} ON "
                f"{other}.id_number = p2.id_number WHERE p1.id_number = r.subject AND "
                f"({condition}))"
            )
    needs = _needs(policy, *others, *(["population"] if household else []))
    sql = f"SELECT r.subject, r.period FROM {policy}_p r WHERE {_where(applies, *checks)}"
    return Rule(rule, "absent", needs, sql)


def _overlap(other: str) -> str:
    return f"{other}.period_start <= r.period_end AND {other}.period_end >= r.period_start"


def exclusive(rule: str, other: str) -> Rule:
    """Payments of a person also paid by ``other`` for an overlapping period."""
    return lookup(rule, other, _overlap(other))


def duplicate(rule: str, keys: tuple[str, ...], order: tuple[str, ...] = ()) -> Rule:
    """Every payment after the first of the same key; the first by ``order``, then by every
    contract field (the content, never the row number)."""
    policy = _policy(rule)
    terms = [*order, *contract()[policy]]
    ordered = ", ".join(f"r.{name} ASC NULLS LAST" for name in terms)
    sql = (
        "SELECT subject, period FROM (SELECT r.subject, r.period, row_number() OVER "
        f"(PARTITION BY {', '.join(keys)} ORDER BY {ordered}) AS n FROM {policy}_p r) WHERE n > 1"
    )
    return Rule(rule, "duplicate", _needs(policy), sql)


def shared_account(rule: str, at_least: int) -> Rule:
    """Payments into an account that pays ``at_least`` households over the pooled rosters."""
    sql = (
        f"SELECT r.subject, r.period FROM {_policy(rule)}_p r JOIN accounts a ON "
        f"a.bank_account = r.bank_account WHERE a.households >= {at_least}"
    )
    return Rule(rule, "accounts", _needs(*ACCOUNT_ROSTERS), sql)


DEAD = "deaths.death_date < r.period_start"
NAME_DIFFERS = "population.name <> r.name"
MOVED_OUT = "population.status = '迁出' AND population.status_date < r.period_start"
MOVED_OUT_OR_UNDATED = (
    "population.status = '迁出' AND (population.status_date IS NULL OR "
    "population.status_date < r.period_start)"
)
PAYROLL = (
    "public_employees.start_date <= r.period_end AND (public_employees.end_date IS NULL "
    "OR public_employees.end_date >= r.period_start)"
)
VALID_CARD = "disability_cards.status = '有效' AND disability_cards.issue_date <= r.period_end"
SEVERE_CARD = f"{VALID_CARD} AND disability_cards.disability_level <= 2"
HELD_SINCE = "COALESCE(vehicles.acquired_date, vehicles.register_date)"
#: the 特困 term a month falls in: January in the autumn term of the year before
TERM_OF_MONTH = (
    "CASE WHEN month(r.period_start) = 1 THEN CAST(year(r.period_start) - 1 AS VARCHAR) || '秋' "
    "WHEN month(r.period_start) <= 8 THEN CAST(year(r.period_start) AS VARCHAR) || '春' "
    "ELSE CAST(year(r.period_start) AS VARCHAR) || '秋' END"
)


def _round2(sql: str) -> str:
    """ROUND(x, 2) as the rules mean it: x * 100 rounded half to even."""
    return f"round_even(({sql}) * 100, 0) / 100"


def _alike() -> list[Rule]:
    """The checks several rosters carry alike."""
    monthly = ("disability_care", "disability_living", "elderly_allowance", "tekun")
    yearly = ("grain_subsidy", "premium_subsidy", "resettlement_subsidy")
    registered = ("dibao_rural", "dibao_urban", *monthly, *yearly)
    standard = ("dibao_rural", "dibao_urban", "disability_care", "disability_living")
    return [
        *[absent(f"{p}.not_in_population", {"population": "TRUE"}) for p in registered],
        *[
            lookup(f"{p}.name_mismatch", "population", NAME_DIFFERS)
            for p in ("car_tradein", *registered)
        ],
        *[
            lookup(f"{p}.moved_out", "population", MOVED_OUT)
            for p in ("dibao_rural", "dibao_urban")
        ],
        *[
            lookup(f"{p}.moved_out", "population", MOVED_OUT_OR_UNDATED)
            for p in (*monthly, "resettlement_subsidy")
        ],
        *[lookup(f"{p}.paid_after_death", "deaths", DEAD) for p in monthly],
        *[lookup(f"{p}.dead_before_year", "deaths", DEAD) for p in yearly],
        *[
            lookup(f"{p}.public_payroll", "public_employees", PAYROLL)
            for p in ("grain_subsidy", "resettlement_subsidy")
        ],
        *[
            eligible(f"{p}.amount_above_standard", "r.amount > r.p_standard")
            for p in (*standard, "tekun")
        ],
        *[exclusive(f"{p}.also_tekun", "tekun") for p in standard],
        *[
            shared_account(f"{p}.shared_bank_account", 3 if p.startswith("dibao") else 2)
            for p in ACCOUNT_ROSTERS
        ],
    ]


#: what a 低保 household's members must not have that month: (rule, registry, condition)
HOUSEHOLD_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("member_dead_paid", "deaths", DEAD),
    (
        "member_owns_car",
        "vehicles",
        f"vehicles.vehicle_type <> '二轮摩托车' AND {HELD_SINCE} <= r.period_end AND "
        "(vehicles.status = '正常' OR vehicles.status_date > r.period_start)",
    ),
    (
        "member_business",
        "enterprises",
        "enterprises.role IN ('法定代表人', '股东') AND enterprises.established_date <= "
        "r.period_end AND (enterprises.entity_status IN ('存续', '在业') OR "
        "(enterprises.entity_status IN ('注销', '吊销') AND enterprises.status_date > "
        "r.period_start))",
    ),
    ("member_public_payroll", "public_employees", PAYROLL),
    (  # two homes or more, over the whole household
        "member_several_homes",
        "properties",
        "properties.usage = '住宅' AND properties.register_date <= r.period_end",
    ),
    (
        "member_commercial_property",
        "properties",
        "properties.usage IN ('商业', '办公', '工业') AND properties.register_date <= r.period_end",
    ),
    (  # its evidence shows the standard, so it judges only months with one in force
        "member_employee_pension",
        "pension_insured",
        "pension_insured.status = '领取待遇' AND pension_insured.start_month <= r.period AND "
        "(pension_insured.end_month IS NULL OR pension_insured.end_month >= r.period)",
    ),
    (
        "member_in_prison",
        "inmates",
        "inmates.start_date <= r.period_start AND (inmates.end_date IS NULL OR "
        "inmates.end_date >= r.period_end)",
    ),
)


def _dibao(policy: str, other: str, wrong_hukou: tuple[str, str]) -> list[Rule]:
    """A 低保 roster's own rules: its household's members, the other 低保, the 户口."""
    rules = [
        lookup(
            f"{policy}.{name}",
            registry,
            condition,
            household=True,
            at_least=2 if name == "member_several_homes" else 1,
            gate=("standard",) if name == "member_employee_pension" else (),
        )
        for name, registry, condition in HOUSEHOLD_CHECKS
    ]
    rule, hukou = wrong_hukou
    return [
        *rules,
        exclusive(f"{policy}.also_{other.removeprefix('dibao_')}_dibao", other),
        lookup(f"{policy}.{rule}", "population", f"population.hukou_type = '{hukou}'"),
    ]


def _disability(policy: str) -> list[Rule]:
    level_differs = (
        "disability_cards.status = '有效' AND disability_cards.disability_level <> "
        "r.disability_level"
    )
    return [
        absent(f"{policy}.no_valid_card", {"disability_cards": VALID_CARD}),
        lookup(f"{policy}.level_differs_from_card", "disability_cards", level_differs),
    ]


def _student_aid(policy: str, stages: str) -> list[Rule]:
    """The rules both student-aid rosters have (``stages``: the enrolment that counts)."""
    p, enrolled = f"{policy}.", "students.term = r.period AND students.status = '在读'"
    hardship = "r.difficulty_category = "
    return [
        absent(p + "not_enrolled", {"students": f"{enrolled} AND students.stage {stages}"}),
        duplicate(p + "paid_twice_in_term", ("r.subject", "r.period"), ("pay_date",)),
        lookup(
            p + "paid_by_other_school",
            "students",
            f"{enrolled} AND students.school_name <> r.school_name",
        ),
        lookup(
            p + "name_mismatch", "students", "students.term = r.period AND students.name <> r.name"
        ),
        absent(
            p + "hardship_dibao_not_found",
            {"dibao": _overlap("dibao")},
            applies=hardship + "'低保家庭'",
            household=True,
        ),
        absent(
            p + "hardship_tekun_not_found",
            {"tekun": _overlap("tekun")},
            applies=hardship + "'特困供养'",
        ),
        absent(
            p + "hardship_disability_not_found",
            {"disability_cards": VALID_CARD},
            applies=hardship + "'残疾学生'",
        ),
    ]


def _car_tradein() -> list[Rule]:
    old, new = "r.old_vin", "r.new_vin"  # both looked up by the vehicle's VIN
    owner = "vehicles.owner_id_number = r.subject AND "
    still_held = (
        f"{HELD_SINCE} < r.old_disposal_date AND (vehicles.status_date IS NULL OR "
        "vehicles.status_date >= r.old_disposal_date)"
    )
    too_short = f"r.invoice_date - {HELD_SINCE} < r.p_min_ownership_days"
    to_other = (
        "vehicles.owner_id_number <> r.subject AND (vehicles.acquired_date IS NULL OR "
        "vehicles.acquired_date <= vehicles.register_date)"
    )
    not_disposed = owner + "vehicles.status = '正常'"
    by_invoice = ("invoice_date", "pay_date")
    p = "car_tradein."
    return [
        absent(p + "old_car_not_owned", {"vehicles": owner + still_held}, key=old, on="vin"),
        lookup(p + "old_car_owned_too_short", "vehicles", owner + too_short, key=old, on="vin"),
        lookup(p + "old_car_not_disposed", "vehicles", not_disposed, key=old, on="vin"),
        absent(p + "new_car_not_registered", {"vehicles": "TRUE"}, key=new, on="vin"),
        lookup(p + "new_car_registered_to_other", "vehicles", to_other, key=new, on="vin"),
        duplicate("car_tradein.person_twice", ("r.subject",), by_invoice),
        duplicate("car_tradein.new_car_twice", ("r.new_vin",), by_invoice),
        eligible(
            "car_tradein.outside_window",
            "r.invoice_date < r.p_window_start OR r.invoice_date > r.p_window_end",
        ),
        eligible("car_tradein.amount_above_standard", "r.amount > r.p_subsidy_per_car"),
    ]


def _farmland() -> list[Rule]:
    payroll = Rule(
        "farmland_subsidy.contractor_public_payroll",
        "public_employees",
        _needs("farmland_subsidy", "enterprises", "public_employees"),
        "SELECT r.subject, r.period FROM farmland_subsidy_p r JOIN enterprises ON "
        "enterprises.credit_code = CAST(r.contractor_credit_code AS VARCHAR) JOIN "
        "public_employees ON public_employees.id_number = enterprises.id_number WHERE "
        "enterprises.role IN ('法定代表人', '股东') AND enterprises.established_date <= "
        "r.period_end AND (enterprises.entity_status IN ('存续', '在业') OR "
        f"enterprises.status_date IS NULL OR enterprises.status_date >= r.period_start) AND "
        f"{PAYROLL}",
    )
    return [
        eligible(
            "farmland_subsidy.paid_before_acceptance",
            "(r.acceptance_date IS NULL OR r.acceptance_date > r.pay_date) AND "
            "r.amount > r.p_pre_acceptance_share * r.period_total",
        ),
        eligible(
            "farmland_subsidy.amount_per_mu_above_standard",
            f"r.amount > {_round2('r.area_mu * r.p_standard_per_mu')}",
        ),
        payroll,
        duplicate("farmland_subsidy.project_paid_twice", ("r.subject",), ("pay_date",)),
        duplicate(
            "farmland_subsidy.same_area_paid_twice",
            ("r.street", "r.recipient_name", "r.area_mu"),
            ("pay_date",),
        ),
    ]


def _own_rules() -> list[Rule]:
    """The rules only one roster has (besides 低保, cars and 高标准农田)."""
    able = (
        f"{VALID_CARD} AND (disability_cards.disability_level <= 2 OR (disability_cards."
        "disability_level = 3 AND disability_cards.disability_type IN ('智力', '精神')))"
    )
    return [
        lookup(
            "disability_care.level_not_severe",
            "disability_cards",
            "disability_cards.status = '有效' AND disability_cards.disability_level > 2",
        ),
        absent("disability_living.not_on_dibao", {"dibao": "dibao.pay_month = r.pay_month"}),
        eligible(
            "elderly_allowance.under_80",
            "year(r.period_start) * 12 + month(r.period_start) < "
            "(year(r.born) + 80) * 12 + month(r.born)",
        ),
        eligible("elderly_allowance.amount_not_tier", "r.age >= 80 AND r.amount <> r.p_allowance"),
        lookup(
            "grain_subsidy.area_exceeds_contract",
            "land_holdings",
            "r.planted_area_mu - (land_holdings.contracted_area_mu - "
            "land_holdings.transferred_out_area_mu) > 0.005",
        ),
        absent("grain_subsidy.no_land_contract", {"land_contracts": "TRUE"}),
        duplicate("grain_subsidy.paid_twice_in_year", ("r.subject", "r.period"), ("pay_date",)),
        eligible(
            "grain_subsidy.amount_not_area_rate",
            f"ABS(r.amount - {_round2('r.planted_area_mu * r.p_rate_per_mu')}) >= 0.01",
        ),
        eligible("grain_subsidy.rate_not_standard", "r.rate_per_mu <> r.p_rate_per_mu"),
        absent(
            "premium_subsidy.no_qualifying_roll",
            {
                "dibao": _overlap("dibao"),
                "tekun": _overlap("tekun"),
                "disability_cards": SEVERE_CARD,
            },
            applies="r.category <> '返贫致贫人口'",
        ),
        eligible("premium_subsidy.poverty_category_unconfirmed", "r.category = '返贫致贫人口'"),
        absent(
            "premium_subsidy.dibao_not_found",
            {"dibao": _overlap("dibao")},
            applies="r.category = '低保对象'",
        ),
        absent(
            "premium_subsidy.tekun_not_found",
            {"tekun": _overlap("tekun")},
            applies="r.category = '特困人员'",
        ),
        absent(
            "premium_subsidy.severe_disability_not_found",
            {"disability_cards": SEVERE_CARD},
            applies="r.category = '重度残疾人'",
        ),
        lookup(
            "premium_subsidy.employee_pension",
            "pension_insured",
            "pension_insured.status IN ('参保缴费', '领取待遇') AND pension_insured.start_month "
            "<= strftime(r.period_end, '%Y-%m') AND (pension_insured.end_month IS NULL OR "
            "pension_insured.end_month >= strftime(r.period_start, '%Y-%m'))",
        ),
        duplicate("premium_subsidy.paid_twice", ("r.subject", "r.period")),
        eligible("premium_subsidy.amount_above_minimum", "r.amount > r.p_minimum"),
        eligible("premium_subsidy.age_not_contributing", "r.age < 16 OR r.age >= 60"),
        absent(
            "resettlement_subsidy.not_registered",
            {"resettlement_registry": "resettlement_registry.approved_date <= r.period_end"},
        ),
        lookup(
            "resettlement_subsidy.died_before_payment",
            "deaths",
            "deaths.death_date >= r.period_start AND deaths.death_date < r.pay_date",
        ),
        eligible("resettlement_subsidy.above_600", "r.period_total > r.p_per_year"),
        duplicate("resettlement_subsidy.paid_twice", ("r.subject", "r.period"), ("pay_date",)),
        eligible("student_aid_compulsory.amount_not_standard", "r.amount <> r.p_standard"),
        lookup(
            "student_aid_compulsory.stage_boarding_differs",
            "students",
            "students.term = r.period AND students.status = '在读' AND "
            "(students.stage <> r.stage OR students.boarding <> r.boarding)",
        ),
        eligible("student_aid_highschool.amount_above_top_tier", "r.amount > r.p_top_tier"),
        absent(
            "tekun.working_age_able",
            {
                "disability_cards": able,
                "students": f"students.status = '在读' AND students.term = {TERM_OF_MONTH}",
            },
            applies="r.age >= 16 AND r.age <= 59",
        ),
        exclusive("tekun.also_rural_dibao", "dibao_rural"),
        exclusive("tekun.also_urban_dibao", "dibao_urban"),
    ]


RULES: tuple[Rule, ...] = (
    *_alike(),
    *_dibao("dibao_rural", "dibao_urban", ("urban_hukou", "城镇")),
    *_dibao("dibao_urban", "dibao_rural", ("rural_hukou", "农村")),
    *_disability("disability_care"),
    *_disability("disability_living"),
    *_student_aid("student_aid_compulsory", "IN ('小学', '初中')"),
    *_student_aid("student_aid_highschool", "= '普通高中'"),
    *_car_tradein(),
    *_farmland(),
    *_own_rules(),
)


# ------------------------------------------------------------------ running them
def families(present: set[str]) -> dict[str, list[Rule]]:
    """The rules whose datasets are all there, by family."""
    out: dict[str, list[Rule]] = {}
    for rule in RULES:
        if rule.needs <= present:
            out.setdefault(rule.family, []).append(rule)
    return out


def family_sql(rules: list[Rule]) -> str:
    parts = [f"SELECT '{rule.id}' AS rule_id, subject, period FROM ({rule.sql})" for rule in rules]
    return (
        f"SELECT DISTINCT rule_id, subject, period FROM ({' UNION ALL '.join(parts)}) "
        "WHERE subject IS NOT NULL"
    )


def flag(con: duckdb.DuckDBPyConnection, present: set[str]) -> pl.DataFrame:
    """Every rule over the datasets of ``con`` (tables named as the contract's datasets)."""
    prepare(con, present)
    frames = [
        pl.DataFrame(
            con.execute(family_sql(rules)).fetchall(), schema=SUBJECTS_SCHEMA, orient="row"
        )
        for rules in families(present).values()
    ]
    return subjects_frame(pl.concat([pl.DataFrame(schema=SUBJECTS_SCHEMA), *frames]))


def run(staged: Path) -> pl.DataFrame:
    con = duckdb.connect()
    return flag(con, load_staged(con, staged))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("staged", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    write_subjects(run(args.staged), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
