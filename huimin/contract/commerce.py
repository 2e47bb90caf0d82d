"""区经信局: 汽车以旧换新补贴."""

from __future__ import annotations

from huimin.contract.fields import Dataset, Date, Enum, IdNumber, Text, Yuan


class CarTradein(Dataset):
    """汽车以旧换新补贴发放名册: one row per subsidised purchase."""

    __dataset__ = "car_tradein"
    __family__ = "roster"
    __title_zh__ = "汽车以旧换新补贴发放名册"
    __roster_project__ = "汽车以旧换新补贴"
    __roster_department__ = "区经信局"

    id_number = IdNumber("申请人身份证号码")
    name = Text("申请人姓名")
    dealer = Text("销售企业")
    old_plate = Text("旧车号牌号码")
    old_vin = Text("旧车车辆识别代号")
    old_disposal = Enum("旧车处置方式", ["报废", "转出"])
    old_disposal_date = Date("旧车处置日期")
    new_vin = Text("新车车辆识别代号")
    invoice_date = Date("购车发票日期")
    invoice_amount = Yuan("发票金额（元）")
    amount = Yuan("补贴金额（元）")
    pay_date = Date("发放日期")
    bank_account = Text("银行账号", optional=True)
