"""Benchmark: what the validation reports add to ingest.

``huimin ingest --no-reuse`` with the reports against the same with ``--no-reports``, as whole
processes, alternating, ``--repeat`` times each, on one input folder (the synthetic district
when ``--input`` is not given, generated as ``compare.py`` does). The target of the
performance issue: the reports cost at most a quarter of ingest (median wall with reports
minus median wall without, over median wall without). Appends to ``--results``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import statistics
from pathlib import Path

from compare import BENCH, HUIMIN, Measure, check, clear, measure

TARGET = 0.25


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, help="an input folder (default: the district)")
    parser.add_argument("--work", type=Path, default=BENCH / "work")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    input_dir = args.input or _district(args.work)
    runs: dict[str, list[Measure]] = {"with reports": [], "--no-reports": []}
    loads: list[float] = []
    for _ in range(args.repeat):
        for name in runs:
            output = args.work / "reports_bench" / ("reports" if name == "with reports" else "no")
            clear(output)
            command = _command(input_dir, output, name)
            loads.append(os.getloadavg()[0])
            m = measure(command)
            check(m, name)
            runs[name].append(m)
    text = _report(input_dir, runs, loads, args)
    print(text)
    with args.results.open("a", encoding="utf-8") as handle:
        handle.write("\n" + text)
    return 0


def _district(work: Path) -> Path:
    input_dir = work / "district" / "input"
    if not (input_dir / "population.parquet").exists():
        synth = [*HUIMIN, "synth", "--scale", "district", "--output", str(input_dir)]
        check(measure(synth), "synth")
    return input_dir


def _command(input_dir: Path, output: Path, name: str) -> list[str]:
    command = [*HUIMIN, "ingest", "--input", str(input_dir), "--output", str(output), "--no-reuse"]
    return command if name == "with reports" else [*command, "--no-reports"]


def _report(
    input_dir: Path, runs: dict[str, list[Measure]], loads: list[float], args: argparse.Namespace
) -> str:
    def median(name: str, field: str) -> float:
        return float(statistics.median(getattr(m, field) for m in runs[name]))

    cost = median("with reports", "wall") - median("--no-reports", "wall")
    share = cost / median("--no-reports", "wall")
    verdict = "met" if share <= TARGET else "**not met**"
    lines = [
        f"## {dt.date.today()} · validation reports against ingest · "
        f"`python benchmarks/reports_bench.py --input {input_dir} --repeat {args.repeat}`",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; load average at each start "
        f"{', '.join(f'{x:.1f}' for x in loads)}. {args.note}".rstrip(),
        "",
        "| run | wall s (each) | median wall s | median CPU s | median peak GB | command |",
        "|---|---|---:|---:|---:|---|",
    ]
    for name, measures in runs.items():
        each = ", ".join(f"{m.wall:.2f}" for m in measures)
        output = Path("OUT")
        shown = shlex.join(["huimin", *_command(input_dir, output, name)[3:]])
        lines.append(
            f"| ingest {name} | {each} | {median(name, 'wall'):.2f} | "
            f"{median(name, 'cpu'):.2f} | {median(name, 'peak_gb'):.2f} | `{shown}` |"
        )
    lines += [
        "",
        f"The reports cost {cost:.2f} s, {share:.0%} of ingest without them "
        f"(target: at most {TARGET:.0%}): {verdict}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
