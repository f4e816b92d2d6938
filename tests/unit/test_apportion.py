"""Splitting the county enrollment target across townships (exact Hamilton with constraints)."""

from __future__ import annotations

import itertools
import math
import re
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.apportion import (
    PlanInfeasible,
    by_last_year,
    by_population,
    default_caps,
    equal_coverage,
    gap_closing,
    hamilton,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
HYP = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- textbook examples ---------------------------------------------------------------------


def test_alabama_paradox_wikipedia() -> None:
    # Source: Wikipedia, "Apportionment paradox" / "Alabama paradox", simplified example:
    # states of size 6, 6, 2.
    # 10 seats: quotas 10*6/14 = 4.286, 4.286, 10*2/14 = 1.429 -> integer parts 4+4+1 = 9,
    #   1 seat left -> largest remainder C (.429 > .286) -> 4, 4, 2.
    # 11 seats: quotas 11*6/14 = 4.714, 4.714, 11*2/14 = 1.571 -> 4+4+1 = 9, 2 seats left
    #   -> A and B (.714 > .571) -> 5, 5, 1: C loses a seat when the house grows.
    sizes = {"A": 6, "B": 6, "C": 2}
    assert hamilton(10, sizes) == {"A": 4, "B": 4, "C": 2}
    assert hamilton(11, sizes) == {"A": 5, "B": 5, "C": 1}


def test_comap_for_all_practical_purposes_exercise() -> None:
    # Source: COMAP, "For All Practical Purposes" 10th ed., ch. 14 exercise 15 (Hamilton/Hare
    # method, house sizes 89, 90, 91). Votes sum to 18,121,741.
    votes = {"A": 5576330, "B": 1387342, "C": 3334241, "D": 7512860, "E": 310968}
    # 89: quotas 27.387, 6.814, 16.375, 36.897, 1.527 -> parts 27+6+16+36+1 = 86, 3 left
    #     -> D (.897), B (.814), E (.527) -> 27, 7, 16, 37, 2
    assert hamilton(89, votes) == {"A": 27, "B": 7, "C": 16, "D": 37, "E": 2}
    # 90: quotas 27.694, 6.890, 16.559, 37.312, 1.544 -> 27+6+16+37+1 = 87, 3 left
    #     -> B (.890), A (.694), C (.559); E (.544) just misses -> 28, 7, 17, 37, 1
    assert hamilton(90, votes) == {"A": 28, "B": 7, "C": 17, "D": 37, "E": 1}
    # 91: quotas 28.002, 6.967, 16.743, 37.727, 1.562 -> 28+6+16+37+1 = 88, 3 left
    #     -> B (.967), C (.743), D (.727) -> 28, 7, 17, 38, 1
    assert hamilton(91, votes) == {"A": 28, "B": 7, "C": 17, "D": 38, "E": 1}


def test_tie_breaks() -> None:
    # quotas 0.5 and 1.5: equal remainders -> larger weight (乙, weight 3) first
    assert hamilton(2, {"甲": 1, "乙": 3}) == {"甲": 0, "乙": 2}
    # equal weights and remainders -> key ascending ("a" < "b"), whatever the dict order
    assert hamilton(1, {"b": 1, "a": 1}) == {"b": 0, "a": 1}


def test_exact_float_weights() -> None:
    # Fraction(0.2) == 2 * Fraction(0.1) exactly, so the quotas are exactly 1 and 2.
    assert hamilton(3, {"a": 0.1, "b": 0.2}) == {"a": 1, "b": 2}
    # 1/3 each of 100: 33.33 -> 33, 33, 33 + 1 to key "a" (all ties)
    assert hamilton(100, {"c": Fraction(1, 3), "a": Fraction(1, 3), "b": Fraction(1, 3)}) == {
        "c": 33,
        "a": 34,
        "b": 33,
    }


def test_floor_cap_and_lock() -> None:
    # Unconstrained: 100 split 1:1:2 -> 25, 25, 50.
    w = {"甲": 1, "乙": 1, "丙": 2}
    assert hamilton(100, w) == {"甲": 25, "乙": 25, "丙": 50}
    # 丙 capped at 40: the 60 left split 1:1 -> 30, 30.
    assert hamilton(100, w, caps={"丙": 40}) == {"甲": 30, "乙": 30, "丙": 40}
    # 甲 floored at 31: 69 left split 1:2 -> 23, 46.
    assert hamilton(100, w, floors={"甲": 31}) == {"甲": 31, "乙": 23, "丙": 46}
    # 乙 locked at 10: 90 split 1:2 -> 30, 60.
    assert hamilton(100, w, locks={"乙": 10}) == {"甲": 30, "乙": 10, "丙": 60}


def test_floor_and_cap_interact() -> None:
    # weights 1, 1, 8 of 100: quotas 10, 10, 80. Cap 丙 at 50 -> 50 left split 1:1 = 25, 25.
    # A floor of 甲 at 20 is then satisfied by 25 and must not stay fixed at 20 (fixing both
    # sides in the first round would give 20, 30, 50).
    got = hamilton(100, {"甲": 1, "乙": 1, "丙": 8}, floors={"甲": 20}, caps={"丙": 50})
    assert got == {"甲": 25, "乙": 25, "丙": 50}


def test_rounding_respects_cap() -> None:
    # quotas 2.5 and 2.5 with 乙 capped at 2 -> 乙 = 2, 甲 = 3
    assert hamilton(5, {"甲": 1, "乙": 1}, caps={"乙": 2}) == {"甲": 3, "乙": 2}


def test_zero_total_and_empty() -> None:
    assert hamilton(0, {"a": 1, "b": 2}) == {"a": 0, "b": 0}
    assert hamilton(0, {}) == {}
    # all-zero weights are fine when nothing is left to share
    assert hamilton(5, {"a": 0, "b": 0}, floors={"a": 2, "b": 3}) == {"a": 2, "b": 3}


# --- infeasible input ----------------------------------------------------------------------


def _raises(match: str, *args: object, **kwargs: object) -> str:
    with pytest.raises(PlanInfeasible) as info:
        hamilton(*args, **kwargs)  # type: ignore[arg-type]
    message = info.value.message
    assert isinstance(info.value, ValueError)
    assert str(info.value) == message
    assert CJK.search(message)
    assert re.search(match, message), message
    return message


def test_infeasible_messages_name_constraint_and_amount() -> None:
    w = {"莲塘镇": 3, "向塘镇": 2}
    # locks 1,000,000 + floor 2,000 = 1,002,000 > 1,000,175, short by 1,825
    msg = _raises("下限", 1000175, w, floors={"向塘镇": 2000}, locks={"莲塘镇": 1000000})
    assert msg == (
        "锁定数与各乡镇下限合计1,002,000人,超过县级任务数1,000,175人,相差1,825人。"
        "请降低锁定数或下限。"
    )
    # caps 600,000 + 400,000 = 1,000,000 < 1,000,175, short by 175
    msg = _raises("上限", 1000175, w, caps={"莲塘镇": 600000, "向塘镇": 400000})
    assert "各乡镇上限合计1,000,000人" in msg
    assert "相差175人" in msg
    _raises("不能为负数", -1, w)
    _raises("未知乡镇:塔城乡", 10, w, floors={"塔城乡": 1})
    _raises("未知乡镇", 10, w, caps={"塔城乡": 1})
    _raises("未知乡镇", 10, w, locks={"塔城乡": 1})
    _raises("锁定数.*低于其下限", 10, w, floors={"莲塘镇": 5}, locks={"莲塘镇": 3})
    _raises("锁定数.*高于其上限", 10, w, caps={"莲塘镇": 5}, locks={"莲塘镇": 8})
    _raises("下限.*高于上限", 10, w, floors={"莲塘镇": 6}, caps={"莲塘镇": 5})
    _raises("权重合计为0.*10人", 10, {"a": 0, "b": 0})
    _raises("达到上限.*5人.*权重为0的乡镇", 10, {"a": 1, "b": 0}, caps={"a": 5})
    _raises("不能为负数", 10, {"a": -1, "b": 2})
    _raises("无效", 10, {"a": float("nan"), "b": 2})
    _raises("整数", 10.5, w)
    _raises("整数", 10, w, floors={"莲塘镇": 2.5})
    _raises("没有可分配的乡镇", 10, {})


def test_integral_floats_accepted() -> None:
    # pandas often hands integers over as floats
    assert hamilton(10.0, {"a": 1, "b": 1}, floors={"a": 6.0}) == {"a": 6, "b": 4}  # type: ignore[arg-type]


# --- methods -------------------------------------------------------------------------------

POP = {"莲塘镇": 180000, "向塘镇": 95000, "塔城乡": 30000, "泾口乡": 45000}
ENROLLED = {"莲塘镇": 165000, "向塘镇": 90000, "塔城乡": 24000, "泾口乡": 40000}


def test_by_population_and_by_last_year() -> None:
    # 350,000 pop; total 332,500 = 95% of it -> exactly 95% of each township
    assert by_population(332500, POP) == {
        "莲塘镇": 171000,
        "向塘镇": 90250,
        "塔城乡": 28500,
        "泾口乡": 42750,
    }
    # enrolled sum 319,000; total 331,760 = 1.04 * 319,000 -> each grows 4%
    assert by_last_year(331760, ENROLLED) == {
        "莲塘镇": 171600,
        "向塘镇": 93600,
        "塔城乡": 24960,
        "泾口乡": 41600,
    }


def test_equal_coverage_within_one_person() -> None:
    total = 333333
    got = equal_coverage(total, POP)
    assert got == by_population(total, POP)
    assert sum(got.values()) == total
    rate = Fraction(total, sum(POP.values()))
    for k, pop in POP.items():
        assert abs(got[k] - rate * pop) < 1


def test_gap_closing() -> None:
    # Gaps: 15000, 5000, 6000, 5000 = 31,000. Increase 331,400 - 319,000 = 12,400 = 0.4 * 31,000
    # -> +6000, +2000, +2400, +2000.
    assert gap_closing(331400, POP, ENROLLED) == {
        "莲塘镇": 171000,
        "向塘镇": 92000,
        "塔城乡": 26400,
        "泾口乡": 42000,
    }
    # Increase 100 over gaps 100:500 -> 916.67 / 583.33 -> 917 / 583
    assert gap_closing(1500, {"x": 1000, "y": 1000}, {"x": 900, "y": 500}) == {"x": 917, "y": 583}


def test_gap_closing_without_gap_keeps_last_year() -> None:
    # 乙 is fully covered (gap 0): it keeps 500, 甲 takes the whole increase of 50.
    assert gap_closing(1450, {"甲": 1000, "乙": 500}, {"甲": 900, "乙": 500}) == {
        "甲": 950,
        "乙": 500,
    }


def test_gap_closing_shrinking_total_is_by_last_year() -> None:
    # Total 1,000 below last year's 1,400: no gap to close; 1000 * 900/1400 = 642.86,
    # 1000 * 500/1400 = 357.14 -> 643 / 357
    got = gap_closing(1000, {"x": 1000, "y": 1000}, {"x": 900, "y": 500})
    assert got == {"x": 643, "y": 357}
    assert got == by_last_year(1000, {"x": 900, "y": 500})


def test_gap_closing_default_caps_and_errors() -> None:
    caps = default_caps(POP)
    assert caps == POP
    assert default_caps({"a": 10.7}) == {"a": 10}
    # everyone to 100% is exactly the population
    assert gap_closing(350000, POP, ENROLLED, caps=caps) == POP
    with pytest.raises(PlanInfeasible, match=r"上限合计350,000人.*相差1人"):
        gap_closing(350001, POP, ENROLLED, caps=caps)
    with pytest.raises(PlanInfeasible, match="乡镇不一致"):
        gap_closing(10, {"a": 1}, {"b": 1})
    with pytest.raises(PlanInfeasible, match="未参保人口合计为0"):
        gap_closing(20, {"a": 5, "b": 5}, {"a": 5, "b": 5})


def test_gap_closing_with_lock() -> None:
    # 莲塘镇 locked at 170,000; the rest 161,400 - (90,000 + 24,000 + 40,000) = 7,400 increase
    # over gaps 5000 : 6000 : 5000 (16,000) -> 2312.5, 2775, 2312.5 -> 2312|2775|2312 + 1 left;
    # tie between 向塘镇 and 泾口乡 (weights equal) -> key ascending: "向塘镇" < "泾口乡".
    got = gap_closing(331400, POP, ENROLLED, locks={"莲塘镇": 170000})
    assert sorted(["向塘镇", "泾口乡"])[0] == "向塘镇"
    assert got == {"莲塘镇": 170000, "向塘镇": 92313, "塔城乡": 26775, "泾口乡": 42312}


# --- properties ----------------------------------------------------------------------------

names = st.text(alphabet="莲塘向镇乡街道口湖村", min_size=1, max_size=4)


@st.composite
def feasible_plans(draw: st.DrawFn) -> dict:
    """A known solution x first, then weights, floors <= x <= caps, locks = x: always feasible."""
    keys = draw(st.lists(names, min_size=1, max_size=30, unique=True))
    x = {k: draw(st.integers(0, 5000)) for k in keys}
    weights = {
        k: draw(
            st.one_of(
                st.integers(1, 10**6),
                st.floats(0.001, 1e6, allow_nan=False, allow_infinity=False),
                st.fractions(min_value=Fraction(1, 1000), max_value=1000),
            )
        )
        for k in keys
    }
    floors = {k: draw(st.integers(0, x[k])) for k in keys if draw(st.booleans())}
    caps = {k: x[k] + draw(st.integers(0, 3000)) for k in keys if draw(st.booleans())}
    locks = {k: x[k] for k in keys if draw(st.integers(0, 4)) == 0}
    return {
        "total": sum(x.values()),
        "weights": weights,
        "floors": floors,
        "caps": caps,
        "locks": locks,
    }


def _oracle_quotas(plan: dict) -> dict[str, Fraction]:
    """Independent exact quotas: scan the breakpoints of g(t) = sum clamp(t*w, lo, hi)."""
    w = {k: Fraction(v) for k, v in plan["weights"].items() if k not in plan["locks"]}
    lo = {k: plan["floors"].get(k, 0) for k in w}
    hi = {k: plan["caps"].get(k) for k in w}
    rest = plan["total"] - sum(plan["locks"].values())

    def clamp(k: str, t: Fraction) -> Fraction:
        v = max(t * w[k], Fraction(lo[k]))
        return v if hi[k] is None else min(v, Fraction(hi[k]))

    def g(t: Fraction) -> Fraction:
        return sum((clamp(k, t) for k in w), Fraction(0))

    points = sorted(
        {Fraction(0)}
        | {lo[k] / w[k] for k in w if w[k]}
        | {hi[k] / w[k] for k in w if w[k] and hi[k] is not None}
    )
    points.append(points[-1] + 1)  # g is linear beyond the last breakpoint
    for a, b in itertools.pairwise(points):
        if g(a) <= rest <= g(b) or b == points[-1]:
            t = a if g(b) == g(a) else a + (rest - g(a)) * (b - a) / (g(b) - g(a))
            return {k: clamp(k, t) for k in w}
    raise AssertionError("unreachable")


def _check_plan(plan: dict, got: dict[str, int]) -> None:
    assert list(got) == list(plan["weights"])  # keeps the caller's order
    assert all(isinstance(v, int) for v in got.values())
    assert sum(got.values()) == plan["total"]
    for k, v in plan["locks"].items():
        assert got[k] == v
    for k, v in plan["floors"].items():
        assert got[k] >= v
    for k, v in plan["caps"].items():
        assert got[k] <= v
    quotas = _oracle_quotas(plan)
    for k, q in quotas.items():
        assert got[k] in (math.floor(q), math.ceil(q)), (k, q, got[k])  # quota rule
    # largest remainders were served first
    ups = [q - math.floor(q) for k, q in quotas.items() if got[k] > q]
    downs = [q - math.floor(q) for k, q in quotas.items() if got[k] < q]
    if ups and downs:
        assert min(ups) >= max(downs)


def _call(plan: dict, order: list[str] | None = None) -> dict[str, int]:
    keys = order or list(plan["weights"])
    return hamilton(
        plan["total"],
        {k: plan["weights"][k] for k in keys},
        floors=plan["floors"],
        caps=plan["caps"],
        locks=plan["locks"],
    )


@HYP
@given(plan=feasible_plans(), data=st.data())
def test_feasible_plans_sum_respect_bounds_and_are_deterministic(plan: dict, data) -> None:
    got = _call(plan)
    _check_plan(plan, got)
    assert _call(plan) == got
    shuffled = data.draw(st.permutations(list(plan["weights"])))
    assert _call(plan, shuffled) == got  # dict equality: values do not depend on order


@st.composite
def any_plans(draw: st.DrawFn) -> dict:
    """Unconstrained input: zero weights, floors above totals, small caps, ... anything."""
    keys = draw(st.lists(names, min_size=0, max_size=30, unique=True))
    weights = {k: draw(st.integers(0, 50)) for k in keys}
    some = st.integers(0, 60)
    return {
        "total": draw(st.integers(0, 800)),
        "weights": weights,
        "floors": {k: draw(some) for k in keys if draw(st.integers(0, 3)) == 0},
        "caps": {k: draw(some) for k in keys if draw(st.integers(0, 2)) == 0},
        "locks": {k: draw(some) for k in keys if draw(st.integers(0, 5)) == 0},
    }


def _oracle_feasible(plan: dict) -> bool:
    """Feasible iff bounds are consistent and the total is reachable (zero weights stay put)."""
    fl, cp, lk, w = plan["floors"], plan["caps"], plan["locks"], plan["weights"]
    for k in w:
        lo, hi = fl.get(k, 0), cp.get(k, math.inf)
        if lo > hi or (k in lk and not lo <= lk[k] <= hi):
            return False
    open_keys = [k for k in w if k not in lk]
    least = sum(lk.values()) + sum(fl.get(k, 0) for k in open_keys)
    most = sum(lk.values()) + sum(
        cp.get(k, math.inf) if w[k] > 0 else fl.get(k, 0) for k in open_keys
    )
    return least <= plan["total"] <= most


@HYP
@given(plan=any_plans())
def test_any_input_is_solved_or_explained(plan: dict) -> None:
    feasible = _oracle_feasible(plan)
    try:
        got = _call(plan)
    except PlanInfeasible as exc:
        assert not feasible, exc.message
        assert CJK.search(exc.message)
        assert re.search(r"\d", exc.message)  # names an amount or a township count
        return
    assert feasible
    _check_plan(plan, got)


@HYP
@given(
    pop=st.lists(st.integers(1, 200000), min_size=1, max_size=30),
    share=st.fractions(min_value=0, max_value=1),
)
def test_equal_coverage_property(pop: list[int], share: Fraction) -> None:
    population = {f"第{i:02d}镇": p for i, p in enumerate(pop)}
    total = math.floor(share * sum(pop))
    got = equal_coverage(total, population, caps=default_caps(population))
    assert sum(got.values()) == total
    for k, p in population.items():
        # |target - total * p / sum(pop)| < 1: the same coverage within one person
        assert abs(got[k] - Fraction(total * p, sum(pop))) < 1


@HYP
@given(
    rows=st.lists(st.tuples(st.integers(0, 50000), st.integers(0, 50000)), min_size=1, max_size=30),
    extra=st.integers(-20000, 20000),
)
def test_gap_closing_property(rows: list[tuple[int, int]], extra: int) -> None:
    population = {f"第{i:02d}镇": p for i, (p, _) in enumerate(rows)}
    enrolled = {f"第{i:02d}镇": min(e, p) for i, (p, e) in enumerate(rows)}
    total = max(sum(enrolled.values()) + extra, 0)
    caps = default_caps(population)
    if total > sum(population.values()):
        # more persons than live in the county: the population caps cannot be met
        with pytest.raises(PlanInfeasible, match="上限合计"):
            gap_closing(total, population, enrolled, caps=caps)
        return
    got = gap_closing(total, population, enrolled, caps=caps)
    assert sum(got.values()) == total
    assert all(got[k] <= population[k] for k in population)
    if total >= sum(enrolled.values()):
        # nobody goes below last year and fully covered townships stay put
        assert all(got[k] >= enrolled[k] for k in population)
        assert all(got[k] == enrolled[k] for k in population if enrolled[k] == population[k])
