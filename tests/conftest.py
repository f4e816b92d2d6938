"""Shared fixtures: the demo warehouse on DuckDB, and PostgreSQL / MariaDB servers for engine tests.

- `demo_duckdb_path` / `demo_warehouse_url`: the county demo, built once per session in a tmp dir.
  Open it read-only (`create_warehouse_engine(url, read_only=True)`): within one process a DuckDB
  file cannot be open with two configurations at once, and nothing should write to it.
- `pg_url` / `mariadb_url`: a scratch database of its own on the server named by `TEST_PG_URL` /
  `TEST_MARIADB_URL` (defaults: the local `test` databases), created for this session and dropped at
  its end, so that two test runs on one server never drop each other's tables. Tests may drop and
  create tables there freely. When the server cannot create databases, the URL itself is used.
- `pg_demo_url` / `mariadb_demo_url`: another scratch database holding the county demo, loaded once
  per session when first asked for (about 30 s each). Read it, never write to it.
- `pg_databases` / `mariadb_databases`: `.new(label)` makes more scratch databases.
- `spark_databases` / `spark_url` / `spark_demo_url`: a real Spark standalone cluster started from
  the pinned pyspark package when a Spark test needs it (tests/spark/cluster.py), a scratch
  database on it, and one holding the county demo.
- `chromium_path`: the system's Chromium for browser tests.

An unreachable server or a missing browser skips the tests that need it, with the reason, except
when the environment variable CI=true: CI must test the real engines and the browser, so there
the same condition fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from data_sources.config import demo_url, redact
from data_sources.demo import build
from data_sources.engine import create_warehouse_engine

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_MARIADB_URL = "mysql+pymysql://root@127.0.0.1:3306/test"

# Scratch databases are named pytest_<host>_<pid>_<random>_<label>; the host and pid let a later run
# on the same machine drop what a killed run left behind.
_HOST_TAG = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:4]
_SCRATCH_RE = re.compile(r"^pytest_([0-9a-f]{4})_(\d+)_[0-9a-f]{6}_[a-z0-9]+$")


# The AppTest entry script runs the whole app when imported; doctest collection must not.
collect_ignore = ["pages/entry.py"]


@pytest.fixture(autouse=True, scope="session")
def validate_charts() -> Iterator[None]:
    """Every chart a page shows in any test is checked against the Vega-Lite schema (the
    running app skips that check; see ui.memo.VALIDATE)."""
    from ui import memo

    memo.VALIDATE = True
    memo.clear()
    yield
    memo.VALIDATE = False


@pytest.fixture(autouse=True, scope="session")
def app_store_default_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The default app store of server warehouses (Spark's data/app_store.sqlite) lives in a tmp
    dir during tests: no test writes accounts or load logs into the project's data/."""
    from data_sources import config

    with pytest.MonkeyPatch.context() as mp:
        store = tmp_path_factory.mktemp("app_store") / "app_store.sqlite"
        mp.setattr(config, "DEFAULT_APP_STORE_PATH", store)
        yield


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Skips the test with the reason, or fails it when CI=true (CI must run every layer)."""
    if in_ci():
        pytest.fail(f"{reason}\n(CI=true:此项在 CI 中必须运行,不允许跳过 / must not skip in CI)")
    pytest.skip(reason)


# --- DuckDB demo -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_duckdb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The county demo warehouse as a DuckDB file, built once per test session."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    # build() disposes its writing engine before returning, so the file can then be opened
    # read-only in this process.
    build(demo_url(path), "county")
    return path


@pytest.fixture(scope="session")
def demo_warehouse_url(demo_duckdb_path: Path) -> str:
    """The duckdb:/// URL of the session's demo file."""
    return demo_url(demo_duckdb_path)


# --- PostgreSQL and MariaDB --------------------------------------------------------------------


def _reachable(url: str) -> str | None:
    """None when the server answers SELECT 1 at url, else the reason why not."""
    parsed = make_url(url)
    host = parsed.host or "127.0.0.1"
    port = parsed.port or (5432 if parsed.get_backend_name() == "postgresql" else 3306)
    try:
        with socket.create_connection((host, port), timeout=3):
            pass
    except OSError as exc:
        return f"{host}:{port} 无法连接 / unreachable ({exc})"
    engine = create_warehouse_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"连接失败 / connection failed: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class ScratchDatabases:
    """Creates databases on one server for this session and drops them at its end."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.backend = make_url(base_url).get_backend_name()
        self.created: list[str] = []
        self.token = f"{_HOST_TAG}_{os.getpid()}_{secrets.token_hex(3)}"
        self.can_create = True

    def _admin(self) -> Engine:
        return create_warehouse_engine(self.base_url).execution_options(
            isolation_level="AUTOCOMMIT"
        )

    def _names(self, conn) -> list[str]:
        if self.backend == "postgresql":
            sql = "SELECT datname FROM pg_database"
        else:
            sql = "SELECT schema_name FROM information_schema.schemata"
        return [row[0] for row in conn.execute(text(sql))]

    def _drop(self, conn, name: str) -> None:
        # Names are generated here (see _SCRATCH_RE), never taken from input.
        if self.backend == "postgresql":
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))

    def drop_stale(self) -> None:
        """Drops scratch databases left by killed runs on this machine (their process is gone)."""
        admin = self._admin()
        try:
            with admin.connect() as conn:
                for name in self._names(conn):
                    m = _SCRATCH_RE.match(name)
                    if m and m.group(1) == _HOST_TAG and not _pid_alive(int(m.group(2))):
                        with contextlib.suppress(Exception):
                            self._drop(conn, name)
        except Exception:
            pass
        finally:
            admin.dispose()

    def new(self, label: str) -> str:
        """The URL of a new empty database; the base URL itself if the server refuses."""
        if not self.can_create:
            return self.base_url
        name = f"pytest_{self.token}_{re.sub(r'[^a-z0-9]', '', label.lower()) or 'db'}"
        if name in self.created:  # a label asked for twice gets a database of its own each time
            name = f"{name}{len(self.created)}"
        admin = self._admin()
        try:
            with admin.connect() as conn:
                if self.backend == "postgresql":
                    conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8'"))
                else:
                    conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        except Exception as exc:
            self.can_create = False
            print(
                f"\n注意:无法在 {redact(self.base_url)} 上创建临时数据库({exc.__class__.__name__}),"
                "改用该库本身;并发的测试运行可能互相干扰。"
            )
            return self.base_url
        finally:
            admin.dispose()
        self.created.append(name)
        return make_url(self.base_url).set(database=name).render_as_string(hide_password=False)

    def drop_created(self) -> None:
        if not self.created:
            return
        admin = self._admin()
        try:
            with admin.connect() as conn:
                for name in self.created:
                    with contextlib.suppress(Exception):
                        self._drop(conn, name)
        finally:
            admin.dispose()


def _server(env: str, default: str, label: str) -> Iterator[ScratchDatabases]:
    url = os.environ.get(env) or default
    why = _reachable(url)
    if why is not None:
        skip_or_fail(
            f"{label} 服务器不可用 / {label} server not available: "
            f"{redact(url)}: {why}。可用环境变量 {env} 指定地址。"
        )
    databases = ScratchDatabases(url)
    databases.drop_stale()
    yield databases
    databases.drop_created()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[ScratchDatabases]:
    yield from _server("TEST_PG_URL", DEFAULT_PG_URL, "PostgreSQL")


@pytest.fixture(scope="session")
def mariadb_databases() -> Iterator[ScratchDatabases]:
    yield from _server("TEST_MARIADB_URL", DEFAULT_MARIADB_URL, "MariaDB")


@pytest.fixture(scope="session")
def pg_url(pg_databases: ScratchDatabases) -> str:
    """A PostgreSQL database for this session; tests may drop and create tables in it."""
    return pg_databases.new("main")


@pytest.fixture(scope="session")
def mariadb_url(mariadb_databases: ScratchDatabases) -> str:
    """A MariaDB database for this session; tests may drop and create tables in it."""
    return mariadb_databases.new("main")


@pytest.fixture(scope="session")
def pg_demo_url(pg_databases: ScratchDatabases) -> str:
    """A PostgreSQL database holding the county demo, loaded once per session. Read only."""
    url = pg_databases.new("demo")
    build(url, "county")
    return url


@pytest.fixture(scope="session")
def mariadb_demo_url(mariadb_databases: ScratchDatabases) -> str:
    """A MariaDB database holding the county demo, loaded once per session. Read only."""
    url = mariadb_databases.new("demo")
    build(url, "county")
    return url


# --- Spark (HiveServer2) ---------------------------------------------------------------------------


class SparkDatabases:
    """Databases on the session's Spark cluster: `.new(label)` creates one, returns its URL."""

    def __init__(self, cluster) -> None:
        self.cluster = cluster

    def new(self, label: str) -> str:
        engine = create_warehouse_engine(self.cluster.url())
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {label} CASCADE")
                conn.exec_driver_sql(f"CREATE DATABASE {label}")
        finally:
            engine.dispose()
        return self.cluster.url(label)


@pytest.fixture(scope="session")
def spark_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkDatabases]:
    """A real standalone Spark cluster (master, two workers, Thrift server) for this session,
    started when a Spark test first asks for it (35-65 s) and stopped at the session's end."""
    from tests.spark.cluster import SparkCluster, missing

    why = missing()
    if why is not None:
        skip_or_fail(f"无法启动 Spark 集群 / cannot start Spark: {why}")
    cluster = SparkCluster(tmp_path_factory.mktemp("spark"))
    try:
        cluster.start()
    except (RuntimeError, TimeoutError) as exc:
        pytest.fail(f"Spark 集群启动失败 / Spark cluster did not start: {exc}")
    try:
        yield SparkDatabases(cluster)
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def spark_url(spark_databases: SparkDatabases) -> str:
    """A scratch database of its own on the session's Spark cluster."""
    return spark_databases.new("scratch")


@pytest.fixture(scope="session")
def spark_demo_url(
    spark_databases: SparkDatabases, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A Spark database holding the county demo, loaded once per session (~40 s). Read only.

    Its load log goes to an app store of the session's own (a SQLite file in a tmp dir), not to
    the project's default data/app_store.sqlite."""
    url = spark_databases.new("demo")
    store = tmp_path_factory.mktemp("spark_app") / "app_store.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APP_STORE_URL", f"sqlite:///{store}")
        build(url, "county")
    return url


# --- Browser -----------------------------------------------------------------------------------

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The system's Chromium (Debian package `chromium`); env CHROMIUM_PATH overrides."""
    found = os.environ.get("CHROMIUM_PATH") or next(
        (p for p in map(shutil.which, CHROMIUM_NAMES) if p), None
    )
    if not found:
        skip_or_fail(
            "未找到 Chromium 浏览器,跳过浏览器测试 / Chromium not found: "
            "在 Debian/Ubuntu 上以 root 运行 python3 manage.py test 会自动安装"
            "(apt-get install chromium fonts-noto-cjk)。"
        )
    return str(found)
