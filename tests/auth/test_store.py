"""Accounts in the warehouse: bcrypt hashes, wrong passwords, locking, the audit log, the CLI."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select

from auth import cli, store
from data_sources.engine import create_warehouse_engine
from metrics import settings


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = create_warehouse_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    store.ensure_tables(eng)
    yield eng
    eng.dispose()


def test_tables_and_hash(engine: Engine) -> None:
    assert {"app_user", "audit_log"} <= set(inspect(engine).get_table_names())
    store.ensure_tables(engine)  # idempotent
    store.create_user(engine, "li", "correct-horse", "科室人员")
    with engine.connect() as conn:
        stored = conn.execute(select(store.app_user.c.password_hash)).scalar_one()
    assert stored.startswith("$2") and "correct-horse" not in stored
    with pytest.raises(store.AuthError, match="已存在"):
        store.create_user(engine, "li", "another-pass", "科室人员")
    with pytest.raises(store.AuthError, match="至少需要8位"):
        store.create_user(engine, "wang", "short", "科室人员")


def test_wrong_password_then_lock(engine: Engine) -> None:
    store.create_user(engine, "li", "correct-horse", "科室人员")
    assert store.authenticate(engine, "li", "correct-horse").roles == {"科室人员"}
    refused = f"^{re.escape(store.refused_message())}$"
    assert store.refused_message().startswith("用户名或密码错误")
    with pytest.raises(store.AuthError, match=refused):
        store.authenticate(engine, "nobody", "correct-horse")
    now = dt.datetime(2026, 11, 1, 9, 0)
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        with pytest.raises(store.AuthError, match=refused):
            store.authenticate(engine, "li", "wrong", now=now)
    # The fifth locks the account; the message is the same (it must not tell who exists).
    with pytest.raises(store.AuthError, match=refused):
        store.authenticate(engine, "li", "wrong", now=now)
    # Locked: even the right password is refused until the lock ends.
    with pytest.raises(store.AuthError, match=refused):
        store.authenticate(engine, "li", "correct-horse", now=now + dt.timedelta(minutes=14))
    details = store.read_audit(engine, username="li", action="login_failed")["detail"].tolist()
    assert "账号锁定中" in details and "密码错误(连续第5次),账号锁定" in details
    later = now + dt.timedelta(minutes=settings.LOGIN_LOCK_MINUTES + 1)
    assert store.authenticate(engine, "li", "correct-horse", now=later).username == "li"
    # A password reset unlocks too.
    for _ in range(settings.LOGIN_MAX_FAILURES):
        with pytest.raises(store.AuthError):
            store.authenticate(engine, "li", "wrong", now=later)
    store.set_password(engine, "li", "new-password")
    assert store.authenticate(engine, "li", "new-password", now=later).username == "li"
    log = store.read_audit(engine)
    assert {"login", "login_failed", "user"} <= set(log.action)
    assert (log.username == "li").any()


def test_cli_create_admin_add_user_reset(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", str(engine.url))
    engine.dispose()  # the CLI opens the file itself
    monkeypatch.setattr("sys.stdin", io.StringIO("admin-pass-1\n"))
    assert cli.main(["create-admin", "admin", "--password-stdin"]) == 0
    assert "已在" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("town-pass-1\n"))
    argv = ["add-user", "xt", "--roles", "乡镇医保所", "--townships", "360121101"]
    assert cli.main([*argv, "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("town-pass-2\n"))
    assert cli.main(["reset-password", "xt", "--password-stdin"]) == 0
    assert "已重置" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("whatever-1\n"))
    assert cli.main(["add-user", "bad", "--roles", "乡镇医保所", "--password-stdin"]) == 1
    assert "--townships" in capsys.readouterr().err
    eng = create_warehouse_engine(str(engine.url))
    try:
        assert store.authenticate(eng, "admin", "admin-pass-1").roles == {"数据管理员"}
        xt = store.authenticate(eng, "xt", "town-pass-2")
        assert xt.townships == {"360121101"}
    finally:
        eng.dispose()
