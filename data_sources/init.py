"""Creates a real, EMPTY warehouse on any supported URL: how a bureau starts with its own data.

    python -m data_sources.init --url duckdb:///data/yb.duckdb --region-name 某某县 \\
        --region-code 360121 --level 县 [--admin 管理员 --password-stdin]

- creates every table of the dashboard that is missing, never drops or empties one: running it
  again changes nothing but the recorded region. The app's own tables (accounts, audit log,
  load log, scenarios, 督办 cases) go to the app store: `--app-store-url` (or APP_STORE_URL),
  by default the warehouse itself (see data_sources.app_store);
- refuses, with a Chinese message, when the target already holds tables that are not the
  dashboard's (another application's database) unless `--allow-foreign-tables`;
- records the region (name, code, level 县/区/市) so texts say 全县/全区/全市;
- creates the first 数据管理员 with `--admin NAME` (password typed twice, or one line on
  standard input with `--password-stdin`), or asks whether to when run at a terminal.

Then load the files in the order `data_sources.load_specs.LOAD_STEPS` gives (乡镇 first), with
`python -m data_sources.load` or on the 数据导入 page.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from data_sources import app_store, olap, preflight, region
from data_sources.config import redact
from data_sources.schema import metadata

EXIT_OK, EXIT_ERROR, EXIT_FOREIGN = 0, 1, 2


def app_table_names() -> set[str]:
    return {t.name for t in app_store.app_tables()}


def known_tables() -> set[str]:
    return set(metadata.tables) | app_table_names()


def foreign_tables(engine: Engine) -> list[str]:
    """Tables in the target that the dashboard did not declare."""
    return sorted(preflight.table_names(engine) - known_tables())


def create_tables(engine: Engine, app: Engine | None = None) -> list[str]:
    """Creates the missing tables (data in `engine`; accounts, logs, scenarios, cases in the app
    store `app`, by default the same); returns the names it created."""
    from data_sources import upgrade

    app = app or engine
    before = preflight.table_names(engine)
    app_before = before if app is engine else preflight.table_names(app)
    if olap.olap_engine_name(engine.dialect.name):  # starrocks:// or doris:// (untested live)
        created_olap = olap.create_missing(engine)  # accounts etc. belong in the app store there
        if app is engine:
            return created_olap
        app_store.forget(app)
        app_store.ensure_app_tables(app)
        return sorted(set(created_olap) | (app_table_names() - app_before))
    metadata.create_all(engine, checkfirst=True)
    app_store.forget(app)
    app_store.ensure_app_tables(app)
    added = upgrade.upgrade(engine)  # columns declared after an older warehouse was built
    created = set(metadata.tables) - before
    created |= app_table_names() - app_before
    return sorted(created) + added


def _ask_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("请输入管理员密码(至少8位):")
    if first != getpass.getpass("请再次输入密码:"):
        from auth.store import AuthError

        raise AuthError("两次输入的密码不一致。")
    return first


def create_admin(engine: Engine, username: str, password: str) -> str:
    """The first 数据管理员 (auth.store rules: unique name, password of 8+ characters)."""
    from auth import roles, store

    store.create_user(engine, username, password, roles.ADMIN, "", by="init")
    return f"已创建数据管理员“{username}”。"


def _has_users(engine: Engine) -> bool:
    from auth import store

    return bool(store.list_users(engine))


def run(
    url: str,
    name: str,
    code: str,
    level: str,
    *,
    allow_foreign: bool = False,
    admin: str | None = None,
    password: Callable[[], str] | None = None,
    out: Callable[[str], None] = print,
    app_store_url: str | None = None,
) -> int:
    """The command without argument parsing; returns the exit code, prints Chinese lines.

    `app_store_url`: where accounts, logs, scenarios and cases go (default: APP_STORE_URL, else
    the warehouse itself, or its SQLite file when the warehouse cannot hold them).
    """
    from auth.store import AuthError
    from data_sources.engine import WarehouseError, create_warehouse_engine

    problems = region.check_region(name, code, level)
    if problems:
        for p in problems:
            out(f"错误:{p}")
        return EXIT_ERROR
    path = preflight.duckdb_file(url)
    if path is not None and not path.parent.is_dir():
        out(f"错误:目录不存在:{path.parent}。请先建立该目录,或换一个文件路径。")
        return EXIT_ERROR
    from data_sources.config import app_store_url as configured_app_store

    app_url = app_store_url or configured_app_store(warehouse=url)
    try:
        engine = create_warehouse_engine(url)
        app = app_store.get_app_engine(engine, app_url)
    except (WarehouseError, app_store.AppStoreError) as exc:
        out(f"错误:{exc.message}")
        return EXIT_ERROR
    where = redact(url)
    try:
        foreign = foreign_tables(engine)
        if foreign and not allow_foreign:
            shown = "、".join(foreign[:8]) + ("等" if len(foreign) > 8 else "")
            out(
                f"错误:{where} 中已有 {len(foreign)} 张不属于驾驶舱的数据表({shown}),"
                "可能是其他系统的数据库,未作任何修改。请换一个空的数据库;确认要在其中建立"
                "驾驶舱的数据表时,加 --allow-foreign-tables(不会改动这些表)。"
            )
            return EXIT_FOREIGN
        created = create_tables(engine, app)
        region.write_region(engine, name, code, level)
        if created:
            out(f"已在 {where} 建立驾驶舱数据表 {len(created)} 张(均为空表)。")
        else:
            out(f"{where} 中驾驶舱的数据表均已存在,未作改动(已有数据保持不变)。")
        if app is not engine:
            out(
                f"账号、操作日志、加载日志、任务分解方案和督办事项保存在应用库 {redact(app_url)}"
                "(运行驾驶舱和导入命令时请设置相同的 APP_STORE_URL)。"
            )
            if hint := app_store.migration_hint(engine, app):
                out(hint)
        out(f"地区:{name.strip()}({code},{level}),报告中称“{region.scope_word_for(level)}”。")
        if admin:
            out(create_admin(app, admin, (password or (lambda: _ask_password(False)))()))
        elif not _has_users(app):
            out(
                "尚无登录账号:请用 --admin 用户名 创建第一个数据管理员,或运行 "
                "python -m auth.cli create-admin 用户名。"
            )
        out(
            "下一步:按顺序导入数据(先乡镇,再机构、分组等名录,最后月度数据),"
            "可在驾驶舱“数据导入”页上传,或运行 python -m data_sources.load 文件 --kind 类型;"
            "查看类型与顺序:python -m data_sources.load --help。"
        )
        return EXIT_OK
    except preflight.PreflightError as exc:
        out(f"错误:{exc.message}")
        return EXIT_ERROR
    except AuthError as exc:
        out(f"错误:数据表已建立,但未能创建管理员:{exc.message}")
        return EXIT_ERROR
    except SQLAlchemyError:
        out(f"错误:{preflight.connection_message(engine)}")
        return EXIT_ERROR
    finally:
        engine.dispose()
        if app is not engine:
            app.dispose()


def main(argv: list[str] | None = None) -> int:
    from data_sources.config import warehouse_url

    parser = argparse.ArgumentParser(
        prog="python -m data_sources.init",
        description="建立一个空的驾驶舱数据仓库(DuckDB 文件、PostgreSQL 或 MariaDB),"
        "记录所属地区,可同时创建第一个数据管理员。重复运行不会删除任何数据。",
    )
    parser.add_argument("--url", default=None, help="数据仓库地址(默认 WAREHOUSE_URL)")
    parser.add_argument(
        "--print-ddl",
        choices=olap.ENGINES,
        default=None,
        help="只打印 StarRocks 或 Doris 的建表语句(供数据库管理员执行),不连接数据库",
    )
    parser.add_argument("--region-name", help="地区名称,如 南昌县")
    parser.add_argument("--region-code", help="6位行政区划代码,如 360121")
    parser.add_argument("--level", choices=region.LEVELS, help="级别:县、区或市")
    parser.add_argument(
        "--allow-foreign-tables",
        "--force",
        action="store_true",
        help="目标库中已有其他系统的表时仍然建立(不改动那些表)",
    )
    parser.add_argument("--admin", default=None, help="同时创建的第一个数据管理员用户名")
    parser.add_argument(
        "--password-stdin", action="store_true", help="管理员密码从标准输入读取(一行)"
    )
    parser.add_argument(
        "--app-store-url",
        default=None,
        help="应用库地址(账号、日志、方案、督办;默认 APP_STORE_URL,否则同数据仓库)",
    )
    args = parser.parse_args(argv)
    if args.print_ddl:
        sys.stdout.write(olap.ddl_script(args.print_ddl))
        return EXIT_OK
    missing = [
        f"--{n}"
        for n in ("region-name", "region-code", "level")
        if not getattr(args, n.replace("-", "_"))
    ]
    if missing:
        parser.error(f"缺少参数:{'、'.join(missing)}")
    url = args.url or warehouse_url()
    admin = args.admin
    if admin is None and not args.password_stdin and sys.stdin.isatty():
        answer = input("是否现在创建第一个数据管理员?输入用户名(直接回车跳过):").strip()
        admin = answer or None
    code = run(
        url,
        args.region_name,
        args.region_code,
        args.level,
        allow_foreign=args.allow_foreign_tables,
        admin=admin,
        password=lambda: _ask_password(args.password_stdin),
        app_store_url=args.app_store_url,
        out=lambda line: print(line, file=sys.stderr if line.startswith("错误") else sys.stdout),
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
