"""The command line tools (data_sources.init, data_sources.load, auth.cli): each failure mode a
Chinese message and an exit code ≠ 0, never a traceback, data rows or SQL parameters, nothing
written; and the init command itself (idempotent, foreign tables, region, first administrator)."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, inspect, text

from auth import cli as auth_cli
from auth import store
from data_sources import init, load, region
from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from data_sources.load import load_file

from ..loading.helpers import frame
from . import county as C
from .conftest import scratch_url

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"


def _enroll_file(tmp: Path) -> Path:
    return next(p for k, p in C.month_files(tmp, 1) if "居民参保" in p.name)


def _ready(tmp: Path) -> str:
    """An initialised DuckDB warehouse holding the county's 名录."""
    url = demo_url(tmp / "ready.duckdb")
    assert init.run(url, *C.REGION, out=lambda _: None) == init.EXIT_OK
    engine = create_warehouse_engine(url)
    for kind, p in C.dimension_files(tmp):
        assert load_file(engine, p, kind, user="t").ok
    engine.dispose()
    return url


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[str]:
    """A ready DuckDB warehouse held open for writing by another process (a running dashboard)."""
    url = _ready(tmp_path)
    path = url.removeprefix("duckdb:///")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({path!r}); "
            "print('open', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "open"
    yield url
    holder.stdin.close()
    holder.wait(timeout=30)


def run_load(url: str, tmp: Path) -> int:
    return load.main([str(_enroll_file(tmp)), "--kind", "enrollment", "--url", url, "--yes"])


def run_init(url: str, tmp: Path) -> int:
    del tmp
    return init.main(
        ["--url", url, "--region-name", "青溪县", "--region-code", "361199", "--level", "县"]
    )


def run_auth(url: str, tmp: Path) -> int:
    del url, tmp  # auth.cli reads WAREHOUSE_URL
    return auth_cli.main(["list"])


TOOLS: dict[str, Callable[[str, Path], int]] = {
    "load": run_load,
    "init": run_init,
    "auth": run_auth,
}

# failure -> (how to get the URL, tools it applies to, fragment of the message)
FAILURES = {
    "unreachable_server": (lambda tmp: UNREACHABLE, ("load", "init", "auth"), "无法连接数据仓库"),
    "bad_url": (lambda tmp: "这不是地址", ("load", "init", "auth"), "数据仓库地址格式不正确"),
    "missing_duckdb_file": (
        lambda tmp: demo_url(tmp / "没有这个文件.duckdb"),
        ("load", "auth"),
        "数据仓库文件不存在",
    ),
    "missing_tables": (
        lambda tmp: _empty_duckdb(tmp),
        ("load",),
        "缺少驾驶舱的数据表",
    ),
    "locked_file": (None, ("load", "init", "auth"), "正被其他程序以写入方式占用"),
}


def _empty_duckdb(tmp: Path) -> str:
    path = tmp / "空.duckdb"
    duckdb.connect(str(path)).close()
    return demo_url(path)


@pytest.mark.parametrize(
    "failure,tool",
    [(f, t) for f, (_, tools, _) in FAILURES.items() for t in tools],
)
def test_cli_failure_is_a_chinese_message(
    failure: str, tool: str, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, request
) -> None:
    make, _, fragment = FAILURES[failure]
    url = request.getfixturevalue("locked") if make is None else make(tmp_path)
    monkeypatch.setenv("WAREHOUSE_URL", url)  # auth.cli reads the environment
    code = TOOLS[tool](url, tmp_path)
    out = capsys.readouterr()
    both = out.out + out.err
    assert code != 0, both
    assert fragment in both, both
    assert "Traceback" not in both and "[SQL:" not in both and "parameters" not in both
    assert "8010" not in both  # no data row of the file
    if failure == "missing_duckdb_file":
        assert not (tmp_path / "没有这个文件.duckdb").exists()  # never created by accident


def test_connection_lost_mid_load_writes_nothing(pg_databases, tmp_path: Path, capsys, monkeypatch):
    """PostgreSQL terminates the loading session between the delete and the insert."""
    from data_sources import writer

    url = scratch_url(pg_databases, "lost")
    assert init.run(url, *C.REGION, out=lambda _: None) == init.EXIT_OK
    engine = create_warehouse_engine(url)
    for kind, p in C.dimension_files(tmp_path):
        assert load_file(engine, p, kind, user="t").ok
    assert load_file(engine, _enroll_file(tmp_path), "enrollment", user="t").ok
    before = frame(engine, "SELECT * FROM enrollment ORDER BY township_code, person_group")
    loads = len(frame(engine, "SELECT * FROM load_log"))
    original = writer.insert_frame

    def insert_after_the_server_drops_us(conn, table, data):
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        killer = create_engine(engine.url)
        with killer.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
        return original(conn, table, data)  # the real insert, on a dead connection

    monkeypatch.setattr(writer, "insert_frame", insert_after_the_server_drops_us)
    engine.dispose()
    code = load.main([str(_enroll_file(tmp_path)), "--kind", "enrollment", "--url", url, "--yes"])
    out = capsys.readouterr()
    monkeypatch.undo()
    assert code != 0
    assert "写入数据仓库时出错" in out.err and "数据仓库未作任何修改" in out.err, out.err
    assert "Traceback" not in out.err + out.out and "[SQL:" not in out.err
    assert "8010" not in out.err + out.out
    after = frame(engine, "SELECT * FROM enrollment ORDER BY township_code, person_group")
    assert after.equals(before)
    assert len(frame(engine, "SELECT * FROM load_log")) == loads
    engine.dispose()


# --- The init command ---------------------------------------------------------------------------


def _url_for(backend: str, request, tmp: Path) -> str:
    if backend == "duckdb":
        return demo_url(tmp / "新库.duckdb")
    return scratch_url(
        request.getfixturevalue("pg_databases" if backend == "postgresql" else "mariadb_databases"),
        "init",
    )


@pytest.mark.parametrize("backend", ["duckdb", "postgresql", "mariadb"])
def test_init_is_idempotent_and_refuses_foreign_tables(
    backend: str, request, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _url_for(backend, request, tmp_path)
    engine = create_warehouse_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE other_system (id INTEGER)"))
    engine.dispose()

    args = ["--url", url, "--region-name", "石嘴山市", "--region-code", "640200", "--level", "市"]
    assert init.main(args) == init.EXIT_FOREIGN
    err = capsys.readouterr().err
    assert "不属于驾驶舱的数据表(other_system)" in err and "--allow-foreign-tables" in err
    assert set(inspect(create_warehouse_engine(url)).get_table_names()) == {"other_system"}

    monkeypatch.setattr(sys, "stdin", io.StringIO("管理员密码2023\n"))
    code = init.main([*args, "--allow-foreign-tables", "--admin", "管理员", "--password-stdin"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "建立驾驶舱数据表" in out.out and "报告中称“全市”" in out.out
    assert "已创建数据管理员“管理员”" in out.out
    engine = create_warehouse_engine(url)
    assert store.authenticate(engine, "管理员", "管理员密码2023").roles
    with engine.connect() as conn:
        assert region.scope_word(conn) == "全市"
        assert region.region_name(conn) == "石嘴山市"
    # Loaded data survive a second run.
    for kind, p in C.dimension_files(tmp_path):
        assert load_file(engine, p, kind, user="t").ok
    engine.dispose()
    assert init.main([*args, "--allow-foreign-tables"]) == 0
    assert "均已存在,未作改动" in capsys.readouterr().out
    engine = create_warehouse_engine(url)
    assert len(frame(engine, "SELECT * FROM township")) == 3
    engine.dispose()


@pytest.mark.parametrize(
    "name,code,level,fragment",
    [
        ("某某县", "36012", "县", "行政区划代码应为6位数字"),
        ("某某县", "360121", "省", "级别应为 县、区 或 市"),
        ("", "360121", "县", "地区名称不能为空"),
    ],
)
def test_init_refuses_a_bad_region(name, code, level, fragment, tmp_path: Path) -> None:
    lines: list[str] = []
    url = demo_url(tmp_path / "x.duckdb")
    assert init.run(url, name, code, level, out=lines.append) == init.EXIT_ERROR
    assert any(fragment in line for line in lines), lines
    assert not (tmp_path / "x.duckdb").exists()


OLD_TOWNSHIP = (
    "CREATE TABLE township (code VARCHAR(12) PRIMARY KEY, name VARCHAR(32) NOT NULL UNIQUE,"
    " sort_order SMALLINT NOT NULL)"
)


@pytest.mark.parametrize("backend", ["duckdb", "postgresql"])
def test_an_older_warehouse_without_township_aliases(backend: str, request, tmp_path: Path) -> None:
    """A warehouse built before township.aliases existed: running init again adds the column
    (after the tables that refer to township exist), and the aliases load."""
    from data_sources import upgrade

    url = _url_for(backend, request, tmp_path)
    engine = create_warehouse_engine(url)
    with engine.begin() as conn:
        conn.execute(text(OLD_TOWNSHIP))
    assert upgrade.missing_columns(engine) == [("township", "aliases")]
    engine.dispose()
    lines: list[str] = []
    assert init.run(url, *C.REGION, out=lines.append) == init.EXIT_OK
    engine = create_warehouse_engine(url)
    assert upgrade.missing_columns(engine) == []
    kind, path = C.dimension_files(tmp_path)[0]
    assert load_file(engine, path, kind, user="t").ok
    f = frame(engine, "SELECT name, aliases FROM township ORDER BY sort_order")
    assert next(iter(f.aliases)) == "清水开发区"
    month = next(p for k, p in C.month_files(tmp_path, 1) if "城关参保" in p.name)
    assert load_file(engine, month, "enrollment", user="t").ok  # "城关" is an alias
    engine.dispose()
