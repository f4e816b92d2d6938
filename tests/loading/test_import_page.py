"""The import page renders on a copy of the demo warehouse and offers both templates per kind."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_sources.config import PROJECT_ROOT, demo_url
from data_sources.load_specs import SPECS
from metrics import service

ENTRY = PROJECT_ROOT / "tests" / "pages" / "entry.py"


@pytest.fixture(scope="module")
def app_warehouse(
    demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    # Its own copy: the app in this process opens the file for writing (see tests/pages).
    own = tmp_path_factory.mktemp("import_page") / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    url = demo_url(own)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", url)
        yield url
    service.get_engine(url).dispose()


def open_import_page() -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=90)
    at.query_params["year"] = "2023"
    at.query_params["month"] = "10"
    at.run()
    at.switch_page(str(PROJECT_ROOT / "pages" / "import.py"))
    at.run()
    return at


def test_import_page_renders_with_template_downloads(app_warehouse: str) -> None:
    at = open_import_page()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any("数据导入" in m.value for m in at.markdown)
    assert any("演示" in i.value for i in at.info)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["下载Excel模板(.xlsx)", "下载CSV模板(.csv)"]
    # The table upload and, in its own section, the GeoJSON of township boundaries.
    assert [u.proto.id for u in at.get("file_uploader")] and len(at.get("file_uploader")) == 2

    at.selectbox(key="imp_kind").select("fund").run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("download_button")) == 2
    assert any(SPECS["fund"].note == c.value for c in at.caption)


def test_township_boundaries_upload_checks_then_replaces_only_its_townships(
    app_warehouse: str,
) -> None:
    import json

    from sqlalchemy import create_engine

    from data_sources import boundaries

    at = open_import_page()
    bad = json.dumps({"type": "FeatureCollection", "features": [{"type": "Point"}]}).encode()
    at.file_uploader(key="imp_geo").set_value(("边界.geojson", bad, "application/json")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("边界文件有 1 个问题,未导入" in e.value for e in at.error)
    shown = [d.value for d in at.dataframe if "问题说明" in d.value.columns]
    assert "第1个要素:不是 Feature" in shown[0]["问题说明"].tolist()

    square = [[115.9, 28.5], [116.0, 28.5], [116.0, 28.6], [115.9, 28.6], [115.9, 28.5]]
    good = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "向塘镇"},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            }
        ],
    }
    data = json.dumps(good, ensure_ascii=False).encode()
    at.file_uploader(key="imp_geo").set_value(("向塘镇.geojson", data, "application/json")).run()
    assert not at.error, [e.value for e in at.error]
    assert any("将替换 **1** 个乡镇的边界:向塘镇" in m.value for m in at.markdown)
    go = [b for b in at.button if b.key and b.key.startswith("imp_geo_go_")]
    go[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    engine = create_engine(app_warehouse)
    try:
        with engine.connect() as conn:
            shapes = boundaries.read(conn).set_index("township_code")
    finally:
        engine.dispose()
    assert len(shapes) == 20  # the other 19 keep their (fictional) outlines
    assert json.loads(shapes.loc["360121101", "geometry"])["coordinates"] == [square]
    assert not shapes.loc["360121101", "fictional"] and shapes["fictional"].sum() == 19
