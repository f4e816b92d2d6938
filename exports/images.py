"""Chart images (PNG at 2x, SVG) from the same Altair definitions as on screen, via vl-convert.

On screen the charts fill their container (`width="container"`); an image needs a fixed width,
and its font must be a CJK family that vl-convert can find (see exports.fonts).
"""

from __future__ import annotations

import json
from typing import Any

import altair as alt

from exports import ExportError
from exports.fonts import require_cjk_font

EXPORT_WIDTH = 900


def _fix_width(node: Any, width: int) -> None:
    """Replaces every width "container" in the spec by a fixed width (in place)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "width" and value == "container":
                node[key] = width
            else:
                _fix_width(value, width)
    elif isinstance(node, list):
        for item in node:
            _fix_width(item, width)


def _add_watermark(spec: dict, mark: str) -> None:
    """Adds '导出:user time' as a last, small grey subtitle line (in place)."""
    line = f"导出:{mark}"
    title = spec.get("title")
    if isinstance(title, (str, list)):
        spec["title"] = {"text": title, "subtitle": line}
    elif isinstance(title, dict):
        sub = title.get("subtitle")
        subs = [] if sub is None else ([sub] if isinstance(sub, str) else list(sub))
        title["subtitle"] = [*subs, line]
    else:
        spec["title"] = {"text": "", "subtitle": line}
    title = spec["title"]
    title.setdefault("subtitleColor", "#8a8a8a")


def export_spec(
    chart: alt.TopLevelMixin, width: int = EXPORT_WIDTH, watermark: str | None = None
) -> dict:
    """The chart's Vega-Lite spec, ready to render offline: fixed width, CJK font, white ground.

    `watermark` ('user 2026-11-23 20:15', outside demo mode) goes in as a small grey line.
    """
    family = require_cjk_font()
    spec = chart.to_dict()
    _fix_width(spec, width)
    if watermark:
        _add_watermark(spec, watermark)
    config = spec.setdefault("config", {})
    config["font"] = family
    for part in ("title", "axis", "legend", "header", "mark", "text"):
        section = config.get(part)
        if isinstance(section, dict):
            for key in ("font", "labelFont", "titleFont", "subtitleFont"):
                if key in section:
                    section[key] = family
    spec.setdefault("background", "white")
    return spec


def _version(spec: dict) -> str | None:
    """'v6.4' from the spec's $schema, when vl-convert knows that Vega-Lite version."""
    import vl_convert

    schema = str(spec.get("$schema", ""))
    for version in reversed(vl_convert.get_vegalite_versions()):
        if f"/v{version}" in schema:
            return version
    return None


def chart_png(
    chart: alt.TopLevelMixin,
    scale: float = 2,
    width: int = EXPORT_WIDTH,
    watermark: str | None = None,
) -> bytes:
    """The chart as PNG (2x for print and slides); ExportError in Chinese when it cannot be drawn."""
    import vl_convert

    spec = export_spec(chart, width, watermark)
    try:
        return vl_convert.vegalite_to_png(json.dumps(spec), vl_version=_version(spec), scale=scale)
    except ValueError as exc:
        raise ExportError(f"图表导出失败:{exc}") from exc


def chart_svg(
    chart: alt.TopLevelMixin, width: int = EXPORT_WIDTH, watermark: str | None = None
) -> str:
    """The chart as SVG (text kept as text, font family set to the CJK font)."""
    import vl_convert

    spec = export_spec(chart, width, watermark)
    try:
        return vl_convert.vegalite_to_svg(json.dumps(spec), vl_version=_version(spec))
    except ValueError as exc:
        raise ExportError(f"图表导出失败:{exc}") from exc
