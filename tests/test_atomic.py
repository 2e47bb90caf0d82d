"""Atomic writes: outputs get the mode the umask intends, not the private mode of a temp file."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from huimin import atomic

SCRIPT = """
import os, sys
from pathlib import Path
import polars as pl
from huimin import atomic
from huimin.exports import write_csv
out = Path(sys.argv[1])
atomic.write_text(out / "a.txt", "x")
atomic.write_bytes(out / "b.bin", b"x")
atomic.write_parquet(pl.DataFrame({"a": [1]}), out / "c.parquet")
write_csv(pl.DataFrame({"a": ["1"]}), out / "d.csv")
print(oct(atomic.current_umask()), oct(atomic.file_mode()), oct(atomic.dir_mode()))
"""


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_outputs_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(out)],
        check=True,
        capture_output=True,
        text=True,
        umask=umask,
    )
    assert done.stdout.split() == [oct(umask), oct(mode), oct(0o777 & ~umask)]
    files = sorted(out.iterdir())
    assert [p.name for p in files] == ["a.txt", "b.bin", "c.parquet", "d.csv"]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == mode, path


def test_reading_the_umask_does_not_change_it() -> None:
    before = os.umask(0o022)
    os.umask(before)
    assert atomic.current_umask() == before
    after = os.umask(0o022)
    os.umask(after)
    assert after == before


def test_the_umask_is_known_without_proc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "_STATUS", Path("/nonexistent/status"))
    assert atomic.current_umask() == atomic._IMPORT_UMASK
