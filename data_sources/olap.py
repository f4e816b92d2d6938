"""The warehouse's tables as StarRocks and Doris create them: keys model, sort keys, buckets, partitions.

    python -m data_sources.olap ddl --engine starrocks [--replicas 3] [--years 2018-2030]

StarRocks and Doris reject what `metadata.create_all` writes for PostgreSQL or MariaDB (PRIMARY KEY
and FOREIGN KEY constraints inside the column list, CREATE INDEX). This module builds, from the
declared schema (`data_sources.schema`, never a copy of its columns), a second MetaData whose
tables carry the OLAP layout declared once in `LAYOUTS`, and compiles it through a real dialect:

- StarRocks: the `starrocks` SQLAlchemy package (its DDL compiler renders the key, PARTITION BY,
  DISTRIBUTED BY, ORDER BY and PROPERTIES clauses from `starrocks_*` table options);
- Doris: `DorisDialect` below, the MySQL dialect with its own DDL compiler. The `pydoris` package
  was not used: it needs `mysqlclient` (a C build against libmysqlclient; the project talks to
  MySQL-protocol servers through pure-Python PyMySQL) and renders key columns wherever the table
  declares them, while Doris wants them first.

Only the warehouse (facts and dimensions) is created here; the app's own tables (load log, plans,
accounts, audit, cases) need sequences and transactions and live in the app store.
Never run against a live StarRocks or Doris in this project's tests: the statements are checked
by snapshot and parsed with sqlglot (tests/olap).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    DECIMAL,
    VARCHAR,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.mysql.base import MySQLDDLCompiler
from sqlalchemy.dialects.mysql.pymysql import MySQLDialect_pymysql
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateTable
from sqlalchemy.types import TypeEngine, UserDefinedType

from data_sources import schema

ENGINES = ("starrocks", "doris")
# The app's own tables: sequences, transactions, row updates; kept out of the warehouse DDL.
APP_STORE_TABLES = frozenset({"load_log", "plan_scenario", "plan_scenario_target"})

# VARCHAR(n) counts characters in PostgreSQL and MariaDB but BYTES in StarRocks and Doris. A
# Chinese character is 3 bytes in UTF-8, and 4 for the rarer ones outside the Basic Multilingual
# Plane (CJK Extension B and later, which occur in place and person names), so every declared
# length is multiplied by 4: a name that fits the schema always fits the OLAP table.
BYTES_PER_CHAR = 4
# Text (GeoJSON outlines) may exceed 64 KB: StarRocks' longest VARCHAR is 1 048 576 bytes;
# Doris' STRING holds up to its configured limit (1 MB by default, raised in be.conf if needed).
STARROCKS_LONG_TEXT = 1_048_576
DEFAULT_REPLICAS = 3
DEFAULT_YEARS = (2018, 2030)


@dataclass(frozen=True)
class Layout:
    """How one table is laid out on StarRocks and Doris.

    sort_key: the leading columns data is sorted by (equality filters first, then ranges, then
      groupings), the same order the README recommends for PostgreSQL indexes;
    bucket_by: the HASH distribution columns; buckets: buckets per partition (1 = a small table
      that queries broadcast to every node);
    partitioned: PARTITION BY RANGE(year), one partition per year;
    unique: the declared primary key is kept (StarRocks PRIMARY KEY, Doris UNIQUE KEY, so a
      reload of a key replaces its row); False: DUPLICATE KEY on the sort key, for detail facts
      whose own key (a record id) neither filters nor partitions (loads replace their slice).
    """

    sort_key: tuple[str, ...]
    bucket_by: tuple[str, ...]
    buckets: int
    partitioned: bool = False
    unique: bool = True


def _dimension(*key: str) -> Layout:
    return Layout(key, key[:1], 1)


LAYOUTS: dict[str, Layout] = {
    # Dimensions: small, one bucket each.
    "region": _dimension("code"),
    "township": _dimension("code"),
    "township_population": Layout(("year", "township_code"), ("township_code",), 1),
    "village": _dimension("code"),
    "township_boundary": _dimension("township_code"),
    "institution": _dimension("code"),
    "proc_batch": _dimension("batch_code"),
    "proc_product": _dimension("product_code"),
    "drg_group": _dimension("drg_code"),
    # Facts read by year and month range, grouped by township, scheme, institution or hospital.
    "enrollment": Layout(
        ("year", "month", "township_code", "scheme"), ("township_code",), 4, partitioned=True
    ),
    "enrollment_target": Layout(("year", "township_code", "scheme"), ("township_code",), 2),
    "fund_ledger": Layout(("year", "month", "scheme", "flow"), ("scheme",), 2),
    "fund_opening_balance": Layout(("year", "scheme"), ("scheme",), 1),
    "assistance": Layout(
        ("year", "month", "township_code"), ("township_code",), 4, partitioned=True, unique=False
    ),
    "poverty_alert": Layout(
        ("year", "month", "township_code"), ("township_code",), 4, partitioned=True
    ),
    "proc_agreement": Layout(
        ("year", "institution_code", "product_code"), ("institution_code",), 2
    ),
    "proc_purchase": Layout(
        ("year", "month", "institution_code", "product_code"),
        ("institution_code",),
        4,
        partitioned=True,
    ),
    "proc_retained": Layout(("year", "institution_code", "batch_code"), ("institution_code",), 2),
    "drg_budget": Layout(("year", "hospital_code"), ("hospital_code",), 2),
    "drg_case": Layout(
        ("year", "month", "hospital_code", "drg_code"),
        ("hospital_code",),
        4,
        partitioned=True,
        unique=False,
    ),
}


def warehouse_tables() -> list[Table]:
    """The declared tables the OLAP DDL creates, in the schema's dependency order."""
    return [t for t in schema.metadata.sorted_tables if t.name not in APP_STORE_TABLES]


def key_columns(table: Table, layout: Layout) -> tuple[str, ...]:
    """The key the engines keep, its columns first in the table, in this order.

    Unique tables: the sort key, then the rest of the declared primary key, then the bucket
    columns. Doris sorts by its UNIQUE KEY, and both engines want the bucket (and partition)
    columns inside a unique key; a sort or bucket column outside the primary key depends on it
    (poverty_alert's township is the person's in that batch), so the wider key is as unique.
    Detail facts: the sort key (DUPLICATE KEY).

    >>> key_columns(schema.poverty_alert, LAYOUTS["poverty_alert"])
    ('year', 'month', 'township_code', 'person_key')
    """
    if not layout.unique:
        return layout.sort_key
    pk = [c.name for c in table.primary_key.columns]
    return tuple(dict.fromkeys([*layout.sort_key, *pk, *layout.bucket_by]))


class _Spelled(UserDefinedType):
    """A type written exactly as both engines' manuals spell it (INT, not the MySQL dialect's
    INTEGER; BOOLEAN, not BOOL; Doris' STRING, which SQLAlchemy lacks)."""

    cache_ok = True

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def get_col_spec(self, **kw: object) -> str:
        return self.spec


def olap_type(type_: TypeEngine, engine: str) -> TypeEngine:
    """The column type on StarRocks/Doris for a declared type (lengths in bytes, money exact).

    >>> olap_type(String(12), "doris").length
    48
    """
    if isinstance(type_, String) and not isinstance(type_, Text) and type_.length:
        return VARCHAR(type_.length * BYTES_PER_CHAR)
    if isinstance(type_, Text):
        return _Spelled("STRING") if engine == "doris" else VARCHAR(STARROCKS_LONG_TEXT)
    if isinstance(type_, Numeric):
        return DECIMAL(type_.precision, type_.scale)
    for declared, spelled in (
        (BigInteger, "BIGINT"),
        (SmallInteger, "SMALLINT"),
        (Integer, "INT"),
        (Boolean, "BOOLEAN"),
        (DateTime, "DATETIME"),
        (Date, "DATE"),
    ):
        if isinstance(type_, declared):
            return _Spelled(spelled)
    raise ValueError(f"no StarRocks/Doris type for {type_!r}")


def _columns(table: Table, key: tuple[str, ...], engine: str) -> list[Column]:
    # Key columns first (both engines require it), then the rest in declared order; no primary
    # key flag, foreign key, unique or index: the key model replaces them.
    ordered = [table.c[name] for name in key] + [c for c in table.columns if c.name not in key]
    return [
        Column(
            c.name,
            olap_type(c.type, engine),
            nullable=c.nullable and c.name not in key,
            comment=c.comment,
        )
        for c in ordered
    ]


def _partitions(engine: str, years: tuple[int, int]) -> str:
    first, last = years
    if engine == "starrocks":
        return f'RANGE(year) (START ("{first}") END ("{last + 1}") EVERY (1))'
    return "\n".join(
        f'    PARTITION p{y} VALUES [("{y}"), ("{y + 1}")){"," if y < last else ""}'
        for y in range(first, last + 1)
    )


def _options(layout: Layout, key: tuple[str, ...], engine: str, replicas: int, years) -> dict:
    """The engine's table options (StarRocks: the package's `starrocks_*` kwargs)."""
    keys = ", ".join(key)
    distributed = f"HASH({', '.join(layout.bucket_by)}) BUCKETS {layout.buckets}"
    properties = {"replication_num": str(replicas)}
    if engine == "doris":
        if layout.unique:
            properties["enable_unique_key_merge_on_write"] = "true"
        return {
            "key": f"{'UNIQUE' if layout.unique else 'DUPLICATE'} KEY({keys})",
            "partition": f"PARTITION BY RANGE(year) (\n{_partitions(engine, years)}\n)"
            if layout.partitioned
            else None,
            "distributed": f"DISTRIBUTED BY {distributed}",
            "properties": properties,
        }
    options = {
        "starrocks_primary_key" if layout.unique else "starrocks_duplicate_key": keys,
        "starrocks_distributed_by": distributed,
        "starrocks_properties": properties,
    }  # no ORDER BY: the key leads with the sort key (key_columns), so it sorts as it should
    if layout.partitioned:
        options["starrocks_partition_by"] = _partitions(engine, years)
    return options


def olap_metadata(
    engine: str, replicas: int = DEFAULT_REPLICAS, years: tuple[int, int] = DEFAULT_YEARS
) -> MetaData:
    """The warehouse tables rebuilt for `engine` ("starrocks" or "doris") with their layout."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}")
    md = MetaData()
    for table in warehouse_tables():
        layout = LAYOUTS[table.name]
        key = key_columns(table, layout)
        options = _options(layout, key, engine, replicas, years)
        if engine == "doris":
            Table(table.name, md, *_columns(table, key, engine), comment=table.comment).info[
                "doris"
            ] = options
        else:
            Table(table.name, md, *_columns(table, key, engine), comment=table.comment, **options)
    return md


class DorisDDLCompiler(MySQLDDLCompiler):
    """CREATE TABLE as Doris writes it: columns, then the key model, comment, partitions,
    distribution and properties (from `Table.info["doris"]`, set by `olap_metadata`)."""

    def post_create_table(self, table: Table) -> str:
        opts = table.info.get("doris", {})
        parts = [opts["key"]] if opts.get("key") else []
        if table.comment:
            literal = self.sql_compiler.render_literal_value(table.comment, String())
            parts.append(f"COMMENT {literal}")
        if opts.get("partition"):
            parts.append(opts["partition"])
        if opts.get("distributed"):
            parts.append(opts["distributed"])
        if opts.get("properties"):
            props = ",\n".join(f'    "{k}" = "{v}"' for k, v in opts["properties"].items())
            parts.append(f"PROPERTIES (\n{props}\n)")
        return "\n" + "\n".join(parts)


class DorisDialect(MySQLDialect_pymysql):
    """Doris through PyMySQL (port 9030): MySQL for queries, Doris' own CREATE TABLE."""

    name = "doris"
    supports_statement_cache = True
    ddl_compiler = DorisDDLCompiler


registry.register("doris", "data_sources.olap", "DorisDialect")
registry.register("doris.pymysql", "data_sources.olap", "DorisDialect")


def dialect_for(engine: str) -> Dialect:
    """The SQLAlchemy dialect that compiles `engine`'s DDL."""
    if engine == "doris":
        return DorisDialect()
    from starrocks.dialect import StarRocksDialect

    return StarRocksDialect()


def ddl_statements(
    engine: str, replicas: int = DEFAULT_REPLICAS, years: tuple[int, int] = DEFAULT_YEARS
) -> list[str]:
    """One CREATE TABLE per warehouse table, in dependency order, without a trailing ';'."""
    dialect = dialect_for(engine)
    md = olap_metadata(engine, replicas, years)
    return [str(CreateTable(t).compile(dialect=dialect)).strip() for t in md.sorted_tables]


def ddl_script(
    engine: str, replicas: int = DEFAULT_REPLICAS, years: tuple[int, int] = DEFAULT_YEARS
) -> str:
    """The statements as one script a DBA runs in the MySQL client (`mysql -h FE -P 9030`)."""
    head = (
        f"-- 医保决策驾驶舱数据仓库建表语句({'StarRocks' if engine == 'starrocks' else 'Doris'}),"
        f"副本数 {replicas},按年分区 {years[0]}–{years[1]}\n"
        "-- 由 python -m data_sources.olap ddl 生成,与 data_sources/schema.py 的表定义一致。\n"
    )
    return head + "\n\n".join(f"{s};" for s in ddl_statements(engine, replicas, years)) + "\n"


def olap_engine_name(dialect_name: str) -> str | None:
    """ "starrocks"/"doris" when a URL's dialect is one of them (`init` then uses this DDL)."""
    return dialect_name if dialect_name in ENGINES else None


def create_missing(bind, replicas: int = DEFAULT_REPLICAS) -> list[str]:
    """Creates the warehouse tables the StarRocks/Doris database lacks; returns their names.

    Not run against a live server by this project's tests (see README, 规模与部署)."""
    from sqlalchemy import inspect

    engine = olap_engine_name(bind.dialect.name)
    if engine is None:
        raise ValueError("not a StarRocks or Doris engine")
    md = olap_metadata(engine, replicas)
    existing = set(inspect(bind).get_table_names())
    created = []
    with bind.begin() as conn:
        for table in md.sorted_tables:
            if table.name not in existing:
                conn.execute(CreateTable(table))
                created.append(table.name)
    return created


# --- README table --------------------------------------------------------------------------------


def _declared_key(table: Table) -> str:
    pk = ", ".join(c.name for c in table.primary_key.columns)
    indexes = [", ".join(c.name for c in ix.columns) for ix in sorted(table.indexes, key=str)]
    return "; ".join([f"主键 ({pk})", *(f"索引 ({ix})" for ix in indexes)])


def readme_rows(tables: Iterable[Table] | None = None) -> list[str]:
    """The README's table of layouts (规模与部署), one Markdown row per warehouse table."""
    rows = [
        "| 表 | PostgreSQL/MariaDB 键与索引 | StarRocks 表类型 | Doris 表类型 | 排序键 | 分桶 | 按年分区 |",
        "|---|---|---|---|---|---|---|",
    ]
    declared = [t for t in schema.metadata.tables.values() if t.name not in APP_STORE_TABLES]
    for table in tables or declared:  # in the schema's order: dimensions, then areas
        layout = LAYOUTS[table.name]
        key = ", ".join(key_columns(table, layout))
        starrocks = f"PRIMARY KEY ({key})" if layout.unique else f"DUPLICATE KEY ({key})"
        doris = f"UNIQUE KEY ({key})" if layout.unique else f"DUPLICATE KEY ({key})"
        buckets = f"HASH({', '.join(layout.bucket_by)}) × {layout.buckets}"
        rows.append(
            f"| {table.name} | {_declared_key(table)} | {starrocks} | {doris} | "
            f"{', '.join(layout.sort_key)} | {buckets} | {'是' if layout.partitioned else '—'} |"
        )
    return rows


# --- CLI -----------------------------------------------------------------------------------------


def _years(text: str) -> tuple[int, int]:
    try:
        first, last = (int(p) for p in text.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError("年度范围应写成 起始年-结束年,如 2018-2030") from None
    if not 1990 <= first <= last <= 2100:
        raise argparse.ArgumentTypeError("年度范围应在 1990–2100 之间,且起始年不晚于结束年")
    return first, last


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m data_sources.olap",
        description="生成 StarRocks 或 Doris 的建表语句(驾驶舱数据仓库的全部数据表),"
        "供数据库管理员在 MySQL 客户端中执行。",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ddl = sub.add_parser("ddl", help="打印建表语句")
    ddl.add_argument("--engine", required=True, choices=ENGINES, help="starrocks 或 doris")
    ddl.add_argument(
        "--replicas", type=int, default=DEFAULT_REPLICAS, help="副本数(单节点试用集群设 1)"
    )
    ddl.add_argument(
        "--years",
        type=_years,
        default=DEFAULT_YEARS,
        help=f"按年分区的年度范围,默认 {DEFAULT_YEARS[0]}-{DEFAULT_YEARS[1]}",
    )
    sub.add_parser("readme-table", help="打印 README“规模与部署”一节的表(由 LAYOUTS 生成)")
    args = parser.parse_args(argv)
    if args.command == "readme-table":
        print("\n".join(readme_rows()))
        return 0
    if args.replicas < 1:
        print("错误:副本数至少为 1。", file=sys.stderr)
        return 1
    sys.stdout.write(ddl_script(args.engine, args.replicas, args.years))
    return 0


if __name__ == "__main__":
    sys.exit(main())
