"""Warehouses for the export tests.

- `demo_engine`: a private copy of the session's demo warehouse, opened read-only (a copy because
  the page tests' app opens the shared file for writing in this process, and DuckDB allows one
  configuration per file and process).
- `seed_engine`: a tiny warehouse whose Jan–Oct 2023 figures are those of seed 002 §一
  (94.52万人 = 83.68 + 10.84; 基金收入 9.28亿 = 5.56 + 3.72; 县域内基金支出 4.04亿 = 2.62 + 1.42, plus a
  县域外 item that must be left out; 59.16万人次; 医疗救助 19429人次, 1456.85万元). The other tables
  are those of tests/metrics/fixtures.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from data_sources.schema import LOAD_ORDER
from data_sources.writer import insert_frame, recreate_schema
from tests.metrics import fixtures

T1, T2 = fixtures.T1, fixtures.T2


@pytest.fixture(scope="module")
def demo_engine(
    demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    own = tmp_path_factory.mktemp("exports") / "demo.duckdb"
    shutil.copy(demo_duckdb_path, own)
    engine = create_warehouse_engine(demo_url(own), read_only=True)
    yield engine
    engine.dispose()


def seed_frames() -> dict[str, pd.DataFrame]:
    frames = dict(fixtures.FRAMES)
    # 参保 at the end of October 2023: 城乡居民 836,800 (T1 500,000 + T2 336,800), 职工 108,400.
    frames["enrollment"] = pd.DataFrame(
        [
            (2023, 10, T1, "resident", "general", 480_000),
            (2023, 10, T1, "resident", "poverty", 20_000),
            (2023, 10, T2, "resident", "general", 336_800),
            (2023, 10, T1, "employee", "general", 100_000),
            (2023, 10, T2, "employee", "general", 8_400),
        ],
        columns=["year", "month", "township_code", "scheme", "person_group", "enrolled"],
    )
    # 全县参保任务 1,000,175 人 (seed 002 §二(四)): 945,200 / 1,000,175 = 94.50%.
    frames["enrollment_target"] = pd.DataFrame(
        [
            (2023, T1, "resident", 530_000),
            (2023, T2, "resident", 355_000),
            (2023, T1, "employee", 105_175),
            (2023, T2, "employee", 10_000),
        ],
        columns=["year", "township_code", "scheme", "target"],
    )
    rows = []
    for month in range(1, 11):
        rows += [
            (2023, month, "resident", "income", "contribution", 55_600_000.00, None),
            (2023, month, "employee", "income", "contribution", 37_200_000.00, None),
            (2023, month, "resident", "spending", "inpatient", 26_200_000.00, 40_000),
            (2023, month, "employee", "spending", "inpatient", 14_200_000.00, 19_160),
            # 县域外 (市局统一做账): not in seed 002's 基金支出 nor its 报销人次
            (2023, month, "resident", "spending", "out_of_county", 9_000_000.00, 3_000),
        ]
    frames["fund_ledger"] = pd.DataFrame(
        rows, columns=["year", "month", "scheme", "flow", "item", "amount", "person_times"]
    ).astype({"person_times": "Int64"})
    # 19,429 payments, 14,568,500.00 元 in all.
    n = 19_429
    amounts = [750.00] * (n - 1) + [14_568_500.00 - 750.00 * (n - 1)]
    frames["assistance"] = pd.DataFrame(
        {
            "record_id": range(1, n + 1),
            "year": 2023,
            "month": [1 + i % 10 for i in range(n)],
            "township_code": [T1 if i % 2 else T2 for i in range(n)],
            "category": "dibao",
            "kind": "inpatient",
            "amount": amounts,
            "person_key": [f"p{i % 5000:05d}" for i in range(n)],
        }
    ).assign(pay_date=lambda f: pd.to_datetime(dict(year=f.year, month=f.month, day=15)).dt.date)
    return frames


@pytest.fixture(scope="module")
def seed_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("seed002") / "seed.duckdb"
    engine = create_warehouse_engine(demo_url(path))
    recreate_schema(engine)
    frames = seed_frames()
    with engine.begin() as conn:
        for table in LOAD_ORDER:
            insert_frame(conn, table, frames[table.name])
    yield engine
    engine.dispose()
