"""Engines for the warehouse, and the checks that turn connection failures into Chinese advice."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.dialects import registry
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from data_sources import areas
from data_sources.config import redact
from data_sources.schema import load_log

# spark://host:port/database: Spark SQL through HiveServer2 (Spark Thrift server, Kyuubi).
registry.register("spark", "data_sources.spark_dialect", "SparkDialect")


class WarehouseError(RuntimeError):
    """A problem with the warehouse, with a Chinese message that says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def create_warehouse_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine for any supported URL (duckdb:///FILE, postgresql+psycopg://…, mysql+pymysql://…,
    spark://host:10000/database).

    DuckDB files may be opened read-only so that several dashboard processes can share one file;
    a DuckDB file accepts one writing process or many reading ones.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise WarehouseError(
            f"数据仓库地址格式不正确:{redact(url)}。请在环境变量 WAREHOUSE_URL 或 "
            ".streamlit/secrets.toml 的 [connections.warehouse] url 中填写 SQLAlchemy 地址,"
            "例如 postgresql+psycopg://用户名:密码@主机:5432/库名。"
        ) from exc
    kwargs: dict = {}
    backend = parsed.get_backend_name()
    if backend == "duckdb":
        if read_only:
            kwargs["connect_args"] = {"read_only": True}
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["pool_recycle"] = 1800
        if backend == "spark":
            # A HiveServer2 session caches each table's files: after an import swapped a table
            # (data_sources.spark_writer) an older session reads the dropped files (no rows).
            # A session per checkout (~50 ms against ~0.5 s a statement) always reads the swap.
            kwargs = {"poolclass": NullPool}
        if backend in ("mysql", "mariadb"):
            parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    try:
        return create_engine(parsed, **kwargs)
    except NoSuchModuleError as exc:
        raise WarehouseError(
            f"不支持的数据仓库类型“{parsed.drivername}”。可用:duckdb、postgresql+psycopg、"
            "mysql+pymysql(MariaDB/Doris/StarRocks)、spark(Spark/Hive 的 HiveServer2、Kyuubi)。"
        ) from exc
    except ImportError as exc:
        raise WarehouseError(
            f"缺少数据库驱动({exc.name}),请重新执行安装命令或 pip install -r requirements.txt。"
        ) from exc


@dataclass(frozen=True)
class WarehouseStatus:
    ok: bool
    message: str
    problem: str = ""  # one of PROBLEMS, "empty" or "app_store"; "" when ok


# Why a connection or the first query failed, from the driver's error. psycopg reports failures
# at connection time without an SQLSTATE, so its (English, stable) server texts are matched;
# PyMySQL gives the MySQL error number. Order matters: "role … does not exist" and "database …
# does not exist" before the tables' "does not exist".
PROBLEMS = ("no_server", "password", "no_role", "no_database", "no_permission", "no_tables", "busy")
_MYSQL_CODES = {
    2003: "no_server",  # can't connect
    2005: "no_server",  # unknown host
    2013: "no_server",  # lost connection during the handshake
    1045: "password",  # access denied: MySQL does not say whether the user exists
    1049: "no_database",
    1044: "no_permission",  # access denied to the database
    1142: "no_permission",  # command denied on a table
    1146: "no_tables",
}
_TEXTS = (
    ("password authentication failed", "password"),
    ("authentication failed", "password"),
    ("is not permitted to log in", "no_permission"),
    ('role "', "no_role"),
    ('database "', "no_database"),
    ("unknown database", "no_database"),
    ("permission denied", "no_permission"),
    ("no pg_hba.conf entry", "no_permission"),
    ("does not exist", "no_tables"),
    ("doesn't exist", "no_tables"),
    ("no such table", "no_tables"),
    ("table with name", "no_tables"),  # DuckDB's Catalog Error
    ("lock", "busy"),
    ("connection refused", "no_server"),
    ("could not connect", "no_server"),
    ("can't connect", "no_server"),
    ("failed to resolve host", "no_server"),
    ("name or service not known", "no_server"),
    ("timeout", "no_server"),
    ("timed out", "no_server"),
    ("no route to host", "no_server"),
)


def classify(exc: BaseException) -> str:
    """The kind of warehouse failure (one of PROBLEMS); "no_server" when nothing matches.

    >>> import pymysql
    >>> classify(pymysql.err.OperationalError(1049, "Unknown database 'yb'"))
    'no_database'
    """
    orig = getattr(exc, "orig", None) or exc
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and args[0] in _MYSQL_CODES:
        return _MYSQL_CODES[args[0]]
    text = str(orig).lower()
    for needle, problem in _TEXTS:
        if needle in text:
            return problem
    return "no_server"


def problem_message(problem: str, engine: Engine) -> str:
    """The Chinese advice for a failure of `classify` on this engine (password never shown)."""
    where = redact(engine.url.render_as_string(hide_password=False))
    user = engine.url.username or ""
    database = engine.url.database or ""
    config = "(环境变量 WAREHOUSE_URL 或 .streamlit/secrets.toml)"
    return {
        "no_server": f"无法连接数据仓库服务器 {where}:服务器没有启动,或主机名、端口不正确,"
        f"或网络不通。请检查服务器状态和地址{config}。",
        "password": f"数据仓库 {where} 拒绝登录:用户名“{user}”或密码不正确。"
        f"请核对地址中的用户名和密码{config}。",
        "no_role": f"数据仓库服务器 {where} 上没有用户(角色)“{user}”。"
        f"请由数据库管理员创建该用户并授权,或改用已有用户{config}。",
        "no_database": f"数据仓库服务器 {where} 上没有数据库“{database}”。请先创建该数据库"
        f"(如 CREATE DATABASE {database or '库名'}),或改正地址中的库名{config}。",
        "no_permission": f"数据仓库 {where} 拒绝用户“{user}”访问驾驶舱的数据表或本机连接:"
        "请由数据库管理员授予读取权限(任务分解与数据导入另需写入权限)。",
        "no_tables": f"数据仓库 {where} 中没有驾驶舱的数据表。请先建立数据仓库:python -m "
        "data_sources.init --url 地址 --region-name 名称 --region-code 代码 --level 县(见 README)。",
        "busy": f"数据仓库文件 {where} 正被其他程序以写入方式占用(例如正在生成或导入数据),"
        "请等待其完成后刷新页面。",
    }[problem]


def check_warehouse(engine: Engine, app_engine: Engine | None = None) -> WarehouseStatus:
    """Connects, checks the schema exists and holds data; says in Chinese what is wrong.

    The load log is read from the app store (`app_engine`, by default the one configured for
    this warehouse: data_sources.app_store).
    """
    where = redact(engine.url.render_as_string(hide_password=False))
    if app_engine is None:
        from data_sources.app_store import AppStoreError, get_app_engine

        try:
            app_engine = get_app_engine(engine)
        except (AppStoreError, SQLAlchemyError):
            app_engine = engine  # the warehouse's own failure is the one to report first
    same = app_engine is engine
    try:
        with engine.connect() as conn:
            # One connection when the app store is the warehouse, as before the split.
            loads = (
                conn.execute(select(func.count()).select_from(load_log)).scalar_one() if same else 0
            )
            facts = int(areas.has_any_facts(conn))  # any area's data, not enrollment only
            # A warehouse made by data_sources.init opens empty, so the administrator can log in
            # and import; each page then says which area is not loaded yet.
            initialised = areas.initialised(conn)
    except DBAPIError as exc:
        problem = classify(exc)
        return WarehouseStatus(False, problem_message(problem, engine), problem)
    except SQLAlchemyError:
        return WarehouseStatus(False, f"访问数据仓库 {where} 时出错,请联系系统管理员查看日志。")
    if not same:
        try:
            with app_engine.connect() as app:
                app.execute(select(func.count()).select_from(load_log)).scalar_one()
        except SQLAlchemyError:
            app_where = redact(app_engine.url.render_as_string(hide_password=False))
            return WarehouseStatus(
                False,
                f"无法读取应用库 {app_where}(账号、加载日志等):请检查应用库是否可用,"
                "以及环境变量 APP_STORE_URL 或 .streamlit/secrets.toml 的 "
                "[connections.app_store] url 是否正确。",
                "app_store",
            )
    # A separate app store may be new (its load log empty) while the warehouse is full: there only
    # the facts tell whether the warehouse is empty.
    nothing = loads == 0 or facts == 0 if same else facts == 0
    if nothing and not initialised:
        return WarehouseStatus(
            False,
            f"数据仓库 {where} 是空的:尚未导入任何数据。请数据管理员登录后在“数据导入”页按顺序导入"
            "(先乡镇名录),或运行 python -m data_sources.load 文件 --kind 类型 --yes(见 README)。",
            "empty",
        )
    return WarehouseStatus(True, "")
