"""汇报材料: the report paragraph (seed 002 §一) for the current filters, copyable and as .txt,
and a one-click briefing pack (.pptx) with the headline charts. Every figure comes from the
metrics layer through service.fetch, so a township viewer's material holds only its scope."""

from __future__ import annotations

import streamlit as st

from auth import session as auth_session
from exports import fonts, watermark
from exports.briefing import briefing_pptx
from exports.excel import file_name
from exports.headlines import headline_charts
from exports.images import chart_png
from exports.narrative import report_paragraph
from metrics import service
from ui import charts, layout, state

f = state.current()
layout.header("汇报材料", f)
period = f.period
scope = f.scope_label


def _text(subject: str, unit: str) -> charts.ChartText:
    # Unit and source on separate lines: the charts sit in half-width columns.
    return charts.stacked(layout.chart_text(f, subject, unit))


headlines = headline_charts(service.fetch, period, f.township, _text)
if not headlines:
    layout.empty_note("汇报", f)
    st.stop()
paragraph = report_paragraph(service.fetch, period, f.township, scope_label=scope)

st.markdown("#### 一、医保工作运行情况")
st.caption("按所选年度、月份和乡镇自动生成,数字均取自指标库;点击右上角图标即可复制。")
st.code(paragraph, language=None, wrap_lines=True)
if f.township:
    st.caption("医保基金实行县级统筹,乡镇材料不含基金收支数字。")

cutoff = layout.source_line(period)
font_ok = fonts.cjk_font_family() is not None


def _pack(mark: str | None) -> bytes:
    images = [(h.subject, chart_png(h.chart, scale=2, watermark=mark), h.note) for h in headlines]
    return watermark.pptx(briefing_pptx(paragraph, images, scope, period.label(), cutoff), mark)


def _txt(mark: str | None) -> bytes:
    return (paragraph + (f"\n\n(导出:{mark})" if mark else "")).encode("utf-8-sig")


detail = f"范围:{scope};期间:{period.label()}"


def _downloads() -> None:
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            "下载文字(.txt)",
            data=auth_session.deferred_export(_txt, "汇报文字", detail),
            file_name=file_name(scope, period.label(), "医保工作运行情况", "txt"),
            mime="text/plain",
            key="briefing_txt",
            on_click="ignore",
            icon=":material/article:",
        )
        st.download_button(
            "生成汇报PPT",
            data=auth_session.deferred_export(_pack, "汇报PPT", detail),
            file_name=file_name(scope, period.label(), "医保工作汇报材料", "pptx"),
            mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
            key="briefing_pptx",
            on_click="ignore",
            type="primary",
            icon=":material/slideshow:",
            disabled=not font_ok,
            help="标题页、运行情况文字页,以及下列每张重点图表一页(附说明),中文字体为微软雅黑。",
        )


if auth_session.allowed("export"):
    _downloads()
if not font_ok:
    st.warning(fonts.NO_FONT_MESSAGE)

st.divider()
st.markdown(f"#### 重点图表({len(headlines)}张,将逐页放入汇报PPT)")
for i in range(0, len(headlines), 2):
    cols = st.columns(2)
    for col, h in zip(cols, headlines[i : i + 2], strict=False):
        with col:
            layout.chart(h.chart, key=f"briefing_chart_{i}_{h.subject}")
            st.caption(h.note)
