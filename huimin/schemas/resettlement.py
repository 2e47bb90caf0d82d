"""区水务局: 大中型水库移民核定人口 and 移民直补资金."""

from __future__ import annotations

import datetime as dt

from huimin.schemas.common import ContractModel, Date, IdNumber, Text, Year, Yuan


class ResettlementRegistry(ContractModel):
    """水库移民核定人口 (the registered resettled population)."""

    __dataset__ = "resettlement_registry"
    __family__ = "registry"
    __title_zh__ = "水库移民核定人口"

    id_number: str = IdNumber("身份证号码")
    name: str = Text("姓名")
    reservoir: str = Text("水库名称")
    approved_date: dt.date = Date("核定日期")


class ResettlementSubsidy(ContractModel):
    """大中型水库移民直补资金发放名册."""

    __dataset__ = "resettlement_subsidy"
    __family__ = "roster"
    __title_zh__ = "大中型水库移民直补资金发放名册"
    __roster_project__ = "大中型水库原迁移民直补资金"
    __roster_department__ = "区水务局"

    id_number: str = IdNumber("身份证号码")
    name: str = Text("姓名")
    street: str = Text("街道")
    year: int = Year("补助年度")
    amount: float = Yuan("补助金额（元）")
    pay_date: dt.date = Date("发放日期")
    bank_account: str = Text("银行账号", optional=True)
