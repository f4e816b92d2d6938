"""The county demo loads on DuckDB, PostgreSQL and MariaDB with the same rows and the same totals.

Money is compared as Decimal, exactly: a cent lost in a driver or a column type would show here.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Select, distinct, func, select

from data_sources.engine import create_warehouse_engine
from data_sources.schema import (
    LOAD_ORDER,
    assistance,
    drg_budget,
    drg_case,
    enrollment,
    enrollment_target,
    fund_ledger,
    fund_opening_balance,
    institution,
    load_log,
    metadata,
    plan_scenario,
    plan_scenario_target,
    poverty_alert,
    proc_agreement,
    proc_product,
    proc_purchase,
    proc_retained,
    region,
    township,
)

pytestmark = pytest.mark.engines


def _int(value) -> int:
    """Integer sums come back as int (DuckDB, PostgreSQL) or Decimal (MariaDB, PG bigint)."""
    assert value is not None
    assert Decimal(value) == int(value), value
    return int(value)


def _money(value) -> Decimal:
    assert isinstance(value, Decimal), f"{value!r} is not Decimal"
    return value


INTEGER_TOTALS: dict[str, Select] = {
    "enrollment.enrolled": select(func.sum(enrollment.c.enrolled)),
    "enrollment.enrolled@2023-10": select(func.sum(enrollment.c.enrolled)).where(
        enrollment.c.year == 2023, enrollment.c.month == 10
    ),
    "enrollment_target.target": select(func.sum(enrollment_target.c.target)),
    "fund_ledger.person_times": select(func.sum(fund_ledger.c.person_times)),
    "assistance.persons": select(func.count(distinct(assistance.c.person_key))),
    "proc_agreement.agreed_volume": select(func.sum(proc_agreement.c.agreed_volume)),
    "proc_purchase.volume": select(func.sum(proc_purchase.c.volume)),
    "load_log.rows": select(func.count()).select_from(load_log),
    "load_log.row_count": select(func.sum(load_log.c.row_count)),
}

MONEY_TOTALS: dict[str, Select] = {
    "fund_ledger.amount[income]": select(func.sum(fund_ledger.c.amount)).where(
        fund_ledger.c.flow == "income"
    ),
    "fund_ledger.amount[spending]": select(func.sum(fund_ledger.c.amount)).where(
        fund_ledger.c.flow == "spending"
    ),
    "fund_opening_balance.amount": select(func.sum(fund_opening_balance.c.amount)),
    "assistance.amount": select(func.sum(assistance.c.amount)),
    "poverty_alert.oop_amount": select(func.sum(poverty_alert.c.oop_amount)),
    "proc_product.price_before": select(func.sum(proc_product.c.price_before)),
    "proc_product.price_after": select(func.sum(proc_product.c.price_after)),
    "proc_retained.amount": select(func.sum(proc_retained.c.amount)),
    "drg_budget.budget": select(func.sum(drg_budget.c.budget)),
    "drg_case.fund_paid": select(func.sum(drg_case.c.fund_paid)),
    "drg_case.total_cost": select(func.sum(drg_case.c.total_cost)),
    "drg_case.weight": select(func.sum(drg_case.c.weight)),
}


def summarise(url: str) -> dict[str, object]:
    """Row counts per table, integer and money totals, and a few values that must round-trip."""
    engine = create_warehouse_engine(url, read_only=url.startswith("duckdb"))
    out: dict[str, object] = {}
    try:
        with engine.connect() as conn:
            for table in (*LOAD_ORDER, load_log, region):
                count = conn.execute(select(func.count()).select_from(table)).scalar_one()
                out[f"rows:{table.name}"] = _int(count)
            for name, stmt in INTEGER_TOTALS.items():
                out[name] = _int(conn.execute(stmt).scalar_one())
            for name, stmt in MONEY_TOTALS.items():
                out[name] = _money(conn.execute(stmt).scalar_one())
            by_scheme = select(
                fund_ledger.c.scheme, fund_ledger.c.flow, func.sum(fund_ledger.c.amount)
            ).group_by(fund_ledger.c.scheme, fund_ledger.c.flow)
            for scheme, flow, amount in conn.execute(by_scheme):
                out[f"fund_ledger.amount[{scheme},{flow}]"] = _money(amount)
            # Chinese text, dates and checksums must survive every driver unchanged.
            out["township.names"] = sorted(conn.execute(select(township.c.name)).scalars())
            out["institution.name_chars"] = _int(
                conn.execute(select(func.sum(func.char_length(institution.c.name)))).scalar_one()
            )
            out["assistance.pay_date"] = tuple(
                conn.execute(
                    select(func.min(assistance.c.pay_date), func.max(assistance.c.pay_date))
                ).one()
            )
            out["load_log.checksums"] = sorted(
                tuple(row)
                for row in conn.execute(select(load_log.c.table_name, load_log.c.checksum))
            )
            out["load_log.period_end"] = sorted(
                {str(d) for d in conn.execute(select(load_log.c.period_end)).scalars()}
            )
    finally:
        engine.dispose()
    return out


@pytest.fixture(scope="module")
def duckdb_summary(demo_warehouse_url: str) -> dict[str, object]:
    return summarise(demo_warehouse_url)


@pytest.fixture(scope="module")
def pg_summary(pg_demo_url: str) -> dict[str, object]:
    return summarise(pg_demo_url)


@pytest.fixture(scope="module")
def mariadb_summary(mariadb_demo_url: str) -> dict[str, object]:
    return summarise(mariadb_demo_url)


def test_duckdb_demo_is_complete(duckdb_summary: dict[str, object]) -> None:
    # Every loaded table of the schema is loaded and logged once; the tables the app writes
    # itself (任务分解方案 plan_scenario*) are created empty.
    for table in metadata.sorted_tables:
        if table in (plan_scenario, plan_scenario_target):
            continue
        assert duckdb_summary[f"rows:{table.name}"] > 0, table.name
    assert duckdb_summary["load_log.rows"] == len(LOAD_ORDER)
    assert duckdb_summary["load_log.row_count"] == sum(
        duckdb_summary[f"rows:{t.name}"] for t in LOAD_ORDER
    )
    assert duckdb_summary["rows:township"] == 20
    assert duckdb_summary["rows:region"] == 1  # 南昌县, recorded by the generator
    assert duckdb_summary["load_log.period_end"] == ["2026-10-31"]


def _compare(engine: str, got: dict[str, object], want: dict[str, object]) -> None:
    assert got.keys() == want.keys()
    differences = {k: (want[k], got[k]) for k in want if got[k] != want[k]}
    assert not differences, f"{engine} differs from DuckDB (DuckDB, {engine}): {differences}"


def test_postgresql_matches_duckdb(
    pg_summary: dict[str, object], duckdb_summary: dict[str, object]
) -> None:
    _compare("PostgreSQL", pg_summary, duckdb_summary)


def test_mariadb_matches_duckdb(
    mariadb_summary: dict[str, object], duckdb_summary: dict[str, object]
) -> None:
    _compare("MariaDB", mariadb_summary, duckdb_summary)
