"""Numbers written the way the bureau writes them: 万元/亿元/万人 with two decimals, HALF-UP.

Rounding goes through ``decimal.Decimal`` built from ``repr`` of a float, so 2.675 rounds to 2.68
as a person would round it (Python's ``round`` gives 2.67 because of binary floats and rounds
half to even). Missing values (None, NaN, pandas NA, ±inf) are written as "—".

>>> fmt_wan_persons(945200)
'94.52万人'
>>> fmt_yi_yuan(928000000, unit="亿")
'9.28亿'
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from numbers import Real
from typing import Any

MISSING = "—"

_WAN_SHIFT = -4  # 1万 = 10^4
_YI_SHIFT = -8  # 1亿 = 10^8
_PCT_SHIFT = 2  # ratio -> percent / percentage points


def _is_missing(x: Any) -> bool:
    """True for None, NaN, ±inf and pandas' NA/NaT (checked by name to avoid importing pandas)."""
    if x is None or type(x).__name__ in {"NAType", "NaTType"}:
        return True
    if isinstance(x, Decimal):
        return not x.is_finite()
    try:
        return not math.isfinite(float(x))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"无法作为数值处理:{x!r}") from exc


def _to_decimal(x: Any) -> Decimal:
    """Exact decimal of what the user sees: floats go through ``repr`` (2.675 -> '2.675')."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, int):
        return Decimal(x)
    if isinstance(x, float):
        return Decimal(repr(float(x)))  # float() drops a numpy repr like "np.float64(2.675)"
    # numpy scalars and other numbers: their str is the short repr as well.
    return Decimal(str(x))


def _quantize(d: Decimal, digits: int) -> Decimal:
    q = d.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    # -0.001 rounds to "-0.00": a sign on zero would read as a decrease.
    return abs(q) if q == 0 else q


def _fmt_decimal(d: Decimal, digits: int, sep: bool) -> str:
    return format(_quantize(d, digits), ",f" if sep else "f")


def round_half_up(x: float, digits: int = 2) -> float:
    """Round half away from zero: 0.125 -> 0.13, 2.675 -> 2.68 (``round`` gives 0.12, 2.67).

    Non-finite input is returned unchanged (NaN stays NaN).
    """
    if isinstance(x, float) and not math.isfinite(x):
        return x
    return float(_quantize(_to_decimal(x), digits))


def round_to_total(values: list[float | None], digits: int = 2) -> list[float | None]:
    """Rounds values so that the rounded ones add up to the rounded sum (largest remainder).

    Each value is cut down to `digits` decimals; the units still missing to reach the half-up
    rounded total of the unrounded values go, one each, to the values with the largest cut-off
    remainders (ties: the earlier row). Missing values stay missing and count as nothing. This is
    the rule for tables with a 合计 row: the rows add up to the total as printed.

    >>> round_to_total([0.335, 0.335, 0.33], 2)  # plain half-up would give 0.34+0.34+0.33 = 1.01
    [0.34, 0.33, 0.33]
    """
    step = Decimal(1).scaleb(-digits)
    present = [(i, _to_decimal(v)) for i, v in enumerate(values) if not _is_missing(v)]
    total = _quantize(sum((d for _, d in present), Decimal(0)), digits)
    floors = {i: (d / step).to_integral_value(rounding="ROUND_FLOOR") for i, d in present}
    missing_units = int(total / step - sum(floors.values(), Decimal(0)))
    by_remainder = sorted(present, key=lambda p: (-(p[1] / step - floors[p[0]]), p[0]))
    out: list[float | None] = [None] * len(values)
    extra = {i for i, _ in by_remainder[: max(0, missing_units)]}
    for i, _ in present:
        out[i] = float((floors[i] + (1 if i in extra else 0)) * step)
    return out


def yuan_to_wan(yuan: float) -> float:
    """元 -> 万元, unrounded: 14568500 -> 1456.85."""
    return float(yuan) / 10_000


def yuan_to_yi(yuan: float) -> float:
    """元 -> 亿元, unrounded: 928000000 -> 9.28."""
    return float(yuan) / 100_000_000


def persons_to_wan(n: float) -> float:
    """人 -> 万人, unrounded: 945200 -> 94.52."""
    return float(n) / 10_000


def fmt_number(x: Real | Decimal | None, digits: int = 2, sep: bool = False) -> str:
    """Half-up with a fixed number of decimals: ``fmt_number(1234.5, sep=True) == '1,234.50'``."""
    if _is_missing(x):
        return MISSING
    return _fmt_decimal(_to_decimal(x), digits, sep)


def fmt_wan_yuan(
    yuan: Real | Decimal | None, digits: int = 2, unit: bool = True, sep: bool = False
) -> str:
    """元 written in 万元: 14568500 -> '1456.85万元' (unit=False -> '1456.85')."""
    if _is_missing(yuan):
        return MISSING
    text = _fmt_decimal(_to_decimal(yuan).scaleb(_WAN_SHIFT), digits, sep)
    return text + ("万元" if unit else "")


def fmt_yi_yuan(yuan: Real | Decimal | None, digits: int = 2, unit: str = "亿元") -> str:
    """元 written in 亿: 928000000 -> '9.28亿元'; reports often write ``unit='亿'``."""
    if _is_missing(yuan):
        return MISSING
    return _fmt_decimal(_to_decimal(yuan).scaleb(_YI_SHIFT), digits, False) + unit


def fmt_wan_persons(n: Real | Decimal | None, digits: int = 2, unit: bool = True) -> str:
    """Persons written in 万人 (county level): 945200 -> '94.52万人'."""
    if _is_missing(n):
        return MISSING
    return _fmt_decimal(_to_decimal(n).scaleb(_WAN_SHIFT), digits, False) + ("万人" if unit else "")


def fmt_persons(n: Real | Decimal | None, unit: bool = True, sep: bool = False) -> str:
    """Whole persons (township level), half-up: 19429 -> '19429人'."""
    if _is_missing(n):
        return MISSING
    return _fmt_decimal(_to_decimal(n), 0, sep) + ("人" if unit else "")


def fmt_person_times(n: Real | Decimal | None, sep: bool = False) -> str:
    """Visits / settlements counted in 人次: 19429 -> '19429人次'."""
    if _is_missing(n):
        return MISSING
    return _fmt_decimal(_to_decimal(n), 0, sep) + "人次"


def fmt_pct(ratio: Real | Decimal | None, digits: int = 2) -> str:
    """A ratio as a percentage: 0.94517 -> '94.52%'; completion 1.02 with digits=0 -> '102%'."""
    if _is_missing(ratio):
        return MISSING
    return _fmt_decimal(_to_decimal(ratio).scaleb(_PCT_SHIFT), digits, False) + "%"


def fmt_pp(delta: Real | Decimal | None, digits: int = 2, words: bool = True) -> str:
    """A difference of two ratios in 百分点.

    0.0123 -> '上升1.23个百分点', -0.005 -> '下降0.50个百分点', 0 -> '持平'.
    With ``words=False``: '+1.23个百分点', '-0.50个百分点', '0.00个百分点'.
    The direction follows the ROUNDED value, so a change too small to show reads as 持平.
    """
    if _is_missing(delta):
        return MISSING
    q = _quantize(_to_decimal(delta).scaleb(_PCT_SHIFT), digits)
    magnitude = format(abs(q), "f")
    if words:
        if q == 0:
            return "持平"
        return ("上升" if q > 0 else "下降") + magnitude + "个百分点"
    sign = "+" if q > 0 else "-" if q < 0 else ""
    return sign + magnitude + "个百分点"


def fmt_change(ratio_change: Real | Decimal | None, digits: int = 2) -> str:
    """Growth of an amount (同比/环比 of money or persons), e.g. 0.032 -> '增长3.20%'.

    -0.011 -> '下降1.10%'; zero after rounding reads as '持平'.
    """
    if _is_missing(ratio_change):
        return MISSING
    q = _quantize(_to_decimal(ratio_change).scaleb(_PCT_SHIFT), digits)
    if q == 0:
        return "持平"
    return ("增长" if q > 0 else "下降") + format(abs(q), "f") + "%"


def fmt_months(x: Real | Decimal | None, digits: int = 1) -> str:
    """Months payable: 8.25 -> '8.3个月'."""
    if _is_missing(x):
        return MISSING
    return _fmt_decimal(_to_decimal(x), digits, False) + "个月"


def growth_rate(current: float | None, previous: float | None) -> float | None:
    """(current - previous) / |previous|; None when either is missing or previous is 0.

    Dividing by |previous| keeps the sign meaning "went up" when the base is negative
    (e.g. 当期结余 going from -100 to -50 is +50%, an improvement).

    >>> growth_rate(120, 100)
    0.2
    """
    if _is_missing(current) or _is_missing(previous):
        return None
    prev = float(previous)  # type: ignore[arg-type]
    if prev == 0:
        return None
    return (float(current) - prev) / abs(prev)  # type: ignore[arg-type]


def safe_ratio(num: float | None, den: float | None) -> float | None:
    """num / den, or None when either is missing or den is 0 (never raises, never inf)."""
    if _is_missing(num) or _is_missing(den):
        return None
    d = float(den)  # type: ignore[arg-type]
    if d == 0:
        return None
    return float(num) / d  # type: ignore[arg-type]
