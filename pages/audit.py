"""操作日志: the audit log (logins, exports, imports, adoptions, user changes), for 数据管理员."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from auth import session as auth_session
from auth import store
from metrics import service
from ui import grid

st.markdown("### 操作日志")
st.caption("登录、导出、导入、方案采用和用户变更的记录(最新在前,最多显示1000条)")
if not auth_session.allowed("admin"):
    st.warning("查看操作日志需要“数据管理员”角色。")
    st.stop()
if auth_session.is_demo():
    st.caption(":orange-badge[演示数据] 演示模式不需登录,操作记在演示用户名下。")

labels = store.ACTION_LABELS
c1, c2, c3 = st.columns([1, 1, 2])
user = c1.text_input("用户", key="audit_user", placeholder="全部")
action = c2.selectbox(
    "操作",
    [None, *labels],
    format_func=lambda a: "全部" if a is None else labels[a],
    key="audit_act",
)
today = dt.date.today()
days = c3.date_input(
    "日期", value=(today - dt.timedelta(days=30), today), max_value=today, key="audit_days"
)
since, until = (days[0], days[-1]) if isinstance(days, tuple) and days else (None, None)
try:
    frame = store.read_audit(
        service.app_engine(), username=user.strip() or None, action=action, since=since, until=until
    )
except Exception:
    st.info("尚无操作日志(应用库中的日志表尚未建立或无法读取)。")
    st.stop()
if frame.empty:
    st.info("所选条件下没有操作记录。")
    st.stop()
shown = frame.assign(
    at=frame["at"].astype(str),
    action=frame["action"].map(lambda a: labels.get(a, a)),
)[["at", "username", "action", "detail"]].rename(
    columns={"at": "时间", "username": "用户", "action": "操作", "detail": "内容"}
)
grid.dataframe(shown, hide_index=True, width="stretch")
st.caption(f"共 {len(shown)} 条。")
