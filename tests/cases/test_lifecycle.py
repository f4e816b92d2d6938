"""The pure case lifecycle: months move cases, people's steps are checked, invariants hold."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import lifecycle as L
from metrics.breaches import DRG, ENROLL
from tests.cases.helpers import (
    LEADER,
    OFFICER1,
    OFFICER2,
    PLANNER,
    STAFF,
    T1,
    T2,
    T3,
    breach,
    month,
)

TODAY = dt.date(2026, 11, 5)


def run(cases: dict, evaluation) -> dict:
    for case, _ in L.apply_evaluation(cases, evaluation):
        cases = {**cases, case.key: case}
    return cases


def test_months_between_crosses_years() -> None:
    assert L.months_between(202511, 202602) == 3
    assert L.months_between(202612, 202701) == 1


def test_open_continue_clear_reopen_escalate_by_hand() -> None:
    k1, k2 = (ENROLL, "township", T1), (ENROLL, "township", T2)
    # 2025-12: both townships behind: two new cases.
    cases = run({}, month(2025, 12, breach(T1, 2025, 12, 0.80), breach(T2, 2025, 12, 0.84)))
    assert (cases[k1].status, cases[k1].consecutive, cases[k1].first_month) == (L.NEW, 1, 202512)
    assert cases[k1].figures["gap_pp"] == -10.0
    # 2026-01 (across the year): T1 continues (2 months, figures updated), T2 clears -> 拟销号.
    changes = L.apply_evaluation(cases, month(2026, 1, breach(T1, 2026, 1, 0.82)))
    assert sorted((c.subject_code, [e.action for e in ev]) for c, ev in changes) == [
        (T1, ["continue"]),
        (T2, ["propose"]),
    ]
    cases = run(cases, month(2026, 1, breach(T1, 2026, 1, 0.82)))
    assert (cases[k1].consecutive, cases[k1].latest_month) == (2, 202601)
    assert cases[k1].figures["gap_pp"] == -8.0
    assert (cases[k2].status, cases[k2].latest_month) == (L.PROPOSED, 202512)
    # 2026-02: third month in a row -> 约谈 (setting: 3); T2 still clear: no change for it.
    changes = L.apply_evaluation(cases, month(2026, 2, breach(T1, 2026, 2, 0.85)))
    assert [(c.subject_code, [e.action for e in ev]) for c, ev in changes] == [
        (T1, ["continue", "escalate"])
    ]
    cases = run(cases, month(2026, 2, breach(T1, 2026, 2, 0.85)))
    assert (cases[k1].consecutive, cases[k1].level) == (3, L.TALK)
    # The assigner closes T2 (the warning cleared): 已销号.
    closed, _ = L.close(cases[k2], LEADER, outcome=L.CLOSED, note="已补录参保")
    cases[k2] = closed
    # 2026-03: T1 clears (拟销号, still 约谈); T2 comes back after closure: reopened, 1 month.
    cases = run(cases, month(2026, 3, breach(T2, 2026, 3, 0.70)))
    assert (cases[k1].status, cases[k1].level, cases[k1].consecutive) == (L.PROPOSED, L.TALK, 3)
    assert (cases[k2].status, cases[k2].reopened, cases[k2].consecutive) == (L.NEW, 1, 1)
    assert (cases[k2].first_month, cases[k2].latest_month) == (202512, 202603)
    assert cases[k2].level == L.NORMAL
    # The same month again changes nothing; a month without enrollment data touches no case.
    assert L.apply_evaluation(cases, month(2026, 3, breach(T2, 2026, 3, 0.70))) == []
    assert L.apply_evaluation(cases, month(2026, 4, rules=(DRG,))) == []
    # An older month evaluated late changes nothing either.
    assert L.apply_evaluation(cases, month(2026, 1, breach(T1, 2026, 1, 0.82))) == []


def test_a_proposed_case_that_comes_back_returns_to_its_owner() -> None:
    cases = run({}, month(2026, 1, breach(T1, 2026, 1, 0.8)))
    key = (ENROLL, "township", T1)
    assigned, _ = L.assign(
        cases[key],
        STAFF,
        owner_kind=L.OFFICER,
        owner="lt",
        owner_user=OFFICER1,
        due_date=TODAY,
        note="",
        today=TODAY,
    )
    cases[key] = assigned
    cases = run(cases, month(2026, 2))
    assert cases[key].status == L.PROPOSED
    cases = run(cases, month(2026, 3, breach(T1, 2026, 3, 0.8)))
    assert (cases[key].status, cases[key].owner, cases[key].consecutive) == (L.DISPATCHED, "lt", 1)


def _open_case(town: str = T1) -> L.Case:
    return run({}, month(2026, 1, breach(town, 2026, 1, 0.8)))[(ENROLL, "township", town)]


def test_assign_answer_send_back_close() -> None:
    case = _open_case()
    case, (ev,) = L.assign(
        case,
        STAFF,
        owner_kind=L.OFFICER,
        owner="lt",
        owner_user=OFFICER1,
        due_date=dt.date(2026, 11, 20),
        note="请本月底前完成",
        today=TODAY,
    )
    assert (case.status, case.owner, case.assigned_by) == (L.DISPATCHED, "lt", "staff")
    assert ev.note == "派发给lt,期限2026-11-20;请本月底前完成"
    case, (ev,) = L.answer(
        case, OFFICER1, measures="入户动员", progress="已完成60%", answer_date=TODAY, today=TODAY
    )
    assert (case.status, ev.measures, ev.progress) == (L.IN_PROGRESS, "入户动员", "已完成60%")
    case, _ = L.send_back(case, STAFF, note="措施不具体")
    assert case.status == L.DISPATCHED
    case, _ = L.answer(
        case, OFFICER1, measures="逐户核对", progress="完成", answer_date=TODAY, today=TODAY
    )
    case, _ = L.close(case, STAFF, outcome=L.DONE)
    assert case.status == L.DONE and not case.is_open
    with pytest.raises(L.CaseError, match="已办结,不能再答复"):
        L.answer(case, OFFICER1, measures="x", progress="", answer_date=TODAY, today=TODAY)


def _assign(case: L.Case, **kw):
    args = dict(
        owner_kind=L.OFFICER,
        owner="lt",
        owner_user=OFFICER1,
        due_date=TODAY,
        note="",
        today=TODAY,
    )
    return L.assign(case, STAFF, **{**args, **kw})


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"due_date": dt.date(2026, 11, 4)}, "办理期限2026-11-04早于今天（2026-11-05）"),
        ({"owner": "xt", "owner_user": OFFICER2}, "向塘所的管辖范围不含莲塘镇"),
        ({"owner": "leader", "owner_user": LEADER}, "局长不是乡镇医保所人员"),
        ({"owner": "nobody", "owner_user": None}, "用户nobody不存在"),
        ({"owner_kind": L.SECTION, "owner": "不存在股"}, "未知股室"),
    ],
)
def test_assign_refuses_bad_input(kw: dict, message: str) -> None:
    with pytest.raises(L.CaseError, match=re.escape(message)):
        _assign(_open_case(), township_name="莲塘镇", **kw)


def test_only_assigners_assign_and_only_the_township_answers() -> None:
    case = _open_case()
    with pytest.raises(L.CaseError, match="只有局领导和科室人员"):
        L.assign(
            case,
            PLANNER,
            owner_kind=L.SECTION,
            owner="待遇保障股",
            due_date=TODAY,
            note="",
            today=TODAY,
        )
    case, _ = _assign(case)
    with pytest.raises(L.CaseError, match="不是该事项的承办人员"):
        L.answer(case, OFFICER2, measures="x", progress="", answer_date=TODAY, today=TODAY)
    with pytest.raises(L.CaseError, match="晚于今天"):
        L.answer(
            case,
            OFFICER1,
            measures="x",
            progress="",
            answer_date=TODAY + dt.timedelta(days=1),
            today=TODAY,
        )
    with pytest.raises(L.CaseError, match="预警尚未解除,不能销号"):
        L.close(case, STAFF, outcome=L.CLOSED)
    with pytest.raises(L.CaseError, match="尚未答复,不能办结"):
        L.close(case, STAFF, outcome=L.DONE)
    other = replace(STAFF, username="staff2")
    with pytest.raises(L.CaseError, match="只有派发人或局领导"):
        L.close(case, other, outcome=L.DONE)


def test_visibility() -> None:
    c1, c3 = _open_case(T1), _open_case(T3)
    assert L.can_see(c1, OFFICER1) and not L.can_see(c3, OFFICER1)
    assert L.can_see(c3, LEADER) and L.can_see(c3, STAFF)
    assert not L.can_see(c1, PLANNER)


def test_desk_order_puts_overdue_first() -> None:
    a = replace(_open_case(T1), due_date=TODAY - dt.timedelta(days=2))
    b = replace(_open_case(T2), due_date=TODAY - dt.timedelta(days=9))
    c = replace(_open_case(T3), due_date=TODAY + dt.timedelta(days=3))
    assert [x.subject_code for x in L.sort_for_desk([c, a, b], TODAY)] == [T2, T1, T3]


# A random history: for each of 1..12 months, the townships in breach.
histories = st.lists(st.frozensets(st.sampled_from([T1, T2, T3])), min_size=1, max_size=12).map(
    lambda months: [(2026 + i // 12, i % 12 + 1, towns) for i, towns in enumerate(months)]
)


@settings(max_examples=60, deadline=None)
@given(histories)
def test_invariants_of_any_history(history) -> None:
    cases: dict = {}
    for year, m, towns in history:
        ev = month(year, m, *(breach(t, year, m, 0.8) for t in sorted(towns)))
        cases = run(cases, ev)
        # Idempotent: the same month again changes nothing.
        assert L.apply_evaluation(cases, ev) == []
        for case in cases.values():
            in_breach = case.subject_code in towns
            assert case.status == (L.NEW if in_breach else L.PROPOSED)
            assert 1 <= case.consecutive <= len(history)
            # Three months in a row always means 约谈 (and 约谈 stays until the case closes).
            assert case.level == L.TALK or case.consecutive < 3
    # Each case counts the run of months that ended with its latest breach.
    for case in cases.values():
        last = max(i for i, (_, _, towns) in enumerate(history) if case.subject_code in towns)
        run_len = 0
        for _, _, towns in reversed(history[: last + 1]):
            if case.subject_code not in towns:
                break
            run_len += 1
        assert case.consecutive == run_len


def test_a_county_case_goes_to_a_section() -> None:
    fund = L.Case(
        rule="months_payable",
        subject_kind="scheme",
        subject_code="employee",
        subject_name="城镇职工医保",
        area="基金收支",
        township=None,
        first_month=202610,
        latest_month=202610,
        consecutive=1,
    )
    with pytest.raises(L.CaseError, match="全县层面的事项请派发给股室"):
        _assign(fund)
    case, _ = _assign(fund, owner_kind=L.SECTION, owner="基金监管股", owner_user=None)
    assert (case.owner_kind, case.owner, case.status) == (L.SECTION, "基金监管股", L.DISPATCHED)
    assert not L.can_see(case, OFFICER1)  # no township: county roles only
    assert L.can_answer(case, STAFF) and not L.can_answer(case, OFFICER1)


USERS = [LEADER, STAFF, OFFICER1, OFFICER2, PLANNER]
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["assign", "answer", "close", "destroy", "send_back"]),
        st.sampled_from(USERS),
    ),
    max_size=12,
)


@settings(max_examples=80, deadline=None)
@given(STEPS)
def test_any_sequence_of_steps_keeps_the_rules(steps) -> None:
    case = _open_case(T1)
    for action, who in steps:
        before = case
        try:
            if action == "assign":
                case, _ = L.assign(
                    case,
                    who,
                    owner_kind=L.OFFICER,
                    owner="lt",
                    owner_user=OFFICER1,
                    due_date=TODAY,
                    note="",
                    today=TODAY,
                )
            elif action == "answer":
                case, _ = L.answer(
                    case, who, measures="措施", progress="", answer_date=TODAY, today=TODAY
                )
            elif action in ("close", "destroy"):
                outcome = L.DONE if action == "close" else L.CLOSED
                case, _ = L.close(case, who, outcome=outcome)
            else:
                case, _ = L.send_back(case, who, note="补充")
        except L.CaseError as exc:
            assert exc.message and case is before  # a refused step changes nothing
            continue
        assert case.status in L.STATUSES
        # Nobody outside 莲塘镇 ever moved the case; a closed case never moved again.
        assert who is not OFFICER2 and who is not PLANNER
        assert before.is_open
