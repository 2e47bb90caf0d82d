"""The JSON Schema (draft 2020-12) of a rule file, generated from the kinds and the contract.

Editors that understand ``# yaml-language-server: $schema=rule.schema.json`` then complete
keys, dataset and field names and show the help below while a policy officer types. The
loader (:mod:`huimin.rules.loader`) stays the authority: it also checks SQL columns, dates,
parameter ranges and examples, which a schema cannot. Regenerate ``rules/rule.schema.json``
with ``python -m huimin.rules.jsonschema`` after changing kinds or the data contract; it also
writes the schemas of a parameter file of the tree (``rules/parameters/parameter.schema.json``)
and of a district's ``parameters.yaml`` (``rules/parameters/district.schema.json``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from huimin.contract import DATASETS, FieldSpec
from huimin.resources import project_file
from huimin.rules.kinds import COMMON_KEYS, KINDS, SEVERITIES, KeySpec
from huimin.rules.loader import (
    DATASET_NAMES,
    EXAMPLE_KEYS,
    NAME,
    ROOT_REQUIRED,
    ROSTER_KEYS,
    ROSTER_NAMES,
    RULE_ID,
    RULE_REQUIRED,
    SCOPES,
    TEMPLATE_KEYS,
)
from huimin.rules.params_loader import (
    DISTRICT_PARAM_KEYS,
    PARAM_REQUIRED,
    SEGMENT,
    STATUSES,
    VALUE_REQUIRED,
)
from huimin.rules.templates import BASE_FIELDS

RULES = project_file("rules")
SCHEMA_PATH = RULES / "rule.schema.json"
PARAMETER_SCHEMA_PATH = RULES / "parameters" / "parameter.schema.json"
DISTRICT_SCHEMA_PATH = RULES / "parameters" / "district.schema.json"
#: a parameter's name in the tree: its path, folders and file name joined by dots
TREE_NAME_PATTERN = "^" + SEGMENT.pattern.strip("^$") + r"(\." + SEGMENT.pattern.strip("^$") + ")*$"
TEMPLATE_HELP = (
    "Text with {placeholder} fields: "
    + ", ".join(BASE_FIELDS)
    + ", member.name and member.relation (household rules), param.<name> of the file's "
    "parameters, or an entry of the rule's evidence (e.g. deaths.death_date)"
)
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "YYYY-MM-DD"}
TEXT = {"type": "string", "minLength": 1}
SQL_HELP = (
    "An SQL expression over the roster row: its columns, subject, period, period_start, "
    "period_end, age ..., param.<name>, <dataset>.<column> and member.<column>. One "
    "expression over the row: no SELECT, no read_csv or other table functions, only the "
    "functions listed in docs/writing-rules.md, section 5."
)

COMMON_DOCS: dict[str, dict[str, Any]] = {
    "id": {
        "type": "string",
        "pattern": RULE_ID.pattern,
        "description": "Unique id: <policy>.<what_it_finds>, e.g. dibao_rural.member_dead_paid",
    },
    "title": {**TEXT, "description": "Short Chinese title case workers see on the clue"},
    "description": {**TEXT, "description": "What the rule finds and why it is suspicious"},
    "severity": {"enum": list(SEVERITIES), "description": "How serious a clue is"},
    "reference": {**TEXT, "description": "政策依据: the policy document and article"},
    "summary": {
        **TEXT,
        "description": f"疑点描述: one sentence with the facts of a clue. {TEMPLATE_HELP}",
    },
    "verify": {
        **TEXT,
        "description": "核查要点: what to check, with which department's record, which "
        "method (听对象陈述/查原始资料/看实际现场/问经手经办/访左邻右舍) and which element "
        f"(线索真伪/资格条件/资金去向/办理程序/人员责任). {TEMPLATE_HELP}",
    },
    "kind": {"enum": list(KINDS), "description": "Which check this is (see the kinds' help)"},
    "evidence": {
        "type": "array",
        "items": {"type": "string", "description": SQL_HELP},
        "description": "SQL expressions whose values are shown on each clue",
    },
    "examples": {
        "type": "array",
        "minItems": 1,
        "items": {"$ref": "#/$defs/example"},
        "description": "Worked cases: rows given per dataset and the clues expected",
    },
}


def _key_schema(spec: KeySpec) -> dict[str, Any]:
    types: dict[str, dict[str, Any]] = {
        "sql": {"type": "string"},
        "sql_list": {"type": "array", "items": {"type": "string"}},
        "dataset": {"enum": list(DATASET_NAMES)},
        "datasets": {
            "oneOf": [
                {"enum": list(DATASET_NAMES)},
                {"type": "array", "items": {"enum": list(DATASET_NAMES)}, "minItems": 1},
            ]
        },
        "roster": {"enum": list(ROSTER_KEYS)},
        "scope": {"enum": list(SCOPES)},
        "int": {"type": "integer", "minimum": 1},
        "str_list": {"type": "array", "items": {"enum": list(ROSTER_KEYS)}},
        "column": {"type": "string"},
    }
    out = {**types[spec.type], "description": spec.doc}
    if spec.type in ("sql", "sql_list"):
        out["description"] = f"{spec.doc}. {SQL_HELP}"
    if spec.default is not None:
        out["default"] = spec.default
    return out


def _kind_branch(name: str) -> dict[str, Any]:
    kind = KINDS[name]
    return {
        "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
        "then": {
            "description": kind.doc,
            "properties": {key: _key_schema(spec) for key, spec in kind.keys.items()},
            "required": [key for key, spec in kind.keys.items() if spec.required],
        },
    }


def _rule() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "One check: common keys, then the keys of its kind",
        "required": list(RULE_REQUIRED),
        "properties": {key: COMMON_DOCS[key] for key in (*COMMON_KEYS, *TEMPLATE_KEYS)},
        "allOf": [_kind_branch(name) for name in KINDS],
        "unevaluatedProperties": False,
    }


FIELD_TYPES: dict[str, dict[str, Any]] = {
    "date": {"type": ["string", "null"], "pattern": DATE["pattern"]},
    "int": {"type": ["integer", "null"]},
    "year": {"type": ["integer", "null"]},
    "yuan": {"type": ["number", "null"]},
    "float": {"type": ["number", "null"]},
    "bool": {"type": ["boolean", "null"]},
}


def _field(spec: FieldSpec) -> dict[str, Any]:
    out = dict(FIELD_TYPES.get(spec.kind, {"type": ["string", "null"]}))
    if spec.values:
        out["enum"] = [*spec.values, None]
    out["description"] = spec.zh + (f": {spec.description}" if spec.description else "")
    return out


def _rows(name: str) -> dict[str, Any]:
    model = DATASETS[name]
    fields = {spec.name: _field(spec) for spec in model.field_specs()}
    row = {"type": "object", "properties": fields, "additionalProperties": False}
    return {"type": "array", "items": row, "description": model.__title_zh__ or name}


def _example() -> dict[str, Any]:
    clue = {
        "type": "object",
        "required": ["subject", "period"],
        "properties": {
            "subject": {"type": "string", "description": "the ID number (in quotes)"},
            "period": {"type": ["string", "integer"], "description": "2023-05, 2023 or 2023秋"},
            "amount": {"type": "number"},
            "summary": {"type": "string", "description": "the clue's rendered 疑点描述"},
        },
        "additionalProperties": False,
    }
    given = {name: {"$ref": f"#/$defs/rows_{name}"} for name in DATASETS}
    return {
        "type": "object",
        "required": list(EXAMPLE_KEYS),
        "properties": {
            "name": {**TEXT, "description": "What the example shows"},
            "as_of": {**DATE, "description": "The date the data is judged at"},
            "given": {
                "type": "object",
                "description": "Rows per dataset; the policy roster is required",
                "properties": given,
                "additionalProperties": False,
            },
            "expect": {"type": "array", "items": clue, "description": "[] = no clue"},
        },
        "additionalProperties": False,
    }


def _value() -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(VALUE_REQUIRED),
        "properties": {
            "value": {
                "oneOf": [{"type": "number"}, DATE],
                "description": "An amount or rate, or a date (e.g. a programme's first day)",
            },
            "start": {**DATE, "description": "First day in force"},
            "end": {**DATE, "description": "Last day in force (default: until the next value)"},
            "zone": {
                "type": ["string", "integer"],
                "description": "The zone (e.g. 城市/农村) when the parameter has zone_by",
            },
            "status": {
                "enum": list(STATUSES),
                "description": "published: from an official text; example or assumed otherwise",
            },
            "source": {**TEXT, "description": "Where the value comes from"},
            "note": {"type": "string"},
            "reference": {**TEXT, "description": "The document of this value, if not the file's"},
        },
        "additionalProperties": False,
    }


def parameter_file_schema() -> dict[str, Any]:
    """The schema of a parameter file of the tree, ``rules/parameters/<path>.yaml``."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "huimin parameter",
        "description": "One effective-dated parameter; its path in rules/parameters/ is its "
        "name (dibao/rural_standard.yaml is dibao.rural_standard)",
        "type": "object",
        "required": list(PARAM_REQUIRED),
        "properties": {
            "title": TEXT,
            "unit": {**TEXT, "description": "e.g. 元/人/月"},
            "reference": {**TEXT, "description": "The policy document setting the value"},
            "zone_by": {"type": "string", "description": "SQL over the roster row giving the zone"},
            "values": {"type": "array", "minItems": 1, "items": _value()},
        },
        "additionalProperties": False,
    }


def district_file_schema() -> dict[str, Any]:
    """The schema of a district's own values, ``parameters.yaml`` in its input folder."""
    parameter = {
        "type": "object",
        "required": list(DISTRICT_PARAM_KEYS),
        "properties": {"values": {"type": "array", "minItems": 1, "items": _value()}},
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "huimin district parameters",
        "description": "A district's own values of parameters of the tree: where one is in "
        "force it wins over the project's",
        "type": "object",
        "required": ["parameters"],
        "properties": {
            "parameters": {
                "type": "object",
                "description": "tree name (e.g. dibao.rural_standard) → its values",
                "propertyNames": {"pattern": TREE_NAME_PATTERN},
                "additionalProperties": parameter,
            }
        },
        "additionalProperties": False,
    }


def rule_file_schema() -> dict[str, Any]:
    """The schema of ``rules/<policy>.yaml``."""
    defs: dict[str, Any] = {
        "rule": _rule(),
        "example": _example(),
        **{f"rows_{name}": _rows(name) for name in DATASETS},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "huimin rule file",
        "description": "Eligibility rules of one policy roster (see docs/writing-rules.md)",
        "type": "object",
        "required": list(ROOT_REQUIRED),
        "properties": {
            "policy": {"enum": list(ROSTER_NAMES), "description": "The roster; = file name"},
            "project": {**TEXT, "description": "The project as in the appendix table"},
            "department": {**TEXT, "description": "The department paying it"},
            "parameters": {
                "type": "object",
                "description": "local name (param.<name> in SQL) → the parameter's name in the "
                "tree rules/parameters/ (dibao.rural_standard for dibao/rural_standard.yaml)",
                "propertyNames": {"pattern": NAME.pattern},
                "additionalProperties": {"type": "string", "pattern": TREE_NAME_PATTERN},
            },
            "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}},
        },
        "additionalProperties": False,
        "$defs": defs,
    }


def render(schema: dict[str, Any] | None = None) -> str:
    """A schema as committed (by default the rule file's)."""
    return json.dumps(schema or rule_file_schema(), ensure_ascii=False, indent=2) + "\n"


#: every committed schema and what generates it
SCHEMAS = {
    SCHEMA_PATH: rule_file_schema,
    PARAMETER_SCHEMA_PATH: parameter_file_schema,
    DISTRICT_SCHEMA_PATH: district_file_schema,
}


def write_schema(path: Path = SCHEMA_PATH) -> None:
    path.write_text(render(), encoding="utf-8")


def write_schemas() -> None:
    """Regenerate every committed schema."""
    for path, make in SCHEMAS.items():
        path.write_text(render(make()), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        write_schema(Path(sys.argv[1]))
    else:
        write_schemas()
