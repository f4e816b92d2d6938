"""The case store on real engines: the lifecycle over several months, scope, stale edits, audit."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from auth import store as auth_store
from data_sources import cases as S
from data_sources.engine import create_warehouse_engine
from metrics import lifecycle as L
from metrics.breaches import ENROLL
from tests.cases.helpers import LEADER, OFFICER1, OFFICER2, STAFF, T1, T2, breach, month

TODAY = dt.date.today()


def _fresh(engine: Engine) -> Engine:
    S.metadata.drop_all(engine, checkfirst=True)
    S.ensure_tables(engine)
    with engine.begin() as conn:
        conn.execute(auth_store.audit_log.delete())
    return engine


@pytest.fixture(params=["duckdb", "postgresql", "mariadb"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "duckdb":
        url = f"duckdb:///{tmp_path / 'cases.duckdb'}"
    elif request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
    else:
        url = request.getfixturevalue("mariadb_url")
    eng = create_warehouse_engine(url)
    yield _fresh(eng)
    eng.dispose()


def _by_town(engine: Engine) -> dict[str, L.Case]:
    return {c.subject_code: c for c in S.list_cases(engine, LEADER)}


def test_lifecycle_over_months_by_hand(engine: Engine) -> None:
    # 2026-07: T1 and T2 behind -> two 新发 cases.
    counts = S.record_evaluation(
        engine, month(2026, 7, breach(T1, 2026, 7, 0.80), breach(T2, 2026, 7, 0.85))
    )
    assert counts == {"open": 2, "continue": 0, "propose": 0, "reopen": 0, "escalate": 0}
    # 2026-08: T1 continues (2 months), T2 clears -> 拟销号.
    S.record_evaluation(engine, month(2026, 8, breach(T1, 2026, 8, 0.81)))
    # 2026-09: T1 third month -> 约谈.
    counts = S.record_evaluation(engine, month(2026, 9, breach(T1, 2026, 9, 0.83)))
    assert counts["continue"] == 1 and counts["escalate"] == 1
    cases = _by_town(engine)
    t1, t2 = cases[T1], cases[T2]
    assert (t1.status, t1.consecutive, t1.level) == (L.NEW, 3, L.TALK)
    assert (t1.first_month, t1.latest_month, t1.version) == (202607, 202609, 3)
    assert t1.figures == {"actual": 0.83, "expected": 0.9, "gap_pp": -7.0}
    assert (t2.status, t2.latest_month) == (L.PROPOSED, 202607)
    # The same month twice changes nothing (no new version, no new event).
    again = S.record_evaluation(engine, month(2026, 9, breach(T1, 2026, 9, 0.83)))
    assert sum(again.values()) == 0
    assert _by_town(engine)[T1].version == 3
    # 局领导 closes T2 as 已销号; in 2026-10 it is back: reopened; T1 clears -> 拟销号.
    S.act(engine, t2.case_id, t2.version, LEADER, partial(L.close, actor=LEADER, outcome=L.CLOSED))
    counts = S.record_evaluation(engine, month(2026, 10, breach(T2, 2026, 10, 0.70)))
    assert counts["reopen"] == 1 and counts["propose"] == 1
    cases = _by_town(engine)
    assert (cases[T2].status, cases[T2].reopened, cases[T2].consecutive) == (L.NEW, 1, 1)
    assert (cases[T1].status, cases[T1].level) == (L.PROPOSED, L.TALK)
    hist = S.history(engine, cases[T1].case_id)
    assert list(hist.action) == ["open", "continue", "continue", "escalate", "propose"]
    assert list(hist.month) == [202607, 202608, 202609, 202609, 202610]
    assert list(S.history(engine, cases[T2].case_id).action) == [
        "open",
        "propose",
        "close",
        "reopen",
    ]
    # Every step is in the audit log (5 of T1, 4 of T2), under action "case".
    with engine.connect() as conn:
        lines = conn.execute(
            select(auth_store.audit_log.c.detail).where(auth_store.audit_log.c.action == "case")
        ).all()
    assert len(lines) == 9
    assert any("莲塘镇·升级约谈" in d for (d,) in lines)


def _assigned(engine: Engine) -> L.Case:
    S.record_evaluation(engine, month(2026, 9, breach(T1, 2026, 9, 0.8), breach(T2, 2026, 9, 0.8)))
    case = _by_town(engine)[T1]
    return S.act(
        engine,
        case.case_id,
        case.version,
        STAFF,
        partial(
            L.assign,
            actor=STAFF,
            owner_kind=L.OFFICER,
            owner="lt",
            owner_user=OFFICER1,
            due_date=TODAY,
            note="",
            today=TODAY,
        ),
    )


def _answer(user, case: L.Case) -> L.Change:
    return L.answer(
        case, user, measures="入户动员", progress="过半", answer_date=TODAY, today=TODAY
    )


def test_an_officer_sees_and_answers_only_their_township(engine: Engine) -> None:
    case = _assigned(engine)
    assert [c.subject_code for c in S.list_cases(engine, OFFICER1)] == [T1]
    assert [c.subject_code for c in S.list_cases(engine, OFFICER2)] == [T2]
    with pytest.raises(L.CaseError, match="未找到该督办事项,或您无权查看"):
        S.get_case(engine, case.case_id, OFFICER2)
    with pytest.raises(L.CaseError, match="未找到该督办事项,或您无权查看"):
        S.act(engine, case.case_id, case.version, OFFICER2, partial(_answer, OFFICER2))
    saved = S.act(engine, case.case_id, case.version, OFFICER1, partial(_answer, OFFICER1))
    assert saved.status == L.IN_PROGRESS
    row = S.history(engine, case.case_id).iloc[-1]
    assert (row.username, row.measures, row.progress) == ("lt", "入户动员", "过半")
    assert S.get_case(engine, case.case_id, OFFICER1).status == L.IN_PROGRESS


def test_a_stale_edit_is_refused_and_loses_nothing(engine: Engine) -> None:
    case = _assigned(engine)
    # Two people opened version v; the officer answers first.
    S.act(engine, case.case_id, case.version, OFFICER1, partial(_answer, OFFICER1))
    with pytest.raises(L.CaseError, match=re.escape("刚被其他人修改过(现为“整改中”)")):
        S.act(
            engine,
            case.case_id,
            case.version,
            STAFF,
            partial(L.send_back, actor=STAFF, note="不够具体"),
        )
    stored = S.get_case(engine, case.case_id, STAFF)
    assert (stored.status, stored.version) == (L.IN_PROGRESS, case.version + 1)
    assert list(S.history(engine, case.case_id).action) == ["open", "assign", "answer"]


def test_an_answer_on_a_closed_case_is_refused(engine: Engine) -> None:
    case = _assigned(engine)
    case = S.act(engine, case.case_id, case.version, OFFICER1, partial(_answer, OFFICER1))
    case = S.act(
        engine, case.case_id, case.version, STAFF, partial(L.close, actor=STAFF, outcome=L.DONE)
    )
    with pytest.raises(L.CaseError, match="已办结,不能再答复"):
        S.act(engine, case.case_id, case.version, OFFICER1, partial(_answer, OFFICER1))
    assert S.get_case(engine, case.case_id, OFFICER1).status == L.DONE


def test_rule_keys_are_unique(engine: Engine) -> None:
    S.record_evaluation(engine, month(2026, 9, breach(T1, 2026, 9, 0.8)))
    S.record_evaluation(engine, month(2026, 10, breach(T1, 2026, 10, 0.8)))
    assert [(c.rule, c.consecutive) for c in S.list_cases(engine, LEADER)] == [(ENROLL, 2)]
