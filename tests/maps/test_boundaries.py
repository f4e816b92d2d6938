"""Township boundaries: the demo's fictional shapes, the check of a county's own GeoJSON, storing.

Areas are planar (degrees²), enough to show that the cells tile the outline without overlap.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math

import pytest
from sqlalchemy import create_engine, func, select

from data_sources import boundaries, demo
from data_sources.schema import app_metadata, metadata, township, township_boundary

TOWNS = [("360121101", "向塘镇", 9.0), ("360121102", "莲塘镇", 17.0), ("360121201", "泾口乡", 3.8)]
KNOWN = {code: name for code, name, _ in TOWNS}


def _area(ring: list) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))) / 2


def _square(x: float, y: float, size: float = 0.1) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def _fc(*features: dict) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def _feature(props: dict, geometry: dict | None = None) -> dict:
    geometry = geometry or {"type": "Polygon", "coordinates": [_square(115.9, 28.5)]}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def test_generated_cells_tile_the_county_and_grow_with_weight() -> None:
    fc = boundaries.generate(TOWNS)
    rings = {f["properties"]["code"]: f["geometry"]["coordinates"][0] for f in fc["features"]}
    assert list(rings) == [c for c, _, _ in TOWNS]
    county = boundaries.outline()
    total = sum(_area(r) for r in rings.values())
    assert total == pytest.approx(_area([*county, county[0]]), rel=1e-3)
    assert all(r[0] == r[-1] and len(r) >= 4 for r in rings.values())
    # 莲塘镇 (17) is drawn larger than 泾口乡 (3.8).
    assert _area(rings["360121102"]) > _area(rings["360121201"])
    assert all(f["properties"]["fictional"] for f in fc["features"])
    assert boundaries.generate(TOWNS) == fc  # deterministic


def test_demo_boundaries_match_every_township_code() -> None:
    import numpy as np

    geo = demo._geography(demo.SCALES["county"], np.random.default_rng(demo.SEED))
    codes = set(geo["township"]["code"])
    shapes = geo["township_boundary"]
    assert set(shapes["township_code"]) == codes and len(shapes) == len(codes) == 20
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": c}, "geometry": json.loads(g)}
            for c, g in zip(shapes["township_code"], shapes["geometry"], strict=True)
        ],
    }
    names = dict(zip(geo["township"]["code"], geo["township"]["name"], strict=True))
    checked = boundaries.check(json.dumps(fc).encode(), names)
    assert checked.problems == [] and set(checked.shapes) == codes


def test_matching_by_code_or_name_and_notes_for_townships_without_shape() -> None:
    data = _fc(_feature({"adcode": "360121101"}), _feature({"乡镇名称": "莲塘镇"}))
    checked = boundaries.check(data, KNOWN)
    assert checked.problems == []
    assert set(checked.shapes) == {"360121101", "360121102"}
    assert checked.notes == ["以下乡镇没有边界,地图上不显示:泾口乡"]


def test_multipolygon_and_bom_accepted() -> None:
    multi = {"type": "MultiPolygon", "coordinates": [[_square(115.9, 28.5)], [_square(116, 28.6)]]}
    data = "\ufeff".encode() + _fc(_feature({"code": "360121101"}, multi))
    assert boundaries.check(data, KNOWN).problems == []


BAD = [
    ("not json", b"{not json", "文件不是有效的 GeoJSON(应为 UTF-8 编码的 JSON 文本)"),
    ("gbk bytes", "乡镇".encode("gbk"), "文件不是有效的 GeoJSON(应为 UTF-8 编码的 JSON 文本)"),
    (
        "not a collection",
        b'{"type": "Feature"}',
        "GeoJSON 的最外层应为 FeatureCollection(要素集合)",
    ),
    ("a list", b"[]", "GeoJSON 的最外层应为 FeatureCollection(要素集合)"),
    ("no features", _fc(), "GeoJSON 中没有要素(features 为空)"),
    ("not a feature", _fc({"type": "Point"}), "第1个要素:不是 Feature"),
    (
        "a point",
        _fc(_feature({"code": "360121101"}, {"type": "Point", "coordinates": [115.9, 28.5]})),
        "第1个要素“360121101”:几何类型为“Point”,只接受面(Polygon 或 MultiPolygon)",
    ),
    (
        "no geometry",
        _fc({"type": "Feature", "properties": {"name": "向塘镇"}, "geometry": None}),
        "第1个要素“向塘镇”:缺少几何图形(geometry)",
    ),
    (
        "open ring",
        _fc(
            _feature({"code": "360121101"}, {"type": "Polygon", "coordinates": [_square(1, 1)[:4]]})
        ),
        "第1个要素“360121101”:边界环未闭合(首尾坐标不同)",
    ),
    (
        "too few points",
        _fc(
            _feature(
                {"code": "360121101"},
                {"type": "Polygon", "coordinates": [[[1, 1], [2, 2], [1, 1]]]},
            )
        ),
        "第1个要素“360121101”:边界环至少需要4个坐标点",
    ),
    (
        "projected metres",
        _fc(
            _feature(
                {"code": "360121101"},
                {"type": "Polygon", "coordinates": [_square(400000, 3100000)]},
            )
        ),
        "第1个要素“360121101”:坐标(400000, 3100000)超出经纬度范围",
    ),
    (
        "text coordinates",
        _fc(
            _feature({"code": "360121101"}, {"type": "Polygon", "coordinates": [[["a", "b"]] * 4]})
        ),
        "第1个要素“360121101”:坐标不是数字对(经度, 纬度)",
    ),
    (
        "NaN coordinates",
        b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"360121101"},'
        b'"geometry":{"type":"Polygon","coordinates":[[[NaN,1],[2,2],[3,1],[NaN,1]]]}}]}',
        "第1个要素“360121101”:坐标不是数字对(经度, 纬度)",
    ),
    (
        "unknown township",
        _fc(_feature({"code": "999999999", "name": "外县镇"})),
        "第1个要素“外县镇”:代码或名称与乡镇名单不符(属性中应有 code 或 name)",
    ),
    (
        "twice the same township",
        _fc(_feature({"code": "360121101"}), _feature({"name": "向塘镇"})),
        "第2个要素“向塘镇”:与另一个要素对应同一乡镇“向塘镇”",
    ),
]


@pytest.mark.parametrize(("case", "data", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_geojson_gets_its_chinese_message(case: str, data: bytes, message: str) -> None:
    checked = boundaries.check(data, KNOWN)
    assert message in checked.problems


def test_empty_township_list_and_size_and_point_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    assert boundaries.check(_fc(_feature({"code": "x"})), {}).problems == [
        "乡镇名单为空,请先导入乡镇,再导入乡镇边界"
    ]
    monkeypatch.setattr(boundaries, "MAX_BYTES", 100)
    assert boundaries.check(b" " * 101, KNOWN).problems == ["文件超过0MB,请简化边界后再上传"]
    monkeypatch.setattr(boundaries, "MAX_BYTES", 20 * 1024 * 1024)
    monkeypatch.setattr(boundaries, "MAX_POSITIONS", 8)
    data = _fc(*(_feature({"code": c}) for c in KNOWN))
    problems = boundaries.check(data, KNOWN).problems
    assert problems[-1] == "坐标点超过8个,请简化边界后再上传"


@pytest.fixture
def warehouse(tmp_path):
    engine = create_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    metadata.create_all(engine)
    app_metadata.create_all(engine)  # the load log: the app store is the warehouse by default
    with engine.begin() as conn:
        conn.execute(
            township.insert(),
            [{"code": c, "name": n, "sort_order": i} for i, (c, n, _) in enumerate(TOWNS)],
        )
    yield engine
    engine.dispose()


def test_save_replaces_only_the_townships_in_the_file(warehouse) -> None:
    first = boundaries.check(_fc(*(_feature({"code": c}) for c in KNOWN)), KNOWN)
    when = dt.date(2023, 10, 31)
    assert (
        boundaries.save(warehouse, first, source="全县.geojson", loaded_by="张三", period_end=when)
        == 3
    )
    moved = {"type": "Polygon", "coordinates": [_square(116.2, 28.7)]}
    second = boundaries.check(_fc(_feature({"code": "360121101"}, moved)), KNOWN)
    boundaries.save(warehouse, second, source="向塘镇.geojson", loaded_by="张三", period_end=when)
    with warehouse.connect() as conn:
        stored = boundaries.read(conn).set_index("township_code")
    assert len(stored) == 3
    assert json.loads(stored.loc["360121101", "geometry"]) == moved
    assert json.loads(stored.loc["360121102", "geometry"])["coordinates"][0][0] == [115.9, 28.5]
    assert not stored["fictional"].any()


def test_a_refused_file_changes_nothing(warehouse) -> None:
    bad = boundaries.check(_fc(_feature({"code": "999"})), KNOWN)
    with pytest.raises(ValueError, match="未作修改"):
        boundaries.save(bad, bad, source="x", loaded_by="y", period_end=dt.date(2023, 1, 31))  # type: ignore[arg-type]
    with warehouse.connect() as conn:
        assert conn.execute(select(func.count()).select_from(township_boundary)).scalar() == 0


def test_map_chart_names_every_township_and_selects_by_code() -> None:
    import pandas as pd

    from charts import ChartText, maps
    from exports import images

    fc = boundaries.generate(TOWNS)
    shapes = pd.DataFrame(
        {
            "township_code": [f["properties"]["code"] for f in fc["features"]],
            "geometry": [json.dumps(f["geometry"]) for f in fc["features"]],
        }
    )
    frame = pd.DataFrame(
        {
            "township_code": list(KNOWN),
            "township_name": list(KNOWN.values()),
            "rate": [0.9, None, 0.5],
        }
    )
    chart = maps.township_map(
        shapes, frame, value="rate", value_title="完成率", text=ChartText("全县 任务完成率", "%")
    )
    spec = chart.to_dict()
    values = [d for layer in spec["layer"] for d in layer.get("data", {}).get("values", [])]
    assert {v["township_code"] for v in values if v.get("type") == "Feature"} == set(KNOWN)
    assert {v.get("v") for v in values if v.get("type") == "Feature"} == {0.9, None, 0.5}
    # Altair lifts a layer's selection to the top level of a layered chart.
    params = spec.get("params", []) + [p for la in spec["layer"] for p in la.get("params", [])]
    pick = [p for p in params if p.get("name") == "pick"]
    assert pick and pick[0]["select"]["fields"] == ["township_code"]
    png = images.chart_png(chart)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_d3_winding_puts_outer_rings_clockwise() -> None:
    from charts import maps

    ccw = {"type": "Polygon", "coordinates": [_square(0, 0, 1)]}
    wound = maps.d3_winding(ccw)["coordinates"][0]
    signed = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(wound))
    assert signed < 0 and maps.d3_winding(maps.d3_winding(ccw)) == maps.d3_winding(ccw)
    assert math.isclose(_area(wound), 1.0)
