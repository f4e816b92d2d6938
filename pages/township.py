"""乡镇详情: all five areas for one township, with its rank among townships and its institutions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics import present, service
from metrics.model import QuerySpec
from metrics.status import Status
from ui import layout, state

f = state.current()
towns = service.townships()
if not f.township:
    layout.header("乡镇详情", f)
    st.info("请选择一个乡镇(街道)查看其五项工作的详细情况。")
    names = dict(zip(towns.code, towns.name, strict=True))
    choice = st.selectbox(
        "乡镇(街道)", [None, *towns.code], format_func=lambda c: "请选择" if c is None else names[c]
    )
    if choice:
        state.select_township(choice)
    st.stop()

layout.header(f"乡镇详情 · {f.township_name}", f)
period = f.period
town = f.township_filter()
# The rank among all townships needs the county's figures: only a county viewer has them (a
# township officer's own result holds one township, and "第1名/共1个" would mislead).
county_viewer = service.current_viewer().is_county

# Each area's township figures, and its place among all townships the viewer may see.
AREAS = (
    (
        "参保扩面",
        "enroll_completion",
        ["enrolled", "enroll_target", "enroll_gap", "coverage_rate"],
        True,
    ),
    ("医疗救助", "assist_amount", ["assist_times", "alert_persons"], None),
    ("集中带量采购", "proc_savings", ["proc_progress", "proc_retained"], True),
    ("DRG预算执行", "drg_execution", ["drg_paid", "drg_budget", "drg_cases", "drg_cmi"], False),
)
county = {
    head: service.fetch(
        QuerySpec.make(
            [head, *others],
            period,
            ["township"],
            compare=("status", "rank") if better is not None else (),
        )
    )
    for _, head, others, better in AREAS
}
mine = {head: r.frame[r.frame["township"] == f.township] for head, r in county.items()}
if all(frame.empty for frame in mine.values()):
    layout.empty_note("本乡镇", f)
    st.stop()

linear = county["drg_execution"].value("drg_execution_expected")  # m/12, as for procurement
cols = st.columns(4)
for col, (area, head, others, _) in zip(cols, AREAS, strict=True):
    result, row = county[head], mine[head]
    value = row[head].iloc[0] if not row.empty else None
    position = ""
    rank_col = f"{head}_rank"
    if county_viewer and rank_col in row and value is not None:
        position = f"全县第{int(row[rank_col].iloc[0])}名 / 共{len(result.frame)}个"
    status_col = f"{head}_status"
    status = Status.of(row[status_col].iloc[0]) if status_col in row and not row.empty else None
    details = " · ".join(
        f"{present.metric(o).label} {present.text(o, row[o].iloc[0], level='township')}"
        for o in others
        if not row.empty and o in row
    )
    with col:
        st.markdown(f"**{area}**")
        layout.card(
            col,
            head,
            value,
            status=status,
            note=" · ".join(p for p in (position, details) if p),
            level="township",
        )

st.divider()
st.markdown("#### 本乡镇定点医药机构")
drg_inst = service.fetch(
    QuerySpec.make(
        ["drg_budget", "drg_paid", "drg_execution", "drg_cases", "drg_cmi"],
        period,
        ["institution"],
        town,
    )
)
proc_inst = service.fetch(
    QuerySpec.make(
        ["proc_agreed", "proc_purchased", "proc_progress", "proc_savings"],
        period,
        ["institution"],
        town,
    )
)
inst = pd.concat(
    [drg_inst.frame.set_index("institution"), proc_inst.frame.set_index("institution")], axis=1
)
if inst.empty:
    st.info("本乡镇暂无住院或集采机构数据。")
else:
    inst = inst.loc[:, ~inst.columns.duplicated()].reset_index()
    metrics_shown = [
        "drg_budget",
        "drg_paid",
        "drg_execution",
        "drg_cases",
        "drg_cmi",
        "proc_progress",
        "proc_savings",
    ]
    layout.table(
        present.table(inst, metrics_shown, ["institution"], extra={"institution_level": "等级"}),
        title=f.title("辖区医疗机构"),
    )
    st.caption(f"预算执行率与采购进度的时序进度均为 {present.text('drg_execution', linear)}。")

st.markdown("#### 参保情况(分险种、人群)")
groups = service.fetch(QuerySpec.make(["enrolled"], period, ["scheme", "person_group"], town))
if groups.empty:
    st.info("本乡镇暂无参保数据。")
else:
    layout.table(
        present.table(groups.frame, ["enrolled"], ["scheme", "person_group"], level=groups.level),
        title=f.title("参保情况(分险种、人群)"),
    )
assist = service.fetch(
    QuerySpec.make(["assist_times", "assist_amount"], period, ["category"], town)
)
st.markdown("#### 医疗救助(按救助对象类别)")
layout.table(
    present.table(
        assist.frame, ["assist_times", "assist_amount"], ["category"], level=assist.level
    ),
    title=f.title("医疗救助(按救助对象类别)"),
)
layout.suppressed_note(assist)
layout.show_sql([*county.values(), drg_inst, proc_inst, groups, assist])
if st.button("返回全县"):
    state.select_township(None)
