"""The monthly pack: for a period and scope, the 汇报材料 as Word and PDF, the briefing deck and
the main tables as Excel, in one .zip with Chinese file names.

`pack_tables(fetch, content)` asks the metrics layer for the tables while the page runs (the
viewer's scope applies); `monthly_pack(content, tables, watermark)` builds the files and can run
later, when the download is clicked; `export_pack(...)` does that, watermarks outside demo mode
and writes the audit line.

>>> pack_names("向塘镇", "2023年1-10月", ["主要指标"])[2:]
['向塘镇_2023年1-10月_医保工作汇报PPT.pptx', '向塘镇_2023年1-10月_主要指标.xlsx']
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from exports import watermark as marks
from exports.briefing import briefing_pptx
from exports.briefing_content import Content, render
from exports.docx_report import KPI_HEADER, briefing_docx, kpi_rows
from exports.excel import file_name, table_xlsx, unit_line
from exports.narrative import Fetch
from exports.pdf_report import briefing_pdf
from metrics import present
from metrics.model import QuerySpec

log = logging.getLogger("yibao")
AUDIT_ACTION = "export"
WHAT = "月度汇报包"
DOCUMENT = "医保工作运行情况汇报"
DECK = "医保工作汇报PPT"


@dataclass(frozen=True)
class Table:
    """A display table for the pack: its subject (file name and title) and display frame."""

    subject: str
    frame: pd.DataFrame


def pack_names(scope: str, period_label: str, subjects: Sequence[str]) -> list[str]:
    """File names inside the zip: '向塘镇_2023年1-10月_医保工作运行情况汇报.docx', …"""
    names = [
        file_name(scope, period_label, DOCUMENT, "docx"),
        file_name(scope, period_label, DOCUMENT, "pdf"),
        file_name(scope, period_label, DECK, "pptx"),
    ]
    return names + [file_name(scope, period_label, s, "xlsx") for s in subjects]


def zip_name(content: Content) -> str:
    return file_name(content.scope, content.period.label(), "月度汇报包", "zip")


def pack_tables(fetch: Fetch, content: Content) -> list[Table]:
    """主要指标, 预警事项 and, for the county, 各乡镇参保任务完成情况 (from the metrics layer)."""
    tables = [
        Table("主要指标", pd.DataFrame(kpi_rows(content), columns=KPI_HEADER)),
        Table(
            "预警事项",
            pd.DataFrame(
                [(i, a.area, a.text, a.severity.label) for i, a in enumerate(content.alerts, 1)],
                columns=["序号", "方面", "预警事项", "程度"],
            ),
        ),
    ]
    if content.township is None:
        ids = ["enrolled", "enroll_target", "enroll_completion"]
        frame = fetch(QuerySpec.make(ids, content.period, ["township"])).frame
        if not frame.empty:
            tables.append(Table("各乡镇参保任务完成情况", present.table(frame, ids, ["township"])))
    return tables


def monthly_pack(content: Content, tables: Sequence[Table], watermark: str | None = None) -> bytes:
    """The .zip (bytes); charts are rendered here, with the watermark outside demo mode."""
    drawn = render(content, watermark=watermark) if not content.charts else content
    scope, label = content.scope, content.period.label()
    names = pack_names(scope, label, [t.subject for t in tables])
    files = [
        briefing_docx(drawn, watermark),
        briefing_pdf(drawn, watermark),
        marks.pptx(briefing_pptx(drawn), watermark),
    ]
    for table in tables:
        book = table_xlsx(
            table.frame,
            title=f"{scope}{label}{table.subject}",
            unit_line=unit_line(table.frame),
            cutoff=content.cutoff,
            sheet=table.subject,
        )
        files.append(marks.xlsx(book, watermark))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in zip(names, files, strict=True):
            archive.writestr(name, data)  # non-ASCII names get the zip's UTF-8 flag
    return buffer.getvalue()


def export_pack(
    engine: Engine,
    username: str,
    content: Content,
    tables: Sequence[Table],
    *,
    demo: bool,
    when: str,
) -> bytes:
    """Builds the pack (watermarked '用户 时间' unless demo) and records it in the audit log.

    `engine` is the app store's (data_sources.app_store), where the audit log is.
    """
    from auth import store

    mark = None if demo else f"{username} {when}"
    data = monthly_pack(content, tables, mark)
    detail = f"{WHAT};范围:{content.scope};期间:{content.period.label()};文件{3 + len(tables)}个"
    try:
        store.audit(engine, username, AUDIT_ACTION, detail)
    except Exception:  # an app store that cannot be written: logged, as other exports
        log.exception("audit write failed: %s %s", username, detail)
    return data
