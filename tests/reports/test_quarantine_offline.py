"""Validation that can fail on quarantine rates, and Data Docs that work with no internet."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import huimin.schemas as schemas
from huimin.ingest import DatasetResult
from huimin.quality import load_thresholds, rate_checks
from huimin.redact import find_full_ids
from huimin.reports import ValidationSummary, build_validation_reports
from huimin.reports.offline import SITE_ASSETS, external_references, rewrite_css, rewrite_html
from tests.reports.test_validation import make_staged, write_staged

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

PAGE = """<html><head>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/x.css" />
<style>.x { background: url('https://example.org/logo.png') 0 0 no-repeat; }</style>
</head><body>
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
<script src="https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js"
  integrity="sha384-x" crossorigin="anonymous"></script>
<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>
<img
  src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?d=1"
  alt="logo">
<a href="https://greatexpectations.io">GX</a> <a href="../index.html">home</a>
</body></html>"""


def test_a_page_is_rewritten_to_local_assets() -> None:
    out = rewrite_html(PAGE, "../../")
    assert "http" not in out.replace("http-equiv", "")
    assert f'href="../../{SITE_ASSETS}/bootstrap.min.css"' in out
    assert f'<script src="../../{SITE_ASSETS}/jquery.min.js"></script>' in out
    assert f'<script src="../../{SITE_ASSETS}/bootstrap.bundle.min.js"></script>' in out
    assert "vega" not in out and "bootstrap-dark" not in out
    assert 'src="../../static/images/logo-long.png"' in out
    assert "<a>GX</a>" in out and '<a href="../index.html">home</a>' in out
    assert f'href="../../{SITE_ASSETS}/huimin-offline.css">\n</head>' in out
    assert rewrite_css("@import url('https://x.org/a.css');\nb{c:url(//x.org/i.png)}") == (
        "\nb{c:none}"
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[ValidationSummary, Path]:
    """inmates: 5 of 9 rows quarantined (55.6%); deaths: 2 of 202 (1%, within 5%)."""
    root = tmp_path_factory.mktemp("quarantine")
    frames = {
        "inmates": make_staged(schemas.DATASETS["inmates"], 4),
        "deaths": make_staged(schemas.DATASETS["deaths"], 200),
    }
    staged = write_staged(root / "staged", frames)
    results = [
        DatasetResult("inmates", "inmates.csv", rows_in=9, rows_valid=4, rows_quarantined=5,
                      reasons={"row:duplicate_row": 4, "name:missing": 1}),
        DatasetResult("deaths", "deaths.csv", rows_in=202, rows_valid=200, rows_quarantined=2,
                      reasons={"name:missing": 2}),
    ]  # fmt: skip
    out = root / "reports" / "validation"
    summary = build_validation_reports(
        staged,
        out,
        quarantined={r.dataset: r.rows_quarantined for r in results},
        as_of=dt.date.today(),
        rate_checks=rate_checks(results, load_thresholds()),
    )
    return summary, out


def test_a_dataset_above_its_threshold_fails(report: tuple[ValidationSummary, Path]) -> None:
    summary, out = report
    inmates, deaths = summary.datasets["inmates"], summary.datasets["deaths"]
    assert not inmates.success
    assert inmates.quarantine_limit == pytest.approx(0.10)
    assert inmates.quarantine_breaches[0] == (
        "inmates: 55.56% of rows quarantined (5 of 9), above the limit of 10%"
    )
    assert "quarantine_rate(inmates.quarantine_rate)" in inmates.failed_expectations
    assert deaths.quarantine_breaches == ()
    assert deaths.success, deaths.failed_expectations
    assert summary.failed_datasets == ["inmates"]
    index = (out / "index.html").read_text(encoding="utf-8")
    row = next(line for line in index.splitlines() if "<code>inmates</code>" in line)
    assert "未通过 fail" in row and "≤ 10.00%" in row
    assert ">55.56% of rows quarantined (5 of 9), above the limit of 10%" in row
    page = next((out / "validations" / "quarantine_rates").rglob("*.html"))
    text = page.read_text(encoding="utf-8")
    assert "inmates.quarantine_rate[row:duplicate_row]" in text
    assert "deaths.quarantine_rate" in text


def test_no_generated_file_references_the_internet(report: tuple[ValidationSummary, Path]) -> None:
    _, out = report
    assert (out / SITE_ASSETS / "bootstrap.min.css").is_file()
    assert external_references(out) == []
    for path in out.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for link in re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"', text):
            assert (path.parent / link.split("?")[0]).resolve().is_file(), (path, link)
        assert not find_full_ids(text)


def _dump_dom(page: Path, tmp_path: Path) -> str:
    profile = tmp_path / "profile"
    done = subprocess.run(
        [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    shutil.rmtree(profile, ignore_errors=True)
    assert done.returncode == 0
    return done.stdout


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium")
def test_pages_render_offline_in_a_browser(
    report: tuple[ValidationSummary, Path], tmp_path: Path
) -> None:
    """The front page, a dataset page, and Great Expectations' own index, whose table is
    built by jQuery and bootstrap-table: rows appear only if the local scripts ran."""
    _, out = report
    index = _dump_dom(out / "index.html", tmp_path)
    assert "<code>inmates</code>" in index
    page = next((out / "validations" / "quarantine_rates").rglob("*.html"))
    dataset = _dump_dom(page, tmp_path)
    assert "inmates.quarantine_rate" in dataset and "Failed" in dataset
    gx_index = _dump_dom(out / "gx-index.html", tmp_path)
    assert 'data-index="0"' in gx_index
