"""总览: the cockpit a director opens every morning — headline cards, township ranking, warnings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_sources import codes
from data_sources.cases import badges as case_badges
from metrics import alerts, present, service, settings
from metrics.model import QuerySpec
from metrics.status import Status, months_payable_status
from ui import layout, state

RATE = present.column("enroll_completion")  # a ratio shown in %
f = state.current()
layout.header("总览", f)
period = f.period
town = f.township_filter()


@st.fragment(run_every=settings.AUTO_REFRESH_SECONDS)
def cards() -> None:
    """Headline cards; refreshed in place every AUTO_REFRESH_SECONDS while the page is open."""
    service.begin_run()  # a fragment run must see a load made since the page's run
    enroll = service.fetch(
        QuerySpec.make(
            ["enrolled", "enroll_target", "enroll_completion"],
            period,
            (),
            town,
            compare=("yoy", "status"),
        )
    )
    fund = service.fetch_with_yoy(
        QuerySpec.make(["fund_income", "fund_spending", "fund_months_payable"], period, ["scheme"])
    )
    fund_total = service.fetch_with_yoy(
        QuerySpec.make(["fund_income", "fund_spending", "fund_spending_county"], period)
    )
    assist = service.fetch_with_yoy(
        QuerySpec.make(["assist_amount", "assist_times"], period, (), town)
    )
    proc = service.fetch(
        QuerySpec.make(
            ["proc_savings", "proc_progress"], period, (), town, compare=("yoy", "status")
        )
    )
    drg = service.fetch(
        QuerySpec.make(
            ["drg_paid", "drg_budget", "drg_execution"],
            period,
            (),
            town,
            compare=("yoy", "status"),
        )
    )

    if enroll.empty and fund_total.empty:
        layout.empty_note("业务", f)
        return
    row1 = st.columns(4)
    layout.result_card(
        row1[0],
        enroll,
        "enroll_completion",
        label="参保任务完成率",
        note=layout.progress_note(enroll, "enroll_completion"),
    )
    layout.result_card(row1[1], enroll, "enrolled", note=f"任务数 {enroll.text('enroll_target')}")
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
            f"{present.SCHEME_SHORT[scheme]}{present.text('fund_months_payable', value)}({phrase})"
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
    layout.result_card(row2[1], assist, "assist_amount", note=assist.text("assist_times"))
    layout.result_card(
        row2[2],
        proc,
        "proc_savings",
        label="集采节约资金",
        status=proc.status("proc_progress"),
        note=f"采购进度 {proc.text('proc_progress')} / "
        f"{layout.progress_note(proc, 'proc_progress')}",
    )
    layout.result_card(
        row2[3],
        drg,
        "drg_execution",
        label="DRG预算执行率",
        note=f"已付 {drg.text('drg_paid')} / 预算 {drg.text('drg_budget')}",
    )
    st.caption(
        f"卡片每{settings.AUTO_REFRESH_SECONDS // 60}分钟自动刷新;● 绿色正常、橙色预警、红色滞后"
        f"(与时序进度相比,预警带{present.text('enroll_completion', settings.RAG_AMBER_PP)})。"
    )


cards()
st.divider()

left, right = st.columns([3, 2])
# The same ranking as 参保扩面 (all schemes): status against 时序进度, the rank as text.
ranking = service.fetch(
    QuerySpec.make(
        ["enroll_completion", "enrolled", "enroll_target"],
        period,
        ["township"],
        compare=("status", "rank"),
    )
)
county_progress = service.fetch(
    QuerySpec.make(["enroll_completion"], period, compare=("expected",))
)
rank_frame = ranking.frame
with left:
    if rank_frame.empty:
        layout.empty_note("乡镇参保", f)
    else:
        chart = layout.ranking_chart(
            ranking,
            "enroll_completion",
            expected=county_progress.value("enroll_completion_expected"),
            text=layout.chart_text(f.county(), "各乡镇参保任务完成率排名", RATE.unit),
        )
        layout.drill_chart(chart, "overview_rank", "township")
        st.caption("颜色表示与时序进度相比的状态,括号内为排名;点击条形查看该乡镇。")

with right:
    st.markdown("#### 预警事项")
    items: list[alerts.Alert] = []
    if not rank_frame.empty:
        items += alerts.summarize(
            alerts.off_pace(rank_frame, "enroll_completion", name="township_name", area="参保扩面"),
            "参保扩面",
        )
    fund_result = service.fetch(QuerySpec.make(["fund_months_payable"], period, ["scheme"]))
    fund = fund_result.frame
    if not fund.empty:
        items += alerts.months_payable(
            dict(zip(fund.scheme, fund.fund_months_payable, strict=True)), codes.SCHEMES
        )
    proc_result = service.fetch(
        QuerySpec.make(["proc_progress"], period, ["institution"], town, compare=("status",))
    )
    proc = proc_result.frame
    if not proc.empty:
        items += alerts.summarize(
            alerts.off_pace(
                proc,
                "proc_progress",
                name="institution_name",
                area="集中带量采购",
                what="集采采购进度",
            ),
            "集中带量采购",
            limit=3,
        )
    drg_result = service.fetch(
        QuerySpec.make(["drg_execution"], period, ["institution"], town, compare=("status",))
    )
    drg = drg_result.frame
    if not drg.empty:
        items += alerts.summarize(
            alerts.off_pace(
                drg,
                "drg_execution",
                name="institution_name",
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

# The cards refresh in their own fragment; their statements are those of the same specs.
layout.show_sql([ranking, county_progress, fund_result, proc_result, drg_result])
