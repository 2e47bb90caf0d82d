"""huimin disclose: public lists per street and the public account, masked, nothing leaking.

The bundled sample district is ingested once per module (with phone numbers, addresses, a
formula-looking name and community, a compound surname and an ethnic name added to the urban
低保 roster), and disclosed once with a ledger whose clues were moved through verification and
close-out. Every written file is scanned cell by cell and byte by byte.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import python_calamine
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from huimin import cli_disclose
from huimin.disclose import (
    AMOUNT,
    COMPOUND_SURNAMES,
    NAME_SEPARATORS,
    PROJECTS,
    PUBLIC_LISTS,
    mask_name,
    mask_public_id,
    policy_account,
    public_list,
)
from huimin.idnumber import make_id
from huimin.ledger.intake import Deadlines, import_list
from huimin.ledger.records import apply_records
from huimin.ledger.store import Ledger
from huimin.redact import find_full_ids, looks_like_id
from huimin.resources import project_file
from huimin.stats import ledger_clues_frame
from tests.ledger.conftest import disposition, verification

SAMPLE = project_file("data", "sample")
ROSTER_FILES = {p.stem: p for p in SAMPLE.iterdir() if p.stem in PROJECTS}
FORMULA_NAME = '=HYPERLINK("http://example.invalid","点击")'
FORMULA_PLACE = "=1+1"
PHONE = re.compile(r"^1[3-9][0-9]{9}$")
ADDRESS = "东西湖区临空港大道{}号"

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
app.command("disclose")(cli_disclose.disclose)


@app.command("version")
def _version() -> None:
    """A second command, so that ``disclose`` is called by name as in the real CLI."""


runner = CliRunner()


def _disclose(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["disclose", *args])
    return result.exit_code, result.output


# ---------------------------------------------------------------------------- the sample run
def _add_personal_columns(path: Path) -> None:
    """Phone, address and awkward names in the urban 低保 roster (a GBK CSV), as UTF-8."""
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("gb18030"))))
    header, body = rows[0], rows[1:]
    name, place = header.index("姓名"), header.index("社区（村）")
    body[0][name], body[0][place] = FORMULA_NAME, FORMULA_PLACE
    body[1][name], body[2][name] = "欧阳娜娜", "买买提·艾力"
    extra = [[f"139{i:08d}", ADDRESS.format(i + 1)] for i in range(len(body))]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*header, "联系电话", "家庭住址"])
    writer.writerows(row + more for row, more in zip(body, extra, strict=True))
    path.write_text(out.getvalue(), encoding="utf-8-sig")


def _cells(path: Path) -> list[str]:
    """Every cell of a raw roster file, as text."""
    if path.suffix == ".csv":
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        return [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    if path.suffix == ".xlsx":
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = [book.get_sheet_by_name(n).to_python() for n in book.sheet_names]
        return [str(cell) for sheet in sheets for row in sheet for cell in row]
    frame = pl.read_parquet(path)
    return [str(v) for col in frame.columns for v in frame.get_column(col).cast(pl.String)]


@dataclass(frozen=True)
class Secrets:
    """What the raw rosters hold that no public file may show."""

    ids: frozenset[str] = field(repr=False)
    accounts: frozenset[str] = field(repr=False)
    phones: frozenset[str] = field(repr=False)


def _secrets(folder: Path) -> Secrets:
    cells = {c.strip() for p in folder.iterdir() if p.stem in PROJECTS for c in _cells(p)}
    ids = {c.upper() for c in cells if len(c) in (15, 18) and looks_like_id(c)}
    accounts = {c for c in cells if c.isdigit() and 12 <= len(c) <= 19 and c not in ids}
    phones = {c for c in cells if PHONE.match(c)}
    return Secrets(frozenset(ids), frozenset(accounts), frozenset(phones))


@dataclass(frozen=True)
class SampleRun:
    output: Path
    secrets: Secrets


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    root = tmp_path_factory.mktemp("disclose-run")
    source = root / "in"
    shutil.copytree(SAMPLE, source, ignore=shutil.ignore_patterns("truth"))
    _add_personal_columns(source / "dibao_urban.csv")
    output = root / "out"
    command = [sys.executable, "-m", "huimin", "ingest", "--input", str(source)]
    command += ["--output", str(output), "--no-reports", "--as-of", "2024-01-31"]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    secrets = _secrets(source)
    assert len(secrets.ids) > 1000 and len(secrets.accounts) > 100 and len(secrets.phones) > 100
    return SampleRun(output, secrets)


def _records(clue_ids: list[str]) -> list[dict[str, Any]]:
    """Three clues verified (查实 and closed, 部分属实, 查否), one started."""
    found, confirmed = verification(), disposition()
    a, b, c, d = clue_ids[:4]
    records: list[dict[str, Any]] = [{"clue_id": x, "to": "核查中"} for x in (a, b, c, d)]
    records += [
        {"clue_id": a, "to": "查实", "verification": found},
        {"clue_id": a, "to": "整改中", "disposition": confirmed},
        {
            "clue_id": a,
            "to": "已销号",
            "closure": {"evidence": ["evidence/追缴凭证.pdf"], "amount_recovered": 3600},
        },
        {"clue_id": b, "to": "部分属实", "verification": found},
        {"clue_id": c, "to": "查否", "verification": found},
    ]
    return records


@pytest.fixture(scope="module")
def ledger_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's provincial clues, four of the 农村低保 ones moved on."""
    path = tmp_path_factory.mktemp("disclose-ledger") / "ledger.sqlite"
    ledger = Ledger.open(str(path))
    try:
        import_list(ledger, SAMPLE / "province_clues.xlsx", "t", Deadlines())
        with ledger.read() as session:
            clues = ledger_clues_frame(session, dt.date(2023, 9, 1))
        rural = clues.filter(pl.col("project") == "农村低保").get_column("clue_id").to_list()
        apply_records(ledger, _records(sorted(rural)), "t")
    finally:
        ledger.dispose()
    return path


@dataclass(frozen=True)
class Disclosed:
    folder: Path
    output: str


@pytest.fixture(scope="module")
def disclosed(
    sample_run: SampleRun, ledger_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Disclosed:
    folder = tmp_path_factory.mktemp("disclose-pub") / "public"
    code, output = _disclose(
        "--output", str(sample_run.output), "--ledger", str(ledger_path), "--to", str(folder)
    )
    assert code == 0, output
    return Disclosed(folder, output)


def _files(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.rglob("*")) if p.is_file())


def _text_of(path: Path) -> str:
    """A written file as text: CSV and TXT decoded, XLSX every part of the archive."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    return path.read_text(encoding="utf-8-sig")


def _csv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def _streets(folder: Path, label: str) -> list[Path]:
    return sorted(folder.glob(f"*/*-{label}.csv"))


# ---------------------------------------------------------------------------- nothing leaks
def test_no_full_id_number_in_any_written_file(disclosed: Disclosed, sample_run: SampleRun) -> None:
    files = list(_files(disclosed.folder))
    assert len(files) > 20
    for path in files:
        text = _text_of(path)
        assert find_full_ids(text) == [], path
        digits = set(re.findall(r"[0-9]{15,17}[0-9Xx]?", text))
        assert not digits & sample_run.secrets.ids, path
    assert find_full_ids(disclosed.output) == []


def test_no_full_id_in_any_cell(disclosed: Disclosed) -> None:
    for book in disclosed.folder.rglob("*.xlsx"):
        workbook = python_calamine.CalamineWorkbook.from_path(str(book))
        for name in workbook.sheet_names:
            for row in workbook.get_sheet_by_name(name).to_python():
                for cell in row:
                    assert find_full_ids(str(cell)) == [], (book, name)


def test_no_bank_account_phone_or_address_appears(
    disclosed: Disclosed, sample_run: SampleRun
) -> None:
    secrets = sample_run.secrets
    for path in _files(disclosed.folder):
        text = _text_of(path)
        runs = set(re.findall(r"[0-9]{11,}", text))
        assert not runs & secrets.accounts, path
        assert not runs & secrets.phones, path
        assert "临空港大道" not in text, path
    assert "临空港大道" not in disclosed.output


def test_public_lists_hold_the_allowlisted_columns_only(disclosed: Disclosed) -> None:
    for dataset, spec in PUBLIC_LISTS.items():
        paths = _streets(disclosed.folder, spec.label)
        assert paths, f"no public list for {dataset}"
        for path in paths:
            assert _csv(path).columns == spec.headers(), path
    for book in disclosed.folder.glob("*/公示名单-*.xlsx"):
        workbook = python_calamine.CalamineWorkbook.from_path(str(book))
        for name in workbook.sheet_names:
            spec = next(s for s in PUBLIC_LISTS.values() if s.label == name)
            assert workbook.get_sheet_by_name(name).to_python()[2] == spec.headers()


def test_a_new_column_never_reaches_a_list() -> None:
    frame = pl.DataFrame(
        {
            "household_id": ["H1", "H1"],
            "id_number": ["420112194001010014", "11010519491231002X"],
            "name": ["张三", "李四"],
            "relation": ["户主", "配偶"],
            "family_size": [2, 2],
            "street": ["吴家山街", "吴家山街"],
            "community": ["新华村", "新华村"],
            "pay_month": ["2023-01", "2023-01"],
            "amount": [500.0, 500.0],
            "bank_account": ["6217000001274163456", "6217000001274163456"],
            "phone": ["13912345678", "13912345679"],
            "disability_level": [1, 2],
            "家庭住址": ["某路1号", "某路1号"],
        }
    )
    table = public_list(frame, PUBLIC_LISTS["dibao_urban"])
    assert table.columns == PUBLIC_LISTS["dibao_urban"].headers()
    text = table.write_csv()
    for secret in ("6217000001274163456", "13912345678", "某路1号", "张三", "194001010"):
        assert secret not in text
    assert table.get_column("姓名").to_list() == ["张*", "李*"]
    assert table.get_column("公民身份号码").to_list() == [
        "420112********0014",
        "110105********002X",
    ]


def test_masked_names_never_show_a_whole_name(disclosed: Disclosed, sample_run: SampleRun) -> None:
    staged = sample_run.output / "staged"
    full = set()
    for dataset in PUBLIC_LISTS:
        names = pl.read_parquet(staged / f"{dataset}.parquet", columns=["name"])
        full |= {n.strip() for n in names.get_column("name").to_list() if len(n.strip()) >= 2}
    shown: set[str] = set()
    for path in disclosed.folder.glob("*/*.csv"):
        if "姓名" in (frame := _csv(path)).columns:
            shown |= set(frame.get_column("姓名").to_list())
    assert len(full) > 500 and shown
    assert not shown & full
    assert {"欧阳**", "买**·**"} <= shown
    hidden = re.compile(rf"'?[^*]{{1,2}}[*{re.escape(NAME_SEPARATORS)}]*")
    assert all(hidden.fullmatch(name) for name in shown), shown - full


def test_formula_looking_cells_stay_text(disclosed: Disclosed) -> None:
    masked = mask_name(FORMULA_NAME)
    assert masked.startswith("=") and set(masked[1:]) == {"*", "."}
    rows = [
        row
        for path in _streets(disclosed.folder, "城市低保")
        for row in _csv(path).iter_rows(named=True)
        if row["社区（村）"].lstrip("'") == FORMULA_PLACE
    ]
    assert [(r["社区（村）"], r["姓名"]) for r in rows] == [(f"'{FORMULA_PLACE}", f"'{masked}")]
    for book in disclosed.folder.glob("*/公示名单-*.xlsx"):
        with zipfile.ZipFile(book) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
            assert not any(b"<f>" in archive.read(n) for n in sheets), book
    cells = []
    for book in disclosed.folder.glob("*/公示名单-*.xlsx"):
        workbook = python_calamine.CalamineWorkbook.from_path(str(book))
        if "城市低保" in workbook.sheet_names:
            cells += [c for row in workbook.get_sheet_by_name("城市低保").to_python() for c in row]
    assert FORMULA_PLACE in cells and masked in cells


# ---------------------------------------------------------------------------- the figures
def test_list_amounts_add_up_to_the_rosters(disclosed: Disclosed, sample_run: SampleRun) -> None:
    account = _csv(disclosed.folder / "policy-account.csv")
    by_project = {r["项目名称"]: r for r in account.iter_rows(named=True)}
    for dataset, spec in PUBLIC_LISTS.items():
        roster = pl.read_parquet(sample_run.output / "staged" / f"{dataset}.parquet")
        total = round(roster.get_column("amount").sum(), 2)
        listed = sum(
            _csv(p).get_column(AMOUNT).cast(pl.Float64).sum()
            for p in _streets(disclosed.folder, spec.label)
        )
        assert round(listed, 2) == total, dataset
        row = by_project[spec.project]
        assert float(row["发放金额（元）"]) == total
        assert int(row["发放笔数"]) == roster.height
        assert int(row["发放对象（人）"]) == roster.get_column("id_number").n_unique()
    total_row = by_project["汇总"]
    amounts = account.filter(pl.col("项目名称") != "汇总").get_column("发放金额（元）")
    assert float(total_row["发放金额（元）"]) == round(amounts.cast(pl.Float64).sum(), 2)


def test_the_account_carries_the_ledger_status(disclosed: Disclosed) -> None:
    account = _csv(disclosed.folder / "policy-account.csv")
    rural = account.filter(pl.col("项目名称") == "农村低保").row(0, named=True)
    expected = {
        "问题线索（条）": "12",
        "已核查": "3",
        "查实（含部分属实）": "2",
        "查否": "1",
        "整改中": "0",
        "已整改销号": "1",
        "已追缴金额（元）": "3600.0",
        "应追缴金额（元）": "3600.0",
    }
    assert {k: rural[k] for k in expected} == expected
    total = account.filter(pl.col("项目名称") == "汇总").row(0, named=True)
    assert total["问题线索（条）"] == "157"
    assert "rectification status: from the ledger (157 clues" in disclosed.output
    assert re.search(r"history: \d+ events, head [0-9a-f]{64}", disclosed.output)
    assert "not written" not in disclosed.output


def test_the_account_names_no_person(disclosed: Disclosed) -> None:
    account = _csv(disclosed.folder / "policy-account.csv")
    assert not {"姓名", "公民身份号码", "银行账号"} & set(account.columns)
    assert account.get_column("项目名称").to_list()[:-1] == [p for p, _ in PROJECTS.values()]


# ---------------------------------------------------------------------------- the command
def test_without_a_ledger_the_summary_says_so(sample_run: SampleRun, tmp_path: Path) -> None:
    target = tmp_path / "pub"
    code, output = _disclose(
        "--output", str(sample_run.output), "--to", str(target), "--project", "农村低保"
    )
    assert code == 0, output
    assert "rectification status (问题整改情况) not written: no --ledger given" in output
    account = _csv(target / "policy-account.csv")
    assert "问题线索（条）" not in account.columns
    assert account.get_column("项目名称").to_list() == ["农村低保", "汇总"]
    assert "问题整改情况未写入" in (target / "README.txt").read_text(encoding="utf-8")
    books = list(target.glob("*/公示名单-*.xlsx"))
    assert books
    for book in books:
        assert python_calamine.CalamineWorkbook.from_path(str(book)).sheet_names == ["农村低保"]


def test_a_missing_run_is_refused(tmp_path: Path) -> None:
    code, output = _disclose("--output", str(tmp_path / "nowhere"), "--to", str(tmp_path / "p"))
    assert code == 2
    assert "no published result here" in output and "huimin run" in output
    assert not (tmp_path / "p").exists()


def test_a_folder_without_a_manifest_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    code, output = _disclose("--output", str(tmp_path / "out"), "--to", str(tmp_path / "p"))
    assert code == 2 and "out: not a huimin result (no readable manifest.json)" in output


def test_bad_arguments_are_refused(sample_run: SampleRun, tmp_path: Path) -> None:
    out = str(sample_run.output)
    code, output = _disclose("--output", out, "--to", str(tmp_path / "p"), "--project", "低保X")
    assert code == 2 and "--project 低保X: not a project" in output
    code, output = _disclose("--output", out, "--to", str(sample_run.output / "public"))
    assert code == 2 and "lies inside the run's folder" in output
    code, output = _disclose(
        "--output", out, "--to", str(tmp_path / "p"), "--ledger", str(tmp_path / "no.sqlite")
    )
    assert code == 2 and "no ledger file there" in output
    assert not (tmp_path / "no.sqlite").exists()
    stranger = tmp_path / "mine"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine", encoding="utf-8")
    code, output = _disclose("--output", out, "--to", str(stranger))
    assert code == 2 and "not written by huimin disclose" in output
    assert [p.name for p in stranger.iterdir()] == ["notes.txt"]


def test_a_disclosure_replaces_the_previous_one_whole(
    sample_run: SampleRun, tmp_path: Path
) -> None:
    target = tmp_path / "pub"
    out = str(sample_run.output)
    assert _disclose("--output", out, "--to", str(target))[0] == 0
    assert list(target.glob("*/*-高龄津贴.csv"))
    code, output = _disclose("--output", out, "--to", str(target), "--project", "tekun")
    assert code == 0, output
    assert not list(target.glob("*/*-高龄津贴.csv")), "the earlier lists are gone"
    assert {p.name.split("-", 1)[1] for p in target.glob("*/*.csv")} == {"特困人员救助供养.csv"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".pub.")]


def _partial_run(sample_run: SampleRun, folder: Path) -> Path:
    """A run holding the rural 低保 roster only, and a tekun roster that cannot be read."""
    (folder / "staged").mkdir(parents=True)
    shutil.copy(sample_run.output / "staged" / "dibao_rural.parquet", folder / "staged")
    entry = {"rows_valid": 10, "error": None}
    datasets = {"dibao_rural": entry, "elderly_allowance": {"rows_valid": 0, "error": None}}
    manifest = {"run_id": "r1", "as_of": "2024-01-31", "datasets": datasets}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_rosters_missing_from_the_run_are_said(sample_run: SampleRun, tmp_path: Path) -> None:
    out = _partial_run(sample_run, tmp_path / "out")
    code, output = _disclose("--output", str(out), "--to", str(tmp_path / "pub"))
    assert code == 0, output
    assert "not disclosed: 高龄津贴: no usable roster in this run" in output
    account = _csv(tmp_path / "pub" / "policy-account.csv")
    notes = dict(account.select("项目名称", "说明").iter_rows())
    assert notes["高龄津贴"] == "本次运行没有可用的名册" and notes["农村低保"] == ""
    (out / "staged" / "tekun.parquet").write_bytes(b"PAR1 not really 420112194001010014")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["datasets"]["tekun"] = {"rows_valid": 5, "error": None}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    code, output = _disclose("--output", str(out), "--to", str(tmp_path / "pub"))
    assert code == 2 and "tekun.parquet: cannot be read as the run's staged data" in output
    assert find_full_ids(output) == []
    assert "policy-account.csv" in {p.name for p in (tmp_path / "pub").iterdir()}


def test_withheld_projects_are_in_the_account_only(sample_run: SampleRun, tmp_path: Path) -> None:
    target = tmp_path / "pub"
    code, output = _disclose(
        "--output",
        str(sample_run.output),
        "--to",
        str(target),
        "--project",
        "student_aid_compulsory",
    )
    assert code == 0, output
    assert "no public list for 义务教育家庭经济困难学生生活补助" in output
    assert not list(target.glob("*/*"))
    account = _csv(target / "policy-account.csv")
    assert account.get_column("项目名称").to_list() == ["义务教育家庭经济困难学生生活补助", "汇总"]


def test_digits_typed_into_shown_text_are_hidden() -> None:
    frame = pl.DataFrame(
        {
            "id_number": ["420112194001010014"] * 3,
            "name": ["张三"] * 3,
            "street": ["吴家山街"] * 3,
            "community": ["新华村 420112 19400101 0014", "电话138-1234-5678", "2023-01社区"],
            "pay_month": ["2023-01", "2023-02", "2023-03"],
            "amount": [100.0, 100.0, 100.0],
        }
    )
    table = public_list(frame, PUBLIC_LISTS["elderly_allowance"])
    shown = dict(table.select("社区（村）", "发放期间").iter_rows())
    assert shown == {"新华村 ****": "2023-01", "电话****": "2023-02", "2023-01社区": "2023-03"}


def test_street_names_make_safe_distinct_folders(tmp_path: Path) -> None:
    streets = ["../evil", "a/b", "a_b", "=1+1"]
    frame = pl.DataFrame(
        {
            "id_number": ["420112194001010014"] * 4,
            "name": ["张三"] * 4,
            "street": streets,
            "community": ["新华村"] * 4,
            "pay_month": ["2023-01"] * 4,
            "amount": [100.0] * 4,
        }
    )
    dataset = "elderly_allowance"
    result = cli_disclose.Disclosure(
        "run",
        "2024-01-31",
        lists={dataset: public_list(frame, PUBLIC_LISTS[dataset])},
        account=policy_account({dataset: frame}, [dataset], None, restrict=True),
    )
    target = tmp_path / "pub"
    written = cli_disclose.write_disclosure(result, target)
    assert all(target in path.parents for path in written)
    folders = {p.name for p in target.iterdir() if p.is_dir()}
    assert folders == {"___evil", "a_b", "a_b-2", "_1_1"}
    assert len(list(target.glob("*/公示名单-*.xlsx"))) == 4
    assert [p.name for p in tmp_path.iterdir()] == ["pub"]


# ---------------------------------------------------------------------------- masking rules
def test_documented_name_masks() -> None:
    cases = {
        "张三": "张*",
        "王小明": "王**",
        "欧阳娜娜": "欧阳**",
        "司马光": "司马*",
        "欧阳": "欧*",
        "买买提·艾力": "买**·**",
        "John Smith": "J*** *****",
        "王": "*",
        "": "",
        "  ": "",
        None: "",
        " 李四\u3000": "李*",
    }
    assert {k: mask_name(k) for k in cases} == cases


def test_documented_id_masks() -> None:
    cases = {
        "420112194001010014": "420112********0014",
        "11010519491231002x": "110105********002X",
        "420112 19400101 0014": "420112********0014",
        "４２０１１２１９４００１０１００１４": "420112********0014",
        "420112400101001": "420112******001",
        "4201121940010100": "****",
        "not an id": "****",
        "ID 420112194001010014": "****",
        "": "",
        None: "",
    }
    assert {k: mask_public_id(k) for k in cases} == cases


births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2023, 12, 31))
regions = st.sampled_from(["420112", "420102", "110105", "440524", "913156"])
MASKED_SHAPE = re.compile(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]|[0-9]{6}\*{6}[0-9]{3}|\*{4}|")
no_surrogates = st.characters(exclude_categories=["Cs"])


@settings(max_examples=200, deadline=None)
@given(regions, births, st.integers(0, 999))
def test_an_id_mask_never_shows_the_birth_date(region: str, born: dt.date, seq: int) -> None:
    value = make_id(region, born, seq)
    masked = mask_public_id(value)
    assert masked == f"{value[:6]}********{value[-4:]}"
    assert f"{born:%Y%m%d}" not in masked and find_full_ids(masked) == []
    old = f"{region}{born:%y%m%d}{seq:03d}"
    masked_old = mask_public_id(old)
    assert masked_old == f"{region}******{seq:03d}"
    assert f"{born:%y%m%d}" not in masked_old[6:]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=no_surrogates, max_size=30))
def test_any_value_masks_to_a_fixed_shape_and_stays_masked(value: str) -> None:
    masked = mask_public_id(value)
    assert MASKED_SHAPE.fullmatch(masked), masked
    assert mask_public_id(masked) == masked
    assert find_full_ids(masked) == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=2))
def test_a_chinese_name_keeps_its_surname_only(name: str) -> None:
    masked = mask_name(name)
    keep = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1
    assert masked == name[:keep] + "*" * (len(name) - keep)
    assert masked != name


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=no_surrogates, max_size=20))
def test_any_name_mask_is_stable_and_hides_all_but_the_first_characters(name: str) -> None:
    masked = mask_name(name)
    assert mask_name(masked) == masked
    body = name.strip(" \u3000\t\r\n\u00a0")
    assert len(masked) == (len(body) if len(body) != 1 else 1)
    assert all(c == "*" or c in NAME_SEPARATORS for c in masked[2:])
