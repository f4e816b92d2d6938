"""A discreet 'user time' mark on exported workbooks and slides (not in demo mode).

Applied after the file is built, so every exporter stays unchanged: Excel gets the mark in the
page header of every sheet (printed) and in the document properties; slides get a small grey
text box at the bottom right.
"""

from __future__ import annotations

import io

PREFIX = "导出:"


def xlsx(data: bytes, mark: str | None) -> bytes:
    if not mark:
        return data
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        ws.oddHeader.right.text = f"{PREFIX}{mark}"
        ws.oddHeader.right.size = 8
        ws.oddHeader.right.color = "808080"
    wb.properties.creator = mark.split(" ")[0]
    wb.properties.keywords = f"{PREFIX}{mark}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pptx(data: bytes, mark: str | None) -> bytes:
    if not mark:
        return data
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    prs = Presentation(io.BytesIO(data))
    width, height = prs.slide_width, prs.slide_height
    for slide in prs.slides:
        box = slide.shapes.add_textbox(
            width - Inches(3.6), height - Inches(0.4), Inches(3.4), Inches(0.3)
        )
        para = box.text_frame.paragraphs[0]
        run = para.add_run()
        run.text = f"{PREFIX}{mark}"
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor(0x99, 0x99, 0x99)
        from pptx.enum.text import PP_ALIGN

        para.alignment = PP_ALIGN.RIGHT
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
