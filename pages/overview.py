"""总览: the cockpit a director opens every morning — headline cards, township ranking, warnings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_sources import codes
from data_sources.cases import badges as case_badges
from metrics import alerts, compare, present, service, settings
from metrics.model import QuerySpec
from metrics.status import Status, months_payable_status
from ui import charts, layout, state

f = state.current()
layout.header("总览", f)
period = f.period
town = f.township_filter()


@st.fragment(run_every=settings.AUTO_REFRESH_SECONDS)
def cards() -> None:
    """Headline cards; refreshed in place every AUTO_REFRESH_SECONDS while the page is open."""
    service.begin_run()  # a fragment run must see a load made since the page's run
    enroll = service.fetch_with_yoy(
        QuerySpec.make(["enrolled", "enroll_target", "enroll_completion"], period, (), town)
    )
    targets = service.fetch(QuerySpec.make(["enroll_target"], period, ["scheme"], town)).frame
    fund = service.fetch_with_yoy(
        QuerySpec.make(["fund_income", "fund_spending", "fund_months_payable"], period, ["scheme"])
    )
    fund_total = service.fetch_with_yoy(
        QuerySpec.make(["fund_income", "fund_spending", "fund_spending_county"], period)
    )
    assist = service.fetch_with_yoy(
        QuerySpec.make(["assist_amount", "assist_times"], period, (), town)
    )
    proc = service.fetch_with_yoy(
        QuerySpec.make(["proc_savings", "proc_progress"], period, (), town)
    )
    drg = service.fetch_with_yoy(
        QuerySpec.make(["drg_paid", "drg_budget", "drg_execution"], period, (), town)
    )

    if enroll.empty and fund_total.empty:
        layout.empty_note("业务", f)
        return
    e = enroll.frame.iloc[0]
    expected = compare.enrollment_expected(
        period, dict(zip(targets.scheme, targets.enroll_target, strict=True))
    )
    linear = compare.linear_expected(period)
    row1 = st.columns(4)
    layout.card(
        row1[0],
        "enroll_completion",
        e.get("enroll_completion"),
        label="参保任务完成率",
        status=compare.status_vs_progress(e.get("enroll_completion"), expected),
        delta=e.get("enroll_completion_chg"),
        note=f"时序进度 {present.text('enroll_completion', expected)}",
    )
    layout.card(
        row1[1],
        "enrolled",
        e.get("enrolled"),
        delta=e.get("enrolled_chg"),
        note=f"任务数 {present.text('enroll_target', e.get('enroll_target'))}",
    )
    ft = fund_total.frame.iloc[0] if not fund_total.frame.empty else pd.Series(dtype=float)
    county_note = "(全县统筹)" if f.township else ""
    layout.card(
        row1[2],
        "fund_income",
        ft.get("fund_income"),
        delta=ft.get("fund_income_chg"),
        note=f"两险合计{county_note}",
    )
    layout.card(
        row1[3],
        "fund_spending",
        ft.get("fund_spending"),
        delta=ft.get("fund_spending_chg"),
        note=f"两险合计{county_note};其中县域内 {present.text('fund_spending_county', ft.get('fund_spending_county'))}",
    )

    row2 = st.columns(4)
    months = dict(
        zip(fund.frame.get("scheme", []), fund.frame.get("fund_months_payable", []), strict=True)
    )
    worst, notes = Status.NONE, []
    for scheme, value in months.items():
        status, phrase = months_payable_status(value, settings.MONTHS_PAYABLE_BANDS[scheme])
        notes.append(
            f"{codes.SCHEMES[scheme][:2]}{present.text('fund_months_payable', value)}({phrase})"
        )
        worst = status if status.severity > worst.severity else worst
    layout.card(
        row2[0],
        "fund_months_payable",
        months.get("employee"),
        label="职工医保可支付月数",
        status=worst,
        note=";".join(notes),
    )
    a = assist.frame.iloc[0] if not assist.frame.empty else pd.Series(dtype=float)
    layout.card(
        row2[1],
        "assist_amount",
        a.get("assist_amount"),
        delta=a.get("assist_amount_chg"),
        note=f"{present.text('assist_times', a.get('assist_times'))}",
    )
    p = proc.frame.iloc[0] if not proc.frame.empty else pd.Series(dtype=float)
    layout.card(
        row2[2],
        "proc_savings",
        p.get("proc_savings"),
        label="集采节约资金",
        delta=p.get("proc_savings_chg"),
        status=compare.status_vs_progress(
            p.get("proc_progress"), linear, margin=settings.PROCUREMENT_LAG_PP
        ),
        note=f"采购进度 {present.text('proc_progress', p.get('proc_progress'))} / "
        f"时序进度 {present.text('proc_progress', linear)}",
    )
    d = drg.frame.iloc[0] if not drg.frame.empty else pd.Series(dtype=float)
    layout.card(
        row2[3],
        "drg_execution",
        d.get("drg_execution"),
        label="DRG预算执行率",
        status=compare.status_vs_progress(
            d.get("drg_execution"), linear, higher_is_better=False, margin=settings.DRG_OVER_PACE_PP
        ),
        delta=d.get("drg_execution_chg"),
        note=f"已付 {present.text('drg_paid', d.get('drg_paid'))} / 预算 "
        f"{present.text('drg_budget', d.get('drg_budget'))}",
    )
    st.caption(
        f"卡片每{settings.AUTO_REFRESH_SECONDS // 60}分钟自动刷新;● 绿色正常、橙色预警、红色滞后"
        f"(与时序进度相比,预警带{present.text('enroll_completion', settings.RAG_AMBER_PP)})。"
    )


cards()
st.divider()

left, right = st.columns([3, 2])
ranking = service.fetch(
    QuerySpec.make(["enroll_completion", "enrolled", "enroll_target"], period, ["township"])
)
split = service.fetch(QuerySpec.make(["enroll_target"], period, ["township", "scheme"])).frame
rank_frame = ranking.frame
if not rank_frame.empty:
    rank_frame["expected"] = rank_frame["township"].map(
        compare.enrollment_expected_by(split, period, "township")
    )
    rank_frame["排名"] = compare.rank(rank_frame["enroll_completion"])
    n = len(rank_frame)
    rank_frame["标记"] = [
        "前三名" if r <= 3 else ("后三名" if r > n - 3 else "其他") for r in rank_frame["排名"]
    ]
with left:
    if rank_frame.empty:
        layout.empty_note("乡镇参保", f)
    else:
        chart = charts.pace_bars(
            rank_frame.rename(columns={"township_name": "乡镇"}),
            label="乡镇",
            value="enroll_completion",
            value_title="任务完成率",
            status="标记",
            palette=charts.HIGHLIGHT_COLORS,
            expected=compare.enrollment_expected(
                period, split.groupby("scheme")["enroll_target"].sum().to_dict()
            ),
            key_field="township",
            text=layout.chart_text(f.county(), "各乡镇参保任务完成率排名", "%"),
        )
        layout.drill_chart(chart, "overview_rank", "township")
        st.caption("前三名绿色、后三名红色;点击条形查看该乡镇。")

with right:
    st.markdown("#### 预警事项")
    items: list[alerts.Alert] = []
    if not rank_frame.empty:
        items += alerts.summarize(
            alerts.behind_progress(
                rank_frame,
                name="township_name",
                actual="enroll_completion",
                expected="expected",
                area="参保扩面",
                what="参保任务完成率",
            ),
            "参保扩面",
        )
    fund = service.fetch(QuerySpec.make(["fund_months_payable"], period, ["scheme"])).frame
    if not fund.empty:
        items += alerts.months_payable(
            dict(zip(fund.scheme, fund.fund_months_payable, strict=True)), codes.SCHEMES
        )
    linear = compare.linear_expected(period)
    proc = service.fetch(QuerySpec.make(["proc_progress"], period, ["institution"], town)).frame
    if not proc.empty:
        items += alerts.summarize(
            alerts.behind_progress(
                proc.assign(expected=linear),
                name="institution_name",
                actual="proc_progress",
                expected="expected",
                area="集中带量采购",
                what="集采采购进度",
                lag_pp=settings.PROCUREMENT_LAG_PP,
            ),
            "集中带量采购",
            limit=3,
        )
    drg = service.fetch(QuerySpec.make(["drg_execution"], period, ["institution"], town)).frame
    if not drg.empty:
        items += alerts.summarize(
            alerts.ahead_of_pace(
                drg.assign(expected=linear),
                name="institution_name",
                actual="drg_execution",
                expected="expected",
                area="DRG预算执行",
                what="DRG预算执行率",
            ),
            "DRG预算执行",
            limit=3,
        )
    if not items:
        st.success("各项指标均未落后于时序进度。")
    badge = case_badges(service.engine(), [i.text for i in items])  # 预警督办: status and age
    for item in items:
        color = "red" if item.severity is Status.RED else "orange"
        st.markdown(f":{color}[●] **{item.area}**:{item.text}{badge.get(item.text, '')}")
