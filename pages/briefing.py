"""汇报材料: the report paragraph (seed 002 §一, 公文 style) for the current filters, and the
material built from it: Word (GB/T 9704), PDF, the briefing PPT and the monthly pack (.zip).

Every figure comes from the metrics layer through service.fetch, so a township viewer's material
holds only its scope. Files are built only when a button is clicked; each click is logged and,
outside demo mode, the files carry the '导出:用户 时间' mark.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

import charts
from auth import session as auth_session
from data_sources import region
from exports import fonts, pack, wording
from exports.briefing import briefing_pptx
from exports.briefing_content import gather, render
from exports.docx_report import briefing_docx
from exports.excel import file_name
from exports.pdf_report import briefing_pdf
from exports.watermark import pptx as mark_pptx
from metrics import service
from metrics.model import period_end_date
from ui import layout, state

f = state.current()
layout.header("汇报材料", f)
period = f.period


def _text(subject: str, unit: str) -> charts.ChartText:
    # Unit and source on separate lines: the charts sit in half-width columns.
    return charts.stacked(layout.chart_text(f, subject, unit))


cutoff = service.freshness().label(period_end_date(period))
# The region recorded by the init command names the scope (全县/全区/全市) and the issuing unit;
# a warehouse without one reads as a county with the wording's default unit.
with service.engine().connect() as conn:
    area = region.read_region(conn)
content = gather(
    service.fetch,
    period,
    f.township,
    cutoff,
    _text,
    scope_label=f.scope_label,
    level=area.level if area else region.DEFAULT_LEVEL,
    organisation=wording.organisation(area.name if area else None),
)
if not content.paragraph and not content.headlines:
    layout.empty_note("汇报", f)
    st.stop()
scope = content.scope

st.markdown("#### 一、医保工作运行情况")
st.caption("按所选年度、月份和乡镇自动生成,数字均取自指标库;点击右上角图标即可复制。")
st.code(content.paragraph, language=None, wrap_lines=True)
if f.township:
    st.caption("医保基金实行县级统筹,乡镇材料不含基金收支数字。")

font_ok = fonts.cjk_font_family() is not None
detail = f"范围:{scope};期间:{period.label()}"
label = period.label()


def _txt(mark: str | None) -> bytes:
    return (content.paragraph + (f"\n\n(导出:{mark})" if mark else "")).encode("utf-8-sig")


def _docx(mark: str | None) -> bytes:
    return briefing_docx(render(content, mark), mark)


def _pdf(mark: str | None) -> bytes:
    return briefing_pdf(render(content, mark), mark)


def _pptx(mark: str | None) -> bytes:
    return mark_pptx(briefing_pptx(render(content, mark)), mark)


tables = pack.pack_tables(service.fetch, content)
user = auth_session.current_user()
who = user.username if user else service.current_viewer().name
demo, engine = auth_session.is_demo(), service.app_engine()  # the pack's audit line


def _zip() -> bytes:
    when = f"{dt.datetime.now():%Y-%m-%d %H:%M}"
    return pack.export_pack(engine, who, content, tables, demo=demo, when=when)


DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _downloads() -> None:
    buttons = [
        ("下载文字(.txt)", _txt, "汇报文字", "txt", "text/plain", ":material/article:", "txt"),
        ("下载Word", _docx, "汇报材料Word", "docx", DOCX_MIME, ":material/description:", "docx"),
        (
            "下载PDF",
            _pdf,
            "汇报材料PDF",
            "pdf",
            "application/pdf",
            ":material/picture_as_pdf:",
            "pdf",
        ),
        ("生成汇报PPT", _pptx, "汇报PPT", "pptx", PPTX_MIME, ":material/slideshow:", "pptx"),
    ]
    with st.container(horizontal=True, gap="small"):
        for text, build, what, ext, mime, icon, key in buttons:
            subject = pack.DECK if ext == "pptx" else pack.DOCUMENT
            st.download_button(
                text,
                data=auth_session.deferred_export(build, what, detail),
                file_name=file_name(scope, label, subject, ext),
                mime=mime,
                key=f"briefing_{key}",
                on_click="ignore",
                icon=icon,
                disabled=ext != "txt" and not font_ok,
            )
        st.download_button(
            "生成月度汇报包(.zip)",
            data=_zip,
            file_name=pack.zip_name(content),
            mime="application/zip",
            key="briefing_zip",
            on_click="ignore",
            type="primary",
            icon=":material/folder_zip:",
            disabled=not font_ok,
            help="一次生成本期汇报材料Word、PDF、汇报PPT和主要表格Excel,打包下载。",
        )
    st.caption(
        "Word按党政机关公文格式排版(标题方正小标宋简体、正文仿宋_GB2312三号、行距28磅);"
        "本机没有这些字体时,Word会以相近字体显示,PDF使用开源的思源中文字体。"
    )


if auth_session.allowed("export"):
    _downloads()
if not font_ok:
    st.warning(fonts.NO_FONT_MESSAGE)

if content.alerts:
    st.markdown("#### 预警事项")
    for item in content.alerts:
        st.markdown(
            f":{'red' if item.severity.name == 'RED' else 'orange'}[●] **{item.area}**:{item.text}"
        )

st.divider()
heads = content.headlines
st.markdown(f"#### 重点图表({len(heads)}张,将放入汇报材料)")
for i in range(0, len(heads), 2):
    cols = st.columns(2)
    for col, h in zip(cols, heads[i : i + 2], strict=False):
        with col:
            layout.chart(h.chart, key=f"briefing_chart_{i}_{h.subject}")
            st.caption(h.note)
