"""The headline charts of the briefing pack, built with the same builders as the pages.

County scope: rankings among townships. Township scope: that township's own figures only
(monthly enrollment, its institutions, its recipient categories), never other townships' names;
the fund chart is left out (the fund is pooled at county level).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import altair as alt
import pandas as pd

import charts
from charts import ChartText
from exports.narrative import Fetch
from metrics import compare, present, settings
from metrics.execute import Result
from metrics.model import Period, QuerySpec
from metrics.status import Status

# (subject, unit, county-wide?) -> ChartText with scope, period and source line
TextFor = Callable[[str, str], ChartText]


@dataclass(frozen=True)
class Headline:
    subject: str
    chart: alt.TopLevelMixin
    note: str


def _status_bars(
    result: Result, metric_id: str, label: str, expected: float | None, subject: str, text
) -> alt.TopLevelMixin:
    """Bars coloured by THE status of the metric (the page's legend words: DRG 超进度)."""
    frame = result.frame.rename(columns={label: "名称"})
    return charts.pace_bars(
        frame,
        label="名称",
        value=metric_id,
        value_title=present.metric(metric_id).label,
        status=f"{metric_id}_status_label",
        palette=compare.status_palette(metric_id),
        expected=expected,
        text=text(subject, present.column(metric_id).unit),
    )


def _enrollment(fetch: Fetch, period: Period, township: str | None, text: TextFor):
    where = {"township": township} if township else {}
    split = fetch(QuerySpec.make(["enroll_target"], period, ["scheme"], where)).frame
    if split.empty:
        return None
    targets = dict(zip(split["scheme"], split["enroll_target"], strict=True))
    total = fetch(
        QuerySpec.make(["enrolled", "enroll_completion"], period, (), where, compare=("expected",))
    )
    expected = total.value("enroll_completion_expected")
    note = (
        f"参保人数{total.text('enrolled')},"
        f"完成任务数的{total.text('enroll_completion')},"
        f"时序进度{present.text('enroll_completion', expected)}。"
    )
    if township is None:
        rank = fetch(
            QuerySpec.make(["enroll_completion"], period, ["township"], compare=("status",))
        )
        if rank.empty:
            return None
        subject = "各乡镇参保任务完成率排名"
        chart = _status_bars(rank, "enroll_completion", "township_name", expected, subject, text)
        return Headline(subject, chart, note + "虚线为时序进度。")
    monthly = fetch(QuerySpec.make(["enrolled"], period, ["month"], where))
    if monthly.empty:
        return None
    subject = "累计参保人数与计划进度"
    unit = monthly.column("enrolled").unit
    chart = charts.enrollment_vs_plan(
        monthly.frame, targets, period.month, text(subject, unit), monthly.level
    )
    return Headline(subject, chart, note)


def _fund(fetch: Fetch, period: Period, text: TextFor):
    ids = ["fund_income", "fund_spending_county"]
    monthly = fetch(QuerySpec.make(ids, period, ["month"], {})).frame
    if monthly.empty:
        return None
    names = {"fund_income": "基金收入", "fund_spending_county": "县域内基金支出"}
    amount = present.column("fund_amount")
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "month": monthly["month"],
                    "收支": names[mid],
                    # 万元 per month: fund_amount's display unit (pages never scale by hand).
                    amount.unit: [amount.value(v) for v in monthly[mid]],
                }
            )
            for mid in ids
        ]
    )
    total = fetch(QuerySpec.make(ids, period, (), {}))
    subject = "医保基金月度收支"
    chart = charts.monthly_lines(
        long,
        series="收支",
        value=amount.unit,
        value_title=present.column_as("fund_amount", "金额").header,
        text=text(subject, amount.unit),
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
    result = fetch(QuerySpec.make(["drg_execution"], period, [dim], where, compare=("status",)))
    frame = result.frame
    frame = frame.dropna(subset=["drg_execution"]) if not frame.empty else frame
    if frame.empty:
        return None
    expected = compare.expected_progress_of("drg_execution", period)
    subject = "各乡镇DRG预算执行率" if township is None else "辖区医疗机构DRG预算执行率"
    chart = _status_bars(
        replace(result, frame=frame), "drg_execution", label, expected, subject, text
    )
    total = fetch(QuerySpec.make(["drg_execution"], period, (), where)).value("drg_execution")
    over = compare.status_label("drg_execution", Status.RED)
    note = (
        f"预算执行率{present.text('drg_execution', total)},"
        f"时序进度{present.text('drg_execution', expected)};高于时序进度为支付偏快"
        f"(超过{present.text('drg_execution', settings.DRG_OVER_PACE_PP)}为“{over}”)。"
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
    note_lead: str,
    text: TextFor,
):
    result = fetch(QuerySpec.make([metric_id], period, [dim], where))
    frame = result.frame
    if frame.empty or frame[metric_id].isna().all():
        return None
    column = result.column(metric_id)
    names = (
        frame[label]
        if label != dim and label in frame.columns
        else [present.dim_value(dim, c) for c in frame[dim]]
    )
    data = pd.DataFrame(
        {"名称": list(names), column.unit: [column.value(v) for v in frame[metric_id]]}
    )
    chart = charts.ranked_values(
        data,
        label="名称",
        value=column.unit,
        value_title=column.header,
        fmt=",.2f",
        text=text(subject, column.unit),
    )
    total = fetch(QuerySpec.make([metric_id], period, (), where))
    note = f"{note_lead}{total.text(metric_id)}。"
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
            "医疗救助支付金额",
            text,
        ),
    ]
    return [h for h in out if h is not None]
