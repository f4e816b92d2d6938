"""时序进度: the share of the year's target the plan expects to be done by a point in time.

By default the plan expects m/12 by the end of month m; an area with a seasonal plan (the resident
enrollment campaign, see ``settings.RESIDENT_CAMPAIGN_PLAN``) gives its cumulative share by month.
"""

from __future__ import annotations

import calendar
import datetime
import math
from collections.abc import Mapping

_MONTHS = range(1, 13)
_TOLERANCE = 1e-9  # curves typed by hand as 0.1 + 0.2 ... need not sum to 1 in binary exactly


def _check_month(month: int) -> None:
    if isinstance(month, bool) or not isinstance(month, int) or month not in _MONTHS:
        raise ValueError(f"月份必须是1到12之间的整数,收到:{month!r}。")


def validate_curve(curve: Mapping[int, float]) -> None:
    """Raise ValueError (in Chinese) unless ``curve`` is a cumulative monthly plan.

    A valid curve has exactly the keys 1..12, values within [0, 1], never decreasing, and
    reaches 1 in December, e.g. ``{1: 0.85, 2: 0.97, 3: 1.0, ..., 12: 1.0}``.
    """
    if set(curve) != set(_MONTHS):
        missing = sorted(set(_MONTHS) - set(curve))
        extra = sorted(set(curve) - set(_MONTHS), key=repr)
        raise ValueError(f"进度计划须包含1-12月且仅含这12个月;缺少:{missing},多余:{extra}。")
    previous = 0.0
    for month in _MONTHS:
        value = float(curve[month])
        if not math.isfinite(value) or value < -_TOLERANCE or value > 1 + _TOLERANCE:
            raise ValueError(f"进度计划{month}月的累计进度{value}不在0到1之间。")
        if value < previous - _TOLERANCE:
            raise ValueError(
                f"进度计划为累计进度,不能下降:{month}月为{value},低于上月的{previous}。"
            )
        previous = value
    if not math.isclose(previous, 1.0, abs_tol=_TOLERANCE):
        raise ValueError(f"进度计划12月的累计进度须为1(全年完成),当前为{previous}。")


def linear_progress(month: int) -> float:
    """Time progress at the end of ``month``: month / 12 (end of October -> 10/12)."""
    _check_month(month)
    return month / 12


def curve_progress(month: int, curve: Mapping[int, float]) -> float:
    """Cumulative share planned by the end of ``month`` under a seasonal plan.

    >>> curve_progress(2, {1: 0.85, 2: 0.97, **{m: 1.0 for m in range(3, 13)}})
    0.97
    """
    _check_month(month)
    validate_curve(curve)
    return float(curve[month])


def day_progress(as_of: datetime.date) -> float:
    """Days elapsed in the year, counting ``as_of`` itself, over the days of that year.

    1 January -> 1/365; 31 December -> 1.0; leap years count 366 days.
    """
    days_in_year = 366 if calendar.isleap(as_of.year) else 365
    return as_of.timetuple().tm_yday / days_in_year


def expected_progress(month: int, plan: str | Mapping[int, float] = "linear") -> float:
    """Dispatch on the plan: ``"linear"`` (m/12) or a cumulative monthly curve."""
    if isinstance(plan, str):
        if plan == "linear":
            return linear_progress(month)
        raise ValueError(f"未知的进度计划:{plan!r}。可用 'linear' 或按月累计进度表。")
    return curve_progress(month, plan)
