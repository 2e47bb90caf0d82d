"""The clue report: three static pages under ``reports/`` that open offline in any browser.

- ``index.html``: totals, the change since the previous published run, links to the charts,
  the clue table and the Data Docs (``validation/index.html``, when reports were built), the
  rules that were not evaluated, with the reason, and the rules' feedback from the
  verification ledger (:mod:`huimin.reports.rule_feedback`);
- ``clues.html``: clues and amount at risk by project, street, rule and severity, and the
  change since the previous run (new, still open, gone) by project; plotly charts with the
  plotly.js library inlined once, so nothing is fetched from the internet;
- ``clue-table.html``: every clue with its Chinese account (疑点描述, 核查要点), searchable and
  filterable by a small inline script.

The pages are public outputs: ID numbers and bank accounts are masked, names are shown as the
surname and ``*`` (``张*``), in the table and inside the accounts too. Templates escape every
text; the whole page is then passed through :func:`huimin.redact.redact` (the library script
is put in after that, untouched). Each file is written atomically.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import plotly.graph_objects as go  # type: ignore[import-untyped]
import plotly.offline  # type: ignore[import-untyped]
import polars as pl
from plotly.subplots import make_subplots  # type: ignore[import-untyped]

from huimin.atomic import write_text
from huimin.errors import DataFileError, InternalError
from huimin.redact import mask_account, mask_id, redact
from huimin.reports.rule_feedback import FeedbackSection, thresholds
from huimin.rules.clues import CLUE_SCHEMA

REPORTS_DIR = "reports"
INDEX = "index.html"
CHARTS = "clues.html"
TABLE = "clue-table.html"
VALIDATION_INDEX = "validation/index.html"
#: where the plotly.js library goes, after the page has been redacted
LIBRARY_SLOT = "/*__huimin_library_script__*/"
NO_STREET = "（无街道）"
SEVERITIES = (("high", "高 high"), ("medium", "中 medium"), ("low", "低 low"))
SEVERITY_LABEL = dict(SEVERITIES)
STATUS = {"new": "新增 new", "still": "仍在 still open"}
COLOURS = {"clues": "#3b6ea5", "amount": "#c26b2b", "new": "#b42318", "still": "#667085"}
GONE_COLOUR = "#98a2b3"
PLOT_CONFIG = {"displaylogo": False, "responsive": True}
FONT = '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'


@dataclass(frozen=True)
class Change:
    """Clue ids compared with the previous published run."""

    new: frozenset[str]
    still: frozenset[str]
    gone: frozenset[str]
    previous_clues: int

    def counts(self) -> dict[str, int]:
        return {
            "new": len(self.new),
            "still": len(self.still),
            "gone": len(self.gone),
            "previous_clues": self.previous_clues,
        }


@dataclass(frozen=True)
class Chart:
    title: str
    html: str
    note: str = ""


# ---------------------------------------------------------------------- reading a run
def _read_clues(folder: Path) -> pl.DataFrame:
    path = folder / "clues.parquet"
    if not path.is_file():
        return pl.DataFrame(schema=CLUE_SCHEMA)
    try:
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError):
        raise DataFileError(path, "cannot be read as a clue table", "run the rules again") from None


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise DataFileError(path, "cannot be read as a run manifest", "run the job again") from None
    return data if isinstance(data, dict) else {}


def _finding_names(folder: Path) -> dict[str, set[str]]:
    """Every name a clue's findings mention (household members, not only the head)."""
    path = folder / "findings.parquet"
    if not path.is_file():
        return {}
    try:
        frame = pl.read_parquet(path, columns=["clue_id", "name"])
    except (OSError, pl.exceptions.PolarsError):
        return {}
    names: dict[str, set[str]] = {}
    for clue, name in frame.drop_nulls().iter_rows():
        names.setdefault(str(clue), set()).add(str(name))
    return names


def not_evaluated_rules(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(rule, reason) of every rule the run could not evaluate, from its manifest."""
    rules = manifest.get("rules") or {}
    items = rules.get("not_evaluated", []) if isinstance(rules, dict) else []
    return [
        (str(item.get("rule", "")), str(item.get("reason", "")))
        for item in items
        if isinstance(item, dict)
    ]


def compare_runs(current: pl.DataFrame, previous: pl.DataFrame) -> Change:
    """New, still open and gone clue ids of ``current`` against ``previous``."""
    now = set(current.get_column("clue_id").to_list())
    before = set(previous.get_column("clue_id").to_list())
    return Change(
        new=frozenset(now - before),
        still=frozenset(now & before),
        gone=frozenset(before - now),
        previous_clues=len(before),
    )


# ---------------------------------------------------------------------- masking
def mask_name(name: str | None) -> str:
    """A person's name as the public pages show it: the surname and one star (``张*``)."""
    text = (name or "").strip()
    return f"{text[0]}*" if text else ""


def _mask_subject(kind: str, subject: str) -> str:
    if kind == "person":
        return mask_id(subject)
    if kind == "account":
        return mask_account(subject)
    return redact(subject)


def _mask_names(text: str, names: Iterable[str]) -> str:
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return redact(text)


def _personal(kind: str) -> bool:
    """Whether a clue's name is a person's (a project's is an organisation's)."""
    return kind != "project"


# ---------------------------------------------------------------------- the table
def _money(value: float | None) -> str:
    return f"{(value or 0.0):,.2f}"


def _table_row(clue: Mapping[str, Any], status: str, names: set[str]) -> dict[str, Any]:
    kind = str(clue["subject_kind"])
    name = str(clue["name"] or "")
    personal = names | ({name} if _personal(kind) and name else set())
    severity = str(clue["severity"] or "")
    return {
        "clue_id": redact(str(clue["clue_id"])),
        "status_key": status,
        "status": STATUS.get(status, "—"),
        "project": str(clue["project"] or ""),
        "place": redact(str(clue["street"] or clue["organization"] or NO_STREET)),
        "subject": _mask_subject(kind, str(clue["subject"] or "")),
        "name": mask_name(name) if _personal(kind) else redact(name),
        "ids": [mask_id(v) if kind != "project" else redact(v) for v in clue["id_numbers"] or []],
        "periods": redact(str(clue["periods_text"] or "")),
        "amount": _money(clue["amount"]),
        "severity": severity,
        "severity_label": SEVERITY_LABEL.get(severity, severity),
        "rules": [str(r) for r in clue["rule_ids"] or []],
        "summary": _mask_names(str(clue["summary"] or ""), personal),
        "verify": _mask_names(str(clue["verify"] or ""), personal),
    }


def table_rows(
    clues: pl.DataFrame, change: Change | None, names: Mapping[str, set[str]]
) -> list[dict[str, Any]]:
    """The clue table's rows, masked, highest severity and amount first."""
    ranked = clues.with_columns(
        pl.col("severity")
        .replace_strict({"high": 0, "medium": 1, "low": 2}, default=3, return_dtype=pl.Int8)
        .alias("__rank__")
    ).sort(["__rank__", "amount", "clue_id"], descending=[False, True, False], nulls_last=True)
    rows = []
    for clue in ranked.iter_rows(named=True):
        clue_id = str(clue["clue_id"])
        status = "" if change is None else ("new" if clue_id in change.new else "still")
        rows.append(_table_row(clue, status, names.get(clue_id, set())))
    return rows


# ---------------------------------------------------------------------- the charts
def _totals(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    return (
        frame.group_by(by)
        .agg(pl.len().alias("clues"), pl.col("amount").fill_null(0.0).sum().alias("amount"))
        .sort(["clues", "amount", by], descending=[True, True, False])
    )


def _by_dimension(clues: pl.DataFrame, dimension: str) -> pl.DataFrame:
    if dimension == "street":
        frame = clues.with_columns(pl.col("street").fill_null(NO_STREET).alias("label"))
    elif dimension == "rule":
        frame = clues.explode("rule_ids").rename({"rule_ids": "label"})
    elif dimension == "severity":
        frame = clues.with_columns(
            pl.col("severity").replace(SEVERITY_LABEL).fill_null("—").alias("label")
        )
    else:
        frame = clues.with_columns(pl.col(dimension).fill_null("—").alias("label"))
    totals = _totals(frame.select("label", "amount"), "label")
    if dimension == "severity":
        order = {label: i for i, (_, label) in enumerate(SEVERITIES)}
        totals = totals.sort(pl.col("label").replace_strict(order, default=9))
    return totals


def _figure_html(figure: go.Figure) -> str:
    html: str = figure.to_html(
        full_html=False, include_plotlyjs=False, config=PLOT_CONFIG, validate=True
    )
    return html


def _layout(figure: go.Figure, rows: int) -> None:
    figure.update_layout(
        template="plotly_white",
        height=140 + 26 * max(rows, 2),
        margin={"l": 20, "r": 30, "t": 50, "b": 40},
        font={"family": FONT, "size": 13},
        showlegend=False,
        bargap=0.25,
    )
    figure.update_yaxes(automargin=True, autorange="reversed")


def dimension_chart(totals: pl.DataFrame) -> str:
    """Two bar charts side by side: clues and amount at risk per label."""
    labels = [redact(str(v)) for v in totals.get_column("label").to_list()]
    figure = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=("线索数 clues", "涉及金额（元） amount at risk (yuan)"),
    )
    for col, (field, fmt) in enumerate((("clues", "%{x:,}"), ("amount", "%{x:,.2f}")), 1):
        values = [float(v) for v in totals.get_column(field).to_list()]
        figure.add_trace(
            go.Bar(
                x=values,
                y=labels,
                orientation="h",
                marker_color=COLOURS[field],
                texttemplate=fmt,
                textposition="auto",
                hovertemplate=f"%{{y}}: {fmt}<extra></extra>",
            ),
            row=1,
            col=col,
        )
    _layout(figure, len(labels))
    return _figure_html(figure)


def change_chart(clues: pl.DataFrame, previous: pl.DataFrame, change: Change) -> str:
    """Per project: clues new, still open, and gone since the previous run (stacked)."""
    now = clues.select("clue_id", "project")
    before = previous.select("clue_id", "project")
    groups = {
        "new": now.filter(pl.col("clue_id").is_in(list(change.new))),
        "still": now.filter(pl.col("clue_id").is_in(list(change.still))),
        "gone": before.filter(pl.col("clue_id").is_in(list(change.gone))),
    }
    projects = sorted({str(p) for g in groups.values() for p in g.get_column("project")})
    figure = go.Figure()
    names = {**STATUS, "gone": "消失 gone"}
    for key, group in groups.items():
        counts = dict(group.group_by("project").len().iter_rows())
        figure.add_trace(
            go.Bar(
                name=names[key],
                y=[redact(p) for p in projects],
                x=[int(counts.get(p, 0)) for p in projects],
                orientation="h",
                marker_color=COLOURS.get(key, GONE_COLOUR),
                texttemplate="%{x}",
                textposition="inside",
            )
        )
    _layout(figure, len(projects))
    figure.update_layout(barmode="stack", showlegend=True, legend={"orientation": "h"})
    return _figure_html(figure)


def build_charts(
    clues: pl.DataFrame, previous: pl.DataFrame | None, change: Change | None
) -> list[Chart]:
    titles = {
        "project": ("按项目 By project", ""),
        "street": (
            "按街道 By street",
            f"{NO_STREET}: clues attributed to an organisation (school, car dealer) or none",
        ),
        "rule": (
            "按规则 By rule",
            "A clue found by several rules counts under each of them, with its whole amount.",
        ),
        "severity": ("按等级 By severity", ""),
    }
    charts = []
    if previous is not None and change is not None and (clues.height or previous.height):
        charts.append(
            Chart("变化 New, still open and gone by project", change_chart(clues, previous, change))
        )
    for dimension, (title, note) in titles.items():
        html = dimension_chart(_by_dimension(clues, dimension)) if clues.height else ""
        charts.append(Chart(title, html, note))
    return charts


# ---------------------------------------------------------------------- the pages
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("huimin.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _meta(manifest: Mapping[str, Any]) -> str:
    parts = [f"生成 built {dt.datetime.now().isoformat(timespec='minutes')}"]
    for key, label in (("run_id", "run"), ("check_period", "check period"), ("as_of", "as of")):
        if manifest.get(key):
            parts.append(f"{label} {manifest[key]}")
    return " · ".join(parts)


def _write_page(target: Path, page: str, library: str = "") -> None:
    """Redact the page, then put the library script in its slot (it is no data)."""
    text = redact(page)
    if library:
        if text.count(LIBRARY_SLOT) != 1 or "</script" in library.lower():
            raise InternalError("the chart library cannot be put in the page")
        text = text.replace(LIBRARY_SLOT, library)
    write_text(target, text)


def build_clue_report(
    run_folder: Path,
    previous: Path | None,
    *,
    not_evaluated: Sequence[tuple[str, str]] | None = None,
    feedback: FeedbackSection | None = None,
) -> Path:
    """Write ``reports/index.html``, ``reports/clues.html`` and ``reports/clue-table.html``
    of the run in ``run_folder``; return the path of ``index.html``.

    ``previous`` is the previous published run's folder (``RunArea(out).previous()``), or None.
    The rules not evaluated come from the run's ``manifest.json`` unless given. ``feedback``
    is the rule feedback section (:func:`huimin.reports.rule_feedback.feedback_section`);
    without it the section says that no ledger was given.
    """
    reports = run_folder / REPORTS_DIR
    manifest = _read_manifest(run_folder)
    clues = _read_clues(run_folder)
    before = _read_clues(previous) if previous is not None else None
    change = compare_runs(clues, before) if before is not None else None
    skipped = list(not_evaluated) if not_evaluated is not None else not_evaluated_rules(manifest)
    common: dict[str, Any] = {
        "meta": _meta(manifest),
        "validation_link": VALIDATION_INDEX if (reports / VALIDATION_INDEX).is_file() else "",
        "totals": {
            "clues": f"{clues.height:,}",
            "amount": _money(float(clues.get_column("amount").fill_null(0.0).sum())),
        },
        "change": change.counts() if change is not None else None,
    }
    env = _environment()
    page = env.get_template("index.html.j2").render(
        title="惠民惠农线索报告 Clue report",
        not_evaluated=[{"rule": r, "reason": why} for r, why in skipped],
        feedback=feedback or FeedbackSection(),
        low_rule=thresholds(),
        **common,
    )
    charts = env.get_template("clues.html.j2").render(
        title="线索图表 Clue charts",
        library_script=markupsafe.Markup(LIBRARY_SLOT),
        charts=build_charts(clues, before, change),
        **common,
    )
    table = env.get_template("clue-table.html.j2").render(
        title="线索清单 Clue table",
        rows=table_rows(clues, change, _finding_names(run_folder)),
        projects=sorted({str(p) for p in clues.get_column("project").drop_nulls()}),
        severities=SEVERITIES,
        **common,
    )
    _write_page(reports / CHARTS, charts, plotly.offline.get_plotlyjs())
    _write_page(reports / TABLE, table)
    _write_page(reports / INDEX, page)
    return reports / INDEX
