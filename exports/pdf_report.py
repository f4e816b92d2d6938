"""汇报材料 as PDF (fpdf2), the same outline as the Word file, with its Chinese text embedded.

fpdf2 is pure Python (through fontTools), works offline, reads the OpenType/CFF faces of Debian's
fonts-noto-cjk from their .ttc collections (`collection_font_number`) and embeds only the glyphs
used (a few hundred KB instead of the 20 MB font), so the text is searchable and copyable in any
viewer. The bureau's faces are not on a Linux server; their free stand-ins (docx_report.FALLBACK):
宋体/仿宋/小标宋 -> Noto Serif CJK SC (Bold for the title), 黑体 -> Noto Sans CJK SC Bold.
"""

from __future__ import annotations

import io
import tempfile
from functools import lru_cache
from pathlib import Path

from exports import ExportError
from exports.briefing_content import Content
from exports.docx_report import KPI_HEADER, kpi_rows, sections
from exports.fonts import NO_FONT_MESSAGE, fc_list_chinese, find_cjk_font
from exports.watermark import PREFIX
from exports.wording import full_width

MM = 72 / 25.4  # points per millimetre
PAGE_W, PAGE_H = 210 * MM, 297 * MM
TOP, BOTTOM, LEFT, RIGHT = 37 * MM, 35 * MM, 28 * MM, 26 * MM
TEXT_W = PAGE_W - LEFT - RIGHT
LINE = 28  # pt, as the Word file
INDENT = "\u3000\u3000"  # two full-width spaces: the first-line indent of a 公文 paragraph
# (family, style) wanted for each role, best first.
FACES = {
    "serif": (("Noto Serif CJK SC", "Regular"), ("Source Han Serif SC", "Regular")),
    "title": (("Noto Serif CJK SC", "Bold"), ("Noto Sans CJK SC", "Bold")),
    "heading": (("Noto Sans CJK SC", "Bold"), ("Noto Sans CJK SC", "Regular")),
}


def _fontconfig() -> list[tuple[str, int, str, str]]:
    """(file, index in its collection, family, style) of the fonts covering Chinese."""
    rows = []
    for line in fc_list_chinese("%{file}\t%{index}\t%{family[0]}\t%{style[0]}"):
        parts = line.split("\t")
        if len(parts) == 4 and parts[1].isdigit():
            rows.append((parts[0], int(parts[1]), parts[2], parts[3]))
    return rows


@lru_cache(maxsize=1)
def faces() -> dict[str, tuple[str, int]]:
    """(file, index in its collection) for each role; any CJK font stands in for a missing face.

    Raises ExportError (in Chinese) when the machine has no CJK font at all.
    """
    found = _fontconfig()
    fallback = find_cjk_font()
    out: dict[str, tuple[str, int]] = {}
    for role, wanted in FACES.items():
        for family, style in wanted:
            hit = next((f for f in found if f[2] == family and f[3] == style), None)
            if hit and Path(hit[0]).exists():
                out[role] = (hit[0], hit[1])
                break
        else:
            if fallback is None:
                raise ExportError(NO_FONT_MESSAGE)
            out[role] = (str(fallback[1]), 0)
    return out


def truetype_subset(file: str, index: int, text: str) -> bytes:
    """The glyphs of `text` from a CJK face as a small TrueType font.

    Noto CJK is OpenType/CFF; fpdf2 writes CFF CID fonts with a custom encoding CMap that
    common extractors (pypdf, pdfminer) cannot read, so the text would not be searchable
    there. Quadratic (TrueType) outlines are embedded as CIDFontType2 with Identity-H, which
    every reader handles. Converting only the used glyphs takes well under a second.
    """
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(file, fontNumber=index, lazy=True)
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    if "glyf" not in font:
        order = font.getGlyphOrder()
        glyph_set = font.getGlyphSet()
        glyphs = {}
        for name in order:
            pen = TTGlyphPen(glyph_set)
            glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyphs[name] = pen.glyph()
        font["loca"] = newTable("loca")
        glyf = font["glyf"] = newTable("glyf")
        glyf.glyphOrder, glyf.glyphs = order, glyphs
        for tag in ("CFF ", "VORG"):
            if tag in font:
                del font[tag]
        maxp = font["maxp"] = newTable("maxp")
        maxp.tableVersion = 0x00010000
        for key in (
            "maxTwilightPoints",
            "maxStorage",
            "maxFunctionDefs",
            "maxInstructionDefs",
            "maxStackElements",
            "maxSizeOfInstructions",
            "maxComponentElements",
        ):
            setattr(maxp, key, 0)
        maxp.maxZones = 1
        post = font["post"]
        post.formatType, post.extraNames, post.mapping = 2.0, [], {}
        post.glyphOrder = order
        font["head"].glyphDataFormat = 0
        font.sfntVersion = "\000\001\000\000"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _charset(content: Content, mark: str | None = None) -> str:
    """Every character the document may draw (subset fonts carry only these)."""
    import string

    parts = [content.title, content.cutoff, content.organisation, *KPI_HEADER, string.printable]
    parts += [PREFIX, mark or ""]
    parts += [full_width(text) for _, text in sections(content)]
    parts += ["".join(row) for row in kpi_rows(content)]
    parts += [c.subject + full_width(c.note) for c in content.charts]
    parts += ["—图表\u3000本期暂无可汇报的数据。"]
    return "".join(sorted(set("".join(parts))))


def _pdf(content: Content, folder: Path, mark: str | None = None):
    from fpdf import FPDF

    class Report(FPDF):
        def footer(self) -> None:
            self.set_y(-28 * MM)
            self.set_font("serif", size=14)
            self.cell(0, 20, f"— {self.page_no()} —", align="C")
            if mark:
                self.set_xy(LEFT, 15 * MM)
                self.set_font("serif", size=9)
                self.set_text_color(128)
                self.cell(TEXT_W, 12, f"{PREFIX}{mark}", align="R")
                self.set_text_color(0)

    pdf = Report(unit="pt", format="A4")
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(True, margin=BOTTOM)
    text = _charset(content, mark)
    for role, (file, index) in faces().items():
        path = folder / f"{role}.ttf"
        path.write_bytes(truetype_subset(file, index, text))
        pdf.add_font(role, "", str(path))
    pdf.set_title(content.title)
    pdf.set_author(content.organisation)
    pdf.set_creator("医保决策驾驶舱")
    pdf.set_lang("zh-CN")
    return pdf


# Line-breaking rules (禁则): these never begin a line, those never end one; digits, decimals
# and percentages stay in one piece ("98.15%" is never split).
NO_START = set("\uff0c\u3002\u3001\uff1b\uff1a\uff1f\uff01\uff09\u300b\u201d\u2019%)\u2026,.;:")
NO_END = set("\uff08\u300a\u201c\u2018(")


def _tokens(text: str) -> list[str]:
    """Unbreakable pieces: runs of Latin letters/digits/./%/-, single CJK characters, with
    closing punctuation glued to the piece before and opening punctuation to the piece after."""
    pieces: list[str] = []
    for ch in text:
        latin = ch.isascii() and (ch.isalnum() or ch in ".%-")
        if (
            pieces
            and latin
            and pieces[-1][-1].isascii()
            and (pieces[-1][-1].isalnum() or pieces[-1][-1] in ".%-")
        ) or (pieces and (ch in NO_START or pieces[-1][-1] in NO_END)):
            pieces[-1] += ch
        else:
            pieces.append(ch)
    return pieces


def break_lines(measure, text: str, width: float) -> list[str]:
    """Greedy lines no wider than `width` (as `measure` says), following the rules above."""
    lines, current = [], ""
    for piece in _tokens(text):
        if current and measure(current + piece) > width:
            lines.append(current)
            current = piece
        else:
            current += piece
    if current:
        lines.append(current)
    return lines


def _text(pdf, text: str, font: str, size: float, *, line: float = LINE, align="J"):
    """A paragraph; justified lines are spread to the full width, as Word justifies Chinese."""
    pdf.set_font(font, size=size)
    pdf.set_x(LEFT)
    lines = break_lines(pdf.get_string_width, text, TEXT_W)
    for i, row in enumerate(lines):
        if pdf.get_y() + line > pdf.page_break_trigger:
            pdf.add_page()
        spacing = 0.0
        if align == "J" and i < len(lines) - 1 and len(row) > 1:
            spacing = max(0.0, (TEXT_W - pdf.get_string_width(row)) / (len(row) - 1))
            spacing = min(spacing, size * 0.15)
        pdf.set_char_spacing(spacing)
        pdf.cell(
            TEXT_W, line, row, align={"J": "L"}.get(align, align), new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_char_spacing(0)


def _table(pdf, header: list[str], rows: list[list[str]]) -> None:
    """A 三线表: thick rules above and below, a thin one under the header; rows never split."""
    widths = [w * TEXT_W for w in (0.28, 0.17, 0.43, 0.12)]
    size, line = 11, 17

    def draw(values: list[str], font: str) -> None:
        pdf.set_font(font, size=size)
        cells = [
            break_lines(pdf.get_string_width, v, w - 6) for w, v in zip(widths, values, strict=True)
        ]
        h = line * max(len(c) for c in cells) + 6
        if pdf.get_y() + h > pdf.page_break_trigger:
            pdf.add_page()
        y, x = pdf.get_y(), LEFT
        for j, (w, lines) in enumerate(zip(widths, cells, strict=True)):
            for k, text in enumerate(lines):
                pdf.set_xy(x + 3, y + 3 + k * line)
                pdf.cell(w - 6, line, text, align="L" if j == 0 else "C")
            x += w
        pdf.set_xy(LEFT, y + h)

    pdf.set_line_width(1.5)
    pdf.line(LEFT, pdf.get_y(), LEFT + TEXT_W, pdf.get_y())
    draw(header, "heading")
    pdf.set_line_width(0.75)
    pdf.line(LEFT, pdf.get_y(), LEFT + TEXT_W, pdf.get_y())
    for row in rows:
        draw(row, "serif")
    pdf.set_line_width(1.5)
    pdf.line(LEFT, pdf.get_y(), LEFT + TEXT_W, pdf.get_y())
    pdf.ln(6)


def _image(pdf, png: bytes) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        w, h = im.size
    height = TEXT_W * h / w
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=LEFT, y=pdf.get_y(), w=TEXT_W, h=height)
    pdf.set_y(pdf.get_y() + height + 4)


def briefing_pdf(content: Content, watermark: str | None = None) -> bytes:
    """The 汇报材料 as PDF bytes: title, paragraph, KPI 三线表, 预警事项, charts, signature;
    `watermark` (outside demo mode) is printed small and grey at the top right of each page."""
    with tempfile.TemporaryDirectory(prefix="yibao-pdf-") as folder:
        return _layout(content, _pdf(content, Path(folder), watermark))


def _layout(content: Content, pdf) -> bytes:
    pdf.add_page()
    pdf.set_y(TOP + 10)
    _text(pdf, content.title, "title", 22, line=36, align="C")
    pdf.ln(LINE)
    for kind, text in sections(content):
        if kind == "h1":
            if pdf.get_y() + 3 * LINE > pdf.page_break_trigger:
                pdf.add_page()  # a heading never ends a page
            _text(pdf, INDENT + text, "heading", 16)
        elif kind == "h2":
            if pdf.get_y() + LINE + 0.5 * TEXT_W > pdf.page_break_trigger:
                pdf.add_page()  # keep a chart's heading with the chart
            _text(pdf, INDENT + full_width(text), "serif", 16)
        elif kind == "h3":
            _text(pdf, INDENT + full_width(text), "serif", 16)
        elif kind == "body":
            _text(pdf, INDENT + text, "serif", 16)
        elif kind == "table":
            _text(pdf, text, "serif", 12, line=20, align="C")
            _table(pdf, KPI_HEADER, kpi_rows(content))
            _text(pdf, content.cutoff, "serif", 10.5, line=16, align="C")
            pdf.ln(8)
        elif kind == "chart":
            chart = content.charts[int(text)]
            _image(pdf, chart.png)
            _text(pdf, f"图{int(text) + 1} {chart.subject}", "serif", 12, line=20, align="C")
            _text(pdf, INDENT + chart.note, "serif", 16)
    pdf.ln(LINE)
    _text(pdf, content.organisation, "serif", 16, align="R")
    _text(pdf, content.cutoff, "serif", 16, align="R")
    return bytes(pdf.output())
