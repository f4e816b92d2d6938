"""A township's rank month by month (乡镇详情): a small line chart, 1 at the top."""

from __future__ import annotations

import altair as alt
import pandas as pd

from charts import PRIMARY, ChartText, _finish
from charts.memo import memoized


@memoized
def rank_lines(frame: pd.DataFrame, *, of: int, text: ChartText) -> alt.TopLevelMixin:
    """Rank by month (columns month, rank; `value` the completion ratio, for the tooltip).

    The axis runs from 1 (best, at the top) to `of`, the number of townships ranked, in whole
    ranks; months without a rank are left out rather than drawn as 0.
    """
    data = frame.dropna(subset=["rank"]).astype({"rank": int})
    chart = (
        alt.Chart(data)
        .mark_line(point=True, color=PRIMARY)
        .encode(
            x=alt.X(
                "month:O", title="月份", axis=alt.Axis(labelExpr="datum.value + '月'", labelAngle=0)
            ),
            y=alt.Y(
                "rank:Q",
                title="名次",
                scale=alt.Scale(domain=[max(int(of), 1), 1], nice=False),
                axis=alt.Axis(format="d", tickMinStep=1),
            ),
            tooltip=[
                alt.Tooltip("month:O", title="月份"),
                alt.Tooltip("rank:Q", title="名次", format="d"),
                alt.Tooltip("value:Q", title="任务完成率", format=".2%"),
            ],
        )
    )
    return _finish(chart, text, 200)
