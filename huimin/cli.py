"""The ``huimin`` command line.

Every command prints a short summary; whole-file problems are one line each, naming the file
and the fix, and make the command exit with code 2.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    name="huimin",
    help=(
        "Audit benefit payments (惠民惠农政策落实大数据监督检查) with data.\n\n"
        "Typical use: `huimin synth --output data/demo` makes a synthetic district; "
        "`huimin run --input data/sample --output out/sample` ingests and validates a folder "
        "of rosters and registries and writes staged data, quarantine, manifest and reports."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
contract_app = typer.Typer(help="The data contract: datasets, fields and their checks.")
app.add_typer(contract_app, name="contract")
flow_app = typer.Typer(help="Run the district job as a Prefect flow, once or on a schedule.")
app.add_typer(flow_app, name="flow")
rules_app = typer.Typer(help="The rule catalogue: check, test, explain, score against a truth.")
app.add_typer(rules_app, name="rules")

RulesDir = Annotated[
    Path | None,
    typer.Option("--rules", help="Folder of rule files (default: the project's rules/)."),
]

console = Console(stderr=True)


class Scale(StrEnum):
    sample = "sample"
    district = "district"
    city = "city"


InputDir = Annotated[
    Path,
    typer.Option(
        "--input",
        "-i",
        help="Folder with one file per dataset: <dataset>.csv|.xlsx|.parquet (and sources.yaml).",
        exists=True,
        file_okay=False,
        resolve_path=True,
    ),
]
OutputDir = Annotated[
    Path, typer.Option("--output", "-o", help="Folder for staged data, quarantine and reports.")
]
AsOf = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Date the data is judged at (birth dates after it are impossible). Default: today.",
    ),
]


@app.command()
def ingest(
    input_dir: InputDir,
    output: OutputDir,
    reports: Annotated[
        bool, typer.Option(help="Also build the Great Expectations Data Docs.")
    ] = True,
    as_of: AsOf = None,
) -> None:
    """Read, normalise and validate every dataset in INPUT; stage the valid rows as Parquet.

    Bad rows go to OUTPUT/quarantine/<dataset>.parquet with every reason; OUTPUT/manifest.json
    counts rows in, valid and quarantined per dataset.
    """
    from huimin.pipeline import run_ingest

    code = run_ingest(input_dir, output, reports=reports, as_of=_date(as_of), console=console)
    raise typer.Exit(code)


@app.command()
def run(
    input_dir: InputDir,
    output: OutputDir,
    reports: Annotated[bool, typer.Option(help="Build the Great Expectations Data Docs.")] = True,
    as_of: AsOf = None,
    rules: RulesDir = None,
) -> None:
    """The main job: ingest and validate INPUT, apply every rule, write clues under OUTPUT.

    Writes OUTPUT/clues.parquet and OUTPUT/clues.xlsx (one row per clue) beside the staged
    data, quarantine, manifest and validation reports.
    """
    from huimin.pipeline import run_all

    code = run_all(
        input_dir, output, reports=reports, as_of=_date(as_of), rules=rules, console=console
    )
    raise typer.Exit(code)


@app.command()
def synth(
    output: OutputDir,
    scale: Annotated[Scale, typer.Option(help="sample (a few thousand), district, city")] = (
        Scale.sample
    ),
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 2023,
) -> None:
    """Write a synthetic 东西湖区 with planted anomalies and the truth about them."""
    from huimin.synth import generate

    summary = generate(output, scale=scale.value, seed=seed, console=console)
    console.print(summary.describe())


@contract_app.command("docs")
def contract_docs(
    output: Annotated[Path, typer.Option(help="Where to write the data dictionary.")] = Path(
        "docs/data-contract.md"
    ),
) -> None:
    """Regenerate the data dictionary (docs/data-contract.md) from the schemas."""
    from huimin.datadict import write_data_dictionary

    write_data_dictionary(output)
    console.print(f"wrote {output}")


@flow_app.command("run")
def flow_run(input_dir: InputDir, output: OutputDir, as_of: AsOf = None) -> None:
    """Run the district job once as a Prefect flow (a temporary Prefect server starts)."""
    from flows.district import district_run

    manifest = district_run(input_dir, output, as_of=_date(as_of))
    raise typer.Exit(2 if manifest["errors"] else 0)


@flow_app.command("serve")
def flow_serve(
    input_dir: InputDir,
    output: OutputDir,
    cron: Annotated[str, typer.Option(help="When to run, cron syntax (default 02:00 daily).")] = (
        "0 2 * * *"
    ),
) -> None:
    """Serve the district job on a schedule (start `prefect server start` first)."""
    from flows.deployments import serve_district

    serve_district(input_dir, output, cron)


@rules_app.command("check")
def rules_check(rules: RulesDir = None) -> None:
    """Load every rule file; print each problem as file:line:column (exit 2 if any)."""
    from huimin.rules.commands import DEFAULT_RULES, load_catalogue
    from huimin.rules.model import RuleFileError

    try:
        files = load_catalogue(rules or DEFAULT_RULES)
    except RuleFileError as exc:
        for problem in exc.problems:
            console.print(str(problem), soft_wrap=True, highlight=False, markup=False)
        console.print(f"{len(exc.problems)} problem(s)")
        raise typer.Exit(2) from None
    count = sum(len(f.rules) for f in files)
    console.print(f"{len(files)} rule files, {count} rules: ok")


@rules_app.command("test")
def rules_test(
    prefix: Annotated[str | None, typer.Argument(help="Only rules whose id starts so.")] = None,
    rules: RulesDir = None,
) -> None:
    """Run every rule's examples; exit 1 if any gives other clues than it expects."""
    from huimin.rules.commands import DEFAULT_RULES, load_catalogue
    from huimin.rules.examples import run_examples

    outcomes = run_examples(load_catalogue(rules or DEFAULT_RULES), prefix)
    failed = [o for o in outcomes if not o.passed]
    for outcome in failed:
        console.print(outcome.describe(), soft_wrap=True, highlight=False, markup=False)
    console.print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    raise typer.Exit(1 if failed else 0)


@rules_app.command("run")
def rules_run(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="An ingest output folder (with staged/).")
    ],
    rules: RulesDir = None,
    as_of: AsOf = None,
) -> None:
    """Apply the catalogue to already staged data (after editing rules, no new ingest)."""
    import json

    from huimin.rules.commands import DEFAULT_RULES, apply_rules, load_catalogue
    from schemas.common import as_of_date

    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    sources = {
        name: Path(entry["file"]).name
        for name, entry in manifest["datasets"].items()
        if entry["error"] is None
    }
    with as_of_date(_date(as_of)):
        result = apply_rules(output, load_catalogue(rules or DEFAULT_RULES), sources)
    console.print(
        f"{len(result.per_rule)} rules gave {result.clues.height:,} clues: "
        f"{output / 'clues.parquet'}"
    )


@rules_app.command("explain")
def rules_explain(
    rule_id: Annotated[str, typer.Argument(help="e.g. dibao_rural.member_dead_paid")],
    rules: RulesDir = None,
) -> None:
    """Print what a rule does, its parameters with their dated values, and its polars plan."""
    from huimin.rules.commands import DEFAULT_RULES, explain, load_catalogue

    try:
        text = explain(load_catalogue(rules or DEFAULT_RULES), rule_id)
    except KeyError as exc:
        console.print(str(exc.args[0]), soft_wrap=True, markup=False)
        raise typer.Exit(2) from None
    typer.echo(text)


@rules_app.command("score")
def rules_score(
    output: Annotated[Path, typer.Option("--output", "-o", help="A `huimin run` output folder.")],
    truth: Annotated[Path, typer.Option(help="truth/anomalies.parquet of a synthetic district.")],
    truth_map: Annotated[Path, typer.Option(help="Rule id → anomaly types (file or folder).")] = (
        Path("data/reference/rule-truth-map")
    ),
    rules: RulesDir = None,
) -> None:
    """Recall and precision of the clues per planted anomaly type, as a Markdown table."""
    import polars as pl

    from huimin.rules.commands import DEFAULT_RULES, load_catalogue
    from huimin.rules.evaluate import load_truth_map, markdown, score

    table = score(
        pl.read_parquet(output / "clues.parquet"),
        pl.read_parquet(truth),
        load_truth_map(truth_map),
        load_catalogue(rules or DEFAULT_RULES),
    )
    typer.echo(markdown(table))


def _date(value: dt.datetime | None) -> dt.date:
    return value.date() if value else dt.date.today()


if __name__ == "__main__":  # pragma: no cover
    app()
