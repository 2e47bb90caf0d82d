"""Disability: 残疾人证信息 and the two subsidies (困难残疾人生活补贴, 重度残疾人护理补贴)."""

from __future__ import annotations

from huimin.contract.fields import Dataset, Date, Enum, IdNumber, Int, Month, Text, Yuan


class DisabilityCards(Dataset):
    """残疾人证信息 (残联)."""

    __dataset__ = "disability_cards"
    __family__ = "registry"
    __title_zh__ = "残疾人证信息"

    id_number = IdNumber("身份证号码")
    name = Text("姓名")
    disability_type = Enum("残疾类别", ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"])
    disability_level = Int("残疾等级", ge=1, le=4, description="1 (most severe) to 4")
    issue_date = Date("发证日期")
    status = Enum("证件状态", ["有效", "注销"])


class _DisabilitySubsidy(Dataset):
    __family__ = "roster"
    __roster_department__ = "区民政局"

    id_number = IdNumber("身份证号码")
    name = Text("姓名")
    street = Text("街道")
    community = Text("社区（村）")
    disability_level = Int("残疾等级", ge=1, le=4)
    pay_month = Month("发放年月")
    amount = Yuan("发放金额（元）")
    bank_account = Text("银行账号", optional=True)


class DisabilityLiving(_DisabilitySubsidy):
    """困难残疾人生活补贴发放名册."""

    __dataset__ = "disability_living"
    __title_zh__ = "困难残疾人生活补贴发放名册"
    __roster_project__ = "残疾人两项补贴（困难残疾人生活补贴）"


class DisabilityCare(_DisabilitySubsidy):
    """重度残疾人护理补贴发放名册."""

    __dataset__ = "disability_care"
    __title_zh__ = "重度残疾人护理补贴发放名册"
    __roster_project__ = "残疾人两项补贴（重度残疾人护理补贴）"
