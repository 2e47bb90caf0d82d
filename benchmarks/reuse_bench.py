"""Benchmark: a first monthly run against a second run with unchanged inputs (reuse).

    python benchmarks/reuse_bench.py --input DIR [--repeat 3]

Each pair is a first ``huimin run`` (with validation reports) into a fresh output folder, then
the same command again into that folder; pairs alternate, each run its own process. Wall time
and peak memory come from the child's resource usage; the medians go to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HUIMIN = [sys.executable, "-m", "huimin"]


def timed(command: list[str]) -> tuple[float, float, int]:
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return (
        time.perf_counter() - started,
        usage.ru_maxrss / 1024 / 1024,
        os.waitstatus_to_exitcode(status),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "reuse")
    args = parser.parse_args()
    first, second = [], []
    for index in range(args.repeat):
        out = args.work / f"out{index}"
        for path in (out, out.with_name(out.name + ".runs")):
            if path.is_symlink():
                path.unlink()
            shutil.rmtree(path, ignore_errors=True)
        command = [*HUIMIN, "run", "--input", str(args.input), "--output", str(out)]
        command += ["--as-of", "2024-01-01"]
        first.append(timed(command))
        second.append(timed(command))
    lines = [
        f"\n## {dt.date.today()} · reuse · `python benchmarks/reuse_bench.py --input "
        f"{args.input} --repeat {args.repeat}`\n",
        "| run | runs | median wall s | each | peak memory (GB) | exit codes |",
        "|---|---:|---:|---|---:|---|",
    ]
    for name, runs in (("first run (fresh output)", first), ("again, inputs unchanged", second)):
        walls = [f"{w:.1f}" for w, _, _ in runs]
        lines.append(
            f"| {name} | {len(runs)} | {statistics.median(w for w, _, _ in runs):.1f} | "
            f"{', '.join(walls)} | {max(m for _, m, _ in runs):.2f} | "
            f"{', '.join(str(c) for _, _, c in runs)} |"
        )
    ratio = statistics.median(w for w, _, _ in second) / statistics.median(w for w, _, _ in first)
    lines.append(f"\nSecond run / first run (medians): **{ratio:.2f}**\n")
    text = "\n".join(lines) + "\n"
    with (ROOT / "benchmarks" / "RESULTS.md").open("a", encoding="utf-8") as handle:
        handle.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
