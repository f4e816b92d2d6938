"""From an EMPTY warehouse on DuckDB, PostgreSQL and MariaDB, the made-up county's full year is
loaded only through the import path (init command, load CLI and load_file), and the metrics,
数据截至 and the report paragraph equal the totals worked out by hand (see county.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from data_sources import areas, init, load, region
from data_sources.config import demo_url
from data_sources.engine import check_warehouse, create_warehouse_engine
from data_sources.load import load_file
from exports.narrative import report_paragraph
from metrics.execute import execute
from metrics.model import Period, QuerySpec, Viewer

from . import county as C
from .conftest import scratch_url

VIEWER = Viewer(name="测试员", townships=None, can_see_small_cells=True)
DEC = Period(C.YEAR, 12)

# Hand-worked totals of county.py for 2023 (Jan-Dec).
# 参保: R 8000+5000+14000 + 3 towns × (10·12 + 100 students) + E 400+150+4800 + 3 × 5·12
ENROLLED_DEC = 27000 + 3 * 220 + 5350 + 3 * 60
assert ENROLLED_DEC == 33190
ENROLLED_CG_DEC = 14000 + 120 + 100 + 4800 + 60  # 城关街道
TARGET = 9000 + 500 + 5400 + 200 + 15000 + 5000
INCOME = 12 * 1_000_000 + 1_000 * sum(range(1, 13)) + 12 * 600_000  # 19,278,000
SPENDING = 12 * (500_000 + 300_000)  # 9,600,000
OPENING = (5_000 + 3_000) * 10_000  # loaded in 万元
ASSIST = 12 * (3000 + 2000 + 500 + 380)  # 70,560
DRG_PAID = 12 * (8_000 + 16_000 + 4_000)  # 336,000
BUDGET = 12_000_000 + 3_000_000


def _files(root: Path) -> dict[str, list[tuple[str, Path]]]:
    root.mkdir(parents=True, exist_ok=True)
    months: list[tuple[str, Path]] = []
    for m in range(1, 13):
        months += C.month_files(root, m)
    return {"dims": C.dimension_files(root), "annual": C.annual_files(root), "months": months}


@pytest.fixture(scope="module")
def county_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[str, Path]]]:
    return _files(tmp_path_factory.mktemp("county"))


def _url(request: pytest.FixtureRequest, backend: str, tmp: Path) -> str:
    if backend == "duckdb":
        return demo_url(tmp / "青溪县.duckdb")
    databases = request.getfixturevalue(
        "pg_databases" if backend == "postgresql" else "mariadb_databases"
    )
    return scratch_url(databases, "onboard")


@pytest.fixture(scope="module", params=["duckdb", "postgresql", "mariadb"])
def loaded(
    request: pytest.FixtureRequest,
    county_files: dict[str, list[tuple[str, Path]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Engine, dict]]:
    """The county loaded from empty; yields (url, engine, what was seen on the way)."""
    url = _url(request, request.param, tmp_path_factory.mktemp("wh"))
    seen: dict = {}
    lines: list[str] = []
    assert init.run(url, *C.REGION, out=lines.append) == init.EXIT_OK, lines
    engine = create_warehouse_engine(url)
    seen["empty_status"] = check_warehouse(engine)
    # 名录 through the command line, as an administrator would on the server.
    for kind, path in county_files["dims"]:
        engine.dispose()
        code = load.main([str(path), "--kind", kind, "--url", url, "--user", "王科长", "--yes"])
        assert code == 0, (kind, path.name)
    # The year's annual files first (参保任务数 is the natural first file) ...
    for kind, path in county_files["annual"]:
        result = load_file(engine, path, kind, user="王科长")
        assert result.ok, (kind, [p.text() for p in result.problems])
    with engine.connect() as conn:
        seen["cutoff_after_annual"] = areas.data_cutoff(conn)
    # ... then twelve months, several files per month split by kind, scheme and township.
    for kind, path in county_files["months"]:
        result = load_file(engine, path, kind, user="李干事")
        assert result.ok, (kind, path.name, [p.text() for p in result.problems + result.warnings])
    yield url, engine, seen
    engine.dispose()


def value(engine: Engine, metric: str, period: Period = DEC, **filters) -> float:
    result = execute(engine, QuerySpec.make([metric], period, (), filters), VIEWER)
    return result.value(metric)


def test_empty_warehouse_opens_and_annual_first_leaves_no_cutoff(loaded) -> None:
    _, engine, seen = loaded
    assert seen["empty_status"].ok  # an initialised empty warehouse lets the administrator in
    assert seen["cutoff_after_annual"] is None  # targets alone never set 数据截至
    with engine.connect() as conn:
        assert areas.data_cutoff(conn) == dt.date(2023, 12, 31)
        assert region.scope_word(conn) == "全县"
        assert region.region_name(conn) == "青溪县"


@pytest.mark.parametrize(
    "metric,expected",
    [
        ("enrolled", ENROLLED_DEC),
        ("enroll_target", TARGET),
        ("fund_income", INCOME),
        ("fund_spending", SPENDING),
        ("fund_opening_balance", OPENING),
        ("fund_cumulative_balance", OPENING + INCOME - SPENDING),
        ("assist_amount", ASSIST),
        ("assist_times", 48),
        ("alert_persons", 4),
        ("proc_agreed", 1800),
        ("proc_purchased", 12 * 150),
        ("proc_progress", 1.0),
        ("proc_retained", 10_000),
        ("drg_paid", DRG_PAID),
        ("drg_cases", 36),
        ("drg_budget", BUDGET),
        ("drg_execution", DRG_PAID / BUDGET),
    ],
)
def test_county_figures_equal_hand_totals(loaded, metric: str, expected: float) -> None:
    _, engine, _ = loaded
    assert value(engine, metric) == pytest.approx(expected, rel=1e-9)


def test_township_scope_and_months(loaded) -> None:
    _, engine, _ = loaded
    assert value(engine, "enrolled", township=C.CG) == ENROLLED_CG_DEC
    assert value(engine, "enrolled", Period(2023, 6), township=C.QS) == C.enrolled(C.QS, 6)
    # Only 清水镇 has 资助参保 and part of 住院救助: 12 × (3000 + 380).
    assert value(engine, "assist_amount", township=C.QS) == pytest.approx(12 * 3380)
    june = Period(2023, 6, "month")
    assert value(engine, "fund_income", june) == pytest.approx(1_006_000 + 600_000)


def test_report_paragraph_reads_right(loaded) -> None:
    _, engine, _ = loaded

    def fetch(spec: QuerySpec):
        return execute(engine, spec, VIEWER)

    text = report_paragraph(fetch, DEC)
    # 33,190 persons = 3.32万人: residents 27,660 = 2.77万, employees 5,530 = 0.55万.
    assert text.startswith("2023年全年，全县基本医疗保险缴费参保人数3.32万人"), (
        text
    )  # 公文: full-width
    assert "城乡居民医保2.77万人" in text and "城镇职工医保0.55万人" in text, text
    assert "参保人数完成全年任务数的94.56%" in text, text  # 33,190 / 35,100
    # 48 payments of 70,560元; DRG 336,000 of 15,000,000 (2.24%); savings (10 − 4) × 1,800.
    assert "医疗救助48人次，支付金额7.06万元" in text, text
    assert "已支付33.60万元，预算执行率2.24%" in text, text
    assert "节约资金1.08万元" in text, text


def test_completeness_grid(loaded) -> None:
    _, engine, _ = loaded
    with engine.connect() as conn:
        cells = areas.completeness(conn, C.YEAR)
        empty_year = areas.completeness(conn, C.YEAR + 1)
    assert len(cells) == 5 * 12 and set(cells["状态"]) == {"已导入"}
    per_month = cells.groupby("方面")["行数"].unique().to_dict()
    # Rows a month: enrollment 4 + 2 + 3, fund 2 + 2, assistance 2 + 1 + 1, purchases 2, DRG 3.
    expected = {"参保扩面": 9, "基金收支": 4, "医疗救助": 4, "集中带量采购": 2, "DRG预算执行": 3}
    assert {k: list(v) for k, v in per_month.items()} == {k: [v] for k, v in expected.items()}
    assert set(cells["导入人"]) == {"李干事"} and cells["导入时间"].notna().all()
    assert set(empty_year["状态"]) == {"缺"}
    grid = areas.completeness_grid(cells)
    assert grid.loc["参保扩面", "12月"] == "✓ 9"
