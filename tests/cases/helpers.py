"""Small hand-made breaches and users for the case tests."""

from __future__ import annotations

from auth import roles as R
from metrics.breaches import ENROLL, RULES, Breach, Evaluation

T1, T2, T3 = "360121100", "360121101", "360121102"
NAMES = {T1: "莲塘镇", T2: "向塘镇", T3: "小蓝街道"}

LEADER = R.User("leader", "局长", frozenset({R.LEADER}), frozenset())
STAFF = R.User("staff", "张科员", frozenset({R.STAFF}), frozenset())
OFFICER1 = R.User("lt", "莲塘所", frozenset({R.TOWNSHIP}), frozenset({T1}))
OFFICER2 = R.User("xt", "向塘所", frozenset({R.TOWNSHIP}), frozenset({T2}))
PLANNER = R.User("planner", "规划员", frozenset({R.PLANNER}), frozenset())


def breach(town: str, year: int, month: int, actual: float, rule: str = ENROLL) -> Breach:
    """A township behind 时序进度 (expected 90%): gap in percentage points = actual - 90."""
    return Breach(
        area=RULES[rule][0],
        rule=rule,
        subject_kind="township",
        subject_code=town,
        subject_name=NAMES[town],
        township=town,
        year=year,
        month=month,
        figures={"actual": actual, "expected": 0.9, "gap_pp": round((actual - 0.9) * 100, 2)},
    )


def month(year: int, m: int, *breaches: Breach, rules=(ENROLL,)) -> Evaluation:
    return Evaluation(year, m, tuple(breaches), frozenset(rules))
