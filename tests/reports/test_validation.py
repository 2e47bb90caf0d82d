"""Validation reports: Data Docs index, failures surface, no full ID leaks, clean replacement."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest

import huimin.schemas as schemas
from huimin import idnumber
from huimin.reports import ValidationSummary, build_validation_reports
from huimin.schemas.common import ContractModel

#: \d{17}[\dX] not inside a longer number: float digits such as 0.009900990099009901 are no ID
FULL_ID = re.compile(rb"(?<![\d.])\d{17}[\dX](?!\d)")

#: birth years (first, last) per dataset so the age-band checks hold on synthetic data
BIRTH_YEARS: dict[str, tuple[int, int]] = {
    "elderly_allowance": (1930, 1940),
    "deaths": (1925, 1960),
    "students": (2008, 2016),
    "student_aid_compulsory": (2010, 2016),
    "student_aid_highschool": (2007, 2009),
}
AMOUNTS: dict[str, float] = {
    "tekun": 1200.0,
    "car_tradein": 15000.0,
    "farmland_subsidy": 250000.0,
    "student_aid_highschool": 1000.0,
    "grain_subsidy": 300.0,
}


def make_ids(birth: pl.Expr, n: int) -> pl.Expr:
    """Valid ID numbers: address 420117, the given birth date, a cycling sequence."""
    body = pl.concat_str(
        [
            pl.lit("420117"),
            birth.dt.strftime("%Y%m%d"),
            (pl.int_range(n) % 1000).cast(pl.String).str.zfill(3),
        ]
    )
    return pl.concat_str([body, idnumber.computed_check_char(body)])


def make_staged(model: type[ContractModel], n: int, *, extra: bool = True) -> pl.DataFrame:
    """A clean staged frame for ``model`` with ``n`` rows, from its ``polars_schema()``."""
    dataset = model.__dataset__
    first, last = BIRTH_YEARS.get(dataset, (1945, 2005))
    span = (dt.date(last, 12, 31) - dt.date(first, 1, 1)).days
    i = pl.int_range(n)
    birth = pl.lit(dt.date(first, 1, 1)) + pl.duration(days=(i * 7919) % span)
    base = pl.DataFrame({"_source_row": pl.int_range(2, n + 2, eager=True)}).with_columns(
        _birth=birth
    )
    columns: list[pl.Expr] = []
    for spec in model.field_specs():
        kind = spec.kind
        if kind == "id_number":
            expr = make_ids(pl.col("_birth"), n)
        elif kind == "enum":
            expr = pl.lit(pl.Series(list(spec.values))).gather(i % len(spec.values))
            if spec.name == "gender":  # the 17th ID digit is i % 1000: odd is male
                expr = pl.when(i % 2 == 1).then(pl.lit("男")).otherwise(pl.lit("女"))
        elif kind == "date":
            expr = pl.lit(dt.date(2023, 1, 1)) + pl.duration(days=i % 365)
            if spec.name == "birth_date":
                expr = pl.col("_birth")
        elif kind == "month":
            expr = pl.format("2024-{}", (i % 12 + 1).cast(pl.String).str.zfill(2))
        elif kind == "year":
            expr = pl.lit(2024, dtype=pl.Int64)
        elif kind == "yuan":
            expr = pl.lit(AMOUNTS.get(dataset, 300.0)) + (i % 100).cast(pl.Float64)
            if spec.name == "invoice_amount":
                expr = pl.lit(150000.0)
            if spec.name == "rate_per_mu":
                expr = pl.lit(12.5)
        elif kind == "float":
            expr = pl.lit(10.5) + (i % 7).cast(pl.Float64)
            if spec.name == "transferred_out_area_mu":
                expr = pl.lit(1.0)
        elif kind == "int":
            expr = pl.lit(1, dtype=pl.Int64) + (i % 3)
        elif kind == "bool":
            expr = i % 2 == 0
        else:
            expr = pl.format("{}{}", pl.lit(spec.zh), i)
        columns.append(expr.cast(model.polars_schema()[spec.name]).alias(spec.name))
    out = base.with_columns(columns)
    if extra:
        out = out.with_columns(pl.format("备注{}", pl.col("_source_row")).alias("备注"))
    return out.drop("_birth")


def write_staged(root: Path, datasets: dict[str, pl.DataFrame]) -> dict[str, Path]:
    root.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, frame in datasets.items():
        paths[name] = root / f"{name}.parquet"
        frame.write_parquet(paths[name])
    return paths


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[ValidationSummary, Path]:
    root = tmp_path_factory.mktemp("validation")
    frames = {
        name: make_staged(schemas.DATASETS[name], rows)
        for name, rows in [("population", 3000), ("deaths", 200), ("elderly_allowance", 500)]
    }
    bad = make_staged(schemas.DATASETS["dibao_rural"], 400)
    bad = bad.with_columns(
        amount=pl.when(pl.col("_source_row") == 5).then(-10.0).otherwise(pl.col("amount")),
        street=pl.when(pl.col("_source_row") == 6).then(None).otherwise(pl.col("street")),
    )
    frames["dibao_rural"] = bad
    staged = write_staged(root / "staged", frames)
    out = root / "reports" / "validation"
    summary = build_validation_reports(
        staged, out, quarantined={"population": 30}, sample_rows=1000, as_of=dt.date.today()
    )
    return summary, out


def test_index_lists_every_dataset(report: tuple[ValidationSummary, Path]) -> None:
    summary, out = report
    assert summary.index_html == out.absolute() / "index.html"
    index = summary.index_html.read_text(encoding="utf-8")
    for name in ("population", "deaths", "elderly_allowance", "dibao_rural"):
        assert name in index
        assert name in summary.datasets
    assert sorted(p.name for p in out.parent.iterdir()) == ["validation"]


def test_the_front_page_works_offline(report: tuple[ValidationSummary, Path]) -> None:
    """No script, no style from the internet; a row and working links for every dataset."""
    import re

    summary, out = report
    index = summary.index_html.read_text(encoding="utf-8")
    assert "<script" not in index
    assert "http" not in index
    for name, outcome in summary.datasets.items():
        row = next(line for line in index.splitlines() if f"<code>{name}</code>" in line)
        assert ("pass" if outcome.success else "fail") in row
    links = re.findall(r'href="([^"]+)"', index)
    assert len(links) >= 2 * len(summary.datasets)
    assert all((out / link).is_file() for link in links)
    assert (out / "gx-index.html").is_file()


def test_clean_datasets_pass_and_problems_fail(report: tuple[ValidationSummary, Path]) -> None:
    summary, _ = report
    for name in ("population", "deaths", "elderly_allowance"):
        assert summary.datasets[name].success, summary.datasets[name].failed_expectations
    assert all(d.errors == 0 for d in summary.datasets.values())
    dibao = summary.datasets["dibao_rural"]
    assert not dibao.success
    assert not summary.success
    assert summary.failed_datasets == ["dibao_rural"]
    assert set(dibao.failed_expectations) == {
        "expect_column_values_to_be_between(amount)",
        "expect_column_values_to_not_be_null(street)",
    }
    assert dibao.failed == 2
    assert dibao.evaluated > 10


def test_sampling_and_quarantine_are_reported(report: tuple[ValidationSummary, Path]) -> None:
    summary, _ = report
    population = summary.datasets["population"]
    assert population.sampled
    assert population.sample_step == 3
    assert population.rows == 3000
    assert population.validated_rows == 1000
    assert population.quarantined == 30
    assert population.quarantine_rate == pytest.approx(30 / 3030)
    assert not summary.datasets["deaths"].sampled
    assert summary.datasets["deaths"].quarantine_rate is None


def test_summary_is_json(report: tuple[ValidationSummary, Path]) -> None:
    summary, out = report
    written = json.loads((out / "validation-summary.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(summary.to_dict()))
    assert written["failed_datasets"] == ["dibao_rural"]
    assert written["sampled_datasets"] == ["population"]


def test_no_full_id_number_or_name_in_any_output(report: tuple[ValidationSummary, Path]) -> None:
    _, out = report
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in files)
    assert any(p.suffix == ".json" for p in files)
    for path in files:
        data = path.read_bytes()
        assert not FULL_ID.search(data), path
        assert "姓名1".encode() not in data, path


def test_invalid_ids_fail_and_never_leak(tmp_path: Path) -> None:
    frame = make_staged(schemas.DATASETS["deaths"], 100)
    broken = frame["id_number"].str.slice(0, 17) + "Y"
    frame = frame.with_columns(
        id_number=pl.when(pl.col("_source_row") < 5).then(broken).otherwise(pl.col("id_number")),
        # an ID pasted into an enum column is shown as an unexpected value, masked
        source=pl.when(pl.col("_source_row") == 9)
        .then(pl.col("id_number"))
        .otherwise(pl.col("source")),
    )
    staged = write_staged(tmp_path / "staged", {"deaths": frame})
    summary = build_validation_reports(staged, tmp_path / "out", as_of=dt.date.today())
    assert summary.datasets["deaths"].failed_expectations == (
        "expect_column_values_to_be_in_set(id_number__valid)",
        "expect_column_values_to_be_in_set(source)",
    )
    pages = [p for p in (tmp_path / "out").rglob("*.html") if "validations" in p.parts]
    assert len(pages) == 1
    assert "420117********" in pages[0].read_text(encoding="utf-8")
    for path in (tmp_path / "out").rglob("*"):
        assert path.is_dir() or not FULL_ID.search(path.read_bytes()), path


def test_running_twice_replaces_the_report(tmp_path: Path) -> None:
    out = tmp_path / "validation"
    first = write_staged(
        tmp_path / "a", {"tekun": make_staged(schemas.DATASETS["tekun"], 50, extra=False)}
    )
    build_validation_reports(first, out, as_of=dt.date.today())
    (out / "stale.txt").write_text("from the first run", encoding="utf-8")
    second = write_staged(
        tmp_path / "b", {"vehicles": make_staged(schemas.DATASETS["vehicles"], 50)}
    )
    summary = build_validation_reports(second, out, as_of=dt.date.today())
    assert list(summary.datasets) == ["vehicles"]
    assert not (out / "stale.txt").exists()
    assert not list(out.rglob("tekun*"))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "vehicles" in index
    assert "tekun" not in index
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "validation"]


def test_a_crash_leaves_the_previous_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huimin.reports import validation

    out = tmp_path / "validation"
    staged = write_staged(tmp_path / "s", {"tekun": make_staged(schemas.DATASETS["tekun"], 20)})
    build_validation_reports(staged, out, as_of=dt.date.today())
    before = (out / "index.html").read_bytes()

    def boom(*args: object) -> object:
        raise RuntimeError("crash while validating")

    monkeypatch.setattr(validation, "measure", boom)
    with pytest.raises(RuntimeError, match="crash"):
        build_validation_reports(staged, out, as_of=dt.date.today())
    assert (out / "index.html").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s", "validation"]


def test_unknown_dataset_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="nope"):
        build_validation_reports(
            {"nope": tmp_path / "x.parquet"}, tmp_path / "out", as_of=dt.date.today()
        )
