"""Benchmark: generate a synthetic district or city, time ``huimin ingest``, then the rules.

Measures wall time and peak memory (max RSS of the child process) of each step and appends
the figures, with the command that produced them, to ``benchmarks/RESULTS.md``.

    python benchmarks/ingest_bench.py --scale district
    python benchmarks/ingest_bench.py --scale city --no-reports
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HUIMIN = [sys.executable, "-m", "huimin.cli"]


@dataclass
class Measure:
    step: str
    seconds: float
    peak_gb: float
    exit_code: int


def measure(step: str, command: list[str]) -> Measure:
    """Run ``command``; return its wall time and the peak resident memory of the process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    return Measure(step, seconds, usage.ru_maxrss / 1024 / 1024, code)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["sample", "district", "city"], default="district")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work")
    parser.add_argument("--regenerate", action="store_true", help="synthesise again")
    parser.add_argument("--no-reports", dest="reports", action="store_false")
    parser.add_argument("--no-rules", dest="rules", action="store_false")
    args = parser.parse_args()

    input_dir = args.work / args.scale / "input"
    output_dir = args.work / args.scale / "out"
    results = []
    if args.regenerate or not (input_dir / "truth" / "anomalies.parquet").exists():
        shutil.rmtree(input_dir, ignore_errors=True)
        synth = [*HUIMIN, "synth", "--scale", args.scale, "--seed", str(args.seed)]
        results.append(measure("synth", [*synth, "--output", str(input_dir)]))
    # the output is a link to its latest run folder, beside OUT.runs/
    for path in (output_dir, output_dir.with_name(output_dir.name + ".runs")):
        if path.is_symlink():
            path.unlink()
        else:
            shutil.rmtree(path, ignore_errors=True)
    ingest = [*HUIMIN, "ingest", "--input", str(input_dir), "--output", str(output_dir)]
    if not args.reports:
        ingest.append("--no-reports")
    results.append(measure("ingest" + ("" if args.reports else " (no reports)"), ingest))
    if args.rules:
        rules = [*HUIMIN, "rules", "run", "--output", str(output_dir)]
        results.append(measure("rules (whole catalogue, ingest excluded)", rules))

    manifest = json.loads((output_dir / "manifest.json").read_text(encoding="utf-8"))
    totals = manifest["totals"]
    command = "python benchmarks/ingest_bench.py " + " ".join(sys.argv[1:])
    lines = [
        f"## {dt.date.today()} · {args.scale} · `{command}`",
        "",
        f"Machine: {os.cpu_count()} cores, {_memory_gb():.0f} GB, {platform.python_version()}; "
        f"rows in {totals['rows_in']:,}, valid {totals['rows_valid']:,}, "
        f"quarantined {totals['rows_quarantined']:,}.",
        "",
        "| step | seconds | peak memory (GB) | exit code |",
        "|---|---:|---:|---:|",
        *[f"| {m.step} | {m.seconds:.1f} | {m.peak_gb:.2f} | {m.exit_code} |" for m in results],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    with (ROOT / "benchmarks" / "RESULTS.md").open("a", encoding="utf-8") as handle:
        handle.write(text + "\n")
    return 0 if all(m.exit_code == 0 for m in results) else 1


def _memory_gb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3


if __name__ == "__main__":
    raise SystemExit(main())
