"""Returns to departments: each department's quarantined rows, in Chinese, ready to correct.

``OUT/returns/<department>.xlsx`` holds, for one department, a 填写说明 sheet (how to correct
and return the file) and one sheet per dataset it sent whose rows were quarantined in this run:
a title (``退回更正清单：<title>（<file>）``), the date data was judged at and the row counts,
then 序号, 原文件行号 (the row as the department's file shows it), every original column under
the department's own header with the cell text exactly as sent, 问题说明 (every reason of the
row in Chinese, joined by "；") and an empty 核实更正说明 column for the department's answer.

Reasons are stored in English with the check's name; here each check gets a Chinese message,
found by matching the reason against the messages the row checks of that dataset produce
(:func:`huimin.rowchecks.make_plan`). A reason that matches none is kept whole after
"其他问题（原文）：", never dropped.

The department of a roster is its model's ``__roster_department__``; registries and the
province's clue list take theirs from ``data/reference/registry-departments.csv``. Rows of a
dataset whose department is :data:`NO_RETURN` (the province's own list) are not returned.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import polars as pl

from huimin.atomic import atomic_path
from huimin.context import RunContext
from huimin.errors import ConfigError, InternalError
from huimin.exports import safe_workbook, write_text_cell
from huimin.ingest import DatasetResult
from huimin.readers import SOURCE_ROW, header_key
from huimin.resources import project_file
from huimin.rowchecks import RAW, REASONS, make_plan
from huimin.schemas import DATASETS, ContractModel

DEPARTMENTS_CSV: Final = project_file("data", "reference", "registry-departments.csv")
#: the department of a dataset that is never returned (the province's clue list)
NO_RETURN: Final = "省级下发"
INSTRUCTIONS_SHEET: Final = "填写说明"
SEQ, SOURCE_ROW_ZH, PROBLEMS, ANSWER = "序号", "原文件行号", "问题说明", "核实更正说明"
#: 0-based row of the column headers on a dataset sheet (title, as-of line, hint above it)
HEADER_ROW: Final = 3
#: data rows on one sheet; more continue on a next sheet "<title>（续2）" ...
MAX_SHEET_ROWS: Final = 1_048_576 - HEADER_ROW - 1
#: above this many rows a workbook streams its rows to disk instead of holding them
CONSTANT_MEMORY_ROWS: Final = 100_000
REASON_SEPARATOR: Final = "；"
UNKNOWN_PREFIX: Final = "其他问题（原文）："
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FILE_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_VALUE_SUFFIX = re.compile(r" \(value '(.*)'\)", re.DOTALL)
_NUMBER = re.compile(r"\d{4}-\d{2}-\d{2}|-?\d+(?:\.\d+)?")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")

# ------------------------------------------------------------------ departments


def load_departments(path: Path = DEPARTMENTS_CSV) -> dict[str, str]:
    """Dataset → the department that corrects its file, for every dataset of the contract.

    Rosters name theirs in the model (``__roster_department__``); the others come from
    ``path`` (columns ``dataset``, ``department``, ``why``). A dataset named twice, an unknown
    one, or a roster whose department the table contradicts is a :class:`ConfigError`.
    """
    out = {
        name: model.__roster_department__
        for name, model in DATASETS.items()
        if model.__roster_department__
    }
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        dataset = (row.get("dataset") or "").strip()
        department = (row.get("department") or "").strip()
        where = f"{path.name}:{number}"
        if None in row:
            raise ConfigError(f"{where}: more fields than dataset, department, why (quote a comma)")
        if dataset not in DATASETS:
            raise ConfigError(f"{where}: unknown dataset '{dataset}'")
        if not department:
            raise ConfigError(f"{where}: dataset '{dataset}' has no department")
        if dataset in seen:
            raise ConfigError(f"{where}: dataset '{dataset}' is listed twice")
        if out.get(dataset, department) != department:
            raise ConfigError(
                f"{where}: dataset '{dataset}' is sent by {out[dataset]} (its schema), "
                f"not {department}"
            )
        seen.add(dataset)
        out[dataset] = department
    return out


def file_name(department: str) -> str:
    """The workbook's file name for ``department`` (characters no file system takes → "_")."""
    return _FILE_FORBIDDEN.sub("_", department).strip(" .") + ".xlsx"


# ------------------------------------------------------------------ reasons in Chinese

#: what a cell of each contract type must read as, in Chinese
FORM_ZH: Final[dict[str, str]] = {
    "id_number": "18位身份证号码",
    "text": "文本",
    "enum": "规定的选项",
    "date": "日期（如 2023-05-01、2023/5/1 或 2023年5月1日）",
    "month": "年月（如 2023-05、202305 或 2023年5月）",
    "year": "年份（如 2023）",
    "yuan": "金额（元，如 1250.50）",
    "float": "数字",
    "int": "整数",
    "bool": "“是”或“否”",
}

#: Chinese message of each field check: {label} is the column, {0} {1} ... the numbers or dates
#: of the check's own text, {values} the allowed values, {form} what the type reads as
FIELD_ZH: Final[dict[str, str]] = {
    "missing": "{label}为必填项，未填写",
    "unreadable": "{label}无法识别为{form}",
    "id_format": "{label}应为18位：前17位为数字，第18位为数字或X（15位为旧号码，请提供18位号码）",
    "id_check_character": "{label}第18位校验码与前17位不符（GB 11643），请核对号码是否录错",
    "id_province": "{label}开头不是有效的省级行政区划代码（GB/T 2260），请核对号码",
    "id_birth_date": "{label}中的出生日期不是真实日期或晚于数据基准日",
    "non_negative": "{label}不能为负数",
    "max_2_decimals": "{label}最多保留2位小数",
    "plausible_date": "{label}应在{0}至{1}之间",
    "not_future": "{label}晚于数据基准日，不能是将来的日期",
    "month_format": "{label}应写作“年-月”，如 2023-05",
    "allowed_value": "{label}只能填写：{values}",
    "in_range": "{label}应在{0}至{1}之间",
    "min": "{label}不能小于{0}",
    "max": "{label}不能大于{0}",
}

#: Chinese message of each row check (the checks of a whole row or of several rows)
ROW_ZH: Final[dict[str, str]] = {
    "duplicate_row": "重复行：与前面某行完全相同",
    "household_size_consistent": "“保障人口”与该户当月名册所列成员人数不一致",
    "birth_date_matches_id": "“出生日期”与身份证号码中的出生日期不一致",
    "control_character": "单元格含控制字符（如 NUL），不是人工录入的文字，多为导出错误",
    "line_break": "只能填一行的单元格内含换行",
    "text_too_long": "文本过长（超过{0}个字符）",
}

#: row-specific details of a reason (after ": "), English pattern → Chinese
DETAIL_ZH: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"same as row (\d+)"), "与原文件第{0}行相同"),
    (
        re.compile(r"household (.*) in (.*) states (\d+) but lists (\d+) members", re.DOTALL),
        "户号 {0}，{1}：填报保障人口{2}人，名册列出{3}人",
    ),
)
#: checks whose detail lists the columns where the problem is
_COLUMN_DETAIL: Final = frozenset({"control_character", "line_break", "text_too_long"})


@dataclass(frozen=True)
class _Known:
    """A message the row checks of a dataset can produce, and how to say it in Chinese."""

    message: str
    field: str  # the contract field, or "row"
    check: str
    chinese: str | None  # None when no Chinese message exists for the check


def _fill(template: str, label: str, english: str, form: str) -> str:
    numbers = _NUMBER.findall(english)
    values = english.removeprefix("must be one of ") if "must be one of " in english else ""
    try:
        return template.format(*numbers, label=label, values=values, form=form)
    except IndexError:  # the check's text no longer carries the numbers the template names
        return ""


def _catalogue(
    model: type[ContractModel], ctx: RunContext, labels: Mapping[str, str]
) -> list[_Known]:
    """Every message the dataset's row checks can produce, longest first."""
    specs = {s.name: s for s in model.field_specs()}
    plan = make_plan(
        model,
        {name: RAW + name for name in specs},
        as_of=ctx.as_of,
        max_text_chars=ctx.limits.max_text_chars,
    )
    known = []
    for problem in plan.problems:
        field, _, check = problem.tag.partition(":")
        spec = specs.get(field)
        if spec is None:
            template = ROW_ZH.get(check)
            english = problem.message
            label, form = "", ""
        else:
            template = FIELD_ZH.get(check)
            english = problem.message.partition(": ")[2]
            header = labels.get(field, spec.zh)
            same = header_key(header) == header_key(spec.zh)
            label = f"“{header}”" if same else f"“{header}”（{spec.zh}）"
            form = FORM_ZH.get(spec.kind, "")
        chinese = _fill(template, label, english, form) if template else None
        known.append(_Known(problem.message, field, check, chinese or None))
    return sorted(known, key=lambda k: len(k.message), reverse=True)


def _detail(known: _Known, detail: str) -> str:
    if known.check in _COLUMN_DETAIL:
        return f"所在列：{detail}"
    for pattern, chinese in DETAIL_ZH:
        if found := pattern.fullmatch(detail):
            return chinese.format(*found.groups())
    return detail


def translate(reason: str, catalogue: Sequence[_Known]) -> str:
    """One reason in Chinese; a reason no known message matches is kept whole, after
    :data:`UNKNOWN_PREFIX`."""
    for known in catalogue:
        if known.chinese is None or not reason.startswith(known.message):
            continue
        rest = reason[len(known.message) :]
        if not rest:
            return known.chinese
        if value := _VALUE_SUFFIX.fullmatch(rest):
            return f"{known.chinese}（原值：{value.group(1)}）"
        if rest.startswith(": "):
            return f"{known.chinese}（{_detail(known, rest[2:])}）"
    return UNKNOWN_PREFIX + reason


def reason_translator(
    model: type[ContractModel],
    ctx: RunContext,
    headers: Sequence[str] = (),
    renames: Mapping[str, str] | None = None,
) -> Callable[[str], str]:
    """A function saying a reason of ``model``'s rows in Chinese.

    Field problems name the column by the department's own header (one of ``headers`` that
    maps to the field through the contract's names or ``renames``), else the contract's one.
    """
    lookup = {header_key(k): v for k, v in model.aliases().items()}
    lookup.update({header_key(k): v for k, v in (renames or {}).items()})
    labels: dict[str, str] = {}
    for header in headers:
        field = lookup.get(header_key(header))
        if field is not None:
            labels.setdefault(field, header)
    catalogue = _catalogue(model, ctx, labels)
    return lambda reason: translate(reason, catalogue)


def chinese_reasons(frame: pl.DataFrame, translator: Callable[[str], str]) -> pl.Series:
    """The ``_reasons`` of every row in Chinese, joined by "；" (each distinct text once)."""
    distinct = frame.select(pl.col(REASONS).explode().drop_nulls().unique()).to_series()
    mapping = {text: translator(text) for text in distinct.to_list()}
    joined = frame.select(
        pl.col(REASONS)
        .list.eval(pl.element().replace_strict(mapping, return_dtype=pl.String))
        .list.join(REASON_SEPARATOR)
        .alias(PROBLEMS)
    )
    return joined.to_series()


# ------------------------------------------------------------------ the workbooks


@dataclass(frozen=True)
class DatasetReturn:
    """The quarantined rows of one dataset, ready to write."""

    result: DatasetResult
    model: type[ContractModel]
    originals: list[str]  # the department's headers, in the file's order
    frame: pl.DataFrame  # SOURCE_ROW, the original columns, PROBLEMS

    @property
    def title(self) -> str:
        return self.model.__title_zh__ or self.model.__dataset__


def load_return(
    run_folder: Path,
    result: DatasetResult,
    ctx: RunContext,
    renames: Mapping[str, str] | None = None,
) -> DatasetReturn:
    """Read one dataset's quarantine file of this run and say its reasons in Chinese."""
    path = run_folder / "quarantine" / f"{result.dataset}.parquet"
    if not path.is_file():
        raise InternalError(f"{path}: quarantine file of {result.dataset} missing")
    frame = pl.read_parquet(path)
    if frame.height != result.rows_quarantined:
        raise InternalError(
            f"{path}: {frame.height} rows, the run counted {result.rows_quarantined}"
        )
    model = DATASETS[result.dataset]
    originals = [c for c in frame.columns if c not in (SOURCE_ROW, REASONS)]
    translator = reason_translator(model, ctx, originals, renames)
    frame = frame.select(
        pl.col(SOURCE_ROW).cast(pl.Int64), *[pl.col(c).cast(pl.String) for c in originals]
    ).with_columns(chinese_reasons(frame, translator))
    return DatasetReturn(result, model, originals, frame.sort(SOURCE_ROW))


def _display_width(expr: pl.Expr) -> pl.Expr:
    """Characters shown, CJK and full-width ones counted twice (the longest line of a cell)."""
    longest = expr.str.split("\n").list.eval(
        pl.element().str.len_chars() + pl.element().str.count_matches(_CJK.pattern)
    )
    return longest.list.max().max().fill_null(0)


def _text_width(text: str) -> int:
    return len(text) + len(_CJK.findall(text))


def column_widths(ret: DatasetReturn, headers: Sequence[str]) -> list[float]:
    """Widths of 序号, 原文件行号, the original columns, 问题说明 and 核实更正说明."""
    data = ret.frame.select(_display_width(pl.col(c)).alias(c) for c in ret.originals).row(0)
    originals = [
        min(max(int(w), _text_width(h), 6) + 2, 50)
        for w, h in zip(data, headers[2:-2], strict=True)
    ]
    return [6.0, 11.0, *map(float, originals), 60.0, 30.0]


def _headers(originals: Sequence[str]) -> list[str]:
    """Our column names, prefixed 本表 where the department's file has a column of the name."""
    taken = set(originals)
    ours = [name if name not in taken else "本表" + name for name in (SEQ, SOURCE_ROW_ZH)]
    tail = [name if name not in taken else "本表" + name for name in (PROBLEMS, ANSWER)]
    return [*ours, *originals, *tail]


def sheet_name(title: str, taken: set[str]) -> str:
    """A sheet name from ``title``: Excel's forbidden characters removed, 31 characters at most,
    unique in the workbook (case-insensitively, as Excel compares them)."""
    base = _SHEET_FORBIDDEN.sub("", title).strip("'") or "数据"
    name, number = base[:31], 1
    while name.lower() in taken:
        number += 1
        suffix = f"（{number}）"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.lower())
    return name


class _Formats:
    """The cell formats of one workbook."""

    def __init__(self, workbook: Any) -> None:
        border = {"border": 1, "border_color": "#999999", "valign": "top"}
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.note = workbook.add_format({"font_color": "#444444"})
        self.header = workbook.add_format(
            {**border, "bold": True, "bg_color": "#D9E1F2", "text_wrap": True, "align": "center"}
        )
        self.number = workbook.add_format({**border, "align": "center"})
        self.text = workbook.add_format({**border, "num_format": 49})  # 49: text (@)
        self.problem = workbook.add_format({**border, "text_wrap": True, "font_color": "#C00000"})
        self.answer = workbook.add_format({**border, "num_format": 49, "bg_color": "#FFF2CC"})
        self.heading = workbook.add_format({"bold": True, "font_size": 12})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})


def _print_setup(sheet: Any, department: str, title: str, repeat_row: int | None) -> None:
    """Landscape A4, one page wide, the header row on every page, page numbers."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
    if repeat_row is not None:
        sheet.repeat_rows(repeat_row)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    left, right = department.replace("&", "&&"), title.replace("&", "&&")
    sheet.set_header(f"&L{left}&R{right}")
    sheet.set_footer("&C第 &P 页，共 &N 页")


def _write_dataset(
    workbook: Any,
    formats: _Formats,
    ret: DatasetReturn,
    name: str,
    department: str,
    ctx: RunContext,
    rows: pl.DataFrame,
    first_seq: int,
) -> None:
    sheet = workbook.add_worksheet(name)
    result = ret.result
    headers = _headers(ret.originals)
    source_file = Path(result.file).name
    write_text_cell(sheet, 0, 0, f"退回更正清单：{ret.title}（{source_file}）", formats.title)
    write_text_cell(
        sheet,
        1,
        0,
        f"数据基准日：{ctx.as_of.isoformat()}　收到 {result.rows_in} 行，通过 {result.rows_valid}"
        f" 行，需更正 {result.rows_quarantined} 行（本表第 {first_seq}–"
        f"{first_seq + rows.height - 1} 条）",
        formats.note,
    )
    write_text_cell(
        sheet,
        2,
        0,
        "请按“问题说明”逐行核实更正原始列，在“核实更正说明”中写明处理情况；详见“填写说明”工作表。",
        formats.note,
    )
    for col, width in enumerate(column_widths(ret, headers)):
        sheet.set_column(col, col, width)
    sheet.set_row(HEADER_ROW, 30)  # before any later row: rows may be streamed to disk
    for col, header in enumerate(headers):
        write_text_cell(sheet, HEADER_ROW, col, header, formats.header)
    last_col = len(headers) - 1
    for offset, row in enumerate(rows.iter_rows()):
        at = HEADER_ROW + 1 + offset
        sheet.write_number(at, 0, first_seq + offset, formats.number)
        sheet.write_number(at, 1, row[0], formats.number)
        for col, value in enumerate(row[1:-1], start=2):
            write_text_cell(sheet, at, col, value, formats.text)
        write_text_cell(sheet, at, last_col - 1, row[-1], formats.problem)
        write_text_cell(sheet, at, last_col, None, formats.answer)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + rows.height, last_col)
    _print_setup(sheet, department, ret.title, HEADER_ROW)


INSTRUCTIONS: Final[tuple[str, ...]] = (
    "本文件列出贵单位报送的数据中未通过格式校验的行。这些行暂未纳入比对，请核实更正后回传。",
    "每个数据集一张工作表。“原文件行号”是该行在贵单位原文件中的行号（用 Excel 或 WPS 打开原文件时"
    "左侧显示的行号），其后各列为原文件的表头和原样内容，“问题说明”列出该行的全部问题，"
    "多个问题以“；”分隔。",
    "更正方法：直接在本表的原始列中改正内容；不要修改“序号”“原文件行号”“问题说明”列，"
    "不要增删列或调整列的顺序。在“核实更正说明”列写明处理情况（已更正、确认无误及理由、应删除等）。",
    "同时请在贵单位的业务系统中改正同一数据，使下次报送的文件不再出现同样的问题。",
    "身份证号码：填写18位，末位X大写；单元格保持“文本”格式，不要转为数字"
    "（Excel只保留15位有效数字，后几位会丢失且无法恢复）。",
    "日期写作 2023-05-01，年月写作 2023-05；金额以元为单位，不为负数，最多两位小数；"
    "选项类的列只能填写“问题说明”所列的值；“是/否”列填写“是”或“否”。",
    "“与原文件第N行相同”表示两行内容完全相同：如确为两笔不同的发放，请在“核实更正说明”中说明区别；"
    "如为重复录入，请注明“应删除”。",
    "本文件含公民身份号码等个人信息，仅限经办人员核实使用，请通过内部渠道回传，不得外发或公开。",
)


def _write_instructions(
    workbook: Any,
    formats: _Formats,
    department: str,
    ctx: RunContext,
    index: Sequence[tuple[str, DatasetReturn]],
) -> None:
    sheet = workbook.add_worksheet(INSTRUCTIONS_SHEET)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 90)
    sheet.set_column(2, 4, 14)
    write_text_cell(sheet, 0, 0, f"退回更正清单：{department}", formats.title)
    write_text_cell(sheet, 1, 0, f"数据基准日：{ctx.as_of.isoformat()}", formats.note)
    write_text_cell(sheet, 3, 0, "填写说明", formats.heading)
    row = 4
    for number, text in enumerate(INSTRUCTIONS, start=1):
        write_text_cell(sheet, row, 0, f"{number}.", formats.wrap)
        write_text_cell(sheet, row, 1, text, formats.wrap)
        row += 1
    row += 1
    write_text_cell(sheet, row, 0, "本文件包含的工作表", formats.heading)
    row += 1
    for col, header in enumerate(
        ("工作表", "数据集（报送文件）", "收到行数", "通过行数", "需更正行数")
    ):
        write_text_cell(sheet, row, col, header, formats.header)
    for name, ret in index:
        row += 1
        result = ret.result
        write_text_cell(sheet, row, 0, name, formats.text)
        write_text_cell(sheet, row, 1, f"{ret.title}（{Path(result.file).name}）", formats.text)
        for col, count in enumerate(
            (result.rows_in, result.rows_valid, result.rows_quarantined), start=2
        ):
            sheet.write_number(row, col, count, formats.number)
    _print_setup(sheet, department, INSTRUCTIONS_SHEET, None)


def write_workbook(
    path: Path, department: str, returns: Sequence[DatasetReturn], ctx: RunContext
) -> Path:
    """One department's workbook at ``path``, atomically: 填写说明, then a sheet per dataset."""
    taken = {INSTRUCTIONS_SHEET.lower()}
    parts: list[tuple[str, DatasetReturn, pl.DataFrame, int]] = []
    for ret in returns:
        for part, offset in enumerate(range(0, ret.frame.height, MAX_SHEET_ROWS), start=1):
            title = ret.title if part == 1 else f"{ret.title[:26]}（续{part}）"
            rows = ret.frame.slice(offset, MAX_SHEET_ROWS)
            parts.append((sheet_name(title, taken), ret, rows, offset + 1))
    large = sum(ret.frame.height for ret in returns) > CONSTANT_MEMORY_ROWS
    with atomic_path(path) as tmp:
        workbook = safe_workbook(tmp, constant_memory=large)
        workbook.set_properties(
            {
                "title": f"退回更正清单：{department}",
                "created": dt.datetime.combine(ctx.as_of, dt.time()),
            }
        )
        formats = _Formats(workbook)
        _write_instructions(workbook, formats, department, ctx, [(n, r) for n, r, _, _ in parts])
        for name, ret, rows, first in parts:
            _write_dataset(workbook, formats, ret, name, department, ctx, rows, first)
        workbook.close()
    return path


def write_returns(
    run_folder: Path,
    results: Sequence[DatasetResult],
    ctx: RunContext,
    *,
    renames: Mapping[str, Mapping[str, str]] | None = None,
    departments: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write ``run_folder/returns/<department>.xlsx`` for every department with quarantined rows.

    Only this run's datasets count: each of ``results`` that was ingested (no error) and
    quarantined rows, read from ``run_folder/quarantine/<dataset>.parquet``. ``ctx`` is the
    run's context (the as-of date shown, the text limit the reasons quote); ``renames`` the
    header renames of ``sources.yaml`` per dataset, so that reasons name the department's own
    column; ``departments`` overrides :func:`load_departments`. Datasets of :data:`NO_RETURN`
    get no workbook, nor do departments with no quarantined rows. Returns the paths written,
    sorted.
    """
    owners = dict(departments) if departments is not None else load_departments()
    by_department: dict[str, list[DatasetReturn]] = {}
    for result in sorted(results, key=lambda r: r.dataset):
        if not result.ok or result.rows_quarantined == 0:
            continue
        department = owners.get(result.dataset)
        if department is None:
            raise InternalError(f"dataset {result.dataset} has no department to return rows to")
        if department == NO_RETURN:
            continue
        ret = load_return(run_folder, result, ctx, (renames or {}).get(result.dataset))
        by_department.setdefault(department, []).append(ret)
    written = []
    for department, returns in sorted(by_department.items()):
        target = run_folder / "returns" / file_name(department)
        written.append(write_workbook(target, department, returns, ctx))
    return written
