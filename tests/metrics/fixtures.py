"""A tiny hand-built warehouse whose every metric can be computed by hand.

Three townships (T1 莲塘镇, T2 向塘镇, T3 三江镇), two years (2022 only as the 同比 base and as
"wrong year" rows that a missing year filter would pick up), months 1-3 of 2023. The expected
values in `test_metric_values.py` are worked out from the literal rows below; change a row here
and the arithmetic there must change with it.

Assistance has 31 records rather than ~15: the small-cell threshold is 10, so a cell the public
may see needs at least 11 records (T1 低保 11, T2 低保 12); T1 特困 (2), T1 监测对象 (1) and
T3 监测对象 (3) are the small cells.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from data_sources.schema import LOAD_ORDER

T1, T2, T3 = "360121100", "360121101", "360121102"
H1, H2, C3 = "H360121001", "H360121002", "C360121003"
TOWNSHIPS = (T1, T2, T3)


def _frame(columns: str, rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split())


# The official order (sort_order) is not the order of the codes: T1, T3, T2.
township = _frame(
    "code name sort_order",
    [(T1, "莲塘镇", 1), (T2, "向塘镇", 3), (T3, "三江镇", 2)],
)

township_population = _frame(
    "year township_code registered resident poverty",
    [
        (2022, T1, 990, 890, 55),
        (2022, T2, 790, 690, 42),
        (2022, T3, 395, 375, 26),
        (2023, T1, 1000, 900, 50),
        (2023, T2, 800, 700, 40),
        (2023, T3, 400, 380, 25),
    ],
)

village = _frame(
    "code township_code name kind",
    [("360121100001", T1, "莲塘村", "村"), ("360121101001", T2, "向塘社区", "社区")],
)

institution = _frame(
    "code name kind level township_code village_code",
    [
        (H1, "县人民医院", "hospital", "二级", T1, None),
        (H2, "县中医院", "hospital", "二级", T2, "360121101001"),
        (C3, "三江镇卫生院", "health_centre", "一级", T3, None),
    ],
)

# Cumulative paid-up persons at each month end (a stock, read at the period's last month).
#                     (township, scheme, person_group): (Jan, Feb, Mar) of 2023, Mar 2022
_ENROLLMENT: dict[tuple[str, str, str], tuple[int, int, int, int]] = {
    (T1, "resident", "general"): (500, 600, 650, 620),
    (T1, "resident", "poverty"): (40, 45, 48, 50),
    (T1, "employee", "general"): (100, 110, 120, 110),
    (T1, "employee", "new_employment"): (10, 12, 15, 10),
    (T2, "resident", "general"): (400, 450, 480, 460),
    (T2, "resident", "poverty"): (30, 35, 38, 36),
    (T2, "employee", "general"): (80, 85, 90, 88),
    (T2, "employee", "new_employment"): (5, 6, 7, 5),
    (T3, "resident", "general"): (200, 250, 300, 280),
    (T3, "resident", "poverty"): (15, 18, 20, 19),
}
enrollment = _frame(
    "year month township_code scheme person_group enrolled",
    [
        (year, month, t, s, g, values[i])
        for (t, s, g), values in _ENROLLMENT.items()
        for i, (year, month) in enumerate([(2023, 1), (2023, 2), (2023, 3), (2022, 3)])
    ],
)

enrollment_target = _frame(
    "year township_code scheme target",
    [
        (2022, T1, "resident", 780),
        (2022, T1, "employee", 140),
        (2022, T2, "resident", 590),
        (2022, T2, "employee", 95),
        (2022, T3, "resident", 290),
        (2023, T1, "resident", 800),
        (2023, T1, "employee", 150),
        (2023, T2, "resident", 600),
        (2023, T2, "employee", 100),
        (2023, T3, "resident", 300),
    ],
)

fund_ledger = _frame(
    "year month scheme flow item amount person_times",
    [
        (2022, 1, "resident", "income", "contribution", 999.00, None),
        (2022, 1, "resident", "spending", "inpatient", 111.00, 9),
        (2022, 1, "resident", "spending", "out_of_county", 500.00, 2),  # 市级结算, not county
        (2023, 1, "resident", "income", "contribution", 50000.50, None),
        (2023, 2, "resident", "income", "contribution", 30000.25, None),
        (2023, 3, "resident", "income", "contribution", 10000.00, None),
        (2023, 1, "resident", "income", "subsidy", 20000.00, None),
        (2023, 1, "resident", "spending", "inpatient", 15000.10, 30),
        (2023, 2, "resident", "spending", "inpatient", 16000.20, 32),
        (2023, 3, "resident", "spending", "inpatient", 17000.30, 34),
        (2023, 1, "employee", "income", "contribution", 12000.00, None),
        (2023, 2, "employee", "income", "contribution", 12000.00, None),
        (2023, 3, "employee", "income", "contribution", 12000.00, None),
        (2023, 1, "employee", "spending", "inpatient", 8000.00, 20),
        (2023, 2, "employee", "spending", "inpatient", 9000.00, 22),
        (2023, 3, "employee", "spending", "inpatient", 10000.00, 25),
        (2023, 2, "employee", "spending", "outpatient_pool", 1000.00, 40),
    ],
).astype({"person_times": "Int64"})

fund_opening_balance = _frame(
    "year scheme amount",
    [
        (2022, "resident", 90000.00),
        (2022, "employee", 45000.00),
        (2023, "resident", 100000.00),
        (2023, "employee", 50000.00),
    ],
)

_ASSISTANCE = [
    # record_id, year, month, township, category, kind, amount, person_key
    # T1 低保 dibao: 11 records, 9 persons (p01, p02 twice), 5 premium persons
    (1, 2023, 1, T1, "dibao", "premium", 380.00, "p01"),
    (2, 2023, 1, T1, "dibao", "premium", 380.00, "p02"),
    (3, 2023, 1, T1, "dibao", "premium", 380.00, "p03"),
    (4, 2023, 1, T1, "dibao", "premium", 380.00, "p04"),
    (5, 2023, 1, T1, "dibao", "premium", 380.00, "p05"),
    (6, 2023, 2, T1, "dibao", "outpatient", 120.50, "p01"),
    (7, 2023, 2, T1, "dibao", "outpatient", 80.00, "p02"),
    (8, 2023, 2, T1, "dibao", "outpatient", 60.00, "p06"),
    (9, 2023, 3, T1, "dibao", "inpatient", 2500.00, "p07"),
    (10, 2023, 3, T1, "dibao", "inpatient", 1800.00, "p08"),
    (11, 2023, 3, T1, "dibao", "inpatient", 3200.00, "p09"),
    # T1 特困 tekun: 2 records, 1 person (small cell)
    (12, 2023, 2, T1, "tekun", "inpatient", 5000.00, "p10"),
    (13, 2023, 3, T1, "tekun", "outpatient", 300.00, "p10"),
    # T1 监测对象 monitor: 1 record (small cell)
    (14, 2023, 3, T1, "monitor", "inpatient", 4000.00, "p20"),
    # T2 低保 dibao: 12 records, 7 persons, 6 premium persons
    (15, 2023, 1, T2, "dibao", "premium", 380.00, "p11"),
    (16, 2023, 1, T2, "dibao", "premium", 380.00, "p12"),
    (17, 2023, 1, T2, "dibao", "premium", 380.00, "p13"),
    (18, 2023, 1, T2, "dibao", "premium", 380.00, "p14"),
    (19, 2023, 1, T2, "dibao", "premium", 380.00, "p15"),
    (20, 2023, 1, T2, "dibao", "premium", 380.00, "p16"),
    (21, 2023, 2, T2, "dibao", "outpatient", 100.00, "p11"),
    (22, 2023, 2, T2, "dibao", "outpatient", 100.00, "p12"),
    (23, 2023, 2, T2, "dibao", "outpatient", 100.00, "p13"),
    (24, 2023, 3, T2, "dibao", "inpatient", 1000.00, "p14"),
    (25, 2023, 3, T2, "dibao", "inpatient", 1500.00, "p15"),
    (26, 2023, 3, T2, "dibao", "inpatient", 2000.00, "p17"),
    # T3 监测对象 monitor: 3 records, 2 persons, 1 premium person (small cell)
    (27, 2023, 1, T3, "monitor", "premium", 380.00, "p18"),
    (28, 2023, 2, T3, "monitor", "outpatient", 200.00, "p18"),
    (29, 2023, 3, T3, "monitor", "inpatient", 800.00, "p19"),
    # 2022: must never appear in 2023 figures
    (30, 2022, 3, T1, "dibao", "premium", 360.00, "p01"),
    (31, 2022, 2, T2, "dibao", "premium", 360.00, "p11"),
]
assistance = _frame(
    "record_id year month township_code category kind amount person_key", _ASSISTANCE
).assign(pay_date=lambda f: [dt.date(y, m, 15) for y, m in zip(f.year, f.month, strict=True)])

poverty_alert = _frame(
    "year month person_key township_code population_type oop_amount",
    [
        (2022, 3, "a09", T1, "tuopin", 9999.00),
        (2023, 2, "a01", T1, "tuopin", 10000.00),
        (2023, 2, "a02", T1, "nonghu", 20000.00),
        (2023, 3, "a01", T1, "tuopin", 10500.00),  # flagged again: one person
        (2023, 3, "a03", T2, "tuopin", 12000.00),
    ],
)

proc_batch = _frame(
    "batch_code name level start_date end_date",
    [
        # expired before 2023: counts in 2022 only
        ("B0", "第三批国家集采", "national", dt.date(2019, 1, 1), dt.date(2022, 6, 30)),
        ("B1", "第五批国家集采", "national", dt.date(2021, 5, 1), dt.date(2023, 12, 31)),
        # starts in February 2023: not active by the end of January 2023
        ("B2", "省级联盟集采", "provincial", dt.date(2023, 2, 1), dt.date(2025, 1, 31)),
    ],
)

proc_product = _frame(
    "product_code batch_code generic_name spec price_before price_after",
    [
        ("P0", "B0", "阿莫西林胶囊", "0.25g*24", 5.00, 4.00),  # drop 0.20
        ("P1", "B1", "阿托伐他汀钙片", "20mg*7", 10.00, 4.00),  # drop 0.60
        ("P2", "B1", "氨氯地平片", "5mg*28", 20.00, 15.00),  # drop 0.25
        ("P3", "B2", "二甲双胍片", "0.5g*60", 8.00, 2.00),  # drop 0.75
    ],
)

proc_agreement = _frame(
    "year product_code institution_code agreed_volume",
    [
        (2022, "P1", H1, 900),
        (2023, "P1", H1, 1000),
        (2023, "P1", H2, 500),
        (2023, "P2", H1, 200),
        (2023, "P3", H2, 300),
    ],
)

proc_purchase = _frame(
    "year month product_code institution_code volume",
    [
        (2022, 3, "P1", H1, 80),
        (2023, 1, "P1", H1, 100),
        (2023, 2, "P1", H1, 150),
        (2023, 3, "P1", H1, 120),
        (2023, 2, "P1", H2, 60),
        (2023, 3, "P2", H1, 40),
        (2023, 3, "P3", H2, 90),
    ],
)

proc_retained = _frame(
    "year batch_code institution_code amount",
    [
        (2022, "B1", H1, 1000.00),
        (2023, "B1", H1, 1500.00),
        (2023, "B1", H2, 800.00),
        (2023, "B2", H2, 200.00),
    ],
)

drg_group = _frame(
    "drg_code name weight",
    [("G1", "阑尾切除术", 1.2), ("G2", "肺炎", 0.8), ("G3", "髋关节置换", 2.5)],
)

drg_budget = _frame(
    "year hospital_code budget",
    [(2022, H1, 90000.00), (2023, H1, 100000.00), (2023, H2, 60000.00)],
)

drg_case = _frame(
    "case_id year month hospital_code drg_code weight outlier total_cost fund_paid",
    [
        (1, 2023, 1, H1, "G1", 1.2, "normal", 10000.00, 7000.00),
        (2, 2023, 2, H1, "G2", 0.8, "normal", 6000.00, 4000.00),
        (3, 2023, 3, H1, "G3", 2.5, "high", 30000.00, 20000.00),
        (4, 2023, 1, H2, "G1", 1.2, "normal", 9000.00, 6500.00),
        (5, 2023, 3, H2, "G2", 0.8, "low", 2000.00, 1500.00),
        (6, 2023, 3, H2, "G1", 1.2, "normal", 11000.00, 8000.00),
        (7, 2022, 3, H1, "G1", 1.2, "normal", 9500.00, 6800.00),
    ],
)

# No shapes: the map is tested in tests/maps; metrics never read boundaries.
township_boundary = _frame("township_code geometry fictional", [])

FRAMES: dict[str, pd.DataFrame] = {
    "township": township,
    "township_boundary": township_boundary,
    "township_population": township_population,
    "village": village,
    "institution": institution,
    "enrollment": enrollment,
    "enrollment_target": enrollment_target,
    "fund_ledger": fund_ledger,
    "fund_opening_balance": fund_opening_balance,
    "assistance": assistance,
    "poverty_alert": poverty_alert,
    "proc_batch": proc_batch,
    "proc_product": proc_product,
    "proc_agreement": proc_agreement,
    "proc_purchase": proc_purchase,
    "proc_retained": proc_retained,
    "drg_group": drg_group,
    "drg_budget": drg_budget,
    "drg_case": drg_case,
}
assert set(FRAMES) == {t.name for t in LOAD_ORDER}
