"""The 督办 page through the app as AppTest runs it, with logged-in users on a real warehouse.

The warehouse is a copy of the demo file (login forced on) whose 2026-10 warnings were evaluated
into cases; 向塘镇 (360121101) has its own cases, other townships theirs.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from auth import roles as R
from auth import store
from data_sources import cases as S
from data_sources.config import PROJECT_ROOT, demo_url
from metrics import lifecycle as L
from metrics import service

ENTRY = PROJECT_ROOT / "tests" / "pages" / "entry.py"
PAGE = PROJECT_ROOT / "pages" / "cases.py"
PW = "password-1"
XIANGTANG = "360121101"
STAFF = R.User("staff", "张科员", frozenset({R.STAFF}), frozenset())


@pytest.fixture(scope="module")
def warehouse(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    own = tmp_path_factory.mktemp("cases") / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    url = demo_url(own)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", url)
        mp.setenv("YIBAO_LOGIN", "1")
        engine = service.get_engine(url)
        store.ensure_tables(engine)
        store.create_user(engine, "staff", PW, R.STAFF, "", display_name="张科员")
        store.create_user(engine, "xt", PW, R.TOWNSHIP, XIANGTANG, display_name="向塘所")
        S.evaluate_month(engine, 2026, 10)
        yield engine


def login(username: str) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at.query_params["year"] = "2026"
    at.query_params["month"] = "10"
    at.run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(PW)
    next(b for b in at.button if b.label == "登录").click()
    at.run()
    at.switch_page(str(PAGE))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def listed(at: AppTest) -> list[int]:
    return list(at.selectbox(key="cases_pick").options)


def test_the_officer_sees_only_their_township(warehouse: Engine) -> None:
    at = login("xt")
    assert not at.error, [e.value for e in at.error]
    mine = {c.case_id for c in S.list_cases(warehouse, STAFF) if c.township == XIANGTANG}
    others = {c.case_id for c in S.list_cases(warehouse, STAFF) if c.township != XIANGTANG}
    assert mine and others
    shown = at.dataframe[1].value  # the list (the first frame holds the counts)
    assert set(shown["所属乡镇"]) == {"向塘镇"}
    assert {f"{i}号" for i in shown["编号"]} == {o.split(" ")[0] for o in listed(at)}
    assert {int(o.split("号")[0]) for o in listed(at)} == mine
    # No step for assigning on the officer's screen; nothing to answer before a case is assigned.
    unassigned = next(
        c.case_id
        for c in S.list_cases(warehouse, STAFF)
        if c.township == XIANGTANG and c.owner is None
    )
    at.selectbox(key="cases_pick").set_value(unassigned).run()
    assert not any(b.label == "派发" for b in at.button)
    assert not any(b.label == "提交答复" for b in at.button)


def test_assign_then_answer_then_a_stale_screen(warehouse: Engine) -> None:
    target = next(
        c for c in S.list_cases(warehouse, STAFF) if c.township == XIANGTANG and c.status == L.NEW
    )
    at = login("staff")
    assert not at.error, [e.value for e in at.error]
    pick = at.selectbox(key="cases_pick")
    pick.set_value(target.case_id).run()
    due = dt.date.today() + dt.timedelta(days=10)
    at.radio(key="cases_kind").set_value(L.OFFICER)
    at.selectbox(key="cases_officer").set_value("xt")
    at.date_input(key="cases_due").set_value(due)
    at.text_input(key="cases_memo").input("请月底前核查")
    next(b for b in at.button if b.label == "派发").click().run()
    assert not at.error, [e.value for e in at.error]
    saved = S.get_case(warehouse, target.case_id, STAFF)
    assert (saved.status, saved.owner, saved.due_date) == (L.DISPATCHED, "xt", due)

    officer = login("xt")
    officer.selectbox(key="cases_pick").set_value(target.case_id).run()
    officer.text_area(key="cases_measures").input("逐户核查")
    officer.text_area(key="cases_progress").input("已核查12户")
    next(b for b in officer.button if b.label == "提交答复").click().run()
    assert not officer.error, [e.value for e in officer.error]
    answered = S.get_case(warehouse, target.case_id, STAFF)
    assert answered.status == L.IN_PROGRESS
    last = S.history(warehouse, target.case_id).iloc[-1]
    assert (last.username, last.measures, last.progress) == ("xt", "逐户核查", "已核查12户")

    # The staff screen still shows the version before the answer: its 退回 is refused.
    at.radio(key="cases_outcome").set_value("退回")
    at.text_input(key="cases_reason").input("不具体")
    next(b for b in at.button if b.label == "确定").click().run()
    assert any("刚被其他人修改过" in e.value for e in at.error)
    assert S.get_case(warehouse, target.case_id, STAFF).status == L.IN_PROGRESS
    # The screen now shows the answer; 退回 without a reason is refused, with one it is done.
    at.text_input(key="cases_reason").input("")
    next(b for b in at.button if b.label == "确定").click().run()
    assert [e.value for e in at.error] == ["请填写退回原因。"]
    at.text_input(key="cases_reason").input("措施不具体,请补充")
    next(b for b in at.button if b.label == "确定").click().run()
    assert not at.error, [e.value for e in at.error]
    back = S.get_case(warehouse, target.case_id, STAFF)
    assert back.status == L.DISPATCHED
    assert S.history(warehouse, target.case_id).iloc[-1].note == "措施不具体,请补充"


def test_the_export_writes_the_visible_list(warehouse: Engine) -> None:
    at = login("xt")
    button = next(b for b in at.get("download_button") if b.proto.label == "导出督办清单")
    assert button is not None
    # The workbook the button builds: the officer's list only, text as text.
    cases = L.sort_for_desk(
        [c for c in S.list_cases(warehouse, STAFF) if c.township == XIANGTANG and c.is_open],
        dt.date.today(),
    )
    from exports import case_list

    frame = case_list.case_rows(cases, dt.date.today(), {XIANGTANG: "向塘镇"})
    ws = load_workbook(io.BytesIO(case_list.cases_xlsx(frame, title="t", cutoff="c"))).active
    assert ws.cell(3, 1).value == "编号"
    assert {ws.cell(r, 8).value for r in range(4, ws.max_row + 1)} == {"向塘镇"}
    assert ws.max_row == 3 + len(cases)


def test_an_officer_cannot_answer_another_townships_case_even_by_id(warehouse: Engine) -> None:
    other = next(c for c in S.list_cases(warehouse, STAFF) if c.township not in (XIANGTANG, None))
    xt = store.get_user(warehouse, "xt")
    step = partial(
        L.answer,
        actor=xt,
        measures="x",
        progress="",
        answer_date=dt.date.today(),
        today=dt.date.today(),
    )
    with pytest.raises(L.CaseError, match="无权查看"):
        S.act(warehouse, other.case_id, other.version, xt, step)


def test_the_overview_shows_each_warnings_case_status_and_age(warehouse: Engine) -> None:
    at = login("staff")
    at.switch_page(str(PROJECT_ROOT / "pages" / "overview.py"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    lines = [m.value for m in at.markdown if "[●]" in m.value]
    by_text = {str(c.figures["text"]): c for c in S.list_cases(warehouse, STAFF)}
    matched = [(line, c) for line in lines for text, c in by_text.items() if text in line]
    assert len(matched) >= 5
    for line, case in matched:
        assert line.endswith(f" · 督办:{case.status},连续{case.consecutive}个月"), line
