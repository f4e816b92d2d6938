"""Engines for the warehouse, and the checks that turn connection failures into Chinese advice."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from data_sources import areas
from data_sources.config import redact
from data_sources.schema import load_log


class WarehouseError(RuntimeError):
    """A problem with the warehouse, with a Chinese message that says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def create_warehouse_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine for any supported URL (duckdb:///FILE, postgresql+psycopg://…, mysql+pymysql://…).

    DuckDB files may be opened read-only so that several dashboard processes can share one file;
    a DuckDB file accepts one writing process or many reading ones.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise WarehouseError(
            f"数据仓库地址格式不正确:{url!r}。请在环境变量 WAREHOUSE_URL 或 "
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
        if backend in ("mysql", "mariadb"):
            parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    try:
        return create_engine(parsed, **kwargs)
    except NoSuchModuleError as exc:
        raise WarehouseError(
            f"不支持的数据仓库类型“{parsed.drivername}”。可用:duckdb、postgresql+psycopg、"
            "mysql+pymysql(MariaDB/Doris/StarRocks)。"
        ) from exc
    except ImportError as exc:
        raise WarehouseError(
            f"缺少数据库驱动({exc.name}),请重新执行安装命令或 pip install -r requirements.txt。"
        ) from exc


@dataclass(frozen=True)
class WarehouseStatus:
    ok: bool
    message: str


def check_warehouse(engine: Engine) -> WarehouseStatus:
    """Connects, checks the schema exists and holds data; says in Chinese what is wrong."""
    where = redact(engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            loads = conn.execute(select(func.count()).select_from(load_log)).scalar_one()
            facts = int(areas.has_any_facts(conn))  # any area's data, not enrollment only
            # A warehouse made by data_sources.init opens empty, so the administrator can log in
            # and import; each page then says which area is not loaded yet.
            initialised = areas.initialised(conn)
    except DBAPIError as exc:
        text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
        if any(
            k in text for k in ("does not exist", "doesn't exist", "no such table", "not exist")
        ):
            return WarehouseStatus(
                False,
                f"数据仓库 {where} 中没有驾驶舱的数据表。请先建立数据仓库:python -m data_sources.init "
                "--url 地址 --region-name 名称 --region-code 代码 --level 县(见 README)。",
            )
        if "lock" in text:
            return WarehouseStatus(
                False,
                f"数据仓库文件 {where} 正被其他程序以写入方式占用(例如正在生成或导入数据),"
                "请等待其完成后刷新页面。",
            )
        return WarehouseStatus(
            False,
            f"无法连接数据仓库 {where}:请检查服务器是否启动、地址/端口/用户名/密码是否正确"
            "(环境变量 WAREHOUSE_URL 或 .streamlit/secrets.toml)。",
        )
    except SQLAlchemyError:
        return WarehouseStatus(False, f"访问数据仓库 {where} 时出错,请联系系统管理员查看日志。")
    if (loads == 0 or facts == 0) and not initialised:
        return WarehouseStatus(
            False,
            f"数据仓库 {where} 是空的:尚未导入任何数据。请数据管理员登录后在“数据导入”页按顺序导入"
            "(先乡镇名录),或运行 python -m data_sources.load 文件 --kind 类型 --yes(见 README)。",
        )
    return WarehouseStatus(True, "")
