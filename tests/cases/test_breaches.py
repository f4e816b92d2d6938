"""The adapter on the hand-built warehouse of tests/metrics/fixtures.py, worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from data_sources.engine import create_warehouse_engine
from metrics.breaches import DRG, POVERTY, PROCUREMENT, evaluate
from tests.metrics.conftest import load
from tests.metrics.fixtures import H1, H2, T1, T2


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("breaches") / "small.duckdb"
    engine = load(create_warehouse_engine(f"duckdb:///{path}"))
    yield engine
    engine.dispose()


def test_drg_over_pace_by_hand(small: Engine) -> None:
    # 2023-03, time progress 3/12 = 25%. H1 paid 7000+4000+20000 = 31000 of 100000: 31.00%,
    # 6.00 points ahead (> 5): a breach. H2 paid 6500+1500+8000 = 16000 of 60000: 26.67%,
    # 1.67 points ahead: none.
    ev = evaluate(small, 2023, 3, frozenset({DRG}))
    assert ev.rules == {DRG}
    (b,) = ev.breaches
    assert (b.subject_kind, b.subject_code, b.township) == ("institution", H1, T1)
    assert b.figures["actual"] == pytest.approx(0.31)
    assert b.figures["gap_pp"] == 6.0
    assert b.figures["text"].endswith("DRG预算执行率31.00%,超出时序进度6.00个百分点")
    assert H2 not in {x.subject_code for x in ev.breaches}


def test_procurement_within_its_margin_by_hand(small: Engine) -> None:
    # 2023-03: H2 bought 60 + 90 = 150 of 500 + 300 agreed: 18.75%, 6.25 points behind 25%,
    # inside the 10-point margin of PROCUREMENT_LAG_PP; H1 is ahead. Evaluated, no breach.
    ev = evaluate(small, 2023, 3, frozenset({PROCUREMENT}))
    assert ev.rules == {PROCUREMENT} and ev.breaches == ()


def test_poverty_flags_keep_small_counts_hidden(small: Engine) -> None:
    # March 2023: T1 flags a01 again (1 person), T2 flags a03 (1 person): both below 10.
    ev = evaluate(small, 2023, 3, frozenset({POVERTY}))
    got = {b.subject_code: b.figures for b in ev.breaches}
    assert set(got) == {T1, T2}
    assert got[T1]["persons"] == "<10"
    assert got[T2]["text"] == "向塘镇当月新增防返贫监测预警<10人,需及时核查帮扶"
    # January 2023 had no flags loaded at all: the rule is not evaluated (no case clears).
    assert evaluate(small, 2023, 1, frozenset({POVERTY})).rules == frozenset()
