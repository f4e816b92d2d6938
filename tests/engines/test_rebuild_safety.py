"""The demo builder never drops a populated table it cannot recreate: on every engine it first
proves that the engine takes every table's DDL (`data_sources.demo.check_can_create`)."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import UserDefinedType

from data_sources import demo
from data_sources.engine import create_warehouse_engine
from data_sources.schema import township

pytestmark = pytest.mark.engines


class Refused(UserDefinedType):
    """A column type no engine knows: its CREATE TABLE fails like a DDL the engine rejects."""

    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "NO_SUCH_TYPE_19"


@compiles(Refused)
def _refused(element, compiler, **kw) -> str:
    return "NO_SUCH_TYPE_19"


REFUSED = Table("refused_by_engine", MetaData(), Column("x", Refused()), Column("y", Integer))


@pytest.fixture(params=["duckdb", "postgresql", "mariadb", "spark"])
def url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'populated.duckdb'}"
    # A database of its own: the shared scratch ones hold other tables that refer to township.
    fixture = {
        "postgresql": "pg_databases",
        "mariadb": "mariadb_databases",
        "spark": "spark_databases",
    }
    return request.getfixturevalue(fixture[request.param]).new("rebuildsafety")


def test_demo_refuses_before_dropping_anything(url: str) -> None:
    engine = create_warehouse_engine(url)
    try:
        with engine.begin() as conn:
            township.drop(conn, checkfirst=True)
            township.create(conn)
            conn.execute(
                township.insert(), [{"code": "360121001", "name": "莲塘镇", "sort_order": 1}]
            )
    finally:
        engine.dispose()
    with pytest.raises(demo.RebuildRefused) as refused:
        demo.build(url, also_create=(REFUSED,))
    assert "未删除或修改任何现有数据表" in refused.value.message
    engine = create_warehouse_engine(url)
    try:
        with engine.begin() as conn:
            assert conn.execute(select(township.c.name)).scalars().all() == ["莲塘镇"]
            assert conn.execute(select(func.count()).select_from(township)).scalar_one() == 1
            # No probe table is left behind.
            assert not engine.dialect.has_table(conn, demo.PROBE_PREFIX + "township")
            township.drop(conn)
    finally:
        engine.dispose()
