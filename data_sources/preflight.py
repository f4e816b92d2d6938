"""Checks a command line tool makes before it touches a warehouse, each failure a Chinese message.

The command line tools (data_sources.load, data_sources.init, auth.cli) never print a traceback:
an unreachable server, a DuckDB file locked by a running dashboard, a missing file or missing
tables become one message (without data rows or SQL parameters) and a non-zero exit code. The
classification of connection failures is `data_sources.engine.check_warehouse`'s; this module
adds what only a writing tool needs (the file exists, the tables exist).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from data_sources.config import redact
from data_sources.engine import check_warehouse
from data_sources.schema import metadata

INIT_HINT = (
    "python -m data_sources.init --url 地址 --region-name 名称 --region-code 代码 --level 县"
)


class PreflightError(RuntimeError):
    """The warehouse cannot be used; `message` says why and what to do, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def duckdb_file(url: str) -> Path | None:
    """The file of a duckdb:/// URL (None for other engines and for :memory:).

    >>> duckdb_file("duckdb:////data/yb.duckdb")
    PosixPath('/data/yb.duckdb')
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "duckdb" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def require_existing_file(url: str) -> None:
    """A DuckDB warehouse must exist already: a load must not create an empty file by accident."""
    path = duckdb_file(url)
    if path is not None and not path.is_file():
        raise PreflightError(
            f"数据仓库文件不存在:{path}。请先建立数据仓库:{INIT_HINT}(或检查地址是否写错)。"
        )


def connection_message(engine: Engine) -> str:
    """Why the warehouse cannot be reached, as engine.check_warehouse words it."""
    status = check_warehouse(engine)
    if not status.ok and "空的" not in status.message:
        return status.message
    where = redact(engine.url.render_as_string(hide_password=False))
    return f"无法访问数据仓库 {where},请检查服务器或文件是否可用后重试。"


def table_names(engine: Engine) -> set[str]:
    """Names of the tables in the warehouse; PreflightError when it cannot be reached."""
    try:
        return set(inspect(engine).get_table_names())
    except SQLAlchemyError:
        raise PreflightError(connection_message(engine)) from None


def require_schema(engine: Engine) -> None:
    """The dashboard's tables exist (the init command made them); else say how to make them."""
    missing = sorted(set(metadata.tables) - table_names(engine))
    if missing:
        where = redact(engine.url.render_as_string(hide_password=False))
        raise PreflightError(
            f"数据仓库 {where} 中缺少驾驶舱的数据表({'、'.join(missing[:5])}"
            f"{'等' if len(missing) > 5 else ''})。请先建立数据仓库:{INIT_HINT}。"
        )


def interrupted_message(exc: SQLAlchemyError) -> str:
    """A failure during a write: the transaction rolled back; no SQL or parameters are shown."""
    return (
        f"写入数据仓库时出错({type(exc).__name__}),例如连接中断或文件被占用;"
        "本次操作已整体撤销,数据仓库未作任何修改。请检查数据仓库后重试。"
    )
