"""Benchmark: ``huimin run`` in one process against the same run on a Dask cluster of 1 and of 2
workers (one thread each), on the synthetic district or the bundled sample.

    python benchmarks/dask_bench.py --input DIR [--workers 1 2] [--repeat 3] [--results FILE]

Without ``--input`` it runs the sample (``data/sample``). Every run is its own process tree:
the single-process run is ``huimin run --no-reports --no-reuse``; for a cluster the benchmark
starts a Prefect server (every task of the flow reports to it, as in production), then for
each size a ``dask scheduler`` and its ``dask worker`` processes, and times the driver (the
same code ``huimin run --dask`` calls) once the workers are up. Wall time is the driver's;
CPU time is the driver's, the scheduler's and the workers' together; peak memory is the
largest resident size of any one of them (and of the driver alone). Every run uses the same
clue key and ``--as-of``; the cluster's ``clues.parquet`` is compared byte for byte with the
single process's. The figures are printed as Markdown (appended to FILE with ``--results``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
AS_OF = "2024-01-01"


@dataclass
class Measure:
    wall: float
    cpu: float
    peak_gb: float
    driver_peak_gb: float
    code: int
    identical: bool | None = None


def _usage(proc: subprocess.Popen[bytes]) -> tuple[float, float, int]:
    """(cpu seconds, peak GB, exit code) of a child, once it has ended."""
    _, status, usage = os.wait4(proc.pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    return cpu, usage.ru_maxrss / 1024 / 1024, os.waitstatus_to_exitcode(status)


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT)


def _stop(proc: subprocess.Popen[bytes]) -> tuple[float, float]:
    proc.send_signal(signal.SIGTERM)
    try:
        cpu, peak, _ = _usage(proc)
    except ChildProcessError:
        return 0.0, 0.0
    return cpu, peak


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fresh(out: Path) -> None:
    for path in (out, out.with_name(out.name + ".runs")):
        if path.is_symlink():
            path.unlink()
        shutil.rmtree(path, ignore_errors=True)


def single(input_dir: Path, out: Path, env: dict[str, str]) -> Measure:
    _fresh(out)
    command = [str(BIN / "huimin"), "run", "--input", str(input_dir), "--output", str(out)]
    command += ["--no-reports", "--no-reuse", "--as-of", AS_OF]
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu, peak, code = _usage(proc)
    return Measure(time.perf_counter() - started, cpu, peak, peak, code)


def prefect_server(work: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """A Prefect server of the benchmark's own (its database under ``work``)."""
    port = _free_port()
    home = work / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    server_env = {**env, "PREFECT_HOME": str(home)}
    command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1"]
    command += ["--port", str(port)]
    proc = _start(command, server_env, work / "prefect-server.log")
    url = f"http://127.0.0.1:{port}/api"
    for _ in range(240):
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the Prefect server did not start: see prefect-server.log")


def on_cluster(
    input_dir: Path, out: Path, workers: int, env: dict[str, str], work: Path
) -> Measure:
    _fresh(out)
    scheduler_file = work / f"scheduler-{workers}.json"
    scheduler_file.unlink(missing_ok=True)
    log = work / f"cluster-{workers}.log"
    scheduler = _start(
        [
            str(BIN / "dask"),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
        ],
        env,
        log,
    )
    worker_procs = [
        _start(
            [
                str(BIN / "dask"),
                "worker",
                "--scheduler-file",
                str(scheduler_file),
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--local-directory",
                str(work / "dask"),
            ],
            env,
            log,
        )
        for _ in range(workers)
    ]
    try:
        address = _wait_for(scheduler_file, workers)
        command = [sys.executable, __file__, "--driver", "--address", address]
        command += ["--input", str(input_dir), "--output", str(out)]
        started = time.perf_counter()
        driver = subprocess.Popen(
            command, env=env, stdout=(work / "driver.log").open("ab"), stderr=subprocess.STDOUT
        )
        cpu, driver_peak, code = _usage(driver)
        wall = time.perf_counter() - started
    finally:
        stopped = [_stop(proc) for proc in worker_procs] + [_stop(scheduler)]
    cpu += sum(c for c, _ in stopped)
    peak = max([driver_peak, *(p for _, p in stopped)])
    return Measure(wall, cpu, peak, driver_peak, code)


def _wait_for(scheduler_file: Path, workers: int) -> str:
    from distributed import Client

    for _ in range(240):
        if scheduler_file.is_file():
            break
        time.sleep(0.25)
    with Client(scheduler_file=str(scheduler_file), timeout="60s") as client:  # type: ignore[no-untyped-call]
        client.wait_for_workers(workers, timeout=120)
        return str(client.scheduler.address)


def driver(address: str, input_dir: Path, out: Path) -> int:
    """What ``huimin run --dask ADDRESS --no-reports --no-reuse`` runs."""
    from rich.console import Console

    from huimin.context import RunContext
    from huimin.flows.dask_run import run_on_dask

    ctx = RunContext(dt.date.fromisoformat(AS_OF), reuse=False)
    return run_on_dask(
        input_dir,
        out,
        address,
        ctx=ctx,
        reports=False,
        rules_dir=None,
        parameters_file=None,
        only=[],
        province=None,
        wait=False,
        console=Console(stderr=True),
    )


def _rows(label: str, runs: list[Measure]) -> str:
    walls = ", ".join(f"{m.wall:.1f}" for m in runs)
    same = {m.identical for m in runs}
    shown = "–" if same == {None} else ("yes" if same == {True} else "NO")
    return (
        f"| {label} | {len(runs)} | {statistics.median(m.wall for m in runs):.1f} | {walls} | "
        f"{statistics.median(m.cpu for m in runs):.1f} | {max(m.peak_gb for m in runs):.2f} | "
        f"{max(m.driver_peak_gb for m in runs):.2f} | {shown} | "
        f"{', '.join(str(m.code) for m in runs)} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=None)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "dask")
    parser.add_argument("--results", type=Path, default=None, help="append the table here")
    parser.add_argument("--note", default="")
    parser.add_argument("--driver", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--address", default="", help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    input_dir = (args.input or ROOT / "data" / "sample").resolve()
    if args.driver:
        return driver(args.address, input_dir, args.output)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HUIMIN_KEY_FILE": str(work / "clue-key")}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"  # nothing leaves the machine
    env.pop("PREFECT_API_URL", None)
    reference = work / "single"
    results: dict[str, list[Measure]] = {"one process (`huimin run`)": []}
    server, url = prefect_server(work, env)
    env["PREFECT_API_URL"] = url
    try:
        for index in range(args.repeat):
            out = reference if index == 0 else work / "single-again"
            results["one process (`huimin run`)"].append(single(input_dir, out, env))
            for workers in args.workers:
                label = f"Dask, {workers} worker{'s' if workers > 1 else ''} × 1 thread"
                measure = on_cluster(input_dir, work / f"dask-{workers}", workers, env, work)
                measure.identical = (work / f"dask-{workers}" / "clues.parquet").read_bytes() == (
                    reference / "clues.parquet"
                ).read_bytes()
                results.setdefault(label, []).append(measure)
    finally:
        server.terminate()
        server.wait()
    manifest = json.loads((work / f"dask-{args.workers[-1]}" / "manifest.json").read_text())
    shown_input = args.input or "data/sample"
    lines = [
        f"\n## {dt.date.today()} · Dask · `python benchmarks/dask_bench.py --input "
        f"{shown_input} --workers {' '.join(map(str, args.workers))} --repeat {args.repeat}`\n",
        f"{os.cpu_count()} cores, {platform.python_version()}, rows in "
        f"{manifest['totals']['rows_in']:,}, {manifest['rules']['clues']:,} clues; partitions "
        f"{manifest['rules']['dask']['partitions']} (rows per partition "
        f"{manifest['rules']['dask']['rows_per_partition']}; rules per stage "
        f"{manifest['rules']['dask']['rules_per_stage']}; the shared-account rules read the rows "
        f"of {manifest['rules']['dask']['persons_for_shared_accounts']} persons). {args.note}\n",
        "| run | runs | median wall s | each | median CPU s | peak memory GB (any process) "
        "| peak GB (driver) | clues.parquet identical | exit codes |",
        "|---|---:|---:|---|---:|---:|---:|---|---|",
        *[_rows(label, runs) for label, runs in results.items()],
    ]
    text = "\n".join(lines) + "\n"
    if args.results:
        with args.results.open("a", encoding="utf-8") as handle:
            handle.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
