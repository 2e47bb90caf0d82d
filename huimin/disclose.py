"""Public disclosure (公示): the public lists of recipients and the public account of policy
and rectification status (公开政策落实、问题整改情况), as pure functions over data frames.

What a public list shows is an explicit allowlist (:class:`PublicList`, :func:`public_list`):
the street, the community or village, the masked name, the masked ID number, the household
relation and size where the roster has them, the planted area for the grain subsidy, the
period, the number of payments and the amount. The frame is cut down to the fields the
allowlist names before anything else happens, and the result is one ``select`` of named
expressions, so a column a department or a later contract adds can never reach a list. Bank
accounts, phone numbers, addresses, household numbers, disability grades, support modes and
hardship categories are never shown.

Names keep the surname (two characters for a compound surname of :data:`COMPOUND_SURNAMES`)
and every other character becomes ``*`` (:func:`mask_names`); ID numbers hide the birth date
(:func:`huimin.idnumber.mask_public`). The public account (:func:`policy_account`) holds only
counts and sums by project: recipients, households, payments and amounts from a run's staged
rosters, and clues received, verified, confirmed, rectified and the amounts recovered from the
ledger. Nothing here reads or writes a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from huimin.appendix import APPENDIX_SPELLINGS, TOTAL
from huimin.errors import ConfigError
from huimin.idnumber import mask_public
from huimin.ledger.states import State
from huimin.schemas import ROSTERS
from huimin.stats import CONFIRMED, VERIFIED

#: compound surnames (复姓) kept whole when the name has at least 3 characters
COMPOUND_SURNAMES: tuple[str, ...] = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
    "宇文", "司徒", "司空", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门",
    "百里", "呼延", "万俟", "申屠", "钟离", "闻人", "澹台", "公冶", "太叔", "濮阳",
    "淳于", "单于", "赫连", "拓跋", "东郭", "左丘", "第五", "梁丘", "闾丘", "谷梁",
)  # fmt: skip
#: characters that separate the parts of a name (间隔号 of ethnic and foreign names, spaces);
#: they stay where they are, every other character after the kept prefix becomes ``*``
NAME_SEPARATORS = "·•・‧.．-－ \u3000\t\r\n\u00a0"
#: stripped from both ends of a name before it is masked
NAME_BLANKS = " \u3000\t\r\n\u00a0"
_NOT_SEPARATOR = "[^" + NAME_SEPARATORS.replace("-", "\\-").replace(".", "\\.") + "]"
_SEPARATOR = _NOT_SEPARATOR.replace("[^", "[", 1)
#: 11 digits or more (single spaces or dashes between them allowed) in a free-text column shown
#: as it is (community, relation) are hidden: an ID number, an account or a phone typed there
_LONG_DIGITS = r"[0-9](?:[ \-]?[0-9]){10,}(?:[ \-]?[Xx])?"

NO_STREET = "未注明街道"
NAME, ID_NUMBER, STREET = "姓名", "公民身份号码", "街道"
PERIOD, PAYMENTS, AMOUNT = "发放期间", "发放次数", "发放金额（元）"

MASKING_RULES: tuple[str, ...] = (
    "姓名只显示姓氏（复姓显示两个字），名字的每个字以“*”代替；单字姓名显示为“*”；"
    "少数民族和外文姓名只显示第一个字，其余字以“*”代替，间隔号保留。",
    "公民身份号码显示前6位和后4位，隐去中间8位（出生日期）；15位旧号码显示前6位和后3位，"
    "隐去中间6位；不是身份证号码格式的内容整体隐去（****）。",
    "不公布银行账号、电话号码、家庭住址、保障户编号、残疾等级、供养方式、困难类型，"
    "名册中的其他任何列也不公布。",
    "发放金额为每人在发放期间内的合计，来自本次运行通过校验的记录；退回部门更正的记录不在其中。",
)


def mask_names(expr: pl.Expr) -> pl.Expr:
    """Mask names for a public list: ``张三`` → ``张*``, ``欧阳娜娜`` → ``欧阳**``.

    The name is stripped of blanks at both ends. One character becomes ``*``; a name with a
    separator (``买买提·艾力``, ``John Smith``) keeps its first character and its separators
    (``买**·**``); any other name keeps its surname, the first two characters when they are
    a compound surname of :data:`COMPOUND_SURNAMES` and the name has 3 characters or more,
    else the first one. Every other character becomes ``*``, so the length shows and nothing
    else. Missing or blank names become ``""``. Masking a masked name changes nothing.
    """
    name = expr.cast(pl.String).str.strip_chars(NAME_BLANKS)
    length = name.str.len_chars()
    separated = name.str.contains(_SEPARATOR)
    compound = ~separated & (length >= 3) & name.str.slice(0, 2).is_in(COMPOUND_SURNAMES)
    keep = pl.when(compound).then(pl.lit(2)).otherwise(pl.lit(1))
    hidden = name.str.slice(keep).str.replace_all(_NOT_SEPARATOR, "*")
    return (
        pl.when(name.is_null() | (length == 0))
        .then(pl.lit(""))
        .when(length == 1)
        .then(pl.lit("*"))
        .otherwise(pl.concat_str([name.str.slice(0, keep), hidden]))
    )


def mask_name(name: str | None) -> str:
    """Scalar form of :func:`mask_names` (the same expression, on one value)."""
    return str(pl.select(mask_names(pl.lit(name, dtype=pl.String))).item())


def mask_public_id(value: str | None) -> str:
    """An ID number as a public list shows it (:func:`huimin.idnumber.mask_public`)."""
    return str(pl.select(mask_public(pl.lit(value, dtype=pl.String))).item())


def _scrubbed(expr: pl.Expr) -> pl.Expr:
    """A free-text column shown as it is, with any long run of digits hidden."""
    return expr.cast(pl.String).fill_null("").str.replace_all(_LONG_DIGITS, "****")


# ---------------------------------------------------------------------------- the projects
PROJECTS: dict[str, tuple[str, str]] = {
    model.__dataset__: (model.__roster_project__ or "", model.__roster_department__ or "")
    for model in ROSTERS
}


@dataclass(frozen=True)
class PublicList:
    """What the public list of one roster shows; nothing else of the roster is read."""

    dataset: str
    label: str  # the sheet's and the CSV file's name
    period: str  # the field that dates a payment
    place: str | None = None  # community or village
    place_header: str = "社区（村）"
    household: str | None = None  # orders members together; never shown
    members: bool = False  # 与户主关系 and 保障人口 shown
    area: str | None = None  # 补贴面积（亩） shown

    @property
    def project(self) -> str:
        return PROJECTS[self.dataset][0]

    def fields(self) -> list[str]:
        """The roster fields this list reads."""
        names = ["street", "id_number", "name", "amount", self.period]
        names += [f for f in (self.place, self.household, self.area) if f]
        return names + (["relation", "family_size"] if self.members else [])

    def headers(self) -> list[str]:
        """The list's columns, in order."""
        heads = [STREET] + ([self.place_header] if self.place else []) + [NAME, ID_NUMBER]
        heads += ["与户主关系", "保障人口"] if self.members else []
        heads += ["补贴面积（亩）"] if self.area else []
        return [*heads, PERIOD, PAYMENTS, AMOUNT]


PUBLIC_LISTS: dict[str, PublicList] = {
    spec.dataset: spec
    for spec in (
        PublicList(
            "dibao_rural",
            "农村低保",
            "pay_month",
            "community",
            household="household_id",
            members=True,
        ),
        PublicList(
            "dibao_urban",
            "城市低保",
            "pay_month",
            "community",
            household="household_id",
            members=True,
        ),
        PublicList("tekun", "特困人员救助供养", "pay_month", "community"),
        PublicList("disability_living", "困难残疾人生活补贴", "pay_month", "community"),
        PublicList("disability_care", "重度残疾人护理补贴", "pay_month", "community"),
        PublicList("elderly_allowance", "高龄津贴", "pay_month", "community"),
        PublicList(
            "grain_subsidy",
            "实际种粮农民一次性补贴",
            "year",
            "village",
            "村组",
            area="planted_area_mu",
        ),
        PublicList("resettlement_subsidy", "大中型水库移民直补", "year"),
    )
}
#: rosters with no public list of persons, and why; their totals are in the public account
WITHHELD: dict[str, str] = {
    "car_tradein": "购车人按经销商申领，名册含车辆信息且无街道，只公开汇总数",
    "premium_subsidy": "代缴类别会透露困难类型或残疾情况，只公开汇总数",
    "student_aid_compulsory": "受助学生为未成年人，按学校而非街道发放，只公开汇总数",
    "student_aid_highschool": "受助学生按学校发放，名单不按街道公示，只公开汇总数",
    "farmland_subsidy": "按建设项目拨付，不是个人名单，只公开汇总数",
}
#: the field that dates a payment, for every roster
PERIOD_FIELDS: dict[str, str] = {
    **{name: spec.period for name, spec in PUBLIC_LISTS.items()},
    "car_tradein": "pay_date",
    "premium_subsidy": "year",
    "student_aid_compulsory": "pay_date",
    "student_aid_highschool": "pay_date",
    "farmland_subsidy": "pay_date",
}


def choose_projects(wanted: Sequence[str] | None) -> list[str]:
    """The rosters ``--project`` names (dataset, project or list name), in the contract's
    order; every roster when none is named. ConfigError for a name that is none of these."""
    if not wanted:
        return list(PROJECTS)
    known: dict[str, str] = {}
    for dataset, (project, _) in PROJECTS.items():
        known[dataset] = known[project] = dataset
        if dataset in PUBLIC_LISTS:
            known[PUBLIC_LISTS[dataset].label] = dataset
    for spelling, project in APPENDIX_SPELLINGS.items():
        known[spelling] = known[project]
    unknown = [w for w in wanted if w.strip() not in known]
    if unknown:
        raise ConfigError(
            f"--project {', '.join(unknown)}: not a project; give a dataset name or a project "
            f"name: {', '.join(PROJECTS)}"
        )
    chosen = {known[w.strip()] for w in wanted}
    return [name for name in PROJECTS if name in chosen]


# ---------------------------------------------------------------------------- public lists
def _as_period(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A payment's period as text: ``2023-05`` (months and dates), ``2023`` (years)."""
    if dtype == pl.Date or dtype == pl.Datetime:
        return expr.dt.strftime("%Y-%m")
    return expr.cast(pl.String)


def _span(first: pl.Expr, last: pl.Expr) -> pl.Expr:
    """``2023-01至2023-12``, or one period when first and last are the same."""
    both = pl.concat_str([first, pl.lit("至"), last])
    return pl.when(first == last).then(first).otherwise(both).fill_null("")


def missing_fields(frame: pl.DataFrame | pl.LazyFrame, fields: Iterable[str]) -> list[str]:
    names = set(frame.collect_schema().names())
    return [f for f in fields if f not in names]


def public_list(frame: pl.DataFrame, spec: PublicList) -> pl.DataFrame:
    """One row per person (and household, place, relation and size) over the period: the
    columns of ``spec.headers()`` and nothing else, ordered by street, place, household and
    the roster's own order. The amounts add up to the roster's total."""
    fields = spec.fields()
    lacking = missing_fields(frame, fields)
    if lacking:
        raise ValueError(f"{spec.dataset}: no {', '.join(lacking)} column")
    order = "_source_row" if "_source_row" in frame.columns else None
    data = frame.select(*fields, *([order] if order else [])).with_columns(
        pl.col("street").cast(pl.String).fill_null(NO_STREET).replace("", NO_STREET),
        _as_period(pl.col(spec.period), frame.schema[spec.period]).alias("_period"),
    )
    keys = [c for c in ("street", spec.place, spec.household) if c]
    keys += ["id_number", "name"] + (["relation", "family_size"] if spec.members else [])
    aggregates = [
        pl.col("_period").min().alias("_first"),
        pl.col("_period").max().alias("_last"),
        pl.len().alias("_payments"),
        pl.col("amount").sum().round(2).alias("_amount"),
        (pl.col(order).min() if order else pl.lit(0)).alias("_order"),
    ]
    if spec.area:
        aggregates.append(pl.col(spec.area).sum().round(2).alias("_area"))
    grouped = data.group_by(keys, maintain_order=True).agg(aggregates)
    ranks = [c for c in ("street", spec.place, spec.household) if c]
    grouped = grouped.sort([*ranks, "_order"], nulls_last=True)
    return grouped.select(_shown(spec))


def _shown(spec: PublicList) -> list[pl.Expr]:
    """The allowlist: every column a public list may show, each a named expression."""
    shown = [_scrubbed(pl.col("street")).alias(STREET)]
    if spec.place:
        shown.append(_scrubbed(pl.col(spec.place)).alias(spec.place_header))
    shown += [
        mask_names(pl.col("name")).alias(NAME),
        mask_public(pl.col("id_number")).alias(ID_NUMBER),
    ]
    if spec.members:
        shown += [
            _scrubbed(pl.col("relation")).alias("与户主关系"),
            pl.col("family_size").cast(pl.Int64).alias("保障人口"),
        ]
    if spec.area:
        shown.append(pl.col("_area").alias("补贴面积（亩）"))
    return [
        *shown,
        _span(pl.col("_first"), pl.col("_last")).alias(PERIOD),
        pl.col("_payments").cast(pl.Int64).alias(PAYMENTS),
        pl.col("_amount").alias(AMOUNT),
    ]


def by_street(table: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """A public list split by street, in the order the streets first appear."""
    parts = table.partition_by(STREET, as_dict=True, maintain_order=True)
    return {str(key[0]): part for key, part in parts.items()}


# ---------------------------------------------------------------------------- public account
ROSTER_COLUMNS = ("发放期间", "发放对象（人）", "保障户数（户）", "发放笔数", "发放金额（元）")
LEDGER_COLUMNS = (
    "问题线索（条）",
    "已核查",
    "查实（含部分属实）",
    "查否",
    "整改中",
    "已整改销号",
    "移交纪检监察或上级纪委",
    "专题报告或长效机制",
    "应追缴金额（元）",
    "已追缴金额（元）",
)
NOTE = "说明"


def roster_figures(dataset: str, frame: pl.DataFrame) -> dict[str, object]:
    """Recipients, households (低保), payments, amount and period of one staged roster."""
    who = "recipient_name" if dataset == "farmland_subsidy" else "id_number"
    period_field = PERIOD_FIELDS[dataset]
    period = _as_period(pl.col(period_field), frame.schema[period_field])
    households = (
        pl.col("household_id").n_unique() if "household_id" in frame.columns else pl.lit(None)
    )
    row = frame.select(
        _span(period.min(), period.max()).alias(ROSTER_COLUMNS[0]),
        pl.col(who).n_unique().cast(pl.Int64).alias(ROSTER_COLUMNS[1]),
        households.cast(pl.Int64).alias(ROSTER_COLUMNS[2]),
        pl.len().cast(pl.Int64).alias(ROSTER_COLUMNS[3]),
        pl.col("amount").sum().round(2).cast(pl.Float64).alias(ROSTER_COLUMNS[4]),
    )
    return row.row(0, named=True)


def ledger_figures(clues: pl.DataFrame) -> pl.DataFrame:
    """The ledger's clues counted by project (the contract's spelling): no clue, no person."""
    state = pl.col("state")
    counts = {
        "问题线索（条）": pl.len(),
        "已核查": state.is_in([s.value for s in VERIFIED]).sum(),
        "查实（含部分属实）": state.is_in([s.value for s in CONFIRMED]).sum(),
        "整改中": (state == State.RECTIFYING.value).sum(),
        "已整改销号": (state == State.CLOSED.value).sum(),
        "移交纪检监察或上级纪委": state.is_in([State.TO_DISCIPLINE, State.TO_HIGHER]).sum(),
        "专题报告或长效机制": state.is_in([State.SPECIAL_REPORT, State.LONG_TERM]).sum(),
    }
    project = pl.col("project").fill_null("").replace(APPENDIX_SPELLINGS)
    table = clues.group_by(project.alias("项目名称"), maintain_order=True).agg(
        *[expr.cast(pl.Int64).alias(name) for name, expr in counts.items()],
        pl.col("amount_to_recover").fill_null(0).sum().round(2).alias("应追缴金额（元）"),
        pl.col("amount_recovered").fill_null(0).sum().round(2).alias("已追缴金额（元）"),
    )
    return table.with_columns(
        (pl.col("已核查") - pl.col("查实（含部分属实）")).alias("查否")
    ).select("项目名称", *LEDGER_COLUMNS)


def policy_account(
    rosters: Mapping[str, pl.DataFrame | None],
    chosen: Sequence[str],
    clues: pl.DataFrame | None,
    *,
    restrict: bool,
) -> pl.DataFrame:
    """The public account: one row per chosen project, then a 合计 row.

    ``rosters`` holds each chosen roster's staged rows (None: not usable in the run, said in
    说明). With ``clues`` (the ledger's, :func:`huimin.stats.ledger_clues_frame`), the
    rectification columns follow; clues of projects outside the rosters get rows of their own
    unless ``restrict`` (``--project`` given).
    """
    rows = []
    for dataset in chosen:
        project, department = PROJECTS[dataset]
        frame = rosters.get(dataset)
        figures: dict[str, object] = dict.fromkeys(ROSTER_COLUMNS)
        note = "本次运行没有可用的名册"
        if frame is not None:
            figures, note = roster_figures(dataset, frame), ""
        rows.append({"业务主管部门": department, "项目名称": project, **figures, NOTE: note})
    schema = {
        "业务主管部门": pl.String,
        "项目名称": pl.String,
        ROSTER_COLUMNS[0]: pl.String,
        **{name: pl.Int64 for name in ROSTER_COLUMNS[1:4]},
        ROSTER_COLUMNS[4]: pl.Float64,
        NOTE: pl.String,
    }
    table = pl.DataFrame(rows, schema=schema)
    if clues is not None:
        table = _with_ledger(table, ledger_figures(clues), restrict=restrict)
    return _with_total(table)


def _with_ledger(table: pl.DataFrame, figures: pl.DataFrame, *, restrict: bool) -> pl.DataFrame:
    joined = table.join(figures, on="项目名称", how="left", maintain_order="left")
    if not restrict:
        extra = figures.filter(~pl.col("项目名称").is_in(table.get_column("项目名称").to_list()))
        extra = extra.with_columns(pl.lit("不在数据约定的发放名册中").alias(NOTE))
        joined = pl.concat([joined, extra], how="diagonal_relaxed")
    counts = [c for c in LEDGER_COLUMNS if not c.endswith("（元）")]
    return joined.with_columns(
        pl.col(counts).fill_null(0).cast(pl.Int64),
        pl.col("应追缴金额（元）", "已追缴金额（元）").fill_null(0.0),
    ).select(*table.columns[:-1], *LEDGER_COLUMNS, NOTE)


def _column_total(name: str, dtype: pl.DataType) -> pl.Expr:
    """The column's sum (rounded to the fen for amounts); blank when every cell is."""
    column = pl.col(name)
    total = column.sum().round(2) if dtype.is_float() else column.sum()
    return pl.when(column.is_not_null().any()).then(total).alias(name)


def _with_total(table: pl.DataFrame) -> pl.DataFrame:
    numeric = [(n, t) for n, t in table.schema.items() if t.is_numeric()]
    total = table.select(
        pl.lit(TOTAL).alias("项目名称"), *[_column_total(n, t) for n, t in numeric]
    )
    return pl.concat([table, total], how="diagonal_relaxed").select(table.columns)
