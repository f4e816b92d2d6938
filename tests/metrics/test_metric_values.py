"""Every metric of the catalog, computed by hand from the rows of `fixtures.py`, on every engine.

Each case states the expected values with their arithmetic; `test_every_metric_has_a_value_test`
fails when a metric is added to `metrics.catalog.METRICS` without a case here.

Periods: P3 = 2023年1-3月 (ytd to March). Enrollment is a stock read at the period's last month;
fund, assistance, purchases and DRG cases are flows summed over the months of the period;
targets, population, budgets, agreed volumes and retained amounts are yearly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Engine

from metrics.catalog import METRICS
from metrics.execute import execute
from metrics.model import Period, QuerySpec
from tests.metrics.conftest import PRIVILEGED
from tests.metrics.fixtures import H1, H2, T1, T2, T3

NAN = math.nan
EXACT_UNITS = {"persons", "person_times", "count", "volume"}

P3 = Period(2023, 3)
P2 = Period(2023, 2)
P1 = Period(2023, 1)
M2 = Period(2023, 2, "month")
M3 = Period(2023, 3, "month")


@dataclass(frozen=True)
class Case:
    name: str
    period: Period
    by: tuple[str, ...]
    # row key (the values of `by`, () for a county total) -> metric -> expected value
    expected: dict[tuple, dict[str, float]]
    filters: dict = field(default_factory=dict)

    @property
    def metrics(self) -> list[str]:
        return list(dict.fromkeys(m for row in self.expected.values() for m in row))


CASES: list[Case] = [
    # --- 1. 参保扩面 ---------------------------------------------------------------------------
    Case(
        "enrollment county totals, March 2023 (stock at month end)",
        P3,
        (),
        {
            (): {
                # month 3: T1 650+48+120+15=833, T2 480+38+90+7=615, T3 300+20=320
                "enrolled": 833 + 615 + 320,  # = 1768
                "enrolled_poverty": 48 + 38 + 20,  # = 106
                "enrolled_new_employment": 15 + 7,  # = 22
                "enroll_target": 800 + 150 + 600 + 100 + 300,  # = 1950
                "registered_pop": 1000 + 800 + 400,  # = 2200
                "resident_pop": 900 + 700 + 380,  # = 1980
                "poverty_pop": 50 + 40 + 25,  # = 115
                "enroll_completion": 1768 / 1950,  # ratio of sums = 0.9067
                "enroll_gap": 1950 - 1768,  # = 182 (not the sum of township gaps 117+85+0)
                "coverage_rate": 1768 / 2200,
                "poverty_coverage_rate": 106 / 115,
            }
        },
    ),
    Case(
        "enrollment by township",
        P3,
        ("township",),
        {
            (T1,): {
                "enrolled": 650 + 48 + 120 + 15,  # = 833
                "enrolled_poverty": 48,
                "enrolled_new_employment": 15,
                "enroll_target": 800 + 150,
                "registered_pop": 1000,
                "resident_pop": 900,
                "poverty_pop": 50,
                "enroll_completion": 833 / 950,
                "enroll_gap": 950 - 833,  # = 117
                "coverage_rate": 833 / 1000,
                "poverty_coverage_rate": 48 / 50,
            },
            (T2,): {
                "enrolled": 480 + 38 + 90 + 7,  # = 615
                "enrolled_poverty": 38,
                "enrolled_new_employment": 7,
                "enroll_target": 600 + 100,
                "registered_pop": 800,
                "enroll_completion": 615 / 700,
                "enroll_gap": 700 - 615,  # = 85
                "coverage_rate": 615 / 800,
                "poverty_coverage_rate": 38 / 40,
            },
            (T3,): {
                "enrolled": 300 + 20,  # = 320
                "enrolled_poverty": 20,
                # T3 has enrollment rows but none of new-employment workers: 0, not "no data"
                "enrolled_new_employment": 0,
                "enroll_target": 300,
                "registered_pop": 400,
                "enroll_completion": 320 / 300,  # above target
                "enroll_gap": 0,  # max(300 - 320, 0)
                "coverage_rate": 320 / 400,
                "poverty_coverage_rate": 20 / 25,
            },
        },
    ),
    Case(
        "enrollment by scheme",
        P3,
        ("scheme",),
        {
            ("resident",): {
                "enrolled": 650 + 48 + 480 + 38 + 300 + 20,  # = 1536
                "enroll_target": 800 + 600 + 300,  # = 1700
                "enroll_completion": 1536 / 1700,
            },
            ("employee",): {
                "enrolled": 120 + 15 + 90 + 7,  # = 232
                "enroll_target": 150 + 100,  # = 250
                "enroll_completion": 232 / 250,
            },
        },
    ),
    Case(
        "enrolled by month: the month-end stock of each month, target broadcast",
        P3,
        ("month",),
        {
            # a sum over months would give 1380+1611+1768 = 4759 in March
            (1,): {
                "enrolled": 650 + 515 + 215,
                "enroll_target": 1950,
                "enroll_completion": 1380 / 1950,
            },
            (2,): {
                "enrolled": 767 + 576 + 268,
                "enroll_target": 1950,
                "enroll_completion": 1611 / 1950,
            },
            (3,): {
                "enrolled": 833 + 615 + 320,
                "enroll_target": 1950,
                "enroll_completion": 1768 / 1950,
            },
        },
    ),
    Case(
        "enrolled, month mode: the stock at that month end (same as 1-2月)",
        M2,
        (),
        {(): {"enrolled": 767 + 576 + 268}},  # = 1611
    ),
    Case("enrolled ytd to February", P2, (), {(): {"enrolled": 1611}}),
    Case(
        "enrollment 2022 (the 同比 base), rows of 2023 excluded",
        Period(2022, 3),
        (),
        {
            (): {
                # T1 620+50+110+10=790, T2 460+36+88+5=589, T3 280+19=299
                "enrolled": 790 + 589 + 299,  # = 1678
                "enroll_target": 780 + 140 + 590 + 95 + 290,  # = 1895
                "registered_pop": 990 + 790 + 395,
            }
        },
    ),
    Case(
        "enrollment filtered by scheme = employee",
        P3,
        (),
        {(): {"enrolled": 232, "enroll_target": 250, "enroll_completion": 232 / 250}},
        {"scheme": "employee"},
    ),
    Case(
        "enrollment filtered by a township list [T1, T3]",
        P3,
        (),
        {
            (): {
                "enrolled": 833 + 320,  # = 1153
                "enroll_target": 950 + 300,  # = 1250
                "registered_pop": 1000 + 400,
                "enroll_completion": 1153 / 1250,
                "coverage_rate": 1153 / 1400,
            }
        },
        {"township": [T1, T3]},
    ),
    Case(
        "enrolled by scheme and person group (the groups partition the scheme)",
        P3,
        ("scheme", "person_group"),
        {
            ("resident", "general"): {"enrolled": 650 + 480 + 300},
            ("resident", "poverty"): {"enrolled": 48 + 38 + 20},
            ("employee", "general"): {"enrolled": 120 + 90},
            ("employee", "new_employment"): {"enrolled": 15 + 7},
        },
    ),
    # --- 2. 基金收支 ------------------------------------------------------------------------------
    Case(
        "fund county totals 2023年1-3月",
        P3,
        (),
        {
            (): {
                # resident 50000.50+30000.25+10000.00+20000.00, employee 3×12000
                "fund_income": 110000.75 + 36000.00,  # = 146000.75
                # resident 15000.10+16000.20+17000.30, employee 8000+9000+10000+1000
                "fund_spending": 48000.60 + 28000.00,  # = 76000.60
                "fund_spending_county": 76000.60,  # no 县域外 (out_of_county) item in 2023
                "fund_amount": 146000.75 + 76000.60,  # no flow: both flows
                "fund_visits": (30 + 32 + 34) + (20 + 22 + 25 + 40),  # = 203
                "fund_visits_county": 203,  # no 县域外 (out_of_county) item in 2023
                "fund_opening_balance": 100000.00 + 50000.00,
                "fund_current_balance": 146000.75 - 76000.60,  # = 70000.15
                "fund_cumulative_balance": 150000.00 + 146000.75 - 76000.60,  # = 220000.15
                "fund_months_payable": 220000.15 / (76000.60 / 3),  # = 8.68
                "fund_usage_rate": 76000.60 / 146000.75,
            }
        },
    ),
    Case(
        "fund_amount by flow",
        P3,
        ("flow",),
        {("income",): {"fund_amount": 146000.75}, ("spending",): {"fund_amount": 76000.60}},
    ),
    Case(
        "fund by scheme",
        P3,
        ("scheme",),
        {
            ("resident",): {
                "fund_income": 50000.50 + 30000.25 + 10000.00 + 20000.00,  # = 110000.75
                "fund_spending": 15000.10 + 16000.20 + 17000.30,  # = 48000.60
                "fund_visits": 30 + 32 + 34,
                "fund_opening_balance": 100000.00,
                "fund_current_balance": 110000.75 - 48000.60,
                "fund_cumulative_balance": 100000.00 + 110000.75 - 48000.60,  # = 162000.15
                "fund_months_payable": 162000.15 / (48000.60 / 3),
                "fund_usage_rate": 48000.60 / 110000.75,
            },
            ("employee",): {
                "fund_income": 12000.00 * 3,
                "fund_spending": 8000.00 + 9000.00 + 10000.00 + 1000.00,  # = 28000
                "fund_visits": 20 + 22 + 25 + 40,
                "fund_opening_balance": 50000.00,
                "fund_current_balance": 36000.00 - 28000.00,
                "fund_cumulative_balance": 50000.00 + 36000.00 - 28000.00,  # = 58000
                "fund_months_payable": 58000.00 / (28000.00 / 3),
                "fund_usage_rate": 28000.00 / 36000.00,
            },
        },
    ),
    Case(
        "fund by month (ytd): monthly flows, running balance, opening balance broadcast",
        P3,
        ("month",),
        {
            (1,): {
                "fund_income": 50000.50 + 20000.00 + 12000.00,  # = 82000.50
                "fund_spending": 15000.10 + 8000.00,  # = 23000.10
                "fund_opening_balance": 150000.00,
                "fund_current_balance": 82000.50 - 23000.10,
                "fund_cumulative_balance": 150000.00 + 82000.50 - 23000.10,  # = 209000.40
                "fund_months_payable": 209000.40 / (23000.10 / 1),
            },
            (2,): {
                "fund_income": 30000.25 + 12000.00,  # = 42000.25
                "fund_spending": 16000.20 + 9000.00 + 1000.00,  # = 26000.20
                "fund_opening_balance": 150000.00,
                "fund_current_balance": 42000.25 - 26000.20,
                "fund_cumulative_balance": 209000.40 + 42000.25 - 26000.20,  # = 225000.45
                "fund_months_payable": 225000.45 / ((23000.10 + 26000.20) / 2),
            },
            (3,): {
                "fund_income": 10000.00 + 12000.00,  # = 22000
                "fund_spending": 17000.30 + 10000.00,  # = 27000.30
                "fund_opening_balance": 150000.00,
                "fund_current_balance": 22000.00 - 27000.30,
                "fund_cumulative_balance": 225000.45 + 22000.00 - 27000.30,  # = 220000.15
                "fund_months_payable": 220000.15 / (76000.60 / 3),
            },
        },
    ),
    Case(
        "cumulative balance by month and scheme: a running sum per scheme",
        P3,
        ("month", "scheme"),
        {
            (1, "resident"): {"fund_cumulative_balance": 100000 + 70000.50 - 15000.10},
            (2, "resident"): {"fund_cumulative_balance": 155000.40 + 30000.25 - 16000.20},
            (3, "resident"): {"fund_cumulative_balance": 169000.45 + 10000.00 - 17000.30},
            (1, "employee"): {"fund_cumulative_balance": 50000 + 12000 - 8000},  # 54000
            (2, "employee"): {"fund_cumulative_balance": 54000 + 12000 - 10000},  # 56000
            (3, "employee"): {"fund_cumulative_balance": 56000 + 12000 - 10000},  # 58000
        },
    ),
    Case(
        "fund ytd to February",
        P2,
        (),
        {
            (): {
                "fund_income": 82000.50 + 42000.25,  # = 124000.75
                "fund_spending": 23000.10 + 26000.20,  # = 49000.30
                "fund_cumulative_balance": 150000 + 124000.75 - 49000.30,  # = 225000.45
                "fund_months_payable": 225000.45 / (49000.30 / 2),
            }
        },
    ),
    Case(
        "fund, month mode: March alone; cumulative figures are not defined for one month",
        M3,
        (),
        {
            (): {
                "fund_income": 22000.00,
                "fund_spending": 27000.30,
                "fund_current_balance": 22000.00 - 27000.30,
                "fund_cumulative_balance": NAN,
                "fund_months_payable": NAN,
            }
        },
    ),
    Case(
        "fund January 2022: 县域内 spending leaves out the out_of_county item",
        Period(2022, 1),
        ("scheme",),
        {
            ("resident",): {
                "fund_income": 999.00,
                "fund_spending": 111.00 + 500.00,  # inpatient + out_of_county
                "fund_spending_county": 111.00,
                "fund_visits": 9 + 2,
                "fund_visits_county": 9,
            },
        },
    ),
    Case(
        "fund filtered by scheme = employee",
        P3,
        (),
        {(): {"fund_income": 36000.00, "fund_cumulative_balance": 58000.00}},
        {"scheme": "employee"},
    ),
    # --- 3. 医疗救助 (a viewer with the right to see small cells) ---------------------------------
    Case(
        "assistance county totals",
        P3,
        (),
        {
            (): {
                # T1 低保 9660.50 + T1 特困 5300 + T1 监测 4000 + T2 低保 7080 + T3 监测 1380
                "assist_amount": 9660.50 + 5300.00 + 4000.00 + 7080.00 + 1380.00,  # 27420.50
                "assist_times": 11 + 2 + 1 + 12 + 3,  # = 29
                "assist_persons": 9 + 1 + 1 + 7 + 2,  # p01-09, p10, p20, p11-17, p18-19 = 20
                "premium_persons": 5 + 6 + 1,  # p01-05, p11-16, p18 = 12
                "premium_coverage": 12 / 115,
                "alert_persons": 3,  # a01 (twice), a02, a03; a09 is 2022
            }
        },
    ),
    Case(
        "assistance by township",
        P3,
        ("township",),
        {
            (T1,): {
                # 低保 5×380 + 120.50+80+60 + 2500+1800+3200 = 9660.50; 特困 5300; 监测 4000
                "assist_amount": 9660.50 + 5300.00 + 4000.00,
                "assist_times": 14,
                "assist_persons": 11,
                "premium_persons": 5,
                "premium_coverage": 5 / 50,
                "alert_persons": 2,
            },
            (T2,): {
                "assist_amount": 6 * 380.00 + 3 * 100.00 + 1000.00 + 1500.00 + 2000.00,  # 7080
                "assist_times": 12,
                "assist_persons": 7,
                "premium_persons": 6,
                "premium_coverage": 6 / 40,
                "alert_persons": 1,
            },
            (T3,): {
                "assist_amount": 380.00 + 200.00 + 800.00,
                "assist_times": 3,
                "assist_persons": 2,
                "premium_persons": 1,
                "premium_coverage": 1 / 25,
                "alert_persons": NAN,  # no alert in T3: no row from that model
            },
        },
    ),
    Case(
        "assistance by category",
        P3,
        ("category",),
        {
            ("dibao",): {"assist_times": 11 + 12, "assist_amount": 9660.50 + 7080.00},
            ("tekun",): {"assist_times": 2, "assist_amount": 5000.00 + 300.00},
            ("monitor",): {"assist_times": 1 + 3, "assist_amount": 4000.00 + 1380.00},
        },
    ),
    Case(
        "assistance by month (flow: each month's own records)",
        P3,
        ("month",),
        {
            (1,): {"assist_times": 5 + 6 + 1, "assist_amount": 12 * 380.00},
            (2,): {"assist_times": 8, "assist_amount": 120.50 + 80 + 60 + 5000 + 3 * 100 + 200},
            (3,): {
                "assist_times": 9,
                "assist_amount": 2500 + 1800 + 3200 + 300 + 4000 + 1000 + 1500 + 2000 + 800,
            },
        },
    ),
    Case(
        "assistance, month mode February",
        M2,
        (),
        {
            (): {
                "assist_times": 8,  # records 6, 7, 8, 12, 21, 22, 23, 28
                "assist_amount": 120.50 + 80.00 + 60.00 + 5000.00 + 300.00 + 200.00,  # 5760.50
                "assist_persons": 8,  # p01 p02 p06 p10 p11 p12 p13 p18
                "alert_persons": 2,  # a01, a02
            }
        },
    ),
    Case(
        "assistance filtered by kind = premium",
        P3,
        (),
        {(): {"assist_times": 12, "assist_amount": 12 * 380.00, "premium_persons": 12}},
        {"kind": "premium"},
    ),
    # --- 4. 集中带量采购 ------------------------------------------------------------------------------
    Case(
        "procurement county totals",
        P3,
        (),
        {
            (): {
                "proc_agreed": 1000 + 500 + 200 + 300,  # = 2000
                "proc_purchased": 100 + 150 + 120 + 60 + 40 + 90,  # = 560
                "proc_progress": 560 / 2000,
                # P1 430×(10−4) + P2 40×(20−15) + P3 90×(8−2)
                "proc_savings": 430 * 6 + 40 * 5 + 90 * 6,  # = 3320
                "proc_spend_before": 430 * 10 + 40 * 20 + 90 * 8,  # = 5820
                "proc_spend_after": 430 * 4 + 40 * 15 + 90 * 2,  # = 2500
                "proc_weighted_drop": 1 - 2500 / 5820,
                # active in 2023: B1 (P1 0.60, P2 0.25), B2 (P3 0.75); B0 expired 2022-06-30
                "proc_avg_drop": (0.60 + 0.25 + 0.75) / 3,
                "proc_products": 3,
                "proc_retained": 1500.00 + 800.00 + 200.00,
                "proc_retained_insts": 2,  # H1, H2 (H2 twice)
            }
        },
    ),
    Case(
        "procurement by township (institution -> township)",
        P3,
        ("township",),
        {
            (T1,): {
                "proc_agreed": 1000 + 200,
                "proc_purchased": 100 + 150 + 120 + 40,  # = 410
                "proc_progress": 410 / 1200,
                "proc_savings": 370 * 6 + 40 * 5,  # = 2420
                "proc_spend_before": 370 * 10 + 40 * 20,  # = 4500
                "proc_spend_after": 370 * 4 + 40 * 15,  # = 2080
                "proc_weighted_drop": 1 - 2080 / 4500,
                "proc_retained": 1500.00,
                "proc_retained_insts": 1,
            },
            (T2,): {
                "proc_agreed": 500 + 300,
                "proc_purchased": 60 + 90,
                "proc_progress": 150 / 800,
                "proc_savings": 60 * 6 + 90 * 6,  # = 900
                "proc_spend_before": 60 * 10 + 90 * 8,  # = 1320
                "proc_spend_after": 60 * 4 + 90 * 2,  # = 420
                "proc_weighted_drop": 1 - 420 / 1320,
                "proc_retained": 800.00 + 200.00,
                "proc_retained_insts": 1,
            },
        },
    ),
    Case(
        "procurement by institution",
        P3,
        ("institution",),
        {
            (H1,): {"proc_purchased": 410, "proc_agreed": 1200, "proc_progress": 410 / 1200},
            (H2,): {"proc_purchased": 150, "proc_agreed": 800, "proc_progress": 150 / 800},
        },
    ),
    Case(
        "procurement savings by level (purchase -> product -> batch)",
        P3,
        ("level",),
        {
            ("national",): {"proc_savings": 430 * 6 + 40 * 5},  # B1: P1, P2 = 2780
            ("provincial",): {"proc_savings": 90 * 6},  # B2: P3 = 540
        },
    ),
    Case(
        "procurement, month mode March",
        M3,
        (),
        {(): {"proc_purchased": 120 + 40 + 90, "proc_agreed": 2000}},
    ),
    Case(
        "average drop at the end of January 2023: B2 starts 1 February, not yet active",
        P1,
        (),
        {(): {"proc_avg_drop": (0.60 + 0.25) / 2, "proc_products": 2}},
    ),
    Case(
        "average drop over 2022: B0 (until 2022-06-30) and B1 active, B2 not yet",
        Period(2022, 12),
        (),
        {(): {"proc_avg_drop": (0.20 + 0.60 + 0.25) / 3, "proc_products": 3}},
    ),
    # --- 5. DRG ------------------------------------------------------------------------------------
    Case(
        "DRG county totals",
        P3,
        (),
        {
            (): {
                "drg_budget": 100000.00 + 60000.00,
                "drg_paid": 7000 + 4000 + 20000 + 6500 + 1500 + 8000,  # = 47000
                "drg_paid_cumulative": 47000.00,
                "drg_execution": 47000 / 160000,
                "drg_cases": 6,
                "drg_weight": 1.2 + 0.8 + 2.5 + 1.2 + 0.8 + 1.2,  # = 7.7
                "drg_cost": 10000 + 6000 + 30000 + 9000 + 2000 + 11000,  # = 68000
                "drg_cmi": 7.7 / 6,
                "drg_cost_per_weight": 68000 / 7.7,
                "drg_avg_cost": 68000 / 6,
                "drg_high_outliers": 1,  # case 3
            }
        },
    ),
    Case(
        "DRG by township (hospital -> institution -> township)",
        P3,
        ("township",),
        {
            (T1,): {  # H1: cases 1, 2, 3
                "drg_budget": 100000.00,
                "drg_paid": 7000 + 4000 + 20000,  # = 31000
                "drg_execution": 31000 / 100000,
                "drg_cases": 3,
                "drg_weight": 1.2 + 0.8 + 2.5,  # = 4.5
                "drg_cost": 10000 + 6000 + 30000,  # = 46000
                "drg_cmi": 4.5 / 3,
                "drg_cost_per_weight": 46000 / 4.5,
                "drg_avg_cost": 46000 / 3,
                "drg_high_outliers": 1,
            },
            (T2,): {  # H2: cases 4, 5, 6
                "drg_budget": 60000.00,
                "drg_paid": 6500 + 1500 + 8000,  # = 16000
                "drg_execution": 16000 / 60000,
                "drg_cases": 3,
                "drg_weight": 1.2 + 0.8 + 1.2,  # = 3.2
                "drg_cost": 9000 + 2000 + 11000,  # = 22000
                "drg_cmi": 3.2 / 3,
                "drg_cost_per_weight": 22000 / 3.2,
                "drg_avg_cost": 22000 / 3,
                "drg_high_outliers": 0,
            },
        },
    ),
    Case(
        "DRG paid by month and its running total, budget broadcast",
        P3,
        ("month",),
        {
            (1,): {"drg_paid": 7000 + 6500, "drg_paid_cumulative": 13500, "drg_budget": 160000},
            (2,): {"drg_paid": 4000, "drg_paid_cumulative": 13500 + 4000, "drg_budget": 160000},
            (3,): {
                "drg_paid": 20000 + 1500 + 8000,
                "drg_paid_cumulative": 17500 + 29500,
                "drg_budget": 160000,
            },
        },
    ),
    Case(
        "DRG running total by township and month",
        P3,
        ("township", "month"),
        {
            (T1, 1): {"drg_paid_cumulative": 7000},
            (T1, 2): {"drg_paid_cumulative": 7000 + 4000},
            (T1, 3): {"drg_paid_cumulative": 11000 + 20000},
            (T2, 1): {"drg_paid_cumulative": 6500},
            (T2, 3): {"drg_paid_cumulative": 6500 + 1500 + 8000},
        },
    ),
    Case(
        "DRG, month mode March: March's payments against the yearly budget",
        M3,
        (),
        {(): {"drg_paid": 29500, "drg_cases": 3, "drg_execution": 29500 / 160000}},
    ),
    Case(
        "DRG filtered by institution H2",
        P3,
        (),
        {(): {"drg_paid": 16000, "drg_budget": 60000, "drg_execution": 16000 / 60000}},
        {"institution": [H2]},
    ),
    Case(
        "DRG 2022",
        Period(2022, 3),
        (),
        {(): {"drg_paid": 6800, "drg_budget": 90000, "drg_cases": 1}},
    ),
]

TESTED = {m for case in CASES for row in case.expected.values() for m in row}


def _key(value: object, dim: str) -> object:
    return int(value) if dim == "month" else str(value)


def _check(engine: Engine, case: Case) -> None:
    spec = QuerySpec.make(case.metrics, case.period, case.by, case.filters)
    frame = execute(engine, spec, PRIVILEGED).frame
    rows = {tuple(_key(row[d], d) for d in case.by): row for _, row in frame.iterrows()}
    assert set(rows) == set(case.expected), frame
    for key, values in case.expected.items():
        for mid, want in values.items():
            got = float(rows[key][mid])
            where = f"{case.name}: {mid} at {key}"
            if math.isnan(want):
                assert math.isnan(got), f"{where}: expected no value, got {got}"
            elif METRICS[mid].unit in EXACT_UNITS:
                assert got == want, f"{where}: {got} != {want}"
            else:
                assert got == pytest.approx(want, rel=1e-9), where


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_metric_values(warehouse: Engine, case: Case) -> None:
    _check(warehouse, case)


def test_ratio_of_sums_not_average_of_ratios(warehouse: Engine) -> None:
    by_town = execute(
        warehouse,
        QuerySpec.make(["enroll_completion", "proc_progress"], P3, ["township"]),
        PRIVILEGED,
    ).frame
    county = execute(
        warehouse, QuerySpec.make(["enroll_completion", "proc_progress"], P3), PRIVILEGED
    )
    # 1768/1950 = 0.9067, whereas (833/950 + 615/700 + 320/300)/3 = 0.9407
    assert county.value("enroll_completion") == pytest.approx(1768 / 1950, rel=1e-9)
    mean_completion = by_town["enroll_completion"].mean()
    assert mean_completion == pytest.approx((833 / 950 + 615 / 700 + 320 / 300) / 3, rel=1e-9)
    assert abs(county.value("enroll_completion") - mean_completion) > 0.03
    # 560/2000 = 0.28, whereas (410/1200 + 150/800)/2 = 0.2646
    assert county.value("proc_progress") == pytest.approx(0.28, rel=1e-9)
    assert by_town["proc_progress"].dropna().mean() == pytest.approx(
        (410 / 1200 + 150 / 800) / 2, rel=1e-9
    )


def test_every_metric_has_a_value_test() -> None:
    missing = sorted(set(METRICS) - TESTED)
    unknown = sorted(TESTED - set(METRICS))
    assert not missing, f"metrics without a hand-computed value test: {missing}"
    assert not unknown, f"tests of metrics that are not declared: {unknown}"


@pytest.mark.parametrize(
    "metric_ids",
    [["enrolled"], ["enroll_completion"], ["assist_times"], ["drg_paid", "drg_execution"]],
    ids=["one model", "two models", "assistance", "drg via institution"],
)
def test_townships_in_official_order(warehouse: Engine, metric_ids: list[str]) -> None:
    # sort_order puts 三江镇 (T3) before 向塘镇 (T2), against the order of their codes
    frame = execute(warehouse, QuerySpec.make(metric_ids, P3, ["township"]), PRIVILEGED).frame
    expected = [T1, T3, T2] if "drg_paid" not in metric_ids else [T1, T2]
    assert frame["township"].tolist() == expected


def test_labels_of_rows_only_a_second_model_has(warehouse: Engine) -> None:
    # End of January 2023: B2 (starts 1 February) has no active product and no purchase yet,
    # but it has a 2023 retained amount; its row must still carry its name and level.
    spec = QuerySpec.make(["proc_products", "proc_retained", "proc_purchased"], P1, ["batch"])
    frame = execute(warehouse, spec, PRIVILEGED).frame.set_index("batch")
    assert frame.loc["B1", "proc_products"] == 2
    assert frame.loc["B2", "proc_retained"] == pytest.approx(200.00, rel=1e-9)
    assert math.isnan(frame.loc["B2", "proc_products"])
    assert frame["batch_name"].to_dict() == {"B1": "第五批国家集采", "B2": "省级联盟集采"}
    assert frame["batch_level"].to_dict() == {"B1": "national", "B2": "provincial"}


def test_township_names_of_rows_only_the_target_has(warehouse: Engine) -> None:
    spec = QuerySpec.make(["drg_paid", "enroll_target"], P3, ["township"])
    frame = execute(warehouse, spec, PRIVILEGED).frame
    # T3 has a target but no DRG case: named, in its official place
    assert frame["township"].tolist() == [T1, T3, T2]
    assert frame["township_name"].tolist() == ["莲塘镇", "三江镇", "向塘镇"]
    assert math.isnan(frame.loc[1, "drg_paid"])
