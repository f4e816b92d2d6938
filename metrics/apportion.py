"""Splitting the county's annual enrollment target across townships into whole persons.

All arithmetic is exact (``fractions.Fraction``), so the result is the same on every machine
and always sums to the county total. The planner can lock a township's number, and give floors
and caps (by default a township never gets more than its population, see ``default_caps``).

>>> hamilton(10, {"甲": 6, "乙": 6, "丙": 2})
{'甲': 4, '乙': 4, '丙': 2}
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from fractions import Fraction
from numbers import Integral, Real

__all__ = [
    "PlanInfeasible",
    "by_last_year",
    "by_population",
    "default_caps",
    "equal_coverage",
    "gap_closing",
    "hamilton",
]


class PlanInfeasible(ValueError):
    """The constraints cannot all be met; ``message`` says why, in Chinese, with the amounts."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _p(n: int | Fraction) -> str:
    """Persons with thousands separators, as in 任务分解表: 1000175 -> '1,000,175人'."""
    return f"{int(n):,}人"


def _names(keys: Iterable[str]) -> str:
    return "、".join(sorted(keys))


# --- input checking ------------------------------------------------------------------------


def _as_int(value: object, what: str) -> int:
    """A whole number of persons; integral floats (2000.0 from pandas) are accepted."""
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real) and math.isfinite(float(value)) and float(value).is_integer():
        return int(value)
    raise PlanInfeasible(f"{what}必须是整数人数,收到:{value!r}。")


def _as_weight(value: object, key: str, label: str) -> Fraction:
    # Fraction(float) is the exact binary value; no limit_denominator, no str() round trip.
    real_float = isinstance(value, Real) and not isinstance(value, Integral | Fraction)
    if real_float and not math.isfinite(float(value)):  # type: ignore[arg-type]
        raise PlanInfeasible(f"乡镇“{key}”的{label}无效:{value!r}。")
    try:
        w = Fraction(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise PlanInfeasible(f"乡镇“{key}”的{label}不是数值:{value!r}。") from exc
    if w < 0:
        raise PlanInfeasible(f"乡镇“{key}”的{label}为{value},不能为负数。")
    return w


def _bounds(
    keys: Mapping[str, object], given: Mapping[str, object] | None, what: str
) -> dict[str, int]:
    given = given or {}
    unknown = [k for k in given if k not in keys]
    if unknown:
        raise PlanInfeasible(f"{what}中有未知乡镇:{_names(unknown)}。请检查乡镇名称。")
    out = {}
    for k, v in given.items():
        n = _as_int(v, f"乡镇“{k}”的{what}")
        if n < 0:
            raise PlanInfeasible(f"乡镇“{k}”的{what}为{_p(n)},不能为负数。")
        out[k] = n
    return out


def _check_total(total: object) -> int:
    n = _as_int(total, "县级任务数")
    if n < 0:
        raise PlanInfeasible(f"县级任务数不能为负数,收到{_p(n)}。")
    return n


# --- exact bounded quotas ------------------------------------------------------------------


def _clamp(x: Fraction, lo: int, hi: int | None) -> Fraction:
    x = max(x, Fraction(lo))
    return x if hi is None else min(x, Fraction(hi))


def _bounded_quotas(
    rest: int,
    base: Mapping[str, Fraction],
    slope: Mapping[str, Fraction],
    lo: Mapping[str, int],
    hi: Mapping[str, int | None],
) -> dict[str, Fraction]:
    """Exact quotas q_k = clamp(base_k + t * slope_k, lo_k, hi_k) with sum q_k = rest.

    Iterative bounding: solve t for the free townships, then fix the violators of ONE side at
    their bound and re-split. Which side: if the overshoot above caps is at least the shortfall
    below floors, clamping everything leaves the sum <= rest, so t can only grow and the capped
    ones stay capped (symmetrically for floors). Fixing both sides at once could fix a township
    at its floor that would no longer need it. Each round fixes one township or more, so at most
    n rounds. Feasibility is checked by the caller.
    """
    quotas = {k: _clamp(base[k], lo[k], hi[k]) for k in base if slope[k] == 0}
    free = sorted(k for k in base if slope[k] > 0)
    while free:
        left = rest - sum(quotas.values(), Fraction(0))
        t = (left - sum(base[k] for k in free)) / sum(slope[k] for k in free)
        trial = {k: base[k] + t * slope[k] for k in free}
        over = [k for k in free if hi[k] is not None and trial[k] > hi[k]]
        under = [k for k in free if trial[k] < lo[k]]
        if not over and not under:
            quotas.update(trial)
            break
        excess = sum((trial[k] - hi[k] for k in over), Fraction(0))  # type: ignore[operator]
        shortfall = sum((lo[k] - trial[k] for k in under), Fraction(0))
        if excess >= shortfall:
            quotas.update({k: Fraction(hi[k]) for k in over})  # type: ignore[arg-type]
        if shortfall >= excess:
            quotas.update({k: Fraction(lo[k]) for k in under})
        free = [k for k in free if k not in quotas]
    if sum(quotas.values(), Fraction(0)) != rest:  # pragma: no cover - excluded by the checks
        raise PlanInfeasible("分配无法满足各项约束,请检查锁定数、下限和上限。")
    return quotas


def _round_hamilton(
    rest: int, quotas: Mapping[str, Fraction], slope: Mapping[str, Fraction]
) -> dict[str, int]:
    """Integer parts first, then one more person each to the largest fractional parts.

    Ties: larger weight (slope) first, then township key ascending. Because floors and caps are
    integers and lo <= q <= hi, floor(q) >= lo and, where q has a fraction, floor(q) + 1 <= hi:
    the rounding cannot break a bound.
    """
    seats = {k: math.floor(q) for k, q in quotas.items()}
    left = rest - sum(seats.values())
    order = sorted(quotas, key=lambda k: (-(quotas[k] - seats[k]), -slope[k], k))
    for k in order[:left]:
        seats[k] += 1
    return seats


def _allocate(
    total: object,
    keys: Mapping[str, object],
    base: Mapping[str, Fraction],
    slope: Mapping[str, Fraction],
    floors: Mapping[str, object] | None,
    caps: Mapping[str, object] | None,
    locks: Mapping[str, object] | None,
    zero_label: str,
) -> dict[str, int]:
    """Validate, check feasibility with amounts in the message, then bound and round."""
    n_total = _check_total(total)
    if not keys and n_total > 0:
        raise PlanInfeasible(f"没有可分配的乡镇,无法分解县级任务数{_p(n_total)}。")
    fl = _bounds(keys, floors, "下限")
    cp = _bounds(keys, caps, "上限")
    lk = _bounds(keys, locks, "锁定数")
    for k in keys:
        if k in fl and k in cp and fl[k] > cp[k]:
            raise PlanInfeasible(
                f"乡镇“{k}”的下限{_p(fl[k])}高于上限{_p(cp[k])},相差{_p(fl[k] - cp[k])}。"
                "请调整下限或上限。"
            )
        if k in lk and lk[k] < fl.get(k, 0):
            raise PlanInfeasible(
                f"乡镇“{k}”的锁定数{_p(lk[k])}低于其下限{_p(fl[k])},相差{_p(fl[k] - lk[k])}。"
                "请调整锁定数或下限。"
            )
        if k in lk and k in cp and lk[k] > cp[k]:
            raise PlanInfeasible(
                f"乡镇“{k}”的锁定数{_p(lk[k])}高于其上限{_p(cp[k])},相差{_p(lk[k] - cp[k])}。"
                "请调整锁定数或上限。"
            )

    open_keys = [k for k in keys if k not in lk]
    locked = sum(lk.values())
    rest = n_total - locked
    lo = {k: fl.get(k, 0) for k in open_keys}
    hi: dict[str, int | None] = {k: cp.get(k) for k in open_keys}

    low_sum = locked + sum(lo.values())
    if low_sum > n_total:
        # (what is summed, what to lower)
        named = (("锁定数", "锁定数", lk), ("各乡镇下限", "下限", fl))
        parts = [(p, q) for p, q, on in named if on]
        raise PlanInfeasible(
            f"{'与'.join(p for p, _ in parts)}合计{_p(low_sum)},超过县级任务数{_p(n_total)},"
            f"相差{_p(low_sum - n_total)}。请降低{'或'.join(q for _, q in parts)}。"
        )
    if all(hi[k] is not None for k in open_keys):
        high_sum = locked + sum(hi[k] or 0 for k in open_keys)
        if high_sum < n_total:
            what = "与".join(p for p, on in (("锁定数", lk), ("各乡镇上限", open_keys)) if on)
            raise PlanInfeasible(
                f"{what}合计{_p(high_sum)},低于县级任务数{_p(n_total)},"
                f"相差{_p(n_total - high_sum)}。请提高上限或锁定数。"
            )

    # Townships without weight cannot follow the split: they stay where their base puts them.
    fixed = [k for k in open_keys if slope[k] == 0]
    fixed_sum = sum(_clamp(base[k], lo[k], hi[k]) for k in fixed)
    moving = [k for k in open_keys if slope[k] > 0]
    if not moving and rest != fixed_sum:
        raise PlanInfeasible(
            f"未锁定乡镇的{zero_label}合计为0,剩余的{_p(rest - fixed_sum)}无法按比例分配。"
            "请检查数据,或直接锁定各乡镇任务数。"
        )
    if moving:
        can_max = None if any(hi[k] is None for k in moving) else sum(hi[k] or 0 for k in moving)
        can_min = sum(lo[k] for k in moving)
        zeros = f"{zero_label}为0的乡镇({_names(fixed)})" if fixed else ""
        if can_max is not None and can_max + fixed_sum < rest:
            raise PlanInfeasible(
                f"可按比例增加的乡镇已全部达到上限,剩余{_p(rest - can_max - fixed_sum)}"
                f"只能分给{zeros},无法按比例分配。请提高上限或检查数据。"
            )
        if can_min + fixed_sum > rest:
            raise PlanInfeasible(
                f"{zeros}保持{_p(fixed_sum)},其余乡镇下限合计{_p(can_min)},"
                f"加上锁定数共{_p(locked + fixed_sum + can_min)},超过县级任务数{_p(n_total)},"
                f"相差{_p(locked + fixed_sum + can_min - n_total)}。请降低下限或锁定数。"
            )

    quotas = _bounded_quotas(
        rest,
        {k: base[k] for k in open_keys},
        {k: slope[k] for k in open_keys},
        lo,
        hi,
    )
    seats = _round_hamilton(rest, quotas, slope)
    # Same order as the caller's mapping, so tables keep the planner's township order.
    return {k: lk[k] if k in lk else seats[k] for k in keys}


# --- public API ----------------------------------------------------------------------------


def hamilton(
    total: int,
    weights: Mapping[str, Fraction | int | float],
    floors: Mapping[str, int] | None = None,
    caps: Mapping[str, int] | None = None,
    locks: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Largest-remainder (Hamilton) apportionment of ``total`` persons in proportion to ``weights``.

    Locked townships keep their number; the others share ``total - sum(locks)`` exactly in
    proportion to their weight, bounded by ``floors`` and ``caps`` (iterative bounding, exact
    fractions), then each gets the integer part of its quota and the persons left over go one
    each to the largest fractional parts. Ties between equal fractional parts: larger weight
    first, then township key ascending, so the result never depends on dict order. The result
    sums exactly to ``total`` and keeps the order of ``weights``.

    Floats are taken at their exact binary value (``Fraction(0.1)``), not rounded first.
    Raises ``PlanInfeasible`` (Chinese ``.message`` with the amounts) when the constraints
    cannot be met.

    >>> hamilton(11, {"甲": 6, "乙": 6, "丙": 2})  # Alabama paradox: 丙 had 2 of 10
    {'甲': 5, '乙': 5, '丙': 1}
    >>> hamilton(100, {"甲": 1, "乙": 1}, floors={"乙": 60})
    {'甲': 40, '乙': 60}
    """
    w = {k: _as_weight(v, k, "权重") for k, v in weights.items()}
    zero = dict.fromkeys(w, Fraction(0))
    return _allocate(total, w, zero, w, floors, caps, locks, "权重")


def default_caps(population: Mapping[str, float]) -> dict[str, int]:
    """Caps so that no township is asked to enroll more people than it has: its population.

    Fractional populations (estimates) are rounded down so the cap never exceeds them.
    """
    return {k: math.floor(v) for k, v in population.items()}


def by_population(
    total: int,
    population: Mapping[str, float],
    *,
    floors: Mapping[str, int] | None = None,
    caps: Mapping[str, int] | None = None,
    locks: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Targets in proportion to each township's 户籍人口."""
    return hamilton(total, population, floors=floors, caps=caps, locks=locks)


def by_last_year(
    total: int,
    enrolled_last_year: Mapping[str, float],
    *,
    floors: Mapping[str, int] | None = None,
    caps: Mapping[str, int] | None = None,
    locks: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Targets in proportion to last year's enrolled persons (everyone grows by the same rate)."""
    return hamilton(total, enrolled_last_year, floors=floors, caps=caps, locks=locks)


def equal_coverage(
    total: int,
    population: Mapping[str, float],
    *,
    floors: Mapping[str, int] | None = None,
    caps: Mapping[str, int] | None = None,
    locks: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Targets giving every township the same coverage rate, total / sum(population).

    Same coverage c for all means target_k = c * pop_k, i.e. proportional to population, so the
    numbers equal ``by_population``; this is the planner's wording of it ("每个乡镇参保率相同"),
    kept as its own method. Rounding moves each township by less than one person from the exact
    c * pop_k. Floors, caps and locks, where they bind, break the equality for those townships.
    """
    return hamilton(total, population, floors=floors, caps=caps, locks=locks)


def gap_closing(
    total: int,
    population: Mapping[str, float],
    enrolled_last_year: Mapping[str, float],
    *,
    floors: Mapping[str, int] | None = None,
    caps: Mapping[str, int] | None = None,
    locks: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Last year's enrolled plus a share of the county increase where people are not yet covered.

    target_k = enrolled_k + (total - sum(enrolled)) * gap_k / sum(gap), with
    gap_k = max(population_k - enrolled_k, 0). Example: populations 1000/1000, enrolled 900/500,
    total 1500 -> increase 100 split 100:500 -> 917/583 (916.67 and 583.33, rounded).

    Townships without a gap keep last year's number. When floors or caps bind, the other
    townships share the difference along the same gap weights (this can take a township below
    last year if high floors force it). When the county total is below last year's enrolled
    there is no gap to close: every township shrinks by the same proportion of last year's
    enrolled, which is ``by_last_year``.
    """
    if set(population) != set(enrolled_last_year):
        diff = set(population) ^ set(enrolled_last_year)
        raise PlanInfeasible(f"户籍人口与上年参保人数的乡镇不一致:{_names(diff)}。")
    pop = {k: _as_weight(v, k, "户籍人口") for k, v in population.items()}
    enrolled = {k: _as_weight(enrolled_last_year[k], k, "上年参保人数") for k in population}
    n_total = _check_total(total)
    if n_total < sum(enrolled.values()):
        return by_last_year(n_total, enrolled, floors=floors, caps=caps, locks=locks)
    gap = {k: max(pop[k] - enrolled[k], Fraction(0)) for k in pop}
    return _allocate(n_total, pop, enrolled, gap, floors, caps, locks, "未参保人口")
