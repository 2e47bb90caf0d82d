"""省大数据监察系统下发问题线索 (the provincial clue list)."""

from __future__ import annotations

from huimin.contract.fields import Dataset, Date, IdNumber, Text, Yuan


class ProvinceClues(Dataset):
    """省下发问题线索: one row per clue."""

    __dataset__ = "province_clues"
    __family__ = "clues"
    __title_zh__ = "省下发问题线索"
    __subject_field__ = "id_number"

    clue_id = Text("线索编号")
    department = Text("业务主管部门")
    project = Text("项目名称", description="as in the appendix table")
    street = Text("街道", optional=True)
    organization = Text("所属单位", optional=True, description="dealer or school when no street")
    id_number = IdNumber("身份证号码", optional=True)
    name = Text("姓名", optional=True)
    problem = Text("问题描述")
    amount = Yuan("涉及金额（元）", optional=True)
    issued_date = Date("下发日期")
