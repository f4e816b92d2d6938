"""The Spark dialect on a real cluster: exact money, dates, missing tables, batched inserts, and
slice replacement by write-then-swap. The DDL and literal tests need no cluster."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import Column, Engine, MetaData, String, Table, create_mock_engine, event, select
from sqlalchemy import func as f
from sqlalchemy.schema import CreateTable

from data_sources import spark_writer
from data_sources.engine import create_warehouse_engine
from data_sources.schema import assistance, enrollment, fund_ledger, metadata, township
from data_sources.spark_dialect import SparkDialect, render_literal

pytestmark = pytest.mark.engines

# --- Without a cluster ------------------------------------------------------------------------


def _ddl(tables: list[Table]) -> str:
    out: list[str] = []
    mock = create_mock_engine(
        "spark://127.0.0.1:1/x",
        lambda sql, *a, **k: out.append(str(sql.compile(dialect=mock.dialect))),
    )
    metadata.create_all(mock, tables=tables, checkfirst=False)
    return "\n".join(out)


def test_ddl_keeps_money_and_dates_and_has_no_keys_or_indexes() -> None:
    ddl = _ddl([township, fund_ledger, assistance])
    assert "`amount` DECIMAL(16, 2) NOT NULL" in ddl
    assert "`amount` DECIMAL(12, 2) NOT NULL" in ddl
    assert "`pay_date` DATE NOT NULL" in ddl
    assert "TIMESTAMP" not in ddl
    assert ddl.count("USING parquet") == 3
    for word in ("PRIMARY KEY", "FOREIGN KEY", "REFERENCES", "UNIQUE", "CREATE INDEX"):
        assert word not in ddl, word
    # The other engines still get their keys and the period index.
    pg = str(
        CreateTable(assistance).compile(dialect=create_mock_engine("postgresql://", None).dialect)
    )
    assert "PRIMARY KEY" in pg


def test_literals_are_exact_and_escaped() -> None:
    assert render_literal(Decimal("0.10")) == "0.10BD"
    assert render_literal(Decimal("-123456789012.34")) == "-123456789012.34BD"
    assert render_literal(dt.date(2023, 2, 28)) == "DATE '2023-02-28'"
    # A backslash before the quote would end the literal in Spark SQL: both are escaped.
    assert render_literal("a\\' OR 1=1 --") == "'a\\\\\\' OR 1=1 --'"
    assert render_literal([1, "x"]) == "(1, 'x')"
    with pytest.raises(ValueError):
        render_literal(float("nan"))


def test_url_is_registered() -> None:
    engine = create_warehouse_engine("spark://127.0.0.1:10000/yibao?stage_dir=/srv/stage")
    assert isinstance(engine.dialect, SparkDialect)
    _, kwargs = engine.dialect.create_connect_args(engine.url)
    assert kwargs["database"] == "yibao" and "stage_dir" not in kwargs
    assert str(engine.dialect.stage_dir) == "/srv/stage"


# --- On the cluster ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine(spark_url: str) -> Iterator[Engine]:
    eng = create_warehouse_engine(spark_url)
    yield eng
    eng.dispose()


def test_round_trip_money_dates_text_and_missing_tables(engine: Engine) -> None:
    md = MetaData()
    probe = Table(
        "roundtrip",
        md,
        Column("k", String(8), primary_key=True),
        *[c._copy() for c in fund_ledger.c if c.name in ("amount",)],
        *[c._copy() for c in assistance.c if c.name in ("pay_date",)],
    )
    with engine.connect() as conn:
        probe.drop(conn, checkfirst=True)
        assert not engine.dialect.has_table(conn, "roundtrip")
        probe.create(conn, checkfirst=True)
        assert engine.dialect.has_table(conn, "roundtrip")
        rows = [
            {"k": "a'\\", "amount": Decimal("12345678901234.56"), "pay_date": dt.date(2023, 2, 28)},
            # A float (as frames carry money) is bound as its exact cents, not as a double.
            {"k": "中文", "amount": 0.1 + 0.2, "pay_date": dt.date(2024, 2, 29)},
        ]
        conn.execute(probe.insert(), rows)
        got = {r.k: r for r in conn.execute(select(probe))}
        assert got["a'\\"].amount == Decimal("12345678901234.56")
        assert got["中文"].amount == Decimal("0.30")
        assert got["a'\\"].pay_date == dt.date(2023, 2, 28)
        total = conn.execute(select(f.sum(probe.c.amount))).scalar_one()
        assert total == Decimal("12345678901234.86")
        # Raw driver SQL (the metrics' path) also gets dates and exact parameters.
        raw = conn.exec_driver_sql(
            "SELECT pay_date, amount FROM roundtrip WHERE amount = %(m)s", {"m": Decimal("0.30")}
        ).one()
        assert raw == (dt.date(2024, 2, 29), Decimal("0.30"))
        probe.drop(conn)


def test_executemany_is_batched_with_its_column_list(engine: Engine) -> None:
    md = MetaData()
    t = Table("batched", md, Column("k", String(8)), Column("v", String(8)))
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    with engine.connect() as conn:
        t.drop(conn, checkfirst=True)
        t.create(conn)
        event.listen(engine, "before_cursor_execute", seen)
        try:
            conn.execute(t.insert(), [{"v": str(i), "k": f"k{i}"} for i in range(1200)])
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert len(statements) == 3  # 500 + 500 + 200 rows
        assert statements[0].startswith("INSERT INTO `batched` (`k`, `v`) VALUES (")
        assert conn.execute(select(f.count(), f.count(f.distinct(t.c.k)))).one() == (1200, 1200)
        t.drop(conn)


def _enrollment(town: str, enrolled: int, months: range) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": 2023,
            "month": list(months),
            "township_code": town,
            "scheme": "resident",
            "person_group": "other",
            "enrolled": enrolled,
        }
    )


def _totals(engine: Engine) -> dict[str, tuple[int, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(enrollment.c.township_code, f.count(), f.sum(enrollment.c.enrolled)).group_by(
                enrollment.c.township_code
            )
        )
        return {r[0]: (int(r[1]), int(r[2])) for r in rows}


def test_slice_is_replaced_by_write_then_swap(engine: Engine) -> None:
    with engine.connect() as conn:
        enrollment.drop(conn, checkfirst=True)
        enrollment.create(conn)
        spark_writer.insert_frame(conn, enrollment, _enrollment("T1", 100, range(1, 4)))
        spark_writer.insert_frame(conn, enrollment, _enrollment("T2", 10, range(1, 4)))
    assert _totals(engine) == {"T1": (3, 300), "T2": (3, 30)}
    slice_t1 = (enrollment.c.township_code == "T1") & (enrollment.c.year == 2023)
    with engine.connect() as conn:
        replaced = spark_writer.replace_slice(
            conn, enrollment, slice_t1, _enrollment("T1", 7, range(1, 5))
        )
    assert replaced == 3
    assert _totals(engine) == {"T1": (4, 28), "T2": (3, 30)}

    # A failure once the staged table is full leaves the table as it was; the next write
    # discards the staged copy.
    with engine.connect() as conn, pytest.raises(spark_writer.SwapError):
        spark_writer.replace_slice(
            conn, enrollment, slice_t1, _enrollment("T1", 1, range(1, 2)), fail_before_swap=True
        )
    assert _totals(engine) == {"T1": (4, 28), "T2": (3, 30)}
    with engine.connect() as conn:
        assert engine.dialect.has_table(conn, "enrollment__new")
        assert spark_writer.repair(conn, enrollment) == "discarded"
        assert not engine.dialect.has_table(conn, "enrollment__new")

        # Interrupted between the two renames: T__old and a complete T__new, no T.
        with pytest.raises(spark_writer.SwapError):
            spark_writer.replace_slice(
                conn, enrollment, slice_t1, _enrollment("T1", 5, range(1, 2)), fail_before_swap=True
            )
        conn.exec_driver_sql("ALTER TABLE enrollment RENAME TO enrollment__old")
        assert spark_writer.repair(conn, enrollment) == "completed"
    assert _totals(engine) == {"T1": (1, 5), "T2": (3, 30)}
    with engine.connect() as conn:
        assert not engine.dialect.has_table(conn, "enrollment__old")
        enrollment.drop(conn)
