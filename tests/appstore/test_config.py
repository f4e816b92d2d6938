"""Where the app store is: APP_STORE_URL, then secrets, then a default that follows the warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_sources import app_store, config


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("APP_STORE_URL", "WAREHOUSE_URL", "WAREHOUSE_READ_ONLY"):
        monkeypatch.delenv(name, raising=False)


def _secrets(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "secrets.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_precedence_env_then_secrets_then_warehouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh = f"duckdb:///{tmp_path}/yb.duckdb"
    monkeypatch.setenv("WAREHOUSE_URL", wh)
    none = tmp_path / "missing.toml"
    assert config.app_store_url(none) == wh  # default: the warehouse itself, as before
    secrets = _secrets(
        tmp_path,
        '[connections.warehouse]\nurl = "duckdb:///other.duckdb"\n'
        '[connections.app_store]\nurl = "postgresql+psycopg://bi:pw@db/app"\n',
    )
    assert config.app_store_url(secrets) == "postgresql+psycopg://bi:pw@db/app"
    monkeypatch.setenv("APP_STORE_URL", "sqlite:////srv/app.sqlite")
    assert config.app_store_url(secrets) == "sqlite:////srv/app.sqlite"


def test_read_only_duckdb_gets_a_sqlite_file_beside_it(tmp_path: Path) -> None:
    wh = f"duckdb:///{tmp_path}/ncx.duckdb"
    side = f"sqlite:///{tmp_path}/ncx.app_store.sqlite"
    assert config.default_app_store_url(wh, read_only=False) == wh
    assert config.default_app_store_url(wh, read_only=True) == side
    # Once the file exists every process uses it, read-only or not (a loader writing facts
    # must log where the read-only dashboards read).
    (tmp_path / "ncx.app_store.sqlite").touch()
    assert config.default_app_store_url(wh, read_only=False) == side


def test_engines_without_transactions_get_sqlite_servers_keep_theirs() -> None:
    hive = config.default_app_store_url("hive://spark@127.0.0.1:10000/yb", read_only=False)
    assert hive == f"sqlite:///{config.DEFAULT_APP_STORE_PATH}"
    pg = "postgresql+psycopg://bi:pw@db/yb"
    assert config.default_app_store_url(pg, read_only=True) == pg


def test_redacted_like_the_warehouse() -> None:
    assert (
        config.redact("postgresql+psycopg//bi:secret@db/app") == "postgresql+psycopg//bi:***@db/app"
    )
    with pytest.raises(app_store.AppStoreError) as err:
        app_store.create_app_engine("postgresql+psycopg//bi:Zq9-hidden@db/app")
    assert "Zq9-hidden" not in err.value.message and "APP_STORE_URL" in err.value.message


def test_same_database_ignores_driver_options() -> None:
    assert app_store.same_database("duckdb:////a/b.duckdb", "duckdb:////a/b.duckdb")
    assert not app_store.same_database("duckdb:////a/b.duckdb", "sqlite:////a/b.sqlite")
    assert app_store.same_database(
        "mysql+pymysql://u@h/yb", "mysql+pymysql://u@h/yb?charset=utf8mb4"
    )
