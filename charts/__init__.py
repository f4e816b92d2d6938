"""Chart builders: one function per chart kind, used on screen (ui/) and in exports alike.

Every chart carries its Chinese title (scope, period, subject), its unit and the source line,
so an exported image stands on its own in a briefing.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from charts.memo import memoized
from metrics.status import Status

FONT = "Noto Sans CJK SC, WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, sans-serif"
STATUS_COLORS = {s.label: s.color for s in Status}
PRIMARY = "#1f5fa8"
SECOND = "#e07b39"
PLAN = "#7a7a7a"
HIGHLIGHT_COLORS = {"前三名": "#2e7d32", "后三名": "#c62828", "其他": "#8fa9c8"}
THEME = "yibao"
# Units counted in whole items: persons, cases, institutions. A chart whose unit is one of them
# shows whole numbers on its axis, labels and tooltips ("100,000", not "100,000.00").
WHOLE_UNITS = frozenset({"人", "人次", "例", "家", "个", "名", "户", "件"})


def number_format(unit: str, *, percent: bool = False) -> str:
    """The d3 format of a chart's values in `unit`: whole for counts, two decimals for amounts
    (万元, 亿元, 万人), a percentage for ratios.

    >>> number_format("人"), number_format("万人"), number_format("%", percent=True)
    (',.0f', ',.2f', '.1%')
    """
    if percent:
        return ".1%"
    return ",.0f" if unit in WHOLE_UNITS else ",.2f"


def _python_format(unit: str) -> str:
    """The same rule for text built in Python (donut legends): '{:,.0f}' or '{:,.2f}'."""
    return "{:" + number_format(unit) + "}"


# One theme instead of configure_* on every chart: each configure call copies the whole chart,
# and a theme is applied once, when the chart is converted (on screen and in exports alike).
# Streamlit keeps an active non-default theme as it is.
@alt.theme.register(THEME, enable=True)
def _theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelLimit": 160},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
            "view": {"stroke": None},
        }
    }


@dataclass(frozen=True)
class ChartText:
    """Title and the lines under it: '向塘镇 2023年1-10月 参保任务完成率', unit, source."""

    title: str
    unit: str = ""
    source: str = ""

    def subtitle(self) -> list[str]:
        parts = [p for p in (f"单位:{self.unit}" if self.unit else "", self.source) if p]
        return ["  ".join(parts)] if parts else []


def _finish(chart: alt.TopLevelMixin, text: ChartText, height: int) -> alt.TopLevelMixin:
    return chart.properties(
        title=alt.TitleParams(
            text.title,
            subtitle=text.subtitle(),
            anchor="start",
            fontSize=15,
            subtitleColor="#666",
            subtitleFontSize=11,
        ),
        height=height,
        width="container",
    )


@memoized
def monthly_lines(
    frame: pd.DataFrame,
    *,
    series: str,
    value: str,
    value_title: str,
    text: ChartText,
    percent: bool = False,
    dashed: tuple[str, ...] = (),
) -> alt.TopLevelMixin:
    """Lines by month (column 'month'), one per series; series named in `dashed` are plans.
    Values are formatted by `text.unit` (`number_format`: whole persons, two-decimal 万元)."""
    fmt = number_format(text.unit, percent=percent)
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "month:O", title="月份", axis=alt.Axis(labelExpr="datum.value + '月'", labelAngle=0)
            ),
            y=alt.Y(f"{value}:Q", title=value_title, axis=alt.Axis(format=fmt)),
            color=alt.Color(f"{series}:N", title=None),
            strokeDash=alt.condition(
                alt.FieldOneOfPredicate(field=series, oneOf=list(dashed))
                if dashed
                else alt.datum.month < 0,
                alt.value([6, 3]),
                alt.value([1, 0]),
            ),
            tooltip=[
                alt.Tooltip("month:O", title="月份"),
                alt.Tooltip(f"{series}:N", title=""),
                alt.Tooltip(f"{value}:Q", title=value_title, format=fmt),
            ],
        )
    )
    return _finish(chart, text, 300)


@memoized
def monthly_bars(
    frame: pd.DataFrame,
    *,
    stack: str,
    value: str,
    value_title: str,
    text: ChartText,
    column: str | None = None,
) -> alt.TopLevelMixin:
    """Stacked bars by month, e.g. spending by item; optional side-by-side `column` (income/spending).
    Values are formatted by `text.unit` (`number_format`)."""
    fmt = number_format(text.unit)
    enc = {
        "x": alt.X(
            "month:O", title="月份", axis=alt.Axis(labelExpr="datum.value + '月'", labelAngle=0)
        ),
        "y": alt.Y(f"{value}:Q", title=value_title, stack=True, axis=alt.Axis(format=fmt)),
        "color": alt.Color(f"{stack}:N", title=None),
        "tooltip": [
            alt.Tooltip("month:O", title="月份"),
            alt.Tooltip(f"{stack}:N", title=""),
            alt.Tooltip(f"{value}:Q", title=value_title, format=fmt),
        ],
    }
    if column:
        enc["xOffset"] = alt.XOffset(f"{column}:N", title=None)
    return _finish(alt.Chart(frame).mark_bar().encode(**enc), text, 300)


@memoized
def grouped_bars(
    frame: pd.DataFrame,
    *,
    category: str,
    group: str,
    value: str,
    value_title: str,
    text: ChartText,
) -> alt.TopLevelMixin:
    """Bars per category with one bar per group side by side (e.g. budget vs paid per hospital),
    formatted by `text.unit` (`number_format`)."""
    fmt = number_format(text.unit)
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", title=None, sort=None),
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=fmt)),
            yOffset=alt.YOffset(f"{group}:N"),
            color=alt.Color(f"{group}:N", title=None),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=""),
                alt.Tooltip(f"{group}:N", title=""),
                alt.Tooltip(f"{value}:Q", title=value_title, format=fmt),
            ],
        )
    )
    return _finish(chart, text, max(200, 34 * frame[category].nunique()))


@memoized
def ranked_values(
    frame: pd.DataFrame,
    *,
    label: str,
    value: str,
    value_title: str,
    text: ChartText,
    fmt: str | None = None,
    key_field: str | None = None,
    highlight: str | None = None,
) -> alt.TopLevelMixin:
    """Horizontal bars of plain values (万元, 人次, 人) sorted largest first, with a d3 `fmt`
    (by default `number_format` of `text.unit`).

    Unlike `ranked_bars` (rates against time progress), there is no status and no plan rule.
    `key_field` is carried for click-through; `highlight` (a value of `key_field`, or of
    `label` without one) draws that bar in the second colour, e.g. the selected township.
    """
    fmt = fmt or number_format(text.unit)
    data = frame.dropna(subset=[value])
    key = key_field or label
    base = alt.Chart(data)
    select = alt.selection_point(name="pick", fields=[key])
    color = (
        alt.condition(alt.datum[key] == highlight, alt.value(SECOND), alt.value(PRIMARY))
        if highlight is not None
        else alt.value(PRIMARY)
    )
    order = alt.EncodingSortField(field=value, op="min", order="descending")
    bars = (
        base.mark_bar()
        .encode(
            y=alt.Y(f"{label}:N", sort=order, title=None),
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=fmt)),
            color=color,
            opacity=alt.condition(select, alt.value(1.0), alt.value(0.55)),
            tooltip=[
                alt.Tooltip(f"{label}:N", title=""),
                alt.Tooltip(f"{value}:Q", title=value_title, format=fmt),
            ],
        )
        .add_params(select)
    )
    labels = base.mark_text(align="left", dx=3, fontSize=11).encode(
        y=alt.Y(f"{label}:N", sort=order), x=f"{value}:Q", text=alt.Text(f"{value}:Q", format=fmt)
    )
    # The height is the plotting area's (autosize fit-x), so every bar keeps 22 px and its label.
    height = max(110, 22 * len(data))
    return _finish(alt.layer(bars, labels), text, height).properties(
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )


@memoized
def pace_bars(
    frame: pd.DataFrame,
    *,
    label: str,
    value: str,
    value_title: str,
    text: ChartText,
    status: str | None = None,
    palette: dict[str, str] | None = None,
    expected: float | None = None,
    expected_label: str = "时序进度",
    ascending: bool = False,
    percent: bool = True,
    key_field: str | None = None,
    tooltips: tuple[tuple[str, str, str], ...] = (),
    label_limit: int | None = None,
) -> alt.TopLevelMixin:
    """Horizontal bars against time progress, with the page's own status legend.

    The status labels and colours come from `palette` (label -> colour), e.g. DRG 超进度
    instead of 滞后, or HIGHLIGHT_COLORS for the best and worst three of a ranking; and `ascending=True` puts the lowest (worst progress) on top.
    The sort uses op "min" (a layered chart drops any other op, which leaves bars unsorted), and
    the height is the plotting area's (autosize fit-x), so every bar keeps its 22 px and label.
    `tooltips` adds (column, title, d3-format) lines. `key_field` is carried for drill-down.
    `label_limit` widens the category labels (pixels) for long names such as DRG groups.
    """
    fmt = number_format(text.unit, percent=percent)
    base = alt.Chart(frame)
    select = alt.selection_point(name="pick", fields=[key_field] if key_field else [label])
    order = alt.EncodingSortField(
        field=value, op="min", order="ascending" if ascending else "descending"
    )
    color = (
        alt.Color(
            f"{status}:N",
            title="状态",
            scale=alt.Scale(
                domain=list(palette or STATUS_COLORS),
                range=list((palette or STATUS_COLORS).values()),
            ),
        )
        if status
        else alt.value(PRIMARY)
    )
    tooltip = [
        alt.Tooltip(f"{label}:N", title=""),
        alt.Tooltip(f"{value}:Q", title=value_title, format=fmt),
        *([alt.Tooltip(f"{status}:N", title="状态")] if status else []),
        *[alt.Tooltip(f"{c}:Q", title=t, format=f) for c, t, f in tooltips],
    ]
    # Room on the right for the value labels (they are text marks, not clipped to the axis).
    highest = max([float(v) for v in frame[value].dropna()] + [float(expected or 0)] + [0.0])
    top = highest * 1.15 or 1.0
    bars = (
        base.mark_bar()
        .encode(
            y=alt.Y(f"{label}:N", sort=order, title=None),
            x=alt.X(
                f"{value}:Q",
                title=value_title,
                axis=alt.Axis(format="%" if percent else ",.0f"),
                scale=alt.Scale(domain=[0, top]),
            ),
            color=color,
            opacity=alt.condition(select, alt.value(1.0), alt.value(0.55)),
            tooltip=tooltip,
        )
        .add_params(select)
    )
    labels = base.mark_text(align="left", dx=3, fontSize=11).encode(
        y=alt.Y(f"{label}:N", sort=order), x=f"{value}:Q", text=alt.Text(f"{value}:Q", format=fmt)
    )
    layers = [bars, labels]
    if expected is not None:
        rule = alt.Chart(pd.DataFrame({"v": [expected], "t": [expected_label]}))
        layers.append(
            rule.mark_rule(color=PLAN, strokeDash=[6, 3], size=2).encode(
                x="v:Q",
                tooltip=[alt.Tooltip("t:N", title=""), alt.Tooltip("v:Q", format=fmt, title="值")],
            )
        )
    # At least 140 px: with two or three bars (schemes) the plan rule and labels stay apart.
    height = max(140, 22 * len(frame))
    chart = _finish(alt.layer(*layers), text, height).properties(
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )
    return chart.configure_axisY(labelLimit=label_limit) if label_limit else chart


@memoized
def share_donut(
    frame: pd.DataFrame, *, category: str, value: str, text: ChartText
) -> alt.TopLevelMixin:
    """Structure of a total, largest share first: each segment labelled with its share, the
    legend naming each part with its value and share (readable in a printed briefing too).

    Segments and legend are ordered through an explicit sort field: Altair 6 rejects
    `sort="-theta"` on a colour channel.
    """
    data = frame.dropna(subset=[value])
    total = float(data[value].sum()) or 1.0
    data = data.assign(share=data[value] / total)
    data = data.assign(
        legend=[
            f"{c} {_python_format(text.unit).format(v)}({s:.1%})"
            for c, v, s in zip(data[category], data[value], data["share"], strict=True)
        ]
    )
    order = alt.EncodingSortField(field=value, op="min", order="descending")
    base = alt.Chart(data).encode(
        theta=alt.Theta(f"{value}:Q", stack=True),
        order=alt.Order(f"{value}:Q", sort="descending"),
    )
    arcs = base.mark_arc(innerRadius=55, outerRadius=105).encode(
        color=alt.Color(
            "legend:N",
            title=None,
            sort=order,
            legend=alt.Legend(orient="bottom", columns=2, labelLimit=260),
        ),
        tooltip=[
            alt.Tooltip(f"{category}:N", title=""),
            alt.Tooltip(f"{value}:Q", format=number_format(text.unit), title=text.unit),
            alt.Tooltip("share:Q", format=".1%", title="占比"),
        ],
    )
    # Shares on the ring; slivers under 4% keep theirs in the legend only.
    shares = (
        base.transform_filter(alt.datum.share >= 0.04)
        .mark_text(radius=80, fontSize=12, fontWeight="bold", color="#ffffff")
        .encode(text=alt.Text("share:Q", format=".0%"))
    )
    # The legend sits under the ring (two columns): beside it, long labels push the ring off
    # the left edge of a half-width column.
    return _finish(alt.layer(arcs, shares), text, 250 + 18 * ((len(data) + 1) // 2)).properties(
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )


@dataclass(frozen=True)
class StackedChartText(ChartText):
    """ChartText whose unit and source lines are stacked, so a half-width chart keeps 数据截至."""

    def subtitle(self) -> list[str]:
        return [p for p in (f"单位:{self.unit}" if self.unit else "", self.source) if p]


def stacked(text: ChartText) -> ChartText:
    """The same title, unit and source, drawn on separate lines (for charts in narrow columns)."""
    return StackedChartText(text.title, text.unit, text.source)


def enrollment_vs_plan(
    monthly: pd.DataFrame,
    targets: dict[str, float],
    last_month: int,
    text: ChartText,
    level: str = "county",
) -> alt.TopLevelMixin:
    """Cumulative enrolled persons by month against the plan of time progress, in the unit of
    the level (万人 for the county, 人 for a township): axis, values and `text.unit` agree.

    `monthly` has columns month and enrolled (persons); `targets` the year's target per scheme.
    Not memoized itself: the chart is memoized by `monthly_lines`, one entry per chart.
    """
    from metrics import compare, present

    persons = present.column("enrolled", level)  # type: ignore[arg-type]
    unit = persons.unit
    plan = compare.enrollment_plan_curve(targets, last_month)
    series = pd.concat(
        [
            pd.DataFrame(
                {
                    "month": monthly["month"],
                    "系列": "实际参保人数",
                    unit: [persons.value(v) for v in monthly["enrolled"]],
                }
            ),
            pd.DataFrame(
                {
                    "month": plan["month"],
                    "系列": "计划进度",
                    unit: [persons.value(v) for v in plan["planned"]],
                }
            ),
        ]
    )
    return monthly_lines(
        series,
        series="系列",
        value=unit,
        value_title=persons.header,
        dashed=("计划进度",),
        text=text,
    )


def budget_vs_plan(
    paid: pd.DataFrame, budget: float | None, last_month: int, text: ChartText
) -> alt.TopLevelMixin:
    """Cumulative DRG payments by month against the budget's time-progress plan (budget × m/12),
    in the unit of the paid amount's Column (万元); `paid` has month and drg_paid_cumulative."""
    from metrics import compare, present

    amount = present.column("drg_paid")
    plan = compare.budget_pace_curve(budget, last_month)
    series = pd.concat(
        [
            pd.DataFrame(
                {
                    "month": paid["month"],
                    "系列": "累计DRG基金支付",
                    amount.unit: [amount.value(v) for v in paid["drg_paid_cumulative"]],
                }
            ),
            pd.DataFrame(
                {
                    "month": plan["month"],
                    "系列": "按时序进度应支付",
                    amount.unit: [amount.value(v) for v in plan["planned"]],
                }
            ),
        ]
    )
    return monthly_lines(
        series,
        series="系列",
        value=amount.unit,
        value_title=present.column_as("drg_paid", "金额").header,
        dashed=("按时序进度应支付",),
        text=text,
    )


@memoized
def bullet(
    value: float, expected: float | None, *, color: str, target: float = 1.0
) -> alt.TopLevelMixin:
    """A card's bullet bar: progress against the target (the grey track, 100%) with the 时序进度
    tick, so a director sees at a glance how far behind or ahead the figure is.

    The scale runs to the larger of the target and the value, so an over-run stays visible.
    """
    top = max(target, float(value), float(expected or 0.0)) * 1.02
    track = alt.Chart(pd.DataFrame({"v": [target]})).mark_bar(color="#e3e8ef", height=14)
    bar = alt.Chart(pd.DataFrame({"v": [float(value)]})).mark_bar(color=color, height=14)
    scale = alt.Scale(domain=[0, top])
    axis = alt.X("v:Q", scale=scale, axis=None)
    layers = [track.encode(x=axis), bar.encode(x=axis)]
    if expected is not None:
        tick = alt.Chart(pd.DataFrame({"v": [float(expected)]})).mark_tick(
            color="#1f2933", thickness=3, size=24
        )
        layers.append(tick.encode(x=axis))
    return alt.layer(*layers).properties(height=26, width="container")
