"""Farming: 承包地确权信息, 实际种粮农民一次性补贴, 高标准农田建设补助资金."""

from __future__ import annotations

from huimin.contract.fields import Area, Dataset, Date, IdNumber, Text, Year, Yuan


class LandContracts(Dataset):
    """承包地确权信息: one row per contracting household (its representative)."""

    __dataset__ = "land_contracts"
    __family__ = "registry"
    __title_zh__ = "承包地确权信息"
    __area_fields__ = ("contracted_area_mu", "transferred_out_area_mu")

    id_number = IdNumber("承包方代表身份证号码")
    name = Text("承包方代表姓名")
    street = Text("街道")
    village = Text("村组")
    contracted_area_mu = Area("确权面积（亩）")
    transferred_out_area_mu = Area("流转出面积（亩）")


class GrainSubsidy(Dataset):
    """实际种粮农民一次性补贴发放名册."""

    __dataset__ = "grain_subsidy"
    __family__ = "roster"
    __title_zh__ = "实际种粮农民一次性补贴发放名册"
    __roster_project__ = "实际种粮农民一次性补贴"
    __roster_department__ = "区财政局"
    __area_fields__ = ("planted_area_mu",)

    id_number = IdNumber("身份证号码")
    name = Text("姓名")
    street = Text("街道")
    village = Text("村组")
    year = Year("补贴年度")
    planted_area_mu = Area("补贴面积（亩）")
    rate_per_mu = Yuan("补贴标准（元/亩）")
    amount = Yuan("补贴金额（元）")
    pay_date = Date("发放日期")
    bank_account = Text("银行账号", optional=True)


class FarmlandSubsidy(Dataset):
    """高标准农田建设补助资金拨付明细: one row per project payment."""

    __dataset__ = "farmland_subsidy"
    __family__ = "roster"
    __title_zh__ = "高标准农田建设补助资金拨付明细"
    __roster_project__ = "高标准农田建设补助资金"
    __roster_department__ = "区农业农村局"
    __subject_field__ = "project_id"
    __area_fields__ = ("area_mu",)

    project_id = Text("项目编号")
    project_name = Text("项目名称")
    street = Text("街道")
    recipient_name = Text("补助对象")
    contractor_credit_code = Text("施工单位统一社会信用代码")
    area_mu = Area("建设面积（亩）")
    amount = Yuan("拨付金额（元）")
    acceptance_date = Date("验收日期", optional=True)
    pay_date = Date("拨付日期")
