"""The briefing pack opens with python-pptx: slides, pictures, text and East Asian fonts."""

from __future__ import annotations

import io
import json

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn
from sqlalchemy import Engine, select

from data_sources.schema import township
from exports.briefing import EA_FONT, briefing_pptx
from exports.headlines import headline_charts
from exports.images import chart_png
from exports.narrative import report_paragraph
from metrics.execute import execute
from metrics.model import Period, Viewer
from ui.charts import ChartText

OCT_2023 = Period(2023, 10)
XIANGTANG = "360121101"
CUTOFF = "数据截至:2023年10月31日"


def _pack(engine: Engine, viewer: Viewer, town: str | None, scope: str):
    def fetch(spec):
        return execute(engine, spec, viewer)

    def text(subject: str, unit: str) -> ChartText:
        return ChartText(f"{scope} {OCT_2023.label()} {subject}", unit, CUTOFF)

    heads = headline_charts(fetch, OCT_2023, town, text)
    paragraph = report_paragraph(fetch, OCT_2023, town)
    images = [(h.subject, chart_png(h.chart), h.note) for h in heads]
    data = briefing_pptx(paragraph, images, scope, OCT_2023.label(), CUTOFF)
    return heads, paragraph, Presentation(io.BytesIO(data))


def _texts(slide) -> str:
    return "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)


def test_pack_has_title_paragraph_and_chart_slides(demo_engine: Engine) -> None:
    heads, paragraph, prs = _pack(demo_engine, Viewer(), None, "全县")
    assert 4 <= len(heads) <= 6
    slides = list(prs.slides)
    assert len(slides) == 2 + len(heads)
    assert "全县医保工作运行情况" in _texts(slides[0]) and "2023年1-10月" in _texts(slides[0])
    assert paragraph in _texts(slides[1])
    for slide, head in zip(slides[2:], heads, strict=True):
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1
        assert pictures[0].image.content_type == "image/png"
        assert head.subject in _texts(slide) and head.note in _texts(slide)
    # Every run names an East Asian typeface.
    for slide in slides:
        for shape in slide.shapes:
            if not shape.has_text_frame:
                continue
            for para in shape.text_frame.paragraphs:
                for run in para.runs:
                    ea = run._r.find(qn("a:rPr")).find(qn("a:ea"))
                    assert ea is not None and ea.get("typeface") == EA_FONT


def test_township_pack_holds_only_its_township(demo_engine: Engine) -> None:
    viewer = Viewer(name="t", townships=frozenset({XIANGTANG}))
    heads, paragraph, prs = _pack(demo_engine, viewer, XIANGTANG, "向塘镇")
    with demo_engine.connect() as conn:
        names = dict(conn.execute(select(township.c.code, township.c.name)).fetchall())
    others = [n for code, n in names.items() if code != XIANGTANG]
    content = paragraph + "".join(_texts(s) for s in prs.slides)
    content += "".join(json.dumps(h.chart.to_dict(), ensure_ascii=False) for h in heads)
    assert not [n for n in others if n in content]
    assert "基金" not in "".join(h.subject for h in heads)  # the fund is county-level
