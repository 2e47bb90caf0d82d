"""Assets and businesses: 机动车登记信息, 不动产登记信息, 市场主体登记信息."""

from __future__ import annotations

from huimin.contract.fields import Area, Dataset, Date, Enum, Float, IdNumber, Text


class Vehicles(Dataset):
    """机动车登记信息: one row per vehicle."""

    __dataset__ = "vehicles"
    __family__ = "registry"
    __title_zh__ = "机动车登记信息"
    __subject_field__ = "owner_id_number"

    owner_id_number = IdNumber("所有人身份证号码")
    plate = Text("号牌号码")
    vin = Text("车辆识别代号")
    vehicle_type = Text("车辆类型", description="小型轿车, 小型普通客车, 轻型货车, 二轮摩托车, ...")
    register_date = Date("初次登记日期")
    status = Enum("机动车状态", ["正常", "转移", "注销", "报废"])
    status_date = Date(
        "状态变更日期",
        optional=True,
        description="for 转移, 注销 and 报废 the day this owner stopped holding the vehicle",
    )
    acquired_date = Date(
        "取得日期",
        optional=True,
        description=(
            "the day this owner acquired the vehicle: the 初次登记日期 for its first owner, "
            "the 转移登记 date for a later one; empty in older exports"
        ),
    )


class Properties(Dataset):
    """不动产登记信息: one row per owner and property unit."""

    __dataset__ = "properties"
    __family__ = "registry"
    __title_zh__ = "不动产登记信息"
    __subject_field__ = "owner_id_number"
    __area_fields__ = ("area",)

    owner_id_number = IdNumber("权利人证件号码")
    property_id = Text("不动产单元号")
    usage = Enum("用途", ["住宅", "商业", "办公", "工业", "其他"])
    area = Area("建筑面积（平方米）")
    register_date = Date("登记日期")


class Enterprises(Dataset):
    """市场主体登记信息: one row per person and business."""

    __dataset__ = "enterprises"
    __family__ = "registry"
    __title_zh__ = "市场主体登记信息"

    id_number = IdNumber("身份证号码")
    name = Text("姓名")
    entity_name = Text("市场主体名称")
    credit_code = Text("统一社会信用代码")
    role = Enum("身份", ["法定代表人", "股东", "经营者", "负责人"])
    registered_capital = Float("注册资本（万元）")
    entity_status = Enum("登记状态", ["存续", "在业", "注销", "吊销"])
    established_date = Date("成立日期")
    status_date = Date(
        "状态变更日期",
        optional=True,
        description=(
            "the day the 登记状态 last changed, e.g. the 注销 or 吊销 date; empty for 存续/在业"
        ),
    )
