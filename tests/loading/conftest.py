"""Fixtures of the loading tests: an own writable copy of the demo warehouse per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine


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
