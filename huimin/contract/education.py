"""区教育局: 学籍信息 and the two student-aid rosters."""

from __future__ import annotations

from huimin.contract.fields import Bool, Dataset, Date, Enum, IdNumber, Text, Yuan

DIFFICULTY = ["低保家庭", "特困供养", "残疾学生", "脱贫家庭", "其他困难"]


class Students(Dataset):
    """学籍信息: one row per student and term."""

    __dataset__ = "students"
    __family__ = "registry"
    __title_zh__ = "学籍信息"

    id_number = IdNumber("身份证号码")
    name = Text("姓名")
    school_code = Text("学校标识码")
    school_name = Text("学校名称")
    stage = Enum("学段", ["小学", "初中", "普通高中", "中职"])
    boarding = Bool("是否寄宿")
    term = Text("学期", description="e.g. 2023春, 2023秋")
    status = Enum("学籍状态", ["在读", "毕业", "转出", "休学", "死亡"])


class StudentAidCompulsory(Dataset):
    """义务教育家庭经济困难学生生活补助发放名册."""

    __dataset__ = "student_aid_compulsory"
    __family__ = "roster"
    __title_zh__ = "义务教育家庭经济困难学生生活补助发放名册"
    __roster_project__ = "义务教育家庭经济困难学生生活补助"
    __roster_department__ = "区教育局"

    id_number = IdNumber("学生身份证号码")
    name = Text("学生姓名")
    school_name = Text("学校名称")
    stage = Enum("学段", ["小学", "初中"])
    boarding = Bool("是否寄宿")
    term = Text("学期")
    difficulty_category = Enum("困难类型", DIFFICULTY)
    amount = Yuan("补助金额（元）")
    pay_date = Date("发放日期")


class StudentAidHighschool(Dataset):
    """普通高中国家助学金发放名册."""

    __dataset__ = "student_aid_highschool"
    __family__ = "roster"
    __title_zh__ = "普通高中国家助学金发放名册"
    __roster_project__ = "普通高中国家助学金"
    __roster_department__ = "区教育局"

    id_number = IdNumber("学生身份证号码")
    name = Text("学生姓名")
    school_name = Text("学校名称")
    term = Text("学期")
    difficulty_category = Enum("困难类型", DIFFICULTY)
    amount = Yuan("资助金额（元）")
    pay_date = Date("发放日期")
