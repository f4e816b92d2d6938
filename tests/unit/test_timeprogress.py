"""时序进度: linear, seasonal curve, by day, and the dispatcher."""

from __future__ import annotations

import datetime

import pytest

from metrics import settings
from metrics.timeprogress import (
    curve_progress,
    day_progress,
    expected_progress,
    linear_progress,
    validate_curve,
)

CAMPAIGN = settings.RESIDENT_CAMPAIGN_PLAN


def test_linear_progress() -> None:
    assert linear_progress(1) == pytest.approx(1 / 12)
    assert linear_progress(10) == pytest.approx(0.833333)  # 10/12, the Jan-Oct report
    assert linear_progress(12) == 1.0


@pytest.mark.parametrize("month", [0, 13, -1, 1.5, True, "3"])
def test_month_out_of_range(month: object) -> None:
    with pytest.raises(ValueError, match="月份必须是1到12之间的整数"):
        linear_progress(month)  # type: ignore[arg-type]


def test_curve_progress_resident_campaign() -> None:
    assert curve_progress(1, CAMPAIGN) == 0.85
    assert curve_progress(2, CAMPAIGN) == 0.97
    assert curve_progress(3, CAMPAIGN) == 1.0
    assert curve_progress(12, CAMPAIGN) == 1.0


def _curve(**changes: float) -> dict[int, float]:
    curve = {m: m / 12 for m in range(1, 13)}
    curve.update({int(k[1:]): v for k, v in changes.items()})
    return curve


def test_curve_validation() -> None:
    validate_curve(_curve())  # the linear plan written as a curve is valid
    with pytest.raises(ValueError, match="1-12月"):
        validate_curve({m: 1.0 for m in range(1, 12)})
    with pytest.raises(ValueError, match="不能下降"):
        validate_curve(_curve(m5=0.2))  # 0.2 after April's 4/12 = 0.333
    with pytest.raises(ValueError, match="不在0到1之间"):
        validate_curve(_curve(m1=-0.1))
    with pytest.raises(ValueError, match="12月的累计进度须为1"):
        validate_curve(_curve(m12=0.99))
    with pytest.raises(ValueError, match="不在0到1之间"):
        validate_curve(_curve(m12=1.2))


def test_curve_tolerates_binary_sums() -> None:
    # 0.1 * 10 summed in floats is 0.9999999999999999: still "reaches 1".
    shares = [0.0, 0.0] + [0.1] * 10
    curve, acc = {}, 0.0
    for month, share in enumerate(shares, start=1):
        acc += share
        curve[month] = acc
    assert curve_progress(12, curve) == pytest.approx(1.0)


def test_day_progress() -> None:
    assert day_progress(datetime.date(2023, 1, 1)) == pytest.approx(1 / 365)
    assert day_progress(datetime.date(2023, 12, 31)) == 1.0
    # 2023-10-31 is day 304 (31+28+31+30+31+30+31+31+30+31)
    assert day_progress(datetime.date(2023, 10, 31)) == pytest.approx(304 / 365)
    # 2024 is a leap year: 29 Feb 2024 (end of the extended campaign) is day 60 of 366
    assert day_progress(datetime.date(2024, 2, 29)) == pytest.approx(60 / 366)
    assert day_progress(datetime.datetime(2024, 12, 31, 23, 59)) == 1.0


def test_expected_progress_dispatch() -> None:
    assert expected_progress(6) == 0.5  # 6/12
    assert expected_progress(6, settings.EMPLOYEE_PLAN) == 0.5
    assert expected_progress(2, CAMPAIGN) == 0.97
    with pytest.raises(ValueError, match="未知的进度计划"):
        expected_progress(6, "seasonal")
    with pytest.raises(ValueError, match="月份"):
        expected_progress(13, CAMPAIGN)
