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
    assert len(at.get("file_uploader")) == 1

    at.selectbox(key="imp_kind").select("fund").run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("download_button")) == 2
    assert any(SPECS["fund"].note == c.value for c in at.caption)
