"""The import path on a real Spark cluster, from an empty warehouse: init, the township list, the
year's targets and one month of enrollment files (three sections' files, as in
tests/onboarding/county.py), then the same month again with one figure changed. Spark has no
transactions and no DELETE: each load replaces its slice by write-then-swap
(data_sources.load._replace_on_spark), and its load log goes to the app store (SQLite here).

Expected figures by hand from county.py: January enrolled = Σ (R + 10 + 100 + E + 5) over the
three townships = (8000+5000+14000) + (400+150+4800) + 3 × 115 = 32695."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from data_sources import areas, init
from data_sources.engine import create_warehouse_engine
from data_sources.load import load_file
from data_sources.schema import enrollment, township
from metrics.execute import execute
from metrics.model import Period, QuerySpec, Viewer
from tests.onboarding import county as C

pytestmark = pytest.mark.engines

VIEWER = Viewer(name="测试员", townships=None, can_see_small_cells=True)
JAN = Period(C.YEAR, 1)
ENROLLED_JAN = sum(C.enrolled(t, 1) for t in C.TOWNS)
assert ENROLLED_JAN == 27000 + 5350 + 3 * 115 == 32695


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app store of this module (accounts, load log): a SQLite file of its own."""
    url = f"sqlite:///{tmp_path_factory.mktemp('spark_import') / 'app_store.sqlite'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("APP_STORE_URL", url)
        yield url


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("spark_files")
    out = {kind: path for kind, path in C.dimension_files(d) if kind == "townships"}
    out |= {kind: path for kind, path in C.annual_files(d) if kind == "targets"}
    month = [path for kind, path in C.month_files(d, 1) if kind == "enrollment"]
    out |= {f"enrollment{i}": path for i, path in enumerate(month)}
    return out


@pytest.fixture(scope="module")
def engine(spark_databases, store: str, files: dict[str, Path]) -> Iterator[Engine]:
    url = spark_databases.new("import")
    lines: list[str] = []
    assert init.run(url, *C.REGION, out=lines.append) == init.EXIT_OK, lines
    eng = create_warehouse_engine(url)
    for kind in ("townships", "targets", "enrollment0", "enrollment1", "enrollment2"):
        result = load_file(eng, files[kind], kind.rstrip("012"), user="王科长")
        assert result.ok, (kind, [p.text() for p in result.problems + result.warnings])
    yield eng
    eng.dispose()


def _enrolled(engine: Engine, **filters) -> float:
    spec = QuerySpec.make(["enrolled"], JAN, (), filters)
    return execute(engine, spec, VIEWER).value("enrolled")


def test_a_month_loaded_from_empty_gives_the_hand_totals(engine: Engine) -> None:
    assert _enrolled(engine) == ENROLLED_JAN
    assert _enrolled(engine, township=C.CG) == C.enrolled(C.CG, 1) == 14000 + 4800 + 115
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(township)).scalar_one() == 3
        assert areas.data_cutoff(conn).isoformat() == "2023-01-31"


def test_reloading_a_slice_replaces_only_it(
    engine: Engine, files: dict[str, Path], tmp_path: Path
) -> None:
    """The 居民 file of 清水镇 and 石桥乡 again, 清水镇's 其他人员 raised by 7: the county rises by
    7, 城关街道 (another file's slice) keeps its figure, and no row is added."""
    path = tmp_path / "居民参保1月(更正).xlsx"
    wb = load_workbook(files["enrollment0"])
    ws = wb.active
    for row in ws.iter_rows():
        if row[2].value == C.TOWNS[C.QS][0] and row[4].value == "其他人员":
            row[5].value = int(row[5].value) + 7
    wb.save(path)
    with engine.connect() as conn:
        rows_before = conn.execute(select(func.count()).select_from(enrollment)).scalar_one()
    result = load_file(engine, path, "enrollment", user="李干事")
    assert result.ok, [p.text() for p in result.problems + result.warnings]
    assert result.replaced == 4  # the file's slice: two townships × two groups of 居民医保
    assert _enrolled(engine) == ENROLLED_JAN + 7
    assert _enrolled(engine, township=C.CG) == C.enrolled(C.CG, 1)
    with engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(enrollment)).scalar_one() == rows_before
        )


def test_reloading_the_township_list_keeps_three_townships(
    engine: Engine, files: dict[str, Path]
) -> None:
    result = load_file(engine, files["townships"], "townships", user="王科长")
    assert result.ok, [p.text() for p in result.problems]
    with engine.connect() as conn:
        names = dict(conn.execute(select(township.c.code, township.c.name)).all())
    assert names == {code: name for code, (name, _alias) in C.TOWNS.items()}
