"""Pandera models of civil registration: 户籍人口信息 and 死亡人员信息 (fields:
:mod:`huimin.contract.population`)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from huimin import idnumber
from huimin.contract import population as contract
from huimin.schemas.common import ContractModel


class Population(ContractModel, contract=contract.Population):
    @pa.dataframe_check(
        name="birth_date_matches_id",
        error="出生日期 (birth_date) differs from the birth date inside the ID number",
    )
    @classmethod
    def birth_date_matches_id(cls, data: PolarsData) -> pl.LazyFrame:
        in_id = idnumber.birth_date(pl.col("id_number"))
        return data.lazyframe.select(
            in_id.is_null() | pl.col("birth_date").is_null() | (pl.col("birth_date") == in_id)
        )


class Deaths(ContractModel, contract=contract.Deaths): ...
