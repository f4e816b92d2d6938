"""A made-up county (青溪县, 3 townships, 3 institutions) and its 2023 files, as sections send them.

Every figure is a small formula of the month so the tests can add them up by hand:
- 参保人数 (cumulative): residents general R[t] + 10·m and students 100; employees E[t] + 5·m.
  Each month three files: 居民医保 of 清水镇 and 石桥乡 (scheme written "居民医保"), 职工医保 of
  the same two ("城镇职工基本医疗保险"), and 城关街道's own file with both schemes, the township
  written by its alias "城关" and the month as "2023年m月" without a 年度 column.
- 基金: an income file (residents 1,000,000 + 1,000·m, employees 600,000) and a spending file
  (residents 500,000 with 100 person-times, employees 300,000 with 50) each month.
- 医疗救助: one file per kind each month: 住院救助 清水镇 低保 3,000 and 城关 特困 2,000; 门诊救助
  石桥乡 低保 500; 资助参保 清水镇 特困 380.
- 集采: purchases H001 100 and H002 50 of JC01-01 each month; agreed 1,200 and 600.
- DRG: one file per hospital each month: H001 AA11 (8,000 paid) and BB22 (16,000), H002 AA11
  (4,000); budgets 12,000,000 and 3,000,000 元.
- 集采结余留用: H001 8,000 and H002 2,000 元.
- 基金年初累计结余 in 万元: residents 5,000, employees 3,000 (= 50,000,000 and 30,000,000 元).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook

YEAR = 2023
REGION = ("青溪县", "361199", "县")
TOWNS = {
    "361199101": ("清水镇", "清水开发区"),
    "361199102": ("石桥乡", ""),
    "361199103": ("城关街道", "城关"),
}
QS, SQ, CG = "361199101", "361199102", "361199103"
R = {QS: 8000, SQ: 5000, CG: 14000}
E = {QS: 400, SQ: 150, CG: 4800}
STUDENTS = 100
TARGETS = {(QS, "城乡居民医保"): 9000, (QS, "城镇职工医保"): 500, (SQ, "城乡居民医保"): 5400}
TARGETS |= {(SQ, "城镇职工医保"): 200, (CG, "城乡居民医保"): 15000, (CG, "城镇职工医保"): 5000}
POPULATION = {QS: (10000, 9000, 300), SQ: (6000, 5500, 200), CG: (20000, 22000, 100)}
INCOME = {"城乡居民医保": lambda m: 1_000_000 + 1_000 * m, "城镇职工医保": lambda m: 600_000}
SPENDING = {"城乡居民医保": (500_000, 100), "城镇职工医保": (300_000, 50)}
OPENING_WAN = {"城乡居民医保": 5_000, "城镇职工医保": 3_000}
ASSIST = {
    "住院救助": [(QS, "低保对象", 3000), (CG, "特困人员", 2000)],
    "门诊救助": [(SQ, "低保对象", 500)],
    "资助参保": [(QS, "特困人员", 380)],
}
PURCHASE = {"H001": 100, "H002": 50}
AGREED = {"H001": 1200, "H002": 600}
DRG_CASES = {"H001": [("AA11", 1.0, 10_000, 8_000), ("BB22", 2.0, 20_000, 16_000)]}
DRG_CASES |= {"H002": [("AA11", 1.0, 5_000, 4_000)]}
BUDGET = {"H001": 12_000_000, "H002": 3_000_000}
RETAINED = {"H001": 8_000, "H002": 2_000}  # 结余留用 of batch JC01


def enrolled(town: str, month: int) -> int:
    """Both schemes, all groups, cumulative at the end of the month."""
    return R[town] + 10 * month + STUDENTS + E[town] + 5 * month


def _xlsx(path: Path, title: str, unit: str, header: list[str], rows: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append([title])
    if unit:
        ws.append([unit])
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _csv(path: Path, unit: str, header: list[str], rows: list[list]) -> Path:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    if unit:
        w.writerow([unit])
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8-sig"))
    return path


def dimension_files(d: Path) -> list[tuple[str, Path]]:
    """The 名录 in the order a bureau loads them."""
    towns = [[code, name, i, alias] for i, (code, (name, alias)) in enumerate(TOWNS.items(), 1)]
    return [
        (
            "townships",
            _xlsx(
                d / "乡镇.xlsx", "乡镇名录", "", ["乡镇代码", "乡镇名称", "排列顺序", "别名"], towns
            ),
        ),
        (
            "institutions",
            _csv(
                d / "机构.csv",
                "",
                ["机构编码", "机构名称", "机构类型", "机构等级", "乡镇"],
                [
                    ["H001", "青溪县人民医院", "医院", "二级", "城关"],
                    ["H002", "清水镇卫生院", "乡镇卫生院", "一级", "清水镇"],
                    ["P001", "石桥大药房", "定点零售药店", "未定级", "石桥乡"],
                ],
            ),
        ),
        (
            "drg_groups",
            _csv(
                d / "DRG分组.csv",
                "",
                ["DRG组编码", "DRG组名称", "基准权重"],
                [["AA11", "甲组", 1.0], ["BB22", "乙组", 2.0]],
            ),
        ),
        (
            "proc_batches",
            _csv(
                d / "批次.csv",
                "",
                ["批次编码", "批次名称", "级别", "执行开始日期", "协议期结束日期"],
                [["JC01", "第一批国家组织药品集采", "国家组织", "2023-01-01", "2024-12-31"]],
            ),
        ),
        (
            "proc_products",
            _csv(
                d / "产品.csv",
                "单位:元",
                ["产品编码", "批次编码", "通用名", "规格", "集采前单价", "中选单价"],
                [["JC01-01", "JC01", "某某他汀片", "10mg*7片", 10, 4]],
            ),
        ),
    ]


def annual_files(d: Path) -> list[tuple[str, Path]]:
    return [
        (
            "targets",
            _xlsx(
                d / "任务数.xlsx",
                "参保任务数",
                "单位:人",
                ["年度", "乡镇", "险种", "参保任务数"],
                [[YEAR, TOWNS[t][0], s, n] for (t, s), n in TARGETS.items()],
            ),
        ),
        (
            "population",
            _csv(
                d / "人口.csv",
                "单位:人",
                ["年度", "乡镇", "户籍人口", "常住人口", "脱贫人口和监测对象"],
                [[YEAR, TOWNS[t][0], *p] for t, p in POPULATION.items()],
            ),
        ),
        (
            "fund_opening",
            _csv(
                d / "年初结余.csv",
                "单位:万元",
                ["年度", "险种", "年初累计结余"],
                [[YEAR, s, v] for s, v in OPENING_WAN.items()],
            ),
        ),
        (
            "drg_budget",
            _csv(
                d / "DRG预算.csv",
                "单位:元",
                ["年度", "医院编码", "年度DRG预算"],
                [[YEAR, h, b] for h, b in BUDGET.items()],
            ),
        ),
        (
            "proc_agreement",
            _csv(
                d / "约定量.csv",
                "",
                ["年度", "产品编码", "机构编码", "约定采购量"],
                [[YEAR, "JC01-01", h, v] for h, v in AGREED.items()],
            ),
        ),
        (
            "proc_retained",
            _csv(
                d / "结余留用.csv",
                "单位:元",
                ["年度", "批次编码", "机构编码", "结余留用金额"],
                [[YEAR, "JC01", h, v] for h, v in RETAINED.items()],
            ),
        ),
    ]


def month_files(d: Path, m: int) -> list[tuple[str, Path]]:
    """The files of one month, several per kind, split as sections send them."""
    enroll_h = ["年度", "月份", "乡镇", "险种", "人群类别", "参保人数"]
    out: list[tuple[str, Path]] = []
    res = [[YEAR, m, TOWNS[t][0], "居民医保", "其他人员", R[t] + 10 * m] for t in (QS, SQ)]
    res += [[YEAR, m, TOWNS[t][0], "居民医保", "学生儿童", STUDENTS] for t in (QS, SQ)]
    out.append(("enrollment", _xlsx(d / f"居民参保{m}月.xlsx", "居民", "单位:人", enroll_h, res)))
    emp = [
        [YEAR, f"{m}月", TOWNS[t][0], "城镇职工基本医疗保险", "其他人员", E[t] + 5 * m]
        for t in (QS, SQ)
    ]
    out.append(("enrollment", _xlsx(d / f"职工参保{m}月.xlsx", "职工", "单位:人", enroll_h, emp)))
    cg = [
        [f"{YEAR}年{m}月", "城关", "城乡居民基本医疗保险", "其他人员", R[CG] + 10 * m],
        [f"{YEAR}年{m}月", "城关", "城乡居民基本医疗保险", "学生儿童", STUDENTS],
        [f"{YEAR}年{m}月", "城关", "职工医保", "其他人员", E[CG] + 5 * m],
    ]
    out.append(
        (
            "enrollment",
            _xlsx(
                d / f"城关参保{m}月.xlsx",
                "城关街道",
                "单位:人",
                ["月份", "乡镇", "险种", "人群类别", "参保人数"],
                cg,
            ),
        )
    )
    fund_h = ["年度", "月份", "险种", "收支", "项目", "金额", "结算人次"]
    inc = [[YEAR, m, s, "基金收入", "征缴收入", f(m), None] for s, f in INCOME.items()]
    out.append(("fund", _csv(d / f"基金收入{m}月.csv", "单位:元", fund_h, inc)))
    spe = [[YEAR, m, s, "基金支出", "住院费用", a, n] for s, (a, n) in SPENDING.items()]
    out.append(("fund", _csv(d / f"基金支出{m}月.csv", "单位:元", fund_h, spe)))
    assist_h = ["支付日期", "年度", "乡镇", "救助对象类别", "救助类型", "金额", "人员标识"]
    for kind, rows in ASSIST.items():
        body = [
            [f"{YEAR}-{m:02d}-10", YEAR, TOWNS[t][0], cat, kind, amount, f"k{kind[:1]}{m}{i}"]
            for i, (t, cat, amount) in enumerate(rows)
        ]
        out.append(("assistance", _csv(d / f"{kind}{m}月.csv", "单位:元", assist_h, body)))
    out.append(
        (
            "procurement",
            _csv(
                d / f"采购{m}月.csv",
                "",
                ["年度", "月份", "产品编码", "机构编码", "采购量"],
                [[YEAR, m, "JC01-01", h, v] for h, v in PURCHASE.items()],
            ),
        )
    )
    drg_h = [
        "病例号",
        "年度",
        "月份",
        "医院编码",
        "DRG组",
        "权重",
        "病例类型",
        "住院总费用",
        "基金支付",
    ]
    for h, cases in DRG_CASES.items():
        body = [
            [1000 * m + 10 * (h == "H002") + i, YEAR, m, h, g, w, "正常病例", cost, paid]
            for i, (g, w, cost, paid) in enumerate(cases)
        ]
        out.append(("drg", _csv(d / f"DRG{h}{m}月.csv", "单位:元", drg_h, body)))
    if m in (3, 9):
        out.append(
            (
                "poverty_alert",
                _csv(
                    d / f"预警{m}月.csv",
                    "单位:元",
                    ["年度", "月份", "人员标识", "乡镇", "人员类型", "年度个人累计自付"],
                    [
                        [YEAR, m, f"a{m}1", "清水镇", "脱贫人口", 10_000],
                        [YEAR, m, f"a{m}2", "石桥乡", "一般农户", 20_000],
                    ],
                ),
            )
        )
    return out
