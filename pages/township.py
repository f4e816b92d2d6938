"""乡镇详情: one township's areas against target and 时序进度, its rank month by month, its
enrollment against plan and what drives its lag (metrics/drill.py), then its institutions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import charts
from auth import session as auth_session
from auth.roles import pages_for
from charts.ranks import rank_lines
from metrics import compare, drill, present, service
from metrics.execute import Result
from metrics.model import QuerySpec
from metrics.status import Status
from ui import institution_link, layout, state
from ui.nav import PAGES

f = state.current()
towns = service.townships()
# Ranks need every township's figures: only a county viewer has them (a township officer's
# results hold their own township, and "第1名/共1个" would mislead).
county_viewer = service.current_viewer().is_county
if not f.township:
    layout.header("乡镇详情", f)
    st.info("请选择一个乡镇(街道)查看其各项工作的详细情况。")
    names = dict(zip(towns.code, towns.name, strict=True))
    choice = st.selectbox(
        "乡镇(街道)", [None, *towns.code], format_func=lambda c: "请选择" if c is None else names[c]
    )
    if choice:
        state.select_township(choice)
    st.stop()


def _back_to_county() -> None:
    """← 返回全县: 总览 for the whole county (this page where 总览 is not granted), with the same
    year, month and scheme."""
    user = auth_session.current_user()
    overview = PAGES[0]
    if user is None or overview.url_path not in pages_for(user.roles):
        state.select_township(None)
    # The filters travel in the link (switching pages drops the sidebar's widget values).
    keep = {state.YEAR: f.year, state.MONTH: f.month, state.SCHEME: f.scheme}
    params = {state.URL_KEYS[k]: str(v) for k, v in keep.items() if v}
    state.switch_page(overview.file, params)


if county_viewer and st.button("← 返回全县", key="township_back", type="tertiary"):
    _back_to_county()
layout.header(f"乡镇详情 · {f.township_name}", f)
period, town = f.period, f.township
where = f.township_filter()
LEVEL = "township"
# Narrower headers for the institutions table (nine columns across the page at 1366 px).
SHORT_INST_HEADERS = {
    present.header("drg_budget"): present.column_as("drg_budget", "DRG预算").header,
    present.header("drg_paid"): present.column_as("drg_paid", "DRG支付").header,
}
ran: list[Result] = []  # every result the page read, for 查看SQL


def fetch(spec: QuerySpec) -> Result:
    """service.fetch (the session's viewer, cached), remembering the result for 查看SQL."""
    result = service.fetch(spec)
    ran.append(result)
    return result


# --- 各项工作: figure, target, 时序进度, status, 同比 and rank (drill.area_summary) ---------------


def _area_note(row: pd.Series) -> str:
    parts = []
    if row["suppressed"]:
        parts.append("涉及人数较少,不予显示")
    if row["target_metric"] and not pd.isna(row["target"]):
        target = present.text(row["target_metric"], row["target"], level=LEVEL)
        parts.append(f"{present.metric(row['target_metric']).label} {target}")
    if not pd.isna(row["expected"]):
        parts.append(f"时序进度 {present.text(row['metric'], row['expected'])}")
    if county_viewer and not pd.isna(row["rank"]):
        parts.append(f"全县第{int(row['rank'])}名 / 共{int(row['of'])}个")
    return " · ".join(parts)


summary = drill.area_summary(fetch, period, town)
if summary["value"].isna().all() and not summary["suppressed"].any():
    layout.empty_note("本乡镇", f)
    st.stop()
cols = st.columns(len(summary))
for col, (_, row) in zip(cols, summary.iterrows(), strict=True):
    with col:
        st.markdown(f"**{row['area']}**")
        layout.card(
            col,
            row["metric"],
            None if pd.isna(row["value"]) else float(row["value"]),
            status=row["status"] if isinstance(row["status"], Status) else None,
            delta=None if pd.isna(row["yoy"]) else float(row["yoy"]),
            note=_area_note(row),
            level=LEVEL,
        )
st.caption(
    "状态按各指标自己的规则与时序进度比较(集采落后超过"
    f"{present.margin_points('proc_progress')}个百分点为滞后,DRG超出"
    f"{present.margin_points('drg_execution')}个百分点为超进度);医疗救助无时序进度。"
)

# --- 排名变化 (drill.rank_history) ---------------------------------------------------------------

COMPLETION = drill.COMPLETION
st.markdown("#### 参保任务完成率排名变化" if county_viewer else "#### 参保任务完成率逐月变化")
history = drill.rank_history(fetch, period.year, period.month, town)
shown = history.assign(
    status_label=[compare.status_label(COMPLETION, s) for s in history["status"]]
)
# Short headers, so the table keeps every column beside the chart on a 1366 px screen.
extra: dict[str, str | present.Column] = {
    "value": present.column_as(COMPLETION, "完成率", LEVEL),
    "expected": present.column_as(COMPLETION, "时序进度", LEVEL),
    "status_label": "状态",
}
if county_viewer:
    extra |= {"rank": "名次", "of": "乡镇数"}
    ranked = history.dropna(subset=["rank"])
    if not ranked.empty:
        left, right = st.columns(2)
        with left:
            layout.chart(
                rank_lines(
                    history[["month", "rank", "value"]],
                    of=int(ranked["of"].max()),
                    text=layout.half_chart_text(f, "参保任务完成率排名变化", "名"),
                ),
                key="township_rank",
            )
        table_box = right
    else:
        table_box = st.container()
else:
    table_box = st.container()
    st.caption("排名需全县各乡镇数据,本账号仅可查看本乡镇,故不显示排名。")
with table_box:
    layout.table(
        present.table(shown, [], ["month"], extra=extra, level=LEVEL),
        title=f.title("参保任务完成率排名变化" if county_viewer else "参保任务完成率逐月变化"),
    )

# --- 参保人数与计划进度 (drill.enrollment_trend) -----------------------------------------------

st.markdown("#### 参保人数与计划进度")
trend = drill.enrollment_trend(fetch, period.year, period.month, town)
targets = drill.trend_targets(fetch, period.year, period.month, town)
if trend["enrolled"].isna().all():
    st.info("本乡镇暂无参保数据。")
else:
    left, right = st.columns([3, 2])
    with left:
        layout.chart(
            charts.enrollment_vs_plan(
                trend.dropna(subset=["enrolled"])[["month", "enrolled"]],
                targets,
                period.month,
                layout.half_chart_text(f, "参保人数与计划进度", present.DISPLAY_UNIT["persons"]),
                level=LEVEL,
            ),
            key="township_trend",
        )
    with right:
        # Short headers: four columns fit the narrow right-hand column of a 1366 px screen.
        layout.table(
            present.table(
                trend,
                [],
                ["month"],
                extra={
                    "enrolled": present.column_as("enrolled", "实际参保", LEVEL),
                    "planned": present.column_as("enrolled", "计划进度", LEVEL),
                    "gap": present.column_as("enrolled", "差距", LEVEL),
                },
                level=LEVEL,
            ),
            title=f.title("参保人数与计划进度"),
        )
    st.caption("计划进度 = 各险种年度任务数 × 该险种时序进度;差距为正表示落后于计划。")

# --- 滞后原因 (drill.lag_drivers) ----------------------------------------------------------------

st.markdown("#### 滞后原因")
drivers = drill.lag_drivers(fetch, period, town)
if drivers.empty:
    st.success("本乡镇各项工作均未落后于计划进度。")
else:
    listed = drivers.assign(
        gap_text=[
            drill.gap_text(g, u) for g, u in zip(drivers["gap"], drivers["unit"], strict=True)
        ]
    )
    share = present.Column("share_of_gap", "占本领域差距", "pct", "%", 2)
    layout.table(
        present.table(
            listed,
            [],
            extra={
                "area": "业务领域",
                "subject": "险种或机构",
                "gap_text": "差距",
                "share_of_gap": share,
            },
        ),
        title=f.title("滞后原因"),
        # 集采 and DRG rows are institutions: picking one opens its 机构详情 (参保 rows are schemes).
        pick=institution_link.picker(
            [
                str(c) if a in (drill.PROCUREMENT, drill.DRG) else ""
                for a, c in zip(drivers["area"], drivers["code"], strict=True)
            ],
            "township",
            "township_drivers_pick",
        ),
        pick_key="township_drivers_pick",
    )
    st.caption(
        "差距:参保为按时序进度应参保人数减实际参保人数;集采为按时序进度应采购量减已采购量;"
        "DRG为已支付减按时序进度应支付(万元)。各领域内由大到小排列。"
        "选中集采或DRG的一行可打开该机构的机构详情。"
    )

# --- 本乡镇定点医药机构, 参保, 救助 ---------------------------------------------------------------

st.divider()
st.markdown("#### 本乡镇定点医药机构")
drg_inst = fetch(
    QuerySpec.make(
        ["drg_budget", "drg_paid", "drg_execution", "drg_cases", "drg_cmi"],
        period,
        ["institution"],
        where,
    )
)
proc_inst = fetch(
    QuerySpec.make(
        ["proc_agreed", "proc_purchased", "proc_progress", "proc_savings"],
        period,
        ["institution"],
        where,
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
        present.table(
            inst, metrics_shown, ["institution"], extra={"institution_level": "等级"}
        ).rename(columns=SHORT_INST_HEADERS),
        title=f.title("辖区医疗机构"),
        pick=institution_link.picker(
            inst["institution"].astype(str).tolist(), "township", "township_inst_pick"
        ),
        pick_key="township_inst_pick",
    )
    st.caption(institution_link.PICK_NOTE)
    linear = compare.expected_progress_of("drg_execution", period)
    st.caption(f"预算执行率与采购进度的时序进度均为 {present.text('drg_execution', linear)}。")

st.markdown("#### 参保情况(分险种、人群)")
groups = fetch(QuerySpec.make(["enrolled"], period, ["scheme", "person_group"], where))
if groups.empty:
    st.info("本乡镇暂无参保数据。")
else:
    layout.table(
        present.table(groups.frame, ["enrolled"], ["scheme", "person_group"], level=groups.level),
        title=f.title("参保情况(分险种、人群)"),
    )
assist = fetch(QuerySpec.make(["assist_times", "assist_amount"], period, ["category"], where))
st.markdown("#### 医疗救助(按救助对象类别)")
layout.table(
    present.table(
        assist.frame, ["assist_times", "assist_amount"], ["category"], level=assist.level
    ),
    title=f.title("医疗救助(按救助对象类别)"),
)
layout.suppressed_note(next((r for r in ran if r.suppressed), assist))
layout.show_sql(ran)
