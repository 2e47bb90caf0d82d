"""Policy parameters the synthetic district pays by (yuan), each marked published or example.

Rule files repeat these values; the generator pays every ordinary row by them and plants the
policy anomalies against them. Every value carries its effective month where it changes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

YEAR = 2023
MONTHS: tuple[str, ...] = tuple(f"{YEAR}-{m:02d}" for m in range(1, 13))
TERMS: tuple[str, ...] = (f"{YEAR}春", f"{YEAR}秋")

# 低保 standard, yuan/person/month. Published (武汉, April 2022 and 2023); the 2023 effective
# month was not found: July 2023 is assumed.
DIBAO_URBAN_2022 = 910.0  # published, from 2022-04
DIBAO_RURAL_2022 = 780.0  # published, from 2022-04
DIBAO_URBAN_2023 = 940.0  # published 2023, effective month assumed 2023-07
DIBAO_RURAL_2023 = 820.0  # published 2023, effective month assumed 2023-07
STANDARD_CHANGE_MONTH = 7  # assumed month the 2023 低保/特困 standards take effect

# 特困 basic support standard, yuan/person/month (published 2022 and 2023, month assumed).
TEKUN_URBAN_2022 = 1820.0  # published
TEKUN_RURAL_2022 = 1500.0  # published
TEKUN_URBAN_2023 = 1880.0  # published, effective month assumed 2023-07
TEKUN_RURAL_2023 = 1600.0  # published, effective month assumed 2023-07

# 困难残疾人生活补贴, yuan/month by grade (example: Wuhan pays 80–130 by type and grade).
DISABILITY_LIVING = {1: 130.0, 2: 130.0, 3: 80.0, 4: 80.0}  # example
# 重度残疾人护理补贴, yuan/month; only grades 1–2 are eligible (example values).
DISABILITY_CARE = {1: 150.0, 2: 100.0}  # example

# 高龄津贴, yuan/month by age tier, age from the ID at the pay month (example values).
ELDERLY_TIERS: tuple[tuple[int, float], ...] = ((80, 100.0), (90, 300.0), (100, 500.0))  # example
ELDERLY_MIN_AGE = 80

PREMIUM_MINIMUM = 200.0  # 代缴城乡居民养老保险费 minimum grade, yuan/year (example)
GRAIN_RATE_PER_MU = 15.0  # 实际种粮农民一次性补贴, yuan/mu (example); amount = area × rate

CAR_SUBSIDY = 3000.0  # 汽车以旧换新, yuan per car (example)
CAR_WINDOW = ("2023-05-01", "2023-12-31")  # programme window of the invoice date (example)
CAR_MIN_OWNERSHIP_DAYS = 365  # old car registered to the applicant ≥ 1 year before the invoice

# 义务教育家庭经济困难学生生活补助 per term = half the national yearly standard (published).
STUDENT_AID_TERM = {
    ("小学", True): 500.0,  # published: boarders primary 1000/year
    ("初中", True): 625.0,  # published: boarders junior 1250/year
    ("小学", False): 250.0,  # published: non-boarders half
    ("初中", False): 312.5,  # published: non-boarders half
}
# 普通高中国家助学金 per term tiers (published national range 1000–3000/year).
HIGHSCHOOL_TIERS: tuple[float, ...] = (500.0, 1000.0, 1500.0)
HIGHSCHOOL_TOP = 1500.0

RESETTLEMENT_PER_YEAR = 600.0  # 水库移民后期扶持, yuan/person/year (published national)
FARMLAND_PER_MU = 1500.0  # 高标准农田建设补助 standard, yuan/mu (example)


def _by_month(old: float, new: float) -> npt.NDArray[np.float64]:
    months = np.arange(1, 13)
    return np.where(months >= STANDARD_CHANGE_MONTH, new, old).astype(np.float64)


def _zoned_standard(
    month: npt.NDArray[np.int64],
    urban: npt.NDArray[np.bool_],
    urban_values: tuple[float, float],
    rural_values: tuple[float, float],
) -> npt.NDArray[np.float64]:
    urb, rur = _by_month(*urban_values), _by_month(*rural_values)
    return np.where(urban, urb[month - 1], rur[month - 1])


def dibao_standard(
    month: npt.NDArray[np.int64], urban: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    """低保 standard for pay months 1..12 of 2023, urban or rural."""
    return _zoned_standard(
        month, urban, (DIBAO_URBAN_2022, DIBAO_URBAN_2023), (DIBAO_RURAL_2022, DIBAO_RURAL_2023)
    )


def tekun_standard(
    month: npt.NDArray[np.int64], urban: npt.NDArray[np.bool_]
) -> npt.NDArray[np.float64]:
    """特困 basic support standard for pay months 1..12 of 2023, urban or rural."""
    return _zoned_standard(
        month, urban, (TEKUN_URBAN_2022, TEKUN_URBAN_2023), (TEKUN_RURAL_2022, TEKUN_RURAL_2023)
    )


def elderly_amount(age: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """高龄津贴 for an age in whole years (0 below 80)."""
    out = np.zeros(age.shape, dtype=np.float64)
    for low, amount in ELDERLY_TIERS:
        out = np.where(age >= low, amount, out)
    return out
