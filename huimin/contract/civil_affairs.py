"""区民政局 rosters: 低保 (rural and urban), 特困, 高龄津贴."""

from __future__ import annotations

from huimin.contract.fields import Dataset, Enum, IdNumber, Int, Month, Text, Yuan


class _Dibao(Dataset):
    """低保 roster: one row per household member and month."""

    __family__ = "roster"
    __roster_department__ = "区民政局"

    household_id = Text("保障户编号")
    id_number = IdNumber("身份证号码")
    name = Text("姓名")
    relation = Text("与户主关系")
    family_size = Int("保障人口", ge=1, le=30)
    street = Text("街道")
    community = Text("社区（村）")
    pay_month = Month("发放年月")
    amount = Yuan("发放金额（元）")
    bank_account = Text("银行账号", optional=True)


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


class Tekun(Dataset):
    """特困人员救助供养发放名册: one row per person and month."""

    __dataset__ = "tekun"
    __family__ = "roster"
    __title_zh__ = "特困人员救助供养发放名册"
    __roster_project__ = "特困人员救助供养"
    __roster_department__ = "区民政局"

    id_number = IdNumber("身份证号码")
    name = Text("姓名")
    street = Text("街道")
    community = Text("社区（村）")
    area_type = Enum("城乡类别", ["城市", "农村"])
    support_mode = Enum("供养方式", ["集中供养", "分散供养"])
    pay_month = Month("发放年月")
    amount = Yuan("发放金额（元）")
    bank_account = Text("银行账号", optional=True)


class ElderlyAllowance(Dataset):
    """高龄津贴发放名册: one row per person and month."""

    __dataset__ = "elderly_allowance"
    __family__ = "roster"
    __title_zh__ = "高龄津贴发放名册"
    __roster_project__ = "高龄津贴"
    __roster_department__ = "区民政局"

    id_number = IdNumber("身份证号码")
    name = Text("姓名")
    street = Text("街道")
    community = Text("社区（村）")
    pay_month = Month("发放年月")
    amount = Yuan("发放金额（元）")
    bank_account = Text("银行账号", optional=True)
