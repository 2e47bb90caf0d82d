"""Benchmark: the whole catalogue and the whole run against independent DuckDB baselines.

    python benchmarks/catalogue_compare.py --input DIR [--whole-catalogue] [--raw]

``--whole-catalogue``: huimin's engine on every rule (``run_huimin_rules.py --all``) against
the catalogue written by hand as DuckDB SQL (``duckdb_catalogue.py``), both on the staged
Parquet of one ``huimin ingest --no-reports --no-reuse`` of the input folder.

``--raw``: raw department files to clues, ``huimin run --no-reports --no-reuse
--include-example-parameters``, against ``duckdb_pipeline.py`` (reads the same files, checks
ID numbers and the contract's key checks, stages into DuckDB, runs the same SQL).

Neither is timed unless both sides flag the same (rule, subject, period) payments, rule by
rule. Each side then runs as a separate process, alternating, ``--repeat`` times; the medians
of wall and CPU seconds and peak memory are printed as a Markdown block ready for
benchmarks/RESULTS.md (appended there only with ``--append``). Without either flag, both run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from compare import BENCH, HUIMIN, PY, Measure, check, clear, measure, memory_gb, shown
from compare import prepare as prepare_staged
from rule_set import subjects_frame


@dataclass
class Timed:
    """One side of a comparison: its command and its measured runs."""

    work: str
    command: list[str]
    rows: int
    runs: list[Measure]
    #: what huimin's rule runs say of themselves: the catalogue load and the rule work (s)
    inside: list[dict[str, float]] = field(default_factory=list)
    #: the machine's 1-minute load average as each run started (other jobs share it)
    loads: list[float] = field(default_factory=list)

    def median(self, measured: str) -> float:
        return float(statistics.median(float(getattr(m, measured)) for m in self.runs))


def alternate(
    sides: list[Timed], repeat: int, before: dict[str, Callable[[], None]] | None = None
) -> None:
    """Run each side ``repeat`` times, alternating; ``before[work]`` runs ahead of each run."""
    for _ in range(repeat):
        for side in sides:
            (before or {}).get(side.work, lambda: None)()
            side.loads.append(os.getloadavg()[0])
            m = measure(side.command)
            check(m, side.work)
            side.runs.append(m)
            if "--timing" in side.command:
                timing = Path(side.command[side.command.index("--timing") + 1])
                side.inside.append(json.loads(timing.read_text(encoding="utf-8")))


def disagreements(huimin: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    """Per rule, the payments only huimin flags and those only the other side flags."""
    key = ["rule_id", "subject", "period"]
    only = [
        a.join(b, on=key, how="anti").group_by("rule_id").len(name)
        for a, b, name in ((huimin, other, "only_huimin"), (other, huimin, "only_other"))
    ]
    return (
        only[0].join(only[1], on="rule_id", how="full", coalesce=True).fill_null(0).sort("rule_id")
    )


def agree(huimin: pl.DataFrame, other: pl.DataFrame, what: str) -> int:
    """Stop, saying which rules differ, unless both flag the same payments."""
    if not huimin.equals(other):
        with pl.Config(tbl_rows=-1):
            print(disagreements(huimin, other), file=sys.stderr)
        raise SystemExit(f"{what}: the DuckDB baseline does not flag the same payments as huimin")
    return huimin.height


def findings_subjects(run_folder: Path) -> pl.DataFrame:
    """The flagged (rule, subject, period) payments of a published ``huimin run``."""
    hits = pl.read_parquet(run_folder / "findings.parquet").select("rule_id", "hits")
    hits = hits.explode("hits").unnest("hits")
    return subjects_frame(hits.select("rule_id", "subject", "period"))


def whole_catalogue(staged: Path, work: Path, rows: int) -> tuple[list[Timed], int]:
    """The two sides on the staged data, once checked to agree."""
    timing = ["--timing", str(work / "timing_whole_catalogue.json")]
    sides = [
        Timed(
            "huimin, whole catalogue",
            [PY, str(BENCH / "run_huimin_rules.py"), str(staged), "--all", *timing],
            rows,
            [],
        ),
        Timed(
            "DuckDB SQL, whole catalogue",
            [PY, str(BENCH / "duckdb_catalogue.py"), str(staged)],
            rows,
            [],
        ),
    ]
    found = []
    for side in sides:
        out = work / f"{Path(side.command[1]).stem}_all.parquet"
        check(measure([*side.command, "--out", str(out)]), side.work)
        found.append(pl.read_parquet(out))
    return sides, agree(found[0], found[1], "whole catalogue")


def raw_files(input_dir: Path, work: Path, rows_in: int) -> tuple[list[Timed], int, Path]:
    """``huimin run`` and the DuckDB pipeline on the input folder, once checked to agree."""
    output = work / "catalogue_run_out"
    run = [*HUIMIN, "run", "--input", str(input_dir), "--output", str(output)]
    run += ["--no-reports", "--no-reuse", "--include-example-parameters"]
    clear(output)
    check(measure(run), "huimin run")
    manifest = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    pipeline = [PY, str(BENCH / "duckdb_pipeline.py"), str(input_dir), "--as-of", manifest["as_of"]]
    out = work / "duckdb_pipeline.parquet"
    check(measure([*pipeline, "--out", str(out)]), "duckdb pipeline")
    flagged = agree(findings_subjects(output), pl.read_parquet(out), "raw files")
    sides = [
        Timed("huimin run, raw files to clues", run, rows_in, []),
        Timed("DuckDB pipeline, raw files to flagged payments", pipeline, rows_in, []),
    ]
    return sides, flagged, output


def markdown(
    args: argparse.Namespace, sections: list[tuple[str, list[Timed], int]], totals: dict[str, int]
) -> str:
    """The figures as a block for benchmarks/RESULTS.md."""
    import duckdb

    command = shlex.join(["python", "benchmarks/catalogue_compare.py", *sys.argv[1:]])
    lines = [
        f"## {dt.date.today()} · {args.scale} · `{command}`",
        "",
        *([f"_{args.note}_", ""] if args.note else []),
        f"Machine: {os.cpu_count()} cores (nproc), {memory_gb():.0f} GB, Python "
        f"{platform.python_version()}, polars {pl.__version__}, duckdb {duckdb.__version__}; rows "
        f"in {totals['rows_in']:,}, staged {totals['rows_valid']:,}. Medians of {args.repeat} "
        "separate processes, alternating; parameters of status `example` included.",
        "",
    ]
    loads = [load for _, sides, _ in sections for side in sides for load in side.loads]
    lines += [
        f"1-minute load average as each timed run started: {min(loads):.1f} to "
        f"{max(loads):.1f} ({os.cpu_count()} cores).",
        "",
    ]
    for title, sides, flagged in sections:
        huimin, duck = sides
        wall, cpu = (huimin.median(f) / duck.median(f) for f in ("wall", "cpu"))
        lines += [
            f"{title}: both flag the same {flagged:,} (rule, subject, period) payments.",
            "",
            "| work | runs | wall s | CPU s | peak memory (GB) | rows/s | command |",
            "|---|---:|---:|---:|---:|---:|---|",
            *[_line(side) for side in sides],
            "",
            f"Ratio huimin/DuckDB (median wall): **{wall:.2f}**; CPU: {cpu:.2f}.",
            "",
        ]
        if huimin.inside:
            load, rules = (
                statistics.median(t[part] for t in huimin.inside) for part in ("load", "rules")
            )
            lines += [
                f"Inside huimin's process (medians): catalogue load {load:.2f} s, rule work "
                f"{rules:.2f} s; the rule work alone against DuckDB's whole process: "
                f"**{rules / duck.median('wall'):.2f}**.",
                "",
            ]
    return "\n".join(lines)


def _line(side: Timed) -> str:
    wall = side.median("wall")
    return (
        f"| {side.work} | {len(side.runs)} | {wall:.2f} | {side.median('cpu'):.2f} | "
        f"{side.median('peak_gb'):.2f} | {side.rows / wall:,.0f} | `{shown(side.command)}` |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--whole-catalogue", action="store_true", help="rules on staged data")
    parser.add_argument("--raw", action="store_true", help="raw files to clues")
    parser.add_argument("--scale", choices=["sample", "district"], default="district")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--input", type=Path, help="an existing synthetic input folder")
    parser.add_argument("--work", type=Path, default=BENCH / "work")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--note", default="", help="a remark printed with the figures")
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--append", action="store_true", help="also append to --results")
    args = parser.parse_args()
    both = not (args.whole_catalogue or args.raw)

    input_dir, output, totals = prepare_staged(args, "catalogue_out")
    work = output.parent
    sections: list[tuple[str, list[Timed], int]] = []
    if args.whole_catalogue or both:
        sides, flagged = whole_catalogue(output / "staged", work, int(totals["rows_valid"]))
        alternate(sides, args.repeat)
        sections.append(("Whole catalogue on the staged data (ingest excluded)", sides, flagged))
    if args.raw or both:
        sides, flagged, run_output = raw_files(input_dir, work, int(totals["rows_in"]))
        alternate(sides, args.repeat, {sides[0].work: lambda: clear(run_output)})
        sections.append(("Raw files to clues (ingest included)", sides, flagged))
    text = markdown(args, sections, totals)
    print(text)
    if args.append:
        with args.results.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
