"""集中带量采购: savings, price drops, purchase progress of institutions against time progress."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

import charts
from metrics import present, service
from metrics.model import QuerySpec
from metrics.status import Status
from ui import institution_link, layout, state

# Status legend of this page: 滞后 = more than PROCUREMENT_LAG_PP behind time progress.
PALETTE = present.status_palette("proc_progress")
STATUS = "proc_progress_status_label"
WORST_SHOWN = 25
LEVEL_ORDER = list(present.DIM_VALUE_LABELS["level"])  # 国家组织, 省级, 省际联盟

SAVINGS = present.column("proc_savings")  # 万元
RETAINED = present.column_as("proc_retained", "结余留用")

RATE = present.column("proc_progress")  # a ratio shown in %
f = state.current()
layout.header("集中带量采购", f)
period = f.period
where = f.township_filter()
lag_pp = present.margin_points("proc_progress")
# Products and their price drops belong to batches, not to townships: county figures only.
county_viewer = service.current_viewer().is_county

overall = service.fetch(
    QuerySpec.make(
        [
            "proc_savings",
            "proc_spend_after",
            "proc_spend_before",
            "proc_weighted_drop",
            "proc_agreed",
            "proc_purchased",
            "proc_progress",
            "proc_retained",
            "proc_retained_insts",
        ],
        period,
        (),
        where,
        compare=("yoy", "status"),
    )
)
if overall.empty:
    layout.empty_note("集中带量采购", f)
    st.stop()
expected = overall.value("proc_progress_expected")  # the metric's time progress (m/12)
products = (
    service.fetch(QuerySpec.make(["proc_products", "proc_avg_drop"], period))
    if county_viewer
    else None
)
batch_spec = QuerySpec.make(
    [
        *(["proc_products", "proc_avg_drop"] if county_viewer else []),
        "proc_weighted_drop",
        "proc_agreed",
        "proc_purchased",
        "proc_progress",
        "proc_savings",
        "proc_retained",
    ],
    period,
    ["batch"],
    where,
)
batches = service.fetch(batch_spec)
institutions = service.fetch(
    QuerySpec.make(
        ["proc_agreed", "proc_purchased", "proc_progress", "proc_savings", "proc_retained"],
        period,
        ["institution", "township"],
        where,
        compare=("status",),
    )
)
inst = institutions.frame.copy()
lagging = int((inst[STATUS] == present.status_label("proc_progress", Status.RED)).sum())

# --- Cards ------------------------------------------------------------------------------------
row = overall.frame.iloc[0]
cols = st.columns([1.35, 1.1, 1, 1])  # the first card holds a four-digit 万元 amount
layout.card(
    cols[0],
    "proc_savings",
    row["proc_savings"],
    delta=row.get("proc_savings_chg"),
    note=f"按中选价采购金额 {present.text('proc_spend_after', row['proc_spend_after'])}",
)
layout.card(
    cols[1],
    "proc_weighted_drop",
    row["proc_weighted_drop"],
    delta=row.get("proc_weighted_drop_chg"),
    note=f"集采前价格计 {present.text('proc_spend_before', row['proc_spend_before'])}",
)
if products is not None and not products.empty:
    n_batches = int(batches.frame["batch"].nunique()) if not batches.empty else 0
    scope_note = "全县 · " if f.township else ""
    layout.card(
        cols[2],
        "proc_avg_drop",
        products.value("proc_avg_drop"),
        label="平均降幅(按品种)",
        note=f"{scope_note}各中选产品算术平均",
    )
    layout.card(
        cols[3],
        "proc_products",
        products.value("proc_products"),
        note=f"{scope_note}本年执行批次{n_batches}个",
    )
cols = st.columns(4)
layout.result_card(
    cols[0],
    overall,
    "proc_progress",
    note=f"{layout.progress_note(overall, 'proc_progress')} · 约定量{overall.text('proc_agreed')}",
)
cols[1].metric(
    f":{'red' if lagging else 'green'}[●] 滞后机构数",
    f"{lagging}家",
    border=True,
    help=f"采购进度低于时序进度{lag_pp}个百分点以上的机构,应予预警并约谈。",
)
cols[1].caption(f"共{len(inst)}家机构 · 低于时序进度{lag_pp}个百分点以上")
layout.card(
    cols[2],
    "proc_retained",
    row["proc_retained"],
    delta=row.get("proc_retained_chg"),
    note=f"{f.year}年度核定",
)
layout.card(
    cols[3],
    "proc_retained_insts",
    row["proc_retained_insts"],
    label="结余留用机构数",
    note="获得结余留用资金的机构",
)
if f.township:
    st.info(
        "中选产品数和平均降幅(按品种)按集采批次统计,不分乡镇,显示的是全县数据;"
        "其余指标为所选乡镇辖区内定点医药机构的数据。"
    )

# --- Institutions against time progress -------------------------------------------------------
st.divider()
st.markdown("#### 各机构采购进度(滞后机构在前)")
left, right = st.columns(2)
inst = inst.sort_values(["proc_progress", "institution_name"], na_position="last").reset_index(
    drop=True
)
with left:
    if inst.empty:
        layout.empty_note("机构采购进度", f)
    else:
        worst = inst.head(WORST_SHOWN).rename(columns={"institution_name": "机构"})
        subject = (
            f"采购进度最低的{WORST_SHOWN}家机构" if len(inst) > WORST_SHOWN else "各机构采购进度"
        )
        layout.chart(
            charts.pace_bars(
                worst,
                label="机构",
                value="proc_progress",
                value_title="采购进度",
                status=STATUS,
                palette=PALETTE,
                expected=expected,
                ascending=True,
                text=layout.half_chart_text(f, subject, RATE.unit),
            )
        )
with right:
    towns = service.fetch(
        QuerySpec.make(
            ["proc_progress", "proc_savings"], period, ["township"], compare=("status", "rank")
        )
    )
    if not towns.empty:
        savings = towns.column("proc_savings")
        chart = layout.ranking_chart(
            replace(
                towns,
                frame=towns.frame.assign(
                    savings_wan=[savings.value(v) for v in towns.frame["proc_savings"]]
                ),
            ),
            "proc_progress",
            expected=expected,
            tooltips=(("savings_wan", savings.header, ",.2f"),),
            ascending=True,
            text=layout.half_chart_text(f.county(), "各乡镇集采采购进度", RATE.unit),
        )
        layout.drill_chart(chart, "proc_town_rank", "township")
        st.caption("点击条形可查看该乡镇;虚线为时序进度(约定采购量按月均进度)。")

if not inst.empty:
    # One present.table, so every column keeps its number format (a concat drops them), with
    # short headers so that ten columns fit a 1366 px screen.
    shown = present.table(
        inst,
        [],
        ["institution", "township"],
        extra={
            "proc_agreed": present.column_as("proc_agreed", "约定量"),
            "proc_purchased": present.column_as("proc_purchased", "采购量"),
            "proc_progress": RATE,
            "proc_progress_gap": present.gap_column(),
            STATUS: "状态",
            "proc_savings": SAVINGS,
            "proc_retained": RETAINED,
        },
    )
    layout.table(
        shown,
        height=min(38 + 35 * len(shown), 420),
        title=f.title("各医疗机构集采执行情况"),
        pick=institution_link.picker(
            inst["institution"].astype(str).tolist(), "procurement", "proc_inst_pick"
        ),
        pick_key="proc_inst_pick",
    )
    st.caption(institution_link.PICK_NOTE)
    st.caption(
        f"状态:采购进度低于时序进度({present.text('proc_progress', expected)}){lag_pp}个百分点以上为"
        f"“滞后”,应予预警并约谈;低于时序进度但在{lag_pp}个百分点以内为“预警”。"
        "采购进度 = 实际采购量 ÷ 年度约定采购量。"
    )

# --- Batches ------------------------------------------------------------------------------------
st.markdown("#### 各批次执行情况(按国家组织、省级、省际联盟排列)")
if batches.empty:
    layout.empty_note("集采批次", f)
else:
    bf = batches.frame.copy()
    bf["_order"] = [
        LEVEL_ORDER.index(v) if v in LEVEL_ORDER else len(LEVEL_ORDER) for v in bf["batch_level"]
    ]
    # In the order the batches started (第六批 before 第七批 ...), not by the name's characters.
    bf = bf.sort_values(["_order", "batch_start", "batch_name"]).reset_index(drop=True)
    # The level is part of most official batch names; say it where the name does not.
    levels = [present.dim_value("level", v) for v in bf["batch_level"]]
    names = [
        n if isinstance(n, str) else str(c)
        for n, c in zip(bf["batch_name"], bf["batch"], strict=True)
    ]
    bf["batch_name"] = [n if lv in n else f"{n}({lv})" for n, lv in zip(names, levels, strict=True)]
    shown = present.table(
        bf,
        [
            "proc_products",
            "proc_avg_drop",
            "proc_weighted_drop",
            "proc_agreed",
            "proc_purchased",
            "proc_progress",
            "proc_savings",
            "proc_retained",
        ],
        ["batch"],
    ).rename(
        columns={
            present.header("proc_products"): "产品数",
            present.header("proc_avg_drop"): "平均降幅(%)",
            present.header("proc_weighted_drop"): "加权降幅(%)",
            present.header("proc_agreed"): "约定量",
            present.header("proc_purchased"): "采购量",
            present.header("proc_progress"): "进度(%)",
            present.header("proc_retained"): RETAINED.header,
        }
    )
    # Not yet decided for the year: the cell stays empty, drawn as "—" (ui/grid.py).
    layout.table(shown, title=f.title("集采批次执行情况"))
    note = "平均降幅(按品种) = 各中选产品降幅(1 − 中选价/集采前价)的算术平均;加权降幅 = 1 − 按中选价计算的金额 ÷ 按集采前价格计算的金额。"
    if f.township:
        note += "产品数、平均降幅为全县口径,其余为所选乡镇数据。"
    st.caption(
        note
        + "约定量、采购量、进度为年度约定采购量、期内实际采购量及其比值;结余留用为空表示该批次本年度尚未核定。"
    )

# --- Savings --------------------------------------------------------------------------------
st.markdown("#### 节约资金")
left, right = st.columns(2)
monthly = service.fetch(QuerySpec.make(["proc_savings"], period, ["month", "level"], where))
by_level = service.fetch_with_yoy(
    QuerySpec.make(["proc_savings", "proc_spend_after"], period, ["level"], where)
)
with left:
    if not monthly.empty:
        mf = monthly.frame.assign(
            集采层级=[present.dim_value("level", v) for v in monthly.frame["level"]],
            **{SAVINGS.unit: [SAVINGS.value(v) for v in monthly.frame["proc_savings"]]},
        )
        layout.chart(
            charts.monthly_bars(
                mf,
                stack="集采层级",
                value=SAVINGS.unit,
                value_title=SAVINGS.header,
                text=layout.half_chart_text(f, "各月集采节约资金", SAVINGS.unit),
            )
        )
with right:
    if not by_level.empty:
        lf = by_level.frame.copy()
        lf["_order"] = [
            LEVEL_ORDER.index(v) if v in LEVEL_ORDER else len(LEVEL_ORDER) for v in lf["level"]
        ]
        lf = lf.sort_values("_order").reset_index(drop=True)
        bars = lf.assign(
            集采层级=[present.dim_value("level", v) for v in lf["level"]],
            **{SAVINGS.unit: [SAVINGS.value(v) for v in lf["proc_savings"]]},
        )
        layout.chart(
            charts.pace_bars(
                bars,
                label="集采层级",
                value=SAVINGS.unit,
                value_title=SAVINGS.header,
                percent=False,
                text=layout.half_chart_text(f, "节约资金按集采层级", SAVINGS.unit),
            )
        )
        layout.table(
            present.table(lf, ["proc_savings"], ["level"], changes={"proc_savings": "同比"}),
            title=f.title("节约资金按集采层级"),
        )

layout.show_sql(
    [
        overall,
        *([products] if products is not None else []),
        batches,
        institutions,
        towns,
        monthly,
        by_level,
    ]
)
