"""参保扩面: enrollment against targets and time progress, by township and scheme."""

from __future__ import annotations

import streamlit as st

import charts
from metrics import present, service
from metrics.model import QuerySpec
from ui import layout, state

RATE = present.column("enroll_completion")  # a ratio shown in %
f = state.current()
layout.header("参保扩面", f)
period = f.period
where = {**f.township_filter(), "scheme": f.scheme}

totals = service.fetch(
    QuerySpec.make(
        ["enrolled", "enroll_target", "enroll_completion", "enroll_gap"],
        period,
        ["scheme"],
        where,
        compare=("yoy", "status"),
    )
)
if totals.empty:
    layout.empty_note("参保", f)
    st.stop()

by_scheme = totals.frame.set_index("scheme")
targets = by_scheme["enroll_target"].to_dict()
all_schemes = QuerySpec.make(
    ["enrolled", "enroll_target", "enroll_completion", "coverage_rate", "poverty_coverage_rate"],
    period,
    (),
    f.township_filter(),
    compare=("status",),
)
overall = service.fetch(
    QuerySpec.make(
        ["enrolled", "enroll_target", "enroll_completion"],
        period,
        (),
        where,
        compare=("yoy", "status"),
    )
)
coverage = service.fetch(all_schemes)

cols = st.columns(4)
layout.result_card(
    cols[0],
    overall,
    "enrolled",
    label="参保人数",
    note=f"{f.scheme_label()} · 任务数 {overall.text('enroll_target')}",
)
layout.result_card(
    cols[1], overall, "enroll_completion", note=layout.progress_note(overall, "enroll_completion")
)
schemes = list(totals.frame["scheme"])
for col, scheme in zip(cols[2:4], ("resident", "employee"), strict=True):
    if scheme in schemes:
        i = schemes.index(scheme)
        layout.result_card(
            col,
            totals,
            "enroll_completion",
            row=i,
            label=f"{present.dim_value('scheme', scheme)}任务完成率",
            note=f"{totals.text('enrolled', i)} / {layout.progress_note(totals, 'enroll_completion', i)}",
        )
cols = st.columns(4)
layout.result_card(
    cols[0],
    coverage,
    "coverage_rate",
    note=f"目标≥{coverage.text('coverage_rate_expected')}(户籍人口口径)",
)
layout.result_card(
    cols[1],
    coverage,
    "poverty_coverage_rate",
    note=f"目标{coverage.text('poverty_coverage_rate_expected')}(应保尽保)",
)

st.divider()
left, right = st.columns([3, 2])

# Ranking of townships (always county-wide for the viewer's scope, so a township sees its place).
rank_spec = QuerySpec.make(
    ["enrolled", "enroll_target", "enroll_completion", "enroll_gap"],
    period,
    ["township"],
    {"scheme": f.scheme},
    compare=("status", "rank"),
)
ranked = service.fetch(rank_spec)
county_progress = service.fetch(
    QuerySpec.make(["enroll_completion"], period, (), {"scheme": f.scheme}, compare=("expected",))
)
ranking = ranked.frame
with left:
    if ranking.empty:
        layout.empty_note("乡镇参保", f)
    else:
        chart = layout.ranking_chart(
            ranked,
            "enroll_completion",
            expected=county_progress.value("enroll_completion_expected"),
            text=layout.chart_text(f.county(), f"{f.scheme_label()}参保任务完成率排名", RATE.unit),
        )
        layout.drill_chart(chart, "enroll_rank", "township")
        st.caption(
            "点击条形可查看该乡镇;虚线为时序进度(居民医保按集中征缴期进度,职工医保按月均进度)。"
        )

with right:
    monthly = service.fetch(QuerySpec.make(["enrolled"], period, ["month"], where)).frame
    if not monthly.empty:
        subject = f"{f.scheme_label()}累计参保人数与计划进度"
        persons = present.column("enrolled", f.level)
        layout.chart(
            charts.enrollment_vs_plan(
                monthly, targets, period.month, layout.chart_text(f, subject, persons.unit), f.level
            )
        )

st.markdown("#### 各乡镇任务完成情况")
if not ranking.empty:
    pop = service.fetch(
        QuerySpec.make(["registered_pop", "coverage_rate"], period, ["township"])
    ).frame
    table = ranking.merge(
        pop[["township", "registered_pop", "coverage_rate"]], on="township", how="left"
    )
    shown = present.table(
        table.sort_values("enroll_completion_rank"),
        [
            "enroll_target",
            "enrolled",
            "enroll_completion",
            "enroll_gap",
            "registered_pop",
            "coverage_rate",
        ],
        ["township"],
        extra={"enroll_completion_rank": "排名", "enroll_completion_status_label": "时序进度状态"},
    )
    layout.table(shown, title=f.county().title(f"{f.scheme_label()}各乡镇参保任务完成情况"))
    st.caption(
        "参保率 = 两险参保人数 ÷ 户籍人口(户籍人口口径);距任务尚差人数 = 任务数 − 已参保人数。"
    )

layout.show_sql([totals, overall, coverage, ranked, county_progress])
