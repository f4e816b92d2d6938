"""The import page: upload → plan shown, nothing written → 确认导入 writes and audits; a warning
must be ticked before the confirm button works. On an initialised DuckDB warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from auth import store
from data_sources import init
from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from data_sources.load import load_file
from metrics import service

from ..loading.helpers import ENROLL_HEADERS, frame, standard, write_xlsx
from . import county as C
from .test_pages_from_empty import ENTRY, PW

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    d = tmp_path_factory.mktemp("import_plan")
    url = demo_url(d / "wh.duckdb")
    code = init.run(url, *C.REGION, admin="admin", password=lambda: PW, out=lambda _: None)
    assert code == init.EXIT_OK
    engine = create_warehouse_engine(url)
    for kind, p in C.dimension_files(d):
        assert load_file(engine, p, kind, user="t").ok
    engine.dispose()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", url)
        mp.delenv("YIBAO_LOGIN", raising=False)
        yield url
    service.get_engine(url).dispose()


def import_page() -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at.run()
    at.text_input(key="login_username").input("admin")
    at.text_input(key="login_password").input(PW)
    next(b for b in at.button if b.label == "登录").click()
    at.run()  # 数据管理员: the import page is the default page
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="imp_kind").select("enrollment").run()
    return at


def upload(at: AppTest, path: Path) -> AppTest:
    at.file_uploader(key="imp_file_enrollment").set_value((path.name, path.read_bytes(), XLSX))
    at.run()
    next(b for b in at.button if b.label == "校验并生成导入计划").click()
    return at.run()


def stored(url: str) -> int:
    return len(frame(service.get_engine(url), "SELECT * FROM enrollment"))


def test_plan_then_confirm(warehouse: str, tmp_path: Path) -> None:
    path = next(p for k, p in C.month_files(tmp_path, 1) if "居民参保" in p.name)
    at = upload(import_page(), path)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("新增 4 行" in m.value for m in at.markdown), [m.value for m in at.markdown]
    plan = at.dataframe[-1].value
    # Two slices (清水镇 and 石桥乡 residents) of two rows each.
    assert list(plan["操作"]) == ["新增"] * 2 and sum(plan["导入后行数"]) == 4
    assert stored(warehouse) == 0  # nothing written before the confirmation

    next(b for b in at.button if b.label == "确认导入").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("导入成功" in s.value for s in at.success), [s.value for s in at.success]
    assert stored(warehouse) == 4
    log = frame(service.get_engine(warehouse), "SELECT loaded_by FROM load_log")
    assert "admin" in set(log.loaded_by)
    audit = store.read_audit(service.get_engine(warehouse), action="import", username="admin")
    assert any("导入成功" in d for d in audit.detail), list(audit.detail)


def test_warning_needs_ticking(warehouse: str, tmp_path: Path) -> None:
    # 石桥乡 residents in January already 5,010 (test above); February typed ×10,000.
    rows = [[2023, 2, "石桥乡", "居民医保", "其他人员", 5_020 * 10_000]]
    path = write_xlsx(tmp_path / "slip.xlsx", standard(ENROLL_HEADERS, rows))
    before = stored(warehouse)
    at = upload(import_page(), path)
    assert any("需要确认的提醒" in w.value for w in at.warning), [w.value for w in at.warning]
    confirm = next(b for b in at.button if b.label == "确认导入")
    assert confirm.disabled
    at.checkbox(key="imp_accept").check().run()
    next(b for b in at.button if b.label == "确认导入").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert stored(warehouse) == before + 1
