"""Saving, comparing and adopting scenarios on DuckDB (a copy of the demo) and PostgreSQL (a small
warehouse of three townships); a failure half way through adoption leaves the old targets."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, delete, func, select

from data_sources import scenarios
from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from data_sources.schema import enrollment_target, load_log, plan_scenario, township
from data_sources.writer import insert_frame, record_load, recreate_schema
from metrics import planning
from tests.planning.helpers import official

TOWNS = pd.DataFrame(
    {
        "code": ["360121100", "360121101", "360121102"],
        "name": ["莲塘镇", "向塘镇", "小蓝街道"],
        "sort_order": [1, 2, 3],
    }
)


def _small_warehouse(engine: Engine) -> None:
    recreate_schema(engine)
    targets = pd.DataFrame(
        {
            "year": [2023] * 6,
            "township_code": [c for c in TOWNS["code"] for _ in (0, 1)],
            "scheme": ["resident", "employee"] * 3,
            "target": [130000, 38000, 77000, 13500, 60000, 24000],
        }
    )
    with engine.begin() as conn:
        insert_frame(conn, township, TOWNS)
        insert_frame(conn, enrollment_target, targets)
        record_load(
            conn,
            table_name="enrollment_target",
            period="2023",
            period_end=dt.date(2023, 10, 31),
            rows=len(targets),
            source="测试",
            checksum="-",
            loaded_by="pytest",
        )


@pytest.fixture(params=["duckdb", "postgresql"])
def engine(
    request: pytest.FixtureRequest, demo_duckdb_path: Path, tmp_path: Path
) -> Iterator[Engine]:
    if request.param == "duckdb":
        own = tmp_path / "warehouse.duckdb"
        shutil.copy(demo_duckdb_path, own)
        eng = create_warehouse_engine(demo_url(own))
    else:
        pg_databases = request.getfixturevalue("pg_databases")
        eng = create_warehouse_engine(pg_databases.new("planning"))
        _small_warehouse(eng)
    yield eng
    eng.dispose()


def log_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(load_log)).scalar() or 0)


def plan_for(engine: Engine, year: int, bump: int) -> dict[tuple[str, str], int]:
    """Every township's official target of that year, plus ``bump``."""
    return {k: v + bump for k, v in official(engine, year).items()}


def test_save_list_compare_adopt(engine: Engine) -> None:
    before = official(engine, 2023)
    assert before
    a = scenarios.save_scenario(
        engine,
        year=2023,
        name="按人口",
        author="规划股张三",
        method="population",
        parameters={"totals": {"resident": 1}, "locks": {"resident": {"360121100": 5}}},
        targets=plan_for(engine, 2023, 10),
    )
    b = scenarios.save_scenario(
        engine,
        year=2023,
        name="补缺口",
        author="规划股李四",
        method="gap_closing",
        parameters={},
        targets=plan_for(engine, 2023, -5),
    )
    listed = scenarios.list_scenarios(engine, 2023)
    assert list(listed["scenario_id"]) == [b, a]  # newest first
    assert listed.set_index("scenario_id").loc[a, "author"] == "规划股张三"
    assert scenarios.list_scenarios(engine, 2099).empty
    assert scenarios.scenario_parameters(engine, a)["locks"] == {"resident": {"360121100": 5}}

    ta, tb = scenarios.scenario_targets(engine, a), scenarios.scenario_targets(engine, b)
    assert len(ta) == len(before) and ta["target"].sum() == sum(before.values()) + 10 * len(before)
    towns = pd.DataFrame({"township": sorted({t for t, _ in before})}).assign(
        township_name=lambda d: d["township"], township_order=range(len(before) // 2)
    )
    diff = planning.compare_scenarios(ta, tb, towns)
    assert (diff["diff_total"] == -30).all()  # (−5 − 10) × 2 schemes

    logged = log_rows(engine)
    other_year = official(engine, 2022)
    scenarios.adopt_scenario(engine, b, "局长")
    assert official(engine, 2023) == plan_for_dict(before, -5)
    assert log_rows(engine) == logged + 1
    with engine.connect() as conn:
        last = conn.execute(select(load_log).order_by(load_log.c.load_id.desc()).limit(1)).one()
        adopted = conn.execute(
            select(plan_scenario.c.adopted_by, plan_scenario.c.adopted_at).where(
                plan_scenario.c.scenario_id == b
            )
        ).one()
        newest_end = conn.execute(select(func.max(load_log.c.period_end))).scalar()
    assert (last.table_name, last.source, last.loaded_by) == (
        "enrollment_target",
        "规划方案:补缺口",
        "局长",
    )
    assert pd.Timestamp(last.period_end) == pd.Timestamp(newest_end)  # 数据截至 unchanged
    assert adopted.adopted_by == "局长" and adopted.adopted_at is not None
    assert official(engine, 2022) == other_year  # other years untouched


def plan_for_dict(before: dict, bump: int) -> dict:
    return {k: v + bump for k, v in before.items()}


def test_failure_during_adoption_keeps_old_targets(engine: Engine) -> None:
    before = official(engine, 2023)
    logged = log_rows(engine)
    sid = scenarios.save_scenario(
        engine,
        year=2023,
        name="失败测试",
        author="pytest",
        method="manual",
        parameters={},
        targets=plan_for(engine, 2023, 1),
    )
    with pytest.raises(RuntimeError, match="simulated"):
        scenarios.adopt_scenario(engine, sid, "pytest", _fail_after_delete=True)
    assert official(engine, 2023) == before
    assert log_rows(engine) == logged
    listed = scenarios.list_scenarios(engine, 2023).set_index("scenario_id")
    assert pd.isna(listed.loc[sid, "adopted_at"])


def test_errors_are_chinese(engine: Engine) -> None:
    with pytest.raises(scenarios.ScenarioError, match="请填写方案名称"):
        scenarios.save_scenario(
            engine,
            year=2023,
            name=" ",
            author="x",
            method="manual",
            parameters={},
            targets={("360121100", "resident"): 1},
        )
    with pytest.raises(scenarios.ScenarioError, match="不存在"):
        scenarios.adopt_scenario(engine, 987654, "x")


def test_tables_created_in_an_older_warehouse(tmp_path: Path) -> None:
    eng = create_warehouse_engine(demo_url(tmp_path / "old.duckdb"))
    try:
        _small_warehouse(eng)
        with eng.begin() as conn:
            conn.execute(delete(enrollment_target))
        from data_sources.schema import plan_scenario_target

        plan_scenario_target.drop(eng)
        plan_scenario.drop(eng)
        scenarios._READY.clear()
        assert scenarios.list_scenarios(eng, 2023).empty
    finally:
        eng.dispose()
