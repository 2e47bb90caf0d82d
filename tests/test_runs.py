"""Run folders: whole results published at once, one run at a time, leftovers removed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from huimin.atomic import write_text
from huimin.errors import ConfigError, RunLockedError
from huimin.runs import RunArea, runs_root


def _publish(out: Path, text: str) -> Path:
    area = RunArea(out)
    with area.locked():
        run = area.new_run()
        write_text(run.folder / "manifest.json", text)
        (run.work / "raw-copy.csv").write_text("personal data", encoding="utf-8")
        run.publish()
    return area.current() or Path()


def test_publish_switches_a_link_and_keeps_the_previous_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _publish(out, "1")
    assert out.is_symlink() and (out / "manifest.json").read_text() == "1"
    assert not (first / ".work").exists(), "temporary files are removed before publishing"
    second = _publish(out, "2")
    assert (out / "manifest.json").read_text() == "2"
    assert RunArea(out).previous() == first
    third = _publish(out, "3")
    assert not first.exists(), "runs older than the previous one are removed"
    assert second.exists() and third.exists()
    assert str(out.readlink()).startswith("out.runs/"), "the link is relative"


def test_a_run_never_published_is_removed_by_the_next(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _publish(out, "1")
    area = RunArea(out)
    with area.locked():
        killed = area.new_run()
        (killed.work / "raw.csv").write_text("420112...", encoding="utf-8")
    with area.locked():
        assert not killed.folder.exists()
    assert (out / "manifest.json").read_text() == "1"


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from huimin.runs import RunArea
    area = RunArea(Path(sys.argv[1]))
    with area.locked(command="holder"):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def _holder(out: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(out), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_run_refuses_naming_the_holder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _holder(out, 30)
    try:
        with pytest.raises(RunLockedError) as raised, RunArea(out).locked():
            pass
        message = str(raised.value)
        assert f"pid {proc.pid}" in message and "holder" in message and "--wait" in message
    finally:
        proc.kill()
        proc.communicate()
    with RunArea(out).locked():  # the OS released the lock of the killed process
        pass


def test_wait_starts_when_the_holder_is_done(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _holder(out, 1.5)
    started = time.monotonic()
    with RunArea(out).locked(wait=True):
        assert proc.poll() is not None or time.monotonic() - started > 0.5
    proc.communicate()


def test_an_earlier_plain_result_folder_is_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("old", encoding="utf-8")
    area = RunArea(out)
    with area.locked():
        assert out.is_symlink()
        assert (out / "manifest.json").read_text() == "old"


@pytest.mark.parametrize("kind", ["file", "foreign folder", "foreign link"])
def test_an_output_that_is_not_ours_is_refused(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("x", encoding="utf-8")
    elif kind == "foreign folder":
        out.mkdir()
        (out / "thesis.docx").write_text("x", encoding="utf-8")
    else:
        (tmp_path / "elsewhere").mkdir()
        out.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ConfigError, match="choose another --output"), RunArea(out).locked():
        pass
    assert not runs_root(out).joinpath("lock").exists() or kind != "file"


def test_a_derived_run_leaves_the_published_files_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    published = _publish(out, "1")
    area = RunArea(out)
    with area.locked():
        run = area.derive_run()
        assert (run.folder / "manifest.json").read_text() == "1"
        write_text(run.folder / "manifest.json", "2")
        assert (published / "manifest.json").read_text() == "1"
        run.publish()
    assert (out / "manifest.json").read_text() == "2"


def test_rules_rerun_needs_a_published_result(tmp_path: Path) -> None:
    area = RunArea(tmp_path / "out")
    with pytest.raises(ConfigError, match="no published result"), area.locked():
        area.derive_run()
