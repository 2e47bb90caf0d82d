"""Loading the catalogue from the command line pays only for what it uses: ``huimin rules
check`` never imports the ledger's database stack, Prefect or Great Expectations, ``huimin
--help`` not even pandas or pandera, and every command is still listed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from huimin import cli, cli_ledger, cli_ledger_workbook, cli_reconcile, cli_stats
from huimin.ledger.intake import Source

PROBE = """
import json, sys
from huimin.cli import app
sys.argv = ["huimin", *json.loads(sys.argv[1])]
try:
    app()
except SystemExit as done:
    code = done.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""
DATABASE_AND_FLOWS = ("sqlalchemy", "alembic", "psycopg", "prefect", "great_expectations")


def _imported(*args: str) -> tuple[int, set[str]]:
    """The exit code and the top-level packages imported by ``huimin ARGS`` in a new process."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(done.stdout.splitlines()[-1])
    return found["code"], {name.split(".")[0] for name in found["modules"]}


def test_rules_check_imports_no_database_flow_or_report_stack() -> None:
    code, packages = _imported("rules", "check")
    assert code in (0, None)
    assert not packages & {*DATABASE_AND_FLOWS, "ruamel"}, packages & {*DATABASE_AND_FLOWS}
    assert "yaml" in packages  # the catalogue is read through libyaml


@pytest.mark.parametrize("args", [("--help",), ("ledger", "--help"), ("reconcile", "--help")])
def test_help_imports_neither_pandas_nor_the_database(args: tuple[str, ...]) -> None:
    code, packages = _imported(*args)
    assert code in (0, None)
    assert not packages & {*DATABASE_AND_FLOWS, "pandas", "pandera"}


def _listed(*args: str) -> str:
    result = CliRunner().invoke(cli.app, [*args, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_help_lists_every_command() -> None:
    top = _listed()
    for name in ("ingest", "run", "synth", "contract", "flow", "reconcile", "ledger", "stats"):
        assert f" {name} " in top
    ledger = _listed("ledger")
    apps = (cli_ledger.app, cli_ledger_workbook.app)
    names = {str(command.name) for app in apps for command in app.registered_commands}
    assert {"sync", "import-province", "show", "export", "import"} <= names
    for name in names:
        assert f" {name} " in ledger
    for group, app in (("rules", cli.rules_app), ("stats", cli_stats.app)):
        listed = _listed(group)
        for command in app.registered_commands:
            assert f" {command.name} " in listed
    assert cli_reconcile.app.registered_commands[0].name == "reconcile"


def test_import_province_offers_every_source_of_the_ledger() -> None:
    assert [s.value for s in cli_ledger.SourceChoice] == [s.value for s in Source]
    shown = _listed("ledger", "import-province")
    assert "district|province|transferred|complaint" in shown.replace("\n", "").replace(" ", "")
