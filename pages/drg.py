"""DRG预算执行: DRG payment budget against time progress, by hospital, month, case type and DRG group."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

import charts
from metrics import present, service
from metrics.model import QuerySpec
from metrics.status import Status
from ui import institution_link, layout, state

# Paying faster than time is the risk here: the metric's red status reads 超进度 (more than
# DRG_OVER_PACE_PP ahead), on this page, the overview's warnings and the briefing alike.
PALETTE = present.status_palette("drg_execution")
OVER_PACE = present.status_label("drg_execution", Status.RED)
STATUS = "drg_execution_status_label"
TOP_SHOWN = 25
TOP_GROUPS = 10
CASE_METRICS = ["drg_cases", "drg_cmi", "drg_cost_per_weight", "drg_avg_cost"]
SHORT_HEADERS = {  # narrower headers for the wide tables
    present.header("drg_avg_cost"): "次均费用(元)",
    present.header("drg_paid"): present.column_as("drg_paid", "基金支付").header,
}
CHANGE_HEADERS = {
    "drg_cases": "病例同比",
    "drg_cmi": "CMI同比",
    "drg_cost_per_weight": "每权重同比",
    "drg_avg_cost": "次均同比",
}

PAID = present.column("drg_paid")  # 万元, as the budget
BUDGET = present.column("drg_budget")

RATE = present.column("drg_execution")  # a ratio shown in %
f = state.current()
layout.header("DRG预算执行", f)
period = f.period
where = f.township_filter()
over_pp = present.margin_points("drg_execution")


def cumulative_vs_plan(
    paid: pd.DataFrame, budget: float | None, subject: str, scope: state.Filters
):
    """Lines of cumulative paid and the budget's time-progress plan (charts.budget_vs_plan)."""
    return charts.budget_vs_plan(
        paid, budget, period.month, layout.half_chart_text(scope, subject, PAID.unit)
    )


overall = service.fetch(
    QuerySpec.make(
        ["drg_budget", "drg_paid", "drg_execution", *CASE_METRICS, "drg_high_outliers"],
        period,
        (),
        where,
        compare=("yoy", "status"),
    )
)
if overall.empty:
    layout.empty_note("DRG付费", f)
    st.stop()
expected = overall.value("drg_execution_expected")  # the metric's time progress (m/12)
hospitals = service.fetch(
    QuerySpec.make(
        ["drg_budget", "drg_paid", "drg_execution", *CASE_METRICS],
        period,
        ["institution", "township"],
        where,
        compare=("yoy", "status"),
    )
)
hosp = hospitals.frame.copy()
hosp = hosp.sort_values(
    ["drg_execution", "institution_name"], ascending=[False, True], na_position="last"
).reset_index(drop=True)
over_pace = int((hosp[STATUS] == OVER_PACE).sum())

# --- Cards ------------------------------------------------------------------------------------
row = overall.frame.iloc[0]
budget = row["drg_budget"]
planned_now = None if budget is None or expected is None else budget * expected
cols = st.columns([1.35, 1.35, 1.25, 0.9])  # the first two cards hold five-digit 万元 amounts
layout.card(
    cols[0],
    "drg_budget",
    budget,
    delta=row.get("drg_budget_chg"),
    note=f"按时序进度应付{present.text('drg_budget', planned_now)}",
)
layout.card(
    cols[1],
    "drg_paid",
    row["drg_paid"],
    delta=row.get("drg_paid_chg"),
    note=f"{period.label()}累计",
)
layout.result_card(
    cols[2], overall, "drg_execution", note=layout.progress_note(overall, "drg_execution")
)
cols[3].metric(
    f":{'red' if over_pace else 'green'}[●] 超进度机构",
    f"{over_pace}家",
    border=True,
    help=f"预算执行率超过时序进度{over_pp}个百分点以上的医疗机构(支付快于时间,年底可能超预算)。",
)
cols[3].caption(f"共{len(hosp)}家 · 超时序进度{over_pp}个百分点以上")
cols = st.columns(4)
layout.card(
    cols[0],
    "drg_cases",
    row["drg_cases"],
    delta=row.get("drg_cases_chg"),
    note=f"其中高倍率 {present.text('drg_high_outliers', row['drg_high_outliers'])}例",
)
layout.card(
    cols[1], "drg_cmi", row["drg_cmi"], delta=row.get("drg_cmi_chg"), note="总权重 ÷ 病例数"
)
layout.card(
    cols[2],
    "drg_cost_per_weight",
    row["drg_cost_per_weight"],
    label="每权重费用(元)",
    delta=row.get("drg_cost_per_weight_chg"),
    note="住院总费用 ÷ 总权重",
)
layout.card(
    cols[3],
    "drg_avg_cost",
    row["drg_avg_cost"],
    label="次均住院费用(元)",
    delta=row.get("drg_avg_cost_chg"),
    note="住院总费用 ÷ 病例数",
)

# --- Hospitals against time progress ----------------------------------------------------------
st.divider()
st.markdown("#### 各医疗机构预算执行(超进度在前)")
left, right = st.columns(2)
with left:
    if hosp.empty:
        layout.empty_note("医疗机构DRG付费", f)
    else:
        top = hosp.head(TOP_SHOWN).rename(columns={"institution_name": "机构"})
        top = top.assign(
            budget_wan=[present.scaled("drg_budget", v) for v in top["drg_budget"]],
            paid_wan=[present.scaled("drg_paid", v) for v in top["drg_paid"]],
        )
        subject = (
            f"预算执行率最高的{TOP_SHOWN}家机构"
            if len(hosp) > TOP_SHOWN
            else "各医疗机构预算执行率"
        )
        layout.chart(
            charts.pace_bars(
                top,
                label="机构",
                value="drg_execution",
                value_title="预算执行率",
                status=STATUS,
                palette=PALETTE,
                expected=expected,
                tooltips=(
                    ("budget_wan", BUDGET.header, ",.2f"),
                    ("paid_wan", PAID.header, ",.2f"),
                ),
                text=layout.half_chart_text(f, subject, RATE.unit),
            )
        )
with right:
    towns = service.fetch(
        QuerySpec.make(
            ["drg_budget", "drg_paid", "drg_execution"],
            period,
            ["township"],
            compare=("status", "rank"),
        )
    )
    if not towns.empty:
        paid = towns.column("drg_paid")
        towns_paid = towns.frame.assign(paid_wan=[paid.value(v) for v in towns.frame["drg_paid"]])
        chart = layout.ranking_chart(
            replace(towns, frame=towns_paid),
            "drg_execution",
            expected=expected,
            tooltips=(("paid_wan", paid.header, ",.2f"),),
            text=layout.half_chart_text(f.county(), "各乡镇DRG预算执行率", RATE.unit),
        )
        layout.drill_chart(chart, "drg_town_rank", "township")
        st.caption("点击条形可查看该乡镇的医疗机构;虚线为时序进度(全年预算按月均进度)。")

if not hosp.empty:
    hospital_codes = hosp["institution"].astype(str).tolist()
    st.caption(institution_link.PICK_NOTE)
    budget_tab, case_tab = st.tabs(["预算执行", "病例与费用(同比)"])
    with budget_tab:
        shown = present.table(
            hosp,
            ["drg_budget", "drg_paid", "drg_execution"],
            ["institution", "township"],
            changes={"drg_paid": "支付同比"},
            extra={"drg_execution_gap": present.gap_column(), STATUS: "状态"},
        )
        layout.table(
            # Short headers (same units, same formats): the row picker's column needs the room.
            shown.rename(
                columns={
                    BUDGET.header: present.column_as("drg_budget", "预算").header,
                    PAID.header: present.column_as("drg_paid", "已支付").header,
                }
            ),
            height=min(38 + 35 * len(shown), 420),
            title=f.title("各医疗机构DRG预算执行情况"),
            pick=institution_link.picker(hospital_codes, "drg", "drg_budget_pick"),
            pick_key="drg_budget_pick",
        )
        st.caption(
            f"状态:预算执行率高于时序进度({present.text('drg_execution', expected)}){over_pp}个百分点以上为"
            f"“超进度”,高于时序进度但在{over_pp}个百分点以内为“预警”。预算执行率 = DRG基金支付 ÷ 全年DRG付费预算。"
        )
    with case_tab:
        cases = present.table(hosp, CASE_METRICS, ["institution"], changes=CHANGE_HEADERS)
        layout.table(
            cases.rename(columns=SHORT_HEADERS),
            height=min(38 + 35 * len(cases), 420),
            title=f.title("各医疗机构DRG病例与费用"),
            pick=institution_link.picker(hospital_codes, "drg", "drg_cases_pick"),
            pick_key="drg_cases_pick",
        )
        st.caption(
            "同比均为增长率。每权重费用 = 住院总费用 ÷ 总权重;次均费用 = 住院总费用 ÷ 病例数。"
        )

# --- Monthly pace and case types --------------------------------------------------------------
st.markdown("#### 支付进度与病例结构")
left, right = st.columns(2)
monthly = service.fetch(
    QuerySpec.make(["drg_paid", "drg_paid_cumulative"], period, ["month"], where)
)
outlier_months = service.fetch(
    QuerySpec.make(
        ["drg_cases"], period, ["month", "outlier"], {**where, "outlier": ["high", "low"]}
    )
)
outliers = service.fetch(
    QuerySpec.make(["drg_cases", "drg_paid", "drg_avg_cost"], period, ["outlier"], where)
)
with left:
    if not monthly.empty:
        layout.chart(cumulative_vs_plan(monthly.frame, budget, "DRG基金累计支付与预算时序进度", f))
        st.caption("虚线 = 全年DRG付费预算 × 月份 ÷ 12;实线高于虚线表示支付快于时间进度。")
with right:
    if not outlier_months.empty:
        om = outlier_months.frame.assign(
            病例类型=[present.dim_value("outlier", v) for v in outlier_months.frame["outlier"]],
            例=outlier_months.frame["drg_cases"],
        )
        layout.chart(
            charts.monthly_bars(
                om,
                stack="病例类型",
                value="例",
                value_title="病例数(例)",
                text=layout.half_chart_text(f, "各月高倍率、低倍率病例数", "例"),
            )
        )
    if not outliers.empty:
        of = outliers.frame.copy()
        layout.table(
            present.table(
                of, ["drg_cases", "drg_paid", "drg_avg_cost"], ["outlier"], level=outliers.level
            ).rename(columns=SHORT_HEADERS),
            title=f.title("DRG病例类型"),
        )

# --- DRG groups -------------------------------------------------------------------------------
st.markdown(f"#### 基金支付最多的{TOP_GROUPS}个DRG组")
groups = service.fetch(
    QuerySpec.make(["drg_paid", "drg_cases", "drg_cmi", "drg_avg_cost"], period, ["drg"], where)
)
if groups.empty:
    layout.empty_note("DRG病组", f)
else:
    gf = (
        groups.frame.sort_values("drg_paid", ascending=False)
        .head(TOP_GROUPS)
        .reset_index(drop=True)
    )
    bars = gf.assign(
        DRG组=[f"{c} {n}" for c, n in zip(gf["drg"], gf["drg_name"], strict=True)],
        **{PAID.unit: [PAID.value(v) for v in gf["drg_paid"]]},
    )
    layout.chart(
        charts.pace_bars(
            bars,
            label="DRG组",
            value=PAID.unit,
            value_title=PAID.header,
            percent=False,
            tooltips=(("drg_cases", "病例数", ",.0f"),),
            label_limit=320,
            text=layout.chart_text(f, f"基金支付前{TOP_GROUPS}位DRG组", PAID.unit),
        )
    )
    table = present.table(gf, ["drg_cases", "drg_paid", "drg_cmi", "drg_avg_cost"], ["drg"])
    table.insert(0, "DRG组编码", gf["drg"].to_numpy())
    layout.table(
        table.rename(columns={**SHORT_HEADERS, present.header("drg_cmi"): "平均权重"}),
        title=f.title(f"基金支付前{TOP_GROUPS}位DRG组"),
    )
    st.caption("平均权重 = 该组总权重 ÷ 病例数(即该组的CMI);次均费用 = 该组住院总费用 ÷ 病例数。")

# --- One hospital -----------------------------------------------------------------------------
st.markdown("#### 医疗机构明细")
detail: list = []
if hosp.empty:
    layout.empty_note("医疗机构DRG付费", f)
else:
    names = dict(zip(hosp["institution"], hosp["institution_name"], strict=True))
    code = st.columns([2, 3])[0].selectbox(
        "选择医疗机构",
        list(names),
        format_func=lambda c: names.get(c, c),
        key="drg_hospital",
        help="按预算执行率从高到低排列",
    )
    h = hosp[hosp["institution"] == code].iloc[0]
    st.caption(
        f"{names.get(code, code)}({h['township_name']}):全年预算{present.text('drg_budget', h['drg_budget'])},"
        f"已支付{present.text('drg_paid', h['drg_paid'])},预算执行率{present.text('drg_execution', h['drg_execution'])}"
        f"({h[STATUS]});病例{present.text('drg_cases', h['drg_cases'])}例,CMI {present.text('drg_cmi', h['drg_cmi'])}。"
    )
    if st.button("查看机构详情 →", key="drg_hospital_open", type="tertiary"):
        institution_link.open_institution(str(code), "drg")
    scope = {"institution": code}
    h_month = service.fetch(
        QuerySpec.make(["drg_paid", "drg_paid_cumulative"], period, ["month"], scope)
    )
    h_groups = service.fetch(
        QuerySpec.make(["drg_paid", "drg_cases", "drg_cmi", "drg_avg_cost"], period, ["drg"], scope)
    )
    detail = [h_month, h_groups]
    left, right = st.columns(2)
    with left:
        if not h_month.empty:
            layout.chart(
                cumulative_vs_plan(
                    h_month.frame, h["drg_budget"], f"{names.get(code, code)}累计支付与时序进度", f
                )
            )
    with right:
        if not h_groups.empty:
            hg = h_groups.frame.sort_values("drg_paid", ascending=False).head(TOP_GROUPS)
            st.markdown(f"**{names.get(code, code)} 基金支付前{TOP_GROUPS}位DRG组**")
            layout.table(
                present.table(hg, ["drg_cases", "drg_paid"], ["drg"]).rename(columns=SHORT_HEADERS),
                title=f"{names.get(code, code)} {f.period.label()} 基金支付前{TOP_GROUPS}位DRG组",
            )

layout.show_sql([overall, hospitals, towns, monthly, outlier_months, outliers, groups, *detail])
