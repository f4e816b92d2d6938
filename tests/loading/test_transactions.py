"""Loads are transactional and idempotent, on DuckDB and PostgreSQL: loading a period again
replaces it (no double counting), and a failure after the delete leaves the warehouse as it was."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from data_sources.engine import create_warehouse_engine
from data_sources.load import SimulatedFailure, load_file
from data_sources.schema import township
from data_sources.writer import recreate_schema
from metrics.execute import execute
from metrics.model import Period, QuerySpec, Viewer

from .helpers import ASSIST_HEADERS, ENROLL_HEADERS, frame, standard, table_state, write_xlsx

VIEWER = Viewer(name="test", townships=None, can_see_small_cells=True)
LT, XT = "莲塘镇", "向塘镇"
KEY = ["城乡居民医保", "学生儿童"]
YEAR = 2021  # not in the demo: the test's rows are the only ones of the year


@pytest.fixture(scope="module")
def pg_warehouse(pg_databases) -> Iterator[Engine]:
    engine = create_warehouse_engine(pg_databases.new("loading"))
    recreate_schema(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(township),
            [
                {"code": "360121100", "name": LT, "sort_order": 1},
                {"code": "360121101", "name": XT, "sort_order": 2},
            ],
        )
    yield engine
    engine.dispose()


def enrollment_file(path: Path, rows: list[tuple[int, str, int]]) -> Path:
    return write_xlsx(path, standard(ENROLL_HEADERS, [[YEAR, m, t, *KEY, n] for m, t, n in rows]))


def enrolled(engine: Engine, month: int) -> float:
    spec = QuerySpec.make(["enrolled"], Period(YEAR, month, "month"))
    return execute(engine, spec, VIEWER).value("enrolled")


def year_rows(engine: Engine, table: str) -> int:
    return int(frame(engine, f"SELECT COUNT(*) AS n FROM {table} WHERE year = {YEAR}").n[0])


@pytest.mark.parametrize("backend", ["duckdb", "postgresql"])
def test_reload_replaces_and_failure_rolls_back(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    engine = request.getfixturevalue("warehouse" if backend == "duckdb" else "pg_warehouse")
    loads0 = table_state(engine, "enrollment")[1]

    first = enrollment_file(
        tmp_path / "a.xlsx", [(9, LT, 100), (9, XT, 200), (10, LT, 110), (10, XT, 220)]
    )
    result = load_file(engine, first, "enrollment", user="张三")
    assert result.ok, result.problems
    assert (result.rows, result.replaced, result.period) == (4, 0, f"{YEAR}-09~{YEAR}-10")
    assert enrolled(engine, 10) == 330

    october = enrollment_file(tmp_path / "b.xlsx", [(10, LT, 120), (10, XT, 230)])
    for _ in range(2):  # the same file twice: replaced, never added
        result = load_file(engine, october, "enrollment", user="张三")
        assert result.ok and result.rows == 2 and result.replaced == 2
    assert year_rows(engine, "enrollment") == 4
    assert enrolled(engine, 9) == 300
    assert enrolled(engine, 10) == 350

    log = frame(engine, "SELECT * FROM load_log ORDER BY load_id")
    assert len(log) == loads0 + 3
    last = log.iloc[-1]
    assert last.checksum == hashlib.sha256(october.read_bytes()).hexdigest()
    assert (last.source, last.loaded_by, last.row_count) == ("b.xlsx", "张三", 2)
    assert (last.table_name, last.period) == ("enrollment", f"{YEAR}-10")

    # A cumulative count below the month already in the warehouse: refused, nothing written.
    state = table_state(engine, "enrollment")
    falling = enrollment_file(tmp_path / "c.xlsx", [(10, LT, 90), (10, XT, 230)])
    result = load_file(engine, falling, "enrollment", user="张三")
    assert not result.ok
    assert [(p.row, p.column) for p in result.problems] == [(4, "参保人数")]
    assert f"低于数据仓库中{YEAR}年9月的 100" in result.problems[0].message
    assert table_state(engine, "enrollment") == state

    # A failure after the delete, inside the transaction: everything rolls back.
    other = enrollment_file(tmp_path / "d.xlsx", [(10, LT, 130), (10, XT, 240)])
    with pytest.raises(SimulatedFailure):
        load_file(engine, other, "enrollment", user="张三", fail_after_delete=True)
    assert table_state(engine, "enrollment") == state
    assert enrolled(engine, 10) == 350


@pytest.mark.parametrize("backend", ["duckdb", "postgresql"])
def test_assistance_reload_replaces_its_months(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    engine = request.getfixturevalue("warehouse" if backend == "duckdb" else "pg_warehouse")
    rows = [
        [f"{YEAR}-10-08", YEAR, LT, "低保对象", "住院救助", 3600, "k1"],
        [f"{YEAR}-10-09", YEAR, XT, "特困人员", "门诊救助", 325.5, "k2"],
        [f"{YEAR}-11-01", YEAR, XT, "特困人员", "门诊救助", 100, "k2"],
    ]
    path = write_xlsx(tmp_path / "a.xlsx", standard(ASSIST_HEADERS, rows, "单位:元"))
    for _ in range(2):
        result = load_file(engine, path, "assistance", user="李四")
        assert result.ok, result.problems
    assert result.replaced == 3 and result.period == f"{YEAR}-10~{YEAR}-11"
    stored = frame(engine, f"SELECT * FROM assistance WHERE year = {YEAR} ORDER BY pay_date")
    assert len(stored) == 3 and stored.record_id.is_unique
    assert [float(a) for a in stored.amount] == [3600.0, 325.5, 100.0]
    assert list(stored.month) == [10, 10, 11]

    spec = QuerySpec.make(["assist_amount", "assist_times"], Period(YEAR, 11))
    result_frame = execute(engine, spec, VIEWER)
    assert result_frame.value("assist_amount") == pytest.approx(4025.5)
    assert result_frame.value("assist_times") == 3

    state = table_state(engine, "assistance")
    with pytest.raises(SimulatedFailure):
        load_file(engine, path, "assistance", user="李四", fail_after_delete=True)
    assert table_state(engine, "assistance") == state
