"""The county demo built on Spark (`python -m data_sources.demo --url spark://…`) holds DuckDB's rows
and totals, money exact as Decimal, and every page's metric specs give DuckDB's frames there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from data_sources.engine import create_warehouse_engine
from data_sources.schema import LOAD_ORDER, assistance, institution, region, township
from tests.engines.test_demo_load import INTEGER_TOTALS, MONEY_TOTALS

pytestmark = pytest.mark.engines

# The load log is the app store's (sequences, transactions), not the warehouse's on Spark.
WAREHOUSE_INTEGERS = {k: v for k, v in INTEGER_TOTALS.items() if not k.startswith("load_log")}


def summarise(url: str) -> dict[str, object]:
    engine = create_warehouse_engine(url, read_only=url.startswith("duckdb"))
    out: dict[str, object] = {}
    try:
        with engine.connect() as conn:
            for table in (*LOAD_ORDER, region):
                out[f"rows:{table.name}"] = int(
                    conn.execute(select(func.count()).select_from(table)).scalar_one()
                )
            for name, stmt in WAREHOUSE_INTEGERS.items():
                out[name] = int(conn.execute(stmt).scalar_one())
            for name, stmt in MONEY_TOTALS.items():
                value = conn.execute(stmt).scalar_one()
                assert isinstance(value, Decimal), f"{name}: {value!r} is not Decimal"
                out[name] = value
            out["township.names"] = sorted(conn.execute(select(township.c.name)).scalars())
            out["institution.name_chars"] = int(
                conn.execute(select(func.sum(func.char_length(institution.c.name)))).scalar_one()
            )
            out["assistance.pay_date"] = tuple(
                conn.execute(
                    select(func.min(assistance.c.pay_date), func.max(assistance.c.pay_date))
                ).one()
            )
            out["region"] = tuple(conn.execute(select(region.c.code, region.c.name)).one())
    finally:
        engine.dispose()
    return out


def test_spark_demo_matches_duckdb(spark_demo_url: str, demo_warehouse_url: str) -> None:
    spark, duck = summarise(spark_demo_url), summarise(demo_warehouse_url)
    assert spark["rows:drg_case"] == 301_980  # the county demo, not a sample of it
    assert isinstance(spark["assistance.pay_date"][0], dt.date)
    assert spark["region"] == ("360121", "南昌县")
    diff = {k: (spark.get(k), duck[k]) for k in duck if spark.get(k) != duck[k]}
    assert not diff, diff
