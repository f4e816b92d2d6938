"""The small warehouse of tests/metrics/fixtures.py plus two institutions, so a township has two
drivers in one area and their order is not the order of their codes.

Added (2023 only; enrollment and every other table unchanged):
- H4 莲塘镇中心医院 (T1, hospital): DRG budget 24,000.00, paid 6,000.00 (Feb) + 8,000.00 (Mar);
  agreed P1 400, purchased P1 30 (Feb).
- C5 向塘镇卫生院 (T2, health centre): agreed P1 400, purchased P1 20 (Jan) + 60 (Mar).

`drill_engine` is parametrized over DuckDB and PostgreSQL (the session's scratch database).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from data_sources.engine import create_warehouse_engine
from data_sources.schema import LOAD_ORDER
from data_sources.writer import insert_frame, recreate_schema
from tests.metrics import fixtures

T1, T2 = fixtures.T1, fixtures.T2
H4, C5 = "H360121004", "C360121005"


def _plus(name: str, rows: list[tuple]) -> pd.DataFrame:
    base = fixtures.FRAMES[name]
    extra = pd.DataFrame(rows, columns=base.columns)
    return pd.concat([base, extra], ignore_index=True).astype(base.dtypes.to_dict())


def drill_frames() -> dict[str, pd.DataFrame]:
    frames = dict(fixtures.FRAMES)
    frames["institution"] = _plus(
        "institution",
        [
            (H4, "莲塘镇中心医院", "hospital", "一级", T1, None),
            (C5, "向塘镇卫生院", "health_centre", "一级", T2, None),
        ],
    )
    frames["proc_agreement"] = _plus(
        "proc_agreement", [(2023, "P1", H4, 400), (2023, "P1", C5, 400)]
    )
    frames["proc_purchase"] = _plus(
        "proc_purchase",
        [(2023, 2, "P1", H4, 30), (2023, 1, "P1", C5, 20), (2023, 3, "P1", C5, 60)],
    )
    frames["drg_budget"] = _plus("drg_budget", [(2023, H4, 24000.00)])
    frames["drg_case"] = _plus(
        "drg_case",
        [
            (8, 2023, 2, H4, "G2", 0.8, "normal", 9000.00, 6000.00),
            (9, 2023, 3, H4, "G1", 1.2, "normal", 12000.00, 8000.00),
        ],
    )
    return frames


def _load(engine: Engine) -> Engine:
    recreate_schema(engine)
    frames = drill_frames()
    with engine.begin() as conn:
        for table in LOAD_ORDER:
            insert_frame(conn, table, frames[table.name])
    return engine


@pytest.fixture(scope="module")
def duckdb_drill(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("drill") / "drill.duckdb"
    engine = create_warehouse_engine(f"duckdb:///{path}")
    try:
        yield _load(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def pg_drill(pg_url: str) -> Iterator[Engine]:
    engine = create_warehouse_engine(pg_url)
    try:
        yield _load(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def drill_engine(request: pytest.FixtureRequest) -> Engine:
    """The drill warehouse on each engine."""
    return request.getfixturevalue("duckdb_drill" if request.param == "duckdb" else "pg_drill")
