"""Moving to a separate app store: an empty one says what to do at login; the copy command moves
accounts, logs, scenarios and cases (and says so in Chinese when it cannot)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from auth import roles as R
from auth import store
from data_sources import app_store
from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from data_sources.schema import load_log
from metrics import service
from tests.auth.test_login import nav_pages, open_app, submit

PW = "password-1"


@pytest.fixture(scope="module")
def moved(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("migration")
    own = folder / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    writable = create_warehouse_engine(demo_url(own))
    store.create_user(writable, "staff", PW, R.STAFF)
    writable.dispose()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", demo_url(own))
        mp.setenv("YIBAO_LOGIN", "1")
        mp.setenv("APP_STORE_URL", f"sqlite:///{folder / 'app.sqlite'}")
        mp.delenv("WAREHOUSE_READ_ONLY", raising=False)
        yield folder


def test_empty_app_store_says_to_copy_then_login_works(moved: Path) -> None:
    at = submit(open_app(), "staff", PW)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "python -m data_sources.app_store copy" in errors[0], errors
    counts = app_store.copy_app_tables(service.engine(), service.app_engine())
    assert counts["app_user"] == 1
    at = submit(open_app(), "staff", PW)
    assert not at.error, [e.value for e in at.error]
    assert "enrollment" in nav_pages(at)


def test_copy_command(demo_duckdb_path: Path, tmp_path: Path, capsys) -> None:
    own = tmp_path / "w.duckdb"
    shutil.copy(demo_duckdb_path, own)
    target = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert app_store.main(["copy", "--from", demo_url(own), "--to", target]) == 0
    out = capsys.readouterr().out
    assert "已复制到应用库" in out and "load_log" in out
    check = create_engine(target)
    with check.connect() as conn:
        assert conn.execute(select(func.count()).select_from(load_log)).scalar_one() > 0
    check.dispose()
    # Again: refused in Chinese, nothing duplicated; the same database twice: refused too.
    assert app_store.main(["copy", "--from", demo_url(own), "--to", target]) == 1
    assert app_store.main(["copy", "--from", demo_url(own), "--to", demo_url(own)]) == 1
    err = capsys.readouterr().err
    assert "已有数据" in err and "无需复制" in err and "Traceback" not in err
