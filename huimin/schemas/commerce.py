"""区经信局: 汽车以旧换新补贴."""

from __future__ import annotations

import datetime as dt

from huimin.schemas.common import ContractModel, Date, Enum, IdNumber, Text, Yuan


class CarTradein(ContractModel):
    """汽车以旧换新补贴发放名册: one row per subsidised purchase."""

    __dataset__ = "car_tradein"
    __family__ = "roster"
    __title_zh__ = "汽车以旧换新补贴发放名册"
    __roster_project__ = "汽车以旧换新补贴"
    __roster_department__ = "区经信局"

    id_number: str = IdNumber("申请人身份证号码")
    name: str = Text("申请人姓名")
    dealer: str = Text("销售企业")
    old_plate: str = Text("旧车号牌号码")
    old_vin: str = Text("旧车车辆识别代号")
    old_disposal: str = Enum("旧车处置方式", ["报废", "转出"])
    old_disposal_date: dt.date = Date("旧车处置日期")
    new_vin: str = Text("新车车辆识别代号")
    invoice_date: dt.date = Date("购车发票日期")
    invoice_amount: float = Yuan("发票金额（元）")
    amount: float = Yuan("补贴金额（元）")
    pay_date: dt.date = Date("发放日期")
    bank_account: str = Text("银行账号", optional=True)
