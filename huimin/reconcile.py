"""Reconciliation: the province's clue list (省下发问题线索) against the district's own clues.

Every provincial clue gets exactly one row in ``reconciliation.parquet``, with its ``match``:

- ``corroborated``: the district has a clue on the same person (or on a household the person
  belongs to: a household clue lists every member's ID) in the same policy, whatever either
  problem text says; both texts are kept side by side;
- ``province_only``: the person is in the district (population registry, or the policy's
  roster) but no district rule raised a clue: a rule may be missing (see the coverage report);
- ``outside_district``: the ID is valid but nobody with it is registered in the district nor on
  the policy's roster: to be transferred (跨区移交);
- ``unidentified``: the project name is unknown, the row is unusable (quarantined by the
  contract's checks), or its person cannot be told apart.

``match_strength`` says how the person was found: ``id`` (the ID number), or ``name`` where the
ID is missing or malformed and the name is unique on the policy's roster (within the street,
when the list gives one). A row quarantined only for its ID number is tried by name; a row with
any other fault is ``unidentified`` with its reasons. A project subsidy (高标准农田) has no
person: the project id heading its problem text is its key (strength ``id``).

Project names are mapped to policies (roster datasets): the contract's names, the appendix's
spellings and the variants in ``data/reference/project-names.csv``, compared without spaces and
with every bracket made full-width. ``城乡低保`` (and ``低保``) names both 低保 rosters: the
roster that holds the person decides.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from huimin.atomic import write_parquet, write_text
from huimin.context import RunContext
from huimin.errors import ConfigError
from huimin.ingest import DatasetResult, ingest_file
from huimin.readers import SOURCE_ROW, header_key
from huimin.redact import redact_obj
from huimin.resources import project_file
from huimin.runs import WORK_DIR
from huimin.schemas import ROSTERS
from huimin.schemas.clues import ProvinceClues

PROJECT_NAMES = project_file("data", "reference", "project-names.csv")
MATCHES = ("corroborated", "province_only", "outside_district", "unidentified")
RANK = {name: i for i, name in enumerate(MATCHES)}
RECONCILIATION_SCHEMA: dict[str, pl.DataType] = {
    "province_clue_id": pl.String(),
    "source_row": pl.Int64(),
    "project": pl.String(),
    "policy": pl.String(),
    "street": pl.String(),
    "name": pl.String(),
    "id_number": pl.String(),
    "problem": pl.String(),
    "match": pl.String(),
    "match_strength": pl.String(),
    "clue_id": pl.String(),
    "district_summary": pl.String(),
    "reasons": pl.List(pl.String()),
}
DISTRICT_ONLY_SCHEMA: dict[str, pl.DataType] = {
    "clue_id": pl.String(),
    "project": pl.String(),
    "street": pl.String(),
    "summary": pl.String(),
}
_FIELDS = [spec.name for spec in ProvinceClues.field_specs()]
_BRACKETS = {
    "(": "（",
    ")": "）",
    "[": "（",
    "]": "）",
    "【": "（",
    "】": "）",
    "〔": "（",
    "〕": "）",
}


@dataclass
class ProvinceList:
    """The province's list as read: one row per input row, valid or quarantined."""

    rows: pl.DataFrame
    result: DatasetResult


@dataclass
class Reconciliation:
    """The outcome of matching a province list against a run's clues."""

    table: pl.DataFrame
    district_only: pl.DataFrame

    def counts(self) -> dict[str, int]:
        found = dict(self.table.group_by("match").len().iter_rows())
        return {name: int(found.get(name, 0)) for name in MATCHES}


@dataclass
class ReconcileSummary:
    """Counts only (no personal data): for the console and the manifest."""

    province_file: str
    rows_in: int
    rows_quarantined: int
    counts: dict[str, int]
    by_strength: dict[str, int]
    district_only: int
    reasons: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def manifest_section(self) -> dict[str, object]:
        return {
            "province_file": self.province_file,
            "rows_in": self.rows_in,
            "rows_quarantined": self.rows_quarantined,
            "by_match": self.counts,
            "by_strength": self.by_strength,
            "district_only": self.district_only,
            "quarantine_reasons": self.reasons,
            "files": self.files,
        }


# ---------------------------------------------------------------------------- project names
def normalize_name(expr: pl.Expr) -> pl.Expr:
    """Project names compared loosely: no spaces, every bracket full-width."""
    out = expr.str.replace_all(r"[\s\u3000\ufeff]", "")
    for old, new in _BRACKETS.items():
        out = out.str.replace_all(old, new, literal=True)
    return out


def project_names(variants: Path = PROJECT_NAMES) -> pl.DataFrame:
    """Every known project name (normalised) → policy: the contract's, then the variants."""
    pairs = [(str(m.__roster_project__), m.__dataset__) for m in ROSTERS]
    pairs += [(m.__dataset__, m.__dataset__) for m in ROSTERS]
    known = {m.__dataset__ for m in ROSTERS}
    try:
        with variants.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                for policy in (row.get("policies") or "").split(";"):
                    if policy.strip() not in known:
                        raise ConfigError(
                            f"{variants}: line {number}: unknown policy {policy.strip()!r} "
                            f"(one of {', '.join(sorted(known))})"
                        )
                    pairs.append((row.get("name") or "", policy.strip()))
    except OSError:
        raise ConfigError(f"{variants}: cannot be read (the project name variants)") from None
    frame = pl.DataFrame(pairs, schema={"name": pl.String, "policy": pl.String}, orient="row")
    return frame.select(normalize_name(pl.col("name")).alias("project_key"), "policy").unique(
        maintain_order=True
    )


# ---------------------------------------------------------------------------- the list
def read_province(path: Path, work: Path, ctx: RunContext) -> ProvinceList:
    """Ingest the list like any dataset (inside ``work``); valid and quarantined rows together."""
    out = work / "province"
    result = ingest_file(path, ProvinceClues, out, ctx=ctx, work=work)
    staged = pl.read_parquet(out / "staged" / "province_clues.parquet")
    quarantine = pl.read_parquet(out / "quarantine" / "province_clues.parquet")
    rows = pl.concat([_valid_rows(staged), _quarantined_rows(quarantine)], how="vertical")
    return ProvinceList(rows.sort("source_row"), result)


def _valid_rows(staged: pl.DataFrame) -> pl.DataFrame:
    return _unified(
        staged.with_columns(
            pl.lit([], dtype=pl.List(pl.String)).alias("reasons"),
            pl.lit(True).alias("id_usable"),
            pl.lit(True).alias("usable"),
        )
    )


def _quarantined_rows(quarantine: pl.DataFrame) -> pl.DataFrame:
    aliases = {header_key(k): v for k, v in ProvinceClues.aliases().items()}
    renames: dict[str, str] = {}
    for column in quarantine.columns:
        target = aliases.get(header_key(column))
        if target is not None and target not in renames.values():
            renames[column] = target
    frame = quarantine.select(*[pl.col(c).alias(t) for c, t in renames.items()], SOURCE_ROW)
    frame = frame.with_columns(quarantine["_reasons"].alias("reasons"))
    id_only = pl.col("reasons").list.eval(pl.element().str.starts_with("id_number ")).list.all()
    return _unified(frame.with_columns(pl.lit(False).alias("id_usable"), id_only.alias("usable")))


def _unified(frame: pl.DataFrame) -> pl.DataFrame:
    def text(name: str) -> pl.Expr:
        if name not in frame.columns:
            return pl.lit(None, dtype=pl.String).alias(name)
        value = pl.col(name).cast(pl.String).str.strip_chars()
        return pl.when(value == "").then(None).otherwise(value).alias(name)

    row = pl.col(SOURCE_ROW).cast(pl.Int64)
    return frame.select(
        pl.coalesce(text("clue_id"), pl.format("第{}行", row)).alias("province_clue_id"),
        row.alias("source_row"),
        *[text(n) for n in ("department", "project", "street", "organization")],
        *[text(n) for n in ("id_number", "name", "problem")],
        pl.col("reasons").cast(pl.List(pl.String)),
        pl.col("id_usable").cast(pl.Boolean),
        pl.col("usable").cast(pl.Boolean),
    )


# ---------------------------------------------------------------------------- the district
@dataclass
class District:
    """What the published run holds: its clues by person key, its rosters, its population."""

    clues: pl.DataFrame  # clue_id, project, street, summary, policy
    clue_keys: pl.DataFrame  # policy, key, clue_id, district_summary
    roster: pl.DataFrame  # policy, key, name, roster_street
    population: pl.DataFrame  # key


def load_district(run_folder: Path) -> District:
    clues_path = run_folder / "clues.parquet"
    if not clues_path.is_file():
        raise ConfigError(
            f"{run_folder}: the published run has no clues.parquet: run `huimin run` with "
            "the rules first"
        )
    project_policy = {str(m.__roster_project__): m.__dataset__ for m in ROSTERS}
    clues = pl.read_parquet(clues_path).with_columns(
        pl.col("project").replace_strict(project_policy, default=None).alias("policy")
    )
    keys = (
        clues.select(
            "policy",
            "clue_id",
            pl.col("summary").alias("district_summary"),
            pl.concat_list(pl.col("id_numbers"), pl.col("subject")).alias("key"),
        )
        .explode("key")
        .drop_nulls("key")
        .unique(subset=["policy", "key", "clue_id"])
        .select("policy", "key", "clue_id", "district_summary")
    )
    return District(clues, keys, _rosters(run_folder / "staged"), _population(run_folder))


def _rosters(staged: Path) -> pl.DataFrame:
    parts = []
    for model in ROSTERS:
        path = staged / f"{model.__dataset__}.parquet"
        if not path.is_file():
            continue
        frame = pl.read_parquet(path)
        name = "name" if "name" in frame.columns else "recipient_name"
        street = pl.col("street") if "street" in frame.columns else pl.lit(None, pl.String)
        parts.append(
            frame.select(
                pl.lit(model.__dataset__).alias("policy"),
                pl.col(str(model.__subject_field__)).cast(pl.String).alias("key"),
                pl.col(name).cast(pl.String).alias("name"),
                street.cast(pl.String).alias("roster_street"),
            ).unique()
        )
    schema = {"policy": pl.String, "key": pl.String, "name": pl.String, "roster_street": pl.String}
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def _population(run_folder: Path) -> pl.DataFrame:
    path = run_folder / "staged" / "population.parquet"
    if not path.is_file():
        return pl.DataFrame(schema={"key": pl.String})
    return (
        pl.read_parquet(path, columns=["id_number"])
        .select(pl.col("id_number").alias("key"))
        .unique()
    )


# ---------------------------------------------------------------------------- matching
def reconcile(rows: pl.DataFrame, district: District, names: pl.DataFrame) -> Reconciliation:
    """One row per provincial clue (``rows`` from :func:`read_province`), and the district's
    clues the province did not send."""
    pairs = rows.with_columns(normalize_name(pl.col("project")).alias("project_key")).join(
        names, on="project_key", how="left"
    )
    keyed = _with_keys(pairs, district.roster)
    judged = _judge(keyed, district)
    table = _best_per_row(judged)
    corroborated = table.filter(pl.col("match") == "corroborated")["clue_id"]
    district_only = (
        district.clues.filter(~pl.col("clue_id").is_in(corroborated.implode()))
        .select(list(DISTRICT_ONLY_SCHEMA))
        .sort("project", "clue_id")
    )
    return Reconciliation(table, district_only)


def _with_keys(pairs: pl.DataFrame, roster: pl.DataFrame) -> pl.DataFrame:
    """Each (row, policy) with the person's key: its ID, or the one roster entry of its name."""
    by_id = pl.col("id_usable") & pl.col("id_number").is_not_null()
    named = (
        pairs.filter(~by_id & pl.col("name").is_not_null() & pl.col("policy").is_not_null())
        .select("source_row", "policy", "name", "street")
        .join(roster, on=["policy", "name"], how="inner")
        .filter(
            pl.col("street").is_null()
            | pl.col("roster_street").is_null()
            | (pl.col("street") == pl.col("roster_street"))
        )
        .group_by("source_row", "policy")
        .agg(pl.col("key").unique().alias("candidates"))
    )
    out = pairs.join(named, on=["source_row", "policy"], how="left")
    # a project subsidy (高标准农田) names its project id at the head of the problem text
    subjects = roster.select("policy", pl.col("key").alias("ref")).unique()
    out = out.with_columns(pl.col("problem").str.extract(r"^\s*(\S+)").alias("ref")).join(
        subjects.with_columns(pl.lit(True).alias("ref_known")), on=["policy", "ref"], how="left"
    )
    by_ref = ~by_id & pl.col("ref_known").fill_null(False)
    found = pl.col("candidates").list.len().fill_null(0)
    return out.with_columns(
        pl.when(by_id)
        .then(pl.col("id_number"))
        .when(by_ref)
        .then(pl.col("ref"))
        .when(found == 1)
        .then(pl.col("candidates").list.first())
        .alias("key"),
        pl.when(by_id | by_ref)
        .then(pl.lit("id"))
        .when(found == 1)
        .then(pl.lit("name"))
        .alias("strength"),
        found.alias("candidates_found"),
    )


def _judge(keyed: pl.DataFrame, district: District) -> pl.DataFrame:
    clue = (
        district.clue_keys.sort("clue_id")
        .group_by("policy", "key", maintain_order=True)
        .agg(pl.col("clue_id").first(), pl.col("district_summary").first())
    )
    on_roster = (
        district.roster.select("policy", "key")
        .unique()
        .with_columns(pl.lit(True).alias("on_roster"))
    )
    registered = district.population.with_columns(pl.lit(True).alias("registered"))
    frame = (
        keyed.join(clue, on=["policy", "key"], how="left")
        .join(on_roster, on=["policy", "key"], how="left")
        .join(registered, on="key", how="left")
    )
    in_district = pl.col("on_roster").fill_null(False) | pl.col("registered").fill_null(False)
    match = (
        pl.when(~pl.col("usable"))
        .then(pl.lit("unidentified"))
        .when(pl.col("policy").is_null())
        .then(pl.lit("unidentified"))
        .when(pl.col("key").is_null())
        .then(pl.lit("unidentified"))
        .when(pl.col("clue_id").is_not_null())
        .then(pl.lit("corroborated"))
        .when(in_district)
        .then(pl.lit("province_only"))
        .otherwise(pl.lit("outside_district"))
    )
    return frame.with_columns(match.alias("match")).with_columns(_why().alias("why"))


def _why() -> pl.Expr:
    """The reason, in words, a row is unidentified (null otherwise)."""
    no_person = pl.col("id_number").is_null() & pl.col("name").is_null()
    return (
        pl.when(pl.col("match") != "unidentified")
        .then(None)
        .when(~pl.col("usable"))
        .then(pl.lit("行不可用：见上列校验原因 (row quarantined)"))
        .when(pl.col("policy").is_null())
        .then(pl.format("项目名称未识别：{} (unknown project name)", pl.col("project")))
        .when(no_person)
        .then(pl.lit("无身份证号码也无姓名 (neither ID number nor name)"))
        .when(pl.col("name").is_null())
        .then(pl.lit("身份证号码无效且无姓名 (ID number malformed, no name)"))
        .when(pl.col("candidates_found") == 0)
        .then(pl.lit("姓名不在该项目名册中 (name not on the policy's roster)"))
        .otherwise(
            pl.format(
                "姓名在该项目名册中不唯一：{}人 (name not unique on the roster)",
                pl.col("candidates_found"),
            )
        )
    )


def _best_per_row(judged: pl.DataFrame) -> pl.DataFrame:
    """One row per provincial clue: its best match over the policies its project names."""
    ranked = judged.with_columns(
        pl.col("match").replace_strict(RANK, return_dtype=pl.Int64).alias("rank"),
        (~pl.col("on_roster").fill_null(False)).alias("off_roster"),
    ).sort("source_row", "rank", "off_roster", "policy", nulls_last=True)
    policies = ranked.group_by("source_row").agg(
        pl.col("policy").drop_nulls().unique(maintain_order=True).str.join(";").alias("all")
    )
    best = ranked.unique(subset=["source_row"], keep="first", maintain_order=True).join(
        policies, on="source_row", how="left"
    )
    resolved = pl.col("match").is_in(["corroborated", "province_only", "outside_district"])
    why = pl.col("why")
    return best.select(
        "province_clue_id",
        "source_row",
        "project",
        pl.when(resolved).then(pl.col("policy")).otherwise(pl.col("all")).alias("policy"),
        "street",
        "name",
        "id_number",
        "problem",
        "match",
        pl.when(resolved).then(pl.col("strength")).alias("match_strength"),
        pl.when(pl.col("match") == "corroborated").then(pl.col("clue_id")).alias("clue_id"),
        pl.when(pl.col("match") == "corroborated")
        .then(pl.col("district_summary"))
        .alias("district_summary"),
        pl.when(why.is_null())
        .then(pl.col("reasons"))
        .otherwise(pl.concat_list(pl.col("reasons"), why))
        .alias("reasons"),
    ).cast(RECONCILIATION_SCHEMA)  # type: ignore[arg-type]


def summarize(province: ProvinceList, outcome: Reconciliation, name: str) -> ReconcileSummary:
    strengths = outcome.table.drop_nulls("match_strength").group_by("match_strength").len()
    return ReconcileSummary(
        province_file=name,
        rows_in=province.result.rows_in,
        rows_quarantined=province.result.rows_quarantined,
        counts=outcome.counts(),
        by_strength={str(k): int(v) for k, v in sorted(strengths.iter_rows())},
        district_only=outcome.district_only.height,
        reasons=dict(province.result.reasons),
    )


# ---------------------------------------------------------------------------- into a run
def reconcile_into(run_folder: Path, province_file: Path, ctx: RunContext) -> ReconcileSummary:
    """Reconcile ``province_file`` with the run in ``run_folder`` (not yet published): writes
    ``reconciliation.parquet``, ``district_only.parquet``, ``reports/coverage.html`` and
    ``.md``, and the manifest's ``reconciliation`` section (counts only, masked)."""
    from huimin.reports.coverage import write_coverage

    if not province_file.is_file():
        raise ConfigError(f"{province_file}: no such file (--province)")
    work = run_folder / WORK_DIR / "reconcile"
    work.mkdir(parents=True, exist_ok=True)
    try:
        province = read_province(province_file, work, ctx)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    outcome = reconcile(province.rows, load_district(run_folder), project_names())
    write_parquet(outcome.table, run_folder / "reconciliation.parquet")
    write_parquet(outcome.district_only, run_folder / "district_only.parquet")
    reports = write_coverage(outcome.table, run_folder / "staged", run_folder / "reports")
    summary = summarize(province, outcome, province_file.name)
    summary.files = ["reconciliation.parquet", "district_only.parquet", *reports]
    _update_manifest(run_folder / "manifest.json", summary)
    return summary


def _update_manifest(path: Path, summary: ReconcileSummary) -> None:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ConfigError(f"{path}: missing or unreadable: not a huimin run") from None
    if not isinstance(manifest, dict):
        raise ConfigError(f"{path}: not a huimin manifest")
    manifest["reconciliation"] = summary.manifest_section()
    text = json.dumps(redact_obj(manifest), ensure_ascii=False, indent=2, default=str) + "\n"
    write_text(path, text)
