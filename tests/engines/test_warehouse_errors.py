"""What the dashboard says when the warehouse is misconfigured, down, empty or busy."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from data_sources.config import demo_url, redact, warehouse_url
from data_sources.engine import WarehouseError, check_warehouse, create_warehouse_engine
from data_sources.schema import metadata

ROOT = Path(__file__).resolve().parents[2]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _check(url: str, *, read_only: bool = False):
    engine: Engine = create_warehouse_engine(url, read_only=read_only)
    try:
        return check_warehouse(engine)
    finally:
        engine.dispose()


def _create_schema(url: str) -> None:
    engine = create_warehouse_engine(url)
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
    finally:
        engine.dispose()


def _drop_schema(url: str) -> None:
    engine = create_warehouse_engine(url)
    try:
        metadata.drop_all(engine)
    finally:
        engine.dispose()


# --- Bad addresses and servers that do not answer ----------------------------------------------


@pytest.mark.parametrize("url", ["not a url", "", "://nohost"])
def test_malformed_url_raises_chinese_message(url: str) -> None:
    with pytest.raises(WarehouseError) as info:
        create_warehouse_engine(url)
    assert CHINESE.search(info.value.message)
    assert "WAREHOUSE_URL" in info.value.message


def test_unknown_driver_raises_chinese_message() -> None:
    with pytest.raises(WarehouseError) as info:
        create_warehouse_engine("nosuchdb://u@h/db")
    assert "不支持" in info.value.message


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres:pa55word@127.0.0.1:1/test",
        "mysql+pymysql://root:pa55word@127.0.0.1:1/test",
    ],
)
def test_unreachable_server(url: str) -> None:
    status = _check(url)
    assert status.ok is False
    assert "无法连接" in status.message
    assert "pa55word" not in status.message  # the password is never shown


# --- DuckDB: no schema, empty schema, loaded, busy ---------------------------------------------


def test_duckdb_without_schema(tmp_path: Path) -> None:
    status = _check(demo_url(tmp_path / "empty.duckdb"))
    assert status.ok is False
    assert "没有驾驶舱的数据表" in status.message


def test_duckdb_schema_without_data(tmp_path: Path) -> None:
    url = demo_url(tmp_path / "schema_only.duckdb")
    _create_schema(url)
    status = _check(url, read_only=True)
    assert status.ok is False
    assert "是空的" in status.message


def test_demo_warehouse_is_ok(demo_warehouse_url: str) -> None:
    status = _check(demo_warehouse_url, read_only=True)
    assert status.ok is True, status.message


def test_duckdb_file_held_by_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "busy.duckdb"
    url = demo_url(path)
    _create_schema(url)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
            "sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        status = _check(url, read_only=True)
    finally:
        holder.communicate(input="", timeout=30)
    assert status.ok is False
    assert "正被其他程序" in status.message


# --- The same on the server engines ------------------------------------------------------------


@pytest.mark.engines
@pytest.mark.parametrize("server", ["pg_databases", "mariadb_databases"])
def test_server_without_schema_then_empty(server: str, request: pytest.FixtureRequest) -> None:
    url = request.getfixturevalue(server).new("errors")
    _drop_schema(url)
    status = _check(url)
    assert status.ok is False
    assert "没有驾驶舱的数据表" in status.message
    _create_schema(url)
    status = _check(url)
    assert status.ok is False
    assert "是空的" in status.message
    _drop_schema(url)


# --- Where the URL comes from ------------------------------------------------------------------


SECRETS = """
[connections.warehouse]
url = "postgresql+psycopg://bi:secret@db.example:5432/yibao"
"""


def test_secrets_file_gives_the_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS, encoding="utf-8")
    assert (
        warehouse_url(secrets_path=secrets)
        == "postgresql+psycopg://bi:secret@db.example:5432/yibao"
    )


def test_environment_wins_over_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS, encoding="utf-8")
    monkeypatch.setenv("WAREHOUSE_URL", "mysql+pymysql://bi@doris.example:9030/yibao")
    assert warehouse_url(secrets_path=secrets) == "mysql+pymysql://bi@doris.example:9030/yibao"


@pytest.mark.parametrize(
    "content",
    [
        None,  # no secrets file
        "[connections.other]\nurl = 'duckdb:///x.duckdb'\n",  # no warehouse section
        "[connections.warehouse]\nurl = ''\n",  # empty url
        "[connections.warehouse\nurl = 'broken'\n",  # not TOML
    ],
)
def test_demo_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None
) -> None:
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    secrets = tmp_path / "secrets.toml"
    if content is not None:
        secrets.write_text(content, encoding="utf-8")
    assert warehouse_url(secrets_path=secrets) == demo_url()


def test_empty_environment_variable_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS, encoding="utf-8")
    monkeypatch.setenv("WAREHOUSE_URL", "")
    assert warehouse_url(secrets_path=secrets).startswith("postgresql+psycopg://bi:")


def test_redact_hides_the_password() -> None:
    assert (
        redact("postgresql+psycopg://bi:secret@db:5432/yb")
        == "postgresql+psycopg://bi:***@db:5432/yb"
    )
    assert "secret" not in redact("mysql+pymysql://root:secret@127.0.0.1:3306/test")


def test_secrets_example_is_valid() -> None:
    """The example in .streamlit/ parses and its URL is one the engine accepts."""
    example = ROOT / ".streamlit" / "secrets.toml.example"
    data = tomllib.loads(example.read_text(encoding="utf-8"))
    url = data["connections"]["warehouse"]["url"]
    assert make_url(url).get_backend_name() in {"duckdb", "postgresql", "mysql"}
