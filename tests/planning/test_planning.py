"""metrics.planning: inputs, the methods per scheme with floors/caps/locks, the comparison,
scenario comparison and the 任务分解表 workbook — on a small hand-computed county."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import load_workbook

from metrics import planning, settings
from metrics.planning import PlanInfeasible
from ui import planning_export

# 甲镇 1000, 乙镇 600, 丙乡 400 registered; last year resident 800/450/300, employee 100/50/20.
POP = pd.DataFrame(
    {
        "township": ["1", "2", "3"],
        "township_name": ["甲镇", "乙镇", "丙乡"],
        "township_order": [1, 2, 3],
        "registered_pop": [1000.0, 600.0, 400.0],
    }
)
LAST = pd.DataFrame(
    {
        "township": ["1", "1", "2", "2", "3", "3"],
        "scheme": ["resident", "employee"] * 3,
        "enrolled": [800.0, 100.0, 450.0, 50.0, 300.0, 20.0],
        "enroll_target": [820.0, 110.0, 460.0, 55.0, 310.0, 25.0],
    }
)
CURRENT = pd.DataFrame(
    {
        "township": ["1", "2", "3"],
        "scheme": ["resident"] * 3,
        "enrolled": [400.0, 240.0, 100.0],
        "enroll_target": [830.0, 470.0, 300.0],
    }
)


def res(split: dict) -> list[int]:
    return [split[(t, "resident")] for t in ("1", "2", "3")]


@pytest.fixture
def inputs() -> pd.DataFrame:
    return planning.build_inputs(POP, LAST, CURRENT)


def test_inputs_room_is_population_minus_other_scheme(inputs: pd.DataFrame) -> None:
    r = inputs.set_index(["township", "scheme"])
    # resident room = population − last year's employees; employee room = population − residents
    assert r.loc[("1", "resident"), "room"] == 900
    assert r.loc[("3", "employee"), "room"] == 100
    assert r.loc[("1", "resident"), "target_official"] == 830
    assert math.isnan(r.loc[("1", "employee"), "progress"])
    # Where both schemes already exceed the population, the cap keeps last year's number.
    crowded = LAST.assign(enrolled=LAST["enrolled"].where(LAST["scheme"] != "employee", 300.0))
    c = planning.build_inputs(POP, crowded, None).set_index(["township", "scheme"])
    assert c.loc[("3", "resident"), "room"] == 300  # max(400 − 300, 300)


def test_population_and_equal_coverage(inputs: pd.DataFrame) -> None:
    # 1600 × 1000/2000, 600/2000, 400/2000: exact, no remainder.
    assert res(planning.plan(inputs, {"resident": 1600}, "population")) == [800, 480, 320]
    assert res(planning.plan(inputs, {"resident": 1600}, "equal_coverage")) == [800, 480, 320]


def test_last_year_hamilton_by_hand(inputs: pd.DataFrame) -> None:
    # 1600 × 800/1550 = 825.81, × 450/1550 = 464.52, × 300/1550 = 309.68: integer parts 1598,
    # the two persons left go to the largest remainders .81 (甲) and .68 (丙).
    assert res(planning.plan(inputs, {"resident": 1600}, "last_year")) == [826, 464, 310]


def test_gap_closing_by_hand_with_tie(inputs: pd.DataFrame) -> None:
    # gaps = room − enrolled = 100, 100, 80; increase 50 → 817.86, 467.86, 314.29. The tie
    # .857/.857 goes by weight (equal), then key: both get one, 2 persons left.
    assert res(planning.plan(inputs, {"resident": 1600}, "gap_closing")) == [818, 468, 314]


def test_minimum_growth_floors(inputs: pd.DataFrame) -> None:
    assert planning.growth_floors({"甲": 800, "乙": 450}, 7) == {"甲": 856, "乙": 482}
    # Floors 856/482/321 (7%); quotas 856.77/481.81/321.42 → 乙 held at 482, the other 1178
    # split 800:300 = 856.73/321.27 → 857, 321.
    split = planning.plan(inputs, {"resident": 1660}, "last_year", min_growth_pct=7)
    assert res(split) == [857, 482, 321]
    with pytest.raises(PlanInfeasible) as err:
        planning.plan(inputs, {"resident": 1600}, "last_year", min_growth_pct=5)
    # floors 840 + 473 + 315 = 1628 > 1600
    assert "城乡居民医保" in err.value.message and "相差28人" in err.value.message


def test_locks_and_caps(inputs: pd.DataFrame) -> None:
    locked = planning.plan(inputs, {"resident": 1600}, "population", locks={("1", "resident"): 850})
    assert res(locked) == [850, 450, 300]  # 750 split 600:400
    # 1820 by population = 910/546/364; 甲 capped at its room 900, then 乙 at 550.
    assert res(planning.plan(inputs, {"resident": 1820}, "population")) == [900, 550, 370]
    assert res(planning.plan(inputs, {"resident": 1820}, "population", respect_cap=False)) == [
        910,
        546,
        364,
    ]
    with pytest.raises(PlanInfeasible) as err:
        planning.plan(inputs, {"resident": 1600}, "population", locks={("2", "resident"): 2000})
    assert "乙镇" in err.value.message and "锁定数" in err.value.message


def test_sums_exactly_and_deterministic(inputs: pd.DataFrame) -> None:
    for method in ("population", "last_year", "equal_coverage", "gap_closing"):
        a = planning.plan(inputs, {"resident": 1599, "employee": 171}, method)
        assert sum(n for (_, s), n in a.items() if s == "resident") == 1599
        assert sum(n for (_, s), n in a.items() if s == "employee") == 171
        assert a == planning.plan(inputs, {"resident": 1599, "employee": 171}, method)


def test_manual_and_missing_last_year(inputs: pd.DataFrame) -> None:
    typed = {("1", "resident"): 820, ("2", "resident"): 470, ("3", "resident"): 300}
    split = planning.plan(inputs, {"resident": 1600}, "manual", manual=typed)
    assert split == typed
    assert planning.manual_gaps(split, {"resident": 1600}) == {"resident": -10}
    no_last = planning.build_inputs(POP, None, None)
    with pytest.raises(PlanInfeasible, match="没有上年参保人数"):
        planning.plan(no_last, {"resident": 1600}, "last_year")
    with pytest.raises(PlanInfeasible, match="未知的分解方法"):
        planning.plan(inputs, {"resident": 1600}, "lottery")


def test_comparison(inputs: pd.DataFrame) -> None:
    targets = planning.plan(inputs, {"resident": 1600, "employee": 170}, "population")
    comp = planning.comparison(inputs, targets).set_index("township_name")
    jia = comp.loc["甲镇"]
    assert (jia.proposed_resident, jia.proposed_employee, jia.proposed) == (800, 85, 885)
    assert jia.target_chg == 885 - 930 and jia.enrolled_chg == 885 - 900
    assert jia.coverage == pytest.approx(0.885)
    assert jia.progress_rate == pytest.approx(400 / 885)
    assert not jia.hard
    bing = comp.loc["丙乡"]  # 354 vs 320 last year: +10.6% > PLAN_HARD_GROWTH
    assert bing.growth == pytest.approx(34 / 320)
    assert bing.hard and "较上年参保增长10.6%" in bing.hard_reason
    county = planning.county_row(comp.reset_index())
    assert county["proposed"] == 1770 and county["coverage"] == pytest.approx(1770 / 2000)
    assert settings.PLAN_HARD_COVERAGE == 1.0


def test_compare_scenarios_and_workbook() -> None:
    towns = POP[["township", "township_name", "township_order"]]
    a = pd.DataFrame(
        {
            "township_code": ["1", "2", "1"],
            "scheme": ["resident", "resident", "employee"],
            "target": [800, 480, 85],
        }
    )
    b = pd.DataFrame(
        {
            "township_code": ["1", "2", "3"],
            "scheme": ["resident", "resident", "resident"],
            "target": [790, 490, 320],
        }
    )
    d = planning.compare_scenarios(a, b, towns).set_index("township")
    assert d.loc["1", "diff_resident"] == -10 and d.loc["1", "diff_employee"] == -85
    assert d.loc["3", "a_total"] == 0 and d.loc["3", "diff_total"] == 320

    sheet = planning_export.task_table_frame(a, towns)
    assert list(sheet.columns) == ["序号", "乡镇(街道)", "城乡居民医保", "职工医保", "合计"]
    assert sheet.iloc[-1]["合计"] == 1365
    data = planning_export.task_table_xlsx("2027年参保任务分解表", sheet, note="方案:初稿")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value == "2027年参保任务分解表"
    assert "A1:E1" in [str(r) for r in ws.merged_cells.ranges]
    assert ws["A2"].value == "单位:人"
    assert ws.freeze_panes == "A4"
    assert ws["C4"].value == 800 and ws["C4"].number_format == "#,##0"
    assert planning_export.task_table_filename(2027, "初稿/1") == "2027年参保任务分解表_初稿1.xlsx"


# --- property: every method, random county ------------------------------------------------


@st.composite
def counties(draw):
    n = draw(st.integers(1, 6))
    pops = draw(st.lists(st.integers(0, 5000), min_size=n, max_size=n))
    res = [draw(st.integers(0, p)) for p in pops]
    emp = [draw(st.integers(0, p - r)) for p, r in zip(pops, res, strict=True)]
    codes = [f"t{i}" for i in range(n)]
    pop = pd.DataFrame(
        {
            "township": codes,
            "township_name": [f"乡镇{i}" for i in range(n)],
            "township_order": range(n),
            "registered_pop": pops,
        }
    )
    last = pd.DataFrame(
        {
            "township": codes * 2,
            "scheme": ["resident"] * n + ["employee"] * n,
            "enrolled": res + emp,
            "enroll_target": res + emp,
        }
    )
    inputs = planning.build_inputs(pop, last, None)
    room = inputs.groupby("scheme")["room"].sum()
    total = draw(st.integers(0, int(room["resident"])))
    method = draw(st.sampled_from(["population", "last_year", "equal_coverage", "gap_closing"]))
    lock = draw(st.none() | st.sampled_from(codes))
    return inputs, total, method, lock


@given(counties(), st.sampled_from([None, 1.0, 3.0]))
@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_property_plan_sums_and_respects_caps_and_locks(county, growth) -> None:
    inputs, total, method, lock = county
    part = inputs[inputs["scheme"] == "resident"].set_index("township")
    locks = {(lock, "resident"): int(part.loc[lock, "room"]) // 2} if lock else {}
    try:
        split = planning.plan(
            inputs, {"resident": total}, method, min_growth_pct=growth, locks=locks
        )
    except PlanInfeasible as exc:
        assert exc.message.startswith("城乡居民医保:")
        return
    assert sum(split.values()) == total
    assert split == planning.plan(
        inputs, {"resident": total}, method, min_growth_pct=growth, locks=locks
    )
    for (t, _), n in split.items():
        assert 0 <= n <= part.loc[t, "room"]
    for key, n in locks.items():
        assert split[key] == n
