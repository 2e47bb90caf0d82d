"""Public payroll, pensions and prisons: 财政供养人员, 养老保险参保, 服刑人员."""

from __future__ import annotations

import datetime as dt

from huimin.schemas.common import ContractModel, Date, Enum, IdNumber, Month, Text


class PublicEmployees(ContractModel):
    """财政供养人员信息: civil servants and public institution staff."""

    __dataset__ = "public_employees"
    __family__ = "registry"
    __title_zh__ = "财政供养人员信息"

    id_number: str = IdNumber("身份证号码")
    name: str = Text("姓名")
    employer: str = Text("单位名称")
    employee_type: str = Enum("人员类别", ["公务员", "参公", "事业编制"])
    start_date: dt.date = Date("入编日期")
    end_date: dt.date = Date("离职日期", optional=True)


class PensionInsured(ContractModel):
    """职工/机关事业养老保险参保及待遇信息."""

    __dataset__ = "pension_insured"
    __family__ = "registry"
    __title_zh__ = "养老保险参保信息"

    id_number: str = IdNumber("身份证号码")
    name: str = Text("姓名")
    insurance_type: str = Enum("险种", ["企业职工基本养老保险", "机关事业单位养老保险"])
    status: str = Enum("参保状态", ["参保缴费", "暂停缴费", "领取待遇", "终止"])
    start_month: str = Month("开始年月")
    end_month: str = Month("终止年月", optional=True)


class Inmates(ContractModel):
    """服刑人员信息 (司法)."""

    __dataset__ = "inmates"
    __family__ = "registry"
    __title_zh__ = "服刑人员信息"

    id_number: str = IdNumber("身份证号码")
    name: str = Text("姓名")
    start_date: dt.date = Date("入监日期")
    end_date: dt.date = Date("刑满释放日期", optional=True)
