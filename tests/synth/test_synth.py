"""The synthetic district at sample scale: contract columns, valid IDs, truth, clues, bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import fastexcel
import polars as pl
import pytest

import huimin.schemas as schemas
from huimin.idnumber import is_valid
from huimin.synth import generate
from huimin.synth.anomalies import DATA_QUALITY, POLICY
from huimin.synth.build import DATASET_NAMES
from huimin.synth.province import appendix_rows
from huimin.synth.render import Form
from huimin.synth.writers import ChunkWriter

SEED = 7


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synth") / "a"
    generate(path, scale="sample", seed=SEED)
    return path


def read_any(path: Path) -> pl.DataFrame:
    """Every cell as text, whatever the form."""
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    if path.suffix == ".xlsx":
        sheet = fastexcel.read_excel(str(path)).load_sheet(0, header_row=1, dtypes="string")
        return sheet.to_polars()
    raw = path.read_bytes()
    text = raw[3:].decode("utf-8") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("gb18030")
    return pl.read_csv(text.encode("utf-8"), infer_schema=False)


def _file(out: Path, name: str) -> Path:
    return next(out.glob(f"{name}.*"))


def _canonical(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    aliases = schemas.DATASETS[name].aliases()
    return frame.rename({c: aliases[c] for c in frame.columns if c in aliases})


def test_every_dataset_has_the_contract_columns(out: Path) -> None:
    for name in DATASET_NAMES:
        frame = _canonical(name, read_any(_file(out, name)))
        required = schemas.DATASETS[name].required_fields()
        assert set(required) <= set(frame.columns), name
        assert frame.height > 0, name


def test_ids_valid_except_planted_faults(out: Path) -> None:
    truth = pl.read_parquet(out / "truth" / "anomalies.parquet")
    for name in DATASET_NAMES:
        model = schemas.DATASETS[name]
        field = next((s.name for s in model.field_specs() if s.kind == "id_number"), None)
        if field is None:
            continue
        frame = _canonical(name, read_any(_file(out, name)))
        offset = {".xlsx": 3, ".parquet": 1}.get(_file(out, name).suffix, 2)
        faulty = set(truth.filter(pl.col("dataset") == name)["source_row"].to_list())
        values = frame[field].to_list()
        bad = [i + offset for i, v in enumerate(values) if v is None or not is_valid(_half(v))]
        assert set(bad) <= faulty, (name, sorted(set(bad) - faulty)[:5])


def _half(value: str) -> str:
    return value.translate(str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX"))


def test_truth_covers_every_code(out: Path) -> None:
    truth = pl.read_parquet(out / "truth" / "anomalies.parquet")
    assert truth.schema["source_row"] == pl.Int64
    subjects = dict(truth.group_by("anomaly_type").agg(pl.col("subject").n_unique()).iter_rows())
    for a in POLICY:
        assert subjects.get(a.code, 0) >= 2, a.code
    for a in DATA_QUALITY:
        assert truth.filter(pl.col("anomaly_type") == a.code).height >= 3, a.code
    assert (
        not truth.filter(pl.col("category") == "policy")
        .join(truth.filter(pl.col("category") == "data_quality"), on=["dataset", "source_row"])
        .height
    )


def test_province_clues_match_the_appendix(out: Path) -> None:
    clues = read_any(out / "province_clues.xlsx")
    assert clues.height == 157
    for row in appendix_rows().iter_rows(named=True):
        mine = clues.filter(pl.col("项目名称") == row["项目名称"])
        assert mine.height == int(row["线索数量"]), row["项目名称"]
        for street, count in row.items():
            if street.endswith("街") or street == "常青花园":
                got = mine.filter(pl.col("街道") == street).height
                assert got == int(count or 0), (row["项目名称"], street)


def _digests(path: Path) -> dict[str, str]:
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_other_seed_other_data(out: Path, tmp_path: Path) -> None:
    generate(tmp_path / "b", scale="sample", seed=SEED)
    first, again = _digests(out), _digests(tmp_path / "b")
    assert first == again
    generate(tmp_path / "c", scale="sample", seed=SEED + 1)
    other = _digests(tmp_path / "c")
    assert first["population.parquet"] != other["population.parquet"]


@pytest.mark.parametrize("fmt", ["csv-gbk", "csv-bom", "parquet", "xlsx"])
def test_chunk_writer_appends(tmp_path: Path, fmt: str) -> None:
    form = Form(fmt, True, "iso")
    path = tmp_path / f"x.{form.ext}"
    chunk = pl.DataFrame({"a": ["420112194001010014", None], "b": ["1,250.00", "12"]})
    with ChunkWriter(path, form, ["身份证号码", "金额"], ["id_number", "yuan"], "标题") as w:
        w.write(chunk)
        w.write(chunk)
        assert w.rows == 4
    back = read_any(path)
    assert back.height == 4
    assert back["身份证号码"][0] == "420112194001010014"
