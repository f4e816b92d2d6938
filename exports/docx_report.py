"""汇报材料 as a Word document (python-docx), laid out after GB/T 9704-2012 (党政机关公文格式).

- A4, margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right (版心 156 × 225 mm);
- 标题 2号 (22 pt) 方正小标宋简体, centred; 正文 3号 (16 pt) 仿宋_GB2312, exactly 28 pt between
  lines (22 lines a page), first line indented two characters;
- headings 一、 in 黑体, (一) in 楷体_GB2312, then 1. in 仿宋_GB2312;
- page numbers "— 1 —" centred at the foot (a PAGE field, 4号 宋体);
- the KPI table as a 三线表 (thick top and bottom rules, a thin rule under the header).

The fonts are those of the bureau's Windows PCs and are named in the file (w:eastAsia on every
run and style). Where a PC lacks 方正小标宋简体, Word draws the title in its substitute (usually
宋体); `FALLBACK` says which free face the PDF (exports.pdf_report) uses for each.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from exports.briefing_content import Content
from exports.watermark import PREFIX

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
# Free faces used where the bureau's fonts are absent (the PDF rendered on this server).
FALLBACK = {
    TITLE_FONT: "Noto Serif CJK SC Bold",
    BODY_FONT: "Noto Serif CJK SC",
    HEADING1_FONT: "Noto Sans CJK SC Bold",
    HEADING2_FONT: "Noto Serif CJK SC",
    PAGE_NUMBER_FONT: "Noto Serif CJK SC",
}
SIZE_2 = Pt(22)  # 2号
SIZE_3 = Pt(16)  # 3号
SIZE_4 = Pt(14)  # 4号
SIZE_TABLE = Pt(12)  # 小4号 in tables and captions, so a five-column table fits the 版心
LINE = Pt(28)
TEXT_WIDTH = Mm(156)

STYLE_FONTS = {
    "Normal": (BODY_FONT, SIZE_3, False),
    "Title": (TITLE_FONT, SIZE_2, False),
    "Heading 1": (HEADING1_FONT, SIZE_3, False),
    "Heading 2": (HEADING2_FONT, SIZE_3, False),
    "Heading 3": (BODY_FONT, SIZE_3, False),
    "Caption": (BODY_FONT, SIZE_TABLE, False),
}
CHINESE_NUMERALS = "一二三四五六七八九十"


def set_fonts(element, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Sets w:rFonts ascii/hAnsi/eastAsia on a run's or a style's rPr (python-docx sets ascii)."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for key in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(key), latin)
    fonts.set(qn("w:eastAsia"), east_asian)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def _style(doc, name: str) -> None:
    font, size, bold = STYLE_FONTS[name]
    style = doc.styles[name]
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = None
    set_fonts(style.element, font)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if name in ("Normal", "Heading 1", "Heading 2", "Heading 3"):
        fmt.first_line_indent = Pt(32)  # two characters of 3号
    if name == "Title":
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt.line_spacing = Pt(36)  # a 22 pt title needs more than 28 pt
        fmt.space_after = Pt(28)
        # Title's built-in bottom border is not part of a 公文 title.
        ppr = style.element.get_or_add_pPr()
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)


def _run(paragraph, text: str, font: str, size=SIZE_3, bold: bool = False):
    run = paragraph.add_run(text)
    run.font.size = size
    run.font.bold = bold
    set_fonts(run._r, font)
    return run


def _field(paragraph, instruction: str, font: str, size) -> None:
    """A Word field (e.g. PAGE) as begin / instrText / separate / result / end runs."""
    for kind, text in (
        ("begin", None),
        ("instr", instruction),
        ("separate", None),
        ("text", "1"),
        ("end", None),
    ):
        run = _run(paragraph, "", font, size)
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
            run._r.append(el)
        elif kind == "text":
            run.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)


def _page_setup(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(28)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.paragraph_format.first_line_indent = Pt(0)
    _run(footer, "— ", PAGE_NUMBER_FONT, SIZE_4)
    _field(footer, "PAGE", PAGE_NUMBER_FONT, SIZE_4)
    _run(footer, " —", PAGE_NUMBER_FONT, SIZE_4)


def _heading(doc, level: int, text: str):
    font = {1: HEADING1_FONT, 2: HEADING2_FONT, 3: BODY_FONT}[level]
    para = doc.add_paragraph(style=f"Heading {level}")
    _run(para, text, font)
    return para


def _body(doc, text: str):
    para = doc.add_paragraph(style="Normal")
    _run(para, text, BODY_FONT)
    return para


def _caption(doc, text: str):
    para = doc.add_paragraph(style="Caption")
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.line_spacing = Pt(20)
    _run(para, text, BODY_FONT, SIZE_TABLE)
    return para


def _border(cell_or_tbl_pr, edges: dict[str, int], tag: str) -> None:
    borders = OxmlElement(tag)
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        size = edges.get(edge, 0)
        el.set(qn("w:val"), "single" if size else "nil")
        if size:
            el.set(qn("w:sz"), str(size))  # eighths of a point
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    cell_or_tbl_pr.append(borders)


def three_line_table(doc, header: list[str], rows: list[list[str]]):
    """A 三线表: 1.5 pt rules above and below the table, 0.75 pt under the header, nothing else."""
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblBorders")):
        tbl_pr.remove(old)
    _border(tbl_pr, {"top": 12, "bottom": 12}, "w:tblBorders")
    for i, values in enumerate([header, *rows]):
        for j, value in enumerate(values):
            cell = table.cell(i, j)
            para = cell.paragraphs[0]
            para.paragraph_format.first_line_indent = Pt(0)
            para.paragraph_format.line_spacing = Pt(22)
            para.alignment = WD_ALIGN_PARAGRAPH.LEFT if j == 0 else WD_ALIGN_PARAGRAPH.CENTER
            _run(para, value, HEADING1_FONT if i == 0 else BODY_FONT, SIZE_TABLE)
            if i == 0:
                _border(cell._tc.get_or_add_tcPr(), {"bottom": 6}, "w:tcBorders")
    return table


KPI_HEADER = ["指标", "数值", "说明", "状态"]


def kpi_rows(content: Content) -> list[list[str]]:
    """指标, 数值, 说明, 状态 per KPI, in 公文 punctuation."""
    from exports.wording import full_width

    return [[k.label, k.text, full_width(k.note) or "—", k.status_word] for k in content.kpis]


def sections(content: Content) -> list[tuple[str, str]]:
    """The document's outline as (level, text) pairs; shared with the PDF so both read alike."""
    out: list[tuple[str, str]] = []
    n = iter(CHINESE_NUMERALS)
    out.append(("h1", f"{next(n)}、医保工作运行情况"))
    out.append(("body", content.paragraph or "本期暂无可汇报的数据。"))
    if content.kpis:
        out.append(("h1", f"{next(n)}、主要指标完成情况"))
        out.append(("table", "表1 主要指标完成情况"))
    out.append(("h1", f"{next(n)}、预警事项"))
    if content.alerts:
        for i, alert in enumerate(content.alerts, start=1):
            out.append(("h3", f"{i}.{alert.area}:{alert.text}。".replace("。。", "。")))
    else:
        out.append(("body", "各项指标均未落后于时序进度。"))
    if content.charts:
        out.append(("h1", f"{next(n)}、重点图表"))
        sub = iter(CHINESE_NUMERALS)
        for i, chart in enumerate(content.charts, start=1):
            out.append(("h2", f"({next(sub)}){chart.subject}"))
            out.append(("chart", str(i - 1)))
    return out


def _watermark(doc, mark: str) -> None:
    """'导出:user time' small and grey at the right of every page's header (not in demo mode)."""
    header = doc.sections[0].header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.paragraph_format.first_line_indent = Pt(0)
    run = _run(header, f"{PREFIX}{mark}", BODY_FONT, Pt(9))
    run.font.color.rgb = RGBColor(0x80, 0x80, 0x80)
    doc.core_properties.keywords = f"{PREFIX}{mark}"


def briefing_docx(content: Content, watermark: str | None = None) -> bytes:
    """The 汇报材料 (.docx bytes) for rendered content (`briefing_content.render`);
    `watermark` ('user 2026-11-23 20:15', outside demo mode) goes in the page header."""
    from exports.wording import full_width

    doc = Document()
    for name in STYLE_FONTS:
        _style(doc, name)
    _page_setup(doc)
    if watermark:
        _watermark(doc, watermark)
    title = doc.add_paragraph(style="Title")
    _run(title, content.title, TITLE_FONT, SIZE_2)
    for kind, text in sections(content):
        if kind == "h1":
            _heading(doc, 1, text)
        elif kind == "h2":
            _heading(doc, 2, full_width(text))
        elif kind == "h3":
            _heading(doc, 3, full_width(text))
        elif kind == "body":
            _body(doc, text)
        elif kind == "table":
            _caption(doc, text)
            three_line_table(doc, KPI_HEADER, kpi_rows(content))
            _caption(doc, content.cutoff)
        elif kind == "chart":
            chart = content.charts[int(text)]
            para = doc.add_paragraph()
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            para.paragraph_format.first_line_indent = Pt(0)
            para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            run = _run(para, "", BODY_FONT)
            run.add_picture(io.BytesIO(chart.png), width=TEXT_WIDTH)
            _caption(doc, f"图{int(text) + 1} {chart.subject}")
            _body(doc, chart.note)
    sign = doc.add_paragraph(style="Normal")
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sign.paragraph_format.space_before = LINE
    _run(sign, content.organisation, BODY_FONT)
    date = doc.add_paragraph(style="Normal")
    date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(date, content.cutoff, BODY_FONT)
    doc.core_properties.title = content.title
    doc.core_properties.author = content.organisation
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
