"""The township map: a choropleth of one indicator by township, offline (no tiles, no CDN).

Built with Altair's geoshape from the warehouse's own township boundaries, so the screen and the
PNG/SVG export are one chart (vl-convert draws it offline with the CJK font), and clicking a
township selects it (selection "pick" on township_code) like the ranking bars.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping

import altair as alt
import pandas as pd

from charts import FONT, ChartText, _finish
from charts.memo import memoized

# Sequential blues (ColorBrewer Blues, colour-blind safe); with a status palette the
# categorical status colours of the rankings are used instead.
SEQUENTIAL = "blues"
NO_DATA = "#e0e0e0"


def centroid(geometry: Mapping) -> tuple[float, float]:
    """Area-weighted centroid of a Polygon / MultiPolygon's outer rings (for the name labels).

    >>> centroid({"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]})
    (1.0, 1.0)
    """
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    area_sum = cx = cy = 0.0
    for polygon in polygons:
        ring = polygon[0]
        for (x0, y0), (x1, y1) in itertools.pairwise(ring):
            cross = x0 * y1 - x1 * y0
            area_sum += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
    if area_sum == 0:
        xs = [p[0] for poly in polygons for p in poly[0]]
        ys = [p[1] for poly in polygons for p in poly[0]]
        return (sum(xs) / len(xs), sum(ys) / len(ys))
    return (round(cx / (3 * area_sum), 6), round(cy / (3 * area_sum), 6))


def _signed_area(ring: list) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def d3_winding(geometry: Mapping) -> dict:
    """The geometry with rings wound as d3-geo (Vega) wants: outer rings clockwise, holes not.

    GeoJSON (RFC 7946) says the opposite, and files in the wild use either; a ring wound the
    wrong way is drawn by d3 as the whole globe minus the township.
    """
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    wound = []
    for polygon in polygons:
        rings = []
        for i, ring in enumerate(polygon):
            clockwise = _signed_area(ring) < 0
            want_clockwise = i == 0
            rings.append(ring if clockwise == want_clockwise else ring[::-1])
        wound.append(rings)
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": wound[0]}
    return {"type": "MultiPolygon", "coordinates": wound}


@memoized
def township_map(
    shapes: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    value: str,
    value_title: str,
    text: ChartText,
    fmt: str = ".1%",
    status: str | None = None,
    palette: dict[str, str] | None = None,
    highlight: str | None = None,
) -> alt.TopLevelMixin:
    """Townships coloured by `value` (or by `status` with its palette), named, clickable.

    `shapes` has columns township_code and geometry (GeoJSON text); `frame` has township_code,
    township_name and the value (and status) columns. Townships without a value are grey;
    `highlight` outlines the selected township.
    """
    data = frame.set_index("township_code")
    features, labels = [], []
    for code, geometry_text in zip(shapes["township_code"], shapes["geometry"], strict=True):
        geometry = d3_winding(json.loads(geometry_text))
        row = data.loc[code] if code in data.index else None
        name = str(row["township_name"]) if row is not None else ""
        raw = row[value] if row is not None else None
        number = None if raw is None or pd.isna(raw) else float(raw)
        props = {
            "township_code": code,
            "township_name": name,
            "v": number,
            "s": (str(row[status]) if row is not None and status else None),
        }
        features.append({"type": "Feature", "geometry": geometry, **props})
        lon, lat = centroid(geometry)
        labels.append({"lon": lon, "lat": lat, "township_name": name, "township_code": code})
    select = alt.selection_point(name="pick", fields=["township_code"])
    if status:
        colors = palette or {}
        color = alt.Color(
            "s:N",
            title="状态",
            scale=alt.Scale(domain=list(colors), range=list(colors.values())),
            legend=alt.Legend(orient="bottom"),
        )
    else:
        color = alt.Color(
            "v:Q",
            title=value_title,
            scale=alt.Scale(scheme=SEQUENTIAL),
            legend=alt.Legend(orient="bottom", format=fmt, gradientLength=240),
        )
    projection = {"type": "mercator"}
    shapes_data = alt.Data(values=features)
    # Grey ground under every township, so one without a value reads as 无数据, not as the page.
    ground = (
        alt.Chart(shapes_data)
        .mark_geoshape(fill=NO_DATA, stroke="#ffffff", strokeWidth=1.2)
        .project(**projection)
    )
    filled = (
        alt.Chart(shapes_data)
        .transform_filter("isValid(datum.v)")
        .mark_geoshape(stroke="#ffffff", strokeWidth=1.2)
        .encode(
            color=color,
            opacity=alt.condition(select, alt.value(1.0), alt.value(0.55)),
            tooltip=[
                alt.Tooltip("township_name:N", title="乡镇"),
                alt.Tooltip("v:Q", title=value_title, format=fmt),
                *([alt.Tooltip("s:N", title="状态")] if status else []),
            ],
        )
        .add_params(select)
        .project(**projection)
    )
    layers = [ground, filled]
    if highlight:
        layers.append(
            alt.Chart(shapes_data)
            .transform_filter(alt.datum.township_code == highlight)
            .mark_geoshape(filled=False, stroke="#e07b39", strokeWidth=3)
            .project(**projection)
        )
    # Names with a white halo (a stroked copy underneath), readable on dark and light fills.
    label_base = alt.Chart(alt.Data(values=labels)).encode(
        longitude="lon:Q", latitude="lat:Q", text="township_name:N"
    )
    halo = label_base.mark_text(
        fontSize=12, font=FONT, stroke="#ffffff", strokeWidth=3, strokeOpacity=0.85
    ).project(**projection)
    names = label_base.mark_text(fontSize=12, font=FONT, color="#1a1a1a").project(**projection)
    layers += [halo, names]
    return _finish(alt.layer(*layers), text, 420).properties(
        autosize=alt.AutoSizeParams(type="fit", contains="padding")
    )
