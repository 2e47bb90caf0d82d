"""Coverage report for rule authors: provincial clues that no district rule found.

The ``province_only`` rows of a reconciliation, grouped by project and problem text, each
person with the facts the district's registries hold on them (death and its date, vehicles,
business roles, public payroll, household registration status...), so an author sees which
rule is missing. One offline HTML page (style inline, every text escaped) and its Markdown
twin. ID numbers are masked and names left out; everything passes through
:func:`huimin.redact.redact` as a second line of defence.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from huimin.atomic import write_text
from huimin.idnumber import mask
from huimin.redact import redact

STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: left; vertical-align: top; }
td.n { text-align: right; } .none { color: #666; }
"""
TITLE = "省线索覆盖情况 / Provincial clues no district rule found"
NO_FACTS = "区内登记信息中无记录 (no registry holds this person)"


@dataclass(frozen=True)
class Registry:
    """How one staged registry describes a person: its ID column and one fact per row."""

    dataset: str
    id_column: str
    fact: Callable[[], pl.Expr]
    count_only: str | None = None  # "vehicles: N" rather than one fact per row


def _text(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.String).fill_null("?")


REGISTRIES = (
    Registry(
        "population",
        "id_number",
        lambda: (
            pl.format("户籍：{}（{}）", _text("status"), _text("street"))
            + pl.when(pl.col("status_date").is_not_null())
            .then(pl.format(" {}", pl.col("status_date").cast(pl.String)))
            .otherwise(pl.lit(""))
        ),
    ),
    Registry(
        "deaths",
        "id_number",
        lambda: pl.format("死亡：{}（{}）", _text("death_date"), _text("source")),
    ),
    Registry("vehicles", "owner_id_number", lambda: pl.lit(""), count_only="机动车"),
    Registry("properties", "owner_id_number", lambda: pl.lit(""), count_only="不动产"),
    Registry(
        "enterprises",
        "id_number",
        lambda: pl.format("市场主体：{}（{}）", _text("role"), _text("entity_status")),
    ),
    Registry(
        "public_employees",
        "id_number",
        lambda: pl.format(
            "财政供养：{}（{}至{}）", _text("employee_type"), _text("start_date"), _text("end_date")
        ),
    ),
    Registry(
        "inmates",
        "id_number",
        lambda: pl.format("服刑：{}至{}", _text("start_date"), _text("end_date")),
    ),
    Registry(
        "pension_insured",
        "id_number",
        lambda: pl.format("养老保险：{}（{}）", _text("insurance_type"), _text("status")),
    ),
    Registry(
        "disability_cards",
        "id_number",
        lambda: pl.format("残疾人证：{}级（{}）", _text("disability_level"), _text("status")),
    ),
    Registry(
        "students",
        "id_number",
        lambda: pl.format("学籍：{}（{}）", _text("stage"), _text("status")),
    ),
    Registry(
        "land_contracts",
        "id_number",
        lambda: pl.format("承包地：{}亩", _text("contracted_area_mu")),
    ),
    Registry(
        "resettlement_registry", "id_number", lambda: pl.format("移民核定：{}", _text("reservoir"))
    ),
)


def registry_facts(staged: Path, ids: pl.Series) -> pl.DataFrame:
    """``id_number`` → ``facts`` (list of texts), for every ID some staged registry holds."""
    wanted = pl.DataFrame({"id_number": ids.drop_nulls().unique()})
    parts = [_facts_of(staged, registry, wanted) for registry in REGISTRIES]
    found = [p for p in parts if p is not None and p.height]
    if not found:
        return pl.DataFrame(schema={"id_number": pl.String, "facts": pl.List(pl.String)})
    return (
        pl.concat(found)
        .group_by("id_number", maintain_order=True)
        .agg(pl.col("fact").unique(maintain_order=True).alias("facts"))
    )


def _facts_of(staged: Path, registry: Registry, wanted: pl.DataFrame) -> pl.DataFrame | None:
    path = staged / f"{registry.dataset}.parquet"
    if not path.is_file() or wanted.height == 0:
        return None
    frame = pl.scan_parquet(path).rename({registry.id_column: "id_number"})
    frame = frame.join(wanted.lazy(), on="id_number", how="semi")
    if registry.count_only is not None:
        label = registry.count_only
        return (
            frame.group_by("id_number")
            .len()
            .select("id_number", pl.format(f"{label}：{{}}项", pl.col("len")).alias("fact"))
            .collect()
        )
    return frame.select("id_number", registry.fact().alias("fact")).collect()


def coverage_rows(table: pl.DataFrame, staged: Path) -> pl.DataFrame:
    """The province_only rows, masked, with the registry facts on each person."""
    rows = table.filter(pl.col("match") == "province_only")
    facts = registry_facts(staged, rows["id_number"])
    joined = rows.join(facts, on="id_number", how="left").sort("project", "problem", "source_row")
    return joined.select(
        "province_clue_id",
        "project",
        pl.col("policy").fill_null(""),
        pl.col("problem").fill_null(""),
        pl.col("street").fill_null(""),
        mask(pl.col("id_number")).fill_null("").alias("masked_id"),
        pl.col("match_strength").fill_null(""),
        pl.col("facts").fill_null(pl.lit([], dtype=pl.List(pl.String))),
    )


def _groups(rows: pl.DataFrame) -> list[tuple[str, str, list[dict[str, object]]]]:
    out: list[tuple[str, str, list[dict[str, object]]]] = []
    for (project, problem), group in rows.group_by(["project", "problem"], maintain_order=True):
        out.append((str(project), str(problem), group.to_dicts()))
    return out


def render_markdown(rows: pl.DataFrame, total: int) -> str:
    lines = [
        f"# {TITLE}",
        "",
        f"{rows.height} of {total} provincial clues are in the district but no district rule "
        "raised a clue on them (province_only). ID numbers are masked.",
        "",
    ]
    for project, problem, members in _groups(rows):
        lines += [f"## {project}: {problem} ({len(members)})", ""]
        lines += ["| 线索编号 | 街道 | 身份证号码 | 匹配 | 区内登记信息 |", "|---|---|---|---|---|"]
        for m in members:
            facts = "；".join(str(f) for f in m["facts"]) or NO_FACTS  # type: ignore[attr-defined]
            cells = [m["province_clue_id"], m["street"], m["masked_id"], m["match_strength"], facts]
            lines.append("| " + " | ".join(_md(str(c)) for c in cells) + " |")
        lines.append("")
    if rows.height == 0:
        lines.append("Every provincial clue in the district was also found by a district rule.")
    return redact("\n".join(lines) + "\n")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_html(rows: pl.DataFrame, total: int) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh"><head><meta charset="utf-8">',
        f"<title>{esc(TITLE)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{esc(TITLE)}</h1>",
        f"<p>{rows.height} of {total} provincial clues are in the district but no district "
        "rule raised a clue on them (province_only). ID numbers are masked.</p>",
    ]
    for project, problem, members in _groups(rows):
        parts.append(f"<h2>{esc(project)}：{esc(problem)} ({len(members)})</h2>")
        parts.append(
            "<table><tr><th>线索编号</th><th>街道</th><th>身份证号码</th><th>匹配</th>"
            "<th>区内登记信息</th></tr>"
        )
        for m in members:
            facts = [str(f) for f in m["facts"]]  # type: ignore[attr-defined]
            shown = (
                "<br>".join(esc(f) for f in facts) or f'<span class="none">{esc(NO_FACTS)}</span>'
            )
            cells = [m["province_clue_id"], m["street"], m["masked_id"], m["match_strength"]]
            parts.append(
                "<tr>"
                + "".join(f"<td>{esc(str(c))}</td>" for c in cells)
                + f"<td>{shown}</td></tr>"
            )
        parts.append("</table>")
    if rows.height == 0:
        parts.append(
            "<p>Every provincial clue in the district was also found by a district rule.</p>"
        )
    parts.append("</body></html>")
    return redact("\n".join(parts) + "\n")


def write_coverage(table: pl.DataFrame, staged: Path, reports: Path) -> list[str]:
    """Write ``coverage.html`` and ``coverage.md`` under ``reports``; their paths, relative."""
    rows = coverage_rows(table, staged)
    write_text(reports / "coverage.html", render_html(rows, table.height))
    write_text(reports / "coverage.md", render_markdown(rows, table.height))
    return ["reports/coverage.html", "reports/coverage.md"]
