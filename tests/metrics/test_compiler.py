"""The compiler without a database: SQL fragments and bound parameters per dialect.

Statements are compiled with `render_postcompile` so that IN lists appear as the individual
parameters the driver receives; every value must be among the parameters and none in the text.
"""

from __future__ import annotations

import re

import duckdb_engine
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.mysql import pymysql
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.engine import Dialect

from data_sources.schema import enrollment
from metrics.compiler import QueryError, ScopeDenied, compile_spec
from metrics.execute import execute, render_sql
from metrics.model import Period, QuerySpec, Viewer
from tests.metrics import fixtures
from tests.metrics.conftest import PRIVILEGED
from tests.metrics.fixtures import H1, T1, T2

COUNTY = Viewer()
P3 = Period(2023, 3)
CHINESE = re.compile(r"[\u4e00-\u9fff]")

DIALECTS = {
    "duckdb": duckdb_engine.Dialect(),
    "postgresql": psycopg.dialect(),
    "mysql": pymysql.dialect(),
}

INJECTIONS = ("x' OR '1'='1", "; DROP TABLE enrollment; --")


@pytest.fixture(params=list(DIALECTS), ids=list(DIALECTS))
def dialect(request: pytest.FixtureRequest) -> Dialect:
    return DIALECTS[request.param]


def compiled(spec: QuerySpec, dialect: Dialect, viewer: Viewer = COUNTY) -> list[tuple[str, dict]]:
    """(SQL text, parameters) of each statement of the spec."""
    out = []
    for query in compile_spec(spec, viewer):
        c = query.statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        out.append((" ".join(str(c).split()), dict(c.params)))
    return out


def one(spec: QuerySpec, dialect: Dialect, viewer: Viewer = COUNTY) -> tuple[str, dict]:
    statements = compiled(spec, dialect, viewer)
    assert len(statements) == 1, statements
    return statements[0]


def assert_not_in_text(sql: str, *values: object) -> None:
    for value in values:
        assert str(value) not in sql, f"{value!r} rendered literally in {sql}"


def test_flow_metric_by_month(dialect: Dialect) -> None:
    sql, params = one(QuerySpec.make(["fund_income"], P3, ["month"]), dialect)
    assert "FROM fund_ledger" in sql
    assert "fund_ledger.year = " in sql
    assert "fund_ledger.month BETWEEN " in sql
    assert "GROUP BY fund_ledger.month" in sql
    assert sorted(v for v in params.values() if isinstance(v, int)) == [1, 3, 2023]
    # the metric's own condition (flow = income) is a parameter too
    assert "income" in params.values()
    assert_not_in_text(sql, 2023, "'income'")
    assert re.search(r"fund_ledger\.flow = (%\(flow_1\)s|%s|\$\d|\?)", sql)


def test_month_mode_is_one_month(dialect: Dialect) -> None:
    sql, params = one(QuerySpec.make(["fund_income"], Period(2023, 7, "month")), dialect)
    assert "BETWEEN" in sql
    assert [v for v in params.values() if isinstance(v, int)].count(7) == 2  # BETWEEN 7 AND 7
    assert "GROUP BY" not in sql
    assert_not_in_text(sql, 2023)


def test_stock_metric_reads_the_last_month(dialect: Dialect) -> None:
    sql, params = one(QuerySpec.make(["enrolled"], Period(2023, 10), ["township"]), dialect)
    assert "enrollment.year = " in sql
    assert "enrollment.month = " in sql
    assert "BETWEEN" not in sql
    # Grouped by the code alone; the names are looked up on the grouped rows.
    assert re.search(r"GROUP BY enrollment\.township_code\)", sql)
    assert "LEFT OUTER JOIN township AS l_township ON l_township.code = a.township" in sql
    assert sql.index("GROUP BY") < sql.index("JOIN township")
    assert {2023, 10} <= set(params.values())
    assert_not_in_text(sql, 2023)

    # by month (ytd): every month up to the cut-off, each month's own stock
    sql, params = one(QuerySpec.make(["enrolled"], Period(2023, 10), ["month"]), dialect)
    assert "enrollment.month <= " in sql
    assert "GROUP BY enrollment.month" in sql


def test_one_statement_per_model(dialect: Dialect) -> None:
    spec = QuerySpec.make(
        ["enroll_completion", "coverage_rate", "enrolled_poverty"], P3, ["township", "month"]
    )
    statements = compiled(spec, dialect)
    tables = sorted(re.search(r"FROM (\w+)", sql).group(1) for sql, _ in statements)
    assert tables == ["enrollment", "enrollment_target", "township_population"]
    for sql, params in statements:
        assert 2023 in params.values()
        assert_not_in_text(sql, 2023, "'poverty'")
        if "FROM enrollment " in sql:
            assert "GROUP BY enrollment.township_code" in sql and "enrollment.month" in sql
            assert "poverty" in params.values()  # enrolled_poverty's person_group condition
        else:  # yearly models: no month column, broadcast over the months afterwards
            assert "month" not in sql


def test_drg_by_township_joins_institution(dialect: Dialect) -> None:
    statements = compiled(QuerySpec.make(["drg_execution"], P3, ["township"]), dialect)
    assert len(statements) == 2  # drg_case and drg_budget
    for sql, params in statements:
        # The institution is joined for its township code; the township's name after grouping.
        assert re.search(r"JOIN institution ON institution.code = drg_\w+.hospital_code", sql)
        assert "JOIN township ON township.code = institution.township_code" not in sql
        assert re.search(r"GROUP BY institution\.township_code\)", sql)
        assert "JOIN township AS l_township ON l_township.code = a.township" in sql
        assert 2023 in params.values()


def test_filter_codes_are_parameters(dialect: Dialect) -> None:
    spec = QuerySpec.make(
        ["enrolled"], P3, ["township"], {"scheme": "resident", "township": [T1, T2]}
    )
    sql, params = one(spec, dialect)
    assert "enrollment.scheme IN (" in sql
    assert "enrollment.township_code IN (" in sql
    assert {"resident", T1, T2} <= set(params.values())
    assert_not_in_text(sql, "resident", T1, T2)


def test_township_scope_adds_an_in_filter(dialect: Dialect) -> None:
    viewer = Viewer(name="两镇", townships=frozenset({T2, T1}))
    sql, params = one(QuerySpec.make(["drg_paid"], P3), dialect, viewer)
    assert "institution.township_code IN (" in sql
    assert "JOIN institution" in sql  # the scope needs the join even without a township group
    assert [v for v in params.values() if v in (T1, T2)] == [T1, T2]
    assert_not_in_text(sql, T1, T2)

    county_sql, county_params = one(QuerySpec.make(["drg_paid"], P3), dialect)
    assert "township_code IN" not in county_sql
    assert not {T1, T2} & set(county_params.values())


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_stays_in_parameters(dialect: Dialect, value: str) -> None:
    spec = QuerySpec.make(
        ["enrolled", "drg_paid"], P3, ["township"], {"scheme": value, "institution": value}
    )
    for sql, params in compiled(spec, dialect, Viewer(townships=frozenset({value}))):
        assert value in params.values()
        assert_not_in_text(sql, value, "DROP", "'1'='1")


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_runs_harmlessly_on_duckdb(duckdb_warehouse: Engine, value: str) -> None:
    by_town = execute(
        duckdb_warehouse,
        QuerySpec.make(["enrolled"], P3, ["township"], {"scheme": value}),
        PRIVILEGED,
    )
    assert by_town.frame.empty
    county = execute(
        duckdb_warehouse, QuerySpec.make(["enrolled"], P3, (), {"township": value}), PRIVILEGED
    )
    assert county.empty  # one row, no value
    assert county.value("enrolled") is None
    # as the warehouse received it (查看SQL): the value among the parameters only
    rendered = [render_sql(q, duckdb_warehouse) for q in compile_spec(county.spec, PRIVILEGED)]
    assert any(value in params.values() for _, params in rendered)
    assert not any(value in sql for sql, _ in rendered)
    with duckdb_warehouse.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(enrollment)).scalar_one()
    assert rows == len(fixtures.enrollment)


def test_unknown_metric() -> None:
    with pytest.raises(QueryError, match="未声明的指标") as err:
        compile_spec(QuerySpec.make(["no_such_metric"], P3), COUNTY)
    assert "no_such_metric" in err.value.message
    assert CHINESE.search(err.value.message)


def test_unknown_dimension() -> None:
    with pytest.raises(QueryError, match="未声明的维度") as err:
        compile_spec(QuerySpec.make(["enrolled"], P3, ["no_such_dim"]), COUNTY)
    assert CHINESE.search(err.value.message)
    with pytest.raises(QueryError, match="未声明的维度"):
        compile_spec(QuerySpec.make(["enrolled"], P3, (), {"no_such_dim": "x"}), COUNTY)


def test_fund_cannot_be_grouped_by_township() -> None:
    with pytest.raises(QueryError) as err:
        compile_spec(QuerySpec.make(["fund_income"], P3, ["township"]), COUNTY)
    assert not isinstance(err.value, ScopeDenied)
    assert "基金收入" in err.value.message and "乡镇" in err.value.message


def test_scoped_viewer_cannot_see_the_county_fund() -> None:
    viewer = Viewer(name="莲塘镇", townships=frozenset({T1}))
    for metric_id in ("fund_income", "fund_months_payable", "proc_avg_drop"):
        with pytest.raises(ScopeDenied) as err:
            compile_spec(QuerySpec.make([metric_id], P3), viewer)
        assert isinstance(err.value, QueryError)
        assert CHINESE.search(err.value.message)
    # township-level metrics are fine for the same viewer
    assert compile_spec(
        QuerySpec.make(["drg_paid"], P3, ["institution"], {"institution": H1}), viewer
    )
