"""Benchmark: huimin on 12 representative rules against hand-written DuckDB SQL and pandas.

    python benchmarks/compare.py --scale district

Generates the district (seed 2023) into benchmarks/work/ when it is missing (cached), ingests
it once with ``huimin ingest --no-reports --no-reuse``, checks that huimin, DuckDB and pandas
flag the same (rule, subject, period) payments, then times each as a separate process,
alternating, ``--repeat`` times (medians). Also times the whole catalogue (ingest excluded and
included), the catalogue load (``huimin rules check``) and the plain-scan floor (every staged
column read once). Appends wall and CPU seconds, peak memory, rows per second and the ratios
to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
PY = sys.executable
HUIMIN = [PY, "-m", "huimin.cli"]
SCAN = 'import polars as pl,sys,pathlib;[pl.read_parquet(p) for p in pathlib.Path(sys.argv[1]).glob("*.parquet")]'  # noqa: E501


@dataclass
class Measure:
    wall: float
    cpu: float
    peak_gb: float
    code: int


@dataclass
class Row:
    work: str
    command: str
    runs: list[Measure]
    rows: int

    def median(self, field: str) -> float:
        return float(statistics.median(float(getattr(m, field)) for m in self.runs))


def measure(command: list[str]) -> Measure:
    """Wall and CPU seconds and peak resident memory of ``command`` run as a child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime
    return Measure(wall, cpu, usage.ru_maxrss / 1024 / 1024, os.waitstatus_to_exitcode(status))


def prepare(
    args: argparse.Namespace, name: str = "compare_out"
) -> tuple[Path, Path, dict[str, int]]:
    """The input (generated when missing) and a fresh staged run of it in ``work/<name>``."""
    work = args.work / args.scale
    input_dir = args.input or work / "input"
    if not (input_dir / "population.parquet").exists():
        synth = [*HUIMIN, "synth", "--scale", args.scale, "--seed", str(args.seed)]
        check(measure([*synth, "--output", str(input_dir)]), "synth")
    output = work / name
    clear(output)
    ingest = [*HUIMIN, "ingest", "--input", str(input_dir), "--output", str(output)]
    check(measure([*ingest, "--no-reports", "--no-reuse"]), "ingest")
    totals = json.loads((output / "manifest.json").read_text(encoding="utf-8"))["totals"]
    return input_dir, output, totals


def clear(output: Path) -> None:
    for path in (output, output.with_name(output.name + ".runs")):
        if path.is_symlink():
            path.unlink()
        else:
            shutil.rmtree(path, ignore_errors=True)


def check(m: Measure, step: str) -> None:
    if m.code != 0:
        raise SystemExit(f"{step} failed with exit code {m.code}")


def agree(staged: Path, scratch: Path) -> int:
    """Run the three implementations once; stop unless they flag the same payments."""
    sets = {}
    for name in ("run_huimin_rules", "duckdb_rules", "pandas_rules"):
        out = scratch / f"{name}.parquet"
        check(measure([PY, str(BENCH / f"{name}.py"), str(staged), "--out", str(out)]), name)
        sets[name] = pl.read_parquet(out)
    first = sets["run_huimin_rules"]
    for name, other in sets.items():
        if not first.equals(other):
            raise SystemExit(f"{name} does not flag the same payments as huimin")
    return first.height


#: what huimin's runs report of themselves: work → [{"load": s, "rules": s}, ...]
IN_PROCESS: dict[str, list[dict[str, float]]] = {}


def timed(commands: dict[str, list[str]], repeat: int) -> dict[str, list[Measure]]:
    """Each command ``repeat`` times, alternating between them."""
    runs: dict[str, list[Measure]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            m = measure(command)
            check(m, name)
            runs[name].append(m)
            if "--timing" in command:
                path = Path(command[command.index("--timing") + 1])
                IN_PROCESS.setdefault(name, []).append(json.loads(path.read_text("utf-8")))
    return runs


def _in_process(name: str, part: str) -> float:
    return statistics.median(t[part] for t in IN_PROCESS[name])


def shown(command: list[str]) -> str:
    if "--timing" in command:
        at = command.index("--timing")
        command = command[:at] + command[at + 2 :]
    text = shlex.join(command).replace(PY, "python").replace(str(ROOT) + "/", "")
    return text.replace("python -m huimin.cli", "huimin")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["sample", "district"], default="district")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--input", type=Path, help="an existing synthetic input folder")
    parser.add_argument("--work", type=Path, default=BENCH / "work")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--note", default="", help="a remark recorded with the figures")
    args = parser.parse_args()

    input_dir, output, totals = prepare(args)
    staged = output / "staged"
    flagged = agree(staged, output.parent)
    rows = int(totals["rows_valid"])
    twelve = {
        "huimin, 12 rules": [*_huimin_rules(staged, output.parent, "12")],
        "DuckDB SQL, 12 rules": [PY, str(BENCH / "duckdb_rules.py"), str(staged)],
        "pandas, 12 rules": [PY, str(BENCH / "pandas_rules.py"), str(staged)],
    }
    also = {
        "huimin, whole catalogue (ingest excluded)": [
            *_huimin_rules(staged, output.parent, "all"),
            "--all",
        ],
        "catalogue load (`huimin rules check`)": [*HUIMIN, "rules", "check"],
        "plain-scan floor (polars, every staged column)": [PY, "-c", SCAN, str(staged)],
    }
    runs = timed(twelve, args.repeat) | timed(also, args.repeat)
    commands = twelve | also
    table = [
        Row(name, shown(commands[name]), runs[name], 0 if "load" in name else rows)
        for name in commands
    ]
    table.append(_whole_run(input_dir, output.parent, int(totals["rows_in"])))
    write_results(args, table, flagged, totals)
    return 0


def _huimin_rules(staged: Path, work: Path, tag: str) -> list[str]:
    timing = work / f"timing_{tag}.json"
    return [PY, str(BENCH / "run_huimin_rules.py"), str(staged), "--timing", str(timing)]


def _whole_run(input_dir: Path, work: Path, rows_in: int) -> Row:
    """The whole catalogue with ingest included: one ``huimin run`` (no reports)."""
    output = work / "compare_run_out"
    clear(output)
    command = [*HUIMIN, "run", "--input", str(input_dir), "--output", str(output)]
    command += ["--no-reports", "--no-reuse", "--include-example-parameters"]
    m = measure(command)
    check(m, "huimin run")
    return Row("huimin run, whole catalogue (ingest included, once)", shown(command), [m], rows_in)


def write_results(
    args: argparse.Namespace, table: list[Row], flagged: int, totals: dict[str, int]
) -> None:
    import duckdb
    import pandas

    by = {row.work: row for row in table}
    hm, duck, pd_ = (
        by[n].median("wall")
        for n in ("huimin, 12 rules", "DuckDB SQL, 12 rules", "pandas, 12 rules")
    )
    command = shlex.join(["python", "benchmarks/compare.py", *sys.argv[1:]])
    lines = [
        f"## {dt.date.today()} · {args.scale} · `{command}`",
        "",
        *([f"_{args.note}_", ""] if args.note else []),
        f"Machine: {os.cpu_count()} cores (nproc), {memory_gb():.0f} GB, Python "
        f"{platform.python_version()}, polars {pl.__version__}, duckdb {duckdb.__version__}, "
        f"pandas {pandas.__version__}; rows in {totals['rows_in']:,}, staged "
        f"{totals['rows_valid']:,}. Medians of {args.repeat} separate processes, alternating; "
        f"parameters of status `example` included. The three implementations flag the same "
        f"{flagged:,} (rule, subject, period) payments.",
        "",
        "| work | runs | wall s | CPU s | peak memory (GB) | rows/s | command |",
        "|---|---:|---:|---:|---:|---:|---|",
        *[_line(row) for row in table],
        "",
        f"Ratios (median wall): huimin/DuckDB **{hm / duck:.2f}**, pandas/huimin "
        f"**{pd_ / hm:.2f}**; whole catalogue / plain-scan floor "
        f"**{_ratio(by, 'huimin, whole catalogue (ingest excluded)'):.2f}**.",
        "",
        *_in_process_lines(duck),
    ]
    text = "\n".join(lines)
    print(text)
    with args.results.open("a", encoding="utf-8") as handle:
        handle.write(text + "\n")


def _in_process_lines(duck: float) -> list[str]:
    """huimin's own account of its runs: the catalogue load and the rule work apart."""
    twelve, whole = "huimin, 12 rules", "huimin, whole catalogue (ingest excluded)"
    rules = _in_process(twelve, "rules")
    return [
        f"Inside huimin's processes (medians): 12 rules: catalogue load "
        f"{_in_process(twelve, 'load'):.2f} s, rule work {rules:.2f} s; whole catalogue: "
        f"load {_in_process(whole, 'load'):.2f} s, rule work {_in_process(whole, 'rules'):.2f} s. "
        f"The 12 rules' work alone against DuckDB's whole process: **{rules / duck:.2f}**.",
        "",
    ]


def _ratio(by: dict[str, Row], name: str) -> float:
    floor = by["plain-scan floor (polars, every staged column)"].median("wall")
    return by[name].median("wall") / floor


def _line(row: Row) -> str:
    wall = row.median("wall")
    speed = f"{row.rows / wall:,.0f}" if row.rows else "–"
    return (
        f"| {row.work} | {len(row.runs)} | {wall:.2f} | {row.median('cpu'):.2f} | "
        f"{row.median('peak_gb'):.2f} | {speed} | `{row.command}` |"
    )


def memory_gb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3


if __name__ == "__main__":
    raise SystemExit(main())
