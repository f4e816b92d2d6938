"""医疗救助: assistance paid by kind, recipient category and township; poverty-return alerts.

These are the most sensitive figures (named poor households): the metrics layer hides small cells
for viewers without the right, and every table that can show them says so.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import charts
from metrics import present, service, settings, units
from metrics.model import QuerySpec
from metrics.suppress import SUPPRESSED
from ui import layout, state

ASSIST = ["assist_amount", "assist_times", "assist_persons"]
AMOUNT_TIMES = ["assist_amount", "assist_times"]


f = state.current()
layout.header("医疗救助", f)
period = f.period
where = f.township_filter()
county = f.county()

totals = service.fetch_with_yoy(
    QuerySpec.make(
        [*ASSIST, "premium_persons", "premium_coverage", "alert_persons"], period, (), where
    )
)
row = totals.frame.iloc[0] if not totals.frame.empty else pd.Series(dtype=object)
hidden = bool(row.get(SUPPRESSED, False))
if not hidden and not (row.get("assist_times", 0) or 0) > 0:
    layout.empty_note("医疗救助", f)
    st.stop()


# Three cards a row: amounts in 万元 and counts with separators need the width.
cols = st.columns(3)
layout.card(
    cols[0],
    "assist_amount",
    row.get("assist_amount"),
    label="救助金额",
    delta=row.get("assist_amount_chg"),
    note=layout.prev_note(row, "assist_amount"),
)
layout.card(
    cols[1],
    "assist_times",
    row.get("assist_times"),
    label="救助人次",
    delta=row.get("assist_times_chg"),
    note=layout.prev_note(row, "assist_times"),
)
layout.card(
    cols[2],
    "assist_persons",
    row.get("assist_persons"),
    label="救助人数",
    delta=row.get("assist_persons_chg"),
    note=layout.prev_note(row, "assist_persons"),
)
cols = st.columns(3)
layout.card(
    cols[0],
    "premium_persons",
    row.get("premium_persons"),
    delta=row.get("premium_persons_chg"),
    note=layout.prev_note(row, "premium_persons"),
)
layout.card(
    cols[1],
    "premium_coverage",
    row.get("premium_coverage"),
    delta=row.get("premium_coverage_chg"),
    note="资助参保人数 ÷ 脱贫人口和监测对象人数",
)
layout.card(
    cols[2],
    "alert_persons",
    row.get("alert_persons"),
    label="防返贫预警人数",
    delta=row.get("alert_persons_chg"),
    note=layout.prev_note(row, "alert_persons"),
)
st.caption(
    "救助金额为基本医保、大病保险报销后的医疗救助支付(一站式结算),含资助参保、门诊救助、住院救助;"
    "救助人数、资助参保人数、预警人数均为去重人数。"
)
if hidden:
    st.caption(
        f"注:该范围内人数不足{settings.SMALL_CELL_THRESHOLD}人,为保护困难群众个人信息,相关数字不予显示。"
    )

# --- By kind and by recipient category ----------------------------------------------------------
st.markdown("#### 按救助类型和救助对象类别")
by_kind = service.fetch_with_yoy(QuerySpec.make(ASSIST, period, ["kind"], where))
by_cat = service.fetch_with_yoy(QuerySpec.make(ASSIST, period, ["category"], where))


def _ordered(frame: pd.DataFrame, dim: str) -> pd.DataFrame:
    order = {c: i for i, c in enumerate(present.DIM_VALUE_LABELS[dim])}
    return frame.assign(_o=frame[dim].map(order)).sort_values("_o").drop(columns="_o")


# Short headers for the half-width tables (the page title already says 医疗救助).
AMOUNT = present.column("assist_amount")  # 万元 at every level
TIMES = present.column("assist_times")
ALERTS = present.column("alert_persons")
SHORT = {AMOUNT.header: present.column_as("assist_amount", "金额").header, TIMES.header: TIMES.unit}


left, right = st.columns(2)
with left:
    if by_kind.empty:
        layout.empty_note("救助类型", f)
    else:
        kinds = _ordered(by_kind.frame, "kind")
        layout.chart(
            charts.share_donut(
                pd.DataFrame(
                    {
                        "救助类型": [present.dim_value("kind", v) for v in kinds["kind"]],
                        AMOUNT.unit: [AMOUNT.value(v) for v in kinds["assist_amount"]],
                    }
                ),
                category="救助类型",
                value=AMOUNT.unit,
                text=layout.half_chart_text(f, "医疗救助金额构成(按救助类型)", AMOUNT.unit),
            )
        )
        layout.table(
            present.table(
                kinds,
                AMOUNT_TIMES,
                ["kind"],
                level=by_kind.level,
                changes={"assist_amount": "金额同比"},
            ).rename(columns=SHORT),
            title=f.title("医疗救助(按救助类型)"),
        )
with right:
    if by_cat.empty:
        layout.empty_note("救助对象类别", f)
    else:
        cats = _ordered(by_cat.frame, "category")
        layout.chart(
            charts.ranked_values(
                pd.DataFrame(
                    {
                        "类别": [present.dim_value("category", v) for v in cats["category"]],
                        AMOUNT.unit: [AMOUNT.value(v) for v in cats["assist_amount"]],
                    }
                ),
                label="类别",
                value=AMOUNT.unit,
                value_title=AMOUNT.header,
                fmt=",.2f",
                text=layout.half_chart_text(f, "医疗救助金额(按救助对象类别)", AMOUNT.unit),
            )
        )
        layout.table(
            present.table(
                cats,
                AMOUNT_TIMES,
                ["category"],
                level=by_cat.level,
                changes={"assist_amount": "金额同比"},
            ).rename(columns=SHORT),
            title=f.title("医疗救助(按救助对象类别)"),
        )
layout.suppressed_note(by_kind if by_kind.suppressed else by_cat)

# --- By township (always the county, so a township sees its place) ---------------------------
st.markdown("#### 各乡镇救助情况")
towns = service.fetch(
    QuerySpec.make(
        [*ASSIST, "premium_persons", "premium_coverage", "alert_persons"], period, ["township"]
    )
)
if towns.empty:
    layout.empty_note("乡镇救助", county)
else:
    ranked = towns.frame.assign(
        乡镇=towns.frame["township_name"],
        **{AMOUNT.unit: [AMOUNT.value(v) for v in towns.frame["assist_amount"]]},
        **{TIMES.unit: [TIMES.value(v) for v in towns.frame["assist_times"]]},
    )
    left, right = st.columns(2)
    with left:
        layout.drill_chart(
            charts.ranked_values(
                ranked,
                label="乡镇",
                value=AMOUNT.unit,
                value_title=AMOUNT.header,
                fmt=",.2f",
                key_field="township",
                highlight=f.township,
                text=layout.half_chart_text(county, "各乡镇医疗救助金额", AMOUNT.unit),
            ),
            "assist_rank_amount",
            "township",
        )
    with right:
        layout.drill_chart(
            charts.ranked_values(
                ranked,
                label="乡镇",
                value=TIMES.unit,
                value_title=TIMES.header,
                fmt=",.0f",
                key_field="township",
                highlight=f.township,
                text=layout.half_chart_text(county, "各乡镇医疗救助人次", TIMES.unit),
            ),
            "assist_rank_times",
            "township",
        )
    st.caption("点击条形可查看该乡镇;橙色为当前所选乡镇。")

    st.markdown("##### 各乡镇分救助对象类别救助人次")
    cross = service.fetch(QuerySpec.make(["assist_times"], period, ["township", "category"]))
    if cross.empty:
        layout.empty_note("乡镇分类别救助", county)
    else:
        long = present.table(cross.frame, ["assist_times"], ["township", "category"])
        town_col, cat_col = present.DIM_DISPLAY["township"][1], present.DIM_DISPLAY["category"][1]
        value_col = present.header("assist_times")
        wide = long.pivot(index=town_col, columns=cat_col, values=value_col)
        town_order = list(dict.fromkeys(long[town_col]))
        cat_order = [present.dim_value("category", c) for c in present.DIM_VALUE_LABELS["category"]]
        wide = wide.reindex(index=town_order, columns=[c for c in cat_order if c in wide.columns])
        layout.table(
            wide.reset_index().rename_axis(columns=None),
            title=county.title("各乡镇分救助对象类别救助人次"),
            unit=f"单位:{TIMES.unit}",
        )
        st.caption("单位:人次。")
        layout.suppressed_note(cross)

# --- Monthly trend --------------------------------------------------------------------------------
st.markdown("#### 月度救助趋势")
monthly = service.fetch(QuerySpec.make(["assist_amount"], period, ["month", "kind"], where))
if monthly.suppressed:
    # Hidden month × kind cells would read as "no assistance" (complementary suppression hides
    # whole bar segments): show the monthly total, which has no small cells, instead.
    monthly = service.fetch(QuerySpec.make(["assist_amount"], period, ["month"], where))
    monthly_kind = ["合计"] * len(monthly.frame)
    subject = "医疗救助金额月度趋势"
else:
    monthly_kind = [present.dim_value("kind", v) for v in monthly.frame.get("kind", [])]
    subject = "医疗救助金额月度趋势(按救助类型)"
if monthly.empty:
    layout.empty_note("月度救助", f)
else:
    layout.chart(
        charts.monthly_bars(
            pd.DataFrame(
                {
                    "month": monthly.frame["month"],
                    "救助类型": monthly_kind,
                    AMOUNT.unit: [AMOUNT.value(v) for v in monthly.frame["assist_amount"]],
                }
            ).dropna(subset=[AMOUNT.unit]),
            stack="救助类型",
            value=AMOUNT.unit,
            value_title=AMOUNT.header,
            text=layout.chart_text(f, subject, AMOUNT.unit),
        )
    )
    if subject == "医疗救助金额月度趋势":
        st.caption(
            f"按救助类型分月的数据中有人次在1至{settings.SMALL_CELL_THRESHOLD}之间的单元格,"
            "为保护困难群众个人信息,此处只显示月度合计。"
        )
    layout.suppressed_note(monthly)

# --- Poverty-return monitoring ----------------------------------------------------------------------
st.markdown("#### 防返贫致贫监测预警")
thresholds = "、".join(
    f"{name}年度个人累计自付超过{units.fmt_number(v, digits=0, sep=True)}元"
    for name, v in settings.POVERTY_OOP_THRESHOLD_YUAN.items()
)
st.caption(
    f"预警标准:{thresholds}即推送预警,每月反馈乡村振兴部门跟进核实"
    "(来源:南昌县医保局2023年1-10月工作总结;标准可由系统管理员按本地规定调整)。"
)
alert_types = service.fetch_with_yoy(
    QuerySpec.make(["alert_persons"], period, ["population_type"], where)
)
left, right = st.columns(2)
with left:
    if towns.empty or towns.frame["alert_persons"].isna().all():
        layout.empty_note("防返贫预警", county)
    else:
        alerts = towns.frame.assign(
            乡镇=towns.frame["township_name"],
            **{ALERTS.unit: [ALERTS.value(v) for v in towns.frame["alert_persons"]]},
        )
        layout.drill_chart(
            charts.ranked_values(
                alerts,
                label="乡镇",
                value=ALERTS.unit,
                value_title=ALERTS.header,
                fmt=",.0f",
                key_field="township",
                highlight=f.township,
                text=layout.half_chart_text(county, "各乡镇防返贫监测预警人数", ALERTS.unit),
            ),
            "alert_rank",
            "township",
        )
with right:
    if alert_types.empty:
        layout.empty_note("防返贫预警", f)
    else:
        types = _ordered(alert_types.frame, "population_type")
        types = types.assign(
            threshold=[
                settings.POVERTY_OOP_THRESHOLD_YUAN.get(present.dim_value("population_type", c))
                for c in types["population_type"]
            ]
        )
        layout.table(
            present.table(
                types,
                ["alert_persons"],
                ["population_type"],
                level=alert_types.level,
                changes={"alert_persons": "同比"},
                extra={"threshold": "自付预警线(元)"},
            ),
            title=f.title("防返贫监测预警人数(按人员类型)"),
        )
        layout.suppressed_note(alert_types)

# --- Detail table -------------------------------------------------------------------------------
st.markdown("#### 各乡镇医疗救助明细")
DETAIL = [*ASSIST, "premium_persons", "premium_coverage", "alert_persons"]
detail_total = service.fetch(QuerySpec.make(DETAIL, period)) if not towns.empty else None
if detail_total is not None:
    # The 合计 row is the viewer's whole scope, unrounded; rows are rounded to add up to it.
    total_row = None if detail_total.frame.empty else detail_total.frame.iloc[0]
    layout.table(
        present.table(towns.frame, DETAIL, ["township"], total=total_row),
        title=county.title("各乡镇医疗救助明细"),
    )
    st.caption("合计行按全部乡镇未经舍入的数字计算;各乡镇金额按“最大余数法”舍入,逐行相加等于合计。")
    layout.suppressed_note(towns)

layout.show_sql(
    [
        totals,
        by_kind,
        by_cat,
        towns,
        monthly,
        alert_types,
        *([detail_total] if detail_total else []),
    ]
)
