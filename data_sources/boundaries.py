"""Township boundaries (GeoJSON) for the township map: the demo's fictional shapes and the check of a
county's own file.

The demo county's shapes are generated, not surveyed: a Voronoi partition of an irregular county
outline around one site per township, each site drawn deterministically from the township code.
They are clearly marked as fictional (property ``fictional``). A real county loads its own
GeoJSON (a FeatureCollection of Polygon / MultiPolygon features whose properties carry the
township's administrative code or name); `check` matches it and reports every problem in Chinese.

>>> fc = generate([("360121101", "向塘镇", 3.0), ("360121102", "莲塘镇", 1.0)])
>>> [f["properties"]["code"] for f in fc["features"]]
['360121101', '360121102']
>>> check(json.dumps(fc).encode(), {"360121101": "向塘镇", "360121102": "莲塘镇"}).problems
[]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Connection, Engine, delete, select

from data_sources.schema import township_boundary

Point = tuple[float, float]
Ring = list[Point]

# Where the fictional county sits: near 南昌县 (about 115.9°E, 28.5°N), roughly 60 km across.
CENTER: Point = (115.95, 28.55)
RADIUS_DEG = 0.30
MAX_BYTES = 20 * 1024 * 1024  # the upload limit of every import file
MAX_POSITIONS = 500_000  # a county's townships need far fewer; bounds parsing time and memory
CODE_KEYS = ("code", "township_code", "adcode", "行政区划代码", "乡镇代码", "代码")
NAME_KEYS = ("name", "township_name", "乡镇", "乡镇名称", "名称", "NAME")


def _unit(code: str, salt: str) -> float:
    """A number in [0, 1) fixed by the code, so a township keeps its place between builds."""
    digest = hashlib.sha256(f"{salt}:{code}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def outline(center: Point = CENTER, points: int = 72) -> Ring:
    """An irregular closed county outline (a wobbly circle) around `center`."""
    ring = []
    for i in range(points):
        a = 2 * math.pi * i / points
        r = RADIUS_DEG * (1 + 0.12 * math.sin(3 * a + 0.7) + 0.07 * math.cos(5 * a + 1.3))
        # Longitude degrees are shorter than latitude ones at 28.5°N.
        ring.append(
            (
                center[0] + r * math.cos(a) / math.cos(math.radians(center[1])),
                center[1] + r * math.sin(a),
            )
        )
    return ring


def _sites(codes: Sequence[str], center: Point) -> list[Point]:
    """One site per township on a sunflower spiral (even spread), jittered by the code."""
    n = len(codes)
    golden = math.pi * (3 - math.sqrt(5))
    sites = []
    for i, code in enumerate(codes):
        r = RADIUS_DEG * 0.82 * math.sqrt((i + 0.5) / n)
        a = i * golden + 0.6 * (_unit(code, "angle") - 0.5)
        r *= 0.9 + 0.2 * _unit(code, "radius")
        sites.append(
            (
                center[0] + r * math.cos(a) / math.cos(math.radians(center[1])),
                center[1] + r * math.sin(a),
            )
        )
    return sites


def _clip(ring: Ring, a: Point, b: Point, wa: float, wb: float) -> Ring:
    """Keeps the part of `ring` nearer to site `a` than to `b` (power distance with weights).

    Sutherland-Hodgman against one half-plane; the weights enlarge larger townships' cells.
    """

    def side(p: Point) -> float:
        da = (p[0] - a[0]) ** 2 + (p[1] - a[1]) ** 2 - wa
        db = (p[0] - b[0]) ** 2 + (p[1] - b[1]) ** 2 - wb
        return db - da  # >= 0: p belongs to a

    out: Ring = []
    for i, p in enumerate(ring):
        q = ring[(i + 1) % len(ring)]
        sp, sq = side(p), side(q)
        if sp >= 0:
            out.append(p)
        if (sp >= 0) != (sq >= 0):
            t = sp / (sp - sq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def generate(townships: Iterable[tuple[str, str, float]], center: Point = CENTER) -> dict:
    """A FeatureCollection with one fictional polygon per (code, name, weight) township.

    Larger weights (e.g. population) give larger cells; shapes tile the county outline exactly.
    """
    towns = list(townships)
    if not towns:
        return {"type": "FeatureCollection", "features": []}
    codes = [c for c, _, _ in towns]
    sites = _sites(codes, center)
    total = sum(max(w, 0.0) for _, _, w in towns) or 1.0
    # Power weights: a share of the squared mean spacing, so cells grow with the weight.
    spacing2 = (RADIUS_DEG**2) / len(towns)
    weights = [0.5 * spacing2 * (max(w, 0.0) / total * len(towns) - 1) for _, _, w in towns]
    county = outline(center)
    features = []
    for i, (code, name, _) in enumerate(towns):
        cell = county
        for j in range(len(towns)):
            if j != i and cell:
                cell = _clip(cell, sites[i], sites[j], weights[i], weights[j])
        ring = [(round(x, 5), round(y, 5)) for x, y in cell]
        ring.append(ring[0])
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": name, "fictional": True},
                "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]},
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --- checking a county's own file ----------------------------------------------------------


@dataclass
class Checked:
    """The matched shapes by township code, the problems (refuse) and notes (accept, tell)."""

    shapes: dict[str, dict] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _ring_problem(ring: object, budget: list[int]) -> str | None:
    if not isinstance(ring, list) or len(ring) < 4:
        return "边界环至少需要4个坐标点"
    budget[0] -= len(ring)
    if budget[0] < 0:
        return "坐标点过多"
    for p in ring:
        if not (isinstance(p, list) and len(p) >= 2 and _number(p[0]) and _number(p[1])):
            return "坐标不是数字对(经度, 纬度)"
        if not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90):
            return f"坐标({p[0]}, {p[1]})超出经纬度范围"
    if ring[0][:2] != ring[-1][:2]:
        return "边界环未闭合(首尾坐标不同)"
    return None


def _geometry_problem(geometry: object, budget: list[int]) -> str | None:
    if not isinstance(geometry, dict):
        return "缺少几何图形(geometry)"
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coords]
    elif kind == "MultiPolygon":
        polygons = coords if isinstance(coords, list) else [None]
    else:
        return f"几何类型为“{kind}”,只接受面(Polygon 或 MultiPolygon)"
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            return "面的坐标为空"
        for ring in polygon:
            problem = _ring_problem(ring, budget)
            if problem:
                return problem
    return None


def _first(props: Mapping, keys: Sequence[str]) -> str | None:
    for key in keys:
        value = props.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return None


def check(data: bytes, townships: Mapping[str, str]) -> Checked:
    """Matches a GeoJSON file's features to townships (code -> name) by code, else by name.

    Refuses (problems) a file that is not GeoJSON, a feature without a valid polygon, a feature
    that matches no township, two features for one township; notes townships without a shape.
    """
    out = Checked()
    if not townships:
        out.problems.append("乡镇名单为空,请先导入乡镇,再导入乡镇边界")
        return out
    if len(data) > MAX_BYTES:
        out.problems.append(f"文件超过{MAX_BYTES // 1024 // 1024}MB,请简化边界后再上传")
        return out
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        out.problems.append("文件不是有效的 GeoJSON(应为 UTF-8 编码的 JSON 文本)")
        return out
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        out.problems.append("GeoJSON 的最外层应为 FeatureCollection(要素集合)")
        return out
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        out.problems.append("GeoJSON 中没有要素(features 为空)")
        return out
    by_name = {name: code for code, name in townships.items()}
    budget = [MAX_POSITIONS]
    for i, feature in enumerate(features, start=1):
        where = f"第{i}个要素"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            out.problems.append(f"{where}:不是 Feature")
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            props = {}
        code, name = _first(props, CODE_KEYS), _first(props, NAME_KEYS)
        label = name or code or "(无名称)"
        where = f"{where}“{label}”"
        problem = _geometry_problem(feature.get("geometry"), budget)
        if problem:
            out.problems.append(f"{where}:{problem}")
            if budget[0] < 0:
                out.problems.append(f"坐标点超过{MAX_POSITIONS:,}个,请简化边界后再上传")
                break
            continue
        matched = code if code in townships else by_name.get(name or "")
        if matched is None:
            out.problems.append(f"{where}:代码或名称与乡镇名单不符(属性中应有 code 或 name)")
            continue
        if matched in out.shapes:
            out.problems.append(f"{where}:与另一个要素对应同一乡镇“{townships[matched]}”")
            continue
        out.shapes[matched] = feature["geometry"]
    missing = [name for code, name in townships.items() if code not in out.shapes]
    if missing and not out.problems:
        out.notes.append(f"以下乡镇没有边界,地图上不显示:{'、'.join(missing)}")
    return out


# --- storing ------------------------------------------------------------------------------


def save(
    engine: Engine,
    checked: Checked,
    *,
    source: str,
    loaded_by: str,
    period_end: dt.date,
    app_engine: Engine | None = None,
) -> int:
    """Replaces the boundaries of exactly the townships in the file, in one transaction.

    Townships the file does not mention keep theirs; the load is logged so caches refresh (in
    the app store `app_engine`: the same transaction when it is the warehouse, else right after).
    """
    from data_sources.app_store import get_app_engine
    from data_sources.writer import frame_checksum, insert_frame, record_load

    if checked.problems or not checked.shapes:
        raise ValueError("边界文件未通过检查,未作修改")
    app = app_engine or get_app_engine(engine)
    frame = pd.DataFrame(
        {
            "township_code": list(checked.shapes),
            "geometry": [json.dumps(g, separators=(",", ":")) for g in checked.shapes.values()],
            "fictional": False,
        }
    )
    codes = list(checked.shapes)
    with engine.begin() as conn:
        conn.execute(delete(township_boundary).where(township_boundary.c.township_code.in_(codes)))
        rows = insert_frame(conn, township_boundary, frame)
        entry = dict(
            table_name=township_boundary.name,
            period="",
            period_end=period_end,
            rows=rows,
            source=source,
            checksum=frame_checksum(frame),
            loaded_by=loaded_by,
        )
        if app is engine:
            record_load(conn, **entry)
    if app is not engine:
        with app.begin() as log_conn:
            record_load(log_conn, **entry)
    return rows


def read(conn: Connection) -> pd.DataFrame:
    """Every stored boundary: township_code, geometry (GeoJSON text), fictional."""
    t = township_boundary
    rows = conn.execute(select(t.c.township_code, t.c.geometry, t.c.fictional)).all()
    return pd.DataFrame(rows, columns=["township_code", "geometry", "fictional"])
