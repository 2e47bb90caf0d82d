"""Run folders: a run builds its whole result aside and publishes it in one atomic step.

``OUT`` is a symbolic link to ``OUT.runs/<run id>/``. A run writes everything into a new run
folder, then replaces the link with one ``rename``: readers of ``OUT/manifest.json``,
``OUT/staged/`` or ``OUT/clues.xlsx`` see the previous result or the new one, never a mix.

- ``OUT.runs/lock`` is held with ``flock`` for the whole run; the operating system releases
  it when the process dies, however it dies. A second run refuses, naming the holder, or waits.
- Temporary files (with personal data) live only in the run's own ``.work/`` folder.
- A killed run leaves an unpublished run folder; the next run removes it, under the lock.
- The published run and the one before it are kept (the next run compares against it);
  older ones are removed once a new result is published.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from huimin.errors import ConfigError, RunLockedError

RUNS_SUFFIX = ".runs"
LOCK_FILE = "lock"
PUBLISHED_FILE = "published.json"
WORK_DIR = ".work"
MARKER = "manifest.json"


def runs_root(output: Path) -> Path:
    return output.parent / f"{output.name}{RUNS_SUFFIX}"


def _new_run_id() -> str:
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    return f"{stamp}-{os.getpid()}-{secrets.token_hex(2)}"


@dataclass
class Run:
    """One run's own folder, not yet published."""

    area: RunArea
    run_id: str
    folder: Path

    @property
    def work(self) -> Path:
        """Temporary files of this run; removed before it is published."""
        path = self.folder / WORK_DIR
        path.mkdir(parents=True, exist_ok=True)
        return path

    def publish(self) -> Path:
        """Make this run the one at ``OUT``, in one atomic rename."""
        shutil.rmtree(self.folder / WORK_DIR, ignore_errors=True)
        _fsync_tree(self.folder)
        self.area.switch_to(self)
        return self.area.output

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class RunArea:
    """The output folder of a job: its published run, its lock and its run folders."""

    def __init__(self, output: Path) -> None:
        # not resolve(): OUT itself is the link to follow only when reading
        self.output = Path(os.path.abspath(output))  # noqa: PTH100
        self.root = runs_root(self.output)
        self._lock: IO[str] | None = None

    # ------------------------------------------------------------------ the lock
    @contextlib.contextmanager
    def locked(self, *, wait: bool = False, command: str = "huimin") -> Iterator[RunArea]:
        """Hold the output folder for the block; refuse (or wait) if another run holds it."""
        self._check_output()
        self.root.mkdir(parents=True, exist_ok=True)
        handle = (self.root / LOCK_FILE).open("a+", encoding="utf-8")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise RunLockedError(self._refusal(handle)) from None
            handle.seek(0)
            handle.truncate()
            holder = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "started": dt.datetime.now().isoformat(timespec="seconds"),
                "command": command,
            }
            handle.write(json.dumps(holder) + "\n")
            handle.flush()
            self._lock = handle
            self.remove_leftovers()
            yield self
        finally:
            self._lock = None
            handle.close()

    def _refusal(self, handle: IO[str]) -> str:
        handle.seek(0)
        try:
            holder = json.loads(handle.read() or "{}")
        except ValueError:
            holder = {}
        who = (
            f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}, "
            f"started {holder.get('started', '?')} ({holder.get('command', 'huimin')})"
        )
        return (
            f"{self.output}: another run is writing this output folder ({who}): "
            "wait for it to finish, or pass --wait to start when it does"
        )

    # ------------------------------------------------------------------ run folders
    def new_run(self) -> Run:
        if self._lock is None:
            raise RuntimeError("a run folder is made only under the lock")
        run_id = _new_run_id()
        folder = self.root / run_id
        folder.mkdir(parents=True)
        return Run(self, run_id, folder)

    def derive_run(self) -> Run:
        """A new run folder holding the published result (hard links, not copies), to be
        changed in part and published again (``rules run``, ``reconcile``)."""
        current = self.current()
        if current is None:
            raise ConfigError(
                f"{self.output}: no published result here: run `huimin run` into it first"
            )
        run = self.new_run()
        link_tree(current, run.folder)
        return run

    def current(self) -> Path | None:
        """The published run folder, if any."""
        if not self.output.is_symlink():
            return None
        target = (self.output.parent / self.output.readlink()).resolve()
        return target if target.is_dir() else None

    def switch_to(self, run: Run) -> None:
        previous = self.current()
        link = self.output.parent / f".{self.output.name}.publish-{os.getpid()}"
        link.unlink(missing_ok=True)
        link.symlink_to(os.path.relpath(run.folder, self.output.parent))
        link.replace(self.output)
        _fsync_dir(self.output.parent)
        history = [*self.published()[-1:], run.run_id]
        if previous is not None and previous.name not in history:
            history.insert(0, previous.name)
        _write_json(self.root / PUBLISHED_FILE, history[-2:])
        self.remove_leftovers()

    def published(self) -> list[str]:
        path = self.root / PUBLISHED_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [str(x) for x in data] if isinstance(data, list) else []

    def previous(self) -> Path | None:
        """The run published before the current one (kept for comparison)."""
        current = self.current()
        for run_id in reversed(self.published()):
            folder = self.root / run_id
            if folder.is_dir() and folder != current:
                return folder
        return None

    def remove_leftovers(self) -> list[str]:
        """Remove run folders that are neither published nor the one before (killed runs)."""
        keep = {p.name for p in (self.current(), self.previous()) if p is not None}
        removed = []
        for entry in self.root.iterdir():
            if entry.name in (LOCK_FILE, PUBLISHED_FILE) or entry.name in keep:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry.name)
        for stray in self.output.parent.glob(f".{self.output.name}.publish-*"):
            stray.unlink(missing_ok=True)
        return removed

    # ------------------------------------------------------------------ the output path
    def _check_output(self) -> None:
        """``OUT`` must be absent, our link, or an earlier huimin result (moved aside once)."""
        out = self.output
        if out.is_symlink():
            target = out.readlink()
            resolved = (out.parent / target).resolve()
            if resolved.parent != self.root.resolve():
                raise ConfigError(
                    f"{out}: is a link to {target}, not a huimin output folder: "
                    "choose another --output"
                )
            return
        if not out.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            return
        if not out.is_dir():
            raise ConfigError(f"{out}: exists and is not a folder: choose another --output")
        if not any(out.iterdir()):
            out.rmdir()
            return
        if not (out / MARKER).is_file():
            raise ConfigError(
                f"{out}: exists and is not a huimin output folder (no {MARKER}): "
                "choose another --output, or empty it"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        legacy = self.root / f"legacy-{_new_run_id()}"
        out.rename(legacy)
        out.symlink_to(os.path.relpath(legacy, out.parent))


def link_tree(source: Path, target: Path) -> None:
    """Every file of ``source`` hard-linked under ``target`` (copied where links fail)."""
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if relative.parts and relative.parts[0] == WORK_DIR:
            continue
        dest = target / relative
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, dest)
        except OSError:
            shutil.copy2(path, dest)


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data) + "\n", encoding="utf-8")
    tmp.replace(path)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """Flush a run's files to disk before it is published (a power cut keeps a whole set)."""
    for path in folder.rglob("*"):
        if path.is_file():
            with contextlib.suppress(OSError):
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
    _fsync_dir(folder)
