"""任务分解: split the county's enrollment target per scheme across townships, save and adopt."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

import charts
from auth import session as auth_session
from data_sources import region, scenarios
from exports import watermark, wording
from metrics import planning, present, service, settings, units
from metrics.model import Period, QuerySpec
from metrics.planning import METHODS, SCHEME_LABELS, SCHEME_SHORT, SCHEMES, PlanInfeasible
from ui import grid, layout, planning_export, state

# Townships compared side by side in 万人 (the county unit), so the bars share one axis.
PERSONS = present.column_as("enrolled", "人数")

f = state.current()
head = st.container()  # filled once the plan year is chosen

# --- which year, and the data behind it -----------------------------------------------------

if service.current_viewer().townships is not None:
    # A plan splits the whole county: a viewer scoped to some townships cannot see the rest.
    layout.header("任务分解", f)
    st.info("任务分解需要查看全县各乡镇的数据,当前账号的查看范围不足。请联系征缴/规划股。")
    st.stop()
years = list(service.years())
if not years:
    layout.empty_note("参保", f.county())
    st.stop()
latest = years[-1]
c_year, c_method = st.columns([1, 3])
plan_year = c_year.selectbox(
    "规划年度",
    [*years, latest + 1],
    index=len(years) - 1,
    key="plan_year",
    format_func=lambda y: f"{y}年" + ("(下一年度)" if y == latest + 1 else ""),
)
data_year = min(plan_year, latest)  # next year is planned from the latest year's data
# Titles name the year planned (its whole year), not the sidebar's period.
plan_f = replace(f.county(), year=plan_year, month=12)
with head:
    layout.header("任务分解", plan_f)
    if f.township:
        st.info("任务分解按全县进行:下表列出全县各乡镇,所选乡镇不影响本页。")


def _period(year: int) -> Period:
    month = f.month if year == f.year else state.max_month(year)
    return Period(year, month)


pop_res = service.fetch(QuerySpec.make(["registered_pop"], _period(data_year), ["township"]))
last_res = service.fetch(
    QuerySpec.make(["enrolled", "enroll_target"], _period(plan_year - 1), ["township", "scheme"])
)
results = [pop_res, last_res]
current = None
if plan_year in years:
    cur_res = service.fetch(
        QuerySpec.make(["enrolled", "enroll_target"], _period(plan_year), ["township", "scheme"])
    )
    current = cur_res.frame
    results.append(cur_res)
if pop_res.empty:
    layout.empty_note("户籍人口", f.county())
    st.stop()
inputs = planning.build_inputs(pop_res.frame, last_res.frame, current)
towns = inputs.drop_duplicates("township")[["township", "township_name", "township_order"]]

official = service.fetch(QuerySpec.make(["enroll_target"], _period(plan_year), ["scheme"]))
default_from = plan_year
if official.empty:
    official = service.fetch(QuerySpec.make(["enroll_target"], _period(data_year), ["scheme"]))
    default_from = data_year
results.append(official)
default_totals = {
    str(s): int(v)
    for s, v in zip(official.frame["scheme"], official.frame["enroll_target"], strict=True)
}

method = c_method.radio(
    "分解方法",
    list(METHODS),
    format_func=METHODS.get,
    horizontal=True,
    key="plan_method",
)
st.caption(
    f"人口为{data_year}年户籍人口;上年参保人数为{_period(plan_year - 1).label()}累计参保人数"
    + (f";当前进度为{_period(plan_year).label()}参保人数" if current is not None else "")
    + f"。县级任务数默认取{default_from}年正式任务数。"
)

cols = st.columns(4)
totals: dict[str, int] = {}
for col, s in zip(cols[:2], SCHEMES, strict=True):
    totals[s] = int(
        col.number_input(
            f"{SCHEME_LABELS[s]}县级任务数(人)",
            min_value=0,
            value=default_totals.get(s, 0),
            step=100,
            key=f"plan_total_{plan_year}_{s}",
            disabled=method == "manual",
        )
    )
min_growth = cols[2].number_input(
    "较上年参保最低增长(%)",
    min_value=0.0,
    max_value=50.0,
    value=0.0,
    step=0.5,
    key="plan_min_growth",
    help="每个乡镇的任务数至少为上年参保人数×(1+此比例);0表示不设下限。"
    "与人口上限冲突时以上限为准。",
)
respect_cap = cols[3].checkbox(
    "不超过户籍人口上限",
    value=True,
    key="plan_cap",
    help="每个险种的任务数不超过:户籍人口 − 另一险种上年参保人数(不低于本险种上年参保人数)。",
)

# --- the editor: locks (or, for the manual method, every number) ---------------------------

LOCK = {s: f"锁定{SCHEME_SHORT[s]}" for s in SCHEMES}
NUMBER = {s: f"{SCHEME_SHORT[s]}任务数" for s in SCHEMES}
prefill = inputs.assign(
    n=inputs["target_official"].fillna(inputs["target_last"]).fillna(0).astype("int64")
).pivot_table(index="township", columns="scheme", values="n", aggfunc="sum")
base = towns.rename(columns={"township_name": "乡镇"})[["township", "乡镇"]].copy()
for s in SCHEMES:
    base[LOCK[s]] = False
    base[NUMBER[s]] = base["township"].map(prefill[s]).fillna(0).astype("int64")
st.markdown(
    "##### "
    + (
        "手工填报各乡镇任务数"
        if method == "manual"
        else "锁定乡镇(勾选后该乡镇保持所填任务数,其余乡镇重新分解)"
    )
)
edited = grid.data_editor(
    base,
    key=f"plan_editor_{plan_year}",
    hide_index=True,
    width="stretch",
    height=260,
    disabled=["township", "乡镇"] + ([LOCK[s] for s in SCHEMES] if method == "manual" else []),
    column_config={
        "township": None,
        **{NUMBER[s]: st.column_config.NumberColumn(min_value=0, step=1) for s in SCHEMES},
    },
)
locks: dict[tuple[str, str], int] = {}
manual: dict[tuple[str, str], int] = {}
for row in edited.itertuples(index=False):
    r = dict(zip(edited.columns, row, strict=True))
    for s in SCHEMES:
        n = r[NUMBER[s]]
        n = 0 if pd.isna(n) else int(n)
        manual[(r["township"], s)] = n
        if r[LOCK[s]]:
            locks[(r["township"], s)] = n

# --- the plan ------------------------------------------------------------------------------

targets: dict[tuple[str, str], int] | None = None
try:
    targets = planning.plan(
        inputs,
        totals,
        method,
        min_growth_pct=float(min_growth) or None,
        respect_cap=respect_cap,
        locks=locks,
        manual=manual,
    )
except PlanInfeasible as exc:
    st.error(f"该方案无法实现:{exc.message}")

if targets is not None:
    if method == "manual":
        totals = {s: sum(n for (_, sc), n in targets.items() if sc == s) for s in SCHEMES}
        gaps = planning.manual_gaps(targets, default_totals) if default_totals else {}
        off = [
            f"{SCHEME_LABELS[s]}合计{present.text('enrolled', totals[s])},"
            f"与{default_from}年正式任务数相差{gap:+,d}人"
            for s, gap in gaps.items()
            if gap
        ]
        if off:
            st.warning(";".join(off) + "。")
    comp = planning.comparison(inputs, targets)
    county = planning.county_row(comp)
    cols = st.columns(4)
    layout.card(cols[0], "enroll_target", county["proposed"], label="方案任务数")
    layout.card(
        cols[1],
        "coverage_rate",
        county["coverage"],
        label="折算参保率",
        note=f"目标≥{present.text('coverage_rate', settings.COVERAGE_GOAL)}",
    )
    cols[2].metric("锁定乡镇(险种)", f"{len(locks) if method != 'manual' else 0}个", border=True)
    cols[3].metric("难以完成的乡镇", f"{int(comp['hard'].sum())}个", border=True)
    cols[3].caption(
        f"增长>{units.fmt_pct(settings.PLAN_HARD_GROWTH, 0)}或折算参保率>"
        f"{units.fmt_pct(settings.PLAN_HARD_COVERAGE, 0)}"
    )

    shown = pd.DataFrame(
        {
            "乡镇": comp["township_name"],
            **{f"{SCHEME_SHORT[s]}任务数": comp.get(f"proposed_{s}") for s in SCHEMES},
            "方案合计": comp["proposed"],
            "上年任务数": comp["target_last"],
            "较上年任务增减": comp["target_chg"],
            "上年参保人数": comp["enrolled_last"],
            "较上年参保增长": [present.text("enroll_completion", g) for g in comp["growth"]],
            "户籍人口": comp["population"],
            "折算参保率": [present.text("coverage_rate", c) for c in comp["coverage"]],
            "当前进度": [present.text("enroll_completion", p) for p in comp["progress_rate"]],
            "难以完成": comp["hard_reason"],
        }
    )
    number = st.column_config.NumberColumn(format="localized")
    grid.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=420,
        column_config={
            c: number
            for c in shown.columns
            if c.endswith("任务数")
            or c in ("方案合计", "较上年任务增减", "上年参保人数", "户籍人口")
        },
    )
    st.caption(
        "较上年参保增长 = 方案合计 ÷ 上年参保人数 − 1;折算参保率 = 方案合计 ÷ 户籍人口;"
        "当前进度 = 规划年度已参保人数 ÷ 方案合计。"
    )
    left, right = st.columns([3, 2])
    with left:
        bars = pd.concat(
            [
                pd.DataFrame(
                    {
                        "乡镇": comp["township_name"],
                        "系列": label,
                        PERSONS.unit: [PERSONS.value(v) for v in comp[col]],
                    }
                )
                for col, label in (("proposed", "方案任务数"), ("enrolled_last", "上年参保人数"))
            ]
        ).dropna()
        st.altair_chart(
            charts.grouped_bars(
                bars,
                category="乡镇",
                group="系列",
                value=PERSONS.unit,
                value_title=PERSONS.header,
                text=charts.stacked(
                    layout.chart_text(plan_f, "方案任务数与上年参保人数", PERSONS.unit)
                ),
            )
        )

    with right, st.form("plan_save", clear_on_submit=False, border=True):
        st.markdown("##### 保存为方案")
        name = st.text_input(
            "方案名称", max_chars=64, key="plan_name", placeholder="如:2027年按人口分解(初稿)"
        )
        st.caption(
            f"编制人:{auth_session.person_label(service.current_viewer().name)};"
            "保存分解方法、各项参数和各乡镇任务数。"
        )
        may_plan = auth_session.allowed("plan")
        saved = st.form_submit_button("保存方案", type="primary", disabled=not may_plan)
        if not may_plan:
            st.caption("保存方案需要“规划人员”角色。")
    if saved:
        params = {
            "totals": totals,
            "min_growth_pct": float(min_growth),
            "respect_cap": bool(respect_cap),
            "locks": {s: {t: n for (t, sc), n in locks.items() if sc == s} for s in SCHEMES},
            "data_year": data_year,
            "method_label": METHODS[method],
        }
        try:
            new_id = scenarios.save_scenario(
                service.app_engine(),
                year=plan_year,
                name=name,
                author=service.current_viewer().name,
                method=method,
                parameters=params,
                targets=targets,
            )
            st.success(f"已保存方案“{name.strip()}”(编号{new_id})。")
        except scenarios.ScenarioError as exc:
            st.error(exc.message)
        except SQLAlchemyError as exc:
            st.error(f"保存失败({type(exc).__name__}):数据仓库可能为只读,或连接中断。方案未保存。")

# --- saved scenarios: list, compare, export, adopt -------------------------------------------

st.divider()
st.markdown(f"#### {plan_year}年已保存的方案")
try:
    saved_list = scenarios.list_scenarios(service.app_engine(), plan_year)
except SQLAlchemyError:
    saved_list = None
    st.warning("读取已保存方案失败:数据仓库中尚无方案表,或连接中断。")
if saved_list is not None and saved_list.empty:
    st.info(f"{plan_year}年尚无保存的方案。在上方调整后填写方案名称并保存。")
elif saved_list is not None:
    labels = {
        int(r.scenario_id): f"{r.name}(编号{r.scenario_id},{auth_session.person_label(r.author)})"
        for r in saved_list.itertuples()
    }
    listing = pd.DataFrame(
        {
            "编号": saved_list["scenario_id"],
            "方案名称": saved_list["name"],
            "分解方法": saved_list["method"].map(METHODS).fillna(saved_list["method"]),
            "编制人": [auth_session.person_label(a) for a in saved_list["author"]],
            "保存时间": saved_list["created_at"].astype(str).str[:16],
            "采用情况": [
                f"{str(a)[:16]} 由{b}采用" if a is not None and not pd.isna(a) else ""
                for a, b in zip(saved_list["adopted_at"], saved_list["adopted_by"], strict=True)
            ],
        }
    )
    layout.table(listing)
    ids = list(labels)

    st.markdown("##### 方案对比")
    c1, c2 = st.columns(2)
    # Defaults: A the older, B the newest scenario.
    a_id = c1.selectbox(
        "方案A", ids, index=min(1, len(ids) - 1), format_func=labels.get, key="plan_cmp_a"
    )
    b_id = c2.selectbox("方案B", ids, format_func=labels.get, key="plan_cmp_b")
    eng = service.app_engine()  # the scenarios' store
    diff = planning.compare_scenarios(
        scenarios.scenario_targets(eng, a_id), scenarios.scenario_targets(eng, b_id), towns
    )
    if a_id == b_id:
        st.caption("请选择两个不同的方案进行对比。")
    table = pd.DataFrame({"乡镇": diff["township_name"]})
    for x, label in [*((s, SCHEME_SHORT[s]) for s in SCHEMES), ("total", "合计")]:
        table[f"{label}·A"] = diff[f"a_{x}"]
        table[f"{label}·B"] = diff[f"b_{x}"]
        table[f"{label}·差额(B−A)"] = diff[f"diff_{x}"]
    left, right = st.columns([3, 2])
    with left:
        grid.dataframe(
            table,
            hide_index=True,
            width="stretch",
            height=420,
            column_config={
                c: st.column_config.NumberColumn(format="localized") for c in table.columns[1:]
            },
        )
    with right:
        bars = pd.concat(
            [
                pd.DataFrame(
                    {
                        "乡镇": diff["township_name"],
                        "险种": SCHEME_LABELS[s],
                        "人": diff[f"diff_{s}"],
                    }
                )
                for s in SCHEMES
            ]
        )
        st.altair_chart(
            charts.grouped_bars(
                bars,
                category="乡镇",
                group="险种",
                value="人",
                value_title="差额(人,B−A)",
                text=charts.stacked(layout.chart_text(plan_f, "方案差额(B−A)", "人")),
            )
        )

    st.markdown("##### 导出与采用")
    c1, c2 = st.columns([2, 3])
    pick = c1.selectbox("选择方案", ids, format_func=labels.get, key="plan_pick")
    picked = saved_list.set_index("scenario_id").loc[pick]
    pick_name = str(picked["name"])
    sheet = planning_export.task_table_frame(scenarios.scenario_targets(eng, pick), towns)
    with service.engine().connect() as conn:  # the issuing unit: the region's 医疗保障局
        issuer = wording.organisation(region.region_name(conn))
    if auth_session.allowed("export") or auth_session.allowed("plan"):
        c1.download_button(
            "导出任务分解表(Excel)",
            data=auth_session.deferred_export(
                lambda mark: watermark.xlsx(
                    planning_export.task_table_xlsx(
                        f"{plan_year}年城乡居民医保和职工医保参保任务分解表",
                        sheet,
                        note=f"方案:{pick_name}",
                        status=planning_export.adoption_status(picked["adopted_at"], pick_name),
                        issuer=issuer,
                    ),
                    mark,
                ),
                f"任务分解表:{pick_name}",
                f"年度:{plan_year}",
            ),
            file_name=planning_export.task_table_filename(plan_year, pick_name),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="plan_export",
        )
    with c2:
        confirm = st.checkbox(
            f"确认将方案“{pick_name}”采用为{plan_year}年正式参保任务数(替换现有任务数)",
            key="plan_confirm",
        )
        may_adopt = auth_session.allowed("adopt")
        if not may_adopt:
            st.caption("采用方案需要“规划人员”角色。")
        if st.button("采用方案", disabled=not (confirm and may_adopt), key="plan_adopt"):
            try:
                scenarios.adopt_scenario(
                    service.engine(), pick, service.current_viewer().name, app_engine=eng
                )
            except scenarios.ScenarioError as exc:
                st.error(exc.message)
            except SQLAlchemyError as exc:
                st.error(
                    f"采用失败({type(exc).__name__}),原有任务数未改变。"
                    "请检查数据仓库是否可写后重试。"
                )
            else:
                auth_session.audit(
                    "adopt", f"采用方案“{pick_name}”(编号{pick})为{plan_year}年任务数"
                )
                service.clear_caches()
                st.success(
                    f"已将方案“{pick_name}”采用为{plan_year}年正式参保任务数,"
                    "各页面的任务完成率将按新任务数计算。"
                )

layout.show_sql(results)
