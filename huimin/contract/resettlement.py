"""区水务局: 大中型水库移民核定人口 and 移民直补资金."""

from __future__ import annotations

from huimin.contract.fields import Dataset, Date, IdNumber, Text, Year, Yuan


class ResettlementRegistry(Dataset):
    """水库移民核定人口 (the registered resettled population)."""

    __dataset__ = "resettlement_registry"
    __family__ = "registry"
    __title_zh__ = "水库移民核定人口"

    id_number = IdNumber("身份证号码")
    name = Text("姓名")
    reservoir = Text("水库名称")
    approved_date = Date("核定日期")


class ResettlementSubsidy(Dataset):
    """大中型水库移民直补资金发放名册."""

    __dataset__ = "resettlement_subsidy"
    __family__ = "roster"
    __title_zh__ = "大中型水库移民直补资金发放名册"
    __roster_project__ = "大中型水库原迁移民直补资金"
    __roster_department__ = "区水务局"

    id_number = IdNumber("身份证号码")
    name = Text("姓名")
    street = Text("街道")
    year = Year("补助年度")
    amount = Yuan("补助金额（元）")
    pay_date = Date("发放日期")
    bank_account = Text("银行账号", optional=True)
