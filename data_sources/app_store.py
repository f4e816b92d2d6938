"""The app's own store: accounts, audit log, load log, planning scenarios and 督办 cases.

The warehouse holds the analytic facts and dimensions and may be read-only (a DuckDB file shared
by several dashboard processes) or without transactions (Spark/Hive). The app's own tables need
transactions and generated ids, so they live in an app store with a URL of its own
(`config.app_store_url`): by default the warehouse itself (one DuckDB file, as before), else
SQLite, DuckDB, PostgreSQL or MariaDB. When both URLs name one database, `get_app_engine`
returns the warehouse's engine itself, so a load keeps ONE transaction for its facts and its
load-log row.

Ids: every id column carries a Sequence. PostgreSQL, DuckDB and MariaDB (10.3+) use it; SQLite has
no sequences and SQLAlchemy makes the column `INTEGER PRIMARY KEY` (the rowid) there instead.

CLI: copy the app tables of a warehouse into a new app store (see `main`)::

    .venv/bin/python -m data_sources.app_store copy [--from 仓库地址] [--to 应用库地址]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import threading
from pathlib import Path

from sqlalchemy import Engine, Table, create_engine, event, func, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from data_sources.config import app_store_url, redact, sidecar_path

log = logging.getLogger("yibao.app_store")

SQLITE_BUSY_MS = 30_000  # a writer waits this long for another process's write to finish
COPY_CHUNK = 5_000


class AppStoreError(RuntimeError):
    """The app store cannot be used as asked; `message` says why and what to do, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def app_tables() -> tuple[Table, ...]:
    """Every app-store table, parents before children (imported late: cases imports metrics)."""
    from auth import store
    from data_sources import cases, schema

    return (
        store.app_user,
        store.audit_log,
        schema.load_log,
        schema.plan_scenario,
        schema.plan_scenario_target,
        cases.case_table,
        cases.case_event,
        cases.push_log,
    )


def rebuilt_tables() -> tuple[Table, ...]:
    """The app tables a full rebuild of the data starts afresh (children first, for dropping).

    Accounts, the audit trail and the cases survive a rebuild; the load log and the scenarios
    describe the data that was dropped, so they go with it (as before the split).
    """
    from data_sources import schema

    return (schema.plan_scenario_target, schema.plan_scenario, schema.load_log)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # The driver's own transaction handling off: SQLAlchemy's "begin" event issues BEGIN
    # (SQLAlchemy's documented recipe for pysqlite).
    dbapi_conn.isolation_level = None
    # WAL: readers never block the writer; busy_timeout: writers of other processes queue.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn) -> None:
    # pysqlite's own deferred BEGIN upgrades a read lock to a write lock mid-transaction, which
    # SQLite refuses at once (SQLITE_BUSY) instead of waiting; BEGIN IMMEDIATE waits its turn.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_app_engine(url: str) -> Engine:
    """An engine for an app-store URL (sqlite:///FILE or any warehouse URL).

    >>> create_app_engine("sqlite:///:memory:").dialect.name
    'sqlite'
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise AppStoreError(
            f"应用库地址格式不正确:{redact(url)}。请在环境变量 APP_STORE_URL 或 "
            ".streamlit/secrets.toml 的 [connections.app_store] url 中填写 SQLAlchemy 地址,"
            "例如 sqlite:////srv/yb/app_store.sqlite 或 postgresql+psycopg://用户名:密码@主机/库名。"
        ) from exc
    if parsed.get_backend_name() != "sqlite":
        from data_sources.engine import WarehouseError, create_warehouse_engine

        try:
            return create_warehouse_engine(url)
        except WarehouseError as exc:
            raise AppStoreError(exc.message.replace("数据仓库", "应用库")) from exc
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        parsed,
        connect_args={"timeout": SQLITE_BUSY_MS / 1000, "check_same_thread": False},
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _key(url) -> tuple:
    u = make_url(url) if isinstance(url, str) else url
    return (u.get_backend_name(), u.username, u.password, u.host, u.port, u.database)


def same_database(a: str, b: str) -> bool:
    """Whether two URLs name one database (driver options such as charset ignored).

    >>> same_database("mysql+pymysql://u@h/yb", "mysql+pymysql://u@h/yb?charset=utf8mb4")
    True
    """
    try:
        return _key(a) == _key(b)
    except ArgumentError:
        return a == b


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


_ENGINES: dict[str, Engine] = {}
_READY: set[str] = set()
_LOCK = threading.Lock()


def get_app_engine(warehouse: Engine, url: str | None = None) -> Engine:
    """The app store's engine for a warehouse engine (one per URL and process).

    The warehouse engine itself when the app store is the warehouse, so that a load writes its
    facts and its load-log row in one transaction. The default SQLite file of a read-only DuckDB
    warehouse is made on first use from the app tables the warehouse holds (`seed_sidecar`).
    """
    wh = url_of(warehouse)
    url = url or app_store_url(warehouse=wh)
    if same_database(url, wh):
        return warehouse
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            try:
                if url == f"sqlite:///{sidecar_path(wh)}" and warehouse.dialect.name == "duckdb":
                    seed_sidecar(warehouse, sidecar_path(wh))
                engine = create_app_engine(url)
                ensure_app_tables(engine)
            except (OSError, SQLAlchemyError) as exc:
                log.exception("opening the app store %s failed", redact(url))
                raise AppStoreError(
                    f"无法打开或建立应用库 {redact(url)}(账号、日志、方案、督办保存在那里):"
                    "请检查该文件所在目录可写、数据库可连接,或用环境变量 APP_STORE_URL(或 "
                    ".streamlit/secrets.toml 的 [connections.app_store] url)指定可写的应用库。"
                ) from exc
            _ENGINES[url] = engine
    return engine


def ensure_app_tables(engine: Engine) -> None:
    """Creates the missing app-store tables (idempotent; once per URL and process)."""
    key = url_of(engine)
    if key in _READY:
        return
    from auth import store
    from data_sources import cases, schema

    for md in (store.metadata, schema.app_metadata, cases.metadata):
        md.create_all(engine, checkfirst=True)
    _READY.add(key)


def forget(engine: Engine) -> None:
    """Forgets that the tables exist (after dropping them, e.g. in tests or a rebuild)."""
    _READY.discard(url_of(engine))


def reset_rebuilt_tables(engine: Engine) -> None:
    """Drops and recreates the load log and the scenarios (a rebuild of the data)."""
    from data_sources import schema

    schema.app_metadata.drop_all(engine, tables=list(rebuilt_tables()), checkfirst=True)
    schema.app_metadata.create_all(engine, tables=list(rebuilt_tables()), checkfirst=True)


# --- copying the app tables from one store to another (migration) ---------------------------


def _rows(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _advance_sequences(conn, table: Table) -> None:
    """Moves an id sequence past the copied ids, where the engine has sequences."""
    col = next((c for c in table.primary_key.columns if c.default is not None), None)
    seq = getattr(col, "default", None)
    if col is None or not getattr(seq, "is_sequence", False):
        return
    top = conn.execute(select(func.max(col))).scalar()
    if not top:
        return
    name = conn.dialect.identifier_preparer.format_sequence(seq)
    dialect = conn.dialect.name
    # Names come from the declarations, the number from the table: no input in the SQL text.
    if dialect == "postgresql":
        conn.execute(text("SELECT setval(:s, :n)"), {"s": seq.name, "n": int(top)})
    elif dialect in ("mysql", "mariadb") and conn.dialect.supports_sequences:
        conn.exec_driver_sql(f"SELECT SETVAL({name}, {int(top)})")
    elif dialect == "duckdb":
        conn.exec_driver_sql(f"DROP SEQUENCE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE SEQUENCE {name} START WITH {int(top) + 1}")


def copy_app_tables(source: Engine, target: Engine) -> dict[str, int]:
    """Copies every app table's rows from `source` into an EMPTY `target`; rows per table.

    Tables missing in the source (an older warehouse) are skipped. Refuses, changing nothing,
    when the target already holds accounts, load logs, scenarios or cases. Audit lines the target
    already has (refused logins before the copy) are kept: the copied ones get new ids after
    them (nothing refers to an audit id).
    """
    from auth import store

    ensure_app_tables(target)
    present = set(inspect(source).get_table_names())
    tables = [t for t in app_tables() if t.name in present]
    filled = [
        t.comment or t.name for t in app_tables() if t is not store.audit_log and _rows(target, t)
    ]
    if filled:
        raise AppStoreError(
            f"应用库 {redact(url_of(target))} 中已有数据({'、'.join(filled)}),未作复制,"
            "以免重复或覆盖。如需重新复制,请换一个空的应用库。"
        )
    renumber = _rows(target, store.audit_log) > 0
    counts: dict[str, int] = {}
    with source.connect() as src, target.begin() as dst:
        for table in tables:
            columns = list(table.columns)
            if table is store.audit_log and renumber:
                columns = [c for c in columns if c.name != "audit_id"]
            result = src.execute(select(*columns).order_by(*table.primary_key.columns))
            counts[table.name] = 0
            while chunk := result.fetchmany(COPY_CHUNK):
                dst.execute(insert(table), [dict(r._mapping) for r in chunk])
                counts[table.name] += len(chunk)
            if not (table is store.audit_log and renumber):
                _advance_sequences(dst, table)
    return counts


def seed_sidecar(warehouse: Engine, path: Path) -> None:
    """Makes the default SQLite app store of a DuckDB warehouse, with the warehouse's app rows.

    Built under a temporary name and linked into place, so several dashboard processes starting
    together neither see a half-copied store nor overwrite one another's (the first one wins).
    """
    if path.exists():
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.unlink(missing_ok=True)
    engine = create_app_engine(f"sqlite:///{tmp}")
    try:
        copied = copy_app_tables(warehouse, engine)
    finally:
        engine.dispose()
        forget(engine)
    # Password hashes and the audit trail: readable by the dashboard's own account only.
    os.chmod(tmp, 0o600)
    try:
        os.link(tmp, path)
        log.info("app store %s made from the warehouse: %s", path, copied)
    except FileExistsError:
        pass  # another process made it first: theirs is as good
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)


def has_accounts(engine: Engine) -> bool:
    """Whether the store holds any account (False when the table does not exist)."""
    from auth import store

    try:
        return _rows(engine, store.app_user) > 0
    except SQLAlchemyError:
        return False


def migration_hint(warehouse: Engine, app: Engine) -> str | None:
    """A Chinese note when the app store is separate and empty but the warehouse has accounts."""
    if app is warehouse or has_accounts(app) or not has_accounts(warehouse):
        return None
    return (
        f"应用库 {redact(url_of(app))} 中还没有账号,而数据仓库中保存着原有账号。请由系统管理员"
        "在服务器上运行 python -m data_sources.app_store copy,把账号、操作日志、加载日志、"
        "任务分解方案和督办事项复制到应用库后再登录。"
    )


def main(argv: list[str] | None = None) -> int:
    from data_sources.config import warehouse_url
    from data_sources.engine import WarehouseError, create_warehouse_engine

    parser = argparse.ArgumentParser(
        prog="python -m data_sources.app_store",
        description="应用库(账号、操作日志、加载日志、任务分解方案、督办事项)的维护。",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    cp = sub.add_parser("copy", help="把数据仓库中的应用表复制到一个空的应用库")
    cp.add_argument("--from", dest="source", default=None, help="来源(默认 WAREHOUSE_URL)")
    cp.add_argument("--to", dest="target", default=None, help="目标(默认 APP_STORE_URL)")
    sub.add_parser("where", help="显示数据仓库与应用库的地址")
    args = parser.parse_args(argv)
    wh = warehouse_url()
    if args.command == "where":
        print(f"数据仓库:{redact(wh)}")
        print(f"应用库:{redact(app_store_url(warehouse=wh))}")
        return 0
    source_url = args.source or wh
    target_url = args.target or app_store_url(warehouse=source_url)
    if same_database(source_url, target_url):
        print(
            f"错误:来源与目标是同一个库({redact(target_url)}),无需复制。请用 --to 或环境变量 "
            "APP_STORE_URL 指定新的应用库。",
            file=sys.stderr,
        )
        return 1
    source = target = None
    try:
        source = create_warehouse_engine(source_url, read_only=source_url.startswith("duckdb"))
        target = create_app_engine(target_url)
        counts = copy_app_tables(source, target)
    except (AppStoreError, WarehouseError) as exc:
        print(f"错误:{exc.message}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        log.debug("copy failed", exc_info=True)
        print(
            f"错误:复制失败({type(exc).__name__}),目标应用库未作修改。请检查两个库的连接"
            f"(来源 {redact(source_url)},目标 {redact(target_url)})后重试。",
            file=sys.stderr,
        )
        return 1
    finally:
        for e in (source, target):
            if e is not None:
                with contextlib.suppress(Exception):
                    e.dispose()
    print(f"已复制到应用库 {redact(target_url)}:")
    for name, n in counts.items():
        print(f"  {name:<22}{n:>8,} 行")
    return 0


if __name__ == "__main__":
    sys.exit(main())
