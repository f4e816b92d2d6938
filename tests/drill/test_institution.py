"""机构详情 computations against figures worked out by hand from the drill fixture (conftest.py,
on tests/metrics/fixtures.py), 2023 January to March (时序进度 3/12 = 25%).

H1 县人民医院 (T1 莲塘镇): budget 100,000.00; cases 1 G1 (w 1.2, cost 10,000, paid 7,000),
  2 G2 (0.8, 6,000, 4,000), 3 G3 (2.5, 30,000, 20,000, 高倍率). Paid 31,000 = 31% of the budget,
  6 pp ahead of 25% > DRG_OVER_PACE_PP 5 → 超进度. CMI (1.2+0.8+2.5)/3 = 1.5; mean cost 46,000/3.
  2022 Q1: budget 90,000, one case paid 6,800 → 同比 of paid 31,000/6,800 − 1.
  Agreements P1 1,000 + P2 200 = 1,200; purchased P1 100+150+120 = 370, P2 40 → 410, 34.17%.
  P2 20% is 5 pp behind (within the margin: 预警), P1 37% ahead (正常).
H2 县中医院 (T2 向塘镇): budget 60,000.00; cases 4 G1 6,500, 5 G2 1,500, 6 G1 8,000 → 16,000,
  26.67% (1.67 pp ahead: 预警). Groups by cases: G1 2, G2 1; by paid: G1 14,500, G2 1,500.
  Products P1 60/500 = 12% (13 pp behind: 滞后), P3 90/300 = 30% (正常).
C5 向塘镇卫生院 (T2): no DRG; P1 (20+60)/400 = 20% (预警).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from metrics import drill
from metrics.execute import execute
from metrics.model import Period, Viewer
from tests.drill.conftest import C5, H4
from tests.metrics.conftest import PRIVILEGED
from tests.metrics.fixtures import C3, H1, H2, T1, T2

P3 = Period(2023, 3)


def fetcher(engine: Engine, viewer: Viewer = PRIVILEGED):
    return lambda spec: execute(engine, spec, viewer)


def test_hospital_drg_by_hand(drill_engine: Engine) -> None:
    got = drill.institution_drg(fetcher(drill_engine), P3, H1)
    assert got.value("drg_budget") == pytest.approx(100_000.00)
    assert got.value("drg_paid") == pytest.approx(31_000.00)
    assert got.value("drg_execution") == pytest.approx(0.31)
    assert got.value("drg_execution_expected") == pytest.approx(0.25)
    assert got.frame.loc[0, "drg_execution_status_label"] == "超进度"
    assert got.value("drg_cases") == 3
    assert got.value("drg_high_outliers") == 1
    assert got.value("drg_cmi") == pytest.approx(1.5)
    assert got.value("drg_avg_cost") == pytest.approx(46_000 / 3)
    assert got.value("drg_paid_chg") == pytest.approx(31_000 / 6_800 - 1)
    assert got.text("drg_paid") == "3.10万元"
    assert drill.has_figures(got, drill.INSTITUTION_DRG)


def test_second_hospital_is_amber(drill_engine: Engine) -> None:
    got = drill.institution_drg(fetcher(drill_engine), P3, H2)
    assert got.value("drg_execution") == pytest.approx(16_000 / 60_000)
    assert got.frame.loc[0, "drg_execution_status_label"] == "预警"
    assert got.value("drg_cmi") == pytest.approx((1.2 + 0.8 + 1.2) / 3)


def test_groups_top_by_cases_and_by_paid(drill_engine: Engine) -> None:
    groups = drill.institution_groups(fetcher(drill_engine), P3, H2).frame
    by_cases = drill.top_groups(groups, "drg_cases")
    assert list(zip(by_cases["drg"], by_cases["drg_cases"], strict=True)) == [("G1", 2), ("G2", 1)]
    h1 = drill.institution_groups(fetcher(drill_engine), P3, H1).frame
    by_paid = drill.top_groups(h1, "drg_paid", n=2)
    assert list(zip(by_paid["drg"], by_paid["drg_paid"], strict=True)) == [
        ("G3", 20_000.0),
        ("G1", 7_000.0),
    ]
    assert by_paid["drg_name"].tolist() == ["髋关节置换", "阑尾切除术"]
    ties = drill.top_groups(h1, "drg_cases")  # one case each: by group code
    assert ties["drg"].tolist() == ["G1", "G2", "G3"]
    assert ties["drg_cmi"].tolist() == pytest.approx([1.2, 0.8, 2.5])


def test_products_lagging_first_by_hand(drill_engine: Engine) -> None:
    fetch = fetcher(drill_engine)
    total = drill.institution_procurement(fetch, P3, H1)
    assert total.value("proc_agreed") == 1_200
    assert total.value("proc_purchased") == 410
    assert total.value("proc_progress") == pytest.approx(410 / 1_200)
    assert total.frame.loc[0, "proc_progress_status_label"] == "正常"
    products = drill.institution_products(fetch, P3, H1)
    rows = [
        (r.product, r.batch_name, r.proc_agreed, r.proc_purchased, r.proc_progress_status_label)
        for r in products.itertuples()
    ]
    assert rows == [
        ("P2", "第五批国家集采", 200, 40, "预警"),
        ("P1", "第五批国家集采", 1_000, 370, "正常"),
    ]
    assert products["proc_progress"].tolist() == pytest.approx([0.20, 0.37])
    assert products["proc_progress_gap"].tolist() == pytest.approx([-0.05, 0.12])
    h2 = drill.institution_products(fetch, P3, H2)
    assert h2["product"].tolist() == ["P1", "P3"]
    assert h2["proc_progress_status_label"].tolist() == ["滞后", "正常"]


def test_a_health_centre_without_drg(drill_engine: Engine) -> None:
    fetch = fetcher(drill_engine)
    assert not drill.has_figures(drill.institution_drg(fetch, P3, C5), drill.INSTITUTION_DRG)
    assert drill.institution_groups(fetch, P3, C5).frame.empty
    products = drill.institution_products(fetch, P3, C5)
    assert products["proc_progress"].tolist() == pytest.approx([0.20])
    # H4 has both: DRG 14,000 of 24,000 (58.33%, 超进度) and P1 30 of 400 (7.5%, 滞后).
    h4 = drill.institution_drg(fetch, P3, H4)
    assert h4.frame.loc[0, "drg_execution_status_label"] == "超进度"
    assert drill.institution_products(fetch, P3, H4)["proc_progress_status_label"].tolist() == [
        "滞后"
    ]


def test_lookup_and_scope(duckdb_drill: Engine) -> None:
    with duckdb_drill.connect() as conn:
        h1 = drill.institution_of(conn, H1)
        assert h1 == drill.Institution(H1, "县人民医院", "hospital", "二级", T1, "莲塘镇")
        assert drill.institution_of(conn, "H' OR '1'='1") is None
        c3 = drill.institution_of(conn, C3)
    assert c3 is not None and c3.township_name == "三江镇"
    assert drill.institution_refusal(h1, None) is None
    assert drill.institution_refusal(h1, frozenset({T1})) is None
    assert drill.institution_refusal(h1, frozenset({T2})) == drill.REFUSED
    assert drill.institution_refusal(None, frozenset({T2})) == drill.UNKNOWN
    # And the figures themselves: a 向塘镇 viewer's query of a 莲塘镇 hospital finds nothing.
    officer = Viewer(name="xt", townships=frozenset({T2}))
    got = drill.institution_drg(fetcher(duckdb_drill, officer), P3, H1)
    assert not drill.has_figures(got, drill.INSTITUTION_DRG)
