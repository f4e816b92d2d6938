"""Page furniture shared by every page: header with scope and 数据截至, cards, notes, drill-down."""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import pandas as pd
import streamlit as st

from metrics import present, service
from metrics.execute import Result
from metrics.status import Status
from ui import state
from ui.charts import ChartText

STATUS_MARKDOWN = {
    Status.GREEN: "green",
    Status.AMBER: "orange",
    Status.RED: "red",
    Status.NONE: "gray",
}


def header(title: str, filters: state.Filters) -> None:
    fresh = service.freshness()
    st.markdown(f"### {title}")
    parts = [f"**{filters.scope_label}**", filters.period.label(), fresh.label()]
    if fresh.is_demo:
        parts.append(":orange-badge[演示数据]")
    st.caption(" · ".join(parts))


def chart_text(filters: state.Filters, subject: str, unit: str = "") -> ChartText:
    fresh = service.freshness()
    source = "数据来源:县医疗保障局医保决策驾驶舱" + ("(演示数据)" if fresh.is_demo else "")
    return ChartText(filters.title(subject), unit, f"{source}  {fresh.label()}")


def card(
    column,
    metric_id: str,
    value: float | None,
    *,
    label: str | None = None,
    status: Status | None = None,
    delta: float | None = None,
    delta_label: str = "同比",
    note: str | None = None,
) -> None:
    """A KPI card: value as the bureau writes it, a RAG mark, 同比 and a small note line."""
    m = present.metric(metric_id)
    title = label or m.label
    if status is not None and status is not Status.NONE:
        # A coloured dot in Markdown rather than an emoji: emoji fonts are missing on many
        # office machines and in exported screenshots.
        title = f":{STATUS_MARKDOWN[status]}[●] {title}"
    delta_text, arrow, color = None, "off", "gray"
    if delta is not None and not pd.isna(delta):
        delta_text = f"{delta_label}{present.change_text(metric_id, delta)}"
        if delta > 0:
            arrow = "up"
        elif delta < 0:
            arrow = "down"
        if m.higher_is_better is not None and delta != 0:
            color = "green" if (delta > 0) == m.higher_is_better else "red"
    column.metric(
        title,
        present.text(metric_id, value),
        delta=delta_text,
        delta_color=color,
        delta_arrow=arrow,
        border=True,
        help=f"{m.label} = {m.description}",
    )
    if note:
        column.caption(note)


def empty_note(what: str, filters: state.Filters) -> None:
    st.info(
        f"{filters.title()}暂无{what}数据:可能该期间尚未加载,或所选乡镇无此项业务。请调整年度、月份或乡镇。"
    )


def show_sql(results: Iterable[Result]) -> None:
    """The statements behind the page, rendered only when asked (查看SQL)."""
    if not st.toggle("查看SQL(推送到数据仓库执行的查询及参数)", key="show_sql"):
        return
    seen: set = set()
    for r in results:
        specs = (
            [r.spec, r.spec.with_period(r.spec.period.previous_year())]
            if any(c.endswith("_chg") for c in r.frame.columns)
            else [r.spec]
        )
        for spec in specs:
            if spec in seen:
                continue
            seen.add(spec)
            for sql, params in service.explain(spec):
                st.code(sql, language="sql")
                st.caption(f"参数:{params}")


def suppressed_note(result: Result) -> None:
    if result.suppressed:
        st.caption(
            f"注:为保护困难群众个人信息,人数或人次在1至{present.settings.SMALL_CELL_THRESHOLD}之间的单元格"
            f"显示为“{present.SUPPRESSED_COUNT}”,相关金额显示为“{present.SUPPRESSED_VALUE}”,"
            "并对可推算的单元格作了补充隐藏。"
        )


def drill_chart(chart: alt.TopLevelMixin, key: str, field: str) -> None:
    """Shows a chart whose bars, when clicked, open the same page for that township."""
    event = st.altair_chart(chart, on_select="rerun", key=key, selection_mode="pick")
    points = (event or {}).get("selection", {}).get("pick", []) if isinstance(event, dict) else []
    if not points and hasattr(event, "selection"):
        points = event.selection.get("pick", [])
    if points:
        code = points[0].get(field)
        if code and code != st.session_state.get(state.TOWN):
            state.select_township(str(code))


def table(frame: pd.DataFrame, height: int | None = None) -> None:
    st.dataframe(frame, hide_index=True, width="stretch", height=height or "auto")
