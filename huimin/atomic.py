"""Atomic writes: a crash leaves the previous file, never half a file.

Files are written to a temporary sibling and renamed into place. The temporary file is created
private (mode 0600); before the rename it gets the mode an ordinary new file would have,
``0o666 & ~umask``, so colleagues can read outputs as the umask intends.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

_STATUS = Path("/proc/self/status")


def _umask_from_proc() -> int | None:
    """The process's umask as Linux reports it (``Umask:`` in /proc/self/status), if it can."""
    try:
        with _STATUS.open(encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        return None
    return None


def _umask_at_import() -> int:
    found = _umask_from_proc()
    if found is not None:
        return found
    # setting the umask to read it back is racy with threads: done once, at import
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_IMPORT_UMASK = _umask_at_import()


def current_umask() -> int:
    """The umask now (read without changing it where the system allows; else the one at import)."""
    found = _umask_from_proc()
    return _IMPORT_UMASK if found is None else found


def file_mode() -> int:
    """The mode of a new file: ``0o666`` less the umask."""
    return 0o666 & ~current_umask()


def dir_mode() -> int:
    """The mode of a new directory: ``0o777`` less the umask."""
    return 0o777 & ~current_umask()


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place only if the block succeeds.

    The file moved into place has mode ``0o666 & ~umask`` like any newly created file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        tmp.chmod(file_mode())
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(target: Path, text: str) -> None:
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_parquet(frame: pl.DataFrame, target: Path) -> None:
    """Write a Parquet file atomically (zstd, statistics on)."""
    with atomic_path(target) as tmp:
        frame.write_parquet(tmp, compression="zstd", statistics=True)
