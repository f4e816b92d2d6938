"""Evaluation triggers: a monthly load evaluates the newest month into cases; the CLI does the
same for a given month and is idempotent; the adapter agrees with the overview's warnings."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from data_sources import cases as S
from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from data_sources.load import load_file
from metrics import alerts, settings
from metrics.breaches import DRG, ENROLL, MONTHS_PAYABLE, POVERTY, PROCUREMENT, evaluate
from metrics.execute import execute
from metrics.model import Period, QuerySpec, Viewer
from tests.cases.helpers import STAFF
from tests.loading.helpers import demo_rows, fill_template


@pytest.fixture
def warehouse(demo_duckdb_path: Path, tmp_path: Path) -> Iterator[Engine]:
    own = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    engine = create_warehouse_engine(demo_url(own))
    yield engine
    engine.dispose()


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(S.case_table)).scalar_one()


def test_a_monthly_load_evaluates_the_newest_month(warehouse: Engine, tmp_path: Path) -> None:
    path = fill_template(
        "enrollment", demo_rows(warehouse, "enrollment", 2026, 10), tmp_path / "e.xlsx"
    )
    # The demo's county seat enrolls more than it registers (commuters): a reminder to confirm.
    confirmed = {"confirm": True, "accept_warnings": True}
    result = load_file(warehouse, path, "enrollment", user="tester", **confirmed)
    assert result.ok, result.problems
    # An enrollment load re-evaluates the enrollment rule only, for the loaded month.
    expected = evaluate(warehouse, 2026, 10, frozenset({ENROLL}))
    assert expected.rules == {ENROLL}
    assert _count(warehouse) == len(expected.breaches) > 0
    cases = S.list_cases(warehouse, STAFF)
    assert {c.latest_month for c in cases} == {202610}
    assert {c.rule for c in cases} == {ENROLL}
    # Loading the same file again changes no case.
    versions = {c.case_id: c.version for c in cases}
    assert load_file(warehouse, path, "enrollment", user="tester", **confirmed).ok
    assert {c.case_id: c.version for c in S.list_cases(warehouse, STAFF)} == versions


def test_cli_evaluate_is_idempotent_and_speaks_chinese(
    warehouse: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", str(warehouse.url))
    warehouse.dispose()
    assert S.main(["evaluate", "--year", "2026", "--month", "9"]) == 0
    first = capsys.readouterr().out
    n = len(evaluate(warehouse, 2026, 9).breaches)
    assert first.startswith(f"2026年9月预警评估完成:新发{n}项、持续0项")
    assert S.main(["evaluate", "--year", "2026", "--month", "9"]) == 0
    assert "新发0项、持续0项、拟销号0项、重新打开0项、升级约谈0项" in capsys.readouterr().out
    assert S.main(["evaluate", "--year", "2026", "--month", "13"]) == 2
    assert "月份必须在1到12之间" in capsys.readouterr().err


def test_breaches_are_the_overviews_warnings(demo_warehouse_url: str) -> None:
    """Same rows, same text as 总览's warning list builds from metrics.alerts (all of them)."""
    engine = create_warehouse_engine(demo_warehouse_url)
    viewer = Viewer(name="t", townships=None, can_see_small_cells=True)

    def fetch(spec: QuerySpec):
        return execute(engine, spec, viewer)

    period = Period(2026, 10)
    ev = evaluate(engine, 2026, 10)
    by_rule: dict[str, set[str]] = {}
    for b in ev.breaches:
        by_rule.setdefault(b.rule, set()).add(str(b.figures["text"]))
    assert ev.rules == {ENROLL, PROCUREMENT, DRG, MONTHS_PAYABLE, POVERTY}

    # The overview's specs and calls (pages/overview.py): by township, and by institution alone.
    rank = fetch(
        QuerySpec.make(
            ["enroll_completion", "enrolled", "enroll_target"],
            period,
            ["township"],
            compare=("status", "rank"),
        )
    ).frame
    overview = alerts.off_pace(rank, "enroll_completion", name="township_name", area="参保扩面")
    assert by_rule[ENROLL] == {a.text for a in overview}
    # Each is more than RAG_AMBER_PP behind its township's own 时序进度.
    for b in ev.breaches:
        if b.rule == ENROLL:
            assert b.figures["actual"] < b.figures["expected"] - settings.RAG_AMBER_PP
    proc = fetch(QuerySpec.make(["proc_progress"], period, ["institution"], compare=("status",)))
    overview = alerts.off_pace(
        proc.frame, "proc_progress", name="institution_name", area="集中带量采购",
        what="集采采购进度",
    )  # fmt: skip
    assert by_rule[PROCUREMENT] == {a.text for a in overview}
    drg = fetch(QuerySpec.make(["drg_execution"], period, ["institution"], compare=("status",)))
    overview = alerts.off_pace(
        drg.frame, "drg_execution", name="institution_name", area="DRG预算执行",
        what="DRG预算执行率",
    )  # fmt: skip
    assert by_rule[DRG] == {a.text for a in overview}
    # Poverty-return flags: one breach per township with new flags in October, with its count.
    flags = fetch(QuerySpec.make(["alert_persons"], Period(2026, 10, "month"), ["township"])).frame
    flagged = {
        r.township: int(r.alert_persons) if r.alert_persons > 10 else "<10"
        for r in flags.itertuples()
        if r.alert_persons > 0
    }
    got = {b.subject_code: b.figures["persons"] for b in ev.breaches if b.rule == POVERTY}
    assert got == flagged
    # A month not loaded yet is not evaluated at all (no rule, no breach).
    later = evaluate(engine, 2026, 11)
    assert later.rules == frozenset() and later.breaches == ()
    engine.dispose()
