"""区民政局 rosters: 低保 (rural and urban), 特困, 高龄津贴."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from huimin.schemas.base_checks import household_size_consistent
from huimin.schemas.common import ContractModel, Enum, IdNumber, Int, Month, Text, Yuan


class _Dibao(ContractModel):
    """低保 roster: one row per household member and month."""

    __global_checks__ = ("duplicate_row", "household_size_consistent")

    __family__ = "roster"
    __roster_department__ = "区民政局"

    household_id: str = Text("保障户编号")
    id_number: str = IdNumber("身份证号码")
    name: str = Text("姓名")
    relation: str = Text("与户主关系")
    family_size: int = Int("保障人口", ge=1, le=30)
    street: str = Text("街道")
    community: str = Text("社区（村）")
    pay_month: str = Month("发放年月")
    amount: float = Yuan("发放金额（元）")
    bank_account: str = Text("银行账号", optional=True)

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


class DibaoRural(_Dibao):
    """农村低保发放名册."""

    __dataset__ = "dibao_rural"
    __title_zh__ = "农村低保发放名册"
    __roster_project__ = "农村低保"


class DibaoUrban(_Dibao):
    """城市低保发放名册."""

    __dataset__ = "dibao_urban"
    __title_zh__ = "城市低保发放名册"
    __roster_project__ = "城市低保"


class Tekun(ContractModel):
    """特困人员救助供养发放名册: one row per person and month."""

    __dataset__ = "tekun"
    __family__ = "roster"
    __title_zh__ = "特困人员救助供养发放名册"
    __roster_project__ = "特困人员救助供养"
    __roster_department__ = "区民政局"

    id_number: str = IdNumber("身份证号码")
    name: str = Text("姓名")
    street: str = Text("街道")
    community: str = Text("社区（村）")
    area_type: str = Enum("城乡类别", ["城市", "农村"])
    support_mode: str = Enum("供养方式", ["集中供养", "分散供养"])
    pay_month: str = Month("发放年月")
    amount: float = Yuan("发放金额（元）")
    bank_account: str = Text("银行账号", optional=True)


class ElderlyAllowance(ContractModel):
    """高龄津贴发放名册: one row per person and month."""

    __dataset__ = "elderly_allowance"
    __family__ = "roster"
    __title_zh__ = "高龄津贴发放名册"
    __roster_project__ = "高龄津贴"
    __roster_department__ = "区民政局"

    id_number: str = IdNumber("身份证号码")
    name: str = Text("姓名")
    street: str = Text("街道")
    community: str = Text("社区（村）")
    pay_month: str = Month("发放年月")
    amount: float = Yuan("发放金额（元）")
    bank_account: str = Text("银行账号", optional=True)
