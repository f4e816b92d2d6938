"""The headline charts of the briefing pack, built with the same builders as the pages.

County scope: rankings among townships. Township scope: that township's own figures only
(monthly enrollment, its institutions, its recipient categories), never other townships' names;
the fund chart is left out (the fund is pooled at county level).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import altair as alt
import pandas as pd

from exports.narrative import Fetch
from metrics import compare, present, settings
from metrics.model import Period, QuerySpec
from metrics.status import Status
from ui import charts
from ui.charts import ChartText

# (subject, unit, county-wide?) -> ChartText with scope, period and source line
TextFor = Callable[[str, str], ChartText]


@dataclass(frozen=True)
class Headline:
    subject: str
    chart: alt.TopLevelMixin
    note: str


def _enrollment(fetch: Fetch, period: Period, township: str | None, text: TextFor):
    where = {"township": township} if township else {}
    split = fetch(QuerySpec.make(["enroll_target"], period, ["township", "scheme"], where)).frame
    if split.empty:
        return None
    targets = split.groupby("scheme")["enroll_target"].sum().to_dict()
    expected = compare.enrollment_expected(period, targets)
    total = fetch(QuerySpec.make(["enrolled", "enroll_completion"], period, (), where))
    note = (
        f"参保人数{present.text('enrolled', total.value('enrolled'))},"
        f"完成任务数的{present.text('enroll_completion', total.value('enroll_completion'))},"
        f"时序进度{present.text('enroll_completion', expected)}。"
    )
    if township is None:
        rank = fetch(QuerySpec.make(["enroll_completion"], period, ["township"])).frame
        if rank.empty:
            return None
        rank["expected"] = rank["township"].map(
            compare.enrollment_expected_by(split, period, "township")
        )
        rank["状态"] = [
            s.label for s in compare.statuses(rank["enroll_completion"], rank["expected"])
        ]
        subject = "各乡镇参保任务完成率排名"
        chart = charts.pace_bars(
            rank.rename(columns={"township_name": "乡镇"}),
            label="乡镇",
            value="enroll_completion",
            value_title="任务完成率",
            status="状态",
            expected=expected,
            text=text(subject, "%"),
        )
        return Headline(subject, chart, note + "虚线为时序进度。")
    monthly = fetch(QuerySpec.make(["enrolled"], period, ["month"], where)).frame
    if monthly.empty:
        return None
    subject = "累计参保人数与计划进度"
    chart = charts.enrollment_vs_plan(monthly, targets, period.month, text(subject, "万人"))
    return Headline(subject, chart, note)


def _fund(fetch: Fetch, period: Period, text: TextFor):
    ids = ["fund_income", "fund_spending_county"]
    monthly = fetch(QuerySpec.make(ids, period, ["month"], {})).frame
    if monthly.empty:
        return None
    names = {"fund_income": "基金收入", "fund_spending_county": "县域内基金支出"}
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "month": monthly["month"],
                    "收支": names[mid],
                    # 万元 per month: fund_amount's display unit (pages never scale by hand).
                    "万元": [present.scaled("fund_amount", v) for v in monthly[mid]],
                }
            )
            for mid in ids
        ]
    )
    total = fetch(QuerySpec.make(ids, period, (), {}))
    subject = "医保基金月度收支"
    chart = charts.monthly_lines(
        long, series="收支", value="万元", value_title="金额(万元)", text=text(subject, "万元")
    )
    note = (
        f"基金收入{present.text('fund_income', total.value('fund_income'))},"
        f"县域内基金支出{present.text('fund_spending_county', total.value('fund_spending_county'))}"
        "(县域外医疗机构由市局统一做账)。"
    )
    return Headline(subject, chart, note)


def _drg(fetch: Fetch, period: Period, township: str | None, text: TextFor):
    where = {"township": township} if township else {}
    dim, label = (
        ("township", "township_name") if township is None else ("institution", "institution_name")
    )
    frame = fetch(QuerySpec.make(["drg_execution"], period, [dim], where)).frame
    frame = frame.dropna(subset=["drg_execution"]) if not frame.empty else frame
    if frame.empty:
        return None
    expected = compare.linear_expected(period)
    over = {Status.RED: "超进度"}  # a budget paid ahead of time progress is over pace, not 滞后
    frame["状态"] = [
        over.get(s, s.label)
        for s in compare.statuses(
            frame["drg_execution"],
            expected,
            higher_is_better=False,
            margin=settings.DRG_OVER_PACE_PP,
        )
    ]
    subject = "各乡镇DRG预算执行率" if township is None else "辖区医疗机构DRG预算执行率"
    chart = charts.pace_bars(
        frame.rename(columns={label: "名称"}),
        label="名称",
        value="drg_execution",
        value_title="预算执行率",
        status="状态",
        palette={over.get(s, s.label): s.color for s in Status if s is not Status.NONE},
        expected=expected,
        text=text(subject, "%"),
    )
    total = fetch(QuerySpec.make(["drg_execution"], period, (), where)).value("drg_execution")
    note = (
        f"预算执行率{present.text('drg_execution', total)},"
        f"时序进度{present.text('drg_execution', expected)};高于时序进度为支付偏快。"
    )
    return Headline(subject, chart, note)


def _ranked(
    fetch: Fetch,
    period: Period,
    where: dict,
    metric_id: str,
    dim: str,
    label: str,
    subject: str,
    unit: str,
    note_lead: str,
    text: TextFor,
):
    frame = fetch(QuerySpec.make([metric_id], period, [dim], where)).frame
    if frame.empty or frame[metric_id].isna().all():
        return None
    names = (
        frame[label]
        if label != dim and label in frame.columns
        else [present.dim_value(dim, c) for c in frame[dim]]
    )
    data = pd.DataFrame(
        {"名称": list(names), unit: [present.scaled(metric_id, v) for v in frame[metric_id]]}
    )
    chart = charts.ranked_values(
        data,
        label="名称",
        value=unit,
        value_title=f"{present.metric(metric_id).label}({unit})",
        fmt=",.2f",
        text=text(subject, unit),
    )
    total = fetch(QuerySpec.make([metric_id], period, (), where))
    hidden = total.value(metric_id) is None and total.suppressed
    note = f"{note_lead}{present.text(metric_id, total.value(metric_id), suppressed=hidden)}。"
    return Headline(subject, chart, note)


def headline_charts(
    fetch: Fetch, period: Period, township: str | None, text: TextFor
) -> list[Headline]:
    """4-5 charts for the pack, each with a one-line note; scope-safe for a township."""
    where = {"township": township} if township else {}
    county = township is None
    out = [
        _enrollment(fetch, period, township, text),
        _fund(fetch, period, text) if county else None,
        _drg(fetch, period, township, text),
        _ranked(
            fetch,
            period,
            where,
            "proc_savings",
            "township" if county else "institution",
            "township_name" if county else "institution_name",
            "各乡镇集采节约资金" if county else "辖区医疗机构集采节约资金",
            "万元",
            "集中带量采购节约资金",
            text,
        ),
        _ranked(
            fetch,
            period,
            where,
            "assist_amount",
            "township" if county else "category",
            "township_name" if county else "category",
            "各乡镇医疗救助金额" if county else "医疗救助金额(按救助对象类别)",
            "万元",
            "医疗救助支付金额",
            text,
        ),
    ]
    return [h for h in out if h is not None]
