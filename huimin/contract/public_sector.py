"""Public payroll, pensions and prisons: 财政供养人员, 养老保险参保, 服刑人员."""

from __future__ import annotations

from huimin.contract.fields import Dataset, Date, Enum, IdNumber, Month, Text


class PublicEmployees(Dataset):
    """财政供养人员信息: civil servants and public institution staff."""

    __dataset__ = "public_employees"
    __family__ = "registry"
    __title_zh__ = "财政供养人员信息"

    id_number = IdNumber("身份证号码")
    name = Text("姓名")
    employer = Text("单位名称")
    employee_type = Enum("人员类别", ["公务员", "参公", "事业编制"])
    start_date = Date("入编日期")
    end_date = Date("离职日期", optional=True)


class PensionInsured(Dataset):
    """职工/机关事业养老保险参保及待遇信息."""

    __dataset__ = "pension_insured"
    __family__ = "registry"
    __title_zh__ = "养老保险参保信息"

    id_number = IdNumber("身份证号码")
    name = Text("姓名")
    insurance_type = Enum("险种", ["企业职工基本养老保险", "机关事业单位养老保险"])
    status = Enum("参保状态", ["参保缴费", "暂停缴费", "领取待遇", "终止"])
    start_month = Month("开始年月")
    end_month = Month("终止年月", optional=True)


class Inmates(Dataset):
    """服刑人员信息 (司法)."""

    __dataset__ = "inmates"
    __family__ = "registry"
    __title_zh__ = "服刑人员信息"

    id_number = IdNumber("身份证号码")
    name = Text("姓名")
    start_date = Date("入监日期")
    end_date = Date("刑满释放日期", optional=True)
