"""The rule-file loader: a good file loads with its values, defaults and locations; the JSON
Schema committed beside the rules is the one generated now and accepts the good files."""

from __future__ import annotations

import datetime as dt
import functools
import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from huimin.rules import jsonschema as rule_schema
from huimin.rules.commands import load_catalogue
from huimin.rules.loader import format_problems, load_rule_file, load_rules, rule_files
from huimin.rules.model import (
    Loc,
    RuleFile,
    RuleFileError,
    RuleNeeds,
    RuleProblem,
    datasets_read,
    rule_needs,
)
from huimin.rules.params import value_at
from huimin.rules.params_loader import district_file, load_tree, tree_files, unused_parameters
from huimin.rules.sql import FUNCTIONS, sql_references, sql_refusal
from huimin.rules.templates import placeholders
from huimin.rules.yamlsrc import parse, plain
from huimin.schemas import DATASETS

REPO = Path(__file__).parents[2]
GOOD = REPO / "tests" / "bad_rules" / "_good" / "dibao_rural.yaml"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_good_file_values() -> None:
    loaded = load_rule_file(GOOD)
    assert (loaded.policy, loaded.project, loaded.department) == (
        "dibao_rural",
        "农村低保",
        "区民政局",
    )
    standard = loaded.parameters["standard"]  # the project's tree: dibao/rural_standard.yaml
    assert (standard.name, standard.local, standard.local_name) == (
        "dibao.rural_standard",
        "standard",
        "standard",
    )
    assert standard.unit == "元/人/月" and standard.zone_by is None
    first, second = standard.values
    assert (first.value, first.start, first.end, first.status, first.origin) == (
        780.0,
        dt.date(2022, 4, 1),
        None,
        "published",
        "project",
    )
    assert (second.end, second.zone, second.status) == (None, None, "assumed")
    assert "July is assumed" in second.note
    assert first.reference == standard.reference and "最低生活保障标准" in first.reference
    tree_file = (REPO / "rules" / "parameters" / "dibao" / "rural_standard.yaml").as_posix()
    assert first.loc == Loc(tree_file, 6, 5)


def test_good_file_rules_locations_and_defaults() -> None:
    dead, above = load_rule_file(GOOD).rules
    file = GOOD.as_posix()
    assert dead.loc == Loc(file, 8, 5)
    assert dead.locs["id"] == Loc(file, 8, 9)
    assert dead.locs["condition"] == Loc(file, 16, 16)
    assert dead.spec["registry"] == "deaths" and dead.spec["scope"] == "household"
    assert dead.spec["condition"] == "deaths.death_date < period_start"
    assert dead.spec["at_least"] == 1 and dead.locs["at_least"] == dead.loc  # a default
    assert dead.evidence == ("deaths.death_date", "deaths.source")
    assert (above.kind, above.severity, above.spec) == (
        "eligibility",
        "medium",
        {"condition": "amount > param.standard"},
    )
    example = dead.examples[0]
    assert example.as_of == dt.date(2023, 12, 31) and example.loc == Loc(file, 19, 9)
    assert example.given["deaths"] == [
        {"id_number": "420112194001010014", "death_date": dt.date(2023, 3, 14)}
    ]
    assert example.given["dibao_rural"][0]["amount"] == 780.0
    assert example.expect == [{"subject": "420112194001010014", "period": "2023-05"}]


def test_default_condition_names_the_roster(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "dibao_rural.yaml",
        """\
        policy: dibao_rural
        project: 农村低保
        department: 区民政局
        rules:
          - id: dibao_rural.also_urban
            title: 同时领取城市低保
            description: 同一人同月同时领取城乡低保
            severity: high
            reference: 《社会救助暂行办法》
            kind: exclusive_rosters
            roster: dibao_urban
            examples:
              - name: both rolls in May
                as_of: 2023-12-31
                given:
                  dibao_rural: [{id_number: "420112194001010014", pay_month: 2023-05}]
                  dibao_urban: [{id_number: "420112194001010014", pay_month: 2023-05}]
                expect: [{subject: "420112194001010014", period: 2023-05}]
        """,
    )
    (rule,) = load_rule_file(path).rules
    assert rule.spec == {
        "roster": "dibao_urban",
        "scope": "person",
        "applies_when": None,
        "condition": "dibao_urban.period_start <= period_end "
        "AND dibao_urban.period_end >= period_start",
    }
    assert rule.locs["condition"] == rule.loc == Loc(path.as_posix(), 5, 5)


CARE_TREE = """\
title: 护理补贴标准
unit: 元/人/月
reference: 示例
zone_by: disability_level
values:
  - {value: 100, start: 2021-01-01, zone: 1, status: example, source: 示例}
  - {value: 80, start: 2021-01-01, zone: 2, status: example, source: 示例}
"""
CARE = """\
policy: disability_care
project: 残疾人两项补贴（重度残疾人护理补贴）
department: 区民政局
parameters:
  care: disability.care
rules:
  - id: disability_care.above_standard
    title: 护理补贴高于标准
    description: 金额高于该等级的标准
    severity: low
    reference: 示例
    kind: eligibility
    condition: amount > param.care
    examples:
      - name: paid 100
        as_of: 2023-12-31
        given:
          disability_care:
            - {id_number: "420112194001010014", disability_level: 2,
               pay_month: 2023-05, amount: 100}
        expect: [{subject: "420112194001010014", period: 2023-05, amount: 100}]
"""


def _tree(folder: Path, path: str, text: str) -> Path:
    """A parameter file of the tree beside the rule files in ``folder``."""
    file = folder / "parameters" / path
    file.parent.mkdir(parents=True, exist_ok=True)
    return _write(file.parent, file.name, text)


def test_integer_zones(tmp_path: Path) -> None:
    _tree(tmp_path, "disability/care.yaml", CARE_TREE)
    loaded = load_rule_file(_write(tmp_path, "disability_care.yaml", CARE))
    assert [v.zone for v in loaded.parameters["care"].values] == ["1", "2"]


def test_example_in_a_zone_without_value(tmp_path: Path) -> None:
    _tree(tmp_path, "disability/care.yaml", CARE_TREE)
    path = _write(
        tmp_path, "disability_care.yaml", CARE.replace("disability_level: 2", "disability_level: 3")
    )
    with pytest.raises(RuleFileError) as caught:
        load_rule_file(path)
    (problem,) = caught.value.problems
    assert problem.loc == Loc(path.as_posix(), 15, 9)
    assert "no value in force on 2023-05-01 (period 2023-05 and zone 3)" in problem.message


def test_year_period_in_expect(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "premium_subsidy.yaml",
        """\
        policy: premium_subsidy
        project: 困难群体人员代缴城乡居民保费
        department: 区人社局
        rules:
          - id: premium_subsidy.too_much
            title: 代缴金额过高
            description: 代缴金额超过最低档
            severity: low
            reference: 示例
            kind: eligibility
            condition: amount > 200
            examples:
              - name: 300 in 2023
                as_of: 2023-12-31
                given:
                  premium_subsidy: [{id_number: "420112194001010014", year: 2023, amount: 300}]
                expect: [{subject: "420112194001010014", period: 2023}]
        """,
    )
    (rule,) = load_rule_file(path).rules
    assert rule.examples[0].expect == [{"subject": "420112194001010014", "period": "2023"}]


def test_problems_print_sorted(tmp_path: Path) -> None:
    later = RuleProblem(Loc("rules/b.yaml", 3, 1), "b")
    earlier = RuleProblem(Loc("rules/b.yaml", 2, 7), "unknown column 'deth_date'", "death_date")
    other = RuleProblem(Loc("rules/a.yaml", 9, 1), "a")
    assert format_problems([later, earlier, other]).splitlines() == [
        "rules/a.yaml:9:1: a",
        "rules/b.yaml:2:7: unknown column 'deth_date' (did you mean death_date?)",
        "rules/b.yaml:3:1: b",
    ]


def test_all_files_reported_together(tmp_path: Path) -> None:
    _write(tmp_path, "tekun.yaml", "policy: tekun\nrules: []\n")
    _write(tmp_path, "deaths.yaml", "policy: [\n")
    _write(tmp_path, "notes.txt", "not a rule file")
    assert [p.name for p in rule_files(tmp_path)] == ["deaths.yaml", "tekun.yaml"]
    with pytest.raises(RuleFileError) as caught:
        load_rules(rule_files(tmp_path))
    files = sorted({Path(p.loc.file).name for p in caught.value.problems})
    assert files == ["deaths.yaml", "tekun.yaml"]
    assert "lacks required keys 'project', 'department'" in str(caught.value)


def test_repository_rules_load() -> None:
    files = load_rules(rule_files(REPO / "rules"))
    assert all(rule_file.rules for rule_file in files)


# ---------------------------------------------------------------- JSON Schema


def test_committed_schema_is_generated() -> None:
    committed = (REPO / "rules" / "rule.schema.json").read_text(encoding="utf-8")
    assert committed == rule_schema.render(), "run: python -m huimin.rules.jsonschema"


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = rule_schema.rule_file_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", [GOOD, *rule_files(REPO / "rules")], ids=lambda p: p.name)
def test_schema_accepts_good_files(path: Path) -> None:
    root, problems = parse(path.read_text(encoding="utf-8"), path.name)
    assert root is not None and not problems
    errors = list(_validator().iter_errors(plain(root)))
    assert not errors, [f"{e.json_path}: {e.message}" for e in errors]


def test_schema_rejects_a_key_of_another_kind() -> None:
    root, _ = parse(GOOD.read_text(encoding="utf-8"), GOOD.name)
    data = plain(root)
    data["rules"][1]["registry"] = "deaths"  # an eligibility rule has no registry
    errors = list(_validator().iter_errors(data))
    assert [e.json_path for e in errors] == ["$.rules[1]"]
    assert "'registry' was unexpected" in errors[0].message


def test_schema_lists_kinds_and_datasets() -> None:
    schema = json.loads(rule_schema.render())
    rule = schema["$defs"]["rule"]
    assert rule["properties"]["kind"]["enum"][0] == "registry_match"
    assert len(rule["allOf"]) == len(rule["properties"]["kind"]["enum"])
    assert "dibao_rural" in schema["properties"]["policy"]["enum"]
    assert "deaths" not in schema["properties"]["policy"]["enum"]


# ------------------------------------------------------------------ what SQL may say


@pytest.mark.parametrize(
    "text",
    [
        "amount > param.standard AND age >= 80",
        "deaths.death_date < period_start",
        "properties.usage IN ('商业', '办公') AND properties.register_date <= period_end",
        "stage || CASE WHEN boarding THEN '寄宿' ELSE '走读' END",
        "ABS(amount - ROUND(planted_area_mu * param.rate_per_mu, 2)) >= 0.01",
        "acceptance_date IS NULL OR NOT (acceptance_date BETWEEN DATE '2023-01-01' AND as_of)",
        "COALESCE(registered_household, subject)",
        "EXTRACT(YEAR FROM pay_date) = 2023 AND CAST(amount AS INTEGER) % 10 <> 0",
        "name LIKE '张%' AND \"amount\" != -1.5e2",
    ],
)
def test_sql_expressions_rules_write_are_accepted(text: str) -> None:
    assert sql_refusal(text) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name IN (SELECT column_1 FROM read_csv('/etc/passwd'))", "'SELECT' is not allowed"),
        ("read_csv_auto('/etc/passwd') IS NULL", "'read_csv_auto' is not allowed"),
        ("amount > (SELECT 1)", "'SELECT' is not allowed"),
        ("read_json('x') = 1", "'read_json' is not allowed"),
        ("read_ipc('x') = 1", "'read_ipc' is not allowed"),
        ("glob('/etc/*') = 1", "'glob' is not allowed"),
        ("COUNT(*) > 1", "function 'COUNT' is not allowed"),
        ("amount > CURRENT_DATE", "use as_of"),
        ("amount > 1; DROP TABLE x", "';' is not allowed"),
        ("amount > 1 -- a comment", "comments"),
        ("amount > 1 /* a comment */", "comments"),
        ("name = '420112194001010014", "not closed"),
        ('name = "420112194001010014"', "must be a column name"),
        ("name = '420112194001010014' AND", "after 'AND'"),
        ("name IN ('420112194001010014' '420112194001010015')", "found a text in quotes"),
        ("id_number = 420112194001010014 420112194001010015", "unexpected a number"),
        ("CAST(amount AS BLOB)", "not allowed (types:"),
        ("amount > 1 UNION amount", "'UNION'"),
    ],
)
def test_sql_refused_in_own_words(text: str, words: str) -> None:
    refused = sql_refusal(text)
    assert refused is not None and words in refused, refused
    assert "420112194001010014" not in refused
    assert "/etc" not in refused


def test_every_allowed_function_is_documented() -> None:
    guide = (REPO / "docs" / "writing-rules.md").read_text(encoding="utf-8")
    assert [name for name in sorted(FUNCTIONS) if f"`{name}" not in guide] == []


def test_sql_references() -> None:
    assert sql_references("param.standard < amount AND deaths.\"source\" = 'x.y'") == [
        ("param", "standard"),
        ("amount",),
        ("deaths", "source"),
    ]


# ------------------------------------------------------------------ YAML refused unexpanded


@pytest.mark.parametrize(
    ("text", "at", "words"),
    [
        ("a: &x 1\nb: *x\n", "f.yaml:1:4", "YAML anchor '&x' is not allowed"),
        ("a: [*x]\n", "f.yaml:1:5", "YAML alias '*x' is not allowed"),
        ("a: !!python/name:os.system x\n", "f.yaml:1:4", "YAML tag '!!python/name:os.system'"),
        ("a:\n  <<: {b: 1}\n", "f.yaml:2:3", "merge keys (<<) are not allowed"),
        ("a: " + "[" * 65 + "]" * 65 + "\n", "f.yaml:1:", "nest more than 64 levels"),
    ],
)
def test_yaml_constructs_refused(text: str, at: str, words: str) -> None:
    _, problems = parse(text, "f.yaml")
    (problem,) = problems
    assert str(problem).startswith(at) and words in str(problem), str(problem)


def test_quoted_merge_key_is_a_plain_key() -> None:
    root, problems = parse("a:\n  '<<': 1\n", "f.yaml")
    assert problems == [] and root is not None and plain(root) == {"a": {"<<": 1}}


# ------------------------------------------------------------------ what a rule reads


@functools.cache
def _catalogue() -> list[RuleFile]:
    return load_rules(rule_files(REPO / "rules"))


def _needs(rule_id: str) -> RuleNeeds:
    for rule_file in _catalogue():
        for rule in rule_file.rules:
            if rule.id == rule_id:
                return rule_needs(rule, rule_file)
    raise KeyError(rule_id)


def test_every_rule_reads_contract_datasets_its_roster_first() -> None:
    for rule_file in _catalogue():
        for rule in rule_file.rules:
            needs = rule_needs(rule, rule_file)
            assert rule_file.policy in needs.all_of, rule.id
            assert needs.datasets <= set(DATASETS), rule.id
            assert all(len(group) > 1 for group in needs.any_of), rule.id
            assert datasets_read(rule, rule_file) == needs.datasets


def test_what_rules_of_each_shape_read() -> None:
    assert _needs("dibao_rural.amount_above_standard") == RuleNeeds(frozenset({"dibao_rural"}))
    assert _needs("dibao_rural.member_dead_paid").all_of == {"dibao_rural", "deaths"}
    # land_holdings is summed from land_contracts
    assert _needs("grain_subsidy.area_exceeds_contract").all_of == {
        "grain_subsidy",
        "land_contracts",
    }
    # via enterprises, then public_employees
    assert _needs("farmland_subsidy.contractor_public_payroll").all_of == {
        "farmland_subsidy",
        "enterprises",
        "public_employees",
    }
    # distinct uses registered_household (the population registry's 户号); across rosters
    shared = _needs("tekun.shared_bank_account").all_of
    assert {"population", "tekun", "dibao_rural", "dibao_urban", "car_tradein"} <= shared
    # required presence in the pooled dibao: a missing part would make its people look absent
    needs = _needs("disability_living.not_on_dibao")
    assert {"dibao_rural", "dibao_urban"} <= needs.all_of and needs.any_of == ()


def test_pooled_dataset_looked_into_is_any_of(tmp_path: Path) -> None:
    text = GOOD.read_text(encoding="utf-8")
    text = text.replace("registry: deaths", "registry: dibao")
    text = text.replace('"deaths.death_date < period_start"', "dibao.pay_month = pay_month")
    text = text.replace('["deaths.death_date", "deaths.source"]', "[dibao.amount]")
    death = '            - {id_number: "420112194001010014", death_date: 2023-03-14}'
    text = text.replace(
        f"          deaths:\n{death}",
        "          dibao_urban:\n"
        '            - {id_number: "420112194001010014", pay_month: 2023-05, amount: 900}',
    )
    path = tmp_path / "dibao_rural.yaml"
    path.write_text(text, encoding="utf-8")
    rule_file = load_rule_file(path)
    needs = rule_needs(rule_file.rules[0], rule_file)
    assert needs.all_of == {"dibao_rural"}
    assert needs.any_of == (frozenset({"dibao_rural", "dibao_urban"}),)
    assert needs.missing({"dibao_rural"}) == frozenset()
    assert needs.missing(set()) == {"dibao_rural", "dibao_urban"}


# ---------------------------------------------------------------- the parameter tree


def test_every_tree_file_is_a_parameter_named_by_its_path() -> None:
    tree = load_tree(REPO / "rules" / "parameters")
    assert not tree.problems
    assert "dibao.rural_standard" in tree.parameters
    assert "student_aid.compulsory_standard" in tree.parameters
    used = {p.name for f in load_catalogue() for p in f.parameters.values()}
    assert used == set(tree.parameters), "every parameter of the tree is used"
    assert unused_parameters(tree, load_catalogue()) == []


def test_a_parameter_nobody_uses_is_listed(tmp_path: Path) -> None:
    _tree(tmp_path, "disability/care.yaml", CARE_TREE)
    _tree(tmp_path, "disability/spare.yaml", CARE_TREE)
    files = load_rules([_write(tmp_path, "disability_care.yaml", CARE)])
    tree = load_tree(tmp_path / "parameters")
    assert [p.name for p in unused_parameters(tree, files)] == ["disability.spare"]


def test_an_inline_parameter_is_refused_where_written(tmp_path: Path) -> None:
    _tree(tmp_path, "disability/care.yaml", CARE_TREE)
    inline = CARE.replace("  care: disability.care\n", "  care:\n    title: 护理补贴标准\n")
    with pytest.raises(RuleFileError) as caught:
        load_rule_file(_write(tmp_path, "disability_care.yaml", inline))
    first = caught.value.problems[0]
    assert first.loc.line == 6
    assert "must name a parameter of the tree" in first.message


def test_a_tree_file_name_must_be_a_plain_name(tmp_path: Path) -> None:
    _tree(tmp_path, "Disability/care-2.yaml", CARE_TREE)
    tree = load_tree(tmp_path / "parameters")
    (problem,) = tree.problems
    assert problem.loc.file.endswith("Disability/care-2.yaml")
    assert "lower-case letters, digits and _" in problem.message
    assert tree.parameters == {} and tree.broken == {"Disability.care-2"}


def test_a_value_may_cite_its_own_document(tmp_path: Path) -> None:
    own = CARE_TREE.replace("source: 示例}", "source: 示例, reference: 2021年通知}", 1)
    _tree(tmp_path, "disability/care.yaml", own)
    (loaded,) = load_rules([_write(tmp_path, "disability_care.yaml", CARE)])
    first, second = loaded.parameters["care"].values
    assert (first.reference, second.reference) == ("2021年通知", "示例")


# ---------------------------------------------------------------- a district's own values

DISTRICT = """\
# 东西湖区's own values
parameters:
  dibao.rural_standard:
    values:
      - {value: 850, start: 2024-01-01, status: published, source: 东西湖区民政局通知}
  tekun.standard:
    values:
      - value: 1650
        zone: 农村
        start: 2023-07-01
        end: 2023-12-31
        status: assumed
        source: 东西湖区确认
        note: the district pays more in 2023
"""


def test_district_values_win_where_in_force(tmp_path: Path) -> None:
    district = _write(tmp_path, "parameters.yaml", DISTRICT)
    files = {f.policy: f for f in load_catalogue(overrides=district)}
    rural = files["dibao_rural"].parameters["standard"]
    assert rural.name == "dibao.rural_standard"
    (own,) = [v for v in rural.values if v.origin == "district"]
    assert own.loc == Loc(district.as_posix(), 5, 9) and own.reference == rural.reference
    assert value_at(rural, dt.date(2023, 12, 1)) == 820
    assert value_at(rural, dt.date(2024, 1, 1)) == 850
    tekun = files["tekun"].parameters["standard"]
    assert value_at(tekun, dt.date(2023, 8, 1), "农村") == 1650
    assert value_at(tekun, dt.date(2024, 1, 1), "农村") == 1600  # the project's again
    assert value_at(tekun, dt.date(2023, 8, 1), "城市") == 1880
    plain_files = {f.policy: f for f in load_catalogue()}
    assert all(v.origin == "project" for v in plain_files["tekun"].parameters["standard"].values)


def test_district_problems_are_located(tmp_path: Path) -> None:
    text = (
        "parameters:\n"
        "  dibao.rural_standard:\n"
        "    values:\n"
        "      - {value: 850, start: 2024-01-01, status: published}\n"
        "      - {value: 860, start: 2024-01-01, status: confirmed, source: x}\n"
        "  tekun.standard:\n"
        "    values:\n"
        "      - {value: 1700, start: 2024-01-01, status: published, source: x}\n"
        "  car_tradein.window_end:\n"
        "    valus: []\n"
    )
    district = _write(tmp_path, "parameters.yaml", text)
    with pytest.raises(RuleFileError) as caught:
        load_catalogue(overrides=district)
    printed = format_problems(caught.value.problems).replace(f"{district.as_posix()}:", "")
    assert printed.splitlines() == [
        "4:9: a value of parameter 'dibao.rural_standard' lacks required key 'source'",
        "5:49: status 'confirmed' is not one of published, example, assumed",
        "8:9: parameter 'tekun.standard' has zone_by, so each value needs a zone",
        "10:5: parameter 'car_tradein.window_end' of the district lacks required key 'values'",
        "10:5: unknown key 'valus' in parameter 'car_tradein.window_end' of the district; "
        "allowed: values (did you mean values?)",
    ]


def test_district_file_refuses_yaml_tricks(tmp_path: Path) -> None:
    district = _write(tmp_path, "parameters.yaml", "parameters: &a {}\n")
    with pytest.raises(RuleFileError) as caught:
        load_catalogue(overrides=district)
    assert "YAML anchor '&a' is not allowed" in str(caught.value)
    assert district_file(tmp_path) == district
    assert district_file(tmp_path / "nowhere") is None


# ---------------------------------------------------------------- templates


def test_templates_load_and_are_checked(tmp_path: Path) -> None:
    text = GOOD.read_text(encoding="utf-8")
    text = text.replace(
        "    kind: registry_match\n",
        "    summary: '{name}（{member.relation}）于{deaths.death_date}死亡，仍领取{months}个月'\n"
        "    verify: 查原始资料：核对{street}民政办的死亡注销记录（资格条件）\n"
        "    kind: registry_match\n",
        1,
    )
    text = text.replace(
        "    kind: eligibility\n",
        "    summary: '{name}月领{amount}元，高于标准{param.standard}元；{member.name}'\n"
        "    kind: eligibility\n",
        1,
    )
    text = text.replace(
        "period: 2023-05, amount: 850}", "period: 2023-05, amount: 850, summary: 张三月领850元}"
    )
    path = _write(tmp_path, "dibao_rural.yaml", text)
    with pytest.raises(RuleFileError) as caught:
        load_rule_file(path)
    (problem,) = caught.value.problems  # member.* exists only for household rules
    assert "placeholder '{member.name}' exists only for household rules" in problem.message
    (loaded,) = load_rules(
        [_write(tmp_path, "dibao_rural.yaml", text.replace("；{member.name}", ""))]
    )
    dead, above = loaded.rules
    assert dead.summary is not None and placeholders(dead.summary) == [
        "name",
        "member.relation",
        "deaths.death_date",
        "months",
    ]
    assert dead.verify == "查原始资料：核对{street}民政办的死亡注销记录（资格条件）"
    assert above.verify is None and above.summary is not None
    assert above.examples[0].expect[0]["summary"] == "张三月领850元"


def test_committed_parameter_schemas_are_generated() -> None:
    for path, make in rule_schema.SCHEMAS.items():
        committed = path.read_text(encoding="utf-8")
        assert committed == rule_schema.render(make()), "run: python -m huimin.rules.jsonschema"


@pytest.mark.parametrize("path", tree_files(REPO / "rules" / "parameters"), ids=lambda p: p.stem)
def test_parameter_schema_accepts_the_tree(path: Path) -> None:
    schema = rule_schema.parameter_file_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    root, problems = parse(path.read_text(encoding="utf-8"), path.name)
    assert root is not None and not problems
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(plain(root)))
    assert not errors, [f"{e.json_path}: {e.message}" for e in errors]


def test_district_schema_accepts_a_district_file() -> None:
    schema = rule_schema.district_file_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    root, _ = parse(DISTRICT, "parameters.yaml")
    assert root is not None
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors(plain(root)))
    data = plain(root)
    data["parameters"]["Dibao rural"] = data["parameters"].pop("tekun.standard")
    assert list(validator.iter_errors(data))
