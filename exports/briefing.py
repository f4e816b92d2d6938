"""The briefing deck (.pptx, python-pptx) for a meeting: a title slide, the report paragraph,
a KPI slide (cards with their status), a 预警事项 slide, and one slide per headline chart.

Text is sized for a projector (titles 32 pt, card values 36 pt, body 20 pt); every slide's
speaker notes carry its figures, so the presenter can read them out. Every run carries an East
Asian typeface (<a:ea>), so PowerPoint and WPS draw the Chinese with 微软雅黑 instead of a
fallback that may lack glyphs. A township's deck is titled with the township and its persons
are whole persons (the content comes from exports.briefing_content).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Emu, Inches, Pt

from exports.briefing_content import Content, Kpi
from exports.wording import full_width
from metrics.status import Status

EA_FONT = "微软雅黑"
LATIN_FONT = "Arial"
SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
DARK = RGBColor(0x1F, 0x3B, 0x5C)
GREY = RGBColor(0x59, 0x59, 0x59)
CARD_FILL = RGBColor(0xF4, 0xF6, 0xF9)
TITLE_SIZE = 32
BODY_SIZE = 20
CARD_VALUE_SIZE = 36
ALERTS_PER_SLIDE = 8
MARGIN = Inches(0.6)
INNER = SLIDE_W - 2 * MARGIN


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


def _rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color.lstrip("#").upper())


def _text(
    slide, left, top, width, height, text: str, size: int, *, bold=False, color=None, align=None
):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(text.split("\n")):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        if align is not None:
            para.alignment = align
        run = para.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        if color is not None:
            run.font.color.rgb = color
    return box


def _title(slide, text: str) -> None:
    _text(slide, MARGIN, Inches(0.3), INNER, Inches(0.9), text, TITLE_SIZE, bold=True, color=DARK)


def _footer(slide, content: Content) -> None:
    line = f"{content.scope} {content.period.label()}  {content.cutoff}"
    _text(slide, MARGIN, Inches(7.0), Inches(8.5), Inches(0.4), line, 12, color=GREY)


def _notes(slide, text: str) -> None:
    slide.notes_slide.notes_text_frame.text = text


def _apply_fonts(prs) -> None:
    for slide in prs.slides:
        frames = [s.text_frame for s in slide.shapes if s.has_text_frame]
        if slide.has_notes_slide:
            frames.append(slide.notes_slide.notes_text_frame)
        for frame in frames:
            for para in frame.paragraphs:
                for run in para.runs:
                    set_east_asian_font(run)


def _picture_size(png: bytes, max_w: int, max_h: int) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        w, h = im.size
    ratio = min(max_w / w, max_h / h)
    return int(w * ratio), int(h * ratio)


def kpi_line(k: Kpi) -> str:
    """'参保任务完成率:94.50%(时序进度98.15%),预警' for the speaker notes."""
    note = f"({k.note})" if k.note else ""
    status = f",{k.status_word}" if k.status is not Status.NONE else ""
    return full_width(f"{k.label}:{k.text}{note}{status}")


def fit_size(text: str, width_in: float, largest: int) -> int:
    """The largest point size up to `largest` at which `text` fits on one line of `width_in`
    inches (a CJK character is 1 em wide, a digit or Latin letter about 0.55 em)."""
    ems = sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in text) or 1.0
    return max(12, min(largest, int(width_in * 72 / ems)))


def _card(slide, left, top, width, height, k: Kpi) -> None:
    """A KPI card: label with its status word (in the status colour), the value large, the note.

    The card's outline takes the status colour too, so the status reads from across the room.
    """
    shape = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, left, top, width, height)
    shape.fill.solid()
    shape.fill.fore_color.rgb = CARD_FILL
    shape.line.color.rgb = _rgb(k.status.color) if k.status is not Status.NONE else CARD_FILL
    shape.line.width = Pt(3)
    shape.shadow.inherit = False
    pad = Inches(0.15)
    inner_w = width - 2 * pad
    inner_in = inner_w / 914400
    status = f"  ●{k.status_word}" if k.status is not Status.NONE else ""
    box = _text(
        slide,
        left + pad,
        top + pad,
        inner_w,
        Inches(0.5),
        k.label,
        fit_size(k.label + status, inner_in, 18),
        color=GREY,
    )
    if status:
        para = box.text_frame.paragraphs[0]
        run = para.add_run()
        run.text = status
        run.font.size = para.runs[0].font.size
        run.font.bold = True
        run.font.color.rgb = _rgb(k.status.color)
    _text(
        slide,
        left + pad,
        top + Inches(0.65),
        inner_w,
        Inches(0.8),
        k.text,
        fit_size(k.text, inner_in, CARD_VALUE_SIZE),
        bold=True,
        color=DARK,
    )
    if k.note:
        _text(
            slide,
            left + pad,
            top + Inches(1.5),
            inner_w,
            Inches(0.8),
            full_width(k.note),
            14,
            color=GREY,
        )


def _kpi_slide(prs, content: Content) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _title(slide, "主要指标完成情况")
    cols = 4 if len(content.kpis) > 6 else 3
    gap = Inches(0.25)
    width = Emu(int((INNER - (cols - 1) * gap) / cols))
    height = Inches(2.4)
    for i, k in enumerate(content.kpis):
        row, col = divmod(i, cols)
        left = Emu(int(MARGIN + col * (width + gap)))
        top = Emu(int(Inches(1.35) + row * (height + gap)))
        _card(slide, left, top, width, height, k)
    _footer(slide, content)
    _notes(slide, "\n".join(kpi_line(k) for k in content.kpis))


def _chunks(items: Sequence, size: int) -> list[Sequence]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _alert_slides(prs, content: Content) -> None:
    pages = _chunks(content.alerts, ALERTS_PER_SLIDE)
    for n, page in enumerate(pages, start=1):
        slide = prs.slides.add_slide(prs.slide_layouts[6])
        suffix = f"\uff08{n}/{len(pages)}\uff09" if len(pages) > 1 else ""
        _title(slide, f"预警事项{suffix}")
        box = slide.shapes.add_textbox(MARGIN, Inches(1.35), INNER, Inches(5.4))
        frame = box.text_frame
        frame.word_wrap = True
        if not page:
            run = frame.paragraphs[0].add_run()
            run.text = "各项指标均未落后于时序进度。"
            run.font.size = Pt(BODY_SIZE + 4)
        for i, alert in enumerate(page):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.space_after = Pt(8)
            dot = para.add_run()
            dot.text = "● "
            dot.font.size = Pt(BODY_SIZE)
            dot.font.color.rgb = _rgb(alert.severity.color)
            area = para.add_run()
            area.text = f"{alert.area}\uff1a"
            area.font.size = Pt(BODY_SIZE)
            area.font.bold = True
            body = para.add_run()
            body.text = alert.text
            body.font.size = Pt(BODY_SIZE)
        _footer(slide, content)
        _notes(
            slide,
            "\n".join(f"{a.area}\uff1a{a.text}" for a in page) or "各项指标均未落后于时序进度。",
        )


def briefing_pptx(content: Content) -> bytes:
    """The deck as .pptx bytes, from rendered content (`briefing_content.render`)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    blank = prs.slide_layouts[6]

    title = prs.slides.add_slide(blank)
    _text(
        title,
        MARGIN,
        Inches(2.2),
        INNER,
        Inches(1.2),
        f"{content.scope}医保工作运行情况",
        44,
        bold=True,
        color=DARK,
    )
    _text(title, MARGIN, Inches(3.5), INNER, Inches(0.7), content.period.label(), 28, color=DARK)
    _text(
        title,
        MARGIN,
        Inches(5.6),
        INNER,
        Inches(0.9),
        f"{content.organisation}\n{content.cutoff}",
        18,
        color=GREY,
    )
    _notes(title, f"{content.title}。{content.cutoff}")

    text = prs.slides.add_slide(blank)
    _title(text, "一、医保工作运行情况")
    body = _text(text, MARGIN, Inches(1.3), INNER, Inches(5.5), content.paragraph, BODY_SIZE)
    for para in body.text_frame.paragraphs:
        para.line_spacing = 1.3
    _footer(text, content)
    _notes(text, content.paragraph)

    if content.kpis:
        _kpi_slide(prs, content)
    _alert_slides(prs, content)

    for chart in content.charts:
        slide = prs.slides.add_slide(blank)
        _title(slide, chart.subject)
        max_h = Inches(5.0) if chart.note else Inches(5.6)
        w, h = _picture_size(chart.png, int(INNER), int(max_h))
        left = Emu(int((SLIDE_W - w) / 2))
        slide.shapes.add_picture(
            io.BytesIO(chart.png), left, Inches(1.2), width=Emu(w), height=Emu(h)
        )
        if chart.note:
            _text(slide, MARGIN, Inches(6.2), INNER, Inches(0.7), chart.note, 18, color=DARK)
        _footer(slide, content)
        _notes(slide, f"{chart.subject}。{chart.note}")

    _apply_fonts(prs)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()
