"""The clue report: offline pages, masked, listing what was not evaluated, compared run to run."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest

from huimin import idnumber
from huimin.redact import find_full_ids
from huimin.reports.clue_report import build_clue_report, mask_name
from huimin.rules.clues import CLUE_SCHEMA

PAGES = ("index.html", "clues.html", "clue-table.html")
ACCOUNT = "6217000120021262891"
#: a script or style fetched from elsewhere (a link in the text of a page is no fetch)
EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|@import|url\(\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def _id(n: int) -> str:
    body = f"42011219{60 + n % 30:02d}0{1 + n % 9}1{n % 10}{n % 1000:03d}"
    return body + idnumber.check_char(body)


def _clue(n: int, project: str, street: str | None, severity: str) -> dict[str, object]:
    person = _id(n)
    name = f"王{'明芳丽'[n % 3]}{'华军'[n % 2]}"
    return {
        "clue_id": f"HM-{n:04d}ABCDEF{n:04d}",
        "project": project,
        "department": "区民政局",
        "street": street,
        "organization": None if street else "某某学校",
        "subject_kind": "account" if n == 3 else "person",
        "subject": ACCOUNT if n == 3 else person,
        "name": name,
        "id_numbers": [person],
        "check_period": "2023",
        "periods_text": "2023-01至2023-12",
        "amount": 1000.0 + n,
        "severity": severity,
        "findings": 1,
        "rule_ids": [f"{project}.rule_a", "shared.rule_b"] if n % 2 else ["shared.rule_b"],
        "titles": "死亡后仍领取",
        "summary": f"{name}（{person}）死亡后仍领取<b>补贴</b>，账户{ACCOUNT}",
        "verify": f"查原始资料：核对{name}的死亡登记",
        "reference": "",
        "related_clue_ids": [],
    }


def _run(folder: Path, numbers: list[int], not_evaluated: list[dict[str, object]]) -> Path:
    projects = ["高龄津贴", "城市低保", "特困人员救助供养"]
    rows = [
        _clue(n, projects[n % 3], None if n % 4 == 0 else "径河街", ("high", "medium")[n % 2])
        for n in numbers
    ]
    folder.mkdir(parents=True)
    pl.DataFrame(rows, schema=CLUE_SCHEMA).write_parquet(folder / "clues.parquet")
    manifest = {"run_id": folder.name, "rules": {"not_evaluated": not_evaluated}}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    (folder / "reports" / "validation").mkdir(parents=True)
    (folder / "reports" / "validation" / "index.html").write_text("<html></html>", "utf-8")
    return folder


@pytest.fixture
def two_runs(tmp_path: Path) -> tuple[Path, Path]:
    previous = _run(tmp_path / "previous", list(range(0, 12)), [])
    skipped = [
        {"rule": "car_tradein.outside_window", "reason": "window_start has no value", "quiet": 0},
        {"rule": "x.<script>bad</script>", "reason": "needs <deaths> & more", "quiet": 1},
    ]
    current = _run(tmp_path / "current", list(range(3, 20)), skipped)
    build_clue_report(current, previous)
    return current, previous


def test_pages_exist_offline_and_masked(two_runs: tuple[Path, Path]) -> None:
    current, _ = two_runs
    for page in PAGES:
        text = (current / "reports" / page).read_text(encoding="utf-8")
        assert find_full_ids(text) == [], page
        assert ACCOUNT not in text, page
        assert EXTERNAL.search(text) is None, page
        assert "王明华" not in text and "王芳军" not in text, page
    table = (current / "reports" / "clue-table.html").read_text(encoding="utf-8")
    assert table.count("<tr data-project=") == 17
    assert "王*" in table and "420112********" in table
    assert "&lt;b&gt;补贴&lt;/b&gt;" in table and "<b>补贴" not in table
    assert "****2891" in table
    charts = (current / "reports" / "clues.html").read_text(encoding="utf-8")
    assert charts.count("Plotly.newPlot") == 5  # change, project, street, rule, severity
    assert charts.count("<script>") >= 1 and len(charts) > 1_000_000  # the library, inline


def test_not_evaluated_rules_and_data_docs_are_on_the_index(two_runs: tuple[Path, Path]) -> None:
    index = (two_runs[0] / "reports" / "index.html").read_text(encoding="utf-8")
    assert "car_tradein.outside_window" in index and "window_start has no value" in index
    assert "x.&lt;script&gt;bad&lt;/script&gt;" in index and "<script>bad" not in index
    assert "needs &lt;deaths&gt; &amp; more" in index
    assert 'href="validation/index.html"' in index
    for page in ("clues.html", "clue-table.html"):
        assert f'href="{page}"' in index


def test_new_gone_and_still_open_are_counted(two_runs: tuple[Path, Path]) -> None:
    """Previous: clues 0-11; current: 3-19 → new 12-19 (8), gone 0-2 (3), still 3-11 (9)."""
    index = (two_runs[0] / "reports" / "index.html").read_text(encoding="utf-8")
    cards = dict(re.findall(r"(新增 new|仍在 still open|消失 gone)<b>(\d+)</b>", index))
    assert cards == {"新增 new": "8", "仍在 still open": "9", "消失 gone": "3"}
    table = (two_runs[0] / "reports" / "clue-table.html").read_text(encoding="utf-8")
    assert table.count(">新增 new</td>") == 8
    assert table.count(">仍在 still open</td>") == 9


def test_first_run_and_no_clues(tmp_path: Path) -> None:
    run = _run(tmp_path / "only", [], [])
    build_clue_report(run, None)
    index = (run / "reports" / "index.html").read_text(encoding="utf-8")
    assert "新增 new" not in index and "every rule was evaluated" in index
    charts = (run / "reports" / "clues.html").read_text(encoding="utf-8")
    assert "no previous published run" in charts and "Plotly.newPlot" not in charts


def test_mask_name() -> None:
    assert mask_name("张三丰") == "张*"
    assert mask_name(" ") == "" and mask_name(None) == ""


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _browse(binary: str, page: Path, profile: Path, *extra: str) -> str:
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        *extra,
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


@pytest.mark.skipif(_chromium() is None, reason="no chromium binary (apt-get install chromium)")
def test_charts_and_table_render_in_a_browser(two_runs: tuple[Path, Path], tmp_path: Path) -> None:
    binary = _chromium()
    assert binary is not None
    reports = two_runs[0] / "reports"
    charts = _browse(binary, reports / "clues.html", tmp_path / "profile", "--dump-dom")
    graphs = re.findall(r'<div[^>]*class="[^"]*plotly-graph-div', charts)
    assert len(graphs) == 5
    assert charts.count('class="main-svg"') >= 5  # plotly drew its svg in each
    assert len(re.findall(r'class="[^"]*\bpoint\b', charts)) > 10  # the bars
    table = _browse(binary, reports / "clue-table.html", tmp_path / "profile", "--dump-dom")
    assert "显示 17 / 17 条 shown" in table  # the search script ran over every row
    assert len(re.findall(r"<tr data-project=", table)) == 17
    shot = tmp_path / "clue-report.png"
    _browse(
        binary,
        reports / "clues.html",
        tmp_path / "profile",
        "--hide-scrollbars",
        "--window-size=1400,1000",
        f"--screenshot={shot}",
    )
    assert shot.is_file() and shot.stat().st_size > 20_000
