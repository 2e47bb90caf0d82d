"""The ``huimin`` command line.

Every command prints a short summary; whole-file problems are one line each, naming the file
and the fix, and make the command exit with code 2.
"""

from __future__ import annotations

import atexit
import datetime as dt
import gc
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any, cast

import typer
from rich.console import Console
from typer.core import TyperOption

from huimin.boundary import guarded
from huimin.context import MAX_TEXT_CHARS, XLSX_MAX_RATIO, XLSX_MAX_UNCOMPRESSED, Limits, RunContext
from huimin.errors import EXIT_CHECKS_FAILED, ConfigError
from huimin.redact import RedactingWriter, install_log_redaction

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


def _flags_without_type(self: TyperOption, ctx: Any) -> str | None:
    """On/off options show no "<bool>" in the help (there is no value to type)."""
    return None if self.is_flag else _DISPLAY_TYPE(self, ctx)


_DISPLAY_TYPE = TyperOption.display_type_rich
TyperOption.display_type_rich = _flags_without_type  # type: ignore[method-assign]


def _version(value: bool) -> None:
    if value:
        from huimin import __version__

        typer.echo(f"huimin {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Audit benefit payments (惠民惠农政策落实大数据监督检查) with data."""


contract_app = typer.Typer(help="The data contract: datasets, fields and their checks.")
app.add_typer(contract_app, name="contract")
flow_app = typer.Typer(help="Run the district job as a Prefect flow, once or on a schedule.")
app.add_typer(flow_app, name="flow")
from huimin import cli_reconcile  # noqa: E402
from huimin.cli_ledger import app as ledger_app  # noqa: E402
from huimin.cli_ledger_workbook import app as ledger_workbook_app  # noqa: E402

# the street workbooks' export and import belong under `huimin ledger` too
ledger_app.registered_commands.extend(ledger_workbook_app.registered_commands)

app.add_typer(cli_reconcile.app)
app.add_typer(ledger_app, name="ledger")
from huimin.cli_stats import app as stats_app  # noqa: E402

app.add_typer(stats_app, name="stats")
from huimin import cli_disclose, cli_report  # noqa: E402

app.add_typer(cli_report.app, name="report")
app.command("disclose")(cli_disclose.disclose)
rules_app = typer.Typer(help="The rule catalogue: check, test, explain, score against a truth.")
app.add_typer(rules_app, name="rules")


def _rule_folder(value: Path | None) -> Path | None:
    """A --rules folder must hold rule files: a wrong folder must not run no rules at all."""
    if value is not None and not any(value.glob("*.yaml")):
        raise typer.BadParameter(f"no rule files (*.yaml) in {value}")
    return value


RulesDir = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        help="Folder of rule files (default: the project's rules/).",
        exists=True,
        file_okay=False,
        callback=_rule_folder,
    ),
]

console = Console(file=cast(IO[str], RedactingWriter(None)), stderr=True)
install_log_redaction()
# a command ends the process: skip the collector's last walk over what the imports made
atexit.register(gc.freeze)


class Scale(StrEnum):
    sample = "sample"
    district = "district"
    city = "city"
    province = "province"


InputDir = Annotated[
    Path,
    typer.Option(
        "--input",
        "-i",
        help="Folder with one file per dataset: <dataset>.csv|.xlsx|.xls|.parquet (and "
        "sources.yaml, parameters.yaml).",
        exists=True,
        file_okay=False,
        resolve_path=True,
    ),
]
OutputDir = Annotated[
    Path,
    typer.Option(
        "--output", "-o", help="Where the result is published (a link to its latest complete run)."
    ),
]
AsOf = Annotated[
    dt.datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%d"],
        metavar="YYYY-MM-DD",
        help="Date the data is judged at (birth dates after it are impossible). Default: today.",
    ),
]


Absent = Annotated[
    list[str] | None,
    typer.Option(
        "--absent",
        metavar="DATASET",
        help="A dataset this district never sends (repeat, or comma-separated): its rules are "
        "skipped and listed, not reported as failures. Also `absent:` in sources.yaml.",
    ),
]
Wait = Annotated[
    bool,
    typer.Option("--wait", help="If another run holds OUTPUT, wait for it instead of refusing."),
]
MaxText = Annotated[
    int,
    typer.Option("--max-text-chars", min=1, help="A text cell longer than this is quarantined."),
]
MaxXlsxBytes = Annotated[
    int,
    typer.Option(
        "--max-xlsx-bytes",
        min=1,
        help="An .xlsx whose parts unpack to more bytes than this is refused before parsing.",
    ),
]
MaxXlsxRatio = Annotated[
    float,
    typer.Option(
        "--max-xlsx-ratio",
        min=1.0,
        help="An .xlsx that unpacks to more than this many times its size is refused.",
    ),
]
ParametersFile = Annotated[
    Path | None,
    typer.Option(
        "--parameters",
        help="The district's own parameter values (default: parameters.yaml in the input "
        "folder, if there is one); see docs/writing-rules.md.",
    ),
]
IncludeExamples = Annotated[
    bool,
    typer.Option(
        "--include-example-parameters",
        help="Also judge payments against parameter values marked `example` (no document "
        "confirms them); such clues are labelled 参数未经确认.",
    ),
]
CheckPeriod = Annotated[
    str,
    typer.Option(
        "--check-period",
        metavar="year|month",
        help="The period one clue covers: year (default) or month.",
    ),
]
Reuse = Annotated[
    bool,
    typer.Option(
        "--reuse/--no-reuse",
        help="Take over from the previous result at OUTPUT what nothing has changed since "
        "(datasets whose files are the same, rule files whose inputs are the same).",
    ),
]
Only = Annotated[
    list[str] | None,
    typer.Option(
        "--only",
        metavar="RULE_ID",
        help="Run only this rule (repeatable); a file prefix such as dibao_rural. runs all "
        "its rules.",
    ),
]
Reports = Annotated[
    bool,
    typer.Option("--reports/--no-reports", help="Build the validation reports (Data Docs)."),
]


def _parameters(input_dir: Path | None, given: Path | None) -> Path | None:
    from huimin.rules.params_loader import district_file

    if given is not None:
        if not given.is_file():
            raise ConfigError(f"{given}: no such file (--parameters)")
        return given
    return district_file(input_dir) if input_dir is not None else None


def _rule_options(ctx: RunContext, include_examples: bool, check_period: str) -> RunContext:
    from dataclasses import replace

    from huimin.rules.findings import CHECK_PERIODS

    if check_period not in CHECK_PERIODS:
        raise ConfigError(f"--check-period: '{check_period}' is not one of year, month")
    return replace(ctx, include_examples=include_examples, check_period=check_period)


def _context(
    as_of: dt.datetime | None,
    absent: list[str] | None,
    max_text_chars: int = MAX_TEXT_CHARS,
    max_xlsx_bytes: int = XLSX_MAX_UNCOMPRESSED,
    max_xlsx_ratio: float = XLSX_MAX_RATIO,
) -> RunContext:
    from huimin.contract import DATASETS

    names = frozenset(n.strip() for item in absent or [] for n in item.split(",") if n.strip())
    unknown = sorted(names - set(DATASETS))
    if unknown:
        raise ConfigError(
            f"--absent: unknown dataset {', '.join(unknown)} (known: {', '.join(sorted(DATASETS))})"
        )
    limits = Limits(max_text_chars, max_xlsx_bytes, max_xlsx_ratio)
    return RunContext(_date(as_of), limits, names)


@app.command()
@guarded(console)
def ingest(
    input_dir: InputDir,
    output: OutputDir,
    reports: Reports = True,
    as_of: AsOf = None,
    absent: Absent = None,
    wait: Wait = False,
    max_text_chars: MaxText = MAX_TEXT_CHARS,
    max_xlsx_bytes: MaxXlsxBytes = XLSX_MAX_UNCOMPRESSED,
    max_xlsx_ratio: MaxXlsxRatio = XLSX_MAX_RATIO,
    reuse: Reuse = True,
) -> None:
    """Read, normalise and validate every dataset in INPUT; stage the valid rows as Parquet.

    Bad rows go to OUTPUT/quarantine/<dataset>.parquet with every reason; OUTPUT/manifest.json
    counts rows in, valid and quarantined per dataset. The result is published at OUTPUT in one
    step when the run is complete.
    """
    from huimin.job import run_job

    ctx = replace(
        _context(as_of, absent, max_text_chars, max_xlsx_bytes, max_xlsx_ratio), reuse=reuse
    )
    code = run_job(
        input_dir,
        output,
        ctx=ctx,
        reports=reports,
        catalogue=None,
        console=console,
        wait=wait,
        command="huimin ingest",
    )
    raise typer.Exit(code)


@app.command()
@guarded(console)
def run(
    input_dir: InputDir,
    output: OutputDir,
    reports: Reports = True,
    as_of: AsOf = None,
    rules: RulesDir = None,
    absent: Absent = None,
    wait: Wait = False,
    max_text_chars: MaxText = MAX_TEXT_CHARS,
    max_xlsx_bytes: MaxXlsxBytes = XLSX_MAX_UNCOMPRESSED,
    max_xlsx_ratio: MaxXlsxRatio = XLSX_MAX_RATIO,
    parameters: ParametersFile = None,
    include_example_parameters: IncludeExamples = False,
    check_period: CheckPeriod = "year",
    reuse: Reuse = True,
    province: Annotated[
        Path | None,
        typer.Option(
            "--province",
            help="The province's clue list (province_clues form, .xlsx or .csv): reconciled "
            "with the district's clues into OUTPUT/reconciliation.parquet within the run.",
        ),
    ] = None,
    only: Only = None,
    ledger: Annotated[
        str | None,
        typer.Option(
            "--ledger",
            help="The verification ledger (file or database URL), read only: the clue report "
            "shows each rule's clues, verified and 查实率 (规则核查反馈). Not given: the report "
            "says so.",
        ),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="ADDRESS",
            help="Run as a Prefect flow on the Dask cluster whose scheduler is at ADDRESS "
            "(tcp://host:8786): the inputs are split by household across its workers; input "
            "and output must be on storage every worker shares (docs/dask.md).",
        ),
    ] = None,
    partitions: Annotated[
        int | None,
        typer.Option(
            "--partitions",
            min=1,
            metavar="N",
            help="Run the rules over N partitions that keep households whole, one after "
            "another in this process (memory for one partition at a time, for data larger "
            "than memory allows at once), or with --dask across the cluster (default "
            "there: its worker threads). The clues are the same.",
        ),
    ] = None,
) -> None:
    """The main job: ingest and validate INPUT, apply every rule, write clues under OUTPUT.

    Writes OUTPUT/clues.parquet and OUTPUT/clues.xlsx (one row per clue) beside the staged
    data, quarantine, manifest and validation reports. The rule catalogue is checked first;
    the whole result is published at OUTPUT in one step when the run is complete.
    """
    from huimin.job import run_job
    from huimin.rules.commands import load_catalogue
    from huimin.rules.select import select_rules

    ctx = _context(as_of, absent, max_text_chars, max_xlsx_bytes, max_xlsx_ratio)
    ctx = replace(_rule_options(ctx, include_example_parameters, check_period), reuse=reuse)
    catalogue = select_rules(
        load_catalogue(rules or default_rules(), _parameters(input_dir, parameters)), only or []
    )
    if province is not None and not province.is_file():
        raise ConfigError(f"{province}: no such file (--province)")
    if dask is not None:
        from huimin.flows.dask_run import run_on_dask

        code = run_on_dask(
            input_dir,
            output,
            dask,
            ctx=ctx,
            reports=reports,
            rules_dir=rules,
            parameters_file=_parameters(input_dir, parameters),
            only=only or [],
            province=province,
            wait=wait,
            console=console,
            ledger=ledger,
            partitions=partitions,
        )
        raise typer.Exit(code)
    code = run_job(
        input_dir,
        output,
        ctx=ctx,
        reports=reports,
        catalogue=catalogue,
        console=console,
        wait=wait,
        province=province,
        ledger=ledger,
        partitions=partitions,
    )
    raise typer.Exit(code)


@app.command()
@guarded(console)
def synth(
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Folder to write the synthetic district's files into."),
    ],
    scale: Annotated[
        Scale,
        typer.Option(
            help="Residents: sample (5,000), district (600,000), city (13.7 million), "
            "province (58 million)."
        ),
    ] = Scale.sample,
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 2023,
) -> None:
    """Write a synthetic 东西湖区 with planted anomalies and the truth about them."""
    from huimin.synth import generate

    summary = generate(output, scale=scale.value, seed=seed, console=console)
    console.print(summary.describe())


@contract_app.command("docs")
@guarded(console)
def contract_docs(
    output: Annotated[Path, typer.Option(help="Where to write the data dictionary.")] = Path(
        "docs/data-contract.md"
    ),
) -> None:
    """Regenerate the data dictionary (docs/data-contract.md) from the schemas."""
    from huimin.datadict import write_data_dictionary

    output.parent.mkdir(parents=True, exist_ok=True)
    write_data_dictionary(output)
    console.print(f"wrote {output}")


@flow_app.command("run")
@guarded(console)
def flow_run(
    input_dir: InputDir,
    output: OutputDir,
    period: Annotated[
        str | None,
        typer.Option(
            "--period", metavar="YYYY-MM", help="The month checked (default: the previous month)."
        ),
    ] = None,
    as_of: AsOf = None,
    absent: Absent = None,
    rules: RulesDir = None,
    parameters: ParametersFile = None,
    reports: Reports = True,
    reuse: Reuse = True,
) -> None:
    """Run the district job once as a Prefect flow (a temporary Prefect server starts unless
    PREFECT_API_URL points at one)."""
    from huimin.flows.district import district_run

    if period is not None and not _is_month(period):
        raise ConfigError(f"--period: '{period}' is not a month YYYY-MM")
    ctx = _context(as_of, absent)
    manifest = district_run(
        input_dir,
        output,
        period=period,
        as_of=ctx.as_of if as_of else None,
        absent=sorted(ctx.absent),
        rules_dir=_rule_folder(rules) if rules else None,
        parameters_file=_parameters(input_dir, parameters),
        reports=reports,
        reuse=reuse,
    )
    raise typer.Exit(int(manifest.get("exit_code", 0)))


def _is_month(text: str) -> bool:
    import re

    return re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text) is not None


@flow_app.command("serve")
@guarded(console)
def flow_serve(
    input_dir: InputDir,
    output: OutputDir,
    cron: Annotated[str, typer.Option(help="When to run, cron syntax (default 02:00 daily).")] = (
        "0 2 * * *"
    ),
) -> None:
    """Serve the district job on a schedule (start `prefect server start` first)."""
    from huimin.flows.deployments import serve_district

    serve_district(input_dir, output, cron)


@rules_app.command("check")
@guarded(console)
def rules_check(rules: RulesDir = None) -> None:
    """Load every rule file; print each problem as file:line:column (exit 2 if any)."""
    from huimin.rules.commands import load_catalogue
    from huimin.rules.params_loader import load_tree, tree_folder, unused_parameters

    folder = rules or default_rules()
    files = load_catalogue(folder)
    count = sum(len(f.rules) for f in files)
    for parameter in unused_parameters(load_tree(tree_folder(folder)), files):
        console.print(f"note: parameter {parameter.name} is used by no rule", highlight=False)
    console.print(f"{len(files)} rule files, {count} rules: ok")


@rules_app.command("test")
@guarded(console)
def rules_test(
    prefix: Annotated[str | None, typer.Argument(help="Only rules whose id starts so.")] = None,
    rules: RulesDir = None,
) -> None:
    """Run every rule's examples; exit 1 if any gives other clues than it expects."""
    from huimin.rules.commands import load_catalogue
    from huimin.rules.examples import run_examples

    outcomes = run_examples(load_catalogue(rules or default_rules()), prefix)
    failed = [o for o in outcomes if not o.passed]
    for outcome in failed:
        console.print(outcome.describe(), soft_wrap=True, highlight=False, markup=False)
    console.print(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    if not outcomes:
        raise ConfigError(f"no rule example matches '{prefix}'")
    raise typer.Exit(EXIT_CHECKS_FAILED if failed else 0)


@rules_app.command("run")
@guarded(console)
def rules_run(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="A published `huimin run` output folder.")
    ],
    rules: RulesDir = None,
    as_of: AsOf = None,
    wait: Wait = False,
    parameters: ParametersFile = None,
    include_example_parameters: IncludeExamples = False,
    check_period: CheckPeriod = "year",
    only: Only = None,
) -> None:
    """Apply the catalogue to already staged data (after editing rules, no new ingest).

    The result is published at OUTPUT as a new run: the staged data of the previous one, the
    new clues and manifest. The district's parameters.yaml is read from the input folder the
    published run recorded, unless --parameters names another.
    """
    from huimin.job import published_input, rerun_rules
    from huimin.rules.commands import load_catalogue
    from huimin.rules.select import select_rules

    overrides = _parameters(published_input(output), parameters)
    catalogue = select_rules(load_catalogue(rules or default_rules(), overrides), only or [])
    options = _rule_options(RunContext(_date(as_of)), include_example_parameters, check_period)
    code = rerun_rules(
        output,
        catalogue=catalogue,
        as_of=_date(as_of) if as_of else None,
        options=options,
        console=console,
        wait=wait,
    )
    raise typer.Exit(code)


@rules_app.command("explain")
@guarded(console)
def rules_explain(
    rule_id: Annotated[str, typer.Argument(help="e.g. dibao_rural.member_dead_paid")],
    rules: RulesDir = None,
) -> None:
    """Print what a rule does, its parameters with their dated values, and its polars plan."""
    from huimin.rules.commands import explain, load_catalogue

    try:
        text = explain(load_catalogue(rules or default_rules()), rule_id)
    except KeyError as exc:
        raise ConfigError(str(exc.args[0])) from None
    typer.echo(text)


@rules_app.command("score")
@guarded(console)
def rules_score(
    output: Annotated[Path, typer.Option("--output", "-o", help="A `huimin run` output folder.")],
    truth: Annotated[Path, typer.Option(help="truth/anomalies.parquet of a synthetic district.")],
    truth_map: Annotated[
        Path | None,
        typer.Option(help="Rule id → anomaly types (file or folder; default: the project's)."),
    ] = None,
    rules: RulesDir = None,
) -> None:
    """Recall and precision of the clues per planted anomaly type, as a Markdown table."""
    import polars as pl

    from huimin.rules.commands import load_catalogue
    from huimin.rules.evaluate import load_truth_map, markdown, score

    for path, what in ((output / "findings.parquet", "--output"), (truth, "--truth")):
        if not path.is_file():
            raise ConfigError(f"{path}: no such file ({what})")
    table = score(
        pl.read_parquet(output / "findings.parquet"),
        pl.read_parquet(truth),
        load_truth_map(truth_map or project_path("data", "reference", "rule-truth-map")),
        load_catalogue(rules or default_rules()),
    )
    typer.echo(markdown(table))


def default_rules() -> Path:
    return project_path("rules")


def project_path(*parts: str) -> Path:
    """A file of the project itself, wherever the command is run from."""
    from huimin.resources import project_file

    return project_file(*parts)


def _date(value: dt.datetime | None) -> dt.date:
    return value.date() if value else dt.date.today()


if __name__ == "__main__":  # pragma: no cover
    app()
