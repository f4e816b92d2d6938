"""The 汇报材料 as Word and PDF: read back with python-docx and pypdf.

Word: GB/T 9704 styles and fonts (East Asian font on every run), 一、(一)1. numbering, the PAGE
field in the footer, a 三线表 whose values equal the metrics layer's, one picture per chart.
PDF: the paragraph is in the extracted text (CJK searchable) and every font is embedded.
"""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from sqlalchemy import Engine

from exports.briefing_content import Content
from exports.docx_report import briefing_docx
from exports.pdf_report import break_lines, briefing_pdf
from metrics import present
from metrics.execute import execute
from metrics.model import QuerySpec, Viewer
from tests.briefing.conftest import OCT_2023


def _east_asian(element) -> str | None:
    rpr = element.find(qn("w:rPr"))
    fonts = None if rpr is None else rpr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


@pytest.fixture(scope="module")
def docx(county: Content):
    return Document(io.BytesIO(briefing_docx(county)))


def test_styles_follow_gbt_9704(docx) -> None:
    expect = {
        "Title": ("方正小标宋简体", Pt(22)),
        "Normal": ("仿宋_GB2312", Pt(16)),
        "Heading 1": ("黑体", Pt(16)),
        "Heading 2": ("楷体_GB2312", Pt(16)),
        "Heading 3": ("仿宋_GB2312", Pt(16)),
    }
    for name, (font, size) in expect.items():
        style = docx.styles[name]
        assert _east_asian(style.element) == font, name
        assert style.font.size == size, name
    normal = docx.styles["Normal"].paragraph_format
    assert normal.line_spacing == Pt(28)
    assert normal.line_spacing_rule is not None and "EXACTLY" in str(normal.line_spacing_rule)
    section = docx.sections[0]
    # Word stores twips: compare in millimetres to a tenth.
    sizes = (section.page_width, section.page_height, section.top_margin, section.left_margin)
    assert [round(s.mm, 1) for s in sizes] == [210, 297, 37, 28]


def test_every_run_names_an_east_asian_font(docx) -> None:
    runs = [r for p in docx.paragraphs for r in p.runs]
    runs += [
        r
        for t in docx.tables
        for row in t.rows
        for c in row.cells
        for p in c.paragraphs
        for r in p.runs
    ]
    runs += [r for p in docx.sections[0].footer.paragraphs for r in p.runs]
    assert len(runs) > 30
    missing = [r.text for r in runs if not _east_asian(r._r)]
    assert not missing


def test_numbering_levels_and_title(docx, county: Content) -> None:
    by_style: dict[str, list[str]] = {}
    for p in docx.paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert by_style["Title"] == ["全县2023年1-10月医保工作运行情况汇报"]
    assert by_style["Heading 1"] == [
        "一、医保工作运行情况",
        "二、主要指标完成情况",
        "三、预警事项",
        "四、重点图表",
    ]
    h2 = by_style["Heading 2"]
    assert [t[:3] for t in h2] == ["（一）", "（二）", "（三）", "（四）", "（五）"][: len(h2)]
    assert len(h2) == len(county.charts) >= 4
    h3 = by_style["Heading 3"]
    assert h3 and all(re.match(rf"{i}\.", t) for i, t in enumerate(h3, start=1))
    assert county.paragraph in [p.text for p in docx.paragraphs]


def test_footer_has_centred_page_field(docx) -> None:
    footer = docx.sections[0].footer.paragraphs[0]
    xml = footer._p.xml
    assert "PAGE" in "".join(t.text for t in footer._p.iter(qn("w:instrText")))
    assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert "CENTER" in str(footer.alignment)


def test_kpi_table_is_three_line_and_equals_metrics(docx, demo_engine: Engine) -> None:
    table = docx.tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["指标", "数值", "说明", "状态"]
    values = {r[0]: r[1] for r in rows[1:]}
    result = execute(
        demo_engine,
        QuerySpec.make(["enrolled", "enroll_completion", "fund_income", "drg_execution"], OCT_2023),
        Viewer(),
    )
    for label, mid in (
        ("参保人数", "enrolled"),
        ("参保任务完成率", "enroll_completion"),
        ("基金收入", "fund_income"),
        ("DRG预算执行率", "drg_execution"),
    ):
        assert values[label] == present.text(mid, result.value(mid), township=False)
    assert values["参保人数"] == "94.52万人" and values["基金收入"] == "9.28亿元"
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    sizes = {el.tag.split("}")[1]: el.get(qn("w:sz")) for el in borders}
    assert sizes["top"] == "12" and sizes["bottom"] == "12"
    assert borders.find(qn("w:insideH")).get(qn("w:val")) == "nil"
    header_bottom = table.cell(0, 0)._tc.tcPr.find(qn("w:tcBorders")).find(qn("w:bottom"))
    assert header_bottom.get(qn("w:sz")) == "6"
    # DRG is a budget: a hospital paying ahead of time progress is 超进度, never 滞后.
    assert "滞后" not in [r[3] for r in rows if r[0] == "DRG预算执行率"]


def test_one_picture_per_chart_with_caption(docx, county: Content) -> None:
    blips = docx.element.body.findall(".//" + qn("a:blip"))
    assert len(blips) == len(county.charts)
    captions = [p.text for p in docx.paragraphs if p.style.name == "Caption"]
    for i, chart in enumerate(county.charts, start=1):
        assert f"图{i} {chart.subject}" in captions


def test_township_document_in_whole_persons(township: Content) -> None:
    doc = Document(io.BytesIO(briefing_docx(township)))
    title = next(p.text for p in doc.paragraphs if p.style.name == "Title")
    assert title.startswith("向塘镇2023年1-10月")
    rows = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows}
    assert re.fullmatch(r"[\d,]+人", rows["参保人数"]), rows["参保人数"]
    assert "基金收入" not in rows


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_pdf_text_is_searchable_and_fonts_embedded(county: Content) -> None:
    data = briefing_pdf(county)
    text = _pdf_text(data)
    assert re.sub(r"\s+", "", county.paragraph) in text
    assert "一、医保工作运行情况" in text and "表1主要指标完成情况" in text
    assert "—1—" in text  # the page number
    # A second, independent extractor reads the same text (the fonts map glyphs to Unicode).
    from pdfminer.high_level import extract_text

    mined = re.sub(r"\s+", "", extract_text(io.BytesIO(data)))
    assert re.sub(r"\s+", "", county.paragraph) in mined
    reader = pypdf.PdfReader(io.BytesIO(data))
    fonts = {}
    for page in reader.pages:
        for name, ref in page["/Resources"]["/Font"].items():
            fonts[name] = ref.get_object()
    assert fonts
    for font in fonts.values():
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
    assert len(reader.pages) >= 3


def test_pdf_lines_keep_numbers_whole_and_punctuation_off_line_starts() -> None:
    text = "预算执行率80.65%\uff08时序进度83.33%\uff09\uff0c同比下降0.25个百分点。"
    lines = break_lines(len, text, 8)  # one unit per character, eight to a line
    assert "".join(lines) == text
    assert lines == [
        "预算执行率",  # "80.65%" (6 units) does not fit after five characters
        "80.65%\uff08时",  # the opening bracket goes with the character after it
        "序进度",
        "83.33%\uff09\uff0c",  # closing punctuation stays on the line before
        "同比下降0.25",
        "个百分点。",
    ]
