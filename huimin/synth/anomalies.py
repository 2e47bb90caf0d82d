"""The catalogue of planted anomalies: code → datasets, Chinese description, what makes it true.

``category`` is "policy", "data_quality" or "benign_variant". A rules engine is measured per
policy code against truth/anomalies.parquet, so each ``condition`` says exactly what is true of
every listed row (and, by construction, of no other row of the synthetic data).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AnomalyType:
    code: str
    category: str
    datasets: tuple[str, ...]
    zh: str
    condition: str


DIBAO = ("dibao_rural", "dibao_urban")
DIS = ("disability_living", "disability_care")
MONEY = (
    "dibao_rural",
    "dibao_urban",
    "tekun",
    "disability_living",
    "disability_care",
    "elderly_allowance",
    "grain_subsidy",
    "car_tradein",
    "resettlement_subsidy",
)

_P = "policy"
_HH = " Every payment row of the household in the affected months is listed."
POLICY: tuple[AnomalyType, ...] = (
    AnomalyType(
        "dibao_member_dead_paid",
        _P,
        DIBAO,
        "低保家庭成员已死亡仍发放",
        "A member of the 低保 household died (deaths registry, population 死亡注销); rows "
        "for pay months after the month of death." + _HH,
    ),
    AnomalyType(
        "dibao_member_owns_car",
        _P,
        DIBAO,
        "低保家庭成员名下有车",
        "A member owns a vehicle with status 正常 registered before 2023." + _HH,
    ),
    AnomalyType(
        "dibao_member_owned_car_until_sold",
        _P,
        DIBAO,
        "低保家庭成员名下车辆转让前仍领取低保",
        "A member's car (not a motorcycle) was 转移 in August–November 2023 (状态变更日期); rows "
        "for pay months up to the month of the sale, none after." + _HH,
    ),
    AnomalyType(
        "dibao_member_business",
        _P,
        DIBAO,
        "低保家庭成员为存续企业法定代表人或股东",
        "A member is 法定代表人/股东 of a business in status 存续/在业 established before 2023."
        + _HH,
    ),
    AnomalyType(
        "dibao_member_business_until_closed",
        _P,
        DIBAO,
        "低保家庭成员所在企业注销前仍领取低保",
        "A member was 法定代表人/股东 of a business 注销 in April–August 2023 (状态变更日期); "
        "rows for pay months up to the month it closed, none after." + _HH,
    ),
    AnomalyType(
        "dibao_member_public_payroll",
        _P,
        DIBAO,
        "低保家庭成员为财政供养人员",
        "A member is on the public payroll (start before 2023, no end date)." + _HH,
    ),
    AnomalyType(
        "dibao_member_property",
        _P,
        DIBAO,
        "低保家庭成员有多套住房或商业用房",
        "A member owns ≥ 2 residential units or any 商业/办公 property." + _HH,
    ),
    AnomalyType(
        "dibao_member_employee_pension",
        _P,
        DIBAO,
        "低保家庭成员领取职工养老金",
        "A member draws an employee/public pension (status 领取待遇 since before 2023)." + _HH,
    ),
    AnomalyType(
        "dibao_member_in_prison",
        _P,
        DIBAO,
        "低保家庭成员在服刑",
        "A member is in prison (入监 before 2023, not released)." + _HH,
    ),
    AnomalyType(
        "dibao_urban_and_rural",
        _P,
        DIBAO,
        "同一人同月城乡低保重复享受",
        "The same ID is on the urban and the rural roll in the same month; both rows of "
        "each such month are listed.",
    ),
    AnomalyType(
        "dibao_and_tekun",
        _P,
        (*DIBAO, "tekun"),
        "同月既享受低保又享受特困供养",
        "The same ID is on a 低保 roll and the 特困 roll in the same month; the rows of "
        "both rolls in those months are listed.",
    ),
    AnomalyType(
        "dibao_amount_above_standard",
        _P,
        DIBAO,
        "低保发放金额高于保障标准",
        "Amount of the row > the 低保 standard (urban/rural) in force for its month.",
    ),
    AnomalyType(
        "dibao_hukou_type_mismatch",
        _P,
        DIBAO,
        "城乡低保类别与户口性质不符",
        "Urban roll with 农村 household registration, or rural roll with 城镇.",
    ),
    AnomalyType(
        "tekun_working_age_able",
        _P,
        ("tekun",),
        "特困人员为有劳动能力的劳动年龄人口",
        "Aged 16–59 at the pay month with no valid card of grade 1–2 (or grade 3 智力/精神).",
    ),
    AnomalyType(
        "tekun_amount_above_standard",
        _P,
        ("tekun",),
        "特困供养金额高于标准",
        "Amount > the 特困 basic standard (by 城乡类别) in force for the month.",
    ),
    AnomalyType(
        "tekun_paid_after_death",
        _P,
        ("tekun",),
        "特困人员死亡后仍发放",
        "Pay month after the month of death.",
    ),
    AnomalyType(
        "disability_living_not_on_dibao",
        _P,
        ("disability_living",),
        "困难残疾人生活补贴对象不在低保家庭",
        "The recipient is on no 低保 roll in the pay month.",
    ),
    AnomalyType(
        "disability_no_valid_card",
        _P,
        DIS,
        "无有效残疾人证",
        "No disability card with status 有效 for the ID.",
    ),
    AnomalyType(
        "disability_living_also_tekun",
        _P,
        ("disability_living",),
        "特困人员同时领取困难残疾人生活补贴",
        "The recipient is on the 特困 roll in the same month (such rows are also "
        "disability_living_not_on_dibao).",
    ),
    AnomalyType(
        "disability_care_level",
        _P,
        ("disability_care",),
        "护理补贴对象残疾等级不符",
        "Card (and row) grade is 3 or 4: only grades 1–2 are eligible.",
    ),
    AnomalyType(
        "disability_care_tekun",
        _P,
        ("disability_care",),
        "特困人员同时领取护理补贴",
        "The recipient is on the 特困 roll in the same month.",
    ),
    AnomalyType(
        "elderly_paid_after_death",
        _P,
        ("elderly_allowance",),
        "高龄津贴对象死亡后仍发放",
        "Pay month after the month of death.",
    ),
    AnomalyType(
        "elderly_under_80",
        _P,
        ("elderly_allowance",),
        "高龄津贴对象未满80周岁",
        "Age from the ID at the pay month is below 80 (all planted are 70–78).",
    ),
    AnomalyType(
        "elderly_amount_not_tier",
        _P,
        ("elderly_allowance",),
        "高龄津贴金额与年龄档不符",
        "Amount ≠ tier for the age at the pay month (80–89: 100, 90–99: 300, 100+: 500).",
    ),
    AnomalyType(
        "elderly_moved_out",
        _P,
        ("elderly_allowance",),
        "高龄津贴对象户籍已迁出",
        "Population status 迁出 with status date before the pay month.",
    ),
    AnomalyType(
        "premium_no_qualifying_roll",
        _P,
        ("premium_subsidy",),
        "代缴对象不在低保、特困、重度残疾名单",
        "On no 低保/特困 roll in 2023 and no valid card of grade 1–2.",
    ),
    AnomalyType(
        "premium_employee_pension",
        _P,
        ("premium_subsidy",),
        "代缴对象已参加职工养老保险",
        "Has an employee/public pension record (参保缴费) active in 2023.",
    ),
    AnomalyType(
        "premium_paid_twice",
        _P,
        ("premium_subsidy",),
        "同一人重复代缴",
        "Second row for the same ID and year (another category); the extra row is listed.",
    ),
    AnomalyType(
        "premium_amount_above_minimum",
        _P,
        ("premium_subsidy",),
        "代缴金额高于最低档次",
        "Amount > 200 (minimum grade).",
    ),
    AnomalyType(
        "premium_dead_before_year",
        _P,
        ("premium_subsidy",),
        "代缴对象在缴费年度前已死亡",
        "Death date before 1 January of the year.",
    ),
    AnomalyType(
        "student_not_enrolled",
        _P,
        ("student_aid_compulsory",),
        "受助学生当学期无在读学籍",
        "No students row with status 在读 for the ID and term (any school).",
    ),
    AnomalyType(
        "student_amount_not_standard",
        _P,
        ("student_aid_compulsory",),
        "生活补助金额与标准不符",
        "Amount ≠ standard for the row's stage and boarding (500/625, non-boarders half).",
    ),
    AnomalyType(
        "student_two_schools",
        _P,
        ("student_aid_compulsory",),
        "同一学生同学期两校重复领取",
        "A second row for the same ID and term from another school; the extra row is listed.",
    ),
    AnomalyType(
        "student_hardship_not_found",
        _P,
        ("student_aid_compulsory",),
        "困难类型在相关名册中查无",
        "Category 低保家庭 but on no 低保 roll in the term's months (or 残疾学生 without a valid "
        "card).",
    ),
    AnomalyType(
        "highschool_not_enrolled",
        _P,
        ("student_aid_highschool",),
        "受助学生当学期无普通高中在读学籍",
        "No students row with stage 普通高中 and status 在读 for the ID and term.",
    ),
    AnomalyType(
        "highschool_amount_above_top",
        _P,
        ("student_aid_highschool",),
        "助学金高于最高档",
        "Amount > 1500 per term.",
    ),
    AnomalyType(
        "highschool_paid_twice",
        _P,
        ("student_aid_highschool",),
        "同一学生同学期重复资助",
        "A second row for the same ID and term; the extra (later) row is listed.",
    ),
    AnomalyType(
        "highschool_hardship_not_found",
        _P,
        ("student_aid_highschool",),
        "困难类型查无",
        "Category 低保家庭 but on no 低保 roll in the term's months.",
    ),
    AnomalyType(
        "resettlement_not_registered",
        _P,
        ("resettlement_subsidy",),
        "不在水库移民核定人口",
        "ID not in resettlement_registry.",
    ),
    AnomalyType(
        "resettlement_public_payroll",
        _P,
        ("resettlement_subsidy",),
        "移民直补对象为财政供养人员",
        "On the public payroll (start before 2023, no end date).",
    ),
    AnomalyType(
        "resettlement_dead",
        _P,
        ("resettlement_subsidy",),
        "移民直补对象已死亡",
        "Died before 1 January of the year paid.",
    ),
    AnomalyType(
        "resettlement_moved_out",
        _P,
        ("resettlement_subsidy",),
        "移民直补对象户籍已迁出",
        "Population status 迁出 with status date before 1 January of the year.",
    ),
    AnomalyType(
        "resettlement_above_600",
        _P,
        ("resettlement_subsidy",),
        "移民直补超过每人每年600元",
        "Amount for the person and year > 600.",
    ),
    AnomalyType(
        "farmland_paid_before_acceptance",
        _P,
        ("farmland_subsidy",),
        "未验收先拨付",
        "Acceptance date empty or later than the pay date.",
    ),
    AnomalyType(
        "farmland_amount_per_mu",
        _P,
        ("farmland_subsidy",),
        "亩均补助超标准",
        "Amount / area > 1500 yuan/mu.",
    ),
    AnomalyType(
        "farmland_contractor_payroll",
        _P,
        ("farmland_subsidy",),
        "施工单位法定代表人或股东为财政供养人员",
        "A 法定代表人/股东 of the contractor (by credit code) is on the public payroll.",
    ),
    AnomalyType(
        "farmland_paid_twice",
        _P,
        ("farmland_subsidy",),
        "同一项目重复拨付",
        "A second payment row for the same project; the extra row is listed.",
    ),
    AnomalyType(
        "grain_area_exceeds_contract",
        _P,
        ("grain_subsidy",),
        "补贴面积大于确权面积减流转面积",
        "planted_area_mu > contracted_area_mu − transferred_out_area_mu (or no contract).",
    ),
    AnomalyType(
        "grain_dead_before_year",
        _P,
        ("grain_subsidy",),
        "种粮补贴对象在补贴年度前已死亡",
        "Death date before 1 January of the subsidy year.",
    ),
    AnomalyType(
        "grain_paid_twice",
        _P,
        ("grain_subsidy",),
        "同一人重复领取种粮补贴",
        "A second row for the same ID and year; the extra (later) row is listed.",
    ),
    AnomalyType(
        "grain_amount_not_area_rate",
        _P,
        ("grain_subsidy",),
        "补贴金额不等于面积乘标准",
        "amount ≠ round(planted_area_mu × rate_per_mu, 2).",
    ),
    AnomalyType(
        "grain_public_payroll",
        _P,
        ("grain_subsidy",),
        "种粮补贴对象为财政供养人员",
        "On the public payroll (start before 2023, no end date).",
    ),
    AnomalyType(
        "car_old_not_owned",
        _P,
        ("car_tradein",),
        "旧车不在申请人名下",
        "old_vin is registered to another ID.",
    ),
    AnomalyType(
        "car_old_owned_too_short",
        _P,
        ("car_tradein",),
        "旧车登记不满一年",
        "The applicant got the old car less than 365 days before invoice_date: its "
        "register_date (first owner), or its acquired_date (bought second-hand, first "
        "registered long before).",
    ),
    AnomalyType(
        "car_old_not_disposed",
        _P,
        ("car_tradein",),
        "旧车未报废或转出",
        "Old car status still 正常.",
    ),
    AnomalyType(
        "car_new_not_registered",
        _P,
        ("car_tradein",),
        "新车未登记",
        "new_vin not in the vehicle registry.",
    ),
    AnomalyType(
        "car_new_registered_to_other",
        _P,
        ("car_tradein",),
        "新车登记在他人名下",
        "new_vin registered to another ID.",
    ),
    AnomalyType(
        "car_person_twice",
        _P,
        ("car_tradein",),
        "同一人重复享受",
        "A second row for the same applicant; the later row is listed.",
    ),
    AnomalyType(
        "car_new_vin_twice",
        _P,
        ("car_tradein",),
        "同一新车重复补贴",
        "A second row with the same new_vin (another applicant, so also "
        "car_new_registered_to_other); the later row is listed.",
    ),
    AnomalyType(
        "car_outside_window",
        _P,
        ("car_tradein",),
        "购车发票日期不在活动期内",
        "invoice_date outside 2023-05-01..2023-12-31.",
    ),
    AnomalyType(
        "shared_bank_account",
        _P,
        MONEY,
        "同一银行账户为多户无关家庭领取",
        "The row's bank account also receives for IDs of other households (population "
        "户号); every row carrying such an account is listed.",
    ),
    AnomalyType(
        "id_not_in_population",
        _P,
        ("elderly_allowance", "tekun"),
        "身份证号不在户籍人口库（虚报冒领）",
        "A valid ID not in population.",
    ),
    AnomalyType(
        "name_mismatch",
        _P,
        ("elderly_allowance", "tekun", *DIBAO),
        "姓名与户籍不一致",
        "The row's name differs from population's name for the ID.",
    ),
    AnomalyType(
        "moved_out",
        _P,
        ("tekun", "disability_care"),
        "户籍已迁出仍发放",
        "Population status 迁出 with status date before the pay month (rosters other than "
        "高龄津贴 and 水库移民, which have their own codes).",
    ),
)

_DQ = "data_quality"
DATA_QUALITY: tuple[AnomalyType, ...] = (
    AnomalyType("dq_bad_check_char", _DQ, (), "校验码错误", "18th character does not match."),
    AnomalyType(
        "dq_id_birth_date",
        _DQ,
        (),
        "身份证出生日期不存在",
        "Birth month 13 inside the ID, with a correct check character.",
    ),
    AnomalyType("dq_old_15_digit_id", _DQ, (), "15位旧身份证号", "The 15-digit old form."),
    AnomalyType("dq_impossible_date", _DQ, (), "日期不存在", "e.g. 2023-02-30 in a date field."),
    AnomalyType("dq_bad_month", _DQ, (), "年月不合法", "e.g. 2023-13 in a month field."),
    AnomalyType("dq_negative_amount", _DQ, (), "金额为负", "Amount below zero."),
    AnomalyType("dq_three_decimals", _DQ, (), "金额超过两位小数", "Amount like 12.345."),
    AnomalyType("dq_missing_required", _DQ, (), "必填项为空", "An empty required cell."),
    AnomalyType("dq_bad_enum", _DQ, (), "枚举值不在列表", "A value not in the field's list."),
    AnomalyType(
        "dq_duplicate_row", _DQ, (), "完全重复行", "Exact copy of an earlier row: the later copy."
    ),
    AnomalyType(
        "dq_household_size",
        _DQ,
        DIBAO,
        "保障人口与名单人数不符",
        "family_size of a household-month ≠ its listed members: every row of it.",
    ),
)

_BV = "benign_variant"
BENIGN: tuple[AnomalyType, ...] = (
    AnomalyType(
        "bv_full_width_digits", _BV, (), "全角数字", "Full-width digits in an ID or amount."
    ),
    AnomalyType("bv_stray_spaces", _BV, (), "多余空格", "Spaces around an ID or amount."),
    AnomalyType("bv_lowercase_x", _BV, (), "小写x校验码", "Check character x instead of X."),
    AnomalyType("bv_thousands_separator", _BV, (), "千分位", "Amount written 1,250.00."),
    AnomalyType(
        "bv_date_form", _BV, (), "其他日期写法", "A date or month in another accepted form."
    ),
    # situations that look like a policy anomaly and are none: no clue is expected
    AnomalyType(
        "bv_dibao_car_sold_before_2023",
        _BV,
        DIBAO,
        "低保家庭成员车辆已于2023年前转让",
        "A member's car was 转移 before 2023 (状态变更日期): every row of the household.",
    ),
    AnomalyType(
        "bv_dibao_business_closed_before_2023",
        _BV,
        DIBAO,
        "低保家庭成员所在企业已于2023年前注销",
        "A member's business was 注销 before 2023 (状态变更日期): every row of the household.",
    ),
    AnomalyType(
        "bv_car_old_sold_on",
        _BV,
        ("car_tradein",),
        "旧车转出后由他人持有",
        "The old car was 转出: the applicant's row is 转移 on the disposal date and the buyer's "
        "row (same VIN, 正常) starts that day.",
    ),
    AnomalyType(
        "bv_car_old_second_hand",
        _BV,
        ("car_tradein",),
        "旧车为二手车且已满一年",
        "The applicant bought the old car second-hand more than 365 days before the invoice: "
        "the previous owner's row (same VIN) is 转移 on the applicant's acquired_date.",
    ),
)

CATALOGUE: dict[str, AnomalyType] = {a.code: a for a in (*POLICY, *DATA_QUALITY, *BENIGN)}
