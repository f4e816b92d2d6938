"""Exported chart images carry real Chinese glyphs, never boxes (豆腐块).

Approach (counting glyph shapes): a missing glyph is drawn as the font's .notdef box, the same
shape for every character. So we render the same chart builder (charts.pace_bars through
exports.images.chart_png, the code path of the download buttons) with one-character titles,
crop the title's ink and compare: eight different characters must give eight different shapes,
none of which looks like the box '□' that stands in for tofu. A second check compares whole titles:
'医保基金收支情况' must differ substantially from '□□□□□□□□' drawn the same way. vl-convert falls
back to another installed font when the configured one lacks a glyph, so rendering with a
"Latin-only" family would not reliably produce boxes here; the shape count catches boxes whatever
their cause. When no CJK font exists at all, the export refuses in Chinese.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import charts
from charts import ChartText
from exports import ExportError, fonts
from exports.images import chart_png, chart_svg

CHARS = "医保基金收支情况"
BOX = "□"


def _chart(title: str, unit: str = "", source: str = ""):
    frame = pd.DataFrame({"乡镇": ["莲塘镇", "向塘镇"], "v": [0.9, 0.8]})
    return charts.pace_bars(
        frame,
        label="乡镇",
        value="v",
        value_title="任务完成率",
        text=ChartText(title, unit, source),
    )


def _ink(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L")) < 128


def _title_glyph(png: bytes) -> np.ndarray:
    """The title's ink (top text line), cropped to its bounding box."""
    ink = _ink(png)
    rows = np.flatnonzero(ink.any(axis=1))
    top = rows[0]
    bottom = top
    while bottom + 1 < ink.shape[0] and ink[bottom + 1].any():
        bottom += 1
    band = ink[top : bottom + 1]
    cols = np.flatnonzero(band.any(axis=0))
    # The title is at the left (anchor start); stop at the first wide blank gap.
    end = cols[0]
    for c in cols[1:]:
        if c - end > 20:
            break
        end = c
    return band[:, cols[0] : end + 1]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool((a == b).all())


def test_png_has_distinct_chinese_glyphs() -> None:
    assert fonts.cjk_font_family() is not None, "test machine needs a CJK font (fonts-noto-cjk)"
    glyphs = [_title_glyph(chart_png(_chart(ch))) for ch in CHARS]
    box = _title_glyph(chart_png(_chart(BOX)))
    distinct: list[np.ndarray] = []
    for g in glyphs:
        assert g.sum() > 30, "a glyph should have ink"
        assert not _same(g, box), "a character rendered as a box"
        if not any(_same(g, d) for d in distinct):
            distinct.append(g)
    assert len(distinct) == len(CHARS), "repeated identical shapes: boxes instead of glyphs"


def test_chinese_title_differs_from_boxes() -> None:
    real = _ink(chart_png(_chart(CHARS)))
    boxes = _ink(chart_png(_chart(BOX * len(CHARS))))
    assert real.shape[1] == boxes.shape[1]
    h = min(real.shape[0], boxes.shape[0], 60)
    differing = (real[:h] != boxes[:h]).sum()
    assert differing > 0.3 * max(real[:h].sum(), boxes[:h].sum())


def test_png_is_2x_fixed_width_with_title_unit_and_source() -> None:
    png = chart_png(
        _chart("向塘镇 2023年1-10月 参保任务完成率", "%", "数据来源:测试  数据截至:2023年10月31日")
    )
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, _ = Image.open(io.BytesIO(png)).size
    assert width >= 2 * 900 - 10  # 900 px wide at scale 2 (not "container")
    svg = chart_svg(
        _chart("向塘镇 2023年1-10月 参保任务完成率", "%", "数据来源:测试  数据截至:2023年10月31日")
    )
    assert "向塘镇 2023年1-10月 参保任务完成率" in svg
    assert "数据截至:2023年10月31日" in svg and "单位:%" in svg
    assert fonts.cjk_font_family() in svg


def test_without_a_cjk_font_the_export_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    with pytest.raises(ExportError, match="未找到中文字体"):
        chart_png(_chart(CHARS))
    with pytest.raises(ExportError, match="未找到中文字体"):
        chart_svg(_chart(CHARS))
