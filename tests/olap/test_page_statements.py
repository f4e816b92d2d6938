"""Every statement the pages issue parses as StarRocks and as Doris SQL (sqlglot, errors raised).

The specs are those the pages really issue (tests/olap/collect.py: each page run with AppTest on
the demo county, for the county and a township, two periods), each also planned for a viewer
limited to one township. Each is compiled three ways, as a province would connect:

- `mysql+pymysql://…:9030`, the route the README gives (MySQL dialect: no FULL OUTER JOIN, the
  UNION spine of metrics.compiler.combine);
- `starrocks://` (the starrocks package's dialect) and `doris://` (data_sources.olap), whose
  dialect names are not MySQL's, so the compiler joins with FULL OUTER JOIN, which both support.

Parameters are filled in exactly as PyMySQL does before sending (it interpolates on the client),
so the text parsed is the text the server would receive. Not run on a live server.
"""

from __future__ import annotations

from pathlib import Path

import pymysql.converters
import pytest
import sqlglot
from sqlalchemy.dialects.mysql.pymysql import MySQLDialect_pymysql
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.util import find_tables
from sqlglot import exp

from data_sources.olap import LAYOUTS, DorisDialect
from metrics import execute as metrics_execute
from metrics.compiler import ScopeDenied
from metrics.execute import Statement, _compiled
from metrics.model import Period, QuerySpec
from tests.olap.collect import Issued, Recorded, page_specs

XIANGTANG = "360121101"
VIEWS = [(2026, 10, None), (2026, 10, XIANGTANG), (2023, 1, None)]  # a township; a January
READS = ("starrocks", "doris")


def _dialects() -> dict[str, Dialect]:
    from starrocks.dialect import StarRocksDialect

    return {
        "mysql+pymysql": MySQLDialect_pymysql(),
        "starrocks": StarRocksDialect(),
        "doris": DorisDialect(),
    }


DIALECTS = _dialects()


@pytest.fixture(scope="module")
def recorded(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    found, failed = page_specs(demo_duckdb_path, tmp_path_factory.mktemp("olap_pages"), VIEWS)
    assert not failed, failed
    return found


@pytest.fixture(scope="module")
def issued(recorded: Recorded) -> set[Issued]:
    specs = recorded.specs
    return specs | {(spec, frozenset({XIANGTANG})) for spec, _ in specs if _scoped_ok(spec)}


def _scoped_ok(spec: QuerySpec) -> bool:
    """False for county-only figures, which a township's viewer is refused, not sent."""
    try:
        metrics_execute.plan(spec, frozenset({XIANGTANG}), DIALECTS["mysql+pymysql"])
    except ScopeDenied:
        return False
    return True


def as_sent(statement: Statement) -> str:
    """The statement with its parameters interpolated as PyMySQL does on the client.

    >>> as_sent(Statement("SELECT %s, 'a%%'", {"p": "乡'镇"}, ("p",), (), None))
    "SELECT '乡\\\\'镇', 'a%'"
    """
    values = statement.driver_params()
    assert isinstance(values, tuple), "MySQL-protocol dialects bind by position"
    return statement.sql % tuple(pymysql.converters.escape_item(v, "utf8mb4") for v in values)


def parse(sql: str, read: str) -> exp.Expr:
    """Parsed strictly: sqlglot falls back to an opaque Command on syntax it does not know, which
    would pass silently, so anything but a query fails."""
    tree = sqlglot.parse_one(sql, read=read, error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(tree, exp.Query), (read, type(tree).__name__, sql)
    return tree


def test_the_pages_issue_many_specs_of_every_area(issued: set[Issued]) -> None:
    metrics = {m for spec, _ in issued for m in spec.metrics}
    # One metric of each area, and the comparisons the pages ask for (同比 reads 2025, 2022 for
    # the views of 2026 and 2023; targets come with the time progress): the recorder saw real runs.
    assert {"enrolled", "fund_income", "assist_amount", "drg_execution", "enroll_target"} <= metrics
    assert {2022, 2025} <= {spec.period.year for spec, _ in issued}
    assert len({spec for spec, _ in issued}) > 100


@pytest.mark.parametrize("route", list(DIALECTS))
def test_every_page_statement_parses_as_starrocks_and_doris(
    issued: set[Issued], route: str
) -> None:
    dialect = DIALECTS[route]
    failures: list[str] = []
    count = 0
    for spec, townships in sorted(issued, key=repr):
        for statement in metrics_execute.plan(spec, townships, dialect):
            sql = as_sent(statement)
            count += 1
            for read in READS:
                try:
                    parse(sql, read)
                except (sqlglot.errors.ParseError, AssertionError) as exc:
                    failures.append(f"{read}: {spec} → {str(exc)[:300]}")
    print(f"{route}: {count} statements parsed as {' and '.join(READS)}")
    assert count > 100
    assert not failures, "\n".join(failures[:10])


@pytest.mark.parametrize("route", list(DIALECTS))
def test_the_pages_other_warehouse_selects_parse_too(recorded: Recorded, route: str) -> None:
    """Freshness, years, townships, boundaries and region: the Core SELECTs on warehouse tables
    (the app store's, such as the load log, are not sent to StarRocks or Doris)."""
    on_warehouse = [
        select
        for select in recorded.selects.values()
        if {t.name for t in find_tables(select, include_crud=True)} <= set(LAYOUTS)
    ]
    names = {t.name for s in on_warehouse for t in find_tables(s)}
    assert {"township", "enrollment", "region", "township_boundary"} <= names, names
    for select in on_warehouse:
        sql = as_sent(Statement(*_compiled(select, DIALECTS[route]), (), None))
        for read in READS:
            parse(sql, read)


def test_the_mysql_route_uses_no_full_outer_join_and_the_others_may(issued: set[Issued]) -> None:
    # The UNION spine is what keeps the MySQL route working; the check that it is taken.
    multi = [spec for spec, t in issued if t is None and len(spec.metrics) > 3]
    joins = {
        route: sum(
            isinstance(j, exp.Join) and j.side == "FULL"
            for spec in multi
            for s in metrics_execute.plan(spec, None, d)
            for j in parse(as_sent(s), "starrocks").find_all(exp.Join)
        )
        for route, d in DIALECTS.items()
    }
    assert joins["mysql+pymysql"] == 0
    assert joins["starrocks"] > 0 and joins["doris"] > 0, joins


def test_a_value_reaches_the_server_as_a_literal_not_as_sql() -> None:
    spec = QuerySpec.make(["enrolled"], Period(2026, 10), (), {"township": "1' OR '1'='1"})
    (statement,) = metrics_execute.plan(spec, None, DIALECTS["mysql+pymysql"])
    tree = parse(as_sent(statement), "doris")
    literals = {lit.this for lit in tree.find_all(exp.Literal) if lit.is_string}
    assert "1' OR '1'='1" in literals
    assert not any(isinstance(node, exp.Or) for node in tree.find_all(exp.Or))


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT sum(amount) FROM drg_case WHERE year =",  # cut short
        "SELECT year FROM drg_case GROUP BY year HAVING",
        "CREATE INDEX ix ON drg_case (year)",  # not a query: would pass as a Command otherwise
    ],
)
def test_the_strict_parse_rejects_what_is_not_a_whole_query(sql: str) -> None:
    with pytest.raises((sqlglot.errors.ParseError, AssertionError)):
        parse(sql, "starrocks")
