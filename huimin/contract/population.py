"""Civil registration: 户籍人口信息 and 死亡人员信息."""

from __future__ import annotations

from huimin.contract.fields import Dataset, Date, Enum, IdNumber, Text


class Population(Dataset):
    """户籍人口信息: one row per registered resident (公安 household registry)."""

    __dataset__ = "population"
    __family__ = "registry"
    __title_zh__ = "户籍人口信息"

    id_number = IdNumber("公民身份号码")
    name = Text("姓名")
    gender = Enum("性别", ["男", "女"])
    birth_date = Date("出生日期", not_future=True)
    household_id = Text("户号")
    relation = Text("与户主关系")
    hukou_type = Enum("户口性质", ["城镇", "农村"])
    street = Text("街道")
    community = Text("社区（村）")
    status = Enum("户籍状态", ["正常", "迁出", "死亡注销"])
    status_date = Date("状态变更日期", optional=True)


class Deaths(Dataset):
    """死亡人员信息 from 公安注销, 殡葬火化 and 医学死亡证明."""

    __dataset__ = "deaths"
    __family__ = "registry"
    __title_zh__ = "死亡人员信息"

    id_number = IdNumber("公民身份号码")
    name = Text("姓名")
    death_date = Date("死亡日期", not_future=True)
    source = Enum("数据来源", ["公安", "殡葬", "卫健"])
