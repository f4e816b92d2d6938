"""Page furniture shared by every page: header with scope and 数据截至, cards, notes, drill-down."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

import altair as alt
import pandas as pd
import streamlit as st

import charts
from charts import ChartText, memo
from metrics import compare, present, service
from metrics.execute import Result
from metrics.model import Level, Period, period_end_date
from metrics.status import Status
from ui import chrome, grid, state

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
    return ChartText(filters.title(subject), unit, source_line(filters.period))


def half_chart_text(filters: state.Filters, subject: str, unit: str = "") -> ChartText:
    """Chart text for a half-width chart: unit and source on separate lines, nothing cut off."""
    return charts.stacked(chart_text(filters, subject, unit))


def prev_note(row: pd.Series, metric_id: str, level: Level = "county") -> str:
    """'上年同期 9.28亿元' from the `<m>_prev` column of a fetch_with_yoy row."""
    return f"上年同期 {present.text(metric_id, row.get(f'{metric_id}_prev'), level=level)}"


# Status as a word and a shape, not colour alone (colour-blind safe, readable on a wall screen).
STATUS_SHAPE = {Status.GREEN: "●", Status.AMBER: "◆", Status.RED: "▼", Status.NONE: "○"}


def status_badge(metric_id: str, status: Status, word: str | None = None) -> str:
    """':red-badge[▼ 滞后]' in the metric's own words (DRG: '超进度'), '' without a status."""
    if status is Status.NONE:
        return ""
    text = word or compare.status_label(metric_id, status)
    shape = "▲" if status is Status.RED and metric_id.startswith("drg") else STATUS_SHAPE[status]
    return f":{STATUS_MARKDOWN[status]}-badge[{shape} {text}]"


def card(
    column,
    metric_id: str,
    value: float | None,
    *,
    label: str | None = None,
    status: Status | None = None,
    status_word: str | None = None,
    delta: float | None = None,
    delta_label: str = "同比",
    note: str | None = None,
    level: Level = "county",
    progress: float | None = None,
) -> None:
    """A KPI card: value as the bureau writes it at `level`, its status as a word, 同比, a note
    line and, for completion-type figures, a bullet bar against the target with the 时序进度 tick
    (`progress` is that expected ratio; the value is the ratio itself)."""
    m = present.metric(metric_id)
    title = label or m.label
    if status is not None and status is not Status.NONE:
        title = f"{title} {status_badge(metric_id, status, status_word)}"
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
        present.text(metric_id, value, level=level),
        delta=delta_text,
        delta_color=color,
        delta_arrow=arrow,
        border=True,
        help=f"{m.label} = {m.description}",
    )
    if progress is not None and value is not None and not pd.isna(value):
        shade = (status or Status.NONE).color
        column.vega_lite_chart(
            chrome.for_screen(
                memo.vega_spec(charts.bullet(float(value), float(progress), color=shade))
            ),
            width="stretch",
            theme=chrome.vega_theme(),
        )
    if note:
        column.caption(note)


def result_card(
    column,
    result: Result,
    metric_id: str,
    *,
    row: int = 0,
    label: str | None = None,
    note: str | None = None,
    status: Status | None = None,
    bullet: bool = False,
) -> None:
    """A card straight from a result: its value, level, 同比, (when asked) status and, with
    `bullet`, the bar against target and 时序进度 (the spec must ask compare=("expected",))."""
    asked = f"{metric_id}_status" in result.frame.columns
    expected = f"{metric_id}_expected"
    card(
        column,
        metric_id,
        result.value(metric_id, row),
        label=label,
        status=status if status is not None else (result.status(metric_id, row) if asked else None),
        delta=result.value(f"{metric_id}_chg", row),
        note=note,
        level=result.level,
        progress=result.value(expected, row) if bullet and expected in result.frame else None,
    )


def ranking_chart(
    result: Result,
    metric_id: str,
    *,
    expected: float | None,
    text: ChartText,
    dim: str = "township",
    value_title: str | None = None,
    tooltips: tuple[tuple[str, str, str], ...] = (),
    ascending: bool = False,
) -> alt.TopLevelMixin:
    """Bars of a rate per township (or institution) coloured by THE status of the metric against
    时序进度, the rank as text after the name ('向塘镇(第3名)'): one chart for every page."""
    frame = result.frame
    names = frame[present.DIM_DISPLAY[dim][0]].astype(str)
    rank_col = f"{metric_id}_rank"
    if rank_col in frame.columns:
        names = [f"{n}(第{int(r)}名)" for n, r in zip(names, frame[rank_col], strict=True)]
    data = frame.assign(名称=list(names), 状态=frame[f"{metric_id}_status_label"])
    return charts.pace_bars(
        data,
        label="名称",
        value=metric_id,
        value_title=value_title or present.metric(metric_id).label,
        status="状态",
        palette=compare.status_palette(metric_id),
        expected=expected,
        key_field=dim,
        tooltips=tooltips,
        ascending=ascending,
        text=text,
    )


def progress_note(result: Result, metric_id: str, row: int = 0) -> str:
    """'时序进度 83.33%' under a card, from the result's expected progress."""
    return f"时序进度 {present.text(metric_id, result.value(f'{metric_id}_expected', row))}"


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
        for spec in r.specs:  # the spec and its 同比/环比 and target companions
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
    for note in result.notes:  # e.g. the rounding rule of metrics/suppress.py
        st.caption(note)


def drill_chart(chart: alt.TopLevelMixin, key: str, field: str) -> None:
    """Shows a chart whose bars, when clicked, open the same page for that township."""
    event = st.vega_lite_chart(
        chrome.for_screen(memo.vega_spec(chart)),
        on_select="rerun",
        key=key,
        selection_mode="pick",
        theme=chrome.vega_theme(),
    )
    points = (event or {}).get("selection", {}).get("pick", []) if isinstance(event, dict) else []
    if not points and hasattr(event, "selection"):
        points = event.selection.get("pick", [])
    export_buttons(chart, key=key)
    if points:
        code = points[0].get(field)
        if code and code != st.session_state.get(state.TOWN):
            state.select_township(str(code))


def table(
    frame: pd.DataFrame,
    height: int | None = None,
    *,
    title: str | None = None,
    key: str | None = None,
    unit: str | None = None,
    pick: Callable[[int], None] | None = None,
    pick_key: str | None = None,
) -> None:
    """A display table; with a `title` ('向塘镇 2023年1-10月 …') also an 导出Excel button.

    `unit` is the Excel unit line when the headers carry no unit (e.g. '单位:人次'). With `pick`
    (and its widget key `pick_key`) a row can be selected, and `pick(row position)` is called
    for it, e.g. to open that institution's detail (ui/institution_link.py).
    """
    shown = frame.copy(deep=False)
    shown.attrs = {}  # the Column presentations become column_config; Arrow cannot carry them
    selecting = (
        {"on_select": "rerun", "selection_mode": "single-row", "key": pick_key} if pick else {}
    )
    event = grid.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=height or "auto",
        column_config=column_formats(frame),
        **selecting,
    )
    if title:
        table_download(frame, title=title, key=key, unit=unit)
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or []) if pick else []
    if pick and rows:
        pick(int(rows[0]))


# Number format by the unit in a header, for numeric columns a page added without a Column: the
# same formats as the metrics layer's columns of that unit.
UNIT_FORMATS = {
    present.DISPLAY_UNIT[fmt]: present.Column(
        "", "", fmt, present.DISPLAY_UNIT[fmt], digits
    ).number_format
    for fmt, digits in present.DECIMALS.items()
    if present.DISPLAY_UNIT[fmt]
}


def column_formats(frame: pd.DataFrame) -> dict[str, st.column_config.NumberColumn]:
    """Number formats for a display table's numeric columns: each column's `Column` (kept by
    `present.table`), else the unit in its header.

    Without them the table drops trailing zeros (380 instead of 380.00万元).

    >>> sorted(column_formats(pd.DataFrame({"金额(万元)": [380.0], "人次": [3], "名称": ["甲"]})))
    ['金额(万元)']
    """
    formats = {}
    declared: dict[str, present.Column] = frame.attrs.get(present.FORMATS_ATTR, {})
    for column in frame.columns:
        name = str(column)
        if name in declared and pd.api.types.is_numeric_dtype(frame[column]):
            formats[name] = st.column_config.NumberColumn(format=declared[name].number_format)
            continue
        if not (name.endswith(")") and "(" in name):
            continue
        unit = name[name.rindex("(") + 1 : -1]
        if unit in UNIT_FORMATS and pd.api.types.is_numeric_dtype(frame[column]):
            formats[name] = st.column_config.NumberColumn(format=UNIT_FORMATS[unit])
    return formats


# --- Exports ---------------------------------------------------------------------------------


def _chart_title(chart: alt.TopLevelMixin) -> str | None:
    title = getattr(chart, "title", None)
    text = getattr(title, "text", title)
    return text if isinstance(text, str) and text else None


def _key(prefix: str, text: str) -> str:
    return f"{prefix}_{hashlib.sha1(text.encode()).hexdigest()[:10]}"


def source_line(period: Period | None = None) -> str:
    """'数据来源:…  数据截至:…', as under every chart title and in every export.

    For a past period the cut-off is the period's end (a 2023年1-10月 chart is data through
    31 October 2023), never later than the newest load.
    """
    fresh = service.freshness()
    source = "数据来源:县医疗保障局医保决策驾驶舱" + ("(演示数据)" if fresh.is_demo else "")
    until = period_end_date(period) if period is not None else None
    return f"{source}  {fresh.label(until)}"


def _export_detail() -> str:
    """'范围:向塘镇;期间:2023年1-10月' for the audit log of an export."""
    f = state.current()
    return f"范围:{f.scope_label};期间:{f.period.label()}"


def export_buttons(chart: alt.TopLevelMixin, *, key: str | None = None, name: str | None = None):
    """Small PNG / SVG download buttons; the images are drawn only when clicked (deferred).

    Only for roles that may export; the click is logged and, outside demo mode, the image
    carries the user and time.
    """
    from auth import session as auth_session
    from exports import fonts, images
    from exports.excel import title_file_name

    if not auth_session.allowed("export"):
        return
    base = name or _chart_title(chart) or "图表"
    detail = _export_detail()
    if fonts.cjk_font_family() is None:
        st.caption(fonts.NO_FONT_MESSAGE)
        return
    key = key or _key("chart", base)
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            "PNG",
            data=auth_session.deferred_export(
                lambda mark: images.chart_png(chart, scale=2, watermark=mark),
                f"图表PNG:{base}",
                detail,
            ),
            file_name=title_file_name(base, "png"),
            mime="image/png",
            key=f"{key}_png",
            on_click="ignore",
            type="tertiary",
            icon=":material/download:",
            help="下载图片(PNG,2倍分辨率,可直接插入汇报材料)",
        )
        st.download_button(
            "SVG",
            data=auth_session.deferred_export(
                lambda mark: images.chart_svg(chart, watermark=mark), f"图表SVG:{base}", detail
            ),
            file_name=title_file_name(base, "svg"),
            mime="image/svg+xml",
            key=f"{key}_svg",
            on_click="ignore",
            type="tertiary",
            icon=":material/download:",
            help="下载矢量图(SVG)",
        )


def chart(chart: alt.TopLevelMixin, *, key: str | None = None, name: str | None = None) -> None:
    """Shows an Altair chart with PNG / SVG downloads beneath it (file named after its title)."""
    st.vega_lite_chart(chrome.for_screen(memo.vega_spec(chart)), theme=chrome.vega_theme())
    export_buttons(chart, key=key, name=name)


def table_download(
    display_frame: pd.DataFrame, *, title: str, key: str | None = None, unit: str | None = None
) -> None:
    """An 导出Excel button for a display table (the workbook is built only when clicked).

    Only for roles that may export; logged on click, watermarked outside demo mode.
    """
    from auth import session as auth_session
    from exports import excel, watermark

    if not auth_session.allowed("export"):
        return
    cutoff = source_line(state.current().period)
    unit_line = unit or excel.unit_line(display_frame)
    st.download_button(
        "导出Excel",
        data=auth_session.deferred_export(
            lambda mark: watermark.xlsx(
                excel.table_xlsx(display_frame, title=title, unit_line=unit_line, cutoff=cutoff),
                mark,
            ),
            f"表格Excel:{title}",
            _export_detail(),
        ),
        file_name=excel.title_file_name(title, "xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=key or _key("xlsx", title),
        on_click="ignore",
        type="tertiary",
        icon=":material/table_view:",
        help="下载Excel表格(含标题、单位、数据截至,A4横向打印)",
    )
