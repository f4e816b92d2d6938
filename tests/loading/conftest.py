"""Fixtures of the loading tests: an own writable copy of the demo warehouse per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine

from .helpers import frame


@pytest.fixture
def warehouse(demo_duckdb_path: Path, tmp_path: Path) -> Iterator[Engine]:
    """A writable copy of the session's demo file (loads write to it)."""
    own = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    engine = create_warehouse_engine(demo_url(own))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def shared_warehouse(
    demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One copy for tests that must not change it (refused files)."""
    own = tmp_path_factory.mktemp("loading") / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    engine = create_warehouse_engine(demo_url(own))
    yield engine
    engine.dispose()


# The demo's own figures that the bad-file tests build their rows from (one definition for both).
@dataclass(frozen=True)
class Ctx:
    sep: int  # 2023-09 enrollment of 莲塘镇 / resident / student in the demo
    oct: int
    nov: int


@pytest.fixture(scope="module")
def ctx(shared_warehouse: Engine) -> Ctx:
    f = frame(
        shared_warehouse,
        "SELECT month, enrolled FROM enrollment WHERE year = 2023 AND township_code = '360121100' "
        "AND scheme = 'resident' AND person_group = 'student' AND month IN (9, 10, 11)",
    )
    v = dict(zip(f.month, f.enrolled, strict=True))
    return Ctx(int(v[9]), int(v[10]), int(v[11]))
