"""A DuckDB warehouse opened read-only (WAREHOUSE_READ_ONLY=1), as several dashboard processes share
one file: the accounts come from the SQLite app store beside it, made on first start from the app
tables the file held. Login, lockout and the audit log work through the real login form (AppTest);
the import page says the warehouse is read-only.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.exc import SQLAlchemyError

from auth import roles as R
from auth import store
from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from metrics import service
from tests.auth.test_login import locked_out, nav_pages, open_app, open_page, submit

PW = "password-1"


@pytest.fixture(scope="module")
def shared_file(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    own = tmp_path_factory.mktemp("read_only") / "shared.duckdb"
    shutil.copy(demo_duckdb_path, own)
    # Accounts made while the file was still the (writable) warehouse and app store in one.
    writable = create_warehouse_engine(demo_url(own))
    for name, roles in (("staff", R.STAFF), ("admin", R.ADMIN), ("locky", R.STAFF)):
        store.create_user(writable, name, PW, roles)
    writable.dispose()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", demo_url(own))
        mp.setenv("YIBAO_LOGIN", "1")
        mp.setenv("WAREHOUSE_READ_ONLY", "1")
        mp.delenv("APP_STORE_URL", raising=False)
        yield own


@pytest.fixture(scope="module")
def sidecar(shared_file: Path) -> Iterator[Engine]:
    """The SQLite app store the app makes beside the file (read after the app has started)."""
    engine = create_engine(f"sqlite:///{shared_file.with_name('shared.app_store.sqlite')}")
    yield engine
    engine.dispose()


def _audit(engine: Engine, username: str) -> list[tuple[str, str]]:
    log = store.audit_log
    with engine.connect() as conn:
        found = conn.execute(
            select(log.c.action, log.c.detail)
            .where(log.c.username == username)
            .order_by(log.c.audit_id)
        ).all()
    return [tuple(r) for r in found]


def test_login_works_and_is_audited_in_the_sqlite_store(shared_file: Path, sidecar: Engine) -> None:
    at = submit(open_app(), "staff", PW)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert "enrollment" in nav_pages(at)
    assert shared_file.with_name("shared.app_store.sqlite").is_file()
    assert ("login", "登录成功") in _audit(sidecar, "staff")
    # The warehouse itself really is read-only in this process.
    with pytest.raises(SQLAlchemyError), service.engine().begin() as conn:
        conn.exec_driver_sql("CREATE TABLE probe (i INTEGER)")


def test_lockout_works(sidecar: Engine) -> None:
    refused = [store.refused_message()]
    at = open_app()
    for _ in range(5):
        at = submit(at, "locky", "wrong-password")
    assert [e.value for e in at.error] == refused
    at = submit(at, "locky", PW)  # locked: even the right password is refused
    assert [e.value for e in at.error] == refused
    assert locked_out(at)
    with sidecar.connect() as conn:
        locked = conn.execute(
            select(store.app_user.c.locked_until).where(store.app_user.c.username == "locky")
        ).scalar_one()
    assert locked is not None
    details = [d for a, d in _audit(sidecar, "locky") if a == "login_failed"]
    assert details[4] == "密码错误(连续第5次),账号锁定" and details[5] == "账号锁定中"


def test_import_page_says_read_only(shared_file: Path) -> None:
    at = open_page(submit(open_app(), "admin", PW), "import")
    assert any("只读" in w.value for w in at.warning), [w.value for w in at.warning]
