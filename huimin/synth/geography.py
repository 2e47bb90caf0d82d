"""东西湖区 (420112): streets, communities and villages (data/reference/streets.csv)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from huimin.resources import project_file

DISTRICT_CODE = 420112
STREETS_CSV = project_file("data", "reference", "streets.csv")

#: address codes (GB/T 2260) of ID numbers and their weights: mostly the district,
#: then other Wuhan districts, other Hubei prefectures, other provinces
ADDRESS_CODES: tuple[tuple[int, float], ...] = (
    (420112, 0.60),
    (420102, 0.02),
    (420103, 0.02),
    (420104, 0.03),
    (420105, 0.02),
    (420106, 0.02),
    (420107, 0.01),
    (420111, 0.02),
    (420113, 0.01),
    (420114, 0.02),
    (420115, 0.01),
    (420116, 0.03),
    (420117, 0.01),
    (420902, 0.02),
    (420921, 0.02),
    (421003, 0.02),
    (421122, 0.02),
    (420502, 0.01),
    (420602, 0.01),
    (421202, 0.01),
    (420804, 0.01),
    (421182, 0.02),
    (411502, 0.01),
    (411521, 0.01),
    (430602, 0.01),
    (360402, 0.01),
    (340802, 0.01),
    (500101, 0.01),
    (510104, 0.005),
    (440304, 0.005),
)


@dataclass(frozen=True)
class Geography:
    """One row per community (社区) or village (村)."""

    table: pl.DataFrame

    @property
    def size(self) -> int:
        return self.table.height

    def weights(self) -> npt.NDArray[np.float64]:
        """Relative population of each community: urban communities are larger."""
        t = self.table
        kind = t["kind"].to_numpy()
        area = t["area"].to_numpy()
        w = np.where(kind == "社区", np.where(area == "urban", 3.0, 2.0), 1.0)
        return np.asarray(w / w.sum(), dtype=np.float64)


def load_geography(path: Path = STREETS_CSV) -> Geography:
    table = pl.read_csv(path, schema_overrides={"street_code": pl.String})
    return Geography(table.sort("street_code", maintain_order=True))


def address_codes(rng: np.random.Generator, n: int) -> npt.NDArray[np.int64]:
    codes = np.array([c for c, _ in ADDRESS_CODES], dtype=np.int64)
    w = np.array([p for _, p in ADDRESS_CODES])
    return rng.choice(codes, n, p=w / w.sum())
