"""Fixtures of the app-store tests: warehouses and app stores on their own URLs, real engines."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from data_sources import app_store
from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from data_sources.schema import enrollment_target, township
from data_sources.writer import insert_frame, record_load, recreate_schema

TOWNS = pd.DataFrame(
    {
        "code": ["360121100", "360121101", "360121102"],
        "name": ["莲塘镇", "向塘镇", "小蓝街道"],
        "sort_order": [1, 2, 3],
    }
)
# 2024 targets of the small warehouse: (township, scheme) -> persons.
TARGETS_2024 = {
    ("360121100", "resident"): 130000,
    ("360121100", "employee"): 38000,
    ("360121101", "resident"): 77000,
    ("360121101", "employee"): 13500,
    ("360121102", "resident"): 60000,
    ("360121102", "employee"): 24000,
}
LOGGED_END = dt.date(2024, 10, 31)


_LABELS = itertools.count(1)


def _label(what: str) -> str:
    # A scratch database's name must be new each time: a name taken twice makes the server
    # refuse, and the fixture then falls back to the shared base database for the whole session.
    return f"{what}{next(_LABELS)}"


def rows(engine: Engine, table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def new_app_store(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> Engine:
    """An empty app store on `kind` (sqlite, duckdb, postgresql, mariadb), its tables created."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'app_store.sqlite'}"
    elif kind == "duckdb":
        url = demo_url(tmp_path / "app_store.duckdb")
    elif kind == "postgresql":
        url = request.getfixturevalue("pg_databases").new(_label("appstore"))
    else:
        url = request.getfixturevalue("mariadb_databases").new(_label("appstore"))
    engine = app_store.create_app_engine(url)
    app_store.ensure_app_tables(engine)
    return engine


def new_warehouse(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> Engine:
    """An empty warehouse on `kind` (duckdb file or postgresql)."""
    if kind == "duckdb":
        return create_warehouse_engine(demo_url(tmp_path / "warehouse.duckdb"))
    return create_warehouse_engine(request.getfixturevalue("pg_databases").new(_label("warehouse")))


def fill_small_warehouse(warehouse: Engine, app: Engine) -> None:
    """Three townships and their 2024 targets in the warehouse; one load logged in the app store."""
    recreate_schema(warehouse, app)
    targets = pd.DataFrame(
        [
            {"year": 2024, "township_code": t, "scheme": s, "target": n}
            for (t, s), n in TARGETS_2024.items()
        ]
    )
    with warehouse.begin() as conn:
        insert_frame(conn, township, TOWNS)
        insert_frame(conn, enrollment_target, targets)
    with app.begin() as conn:
        record_load(
            conn,
            table_name="enrollment_target",
            period="2024",
            period_end=LOGGED_END,
            rows=len(targets),
            source="测试",
            checksum="-",
            loaded_by="pytest",
        )


@pytest.fixture
def demo_copy(demo_duckdb_path: Path, tmp_path: Path) -> Iterator[Callable[[], Engine]]:
    """A writable copy of the session's demo file (its app tables still inside, as before)."""
    made: list[Engine] = []

    def make() -> Engine:
        own = tmp_path / "demo_copy.duckdb"
        shutil.copy(demo_duckdb_path, own)
        made.append(create_warehouse_engine(demo_url(own)))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()
