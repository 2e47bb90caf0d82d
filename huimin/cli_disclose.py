"""``huimin disclose``: the public lists (公示名单) per street and the public account of policy
and rectification status (政策落实和问题整改情况) from a published run and, optionally, the
ledger. What is shown and how it is masked is decided in :mod:`huimin.disclose`; this module
reads the run, writes the folder (all of it or nothing) and prints the summary.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.console import Console

from huimin.boundary import guarded
from huimin.errors import ConfigError, DataFileError
from huimin.redact import RedactingWriter, redact

if TYPE_CHECKING:
    import polars as pl

console = Console(file=cast(IO[str], RedactingWriter(None)), stderr=True)

#: the file that says a folder was written by ``huimin disclose`` (and may be replaced)
MARKER = ".huimin-disclose"
ACCOUNT = "policy-account"
NO_LEDGER = (
    "rectification status (问题整改情况) not written: no --ledger given; the clue ledger "
    "(huimin ledger) holds the verification and rectification of every clue"
)
SHEET_NOTE = (
    "姓名只显示姓氏，公民身份号码隐去出生日期；不公布银行账号、电话号码和住址。见 README.txt。"
)

OutputOpt = Annotated[
    Path, typer.Option("--output", "-o", help="A published result (of `huimin run`).")
]
LedgerOpt = Annotated[
    str | None,
    typer.Option(
        "--ledger",
        help="Ledger file or database URL, for the rectification status; without it only the "
        "public lists and the policy figures are written.",
    ),
]
ToOpt = Annotated[
    Path, typer.Option("--to", help="Folder to write (replaced as a whole on each disclosure).")
]
ProjectOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--project",
        help="A project to disclose (dataset or project name); repeat for several. "
        "Default: every roster.",
    ),
]


@dataclass
class Disclosure:
    """What one disclosure holds, ready to write."""

    run_id: str
    as_of: str
    lists: dict[str, pl.DataFrame] = field(default_factory=dict)
    withheld: list[str] = field(default_factory=list)
    unusable: list[str] = field(default_factory=list)
    account: pl.DataFrame | None = None
    clues: int | None = None
    periods: dict[str, str] = field(default_factory=dict)
    history: str = ""  # the ledger's head and event count, as every report prints them


# ---------------------------------------------------------------------------- reading
def published_run(output: Path) -> tuple[Path, dict[str, Any]]:
    """The published run folder at ``output`` and its manifest; ConfigError when there is none."""
    out = Path(os.path.abspath(output))  # noqa: PTH100
    if not out.exists():
        raise ConfigError(
            f"{out}: no published result here (--output): run "
            f"`huimin run --input DIR --output {out}` first"
        )
    folder = out.resolve()
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        datasets = manifest["datasets"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError(
            f"{out}: not a huimin result (no readable manifest.json): give the --output "
            "folder of `huimin run`"
        ) from None
    if not isinstance(datasets, dict):
        raise ConfigError(f"{path}: not a huimin run manifest: run `huimin run` again")
    return folder, manifest


def _usable(manifest: dict[str, Any], dataset: str) -> bool:
    entry = manifest["datasets"].get(dataset)
    return isinstance(entry, dict) and not entry.get("error") and entry.get("rows_valid", 0) > 0


def read_roster(folder: Path, dataset: str) -> pl.DataFrame:
    """The staged roster's fields the disclosure reads, and no other (no bank account)."""
    import polars as pl

    from huimin.disclose import PERIOD_FIELDS, PUBLIC_LISTS, missing_fields

    path = folder / "staged" / f"{dataset}.parquet"
    who = "recipient_name" if dataset == "farmland_subsidy" else "id_number"
    needed = [who, "amount", PERIOD_FIELDS[dataset]]
    if dataset in PUBLIC_LISTS:
        needed += PUBLIC_LISTS[dataset].fields()
    try:
        present = pl.read_parquet_schema(path)
        lacking = missing_fields(pl.LazyFrame(schema=present), needed)
        if lacking:
            raise DataFileError(path, f"no {', '.join(lacking)} column", "run `huimin run` again")
        wanted = dict.fromkeys([*needed, "household_id", "_source_row"])
        return pl.read_parquet(path, columns=[c for c in wanted if c in present])
    except (OSError, pl.exceptions.PolarsError):
        raise DataFileError(
            path, "cannot be read as the run's staged data", "run `huimin run` again"
        ) from None


def read_clues(ledger: str) -> tuple[pl.DataFrame, str]:
    """The ledger's clues (:func:`huimin.stats.ledger_clues_frame`) and its history line; a
    path must exist."""
    from huimin.ledger.store import Ledger
    from huimin.stats import ledger_clues_frame

    if "://" not in ledger and not Path(ledger).expanduser().is_file():
        raise ConfigError(
            f"--ledger {ledger}: no ledger file there: give the path or URL of the ledger "
            "(huimin ledger)"
        )
    opened = Ledger.open(ledger)
    try:
        with opened.read() as session:
            clues = ledger_clues_frame(session)
        return clues, opened.head().line()
    finally:
        opened.dispose()


def gather(
    folder: Path, manifest: dict[str, Any], ledger: str | None, projects: list[str] | None
) -> Disclosure:
    """Everything to disclose from the run at ``folder`` (and the ledger)."""
    from huimin.disclose import (
        LEDGER_COLUMNS,
        PROJECTS,
        PUBLIC_LISTS,
        ROSTER_COLUMNS,
        choose_projects,
        policy_account,
        public_list,
    )

    chosen = choose_projects(projects)
    result = Disclosure(str(manifest.get("run_id", "")), str(manifest.get("as_of", "")))
    rosters: dict[str, pl.DataFrame | None] = {}
    for dataset in chosen:
        usable = _usable(manifest, dataset)
        rosters[dataset] = read_roster(folder, dataset) if usable else None
        if not usable:
            result.unusable.append(dataset)
        elif dataset in PUBLIC_LISTS:
            roster = cast("pl.DataFrame", rosters[dataset])
            result.lists[dataset] = public_list(roster, PUBLIC_LISTS[dataset])
        else:
            result.withheld.append(dataset)
    clues = None
    if ledger is not None:
        clues, result.history = read_clues(ledger)
    result.account = policy_account(rosters, chosen, clues, restrict=bool(projects))
    if clues is not None:
        result.clues = int(result.account.get_column(LEDGER_COLUMNS[0]).item(-1))
    spans = dict(result.account.select("项目名称", ROSTER_COLUMNS[0]).iter_rows())
    result.periods = {d: str(spans.get(PROJECTS[d][0]) or "") for d in chosen}
    return result


# ---------------------------------------------------------------------------- the target
def check_target(to: Path, output: Path) -> Path:
    """``--to`` as an absolute path: outside the run's folders, and empty, absent or an
    earlier disclosure (which is replaced as a whole)."""
    from huimin.runs import runs_root

    target = Path(os.path.abspath(to))  # noqa: PTH100
    out = Path(os.path.abspath(output))  # noqa: PTH100
    where = target.resolve()
    for run_area in {out, out.resolve(), runs_root(out).resolve()}:
        if where == run_area or run_area in where.parents:
            raise ConfigError(
                f"--to {target}: lies inside the run's folder ({run_area}): runs are replaced; "
                "write the disclosure elsewhere"
            )
    if target.exists() and not target.is_dir():
        raise ConfigError(f"--to {target}: exists and is not a folder: choose another --to")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise ConfigError(
            f"--to {target}: holds files not written by huimin disclose: choose an empty or "
            "new folder"
        )
    return target


def safe_name(text: str) -> str:
    """A street as a file name: letters, digits, CJK and brackets; anything else ``_``."""
    name = re.sub(r"[^\w（）()]", "_", text)[:60]
    return name if name.strip("_") else "_"


# ---------------------------------------------------------------------------- writing
def _write_sheet(workbook: Any, name: str, heads: list[str], frame: pl.DataFrame) -> None:
    """A sheet: its title, the masking note, the header and the rows; text cells stay text."""
    from huimin.exports import write_text_cell

    sheet = workbook.add_worksheet(name)
    bold = workbook.add_format({"bold": True, "font_size": 14})
    head = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    money = workbook.add_format({"num_format": "0.00"})
    for row, text in enumerate(heads):
        write_text_cell(sheet, row, 0, text, bold if row == 0 else None)
    top = len(heads)
    for col, header in enumerate(frame.columns):
        write_text_cell(sheet, top, col, header, head)
        sheet.set_column(col, col, max(10, 2 * len(header) + 2))
    for r, values in enumerate(frame.iter_rows(), start=top + 1):
        for col, value in enumerate(values):
            if isinstance(value, int | float) and not isinstance(value, bool):
                fmt = money if isinstance(value, float) else None
                sheet.write_number(r, col, value, fmt)
            else:
                write_text_cell(sheet, r, col, None if value is None else str(value))
    sheet.freeze_panes(top + 1, 0)


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3`` ... when two streets make the same file name."""
    number = 1
    found = name
    while found in taken:
        number += 1
        found = f"{name}-{number}"
    taken.add(found)
    return found


def _write_street(
    where: Path, street: str, parts: dict[str, pl.DataFrame], periods: dict[str, str]
) -> list[Path]:
    """The street's workbook and CSV files in its folder ``where`` (named after the street)."""
    from huimin.atomic import atomic_path
    from huimin.disclose import PUBLIC_LISTS
    from huimin.exports import safe_workbook, write_csv

    name = where.name
    written = []
    book = where / f"公示名单-{name}.xlsx"
    book.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(book) as tmp:
        workbook = safe_workbook(tmp)
        for dataset, part in parts.items():
            spec = PUBLIC_LISTS[dataset]
            title = f"{street} {spec.project} 公示名单（发放期间 {periods.get(dataset, '')}）"
            _write_sheet(workbook, spec.label, [title, SHEET_NOTE], part)
        workbook.close()
    written.append(book)
    for dataset, part in parts.items():
        label = PUBLIC_LISTS[dataset].label
        written.append(write_csv(part, where / f"{name}-{label}.csv"))
    return written


def readme(result: Disclosure) -> str:
    """README.txt: what the folder holds, how it is masked, what never appears."""
    from huimin.disclose import MASKING_RULES, PROJECTS, WITHHELD

    lines = [
        "惠民惠农政策落实公示材料（huimin disclose）",
        f"数据来源：huimin 运行 {result.run_id}，数据判断日 {result.as_of}。",
        "",
        "内容：",
        "- <街道>/公示名单-<街道>.xlsx：本街道的公示名单，每个项目一张工作表；",
        "- <街道>/<街道>-<项目>.csv：同样的名单，每个项目一个文件；",
        "- policy-account.csv、policy-account.xlsx：政策落实和问题整改情况，按项目汇总，"
        "不含任何个人信息。",
        "",
        "去标识化规则：",
        *[f"- {rule}" for rule in MASKING_RULES],
        "",
        "汇总行的发放对象为各项目人数相加，同一人享受两个项目计两次。",
    ]
    if result.clues is None:
        lines.append("本次未读取问题线索台账，问题整改情况未写入。")
    else:
        lines.append(f"问题整改情况来自问题线索台账（{result.clues} 条线索），只有按项目的数字。")
    if result.withheld:
        lines += ["", "不公示个人名单的项目（汇总数见 policy-account）："]
        lines += [f"- {PROJECTS[d][0]}：{WITHHELD[d]}" for d in result.withheld]
    return "\n".join(lines) + "\n"


def _street_rank(street: str) -> tuple[int, str]:
    from huimin.appendix import STREETS

    return (STREETS.index(street) if street in STREETS else len(STREETS), street)


def write_disclosure(result: Disclosure, target: Path) -> list[Path]:
    """Write everything into a new folder beside ``target``, then put it in ``target``'s
    place: a disclosure is whole or absent, never a mix of two."""
    from huimin.atomic import atomic_path, dir_mode, write_text
    from huimin.disclose import by_street
    from huimin.exports import safe_workbook, write_csv

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    try:
        staging.chmod(dir_mode())
        streets: dict[str, dict[str, pl.DataFrame]] = {}
        for dataset, table in result.lists.items():
            for street, part in by_street(table).items():
                streets.setdefault(street, {})[dataset] = part
        written: list[Path] = []
        taken: set[str] = set()
        for street, parts in sorted(streets.items(), key=lambda item: _street_rank(item[0])):
            name = _unique(safe_name(street), taken)
            written += _write_street(staging / name, street, parts, result.periods)
            write_text(staging / name / "README.txt", readme(result))
        account = cast("pl.DataFrame", result.account)
        written.append(write_csv(account, staging / f"{ACCOUNT}.csv"))
        with atomic_path(staging / f"{ACCOUNT}.xlsx") as tmp:
            workbook = safe_workbook(tmp)
            heads = ["政策落实和问题整改情况（按项目）", f"数据来源：huimin 运行 {result.run_id}"]
            if result.clues is None:
                heads.append("本次未读取问题线索台账，问题整改情况未写入。")
            _write_sheet(workbook, "政策落实和问题整改情况", heads, account)
            workbook.close()
        written.append(staging / f"{ACCOUNT}.xlsx")
        write_text(staging / "README.txt", readme(result))
        write_text(staging / MARKER, f"{result.run_id}\n")
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [target / path.relative_to(staging) for path in written]


def _swap(staging: Path, target: Path) -> None:
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------- the command
def _say(text: str) -> None:
    console.print(redact(text), markup=False, highlight=False, soft_wrap=True)


def print_summary(result: Disclosure, written: list[Path], target: Path) -> None:
    from huimin.disclose import AMOUNT, PROJECTS, PUBLIC_LISTS, STREET, WITHHELD

    for dataset, table in result.lists.items():
        streets = table.get_column(STREET).n_unique()
        amount = table.get_column(AMOUNT).sum()
        _say(
            f"public list {PUBLIC_LISTS[dataset].label}: {table.height:,} rows, "
            f"{streets} streets, {amount:,.2f} yuan"
        )
    for dataset in result.withheld:
        _say(
            f"no public list for {PROJECTS[dataset][0]} (in the account only): {WITHHELD[dataset]}"
        )
    for dataset in result.unusable:
        _say(f"not disclosed: {PROJECTS[dataset][0]}: no usable roster in this run")
    account = cast("pl.DataFrame", result.account)
    _say(f"policy account: {account.height - 1} projects")
    if result.clues is None:
        _say(NO_LEDGER)
    else:
        _say(f"rectification status: from the ledger ({result.clues:,} clues in these projects)")
        _say(result.history)
    books = [p for p in written if p.suffix == ".xlsx" and p.parent != target]
    csvs = [p for p in written if p.suffix == ".csv" and p.parent != target]
    _say(f"street workbooks: {len(books)}, street CSV files: {len(csvs)}")
    for book in books:
        _say(f"  {book}")
    _say(
        f"written: {target / 'README.txt'}, {target / (ACCOUNT + '.csv')}, "
        f"{target / (ACCOUNT + '.xlsx')}"
    )


@guarded(console)
def disclose(
    output: OutputOpt,
    ledger: LedgerOpt = None,
    to: ToOpt = Path("disclose"),
    project: ProjectOpt = None,
) -> None:
    """Write the public lists (公示名单, per street, names and ID numbers masked, no bank
    account or phone) and the public account of policy and rectification status."""
    folder, manifest = published_run(output)
    target = check_target(to, output)
    result = gather(folder, manifest, ledger, project)
    written = write_disclosure(result, target)
    print_summary(result, written, target)
