"""区人社局: 困难群体人员代缴城乡居民保费."""

from __future__ import annotations

from huimin.contract.fields import Dataset, Enum, IdNumber, Text, Year, Yuan


class PremiumSubsidy(Dataset):
    """困难群体代缴城乡居民养老保险费名册: one row per person and year."""

    __dataset__ = "premium_subsidy"
    __family__ = "roster"
    __title_zh__ = "困难群体代缴城乡居民养老保险费名册"
    __roster_project__ = "困难群体人员代缴城乡居民保费"
    __roster_department__ = "区人社局"

    id_number = IdNumber("身份证号码")
    name = Text("姓名")
    street = Text("街道")
    category = Enum("代缴类别", ["低保对象", "特困人员", "重度残疾人", "返贫致贫人口"])
    year = Year("缴费年度")
    amount = Yuan("代缴金额（元）")
