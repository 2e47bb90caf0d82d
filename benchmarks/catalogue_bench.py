"""Benchmark: loading the rule catalogue (``huimin rules check``) as a whole process, cold.

    python benchmarks/catalogue_bench.py [--repeat 11] [--baseline DIR] [--append] [--note TEXT]

Runs ``huimin rules check`` (and ``huimin --help``) as separate processes, ``--repeat`` times
each after one warm-up run, alternating, and reports the median wall seconds, the median CPU
seconds (user + system of the child) and the peak resident memory (the child's resource usage).
Nothing is cached between processes but Python's own bytecode (``__pycache__``), as on a user's
machine: ``PYTHONDONTWRITEBYTECODE`` is removed from the children's environment. The same check
with no bytecode at all (``PYTHONDONTWRITEBYTECODE=1`` and an empty ``PYTHONPYCACHEPREFIX``:
every module compiled again, as on a machine that sets that variable and never cached bytecode)
is timed too, and one more process splits the check's time into imports and the catalogue
load. ``--baseline DIR`` also times another huimin source tree (e.g. the last commit:
``git archive HEAD | tar -x -C DIR``) against this one, both as ``python -m huimin rules check``
run in the tree's folder, alternating. ``--append`` adds the table to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HUIMIN = str(Path(sys.executable).parent / "huimin")
SPLIT = """
import json, sys, time
started = time.perf_counter()
from huimin.cli import app
from huimin.rules.commands import DEFAULT_RULES, load_catalogue
imported = time.perf_counter()
load_catalogue(DEFAULT_RULES)
loaded = time.perf_counter()
print(json.dumps({"imports": imported - started, "load": loaded - imported}))
"""


@dataclass
class Case:
    work: str
    command: list[str]
    bytecode: bool
    runs: list[tuple[float, float, float, int]]
    folder: Path = ROOT

    def shown(self) -> str:
        prefix = "" if self.bytecode else f"{NO_BYTECODE} "
        where = "" if self.folder == ROOT else f"cd {self.folder} && "
        return where + prefix + shlex.join(self.command)

    def median(self, index: int) -> float:
        return statistics.median(run[index] for run in self.runs)


NO_BYTECODE = "PYTHONDONTWRITEBYTECODE=1 PYTHONPYCACHEPREFIX=$(mktemp -d)"


def environment(bytecode: bool, empty: str) -> dict[str, str]:
    """The children's environment: bytecode cached as usual, or none at all (``empty`` is an
    empty folder that stays empty)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if not bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = empty
    return env


def measure(case: Case, env: dict[str, str]) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, peak resident MB and exit code of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        case.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=case.folder
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def versions() -> str:
    import yaml

    names = ("polars", "pandera", "pandas", "typer", "PyYAML", "ruamel.yaml")
    shown = ", ".join(f"{name} {version(name)}" for name in names)
    libyaml = "with libyaml" if getattr(yaml, "__with_libyaml__", False) else "without libyaml"
    return f"Python {platform.python_version()}, {shown} ({libyaml})"


def split(env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", SPLIT], env=env, cwd=ROOT, capture_output=True, check=True
    )
    return {k: float(v) for k, v in json.loads(out.stdout).items()}


def report(
    cases: list[Case], parts: list[dict[str, float]], args: argparse.Namespace, before: float
) -> str:
    command = shlex.join(["python", "benchmarks/catalogue_bench.py", *sys.argv[1:]])
    load = os.getloadavg()
    lines = [
        f"\n## {dt.date.today()} catalogue load · `{command}`\n",
        *([f"_{args.note}_\n"] if args.note else []),
        f"Machine: {os.cpu_count()} cores (nproc), {cpu_model()}; {versions()}. Load average "
        f"(1 min) {before:.2f} at the start, {load[0]:.2f} at the end. Medians of {args.repeat} "
        "separate processes after one warm-up, alternating; CPU is user + system of the child.\n",
        "| work | runs | median wall s | min–max wall s | median CPU s | peak memory (MB) "
        "| exit codes | command |",
        "|---|---:|---:|---|---:|---:|---|---|",
    ]
    for case in cases:
        walls = [run[0] for run in case.runs]
        codes = sorted({run[3] for run in case.runs})
        lines.append(
            f"| {case.work} | {len(case.runs)} | {case.median(0):.2f} | "
            f"{min(walls):.2f}–{max(walls):.2f} | {case.median(1):.2f} | "
            f"{max(run[2] for run in case.runs):.0f} | {', '.join(map(str, codes))} | "
            f"`{case.shown()}` |"
        )
    imports = statistics.median(p["imports"] for p in parts)
    loading = statistics.median(p["load"] for p in parts)
    lines.append(
        f"\nInside the check's process (medians of {len(parts)}, bytecode cached): imports "
        f"{imports:.2f} s, catalogue load {loading:.2f} s "
        "(`python -c` of `from huimin.cli import app` then `load_catalogue()`).\n"
    )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--append", action="store_true", help="Add to benchmarks/RESULTS.md.")
    parser.add_argument("--note", default="", help="A remark printed with the figures.")
    parser.add_argument("--baseline", type=Path, help="Another huimin source tree to compare.")
    args = parser.parse_args()
    cases = [
        Case("`huimin rules check`", [HUIMIN, "rules", "check"], True, []),
        Case("`huimin --help`", [HUIMIN, "--help"], True, []),
        Case("`huimin rules check`, no bytecode cached", [HUIMIN, "rules", "check"], False, []),
    ]
    if args.baseline is not None:
        module = [sys.executable, "-m", "huimin", "rules", "check"]
        baseline = args.baseline.resolve()
        cases.append(Case("this tree, `python -m huimin rules check`", module, True, []))
        cases.append(Case(f"baseline {baseline.name}, same", module, True, [], baseline))
    before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as empty:
        for case in cases:
            print(f"warm-up: {case.shown()}", file=sys.stderr)
            measure(case, environment(case.bytecode, empty))
        parts = []
        for index in range(args.repeat):
            for case in cases:
                case.runs.append(measure(case, environment(case.bytecode, empty)))
            parts.append(split(environment(True, empty)))
            print(f"round {index + 1}/{args.repeat} done", file=sys.stderr)
    text = report(cases, parts, args, before)
    if args.append:
        with (ROOT / "benchmarks" / "RESULTS.md").open("a", encoding="utf-8") as handle:
            handle.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
