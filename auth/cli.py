"""Accounts from the command line (on the server, by whoever runs the dashboard).

    python -m auth.cli create-admin USERNAME            # first 数据管理员; asks for the password
    python -m auth.cli reset-password USERNAME          # new password, unlocks the account
    python -m auth.cli add-user USERNAME --roles 乡镇医保所 --townships 360121101
    python -m auth.cli list

The password is asked twice with getpass, or read from standard input with --password-stdin
(one line, for scripts). The accounts are in the app store (APP_STORE_URL, or by default the
warehouse WAREHOUSE_URL; see data_sources.app_store and the README).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy.exc import SQLAlchemyError

from auth import roles as R
from auth import store
from data_sources import app_store, preflight
from data_sources.config import app_store_url, redact, warehouse_url
from data_sources.engine import WarehouseError, create_warehouse_engine


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("请输入密码(至少8位):")
    if first != getpass.getpass("请再次输入密码:"):
        raise store.AuthError("两次输入的密码不一致。")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m auth.cli", description="驾驶舱用户管理")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("create-admin", "创建数据管理员"),
        ("reset-password", "重置密码并解锁"),
        ("add-user", "添加用户"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("username")
        p.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
        if name != "reset-password":
            p.add_argument("--name", default=None, help="姓名(默认同用户名)")
        if name == "add-user":
            p.add_argument("--roles", required=True, help=f"角色,逗号分隔:{'、'.join(R.ROLES)}")
            p.add_argument("--townships", default="", help="乡镇代码,逗号分隔(乡镇医保所必填)")
    sub.add_parser("list", help="列出用户")
    args = parser.parse_args(argv)

    wh = warehouse_url()
    url = app_store_url(warehouse=wh)
    separate = not app_store.same_database(url, wh)
    try:
        # A DuckDB file that does not exist is a typo or a missing init, never created here.
        preflight.require_existing_file(wh)
        # With a separate app store the warehouse is only read (to seed a new SQLite store), so
        # a DuckDB file that running dashboards hold read-only can stay open for them.
        warehouse = create_warehouse_engine(wh, read_only=separate and wh.startswith("duckdb"))
        engine = app_store.get_app_engine(warehouse, url)
    except (preflight.PreflightError, WarehouseError, app_store.AppStoreError) as exc:
        print(f"错误:{exc.message}", file=sys.stderr)
        return 1
    except SQLAlchemyError:  # seeding a new app store could not read the warehouse
        print(f"错误:{preflight.connection_message(warehouse)}", file=sys.stderr)
        return 1
    try:
        store.ensure_tables(engine)
        if args.command == "list":
            for u in store.list_users(engine):
                towns = "、".join(sorted(u.townships))
                print(f"{u.username}\t{u.display_name}\t{'、'.join(sorted(u.roles))}\t{towns}")
            return 0
        if args.command == "reset-password":
            store.set_password(engine, args.username, _password(args.password_stdin))
            print(f"已重置用户“{args.username}”的密码,账号已解锁。")
            return 0
        if args.command == "create-admin":
            roles, towns = R.ADMIN, ""
        else:
            roles, towns = args.roles, args.townships
            if R.TOWNSHIP in R.parse_roles(roles) and not towns.strip():
                raise store.AuthError("乡镇医保所用户须用 --townships 指定乡镇代码。")
        store.create_user(
            engine, args.username, _password(args.password_stdin), roles, towns, args.name
        )
        print(f"已在 {redact(url)} 创建用户“{args.username}”(角色:{roles})。")
        return 0
    except (store.AuthError, ValueError) as exc:
        print(f"错误:{getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    except SQLAlchemyError:
        # Unreachable, locked (a running dashboard holds the DuckDB file) or lost mid-way: the
        # reason in Chinese, never the SQL or its parameters.
        print(f"错误:{preflight.connection_message(engine)}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
        warehouse.dispose()


if __name__ == "__main__":
    sys.exit(main())
