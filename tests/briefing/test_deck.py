"""The briefing deck opens with python-pptx: title, paragraph, KPI cards with status, 预警事项,
chart slides with large labels and speaker notes carrying the figures; a township's deck holds
only its township, in whole persons; East Asian fonts on every run."""

from __future__ import annotations

import io
import json
import re

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn
from sqlalchemy import Engine, select

from data_sources.schema import township as township_table
from exports.briefing import ALERTS_PER_SLIDE, EA_FONT, briefing_pptx
from exports.briefing_content import Content
from tests.briefing.conftest import XIANGTANG


def _deck(content: Content):
    return list(Presentation(io.BytesIO(briefing_pptx(content))).slides)


def _texts(slide) -> str:
    return "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)


def _notes(slide) -> str:
    return slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""


def _runs(slide):
    for shape in slide.shapes:
        if shape.has_text_frame:
            for para in shape.text_frame.paragraphs:
                yield from para.runs


def test_deck_slides_in_briefing_order(county: Content) -> None:
    slides = _deck(county)
    alert_slides = -(-len(county.alerts) // ALERTS_PER_SLIDE) or 1
    assert len(slides) == 3 + alert_slides + len(county.charts)
    assert "全县医保工作运行情况" in _texts(slides[0]) and "2023年1-10月" in _texts(slides[0])
    assert county.paragraph in _texts(slides[1]) and _notes(slides[1]) == county.paragraph
    kpi = slides[2]
    assert "主要指标完成情况" in _texts(kpi)
    for k in county.kpis:
        assert k.label in _texts(kpi) and k.text in _texts(kpi)
        assert k.text in _notes(kpi)  # the presenter reads the figures from the notes
    badges = {k.status_word for k in county.kpis if k.status_word != "—"}
    assert badges and all(b in _texts(kpi) for b in badges)
    alerts = slides[3 : 3 + alert_slides]
    assert all("预警事项" in _texts(s) for s in alerts)
    shown = "".join(_texts(s) for s in alerts)
    assert all(a.text in shown for a in county.alerts)
    for slide, chart in zip(slides[3 + alert_slides :], county.charts, strict=True):
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == 1 and pictures[0].image.content_type == "image/png"
        assert chart.subject in _texts(slide) and chart.note in _texts(slide)
        assert chart.note in _notes(slide)


def test_labels_readable_from_the_back_of_the_room(county: Content) -> None:
    for slide in _deck(county):
        sizes = [r.font.size.pt for r in _runs(slide) if r.text.strip()]
        assert sizes and min(sizes) >= 12
        assert max(sizes) >= 28  # every slide has a large title
    body = _deck(county)[1]
    assert max(r.font.size.pt for r in _runs(body) if county.paragraph[:10] in r.text) >= 20


def test_every_run_names_an_east_asian_typeface(county: Content) -> None:
    for slide in _deck(county):
        runs = list(_runs(slide))
        if slide.has_notes_slide:
            runs += [r for p in slide.notes_slide.notes_text_frame.paragraphs for r in p.runs]
        for run in runs:
            ea = run._r.find(qn("a:rPr")).find(qn("a:ea"))
            assert ea is not None and ea.get("typeface") == EA_FONT


def test_drg_legend_says_over_pace_never_behind(county: Content) -> None:
    drg = [h for h in county.headlines if "DRG" in h.subject]
    assert drg
    spec = json.dumps(drg[0].chart.to_dict(), ensure_ascii=False)
    assert "超进度" in spec and "滞后" not in spec
    kpi = next(k for k in county.kpis if k.metric_id == "drg_execution")
    assert kpi.status_word != "滞后"


def test_township_deck_scoped_and_in_whole_persons(township: Content, demo_engine: Engine) -> None:
    slides = _deck(township)
    assert "向塘镇医保工作运行情况" in _texts(slides[0])
    enrolled = next(k for k in township.kpis if k.metric_id == "enrolled")
    assert re.fullmatch(r"[\d,]+人", enrolled.text), enrolled.text
    assert enrolled.text in _texts(slides[2])
    with demo_engine.connect() as conn:
        names = dict(conn.execute(select(township_table.c.code, township_table.c.name)).fetchall())
    others = [n for code, n in names.items() if code != XIANGTANG]
    content = "".join(_texts(s) + _notes(s) for s in slides)
    content += "".join(
        json.dumps(h.chart.to_dict(), ensure_ascii=False) for h in township.headlines
    )
    assert not [n for n in others if n in content]
    assert "基金" not in "".join(h.subject for h in township.headlines)  # county-level fund
