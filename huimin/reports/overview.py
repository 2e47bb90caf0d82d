"""The report's front page: every dataset's result on one static page.

This page is plain HTML with its style inline; it links each dataset's Great Expectations pages
(made to work offline by :mod:`huimin.reports.offline`) and keeps their index as
``gx-index.html``. Each dataset's quarantine rate is shown with its threshold; a rate above a
threshold (overall or for one reason) fails the dataset and is spelled out. It also lists the
datasets that are missing (not sent, refused, declared absent) and the rules that were not
evaluated, with the reason in words, so an empty row is never mistaken for a clean one.
Everything written is passed through :func:`huimin.redact.redact`.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from huimin.redact import redact

if TYPE_CHECKING:
    from huimin.reports.validation import DatasetValidation as Outcome

GX_INDEX = "gx-index.html"
STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
td.n { text-align: right; }
.pass { color: #1a7f37; font-weight: bold; } .fail { color: #cf222e; font-weight: bold; }
.none { color: #666; }
"""
NOT_EVALUATED_TITLE = "未评估的规则 / Rules not evaluated"
MISSING_TITLE = "缺少的数据集 / Datasets missing"


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
    if outcome.quarantine_breaches:
        rate = f'<span class="fail">{rate}</span>'
    limit = "" if outcome.quarantine_limit is None else f"≤ {outcome.quarantine_limit:.2%}"
    checked = f"{outcome.validated_rows:,}" + (" (sample)" if outcome.sampled else "")
    breaches = [b.removeprefix(f"{outcome.dataset}: ") for b in outcome.quarantine_breaches]
    checks = [n for n in outcome.failed_expectations if not n.startswith("quarantine_rate(")]
    failed = "<br>".join(html.escape(name) for name in (*breaches, *checks))
    links = " · ".join(
        part
        for part in (
            _link(site, f"validations/{outcome.dataset}/**/*.html", "result"),
            _link(site, f"expectations/{outcome.dataset}.html", "checks"),
            (
                _link(site, "validations/quarantine_rates/**/*.html", "quarantine")
                if outcome.quarantine_limit is not None
                else ""
            ),
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
        f'<td class="n">{limit}',
        f'<td class="n">{outcome.evaluated - outcome.failed} / {outcome.evaluated}',
        failed,
        links,
    ]
    return "<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}" for c in cells) + "</tr>"


def _listing(title: str, first: str, items: Sequence[tuple[str, str]], anchor: str) -> str:
    """A section with a two-column table (name, reason), or a line saying there is none."""
    heading = f'<h2 id="{anchor}">{html.escape(title)}</h2>'
    if not items:
        return f'{heading}\n<p class="none">无 · none</p>'
    rows = "\n".join(
        f"<tr><td><code>{html.escape(name)}</code><td>{html.escape(reason)}</tr>"
        for name, reason in items
    )
    return f"{heading}\n<table><tr><th>{first}<th>原因 · reason</tr>\n{rows}\n</table>"


def write_overview(
    site: Path,
    outcomes: list[Outcome],
    *,
    not_evaluated: Sequence[tuple[str, str]] = (),
    missing: Sequence[tuple[str, str]] = (),
    as_of: dt.date | None = None,
) -> Path:
    """Write ``site/index.html`` (keeping Great Expectations' own as ``gx-index.html``).

    Args:
        site: the Data Docs site directory.
        outcomes: one per validated dataset.
        not_evaluated: (rule or dataset, reason in words) of rules not evaluated.
        missing: (dataset, reason in words) of datasets missing, refused or declared absent.
        as_of: the date the data was judged at, shown when given.
    """
    index = site / "index.html"
    if index.exists():
        index.replace(site / GX_INDEX)
    failing = [o.dataset for o in outcomes if not o.success]
    verdict = (
        f"{len(outcomes)} datasets, all pass"
        if not failing
        else f"{len(outcomes)} datasets, {len(failing)} failing: {', '.join(failing)}"
    )
    if missing:
        verdict += f"; {len(missing)} missing"
    if not_evaluated:
        verdict += f"; {len(not_evaluated)} rules not evaluated"
    judged = f" Data judged as of {as_of.isoformat()}." if as_of else ""
    header = (
        "<tr><th>dataset<th>数据集<th>result<th>rows staged<th>rows checked"
        "<th>quarantined<th>quarantine rate<th>limit<th>checks passed<th>failed checks"
        "<th>details</tr>"
    )
    rows = "\n".join(_row(site, o) for o in sorted(outcomes, key=lambda o: o.dataset))
    page = f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>huimin validation report</title>
<style>{STYLE}</style></head><body>
<h1>数据质量报告 · Validation report</h1>
<p>{html.escape(verdict)}.{judged} Rows that failed a row check were set aside at ingestion (see
<code>quarantine/</code> and <code>returns/</code>); a dataset fails when its quarantine rate,
overall or for one reason, is above its threshold (<code>quality-thresholds.yaml</code>, or the
district's <code>thresholds.yaml</code>), or when a check on the staged rows fails.
Great Expectations' own index:
<a href="{GX_INDEX}">{GX_INDEX}</a>.</p>
<table>{header}
{rows}
</table>
{_listing(MISSING_TITLE, "数据集 · dataset", missing, "missing")}
{_listing(NOT_EVALUATED_TITLE, "规则 · rule", not_evaluated, "not-evaluated")}
</body></html>
"""
    index.write_text(redact(page), encoding="utf-8")
    return index
