"""The StarRocks and Doris DDL: snapshots, every table of the schema, parsed with sqlglot, and
checked against the declared schema and layouts.

Snapshots (tests/olap/snapshots/*.sql) change only when asked: run with OLAP_UPDATE_SNAPSHOTS=1
after changing the schema or data_sources/olap.py, and review the diff.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest
import sqlglot
from sqlalchemy import create_engine
from sqlglot import exp

from data_sources import init, olap, schema
from data_sources.config import PROJECT_ROOT

SNAPSHOTS = Path(__file__).with_name("snapshots")
UPDATE = os.environ.get("OLAP_UPDATE_SNAPSHOTS") == "1"
KEY_PROPERTY = {
    "starrocks": (exp.PrimaryKey, exp.DuplicateKeyProperty),
    "doris": (exp.UniqueKeyProperty, exp.DuplicateKeyProperty),
}


def parsed(engine: str, replicas: int = 1) -> dict[str, exp.Create]:
    """Each generated statement, strictly parsed in the engine's own sqlglot dialect."""
    out = {}
    for sql in olap.ddl_statements(engine, replicas=replicas):
        tree = sqlglot.parse_one(sql, read=engine, error_level=sqlglot.ErrorLevel.RAISE)
        # sqlglot falls back to an opaque Command on syntax it does not know: that is a failure.
        assert isinstance(tree, exp.Create), (engine, type(tree).__name__, sql)
        out[tree.this.this.name] = tree
    return out


@pytest.mark.parametrize("engine", olap.ENGINES)
def test_ddl_matches_its_snapshot(engine: str) -> None:
    path = SNAPSHOTS / f"{engine}.sql"
    script = olap.ddl_script(engine)
    if UPDATE:
        path.write_text(script, encoding="utf-8")
    assert path.exists(), f"no snapshot: run with OLAP_UPDATE_SNAPSHOTS=1 to write {path.name}"
    assert script == path.read_text(encoding="utf-8"), (
        f"{path.name} differs from the generated DDL: review, then OLAP_UPDATE_SNAPSHOTS=1"
    )


@pytest.mark.parametrize("engine", olap.ENGINES)
def test_snapshot_covers_every_table_of_the_schema(engine: str) -> None:
    text = (SNAPSHOTS / f"{engine}.sql").read_text(encoding="utf-8")
    in_snapshot = re.findall(r"^CREATE TABLE (\w+) \($", text, flags=re.MULTILINE)
    assert len(in_snapshot) == len(set(in_snapshot))
    warehouse = set(schema.metadata.tables) - olap.APP_STORE_TABLES
    assert set(in_snapshot) == warehouse
    # Every declared table is laid out, or is one of the app store's (not in the warehouse).
    assert set(schema.metadata.tables) <= set(olap.LAYOUTS) | olap.APP_STORE_TABLES
    assert set(olap.LAYOUTS) == warehouse, "a layout for a table the schema no longer has"


@pytest.mark.parametrize("engine", olap.ENGINES)
def test_each_statement_parses_and_has_the_declared_columns_and_types(engine: str) -> None:
    for name, tree in parsed(engine).items():
        table = schema.metadata.tables[name]
        defs = {c.name: c for c in tree.this.expressions if isinstance(c, exp.ColumnDef)}
        assert set(defs) == set(table.columns.keys()), name
        for column in table.columns:
            kind = defs[column.name].args["kind"]
            declared = column.type
            if isinstance(declared, schema.Numeric):  # money and prices stay exact
                assert kind.this == exp.DType.DECIMAL, (name, column.name)
                assert [int(p.name) for p in kind.expressions] == [
                    declared.precision,
                    declared.scale,
                ]
            elif isinstance(declared, schema.String) and not isinstance(declared, schema.Text):
                # VARCHAR counts bytes there: 4 per declared character.
                assert kind.this == exp.DType.VARCHAR, (name, column.name)
                assert int(kind.expressions[0].name) == 4 * declared.length, (name, column.name)
            elif isinstance(declared, schema.Date) and not isinstance(declared, schema.DateTime):
                assert kind.this == exp.DType.DATE, (name, column.name)


@pytest.mark.parametrize("engine", olap.ENGINES)
def test_keys_lead_the_columns_and_no_foreign_key_or_index_is_written(engine: str) -> None:
    for name, tree in parsed(engine).items():
        layout = olap.LAYOUTS[name]
        key = olap.key_columns(schema.metadata.tables[name], layout)
        found = [p for p in tree.find_all(*KEY_PROPERTY[engine])]
        assert len(found) == 1, (name, found)
        (prop,) = found
        assert [e.name for e in prop.expressions] == list(key), (name, prop.sql())
        unique = isinstance(prop, exp.PrimaryKey | exp.UniqueKeyProperty)
        assert unique == layout.unique, name
        if unique:  # as unique as the declared key, and holds what distributes and partitions it
            declared = {c.name for c in schema.metadata.tables[name].primary_key.columns}
            assert declared <= set(key) and set(layout.bucket_by) <= set(key), name
            assert not layout.partitioned or "year" in key, name
        columns = [c.name for c in tree.this.expressions if isinstance(c, exp.ColumnDef)]
        assert columns[: len(key)] == list(key), name  # both engines want key columns first
        sql = tree.sql(engine).upper()
        assert "FOREIGN KEY" not in sql and "REFERENCES" not in sql, name
        assert not list(tree.find_all(exp.IndexColumnConstraint)), name


@pytest.mark.parametrize("engine", olap.ENGINES)
def test_partitions_buckets_and_replicas_follow_the_layout(engine: str) -> None:
    for name, tree in parsed(engine, replicas=2).items():
        layout = olap.LAYOUTS[name]
        partitions = list(tree.find_all(exp.PartitionByRangeProperty))
        assert len(partitions) == int(layout.partitioned), name
        if partitions:
            assert [c.name for c in partitions[0].args["partition_expressions"]] == ["year"]
        (dist,) = tree.find_all(exp.DistributedByProperty)
        assert [c.name for c in dist.expressions] == list(layout.bucket_by), name
        assert int(dist.args["buckets"].name) == layout.buckets, name
        # The key sorts the table (no StarRocks ORDER BY needed): the sort key leads it.
        key = olap.key_columns(schema.metadata.tables[name], layout)
        assert key[: len(layout.sort_key)] == layout.sort_key, name
        assert dist.args.get("order") is None, name
        props = {
            p.this.name: p.args["value"].name
            for p in tree.args["properties"].expressions
            if type(p) is exp.Property
        }
        assert props["replication_num"] == "2", name


def test_hand_checked_statements() -> None:
    """Two tables read by hand against the StarRocks and Doris manuals."""
    starrocks = {s.split("(")[0].split()[-1]: s for s in olap.ddl_statements("starrocks", 1)}
    alert = starrocks["poverty_alert"]
    # Its own key (a person's alert per batch) widened by the township it is read and bucketed
    # by: StarRocks wants bucket columns inside the primary key.
    assert "PRIMARY KEY (year, month, township_code, person_key)" in alert
    assert "ORDER BY" not in alert
    assert 'PARTITION BY RANGE(year) (START ("2018") END ("2031") EVERY (1))' in alert
    assert "DISTRIBUTED BY HASH(township_code) BUCKETS 4" in alert
    doris = {s.split("(")[0].split()[-1]: s for s in olap.ddl_statements("doris", 1)}
    case = doris["drg_case"]
    assert "DUPLICATE KEY(year, month, hospital_code, drg_code)" in case
    assert 'PARTITION p2018 VALUES [("2018"), ("2019")),' in case
    assert 'PARTITION p2030 VALUES [("2030"), ("2031"))\n)' in case
    assert "total_cost DECIMAL(12, 2) NOT NULL" in case
    assert "geometry STRING NOT NULL" in doris["township_boundary"]
    assert "geometry VARCHAR(1048576) NOT NULL" in starrocks["township_boundary"]
    assert "enable_unique_key_merge_on_write" not in case  # duplicate tables have no merge


def test_readme_table_is_the_declared_layouts() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    rows = olap.readme_rows()
    assert "\n".join(rows) in readme, (
        "README 规模与部署 table: python -m data_sources.olap readme-table"
    )
    assert len(rows) == 2 + len(olap.warehouse_tables())


def test_cli_prints_the_script(capsys: pytest.CaptureFixture[str]) -> None:
    assert olap.main(["ddl", "--engine", "doris", "--replicas", "1", "--years", "2024-2026"]) == 0
    out = capsys.readouterr().out
    assert out == olap.ddl_script("doris", 1, (2024, 2026))
    assert out.count("CREATE TABLE") == len(olap.warehouse_tables())
    assert '"replication_num" = "1"' in out and "PARTITION p2027" not in out
    assert init.main(["--print-ddl", "starrocks"]) == 0
    assert capsys.readouterr().out == olap.ddl_script("starrocks")


@pytest.mark.parametrize(
    "argv,message",
    [
        (["ddl", "--engine", "doris", "--years", "2030-2020"], "起始年不晚于结束年"),
        (["ddl", "--engine", "doris", "--years", "二〇二〇"], "起始年-结束年"),
        (["ddl", "--engine", "doris", "--replicas", "0"], "副本数至少为 1"),
    ],
)
def test_cli_refuses_bad_input_in_chinese(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = olap.main(argv)
    except SystemExit as exc:  # argparse's own exit for a bad value
        code = exc.code
    assert code != 0
    captured = capsys.readouterr()
    assert message in captured.err and not captured.out


@pytest.mark.parametrize("scheme", olap.ENGINES)
def test_init_takes_starrocks_and_doris_urls_and_says_when_no_server_answers(scheme: str) -> None:
    # The dialects load and init reaches the connection (no live server here: a closed port).
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"{scheme}://root@127.0.0.1:{port}/yibao"
    assert olap.olap_engine_name(create_engine(url).dialect.name) == scheme
    lines: list[str] = []
    assert init.run(url, "南昌县", "360121", "县", out=lines.append) == init.EXIT_ERROR
    assert lines and lines[0].startswith("错误:无法连接数据仓库服务器"), lines
