"""总览: the cockpit a director opens every morning — headline cards, township ranking, warnings."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_sources.cases import badges as case_badges
from exports.briefing_content import ranking_spec, warning_items
from metrics import alerts, present, service, settings
from metrics.model import QuerySpec
from metrics.status import Status, months_payable_status
from ui import chrome, layout, state, township_map

RATE = present.column("enroll_completion")  # a ratio shown in %
WALL_ITEMS = 9  # warnings shown on the wall screen (the rest are counted): one screen, no scroll
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
            compare=("yoy", "status", "expected"),
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
            compare=("yoy", "status", "expected"),
        )
    )

    if enroll.empty and fund_total.empty:
        layout.empty_note("业务", f)
        return
    months = dict(
        zip(fund.frame.get("scheme", []), fund.frame.get("fund_months_payable", []), strict=True)
    )
    bands = {
        scheme: months_payable_status(value, settings.MONTHS_PAYABLE_BANDS[scheme])
        for scheme, value in months.items()
    }
    statuses = [
        enroll.status("enroll_completion") if not enroll.empty else Status.NONE,
        max((b[0] for b in bands.values()), key=lambda s: s.severity, default=Status.NONE),
        proc.status("proc_progress") if not proc.empty else Status.NONE,
        drg.status("drg_execution") if not drg.empty else Status.NONE,
    ]
    behind = sum(s is Status.RED for s in statuses)
    watch = sum(s is Status.AMBER for s in statuses)
    scope = f.scope_label
    if behind:
        st.markdown(
            f"{scope}主要指标 :red-badge[▼ {behind}项落后于时序进度] :orange-badge[◆ {watch}项预警]"
        )
    elif watch:
        st.markdown(f"{scope}主要指标 :orange-badge[◆ {watch}项预警],其余正常")
    else:
        st.markdown(f"{scope}主要指标 :green-badge[● 均正常]")
    box = st.container(key=chrome.CARDS_KEY)  # on a phone: two cards to a row
    wall = chrome.screen_mode() == chrome.WALL
    # On the wall screen the eight cards stand in one row, so the whole overview fits.
    slots = box.columns(8) if wall else [*box.columns(4), *box.columns(4)]
    row1 = slots[:4]
    layout.result_card(
        row1[0],
        enroll,
        "enroll_completion",
        label="参保任务完成率",
        note=layout.progress_note(enroll, "enroll_completion"),
        bullet=True,
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

    row2 = slots[4:]
    worst, notes = Status.NONE, []
    for scheme, value in months.items():
        status, phrase = bands[scheme]
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
        bullet=True,
    )
    if wall:
        return
    st.caption(
        f"卡片每{settings.AUTO_REFRESH_SECONDS // 60}分钟自动刷新;● 正常、◆ 预警、▼ 滞后(DRG ▲ 超进度),"
        "条形为完成进度,竖线为时序进度"
        f"(与时序进度相比,预警带{present.text('enroll_completion', settings.RAG_AMBER_PP)})。"
    )


cards()
st.divider()

WALL = chrome.screen_mode() == chrome.WALL
# 大屏: ranking, map and warnings side by side, so the whole overview fits one 1920×1080 screen.
if WALL:
    left, middle, right = st.columns([4, 4, 3])
else:
    left, right = st.columns([3, 2])
    middle = None
# The same ranking as 参保扩面 (all schemes): status against 时序进度, the rank as text.
ranking = service.fetch(ranking_spec(period))
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
    # The briefing material lists the same warnings from the same specs (one function).
    found = warning_items(service.fetch, period, f.township)
    items = list(found.items)
    if not items:
        st.success("各项指标均未落后于时序进度。")
    badge = case_badges(service.app_engine(), [i.text for i in items])  # 预警督办: status and age
    if WALL and len(items) > WALL_ITEMS:
        items = [
            *items[:WALL_ITEMS],
            alerts.Alert(Status.AMBER, "其他", f"另有{len(items) - WALL_ITEMS}项"),
        ]
    for item in items:
        color = "red" if item.severity is Status.RED else "orange"
        st.markdown(f":{color}[●] **{item.area}**:{item.text}{badge.get(item.text, '')}")

if middle is not None:
    with middle:
        township_map.render(f, "overview_map")
else:
    st.markdown("#### 各乡镇分布图")
    township_map.render(f, "overview_map")

# The cards refresh in their own fragment; their statements are those of the same specs.
if not WALL:
    layout.show_sql([ranking, county_progress, *found.results[1:]])
