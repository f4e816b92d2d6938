"""The hand-built warehouse of `fixtures.py`, loaded into DuckDB, PostgreSQL, MariaDB and Spark.

`warehouse` is parametrized over the four engines (session-scoped: each is loaded once);
`duckdb_warehouse` is the DuckDB one alone, for tests that need one engine only.

The server databases are this module's own (`test_metrics`), never `test`, which another test
module rebuilds. An unreachable server skips with the reason, or fails when CI=true.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from data_sources.engine import create_warehouse_engine
from data_sources.schema import LOAD_ORDER
from data_sources.writer import insert_frame, recreate_schema
from metrics.model import Viewer
from tests.metrics import fixtures

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test_metrics"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MARIADB_URL = "mysql+pymysql://root@127.0.0.1:3306/test_metrics"
MARIADB_ADMIN_URL = "mysql+pymysql://root@127.0.0.1:3306/"
DB_NAME = "test_metrics"

# A county viewer allowed to see small cells: the exact values of sensitive metrics.
PRIVILEGED = Viewer(name="county-admin", can_see_small_cells=True)


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason}\n(CI=true: the engine tests must run, not skip)")
    pytest.skip(reason)


def _port_open(url: str) -> str | None:
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host, parsed.port), timeout=3):
            return None
    except OSError as exc:
        return f"{parsed.host}:{parsed.port} unreachable ({exc})"


def load(engine: Engine) -> Engine:
    if engine.dialect.name == "spark":
        # Only the warehouse tables: the app's own need sequences and transactions.
        from data_sources import spark_writer

        with engine.connect() as conn:
            spark_writer.drop_tables(conn)
            spark_writer.create_tables(conn)
    else:
        recreate_schema(engine)
    with engine.begin() as conn:
        for table in LOAD_ORDER:
            insert_frame(conn, table, fixtures.FRAMES[table.name])
    return engine


def _server_engine(url: str, admin_url: str, label: str) -> Iterator[Engine]:
    why = _port_open(url)
    if why is not None:
        _skip_or_fail(f"{label} server not available: {why}")
    admin = create_warehouse_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if admin.dialect.name == "postgresql":
                exists = conn.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": DB_NAME}
                ).first()
                if not exists:
                    conn.execute(text(f"CREATE DATABASE {DB_NAME} ENCODING 'UTF8'"))
            else:
                conn.execute(text(f"CREATE DATABASE IF NOT EXISTS {DB_NAME} CHARACTER SET utf8mb4"))
    except Exception as exc:
        _skip_or_fail(f"{label}: cannot create database {DB_NAME}: {type(exc).__name__}: {exc}")
    finally:
        admin.dispose()
    engine = create_warehouse_engine(url)
    try:
        yield load(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def duckdb_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path: Path = tmp_path_factory.mktemp("metrics") / "metrics.duckdb"
    engine = create_warehouse_engine(f"duckdb:///{path}")
    try:
        yield load(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_warehouse() -> Iterator[Engine]:
    yield from _server_engine(PG_URL, PG_ADMIN_URL, "PostgreSQL")


@pytest.fixture(scope="session")
def mariadb_warehouse() -> Iterator[Engine]:
    yield from _server_engine(MARIADB_URL, MARIADB_ADMIN_URL, "MariaDB")


@pytest.fixture(scope="session")
def spark_warehouse(spark_databases) -> Iterator[Engine]:
    """The fixture on the session's Spark cluster, through multi-row INSERT statements."""
    engine = create_warehouse_engine(spark_databases.new("metrics"))
    try:
        yield load(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session", params=["duckdb", "postgresql", "mariadb", "spark"])
def warehouse(request: pytest.FixtureRequest) -> Engine:
    """The same tiny warehouse on each engine."""
    return request.getfixturevalue(f"{request.param}_warehouse".replace("postgresql", "pg"))
