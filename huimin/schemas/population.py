"""Civil registration: 户籍人口信息 and 死亡人员信息."""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from huimin import idnumber
from huimin.schemas.common import ContractModel, Date, Enum, IdNumber, Text


class Population(ContractModel):
    """户籍人口信息: one row per registered resident (公安 household registry)."""

    __dataset__ = "population"
    __family__ = "registry"
    __title_zh__ = "户籍人口信息"

    id_number: str = IdNumber("公民身份号码")
    name: str = Text("姓名")
    gender: str = Enum("性别", ["男", "女"])
    birth_date: dt.date = Date("出生日期", not_future=True)
    household_id: str = Text("户号")
    relation: str = Text("与户主关系")
    hukou_type: str = Enum("户口性质", ["城镇", "农村"])
    street: str = Text("街道")
    community: str = Text("社区（村）")
    status: str = Enum("户籍状态", ["正常", "迁出", "死亡注销"])
    status_date: dt.date = Date("状态变更日期", optional=True)

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


class Deaths(ContractModel):
    """死亡人员信息 from 公安注销, 殡葬火化 and 医学死亡证明."""

    __dataset__ = "deaths"
    __family__ = "registry"
    __title_zh__ = "死亡人员信息"

    id_number: str = IdNumber("公民身份号码")
    name: str = Text("姓名")
    death_date: dt.date = Date("死亡日期", not_future=True)
    source: str = Enum("数据来源", ["公安", "殡葬", "卫健"])
