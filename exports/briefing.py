"""The briefing pack (.pptx, python-pptx): a title slide, the report paragraph, and one slide per
headline chart with its note. Every run carries an East Asian typeface (<a:ea>), so PowerPoint
and WPS draw the Chinese with 微软雅黑 instead of a fallback that may lack glyphs.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Emu, Inches, Pt

EA_FONT = "微软雅黑"
LATIN_FONT = "Arial"
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
DARK = RGBColor(0x1F, 0x3B, 0x5C)
GREY = RGBColor(0x59, 0x59, 0x59)
ORGANISATION = "县医疗保障局"


def set_east_asian_font(run, typeface: str = EA_FONT, latin: str = LATIN_FONT) -> None:
    """Sets <a:latin> and <a:ea> on a run (python-pptx only sets latin)."""
    run.font.name = latin
    rpr = run._r.get_or_add_rPr()
    for tag in ("a:ea", "a:cs"):
        for old in rpr.findall(qn(tag)):
            rpr.remove(old)
    latin_el = rpr.find(qn("a:latin"))
    ea = OxmlElement("a:ea")
    ea.set("typeface", typeface)
    cs = OxmlElement("a:cs")
    cs.set("typeface", typeface)
    latin_el.addnext(ea)
    ea.addnext(cs)


def _text(slide, left, top, width, height, text: str, size: int, *, bold=False, color=None):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        if color is not None:
            run.font.color.rgb = color
    return box


def _apply_fonts(prs) -> None:
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                for para in shape.text_frame.paragraphs:
                    for run in para.runs:
                        set_east_asian_font(run)


def _picture_size(png: bytes, max_w: int, max_h: int) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        w, h = im.size
    ratio = min(max_w / w, max_h / h)
    return int(w * ratio), int(h * ratio)


def briefing_pptx(
    paragraph: str,
    charts: Sequence[tuple[str, bytes, str]],
    scope: str,
    period_label: str,
    cutoff: str,
) -> bytes:
    """The pack as .pptx bytes; `charts` are (slide title, PNG bytes, note) in slide order."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    blank = prs.slide_layouts[6]
    margin = Inches(0.6)
    inner = SLIDE_W - 2 * margin

    title = prs.slides.add_slide(blank)
    _text(
        title,
        margin,
        Inches(2.3),
        inner,
        Inches(1.2),
        f"{scope}医保工作运行情况",
        36,
        bold=True,
        color=DARK,
    )
    _text(title, margin, Inches(3.5), inner, Inches(0.6), period_label, 24, color=DARK)
    _text(
        title, margin, Inches(5.6), inner, Inches(0.9), f"{ORGANISATION}\n{cutoff}", 14, color=GREY
    )

    text = prs.slides.add_slide(blank)
    _text(
        text,
        margin,
        Inches(0.4),
        inner,
        Inches(0.8),
        "一、医保工作运行情况",
        26,
        bold=True,
        color=DARK,
    )
    body = _text(text, margin, Inches(1.4), inner, Inches(5.2), paragraph, 18)
    body.text_frame.paragraphs[0].line_spacing = 1.4
    _text(text, margin, Inches(6.8), inner, Inches(0.4), cutoff, 11, color=GREY)

    for chart_title, png, note in charts:
        slide = prs.slides.add_slide(blank)
        _text(
            slide, margin, Inches(0.3), inner, Inches(0.7), chart_title, 22, bold=True, color=DARK
        )
        max_h = Inches(5.3) if note else Inches(6.0)
        w, h = _picture_size(png, int(inner), int(max_h))
        left = Emu(int((SLIDE_W - w) / 2))
        slide.shapes.add_picture(io.BytesIO(png), left, Inches(1.1), width=Emu(w), height=Emu(h))
        if note:
            _text(slide, margin, Inches(6.55), inner, Inches(0.8), note, 14, color=GREY)

    _apply_fonts(prs)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()
