"""预警督办: warnings as cases — counts by status and area, overdue first, a case's history, and
the steps of each role (派发, 答复, 办结/销号, 退回). A township officer sees their township only:
the store filters in SQL, and every step checks the scope again.

The version of a case the user last saw is kept in the session, so a step made on a screen that
someone else has changed since is refused (nothing overwritten) with a message.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

import pandas as pd
import streamlit as st

from auth import roles as R
from auth import session as auth_session
from auth import store as auth_store
from data_sources import cases as S
from exports import case_list
from metrics import lifecycle as L
from metrics import service, settings
from metrics.breaches import RULES
from ui import grid, layout, state

log = logging.getLogger("yibao.cases")
f = state.current()
layout.header("预警督办", f)
user = auth_session.current_user()
if user is None:  # app.py always sets one; a page run alone shows nothing
    st.stop()
engine = service.app_engine()  # the cases' store (data_sources.app_store)
today = dt.date.today()

try:
    S.ensure_tables(engine)
except Exception:  # an app store that cannot be written cannot hold cases
    st.info("督办事项表尚未建立:应用库无法写入,请由系统管理员检查应用库(见部署说明)。")
    st.stop()

is_assigner = bool(set(user.roles) & {R.LEADER, R.STAFF})
towns = service.townships()
town_names = dict(zip(towns.code, towns.name, strict=True))
try:
    accounts = auth_store.list_users(engine)
except Exception:  # no account table in demo mode: no officers to pick, sections still are
    accounts = []
display_names = {u.username: u.display_name for u in accounts}


def _evaluate_latest() -> None:
    latest = S.latest_month(engine)
    if latest is None:
        st.session_state["_cases_note"] = "尚无已加载的数据,无法评估预警。"
        return
    try:
        counts = S.evaluate_month(
            service.engine(), *latest, username=user.username, app_engine=engine
        )
    except Exception:  # a callback's failure would otherwise escape the page's error handling
        log.exception("evaluating cases from the page failed")
        st.session_state["_cases_eval_error"] = "预警评估失败,请稍后重试或联系系统管理员。"
        return
    st.session_state["_cases_note"] = S.summary_text(counts, *latest)


if is_assigner:
    latest = S.latest_month(engine)
    label = f"评估{latest[0]}年{latest[1]}月预警" if latest else "评估最新月份预警"
    st.button(
        label,
        on_click=_evaluate_latest,
        key="cases_evaluate",
        help="每次导入月度数据后自动评估;已评估过的月份再评估不会改变任何事项",
        type="tertiary",
        icon=":material/refresh:",
    )
note = st.session_state.pop("_cases_note", None)
if note:
    st.success(note)
if "_cases_eval_error" in st.session_state:
    st.error(st.session_state.pop("_cases_eval_error"))

# --- filters -----------------------------------------------------------------------------
c1, c2, c3 = st.columns([2, 2, 1])
statuses = c1.multiselect("状态", list(L.STATUSES), key="cases_status", placeholder="全部")
areas = c2.multiselect(
    "业务领域", sorted({a for a, _ in RULES.values()}), key="cases_area", placeholder="全部"
)
only_open = c3.toggle("只看未办结", value=True, key="cases_open")
cases = S.list_cases(
    engine,
    user,
    statuses=statuses or None,
    areas=areas or None,
    townships=[f.township] if f.township else None,
)
if only_open and not statuses:
    cases = [c for c in cases if c.is_open]
cases = L.sort_for_desk(cases, today)

if not cases:
    st.info("当前筛选条件下没有督办事项。" + ("" if is_assigner else "本乡镇暂无待办的预警事项。"))
    st.stop()

# --- counts --------------------------------------------------------------------------------
overdue = [c for c in cases if c.overdue(today)]
m1, m2, m3, m4 = st.columns(4)
m1.metric("督办事项", f"{len(cases)}项")
m2.metric("未办结", f"{sum(c.is_open for c in cases)}项")
m3.metric("已逾期", f"{len(overdue)}项")
m4.metric("约谈", f"{sum(c.level == L.TALK and c.is_open for c in cases)}项")
counts = (
    pd.DataFrame({"业务领域": [c.area for c in cases], "状态": [c.status for c in cases]})
    .value_counts()
    .unstack(fill_value=0)
    .reindex(columns=[s for s in L.STATUSES], fill_value=0)
)
counts["合计"] = counts.sum(axis=1)
st.markdown("#### 按状态和领域统计(项)")
grid.dataframe(counts, width="stretch")

# --- the list --------------------------------------------------------------------------------
table = case_list.case_rows(cases, today, town_names, display_names)
st.markdown("#### 督办清单(逾期在前)")
grid.dataframe(table, hide_index=True, width="stretch")
if auth_session.allowed("export"):
    title = f"{f.scope_label if f.township else ('全县' if is_assigner else '本乡镇')}预警督办清单"
    st.download_button(
        "导出督办清单",
        data=auth_session.deferred_export(
            lambda mark: case_list.cases_xlsx(
                table,
                title=title,
                cutoff=f"导出日期:{today:%Y年%m月%d日}" + (f"  导出:{mark}" if mark else ""),
            ),
            f"督办清单:{title}",
            f"{len(cases)}项",
        ),
        file_name=f"{title}_{today:%Y%m%d}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="cases_export",
        on_click="ignore",
        icon=":material/table_view:",
    )

# --- one case ------------------------------------------------------------------------------
st.divider()
by_id = {c.case_id: c for c in cases}
case_id = st.selectbox(
    "查看事项",
    list(by_id),
    format_func=lambda i: (
        f"{i}号 {by_id[i].subject_name} · {by_id[i].status}"
        + (" · 逾期" if by_id[i].overdue(today) else "")
    ),
    key="cases_pick",
)
case = by_id[case_id]
# A step is checked against the version the *previous* run showed (the screen the user filled
# in); this run then shows, and remembers, the current one.
seen_key = f"_case_seen_{case.case_id}"
seen = int(st.session_state.get(seen_key, case.version))
st.session_state[seen_key] = case.version

where = town_names.get(case.township or "", service.scope_word())
st.markdown(f"##### {case.subject_name}({where})· {case.status} · {case.level}")
st.caption(
    f"{RULES.get(case.rule, (case.area, case.rule))[1]};首次预警{L.month_label(case.first_month)},"
    f"最近预警{L.month_label(case.latest_month)},连续{case.consecutive}个月"
    + (f";承办:{case_list.owner_label(case, display_names)}" if case.owner else "")
    + (f",期限{case.due_date:%Y-%m-%d}" if case.due_date else "")
)
if case.figures.get("text"):
    st.markdown(f":{'red' if case.severity == 'red' else 'orange'}[●] {case.figures['text']}")

events = S.history(engine, case.case_id)
if not events.empty:
    shown = pd.DataFrame(
        {
            "时间": events["at"].astype(str),
            "操作人": events["username"].map(lambda u: display_names.get(u, u)),
            "动作": events["action"].map(lambda a: L.ACTIONS.get(a, a)),
            "状态": events["to_status"],
            "预警月份": events["month"].map(lambda m: L.month_label(int(m)) if pd.notna(m) else ""),
            "说明": events["note"],
            "整改措施": events["measures"],
            "进展": events["progress"],
            "答复日期": events["answer_date"].map(lambda d: "" if pd.isna(d) else str(d)[:10]),
        }
    )
    st.markdown("**办理经过**")
    grid.dataframe(shown, hide_index=True, width="stretch")


def _do(step) -> None:
    """Runs a step at the version this screen showed; messages instead of exceptions."""
    try:
        saved = S.act(engine, case.case_id, seen, user, step)
    except L.CaseError as exc:
        st.session_state["_cases_error"] = exc.message
        return
    st.session_state[seen_key] = saved.version
    st.session_state["_cases_done"] = f"已保存:{saved.subject_name} · {saved.status}"


error = st.session_state.pop("_cases_error", None)
if error:
    st.error(error)
done = st.session_state.pop("_cases_done", None)
if done:
    st.success(done)

if not case.is_open:
    st.caption("该事项已办结或销号;再次出现预警时将自动重新打开。")
    st.stop()

if is_assigner:
    with st.expander("派发", expanded=case.status == L.NEW):
        officers = [
            u
            for u in accounts
            if R.TOWNSHIP in u.roles and case.township and case.township in u.townships
        ]
        kinds = ([L.OFFICER] if case.township else []) + [L.SECTION]
        with st.form(f"assign_{case.case_id}"):
            kind = st.radio(
                "承办",
                kinds,
                format_func=lambda k: "乡镇医保所人员" if k == L.OFFICER else "股室",
                horizontal=True,
                key="cases_kind",
            )
            officer = st.selectbox(
                "乡镇人员",
                [u.username for u in officers],
                format_func=lambda n: display_names.get(n, n),
                key="cases_officer",
                placeholder="该乡镇暂无乡镇医保所账号",
                index=None if not officers else 0,
            )
            section = st.selectbox("股室", list(settings.CASE_SECTIONS), key="cases_section")
            due = st.date_input(
                "办理期限",
                value=today + dt.timedelta(days=settings.CASE_DUE_DAYS),
                min_value=today,
                key="cases_due",
            )
            memo = st.text_input("派发说明", key="cases_memo")
            if st.form_submit_button("派发", type="primary"):
                owner = (officer or "") if kind == L.OFFICER else section
                owner_user = next((u for u in accounts if u.username == owner), None)
                _do(
                    partial(
                        L.assign,
                        actor=user,
                        owner_kind=kind,
                        owner=owner,
                        owner_user=owner_user,
                        due_date=due,
                        note=memo,
                        today=today,
                        township_name=where,
                    )
                )
                st.rerun()

if L.can_answer(case, user) and case.owner:
    with st.form(f"answer_{case.case_id}"):
        st.markdown("**整改答复**")
        measures = st.text_area("整改措施", key="cases_measures")
        progress = st.text_area("进展情况", key="cases_progress")
        day = st.date_input("答复日期", value=today, max_value=today, key="cases_day")
        if st.form_submit_button("提交答复", type="primary"):
            _do(
                partial(
                    L.answer,
                    actor=user,
                    measures=measures,
                    progress=progress,
                    answer_date=day,
                    today=today,
                )
            )
            st.rerun()

if is_assigner and case.owner:
    with st.form(f"decide_{case.case_id}"):
        st.markdown("**审核**")
        outcome = st.radio("结果", [L.DONE, L.CLOSED, "退回"], horizontal=True, key="cases_outcome")
        reason = st.text_input("审核意见", key="cases_reason")
        if st.form_submit_button("确定"):
            if outcome == "退回":
                _do(partial(L.send_back, actor=user, note=reason))
            else:
                _do(partial(L.close, actor=user, outcome=outcome, note=reason))
            st.rerun()
