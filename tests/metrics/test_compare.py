"""Comparisons: 同比/环比 (growth for amounts, percentage points for rates), ranks, and the
expected enrollment progress weighted by targets (resident campaign curve vs m/12)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from metrics import compare, settings
from metrics.compare import CHANGE, PREV, attach_changes, change, enrollment_expected, rank
from metrics.execute import execute
from metrics.model import Period, QuerySpec
from metrics.status import Status
from tests.metrics.conftest import PRIVILEGED
from tests.metrics.fixtures import T1, T2, T3


def test_settings_the_arithmetic_below_assumes() -> None:
    assert settings.EMPLOYEE_PLAN == "linear"
    assert settings.RESIDENT_CAMPAIGN_PLAN[1] == 0.85
    assert settings.RESIDENT_CAMPAIGN_PLAN[2] == 0.97
    assert all(settings.RESIDENT_CAMPAIGN_PLAN[m] == 1.0 for m in range(3, 13))


# --- change and attach_changes ------------------------------------------------------------------


def test_change_growth_and_points() -> None:
    assert change(833, 790, rate=False) == pytest.approx((833 - 790) / 790)
    assert change(90, 100, rate=False) == pytest.approx(-0.10)
    assert change(-50, -100, rate=False) == pytest.approx(0.5)  # against |previous|
    assert change(0.95, 0.93, rate=True) == pytest.approx(0.02)
    assert change(5, 0, rate=False) is None  # no growth from zero
    assert change(0.5, 0.0, rate=True) == pytest.approx(0.5)  # points are fine from zero
    assert change(None, 1, rate=False) is None
    assert change(1, math.nan, rate=True) is None


def test_is_rate_follows_the_unit() -> None:
    assert compare.is_rate("enroll_completion")
    assert compare.is_rate("drg_execution")
    assert not compare.is_rate("enrolled")
    assert not compare.is_rate("drg_cmi")  # an average weight: 同比 is a growth rate


def test_attach_changes_by_township() -> None:
    current = pd.DataFrame(
        {
            "township": [T1, T2, T3],
            "enrolled": [833.0, 615.0, 320.0],
            "enroll_completion": [833 / 950, 615 / 700, 320 / 300],
        }
    )
    previous = pd.DataFrame(
        {
            "township": [T2, T1],  # other order, T3 missing
            "enrolled": [589.0, 790.0],
            "enroll_completion": [589 / 685, 790 / 920],
        }
    )
    out = attach_changes(current, previous, ["township"], ["enrolled", "enroll_completion"])
    rows = out.set_index("township")
    assert rows.loc[T1, f"enrolled{PREV}"] == 790
    assert rows.loc[T1, f"enrolled{CHANGE}"] == pytest.approx((833 - 790) / 790)  # +5.44%
    assert rows.loc[T2, f"enrolled{CHANGE}"] == pytest.approx((615 - 589) / 589)
    # a rate: difference in ratio points, 0.8768 − 0.8587 = +1.82 pp
    assert rows.loc[T1, f"enroll_completion{CHANGE}"] == pytest.approx(833 / 950 - 790 / 920)
    assert rows.loc[T2, f"enroll_completion{CHANGE}"] == pytest.approx(615 / 700 - 589 / 685)
    assert math.isnan(rows.loc[T3, f"enrolled{PREV}"])
    assert math.isnan(rows.loc[T3, f"enrolled{CHANGE}"])
    assert out[f"enrolled{CHANGE}"].dtype == float
    assert out["township"].tolist() == [T1, T2, T3]  # the current frame's order


def test_attach_changes_county_and_suffix() -> None:
    current = pd.DataFrame({"fund_income": [146000.75], "fund_usage_rate": [0.52]})
    previous = pd.DataFrame({"fund_income": [120000.00], "fund_usage_rate": [0.60]})
    out = attach_changes(current, previous, [], ["fund_income", "fund_usage_rate"], "_mom")
    assert out.loc[0, "fund_income_prev_mom"] == 120000.00
    assert out.loc[0, "fund_income_chg_mom"] == pytest.approx(26000.75 / 120000.00)
    assert out.loc[0, "fund_usage_rate_chg_mom"] == pytest.approx(0.52 - 0.60)  # −8 pp

    nothing = attach_changes(current, previous.iloc[0:0], [], ["fund_income"])
    assert math.isnan(nothing.loc[0, f"fund_income{PREV}"])
    assert math.isnan(nothing.loc[0, f"fund_income{CHANGE}"])


def test_year_on_year_from_the_warehouse(duckdb_warehouse: Engine) -> None:
    spec = QuerySpec.make(["enrolled", "enroll_completion"], Period(2023, 3), ["township"])
    now = execute(duckdb_warehouse, spec, PRIVILEGED).frame
    before = execute(duckdb_warehouse, spec.with_period(Period(2022, 3)), PRIVILEGED).frame
    rows = attach_changes(now, before, ["township"], spec.metrics).set_index("township")
    # 2022: T1 790 of 780+140=920, T2 589 of 590+95=685, T3 299 of 290
    assert rows.loc[T1, "enrolled_chg"] == pytest.approx((833 - 790) / 790, rel=1e-9)
    assert rows.loc[T3, "enrolled_chg"] == pytest.approx((320 - 299) / 299, rel=1e-9)
    assert rows.loc[T2, "enroll_completion_chg"] == pytest.approx(615 / 700 - 589 / 685, rel=1e-9)
    assert rows.loc[T3, "enroll_completion_chg"] == pytest.approx(320 / 300 - 299 / 290, rel=1e-9)


# --- rank ----------------------------------------------------------------------------------------


def test_rank_ties_share_the_better_rank_and_missing_is_last() -> None:
    values = pd.Series([0.9, 0.8, 0.9, np.nan, 0.7])
    assert rank(values).tolist() == [1, 3, 1, 5, 4]
    assert rank(values, higher_is_better=False).tolist() == [3, 2, 3, 5, 1]


# --- expected enrollment progress ---------------------------------------------------------------

TARGETS = {"resident": 1700.0, "employee": 250.0}  # the fixture's 2023 county targets


def test_enrollment_expected_weights_schemes_by_target() -> None:
    # January: residents 85% of 1700 (campaign), employees 1/12 of 250
    assert enrollment_expected(Period(2023, 1), TARGETS) == pytest.approx(
        (1700 * 0.85 + 250 * 1 / 12) / 1950
    )
    # February: 97% and 2/12
    assert enrollment_expected(Period(2023, 2), TARGETS) == pytest.approx(
        (1700 * 0.97 + 250 * 2 / 12) / 1950
    )
    # June: residents done, employees half
    assert enrollment_expected(Period(2023, 6), TARGETS) == pytest.approx(
        (1700 * 1.0 + 250 * 6 / 12) / 1950
    )
    assert enrollment_expected(Period(2023, 12), TARGETS) == pytest.approx(1.0)


def test_enrollment_expected_single_scheme_and_no_target() -> None:
    assert enrollment_expected(Period(2023, 2), {"resident": 1700.0}) == pytest.approx(0.97)
    assert enrollment_expected(Period(2023, 9), {"employee": 250.0}) == pytest.approx(9 / 12)
    # a missing or zero target carries no weight
    assert enrollment_expected(
        Period(2023, 1), {"resident": 1700.0, "employee": math.nan}
    ) == pytest.approx(0.85)
    assert enrollment_expected(Period(2023, 1), {"resident": 0.0}) is None
    assert enrollment_expected(Period(2023, 1), {}) is None


def test_enrollment_expected_by_township() -> None:
    targets = pd.DataFrame(
        {
            "township": [T1, T1, T2, T2, T3],
            "scheme": ["resident", "employee", "resident", "employee", "resident"],
            "enroll_target": [800, 150, 600, 100, 300],
        }
    )
    got = compare.expected_by_targets(targets, Period(2023, 1), ["township"])
    got = got.set_index("township")["expected"]
    assert got[T1] == pytest.approx((800 * 0.85 + 150 * 1 / 12) / 950)
    assert got[T2] == pytest.approx((600 * 0.85 + 100 * 1 / 12) / 700)
    assert got[T3] == pytest.approx(0.85)  # residents only
    ungrouped = compare.expected_by_targets(targets, Period(2023, 1), [])
    assert ungrouped == pytest.approx((1700 * 0.85 + 250 / 12) / 1950)


def test_enrollment_plan_curve() -> None:
    curve = compare.enrollment_plan_curve(TARGETS, 3)
    assert curve["month"].tolist() == [1, 2, 3]
    assert curve["planned"].tolist() == pytest.approx(
        [1700 * 0.85 + 250 * 1 / 12, 1700 * 0.97 + 250 * 2 / 12, 1700 * 1.0 + 250 * 3 / 12]
    )


def test_linear_progress_of_budgets() -> None:
    assert compare.linear_expected(Period(2023, 10)) == pytest.approx(10 / 12)
    assert compare.budget_pace_curve(160000.0, 3)["planned"].tolist() == pytest.approx(
        [160000 / 12, 160000 * 2 / 12, 160000 * 3 / 12]
    )


def test_status_against_expected_progress() -> None:
    expected = enrollment_expected(Period(2023, 3), TARGETS)  # (1700 + 62.5)/1950 = 0.9038
    assert expected == pytest.approx((1700 + 250 * 3 / 12) / 1950)
    # the fixture county: 1768/1950 = 0.9067, ahead of 0.9038
    assert compare.status_vs_progress(1768 / 1950, expected) is Status.GREEN
    assert compare.status_vs_progress(expected - 0.04, expected) is Status.AMBER
    assert compare.status_vs_progress(expected - 0.06, expected) is Status.RED
    assert compare.status_vs_progress(None, expected) is Status.NONE
    # DRG execution: lower is better; 47000/160000 = 29.4% against 3/12 = 25% is 4.4 pp over
    assert compare.status_vs_progress(47000 / 160000, 3 / 12, False) is Status.AMBER
