"""Pandera models of the 区民政局 rosters: 低保 (rural and urban), 特困, 高龄津贴 (fields:
:mod:`huimin.contract.civil_affairs`)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from huimin.contract import civil_affairs as contract
from huimin.schemas.base_checks import household_size_consistent
from huimin.schemas.common import ContractModel


class _Dibao(ContractModel):
    """低保 roster: a household's stated size must match the members it lists."""

    __global_checks__ = ("duplicate_row", "household_size_consistent")

    @classmethod
    def row_check_detail(cls, check_name: str) -> pl.Expr | None:
        if check_name != "household_size_consistent":
            return super().row_check_detail(check_name)
        listed = pl.col("id_number").n_unique().over("household_id", "pay_month")
        return pl.format(
            "household {} in {} states {} but lists {} members",
            "household_id",
            "pay_month",
            "family_size",
            listed,
        )

    @pa.dataframe_check(
        name="household_size_consistent",
        error="保障人口 (family_size) differs from the members listed for the household that month",
    )
    @classmethod
    def household_size_consistent(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            household_size_consistent("household_id", "pay_month", "family_size", "id_number")
        )


class DibaoRural(_Dibao, contract=contract.DibaoRural): ...


class DibaoUrban(_Dibao, contract=contract.DibaoUrban): ...


class Tekun(ContractModel, contract=contract.Tekun): ...


class ElderlyAllowance(ContractModel, contract=contract.ElderlyAllowance): ...
