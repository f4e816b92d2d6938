"""Each plausibility rule and each synonym, table-driven, on an initialised DuckDB warehouse
holding the made-up county's 名录, population and January."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine

from data_sources import init
from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from data_sources.load import load_file

from ..loading.helpers import ENROLL_HEADERS, FUND_HEADERS, frame, standard, write_xlsx
from . import county as C


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse file with the county's 名录, population and January enrollment and fund."""
    d = tmp_path_factory.mktemp("rules")
    path = d / "base.duckdb"
    assert init.run(demo_url(path), *C.REGION, out=lambda _: None) == init.EXIT_OK
    engine = create_warehouse_engine(demo_url(path))
    files = C.dimension_files(d)
    files += [f for f in C.annual_files(d) if f[0] in ("population", "targets")]
    files += [f for f in C.month_files(d, 1) if f[0] in ("enrollment", "fund")]
    for kind, p in files:
        assert load_file(engine, p, kind, user="t").ok, p.name
    engine.dispose()
    return path


@pytest.fixture
def engine(base: Path, tmp_path: Path) -> Iterator[Engine]:
    own = tmp_path / "own.duckdb"
    shutil.copy(base, own)
    eng = create_warehouse_engine(demo_url(own))
    yield eng
    eng.dispose()


def enroll(tmp: Path, rows: list[list], headers=ENROLL_HEADERS, unit="单位:人") -> Path:
    return write_xlsx(tmp / "e.xlsx", standard(headers, rows, unit))


# --- Plausibility -------------------------------------------------------------------------------

# name -> (kind, rows, unit, "error"/"warning", fragment of the message)
RULES = {
    "year_far_ahead": (
        "enrollment",
        [[2099, 2, "清水镇", "居民医保", "其他人员", 8020]],
        "单位:人",
        "error",
        "超出合理范围(2000年至",
    ),
    "year_too_early": (
        "enrollment",
        [[1999, 2, "清水镇", "居民医保", "其他人员", 8020]],
        "单位:人",
        "error",
        "超出合理范围",
    ),
    "cumulative_falls": (
        "enrollment",
        [[2023, 2, "清水镇", "居民医保", "其他人员", 8000]],  # January held 8010
        "单位:人",
        "error",
        "累计数不应下降",
    ),
    "persons_typed_ten_thousand_times": (
        "enrollment",
        [[2023, 2, "清水镇", "居民医保", "其他人员", 8020 * 10_000]],
        "单位:人",
        "warning",
        "疑似单位填错",
    ),
    "enrolled_above_population": (
        "enrollment",
        # 城关街道: registered 20,000, resident 22,000; employees and students of January stay.
        [[2023, 1, "城关街道", "居民医保", "其他人员", 22_000]],
        "单位:人",
        "warning",
        "超过其2023年户籍人口和常住人口(较大者 22,000 人)",
    ),
    "yuan_typed_under_wan": (
        "fund",
        # January income 1,001,000元; February typed in 元 under a 万元 unit line.
        [[2023, 2, "居民医保", "基金收入", "征缴收入", 1_002_000, None]],
        "单位:万元",
        "warning",
        "疑似单位填错(元/万元、人/万人)",
    ),
}


RULES["targets_typed_in_wan"] = (
    "targets",
    # 2024 targets of 清水镇 typed in 万人 (0.9) would be refused as a fraction; typed ×10,000
    # they are far above 2023's 9,000: a warning.
    [[2024, "清水镇", "居民医保", 9_000 * 10_000]],
    "单位:人",
    "warning",
    "2023年同一范围 9,000.00 的 10,000 倍",
)


@pytest.mark.parametrize("name", list(RULES))
def test_plausibility_rule(engine: Engine, tmp_path: Path, name: str) -> None:
    kind, rows, unit, level, fragment = RULES[name]
    headers = {
        "enrollment": ENROLL_HEADERS,
        "fund": FUND_HEADERS,
        "targets": ["年度", "乡镇", "险种", "参保任务数"],
    }[kind]
    path = write_xlsx(tmp_path / "f.xlsx", standard(headers, rows, unit))
    table = {"enrollment": "enrollment", "fund": "fund_ledger", "targets": "enrollment_target"}[
        kind
    ]
    count = len(frame(engine, f"SELECT * FROM {table}"))
    result = load_file(engine, path, kind, user="t")
    assert not result.ok
    found = result.problems if level == "error" else result.warnings
    assert any(fragment in p.message for p in found), [p.text() for p in found]
    assert all("第4行" in p.text() for p in found), [p.text() for p in found]  # names the row
    assert len(frame(engine, f"SELECT * FROM {table}")) == count  # nothing written
    if level == "warning":
        assert result.pending and not result.problems
        accepted = load_file(engine, path, kind, user="t", accept_warnings=True)
        assert accepted.ok


def test_workbook_with_a_sheet_per_month_is_read_whole(engine: Engine, tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表按月分工作表报送"])
    for m in (2, 3, 4):
        ws = wb.create_sheet(f"{m}月")
        for row in standard(
            ENROLL_HEADERS, [[2023, m, "石桥乡", "居民医保", "其他人员", 5000 + 10 * m]]
        ):
            ws.append(row)
    path = tmp_path / "按月.xlsx"
    wb.save(path)
    result = load_file(engine, path, "enrollment", user="t")
    assert result.ok, [p.text() for p in result.problems]
    assert result.rows == 3
    assert "读取了 3 个工作表:“2月”、“3月”、“4月”" in result.note
    assert "未读取(没有本类数据的表头):“说明”" in result.note
    stored = frame(
        engine,
        "SELECT month, enrolled FROM enrollment WHERE township_code = :t AND scheme = 'resident'"
        " AND person_group = 'general' ORDER BY month",
        t=C.SQ,
    )
    assert list(stored.enrolled) == [5010, 5020, 5030, 5040]


# --- Synonyms -------------------------------------------------------------------------------------

SCHEMES = {
    "居民医保": "resident",
    "城乡居民基本医疗保险": "resident",
    "城乡居民医疗保险": "resident",
    "城乡居民医保": "resident",
    "resident": "resident",
    "职工医保": "employee",
    "城镇职工基本医疗保险": "employee",
    "城镇职工": "employee",
}
MONTHS = {"2": 2, "2月": 2, "2023年2月": 2, "2023-02": 2, "2023/2": 2, "202302": 2}
TOWNS = {
    "清水镇": C.QS,
    "清水开发区": C.QS,  # declared alias
    "清水": C.QS,  # the name without 镇
    C.QS: C.QS,
    "城关": C.CG,  # declared alias of 城关街道
    "城关街道": C.CG,
}


@pytest.mark.parametrize(
    "column,written,stored",
    [("scheme", k, v) for k, v in SCHEMES.items()]
    + [("month", k, v) for k, v in MONTHS.items()]
    + [("township_code", k, v) for k, v in TOWNS.items()],
)
def test_synonym_is_accepted(
    engine: Engine, tmp_path: Path, column: str, written: str, stored: object
) -> None:
    row = {"year": 2023, "month": 2, "township_code": "清水镇", "scheme": "居民医保"}
    row[column] = written
    path = enroll(
        tmp_path,
        [[row["year"], row["month"], row["township_code"], row["scheme"], "其他人员", 14_999]],
    )
    # Above 城关街道's January (14,010); a population warning may come with it: accepted here.
    result = load_file(engine, path, "enrollment", user="t", accept_warnings=True)
    assert result.ok, [p.text() for p in result.problems]
    f = frame(engine, "SELECT * FROM enrollment WHERE enrolled = 14999")
    assert len(f) == 1
    assert str(f[column].iloc[0]) == str(stored)


@pytest.mark.parametrize(
    "column,written,fragment",
    [
        ("scheme", "居保", "城乡居民医保/居民医保/城乡居民基本医疗保险"),
        ("township_code", "不存在镇", "可填:清水镇、石桥乡、城关街道"),
        ("month", "十月", "2023年10月、2023-10"),
        ("month", "2022年2月", "与年度“2023”不一致"),
    ],
)
def test_refusal_lists_the_accepted_forms(
    engine: Engine, tmp_path: Path, column: str, written: str, fragment: str
) -> None:
    row = {"year": 2023, "month": 2, "township_code": "清水镇", "scheme": "居民医保"}
    row[column] = written
    path = enroll(
        tmp_path,
        [[row["year"], row["month"], row["township_code"], row["scheme"], "其他人员", 9_999]],
    )
    result = load_file(engine, path, "enrollment", user="t")
    assert not result.ok
    assert any(fragment in p.message for p in result.problems), [p.text() for p in result.problems]


def test_month_with_its_year_needs_no_year_column(engine: Engine, tmp_path: Path) -> None:
    path = enroll(
        tmp_path,
        [["2023年3月", "清水镇", "职工医保", "其他人员", 9_999]],
        headers=["月份", "乡镇", "险种", "人群类别", "参保人数"],
    )
    result = load_file(engine, path, "enrollment", user="t")
    assert result.ok, [p.text() for p in result.problems]
    f = frame(engine, "SELECT year, month, scheme FROM enrollment WHERE enrolled = 9999")
    assert [tuple(r) for r in f.itertuples(index=False)] == [(2023, 3, "employee")]


def test_empty_dimension_gives_one_message(tmp_path: Path) -> None:
    url = demo_url(tmp_path / "empty.duckdb")
    assert init.run(url, *C.REGION, out=lambda _: None) == init.EXIT_OK
    engine = create_warehouse_engine(url)
    rows = [[2023, 1, f"镇{i}", "居民医保", "其他人员", i] for i in range(1, 400)]
    result = load_file(engine, enroll(tmp_path, rows), "enrollment", user="t")
    engine.dispose()
    assert not result.ok
    assert len(result.problems) == 1
    assert "乡镇名单为空,请先导入乡镇" in result.problems[0].message
    assert "乡镇(街道)名录" in result.problems[0].message


def test_cumulative_falling_between_sheets_is_refused(engine: Engine, tmp_path: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for m, n in ((2, 5020), (3, 5015)):
        ws = wb.create_sheet(f"{m}月")
        for row in standard(ENROLL_HEADERS, [[2023, m, "石桥乡", "居民医保", "其他人员", n]]):
            ws.append(row)
    path = tmp_path / "下降.xlsx"
    wb.save(path)
    result = load_file(engine, path, "enrollment", user="t")
    assert not result.ok
    assert [p.text() for p in result.problems] == [
        "3月 第4行 “参保人数”列:累计数不应下降:2023年3月为 5,015,低于工作表“2月”第4行(2月)的 5,020。"
    ]
