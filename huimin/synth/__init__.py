"""Synthetic 东西湖区: registries, payment rosters, provincial clues and the truth of anomalies.

``generate(output, scale=..., seed=...)`` writes every dataset of the data contract as one file
in the form its department sends it, ``province_clues.xlsx`` and ``truth/anomalies.parquet``.
Same seed, same bytes. See docs/synthetic-district.md.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
from rich.console import Console
from rich.progress import Progress

import huimin.schemas as schemas
from huimin.atomic import write_parquet
from huimin.synth.build import DATASET_NAMES, Chunk, build_world, render_chunk, sizing_for
from huimin.synth.geography import load_geography
from huimin.synth.province import make_clues
from huimin.synth.render import Form, form_for, headers, specs, to_text
from huimin.synth.writers import ChunkWriter

POPULATION = {
    "sample": 5_000,
    "district": 600_000,
    "city": 13_700_000,
    "province": 58_000_000,
}
CHUNK_RESIDENTS = 600_000
TRUTH_SCHEMA = {
    "dataset": pl.String,
    "source_row": pl.Int64,
    "subject": pl.String,
    "period": pl.String,
    "anomaly_type": pl.String,
    "category": pl.String,
    "detail": pl.String,
}


@dataclass
class SynthSummary:
    output: Path
    scale: str
    seed: int
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # dataset → (file, rows)
    anomalies: dict[str, int] = field(default_factory=dict)  # anomaly_type → truth rows

    def describe(self) -> str:
        lines = [f"synthetic 东西湖区 ({self.scale}, seed {self.seed}) in {self.output}"]
        lines += [
            f"  {name:<24} {file:<32} {rows:>10,} rows" for name, (file, rows) in self.files.items()
        ]
        lines.append("  planted (truth rows per type):")
        lines += [f"    {code:<34} {n:>7,}" for code, n in sorted(self.anomalies.items())]
        return "\n".join(lines)


def _title(dataset: str) -> str:
    return f"东西湖区{2023}年{schemas.DATASETS[dataset].__title_zh__}"


def _open(output: Path, dataset: str, form: Form) -> ChunkWriter:
    kinds = [s.kind for s in specs(dataset)]
    path = output / f"{dataset}.{form.ext}"
    return ChunkWriter(path, form, headers(dataset, form), kinds, _title(dataset))


def generate(
    output: Path, *, scale: str, seed: int, console: Console | None = None
) -> SynthSummary:
    """Write the synthetic district (or city, in chunks) into ``output``."""
    if scale not in POPULATION:
        raise ValueError(f"scale must be one of {', '.join(POPULATION)}")
    output.mkdir(parents=True, exist_ok=True)
    rng = np.random.Generator(np.random.PCG64(seed))
    total = POPULATION[scale]
    n_chunks = max(1, math.ceil(total / CHUNK_RESIDENTS))
    geo = load_geography()
    summary = SynthSummary(output, scale, seed)
    writers: dict[str, ChunkWriter] = {}
    forms: dict[str, Form] = {}
    truths: list[pl.DataFrame] = []
    with Progress(console=console or Console(stderr=True), transient=True) as progress:
        task = progress.add_task(f"synth {scale}", total=n_chunks)
        for c in range(n_chunks):
            n = total // n_chunks + (1 if c < total % n_chunks else 0)
            world = build_world(rng, n, geo, sizing_for(scale, n), c, n_chunks)
            if c == 0:
                forms = {
                    d: form_for(d, int(world.frames[d].height * n_chunks * 1.2))
                    for d in DATASET_NAMES
                }
                writers = {d: _open(output, d, forms[d]) for d in DATASET_NAMES}
            chunk = render_chunk(world, forms)
            truths.append(_place(chunk, writers, forms))
            for d in DATASET_NAMES:
                writers[d].write(chunk.text[d])
            if c == 0:
                _write_clues(output, chunk)
            progress.advance(task)
    for d, wr in writers.items():
        wr.close()
        summary.files[d] = (wr.path.name, wr.rows)
    truth = pl.concat(truths).sort(["dataset", "source_row", "anomaly_type"])
    write_parquet(truth, output / "truth" / "anomalies.parquet")
    _write_thresholds(output)
    summary.files["province_clues"] = ("province_clues.xlsx", 157)
    summary.files["truth"] = ("truth/anomalies.parquet", truth.height)
    summary.anomalies = dict(sorted(Counter(truth["anomaly_type"].to_list()).items()))
    return summary


def _place(chunk: Chunk, writers: dict[str, ChunkWriter], forms: dict[str, Form]) -> pl.DataFrame:
    """Truth rows with their source row in the file (offset by the rows already written)."""
    offsets = pl.DataFrame(
        {
            "dataset": list(DATASET_NAMES),
            "_off": [writers[d].rows + forms[d].row_offset() for d in DATASET_NAMES],
        }
    )
    t = chunk.truth.join(offsets, on="dataset", how="left", maintain_order="left")
    return t.select(
        "dataset",
        (pl.col("position") + pl.col("_off")).cast(pl.Int64).alias("source_row"),
        "subject",
        "period",
        "anomaly_type",
        "category",
        "detail",
    ).cast(TRUTH_SCHEMA)  # type: ignore[arg-type]


SYNTHETIC_THRESHOLDS = """\
# The synthetic district's accepted quarantine rates (see docs/validation.md).
# It plants data-quality faults on purpose, at rates a real district would not accept, so
# that every check can be seen at work; a real district keeps the project's limits.
defaults:
  max_quarantined: 30%
  max_per_reason: 10%
datasets:
  # short lists, where each planted fault weighs a lot
  inmates:
    max_quarantined: 60%
    max_per_reason: 30%
  farmland_subsidy:
    max_quarantined: 30%
    max_per_reason: 10%
"""


def _write_thresholds(output: Path) -> None:
    (output / "thresholds.yaml").write_text(SYNTHETIC_THRESHOLDS, encoding="utf-8")


def _write_clues(output: Path, chunk: Chunk) -> None:
    clues = make_clues(chunk.world, chunk.truth)
    form = Form("xlsx", True, "excel")
    text = to_text("province_clues", clues, form)
    kinds = [s.kind for s in specs("province_clues")]
    title = "湖北省惠民惠农政策落实大数据监察系统下发东西湖区问题线索"
    with ChunkWriter(
        output / "province_clues.xlsx", form, headers("province_clues", form), kinds, title
    ) as w:
        w.write(text)


__all__ = ["SynthSummary", "generate"]
