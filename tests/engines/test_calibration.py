"""The demo generator against the figures it is calibrated on (seed 002: 南昌县, Jan–Oct 2023).

A test of the generator, not of the metrics layer: actual figures come from plain SQL on the DuckDB
demo; expected figures are literals copied from the seeds.
"""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from data_sources.demo import generate
from data_sources.engine import create_warehouse_engine
from data_sources.writer import frame_checksum

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 0.05  # ±5% of the published figure

# seed 002, 南昌县 2023年1-10月
ENROLLED_RESIDENT = 836_800  # 城乡居民医保 83.68万人
ENROLLED_EMPLOYEE = 108_400  # 城镇职工医保 10.84万人
ENROLLED_TOTAL = 945_200  # 缴费参保人数 94.52万人
TARGET_TOTAL = 1_000_175  # 全县参保任务数
INCOME_RESIDENT = 556_000_000  # 居民医保基金收入 5.56亿
INCOME_EMPLOYEE = 372_000_000  # 职工医保基金收入 3.72亿
SPENDING_RESIDENT = 262_000_000  # 居民医保基金支出 2.62亿
SPENDING_EMPLOYEE = 142_000_000  # 职工医保基金支出 1.42亿
ASSISTANCE_AMOUNT = Decimal("14568500.00")  # 医疗救助 1,456.85万元
ASSISTANCE_PERSON_TIMES = 19_429  # 医疗救助 19,429人次
TOWNSHIPS = 20  # 20个乡镇(街道)
INSTITUTIONS = 574  # 定点医药机构574家
MEDICAL_INSTITUTIONS = 312  # 其中定点医疗机构312家
PHARMACIES = 262  # 定点零售药店262家
# seed 004, 濉溪县 2023年DRG付费预算 46,574.09万元
DRG_BUDGET_2023 = Decimal("465740900.00")


@pytest.fixture(scope="module")
def conn(demo_warehouse_url: str):
    engine = create_warehouse_engine(demo_warehouse_url, read_only=True)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def one(conn: Connection, sql: str, **params) -> object:
    return conn.execute(text(sql), params).scalar_one()


def assert_near(actual, expected, tolerance: float = TOLERANCE) -> None:
    actual, expected = float(actual), float(expected)
    assert abs(actual - expected) <= tolerance * expected, (
        f"{actual:,.2f} is {actual / expected - 1:+.2%} from {expected:,.2f} "
        f"(allowed ±{tolerance:.0%})"
    )


# --- 参保扩面 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "expected"), [("resident", ENROLLED_RESIDENT), ("employee", ENROLLED_EMPLOYEE)]
)
def test_enrolled_october_2023_by_scheme(conn: Connection, scheme: str, expected: int) -> None:
    # Enrollment is cumulative within the year: October's figure, not a sum of months.
    actual = one(
        conn,
        "SELECT SUM(enrolled) FROM enrollment WHERE year = 2023 AND month = 10 AND scheme = :s",
        s=scheme,
    )
    assert_near(actual, expected)


def test_enrolled_october_2023_total(conn: Connection) -> None:
    actual = one(conn, "SELECT SUM(enrolled) FROM enrollment WHERE year = 2023 AND month = 10")
    assert_near(actual, ENROLLED_TOTAL)


def test_enrollment_target_2023(conn: Connection) -> None:
    assert_near(
        one(conn, "SELECT SUM(target) FROM enrollment_target WHERE year = 2023"), TARGET_TOTAL
    )


def test_enrollment_never_decreases_within_a_year(conn: Connection) -> None:
    decreases = one(
        conn,
        """
        SELECT COUNT(*) FROM (
            SELECT enrolled - LAG(enrolled) OVER (
                PARTITION BY year, township_code, scheme, person_group ORDER BY month
            ) AS step
            FROM enrollment
        ) AS s
        WHERE step < 0
        """,
    )
    assert decreases == 0


def test_enrollment_series_have_no_gaps(conn: Connection) -> None:
    gaps = one(
        conn,
        """
        SELECT COUNT(*) FROM (
            SELECT year, township_code, scheme, person_group
            FROM enrollment
            GROUP BY year, township_code, scheme, person_group
            HAVING MIN(month) <> 1 OR MAX(month) <> COUNT(*)
        ) AS s
        """,
    )
    assert gaps == 0


# --- 基金收支 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "flow", "expected"),
    [
        ("resident", "income", INCOME_RESIDENT),
        ("employee", "income", INCOME_EMPLOYEE),
        ("resident", "spending", SPENDING_RESIDENT),
        ("employee", "spending", SPENDING_EMPLOYEE),
    ],
)
def test_fund_jan_oct_2023(conn: Connection, scheme: str, flow: str, expected: int) -> None:
    # Seed 002 counts county institutions only: what the city settles outside the county
    # (item out_of_county, "县域外医疗机构由市局统一做账") is not in its 4.04亿.
    actual = one(
        conn,
        "SELECT SUM(amount) FROM fund_ledger "
        "WHERE year = 2023 AND month BETWEEN 1 AND 10 AND scheme = :s AND flow = :f "
        "AND item <> 'out_of_county'",
        s=scheme,
        f=flow,
    )
    assert_near(actual, expected)


def test_fund_is_roughly_balanced_with_external_spending(conn: Connection) -> None:
    # With what the city settles outside the county, 2023 spending is 80-100% of income
    # (a believable 基金使用率), not the 44% of county institutions alone.
    income, spending = conn.execute(
        text(
            "SELECT SUM(CASE WHEN flow = 'income' THEN amount END),"
            " SUM(CASE WHEN flow = 'spending' THEN amount END) FROM fund_ledger WHERE year = 2023"
        )
    ).one()
    assert 0.8 <= float(spending) / float(income) <= 1.0


# --- 医疗救助 ----------------------------------------------------------------------------------


def test_assistance_jan_oct_2023(conn: Connection) -> None:
    amount, person_times = conn.execute(
        text(
            "SELECT SUM(amount), COUNT(*) FROM assistance "
            "WHERE year = 2023 AND month BETWEEN 1 AND 10"
        )
    ).one()
    assert_near(amount, ASSISTANCE_AMOUNT)
    assert_near(person_times, ASSISTANCE_PERSON_TIMES)


# --- Structure ---------------------------------------------------------------------------------


def test_townships_and_institutions(conn: Connection) -> None:
    assert one(conn, "SELECT COUNT(*) FROM township") == TOWNSHIPS
    assert one(conn, "SELECT COUNT(*) FROM institution") == INSTITUTIONS
    assert one(conn, "SELECT COUNT(*) FROM institution WHERE kind = 'pharmacy'") == PHARMACIES
    medical = one(conn, "SELECT COUNT(*) FROM institution WHERE kind <> 'pharmacy'")
    assert medical == MEDICAL_INSTITUTIONS
    # Every institution belongs to a township of the county.
    orphans = one(
        conn,
        "SELECT COUNT(*) FROM institution i LEFT JOIN township t ON t.code = i.township_code "
        "WHERE t.code IS NULL",
    )
    assert orphans == 0


@pytest.mark.parametrize(
    "table", ["enrollment", "fund_ledger", "assistance", "proc_purchase", "drg_case"]
)
def test_years_2022_to_2026_allow_year_on_year(conn: Connection, table: str) -> None:
    # Identifiers come from the parametrize list above, never from input.
    rows = conn.execute(text(f"SELECT DISTINCT year, month FROM {table}")).all()
    months: dict[int, set[int]] = {}
    for year, month in rows:
        months.setdefault(int(year), set()).add(int(month))
    assert sorted(months) == [2022, 2023, 2024, 2025, 2026]
    # 同比: every month of a year has the same month of the year before.
    for year in range(2023, 2027):
        assert months[year] <= months[year - 1], (table, year)
    assert max(months[2026]) == 10


def test_drg_budget_2023(conn: Connection) -> None:
    actual = one(conn, "SELECT SUM(budget) FROM drg_budget WHERE year = 2023")
    assert_near(actual, DRG_BUDGET_2023, tolerance=0.01)


# --- Determinism and speed ---------------------------------------------------------------------


def test_generate_is_deterministic(conn: Connection) -> None:
    """A second generate() gives the same frames as the one that built the session's demo file.

    The load log keeps the checksum of each frame as it was written.
    """
    logged = dict(conn.execute(text("SELECT table_name, checksum FROM load_log")).all())
    frames = generate("county")
    assert sorted(frames) == sorted(logged)
    differing = [name for name, frame in frames.items() if frame_checksum(frame) != logged[name]]
    assert not differing


def test_demo_command_is_fast(tmp_path: Path) -> None:
    out = tmp_path / "timed.duckdb"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "data_sources.demo", "--scale", "county", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    seconds = time.perf_counter() - started
    print(f"python -m data_sources.demo --scale county: {seconds:.1f} s")
    assert done.returncode == 0, done.stderr
    assert out.is_file()
    assert seconds < 60, f"demo build took {seconds:.1f} s (target: under 30 s)"
