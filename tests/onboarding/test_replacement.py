"""A load replaces exactly the slice its file covers (DuckDB and PostgreSQL), checked with
checksums of every table before and after: another assistance kind, another scheme, another
township of the same month keep the first file's rows; the same file again changes nothing;
the explicit full-period replace does what it says; a plan without --yes writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from data_sources import init, load
from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from data_sources.load import load_file
from data_sources.schema import FACT_TABLES, LOAD_ORDER
from data_sources.writer import frame_checksum

from ..loading.helpers import frame
from . import county as C
from .conftest import scratch_url

# Surrogate ids are numbered anew on every load; the data are the other columns.
SURROGATE = {"record_id"}


def checksums(engine: Engine) -> dict[str, str]:
    out = {}
    for t in LOAD_ORDER:
        cols = [c.name for c in t.columns if c.name not in SURROGATE]
        f = frame(engine, f'SELECT {", ".join(cols)} FROM "{t.name}"')
        out[t.name] = frame_checksum(f.astype(str)) if len(f) else "empty"
    return out


def rows(engine: Engine, table: str, where: str = "1 = 1") -> list[tuple]:
    t = next(t for t in FACT_TABLES if t.name == table)
    cols = [c.name for c in t.columns if c.name not in SURROGATE]
    f = frame(engine, f'SELECT {", ".join(cols)} FROM "{table}" WHERE {where}')
    return sorted(tuple(str(v) for v in r) for r in f.itertuples(index=False))


@pytest.fixture(params=["duckdb", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An initialised warehouse holding the county's 名录 only."""
    if request.param == "duckdb":
        url = demo_url(tmp_path / "wh.duckdb")
    else:
        url = scratch_url(request.getfixturevalue("pg_databases"), "replace")
    assert init.run(url, *C.REGION, out=lambda _: None) == init.EXIT_OK
    eng = create_warehouse_engine(url)
    for kind, path in C.dimension_files(tmp_path):
        assert load_file(eng, path, kind, user="t").ok
    yield eng
    eng.dispose()


def by_name(files: list[tuple[str, Path]], fragment: str) -> Path:
    return next(p for _, p in files if fragment in p.name)


def test_other_slices_of_the_same_month_are_kept(engine: Engine, tmp_path: Path) -> None:
    jan = C.month_files(tmp_path, 1)

    # Assistance: 住院救助 first, then 资助参保 and 门诊救助 of the same month.
    assert load_file(engine, by_name(jan, "住院救助"), "assistance", user="t").ok
    inpatient = rows(engine, "assistance", "kind = 'inpatient'")
    assert len(inpatient) == 2
    before = checksums(engine)
    for fragment in ("资助参保", "门诊救助"):
        result = load_file(engine, by_name(jan, fragment), "assistance", user="t")
        assert result.ok and result.replaced == 0
    after = checksums(engine)
    assert rows(engine, "assistance", "kind = 'inpatient'") == inpatient
    assert {k for k in before if before[k] != after[k]} == {"assistance"}
    assert len(rows(engine, "assistance")) == 4

    # Enrollment: residents, then employees, then 城关街道's own file: all kept.
    res, emp, cg = (by_name(jan, f) for f in ("居民参保", "职工参保", "城关参保"))
    assert load_file(engine, res, "enrollment", user="t").ok
    residents = rows(engine, "enrollment")
    assert len(residents) == 4
    assert load_file(engine, emp, "enrollment", user="t").ok
    assert set(residents) <= set(rows(engine, "enrollment"))
    result = load_file(engine, cg, "enrollment", user="t")
    assert result.ok and result.replaced == 0
    assert len(rows(engine, "enrollment")) == 4 + 2 + 3

    # The same file again: replaced by itself, every table unchanged.
    before = checksums(engine)
    for path, kind in ((res, "enrollment"), (by_name(jan, "住院救助"), "assistance")):
        result = load_file(engine, path, kind, user="t")
        assert result.ok and result.replaced == result.rows
    assert checksums(engine) == before


def test_plan_first_then_explicit_full_period_replace(engine: Engine, tmp_path: Path) -> None:
    jan = C.month_files(tmp_path, 1)
    for fragment in ("居民参保", "职工参保", "城关参保"):
        assert load_file(engine, by_name(jan, fragment), "enrollment", user="t").ok
    emp = by_name(jan, "职工参保")
    before = checksums(engine)

    # Without confirmation: the plan, nothing written.
    result = load_file(engine, emp, "enrollment", user="t", confirm=False, replace_period=True)
    assert result.pending and not result.ok
    assert checksums(engine) == before
    plan = {(c.slice, c.rows_before, c.rows_after) for c in result.plan.changes}
    # 清水镇 residents: 2 rows (general 8010 + students 100) to be deleted; its employees replaced.
    assert ("清水镇 · 城乡居民医保", 2, 0) in plan
    assert ("清水镇 · 城镇职工医保", 1, 1) in plan
    assert ("城关街道 · 城乡居民医保", 2, 0) in plan
    resident_qs = next(c for c in result.plan.changes if c.slice == "清水镇 · 城乡居民医保")
    assert resident_qs.total_before == 8000 + 10 + 100 and resident_qs.total_after == 0
    assert "删除" in set(result.plan.frame()["操作"])

    # The full replace leaves exactly the file's rows for January.
    result = load_file(engine, emp, "enrollment", user="t", replace_period=True)
    assert result.ok and result.replaced == 9 and result.rows == 2
    assert rows(engine, "enrollment") == sorted(
        (str(C.YEAR), "1", t, "employee", "general", str(C.E[t] + 5)) for t in (C.QS, C.SQ)
    )


def test_cli_without_yes_prints_the_plan_and_writes_nothing(
    engine: Engine, tmp_path: Path, capsys
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    path = by_name(C.month_files(tmp_path, 2), "居民参保")
    before = checksums(engine)
    engine.dispose()
    code = load.main([str(path), "--kind", "enrollment", "--url", url])
    out = capsys.readouterr()
    assert code == load.EXIT_NOT_CONFIRMED
    assert "新增 4 行" in out.out and "2023-02 清水镇 · 城乡居民医保:新增" in out.out
    assert checksums(engine) == before
    assert load.main([str(path), "--kind", "enrollment", "--url", url, "--yes"]) == 0
    assert len(rows(engine, "enrollment")) == 4
