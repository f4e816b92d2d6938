"""The township map section: one indicator by township, coloured by its status against 时序进度
(or by value where the indicator has no plan), clickable to drill, exportable like every chart.

A viewer sees the townships of their scope only: the figures come from the metrics layer with the
viewer's scope, and a township without a figure is drawn grey (无数据).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from charts import maps
from metrics import compare, present, service
from metrics.model import QuerySpec
from ui import layout, state


@dataclass(frozen=True)
class Indicator:
    metric_id: str
    label: str
    by_status: bool  # coloured by status against time progress, else by value


INDICATORS = (
    Indicator("enroll_completion", "参保任务完成率", True),
    Indicator("coverage_rate", "参保率", False),
    Indicator("proc_progress", "集采采购进度", True),
    Indicator("drg_execution", "DRG预算执行率", True),
    Indicator("assist_amount", "医疗救助金额", False),
)


def render(f: state.Filters, key: str) -> None:
    """The map with its indicator choice; a note instead when no boundaries are loaded."""
    shapes = service.township_boundaries()
    if shapes.empty:
        st.caption(
            "尚未导入乡镇边界,无法显示地图:数据管理员可在“数据导入”页上传本县乡镇边界(GeoJSON)。"
        )
        return
    choice = st.selectbox(
        "地图指标",
        INDICATORS,
        format_func=lambda i: i.label,
        key=f"{key}_indicator",
    )
    compare_with = ("status",) if choice.by_status else ()
    result = service.fetch(
        QuerySpec.make([choice.metric_id], f.period, ["township"], compare=compare_with)
    )
    frame = result.frame
    if frame.empty:
        layout.empty_note(choice.label, f)
        return
    column = present.column(choice.metric_id, result.level)
    # Values in the display unit as printed (万元 two decimals; a ratio for percentages).
    shown = frame.rename(columns={"township": "township_code"}).assign(
        **{choice.metric_id: [column.value(v) for v in frame[choice.metric_id]]}
    )
    status_col = f"{choice.metric_id}_status_label" if choice.by_status else None
    chart = maps.township_map(
        shapes,
        shown,
        value=choice.metric_id,
        value_title=choice.label,
        text=layout.chart_text(f.county(), f"各乡镇{choice.label}", column.unit),
        fmt=".1%" if column.fmt == "pct" else ",.2f",
        status=status_col,
        palette=compare.status_palette(choice.metric_id) if choice.by_status else None,
        highlight=f.township,
    )
    layout.drill_chart(chart, key, "township_code")
    notes = ["点击乡镇查看其详情"]
    if bool(shapes["fictional"].all()):
        notes.append("演示库的乡镇边界为虚构示意,并非真实行政区划")
    st.caption(";".join(notes) + "。")
    layout.suppressed_note(result)
