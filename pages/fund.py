"""基金收支: income, spending, balances and months payable of the county pool, by scheme and item."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import charts
from metrics import present, service, settings
from metrics.model import Period, QuerySpec
from metrics.settings import MonthsBand
from metrics.status import months_payable_status
from ui import layout, state

SCHEME_SHORT = {"resident": "居民医保", "employee": "职工医保"}


AMOUNT = present.column("fund_amount")  # items and months in 万元
BALANCE = present.column("fund_cumulative_balance")  # 亿元

f = state.current()
# The fund is pooled at county level: a selected township still sees the county's figures.
fc = f.county() if f.township else f
layout.header("基金收支", fc)
if f.township:
    st.info("基金按县级统筹核算,以下为全县数据")
period = f.period
where = {"scheme": f.scheme}

totals = service.fetch_with_yoy(
    QuerySpec.make(
        [
            "fund_income",
            "fund_spending",
            "fund_spending_county",
            "fund_current_balance",
            "fund_cumulative_balance",
            "fund_opening_balance",
            "fund_usage_rate",
            "fund_visits",
        ],
        period,
        (),
        where,
    )
)
if totals.value("fund_income") is None and totals.value("fund_spending") is None:
    layout.empty_note("基金收支", fc)
    st.stop()

row = totals.frame.iloc[0]


cols = st.columns(4)
layout.card(
    cols[0],
    "fund_income",
    row["fund_income"],
    delta=row.get("fund_income_chg"),
    note=f"{f.scheme_label()} · {layout.prev_note(row, 'fund_income')}",
)
layout.card(
    cols[1],
    "fund_spending",
    row["fund_spending"],
    delta=row.get("fund_spending_chg"),
    note=f"其中县域内 {present.text('fund_spending_county', row.get('fund_spending_county'))} · "
    + layout.prev_note(row, "fund_spending"),
)
layout.card(
    cols[2],
    "fund_current_balance",
    row["fund_current_balance"],
    delta=row.get("fund_current_balance_chg"),
    note="基金收入 − 基金支出",
)
layout.card(
    cols[3],
    "fund_cumulative_balance",
    row["fund_cumulative_balance"],
    delta=row.get("fund_cumulative_balance_chg"),
    note=f"年初累计结余 {present.text('fund_opening_balance', row['fund_opening_balance'])}",
)

# 累计结余可支付月数: bands are per scheme, so each scheme gets its own card and status.
months = service.fetch_with_yoy(
    QuerySpec.make(["fund_months_payable", "fund_cumulative_balance"], period, ["scheme"], where)
)
present_schemes = set(months.frame["scheme"]) if not months.frame.empty else set()
shown = [
    s
    for s in present.DIM_VALUE_LABELS["scheme"]
    if s in present_schemes and s in settings.MONTHS_PAYABLE_BANDS
]
by_scheme = months.frame.set_index("scheme") if not months.frame.empty else pd.DataFrame()
cols = st.columns(4)
layout.card(
    cols[0],
    "fund_usage_rate",
    row["fund_usage_rate"],
    delta=row.get("fund_usage_rate_chg"),
    note="基金支出 ÷ 基金收入",
)
for col, scheme in zip(cols[1:], shown, strict=False):
    r = by_scheme.loc[scheme]
    status, phrase = months_payable_status(
        r["fund_months_payable"], settings.MONTHS_PAYABLE_BANDS[scheme]
    )
    prev = present.text("fund_months_payable", r.get("fund_months_payable_prev"))
    layout.card(
        col,
        "fund_months_payable",
        r["fund_months_payable"],
        label=f"{SCHEME_SHORT.get(scheme, present.dim_value('scheme', scheme))}可支付月数",
        status=status,
        note=f"{phrase} · 上年同期 {prev}",
    )


def _band_text(band: MonthsBand) -> str:
    return (
        f"低于{band.low_alert:g}个月结余不足(红)、{band.low_alert:g}-{band.reasonable_low:g}个月"
        f"偏少(黄)、{band.reasonable_low:g}-{band.reasonable_high:g}个月合理(绿)、"
        f"{band.reasonable_high:g}-{band.high_alert:g}个月较多(黄)、"
        f"超过{band.high_alert:g}个月结余偏多(红)"
    )


if shown:
    lines = [
        "**可支付月数** = 累计结余 ÷ 本年月均支出(本年累计支出 ÷ 已过月数)。"
        "合理区间按险种设置,各省规定不同,可由系统管理员按本地规定调整:"
    ]
    for scheme in shown:
        band = settings.MONTHS_PAYABLE_BANDS[scheme]
        lines.append(f"- {SCHEME_SHORT.get(scheme, scheme)}:{_band_text(band)}。来源:{band.source}")
    st.caption("\n".join(lines))

# 环比: the cut-off month against the month before (values in 万元 need wider cards).
month_period = Period(period.year, period.month, "month")
mom = service.fetch_with_mom(QuerySpec.make(["fund_amount"], month_period, ["flow"], where))
mom_rows = mom.frame.set_index("flow") if not mom.frame.empty else pd.DataFrame()
cols = st.columns(3)
for col, flow in zip(cols[:2], ("income", "spending"), strict=True):
    r = mom_rows.loc[flow] if flow in mom_rows.index else pd.Series(dtype=float)
    layout.card(
        col,
        "fund_amount",
        r.get("fund_amount"),
        label=f"{period.month}月{present.dim_value('flow', flow)}",
        delta=r.get("fund_amount_chg_mom"),
        delta_label="环比",
        note=f"上月 {present.text('fund_amount', r.get('fund_amount_prev_mom'))}",
    )
layout.card(
    cols[2],
    "fund_visits",
    row["fund_visits"],
    delta=row.get("fund_visits_chg"),
    note=layout.prev_note(row, "fund_visits"),
)

st.divider()
left, right = st.columns(2)
monthly = service.fetch(QuerySpec.make(["fund_amount"], period, ["month", "flow"], where))
with left:
    if monthly.empty:
        layout.empty_note("月度收支", fc)
    else:
        data = pd.DataFrame(
            {
                "month": monthly.frame["month"],
                "收支": [present.dim_value("flow", v) for v in monthly.frame["flow"]],
                AMOUNT.unit: [AMOUNT.value(v) for v in monthly.frame["fund_amount"]],
            }
        )
        layout.chart(
            charts.monthly_bars(
                data,
                stack="收支",
                value=AMOUNT.unit,
                value_title=present.column_as("fund_amount", "金额").header,
                column="收支",
                text=layout.half_chart_text(fc, f"{f.scheme_label()}基金月度收支", AMOUNT.unit),
            )
        )

balance = service.fetch(
    QuerySpec.make(["fund_cumulative_balance"], period, ["month", "scheme"], where)
)
balance_total = service.fetch(QuerySpec.make(["fund_cumulative_balance"], period, ["month"], where))
with right:
    if balance.empty:
        layout.empty_note("累计结余", fc)
    else:
        parts = [
            pd.DataFrame(
                {
                    "month": balance.frame["month"],
                    "险种": [present.dim_value("scheme", v) for v in balance.frame["scheme"]],
                    BALANCE.unit: [
                        BALANCE.value(v) for v in balance.frame["fund_cumulative_balance"]
                    ],
                }
            )
        ]
        if not f.scheme and not balance_total.empty:
            parts.append(
                pd.DataFrame(
                    {
                        "month": balance_total.frame["month"],
                        "险种": "合计",
                        BALANCE.unit: [
                            BALANCE.value(v) for v in balance_total.frame["fund_cumulative_balance"]
                        ],
                    }
                )
            )
        layout.chart(
            charts.monthly_lines(
                pd.concat(parts),
                series="险种",
                value=BALANCE.unit,
                value_title=BALANCE.header,
                text=layout.half_chart_text(
                    fc, f"{f.scheme_label()}基金累计结余(月末)", BALANCE.unit
                ),
            )
        )

st.markdown("#### 收支结构")
structure = service.fetch(QuerySpec.make(["fund_amount"], period, ["flow", "item"], where))
left, right = st.columns(2)
for col, flow in ((left, "spending"), (right, "income")):
    part = (
        structure.frame[structure.frame["flow"] == flow] if not structure.empty else pd.DataFrame()
    )
    with col:
        if part.empty:
            layout.empty_note(present.dim_value("flow", flow), fc)
            continue
        data = pd.DataFrame(
            {
                "项目": [present.dim_value("item", v) for v in part["item"]],
                AMOUNT.unit: [AMOUNT.value(v) for v in part["fund_amount"]],
            }
        )
        layout.chart(
            charts.share_donut(
                data,
                category="项目",
                value=AMOUNT.unit,
                text=layout.half_chart_text(
                    fc, f"{f.scheme_label()}{present.dim_value('flow', flow)}构成", AMOUNT.unit
                ),
            )
        )

st.markdown("#### 分险种收支项目明细")
items = service.fetch_with_yoy(
    QuerySpec.make(["fund_amount"], period, ["scheme", "flow", "item"], where)
)
if items.empty:
    layout.empty_note("收支项目", fc)
else:
    flow_order = {c: i for i, c in enumerate(present.DIM_VALUE_LABELS["flow"])}
    item_order = {c: i for i, c in enumerate(present.DIM_VALUE_LABELS["item"])}
    detail = items.frame.assign(
        _f=items.frame["flow"].map(flow_order), _i=items.frame["item"].map(item_order)
    ).sort_values(["scheme", "_f", "_i"], ascending=[False, True, True])
    layout.table(
        present.table(
            detail,
            ["fund_amount"],
            ["scheme", "flow", "item"],
            changes={"fund_amount": "同比"},
            extra={"fund_amount_prev": present.column_as("fund_amount", "上年同期")},
        ),
        title=fc.title("分险种收支项目明细"),
    )
    st.caption("金额为期内各月合计;同比为与上年同期相比的增减幅度。基金按县级统筹核算,不分乡镇。")

layout.show_sql([totals, mom, months, monthly, balance, balance_total, structure, items])
