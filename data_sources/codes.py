"""Code lists of the warehouse and their Chinese labels.

Facts store short ASCII codes (portable across DuckDB, PostgreSQL and MariaDB collations);
every label a user sees comes from here.
"""

from __future__ import annotations

SCHEMES: dict[str, str] = {
    "resident": "城乡居民医保",
    "employee": "城镇职工医保",
}

# Enrollment groups form a partition (each person counted once, first matching group wins in
# this order), so the groups of a township add up to its total.
PERSON_GROUPS: dict[str, str] = {
    "poverty": "脱贫人口及监测对象",
    "new_employment": "新就业形态人员",
    "student": "学生儿童",
    "elderly": "60岁以上老年人",
    "general": "其他人员",
}

FUND_FLOWS: dict[str, str] = {"income": "基金收入", "spending": "基金支出"}

FUND_ITEMS: dict[str, dict[str, str]] = {
    "income": {
        "contribution": "征缴收入",
        "subsidy": "财政补助收入",
        "interest": "利息收入",
        "other_income": "其他收入",
    },
    "spending": {
        "inpatient": "住院费用",
        "outpatient_pool": "普通门诊统筹",
        "chronic": "门诊慢特病",
        "critical_illness": "大病保险",
        "out_of_area": "异地就医",
        "other_spending": "其他支出",
        "out_of_county": "县域外医疗机构(市级结算)",
    },
}

ASSISTANCE_CATEGORIES: dict[str, str] = {
    "tekun": "特困人员",
    "dibao": "低保对象",
    "monitor": "返贫致贫人口/监测对象",
    "dibao_edge": "低保边缘人员",
    "illness": "因病支出型困难家庭",
}

ASSISTANCE_KINDS: dict[str, str] = {
    "premium": "资助参保",
    "outpatient": "门诊救助",
    "inpatient": "住院救助",
}

POVERTY_ALERT_TYPES: dict[str, str] = {
    "tuopin": "脱贫人口",
    "nonghu": "一般农户",
}

INSTITUTION_KINDS: dict[str, str] = {
    "hospital": "医院",
    "health_centre": "乡镇卫生院",
    "village_clinic": "村卫生室",
    "pharmacy": "定点零售药店",
}

PROCUREMENT_LEVELS: dict[str, str] = {
    "national": "国家组织",
    "provincial": "省级",
    "alliance": "省际联盟",
}

DRG_OUTLIERS: dict[str, str] = {"normal": "正常病例", "high": "高倍率病例", "low": "低倍率病例"}
