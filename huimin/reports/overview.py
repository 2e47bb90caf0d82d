"""The report's front page: every dataset's result on one static page.

Great Expectations' own index builds its tables with JavaScript and styles fetched from the
internet, so on the district's offline network it shows no dataset at all. This page is plain
HTML with its style inline; it links each dataset's Great Expectations pages (readable offline,
if unstyled) and keeps their index as ``gx-index.html``.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from huimin.reports.validation import DatasetValidation as Outcome

GX_INDEX = "gx-index.html"
STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
td.n { text-align: right; }
.pass { color: #1a7f37; font-weight: bold; } .fail { color: #cf222e; font-weight: bold; }
"""


def _link(site: Path, pattern: str, text: str) -> str:
    found = sorted(site.glob(pattern))
    if not found:
        return ""
    return f'<a href="{html.escape(found[-1].relative_to(site).as_posix())}">{text}</a>'


def _row(site: Path, outcome: Outcome) -> str:
    status = (
        '<span class="pass">通过 pass</span>'
        if outcome.success
        else ('<span class="fail">未通过 fail</span>')
    )
    rate = "" if outcome.quarantine_rate is None else f"{outcome.quarantine_rate:.3%}"
    checked = f"{outcome.validated_rows:,}" + (" (sample)" if outcome.sampled else "")
    failed = "<br>".join(html.escape(name) for name in outcome.failed_expectations)
    links = " · ".join(
        part
        for part in (
            _link(site, f"validations/{outcome.dataset}/**/*.html", "result"),
            _link(site, f"expectations/{outcome.dataset}.html", "checks"),
        )
        if part
    )
    cells = [
        f"<code>{html.escape(outcome.dataset)}</code>",
        html.escape(outcome.title_zh),
        status,
        f'<td class="n">{outcome.rows:,}',
        f'<td class="n">{checked}',
        f'<td class="n">{outcome.quarantined if outcome.quarantined is not None else ""}',
        f'<td class="n">{rate}',
        f'<td class="n">{outcome.evaluated - outcome.failed} / {outcome.evaluated}',
        failed,
        links,
    ]
    return "<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}" for c in cells) + "</tr>"


def write_overview(site: Path, outcomes: list[Outcome]) -> Path:
    """Write ``site/index.html`` (keeping Great Expectations' own as ``gx-index.html``)."""
    index = site / "index.html"
    if index.exists():
        index.replace(site / GX_INDEX)
    failing = [o.dataset for o in outcomes if not o.success]
    verdict = (
        f"{len(outcomes)} datasets, all pass"
        if not failing
        else f"{len(outcomes)} datasets, {len(failing)} failing: {', '.join(failing)}"
    )
    header = (
        "<tr><th>dataset<th>数据集<th>result<th>rows staged<th>rows checked"
        "<th>quarantined<th>quarantine rate<th>checks passed<th>failed checks<th>details</tr>"
    )
    rows = "\n".join(_row(site, o) for o in sorted(outcomes, key=lambda o: o.dataset))
    page = f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>huimin validation report</title>
<style>{STYLE}</style></head><body>
<h1>数据质量报告 · Validation report</h1>
<p>{html.escape(verdict)}. Rows that failed a row check were set aside at ingestion (see
<code>quarantine/</code>); these checks look at what was staged. Great Expectations' own index:
<a href="{GX_INDEX}">{GX_INDEX}</a>.</p>
<table>{header}
{rows}
</table></body></html>
"""
    index.write_text(page, encoding="utf-8")
    return index
