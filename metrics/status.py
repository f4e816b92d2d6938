"""Red / amber / green against 时序进度, and the months-payable band of a fund."""

from __future__ import annotations

import math
from enum import Enum

from metrics import settings
from metrics.settings import MonthsBand
from metrics.units import round_half_up

# Ratios computed from counts land on a band edge as e.g. 0.44999999999999996; a colour must
# not flip on binary noise.
_EPS = 1e-12


class Status(Enum):
    """Traffic-light status. ``value`` is the Chinese label, so tables show it as is."""

    GREEN = "正常"
    AMBER = "预警"
    RED = "滞后"
    NONE = "无数据"

    @property
    def label(self) -> str:
        return self.value

    @property
    def code(self) -> str:
        """Stable ASCII code ("green", ...) for CSS classes and storage."""
        return self.name.lower()

    @classmethod
    def of(cls, code: object) -> Status:
        """The status of a code ("red"); NONE for anything else (a missing cell).

        Result frames hold codes, not members: charts and caches serialise them as text.
        """
        return cls.__members__.get(str(code).upper(), cls.NONE)

    @property
    def color(self) -> str:
        return _COLORS[self]

    @property
    def emoji(self) -> str:
        return _EMOJI[self]

    @property
    def severity(self) -> int:
        """0 none, 1 green, 2 amber, 3 red: ``max(statuses, key=...)`` gives the worst."""
        return _SEVERITY[self]


_COLORS = {
    Status.GREEN: "#2e7d32",
    Status.AMBER: "#f9a825",
    Status.RED: "#c62828",
    Status.NONE: "#9e9e9e",
}
_EMOJI = {Status.GREEN: "🟢", Status.AMBER: "🟡", Status.RED: "🔴", Status.NONE: "⚪"}
_SEVERITY = {Status.NONE: 0, Status.GREEN: 1, Status.AMBER: 2, Status.RED: 3}


def _missing(x: float | None) -> bool:
    return x is None or not math.isfinite(float(x))


def rag(
    actual: float | None,
    expected: float | None,
    higher_is_better: bool = True,
    amber_pp: float = settings.RAG_AMBER_PP,
) -> Status:
    """Compare a progress ratio with the expected time progress (both ratios, 0.9 = 90%).

    Higher is better (enrollment completion): GREEN at or above ``expected``, AMBER within
    ``amber_pp`` below it, RED further behind. Lower is better (a pace that must not run ahead
    of time, e.g. DRG budget execution): GREEN at or below, AMBER within ``amber_pp`` above, RED
    beyond. ``amber_pp`` is a ratio difference: 0.05 = 5 percentage points.

    >>> rag(0.80, 10 / 12).label  # 80% done at the end of October (83.33% expected)
    '预警'
    """
    if _missing(actual) or _missing(expected):
        return Status.NONE
    if _missing(amber_pp) or amber_pp < 0:
        raise ValueError(f"预警区间必须是非负数(百分点的比例形式,如0.05),收到:{amber_pp!r}。")
    # Measure how far the figure is on the wrong side of the plan.
    behind = (expected - actual) if higher_is_better else (actual - expected)  # type: ignore[operator]
    if behind <= _EPS:
        return Status.GREEN
    if behind <= amber_pp + _EPS:
        return Status.AMBER
    return Status.RED


def _n(x: float) -> str:
    """Band edges as people write them: 6 -> '6', 4.5 -> '4.5'."""
    return f"{x:g}"


def months_payable_status(
    months: float | None, band: MonthsBand, digits: int | None = 1
) -> tuple[Status, str]:
    """Status and phrase for 累计结余可支付月数 against a band.

    The value is first rounded as ``fmt_months`` shows it (``digits``; None = raw), so a fund
    shown as "9.0个月" is never called 结余较多. With the default 3/6/9/15 band:
    2 -> (RED, '结余不足(低于3个月)'), 4 -> (AMBER, '结余偏少(3-6个月)'),
    7 -> (GREEN, '合理区间(6-9个月)'), 12 -> (AMBER, '结余较多(9-15个月)'),
    20 -> (RED, '结余偏多(超过15个月)'). Edges 6 and 9 are reasonable, 3 and 15 are amber.
    """
    if _missing(months):
        return Status.NONE, "无数据"
    m = float(months) if digits is None else round_half_up(float(months), digits)  # type: ignore[arg-type]
    b = band
    if m < b.low_alert:
        return Status.RED, f"结余不足(低于{_n(b.low_alert)}个月)"
    if m < b.reasonable_low:
        return Status.AMBER, f"结余偏少({_n(b.low_alert)}-{_n(b.reasonable_low)}个月)"
    if m <= b.reasonable_high:
        return Status.GREEN, f"合理区间({_n(b.reasonable_low)}-{_n(b.reasonable_high)}个月)"
    if m <= b.high_alert:
        return Status.AMBER, f"结余较多({_n(b.reasonable_high)}-{_n(b.high_alert)}个月)"
    return Status.RED, f"结余偏多(超过{_n(b.high_alert)}个月)"
