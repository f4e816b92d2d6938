"""AppTest of 任务分解: choose a method, lock a township, save, compare, export, adopt; an
impossible plan shows a Chinese error and keeps the planner's inputs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from data_sources import scenarios
from data_sources.config import PROJECT_ROOT, demo_url
from data_sources.schema import enrollment_target
from metrics import service

ENTRY = PROJECT_ROOT / "tests" / "pages" / "entry.py"
PAGE = str(PROJECT_ROOT / "pages" / "planning.py")
LIANTANG = "360121100"


@pytest.fixture(scope="module")
def warehouse(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    own = tmp_path_factory.mktemp("planning_page") / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    url = demo_url(own)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", url)
        yield service.get_engine(url)


def open_page() -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at.query_params["year"] = "2023"
    at.query_params["month"] = "10"
    at.run()
    at.switch_page(PAGE)
    at.run()
    return at


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def edit(at: AppTest, year: int, rows: dict) -> None:
    at.session_state[f"plan_editor_{year}"] = {
        "edited_rows": rows,
        "added_rows": [],
        "deleted_rows": [],
    }


def save(at: AppTest, name: str) -> None:
    at.text_input(key="plan_name").input(name)
    next(b for b in at.button if b.label == "保存方案").click()
    at.run()
    clean(at)
    assert any(name in s.value for s in at.success)


def test_plan_lock_save_compare_adopt(warehouse: Engine) -> None:
    at = open_page()
    clean(at)
    at.selectbox(key="plan_year").select(2023).run()
    clean(at)
    at.radio(key="plan_method").set_value("gap_closing").run()
    clean(at)
    # Lock 莲塘镇 (first row) at 130,000 residents.
    edit(at, 2023, {0: {"锁定居民": True, "居民任务数": 130000}})
    at.run()
    clean(at)
    assert any(m.label.endswith("锁定乡镇(险种)") and m.value == "1个" for m in at.metric)
    save(at, "补缺口(莲塘锁定)")
    at.radio(key="plan_method").set_value("population").run()
    save(at, "按人口")

    saved = scenarios.list_scenarios(warehouse, 2023)
    locked_id = int(saved.set_index("name").loc["补缺口(莲塘锁定)", "scenario_id"])
    t = scenarios.scenario_targets(warehouse, locked_id).set_index(["township_code", "scheme"])
    assert t.loc[(LIANTANG, "resident"), "target"] == 130000

    pop_id = int(saved.set_index("name").loc["按人口", "scenario_id"])
    at.selectbox(key="plan_cmp_a").select(locked_id).run()
    at.selectbox(key="plan_cmp_b").select(pop_id).run()
    clean(at)
    diff = next(d.value for d in at.dataframe if "合计·差额(B−A)" in d.value.columns)
    a_total = scenarios.scenario_targets(warehouse, locked_id)["target"].sum()
    b_total = scenarios.scenario_targets(warehouse, pop_id)["target"].sum()
    assert diff["合计·差额(B−A)"].sum() == b_total - a_total
    row = diff.set_index("乡镇").loc["莲塘镇"]
    assert row["居民·A"] == 130000
    assert at.get("download_button")

    # Adopt the locked scenario as the official 2023 targets.
    at.selectbox(key="plan_pick").select(locked_id).run()
    at.checkbox(key="plan_confirm").check().run()
    at.button(key="plan_adopt").click().run()
    clean(at)
    assert any("采用为2023年正式参保任务数" in s.value for s in at.success)
    with warehouse.connect() as conn:
        n = conn.execute(
            select(enrollment_target.c.target).where(
                enrollment_target.c.year == 2023,
                enrollment_target.c.township_code == LIANTANG,
                enrollment_target.c.scheme == "resident",
            )
        ).scalar()
    assert n == 130000


def test_impossible_plan_explains_and_keeps_inputs(warehouse: Engine) -> None:
    at = open_page()
    at.radio(key="plan_method").set_value("last_year").run()
    at.number_input(key="plan_min_growth").set_value(2.0).run()
    total_key = f"plan_total_{at.selectbox(key='plan_year').value}_resident"
    at.number_input(key=total_key).set_value(1000).run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith("该方案无法实现:城乡居民医保:") and "相差" in message
    # Nothing lost: the planner's choices are still there.
    assert at.radio(key="plan_method").value == "last_year"
    assert at.number_input(key="plan_min_growth").value == 2.0
    assert at.number_input(key=total_key).value == 1000
    assert not any(m.label.endswith("方案任务数") for m in at.metric)


def test_next_year_defaults_to_latest_targets(warehouse: Engine) -> None:
    at = open_page()
    latest = max(service.years())
    at.selectbox(key="plan_year").select(latest + 1).run()
    clean(at)
    assert at.number_input(key=f"plan_total_{latest + 1}_resident").value > 0
    assert any(f"{latest}年正式任务数" in c.value for c in at.caption)
