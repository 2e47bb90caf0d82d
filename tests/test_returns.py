"""Returns to departments: one workbook per department with its quarantined rows, in Chinese.

A run folder is built by ingesting case folders of the broken-input corpus (and one hostile
file) with :func:`huimin.ingest.ingest_file`; the workbooks are read back with calamine and
unzipped to check the print settings and that no cell became a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from huimin import returns
from huimin.context import Limits, RunContext
from huimin.errors import ConfigError
from huimin.ingest import DatasetResult, ingest_file
from huimin.readers import SOURCE_ROW
from huimin.returns import (
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    NO_RETURN,
    UNKNOWN_PREFIX,
    file_name,
    load_departments,
    reason_translator,
    sheet_name,
    write_returns,
)
from huimin.rowchecks import REASONS
from huimin.schemas import DATASETS, REGISTRIES, ROSTERS
from huimin.sources import discover

TESTS = Path(__file__).parent
CORPUS = TESTS / "bad_inputs"
GOLDEN = TESTS / "golden" / "sample-quarantine.txt"
AS_OF = dt.date(2024, 1, 1)
CTX = RunContext(as_of=AS_OF)
CASES: dict[str, dict[str, Any]] = yaml.safe_load(
    (CORPUS / "cases.yaml").read_text(encoding="utf-8")
)["cases"]
FORMULA = '=HYPERLINK("http://x","x")'
CJK = re.compile(r"[\u4e00-\u9fff]")

#: case folder → dataset, ingested together into one run folder
RUN_CASES = {
    "r26_several_reasons_one_row": "elderly_allowance",  # 区民政局: three reasons on one row
    "r20_dibao_family_size_inconsistent": "dibao_rural",  # 区民政局: a household check
    "r31_int_out_of_range": "disability_cards",  # 区残联 (a registry)
    "r18_bool_not_shi_fou": "students",  # 区教育局 (a registry)
    "r10_excel_serial_date_accepted": "deaths",  # 区公安分局: nothing quarantined
    "p08_clues_row_checks": "province_clues",  # the province's list: never returned
}
QUOTED = FORMULA.replace('"', '""')  # as a CSV field
#: a hostile 特困 roster: a formula as a name, a department column named like ours
HOSTILE_TEKUN = f"""\
序号,id_number,name,street,community,area_type,support_mode,pay_month,amount,备注
1,420112193503120112,张三,径河街道,张柏社区,城市,集中供养,2023-05,1200,
2,420112193503120113,"{QUOTED}",径河街道,张柏社区,城市,集中供养,2023-05,1200,=1+1
3,420112193807040226,李四,吴家山街道,田园社区,乡村,分散供养,2023-05,-980.5,@SUM(A1)
"""


def _ingest(path: Path, dataset: str, run: Path) -> DatasetResult:
    work = run / ".work"
    work.mkdir(exist_ok=True)
    return ingest_file(path, DATASETS[dataset], run, ctx=CTX, work=work)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[DatasetResult]]:
    folder = tmp_path_factory.mktemp("run")
    results = []
    for case, dataset in RUN_CASES.items():
        (path,) = [p for p in (CORPUS / case).iterdir() if p.stem == dataset]
        results.append(_ingest(path, dataset, folder))
    tekun = folder.parent / f"{folder.name}-in" / "tekun.csv"
    tekun.parent.mkdir()
    tekun.write_text(HOSTILE_TEKUN, encoding="utf-8")
    results.append(_ingest(tekun, "tekun", folder))
    # a file refused as a whole has no quarantine and no return
    results.append(DatasetResult("vehicles", "vehicles.csv", error="vehicles.csv: unusable"))
    return folder, results


@pytest.fixture(scope="module")
def written(run: tuple[Path, list[DatasetResult]]) -> list[Path]:
    folder, results = run
    return write_returns(folder, results, CTX)


def _sheet_names(xlsx: Path) -> list[str]:
    with zipfile.ZipFile(xlsx) as archive:
        workbook = archive.read("xl/workbook.xml").decode("utf-8")
    return re.findall(r'<sheet name="([^"]*)"', workbook)


def _sheet_xml(xlsx: Path) -> dict[str, str]:
    """Sheet name → its worksheet XML."""
    with zipfile.ZipFile(xlsx) as archive:
        return {
            name: archive.read(f"xl/worksheets/sheet{i}.xml").decode("utf-8")
            for i, name in enumerate(_sheet_names(xlsx), start=1)
        }


def _read(xlsx: Path, sheet: str, **options: Any) -> pl.DataFrame:
    frame = pl.read_excel(xlsx, sheet_name=sheet, infer_schema_length=0, **options)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _quarantine(folder: Path, dataset: str) -> pl.DataFrame:
    return pl.read_parquet(folder / "quarantine" / f"{dataset}.parquet")


# ------------------------------------------------------------------ departments


def test_every_dataset_has_a_department() -> None:
    departments = load_departments()
    assert set(departments) == set(DATASETS)
    assert all(departments.values())
    for model in ROSTERS:
        assert departments[model.__dataset__] == model.__roster_department__
    for model in REGISTRIES:
        assert model.__roster_department__ is None, "registries take theirs from the table"
    assert departments["population"] == "区公安分局"
    assert departments["disability_cards"] == "区残联"
    assert departments["province_clues"] == NO_RETURN


def test_department_table_says_why() -> None:
    with returns.DEPARTMENTS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(set(row) == {"dataset", "department", "why"} for row in rows)
    assert all(row["why"].strip() for row in rows)
    assert {row["dataset"] for row in rows} == {m.__dataset__ for m in REGISTRIES} | {
        "province_clues"
    }


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("population,区公安分局,x\npopulation,区公安分局,x\n", "listed twice"),
        ("populace,区公安分局,x\n", "unknown dataset 'populace'"),
        ("tekun,区残联,x\n", "is sent by 区民政局"),
        ("deaths,,x\n", "has no department"),
        ("deaths,区公安分局,a,b\n", "quote a comma"),
    ],
)
def test_bad_department_table_is_refused(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "departments.csv"
    path.write_text("dataset,department,why\n" + text, encoding="utf-8")
    with pytest.raises(ConfigError, match=words):
        load_departments(path)


def test_file_and_sheet_names_are_safe() -> None:
    assert file_name("区委组织部/区人社局") == "区委组织部_区人社局.xlsx"
    taken: set[str] = set()
    long = "义务教育家庭经济困难学生生活补助发放名册" * 2
    first, second = sheet_name(long, taken), sheet_name(long, taken)
    assert len(first) == 31 and len(second) <= 31 and first != second
    assert sheet_name("a[b]:c*?/\\", taken) == "abc"


# ------------------------------------------------------------------ reasons in Chinese


def _assert_chinese(reason: str, chinese: str) -> None:
    assert not chinese.startswith(UNKNOWN_PREFIX), f"no Chinese for {reason!r}"
    assert CJK.search(chinese), chinese
    value = re.search(r" \(value '(.*)'\)$", reason, re.DOTALL)
    if value:
        assert f"（原值：{value.group(1)}）" in chinese, "the quoted value is kept"
    row = re.search(r"same as row (\d+)", reason)
    if row:
        assert f"与原文件第{row.group(1)}行相同" in chinese


def test_every_golden_reason_has_a_chinese_message() -> None:
    lines = GOLDEN.read_text(encoding="utf-8").splitlines()
    assert len(lines) > 100
    for line in lines:
        dataset, _, reason = line.split(":", 2)
        reason = reason.strip()
        _assert_chinese(reason, reason_translator(DATASETS[dataset], CTX)(reason))


def test_every_corpus_reason_has_a_chinese_message(tmp_path: Path) -> None:
    """Every row case of the broken-input corpus, ingested: each reason it shows, in Chinese."""
    seen = 0
    for name, case in CASES.items():
        if case["kind"] != "row" or not case["quarantined"] or case.get("xfail"):
            continue
        ctx = RunContext(as_of=AS_OF, limits=Limits(**case.get("limits", {})))
        folder, out = CORPUS / case.get("folder", name), tmp_path / name
        (source,) = [s for s in discover(folder).sources if s.dataset == case["dataset"]]
        ingest_file(source.path, source.model, out, source.renames, ctx=ctx, work=out)
        frame = _quarantine(out, case["dataset"])
        headers = [c for c in frame.columns if c not in (SOURCE_ROW, REASONS)]
        say = reason_translator(source.model, ctx, headers, source.renames)
        for reason in frame.get_column(REASONS).explode().drop_nulls().to_list():
            _assert_chinese(reason, say(reason))
            seen += 1
    assert seen >= 50


@pytest.mark.parametrize(
    ("dataset", "reason", "words"),
    [
        ("deaths", "control character (such as NUL) in a cell: not text a person "
         "typed (含控制字符): name", ["控制字符", "所在列：name"]),
        ("deaths", "line break inside a value that must be one line (值内含换行): name",
         ["换行", "所在列：name"]),
        ("elderly_allowance", "text longer than 1000 characters (文本过长): street",
         ["超过1000个字符", "所在列：street"]),
        ("dibao_rural", "保障人口 (family_size) differs from the members listed for the "
         "household that month: household H1 in 2023-05 states 2 but lists 3 members",
         ["户号 H1，2023-05：填报保障人口2人，名册列出3人"]),
        ("disability_cards", "disability_level 残疾等级: must be between 1 and 4 "
         "(value '5')", ["“残疾等级”应在1至4之间（原值：5）"]),
        ("elderly_allowance", "id_number 身份证号码: ID number does not start with a "
         "province code (GB/T 2260: 11-65, 71, 81-83; a foreigner's permanent-residence "
         "number: 9 then a province code) (省级代码无效) (value '000112193503120112')",
         ["省级行政区划代码", "（原值：000112193503120112）"]),
    ],
)  # fmt: skip
def test_reason_in_chinese(dataset: str, reason: str, words: list[str]) -> None:
    chinese = reason_translator(DATASETS[dataset], CTX)(reason)
    for word in words:
        assert word in chinese, chinese


def test_unknown_reason_is_kept_whole() -> None:
    say = reason_translator(DATASETS["tekun"], CTX)
    odd = "amount 发放金额（元）: something new entirely (value '1')"
    assert say(odd) == UNKNOWN_PREFIX + odd


def test_reasons_name_the_departments_own_header() -> None:
    say = reason_translator(
        DATASETS["deaths"], CTX, ["证件号码", "姓名"], {"证件号码": "id_number"}
    )
    reason = "id_number 公民身份号码: required value is missing"
    assert say(reason) == "“证件号码”（公民身份号码）为必填项，未填写"
    assert say("name 姓名: required value is missing") == "“姓名”为必填项，未填写"


# ------------------------------------------------------------------ the workbooks


def test_one_workbook_per_department_with_quarantined_rows(
    run: tuple[Path, list[DatasetResult]], written: list[Path]
) -> None:
    folder, _ = run
    assert [p.name for p in written] == ["区教育局.xlsx", "区残联.xlsx", "区民政局.xlsx"]
    assert all(p.parent == folder / "returns" for p in written)
    assert sorted(p.name for p in (folder / "returns").iterdir()) == sorted(
        p.name for p in written
    ), "no temporary file is left beside them"
    assert _sheet_names(folder / "returns" / "区民政局.xlsx") == [
        INSTRUCTIONS_SHEET,
        "农村低保发放名册",  # dibao_rural
        "高龄津贴发放名册",  # elderly_allowance
        "特困人员救助供养发放名册",  # tekun
    ]


def test_every_quarantined_row_once_with_its_cells_and_chinese_reasons(
    run: tuple[Path, list[DatasetResult]], written: list[Path]
) -> None:
    folder, results = run
    returned = {p.name: p for p in written}
    for result in results:
        department = load_departments()[result.dataset]
        if not result.ok or not result.rows_quarantined or department == NO_RETURN:
            continue
        model = DATASETS[result.dataset]
        xlsx = returned[file_name(department)]
        sheet = _read(xlsx, model.__title_zh__, read_options={"header_row": HEADER_ROW})
        quarantine = _quarantine(folder, result.dataset).sort(SOURCE_ROW)
        originals = [c for c in quarantine.columns if c not in (SOURCE_ROW, REASONS)]
        ours = [c for c in sheet.columns if c not in originals]
        assert sheet.height == quarantine.height == result.rows_quarantined
        assert ours[0].endswith("序号") and ours[1].endswith("原文件行号")
        assert ours[2:] == ["问题说明", "核实更正说明"]
        assert sheet.columns == [ours[0], ours[1], *originals, *ours[2:]]
        assert sheet.get_column(ours[0]).to_list() == [str(i + 1) for i in range(sheet.height)]
        rows = sheet.get_column(ours[1]).cast(pl.Int64).to_list()
        assert rows == quarantine.get_column(SOURCE_ROW).to_list()
        assert len(set(rows)) == len(rows)
        for column in originals:
            expected = quarantine.get_column(column).fill_null("").to_list()
            assert sheet.get_column(column).fill_null("").to_list() == expected, column
        say = reason_translator(model, CTX, originals)
        for reasons, shown in zip(
            quarantine.get_column(REASONS).to_list(), sheet.get_column("问题说明"), strict=True
        ):
            assert shown == "；".join(say(r) for r in reasons)
            for reason, chinese in zip(reasons, shown.split("；"), strict=True):
                _assert_chinese(reason, chinese)
        assert sheet.get_column("核实更正说明").null_count() == sheet.height


def test_several_reasons_of_one_row(written: list[Path]) -> None:
    xlsx = next(p for p in written if p.name == "区民政局.xlsx")
    sheet = _read(xlsx, "高龄津贴发放名册", read_options={"header_row": HEADER_ROW})
    (shown,) = sheet.filter(pl.col("原文件行号") == "3").get_column("问题说明").to_list()
    parts = shown.split("；")
    assert len(parts) == 3
    assert "校验码" in parts[0] and "（原值：420112193503120113）" in parts[0]
    assert "无法识别为年月" in parts[1] and "（原值：2023-13）" in parts[1]
    assert parts[2] == "“amount”（发放金额（元））不能为负数（原值：-5）"


def test_title_rows(written: list[Path]) -> None:
    xlsx = next(p for p in written if p.name == "区民政局.xlsx")
    top = _read(xlsx, "特困人员救助供养发放名册", has_header=False, read_options={"n_rows": 3})
    title, counts = top.item(0, 0), top.item(1, 0)
    assert title == "退回更正清单：特困人员救助供养发放名册（tekun.csv）"
    assert "2024-01-01" in counts
    assert "收到 3 行，通过 1 行，需更正 2 行" in counts


def test_formulas_stay_text(written: list[Path]) -> None:
    xlsx = next(p for p in written if p.name == "区民政局.xlsx")
    for name, xml in _sheet_xml(xlsx).items():
        assert not re.search(r"<f[ >]", xml), f"a formula in {name}"
    sheet = _read(xlsx, "特困人员救助供养发放名册", read_options={"header_row": HEADER_ROW})
    assert sheet.get_column("name").to_list() == [FORMULA, "李四"]
    assert sheet.get_column("备注").to_list() == ["=1+1", "@SUM(A1)"]
    # the department's own 序号 column is kept; ours is named apart
    assert sheet.get_column("序号").to_list() == ["2", "3"]
    assert sheet.get_column("本表序号").to_list() == ["1", "2"]


def test_ids_are_text_cells(written: list[Path]) -> None:
    xlsx = next(p for p in written if p.name == "区民政局.xlsx")
    with zipfile.ZipFile(xlsx) as archive:
        styles = archive.read("xl/styles.xml").decode("utf-8")
    assert 'numFmtId="49"' in styles, "original columns are formatted as text (@)"
    xml = _sheet_xml(xlsx)["高龄津贴发放名册"]
    # C5 is the ID number of the first returned row: a string cell, never a number
    assert re.search(r'<c r="C5" s="\d+" t="s">', xml)


def test_print_setup_freeze_and_filter(written: list[Path]) -> None:
    for xlsx in written:
        with zipfile.ZipFile(xlsx) as archive:
            workbook = archive.read("xl/workbook.xml").decode("utf-8")
        for name, xml in _sheet_xml(xlsx).items():
            setup = re.search(r"<pageSetup [^>]*/>", xml)
            assert setup, name
            assert 'orientation="landscape"' in setup.group(0)
            assert 'fitToHeight="0"' in setup.group(0)
            assert re.search(r"fitToWidth", setup.group(0)) is None or 'fitToWidth="1"' in xml
            assert '<pageSetUpPr fitToPage="1"/>' in xml, "fit to one page wide"
            if name == INSTRUCTIONS_SHEET:
                continue
            header = HEADER_ROW + 1
            assert f'<pane ySplit="{header}"' in xml and 'state="frozen"' in xml
            assert re.search(rf'<autoFilter ref="A{header}:[A-Z]+\d+"/>', xml)
            assert re.search(
                rf'<definedName name="_xlnm.Print_Titles" localSheetId="\d+">'
                rf"'?{re.escape(name)}'?!\${header}:\${header}</definedName>",
                workbook,
            ), f"the header row of {name} repeats on every printed page"


def test_instructions_sheet(written: list[Path]) -> None:
    for xlsx in written:
        assert _sheet_names(xlsx)[0] == INSTRUCTIONS_SHEET
        text = _read(xlsx, INSTRUCTIONS_SHEET, has_header=False)
        cells = " ".join(str(v) for row in text.iter_rows() for v in row if v)
        for words in ("原文件行号", "问题说明", "核实更正说明", "回传", "文本", "个人信息"):
            assert words in cells, words
    xlsx = next(p for p in written if p.name == "区民政局.xlsx")
    index = _read(xlsx, INSTRUCTIONS_SHEET, has_header=False).get_column("column_1")
    assert "特困人员救助供养发放名册（tekun.csv）" in index.to_list()


def test_only_this_runs_datasets(tmp_path: Path, run: tuple[Path, list[DatasetResult]]) -> None:
    """A quarantine file of another run's dataset in the folder is not returned."""
    folder, results = run
    copy = tmp_path / "run"
    shutil.copytree(folder / "quarantine", copy / "quarantine")
    only = [r for r in results if r.dataset == "disability_cards"]
    assert [p.name for p in write_returns(copy, only, CTX)] == ["区残联.xlsx"]
    assert write_returns(copy, [], CTX) == []


def test_large_returns_continue_on_a_next_sheet(
    tmp_path: Path, run: tuple[Path, list[DatasetResult]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, results = run
    copy = tmp_path / "run"
    shutil.copytree(folder / "quarantine", copy / "quarantine")
    monkeypatch.setattr(returns, "MAX_SHEET_ROWS", 2)
    monkeypatch.setattr(returns, "CONSTANT_MEMORY_ROWS", 0)  # and rows streamed to disk
    only = [r for r in results if r.dataset == "dibao_rural"]
    (xlsx,) = write_returns(copy, only, CTX, departments={"dibao_rural": "测试部门"})
    assert xlsx.name == "测试部门.xlsx"
    names = _sheet_names(xlsx)
    assert names == [INSTRUCTIONS_SHEET, "农村低保发放名册", "农村低保发放名册（续2）"]
    first, second = (
        _read(xlsx, name, read_options={"header_row": HEADER_ROW}) for name in names[1:]
    )
    assert first.get_column("序号").to_list() == ["1", "2"]
    assert second.get_column("序号").to_list() == ["3"]
    assert [*first.get_column("原文件行号"), *second.get_column("原文件行号")] == ["2", "3", "4"]
