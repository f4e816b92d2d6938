"""乡镇详情 computations against figures worked out by hand from the drill fixture (conftest.py).

Enrollment (tests/metrics/fixtures.py, 2023, month-end stock; targets resident + employee):
    T1 target 800 + 150 = 950: Jan 500+40+100+10 = 650, Feb 600+45+110+12 = 767, Mar 833
    T2 target 600 + 100 = 700: Jan 400+30+80+5 = 515,  Feb 450+35+85+6 = 576,  Mar 615
    T3 target 300 (resident):  Jan 200+15 = 215,        Feb 250+18 = 268,       Mar 320
时序进度: residents 0.85 / 0.97 / 1.0 (RESIDENT_CAMPAIGN_PLAN), employees m/12.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from sqlalchemy import Engine

from metrics import drill
from metrics.execute import execute
from metrics.model import Period, QuerySpec, Viewer
from metrics.status import Status
from tests.drill.conftest import C5, H4
from tests.metrics.conftest import PRIVILEGED
from tests.metrics.fixtures import H1, H2, T1, T2, T3

P3 = Period(2023, 3)
AMBER, RED, GREEN, NONE = Status.AMBER, Status.RED, Status.GREEN, Status.NONE


def fetcher(engine: Engine, viewer: Viewer = PRIVILEGED):
    return lambda spec: execute(engine, spec, viewer)


# --- rank history ---------------------------------------------------------------------------------

# month -> (value, expected, rank, status); of = 3 townships each month.
# Completion: T1 650/950 = .684, 767/950 = .807, 833/950 = .877;
#             T2 515/700 = .736, 576/700 = .823, 615/700 = .879;
#             T3 215/300 = .717, 268/300 = .893, 320/300 = 1.067.
# Jan: T2 > T3 > T1; Feb and Mar: T3 > T2 > T1.
# Expected T1: (800×.85 + 150×1/12)/950 = 692.5/950, (776 + 25)/950, (800 + 37.5)/950;
#   behind 42.5/950 = 4.5 pp, 34/950 = 3.6 pp, 4.5/950 = 0.5 pp: amber (≤ 5 pp) each month.
# Expected T3: 255/300, 291/300, 300/300; behind 13.3 pp, 7.7 pp (red), then ahead (green).
RANKS = {
    T1: {
        1: (650 / 950, 692.5 / 950, 3, AMBER),
        2: (767 / 950, 801 / 950, 3, AMBER),
        3: (833 / 950, 837.5 / 950, 3, AMBER),
    },
    T2: {
        # Expected T2: (510 + 100/12)/700, (582 + 200/12)/700, (600 + 25)/700: behind 0.5, 3.2, 1.4 pp.
        1: (515 / 700, (510 + 100 / 12) / 700, 1, AMBER),
        2: (576 / 700, (582 + 200 / 12) / 700, 2, AMBER),
        3: (615 / 700, 625 / 700, 2, AMBER),
    },
    T3: {
        1: (215 / 300, 255 / 300, 2, RED),
        2: (268 / 300, 291 / 300, 1, RED),
        3: (320 / 300, 300 / 300, 1, GREEN),
    },
}


@pytest.mark.parametrize("township", [T1, T2, T3])
def test_rank_history_by_hand(drill_engine: Engine, township: str) -> None:
    got = drill.rank_history(fetcher(drill_engine), 2023, 3, township)
    assert list(got.columns) == drill.RANK_COLUMNS
    assert got["month"].tolist() == [1, 2, 3]
    for _, row in got.iterrows():
        value, expected, rank, status = RANKS[township][row["month"]]
        assert row["value"] == pytest.approx(value, abs=1e-12)
        assert row["expected"] == pytest.approx(expected, abs=1e-12)
        assert (row["rank"], row["of"], row["status"]) == (rank, 3, status)


def test_rank_history_month_without_data(duckdb_drill: Engine) -> None:
    """April has no enrollment yet: no figure, no rank, 无数据; January to March unchanged."""
    got = drill.rank_history(fetcher(duckdb_drill), 2023, 4, T3)
    assert got["rank"].iloc[:3].tolist() == [2, 1, 1]
    april = got.iloc[3]
    assert math.isnan(april["value"])
    assert pd.isna(april["rank"]) and pd.isna(april["of"])
    assert april["status"] is NONE
    assert april["expected"] == pytest.approx(1.0)  # the campaign curve is complete by March


def test_rank_history_asks_two_queries_not_one_per_month(duckdb_drill: Engine) -> None:
    specs: list[QuerySpec] = []

    def counting(spec: QuerySpec):
        specs.append(spec)
        return execute(duckdb_drill, spec, PRIVILEGED)

    drill.rank_history(counting, 2023, 3, T1)
    assert [s.by for s in specs] == [("township", "month"), ("township", "scheme")]


def test_rank_table_ties_share_the_better_rank_and_missing_ranks_last() -> None:
    """Pure: A and B both at 50% share rank 1; C has a target but no figure and ranks last."""
    completion = pd.DataFrame(
        {"township": ["A", "B"], "month": [6, 6], "enroll_completion": [0.5, 0.5]}
    )
    targets = pd.DataFrame(
        {"township": ["A", "B", "C"], "scheme": ["employee"] * 3, "enroll_target": [10.0] * 3}
    )
    ranks = {t: drill.rank_table(completion, targets, 2023, 6, t).iloc[5] for t in ("A", "B", "C")}
    assert [(ranks[t]["rank"], ranks[t]["of"]) for t in "ABC"] == [(1, 3), (1, 3), (3, 3)]
    # Employees 6/12 = 50% expected: exactly on plan is green; no figure is 无数据.
    assert ranks["A"]["status"] is GREEN and ranks["C"]["status"] is NONE


@pytest.mark.parametrize(
    ("township", "enrolled", "planned"),
    [
        # T1: 800×(.85, .97, 1, 1) + 150×m/12; T2: 600×(.85, .97, 1, 1) + 100×m/12.
        (T1, [650, 767, 833], [680 + 12.5, 776 + 25, 800 + 37.5, 800 + 50]),
        (T2, [515, 576, 615], [510 + 100 / 12, 582 + 200 / 12, 600 + 25, 600 + 400 / 12]),
    ],
)
def test_enrollment_trend_by_hand(
    drill_engine: Engine, township: str, enrolled: list[int], planned: list[float]
) -> None:
    got = drill.enrollment_trend(fetcher(drill_engine), 2023, 4, township)
    assert got["month"].tolist() == [1, 2, 3, 4]
    assert got["enrolled"].iloc[:3].tolist() == enrolled and math.isnan(got["enrolled"].iloc[3])
    assert got["planned"].tolist() == pytest.approx(planned)
    gaps = [p - e for p, e in zip(planned[:3], enrolled, strict=True)]
    assert got["gap"].iloc[:3].tolist() == pytest.approx(gaps)


# --- lag drivers ----------------------------------------------------------------------------------

# 2023年1-3月, time progress for yearly agreements and budgets 3/12 = 0.25.
# T1 参保: resident 1.0×800 − (650+48) = 102; employee 0.25×150 − (120+15) = −97.5 (ahead, left out).
# T1 集采: H1 0.25×(1000+200) − (100+150+120+40) = 300 − 410 = −110 (ahead); H4 0.25×400 − 30 = 70.
# T1 DRG:  H4 (6000+8000) − 0.25×24000 = 8000元 = 0.80万元; H1 (7000+4000+20000) − 25000 = 0.60万元.
# T2 参保: resident 600 − (480+38) = 82; employee 0.25×100 − (90+7) = −72 (ahead).
# T2 集采: H2 0.25×(500+300) − (60+90) = 50; C5 0.25×400 − (20+60) = 20 (C5's code sorts first).
# T2 DRG:  H2 (6500+1500+8000) − 0.25×60000 = 1000元 = 0.10万元.
DRIVERS = {
    T1: [
        ("参保扩面", "城乡居民医保", "resident", 102.0, "人", 1.0),
        ("集中带量采购", "莲塘镇中心医院", H4, 70.0, "", 1.0),
        ("DRG付费", "莲塘镇中心医院", H4, 0.8, "万元", 0.8 / 1.4),
        ("DRG付费", "县人民医院", H1, 0.6, "万元", 0.6 / 1.4),
    ],
    T2: [
        ("参保扩面", "城乡居民医保", "resident", 82.0, "人", 1.0),
        ("集中带量采购", "县中医院", H2, 50.0, "", 50 / 70),
        ("集中带量采购", "向塘镇卫生院", C5, 20.0, "", 20 / 70),
        ("DRG付费", "县中医院", H2, 0.1, "万元", 1.0),
    ],
}


def _rows(frame: pd.DataFrame) -> list[tuple]:
    assert list(frame.columns) == drill.DRIVER_COLUMNS
    return [tuple(r) for r in frame.itertuples(index=False)]


def _same(got: list[tuple], want: list[tuple]) -> None:
    assert [g[:3] + g[4:5] for g in got] == [w[:3] + w[4:5] for w in want]
    for g, w in zip(got, want, strict=True):
        assert g[3] == pytest.approx(w[3], abs=1e-9)  # gap
        assert g[5] == pytest.approx(w[5], abs=1e-12)  # share of the area's gap


@pytest.mark.parametrize("township", [T1, T2])
def test_lag_drivers_by_hand(drill_engine: Engine, township: str) -> None:
    _same(_rows(drill.lag_drivers(fetcher(drill_engine), P3, township)), DRIVERS[township])


def test_lag_drivers_limit_keeps_the_share_of_the_whole_gap(duckdb_drill: Engine) -> None:
    got = _rows(drill.lag_drivers(fetcher(duckdb_drill), P3, T1, limit=1))
    _same(got, [DRIVERS[T1][0], DRIVERS[T1][1], DRIVERS[T1][2]])  # H4 still 0.8 of 1.4


def test_lag_drivers_for_a_single_month_are_year_to_date(duckdb_drill: Engine) -> None:
    fetch = fetcher(duckdb_drill)
    month = drill.lag_drivers(fetch, Period(2023, 3, "month"), T2)
    pd.testing.assert_frame_equal(month, drill.lag_drivers(fetch, P3, T2))


def test_lag_drivers_february(duckdb_drill: Engine) -> None:
    """2023年1-2月, T1: resident 0.97×800 − (600+45) = 131; employee 2/12×150 − 122 < 0.
    集采 H1 2/12×1200 − 250 = −50 (ahead), H4 2/12×400 − 30 = 36.67.
    DRG H1 11000 − 2/12×100000 < 0 (under pace), H4 6000 − 4000 = 2000元 = 0.20万元."""
    got = _rows(drill.lag_drivers(fetcher(duckdb_drill), Period(2023, 2), T1))
    _same(
        got,
        [
            ("参保扩面", "城乡居民医保", "resident", 131.0, "人", 1.0),
            ("集中带量采购", "莲塘镇中心医院", H4, 400 * 2 / 12 - 30, "", 1.0),
            ("DRG付费", "莲塘镇中心医院", H4, 0.2, "万元", 1.0),
        ],
    )


def test_township_without_drivers(duckdb_drill: Engine) -> None:
    """T3 in March is ahead of its resident plan (320 ≥ 300) and has no agreement or budget."""
    got = drill.lag_drivers(fetcher(duckdb_drill), P3, T3)
    assert got.empty and list(got.columns) == drill.DRIVER_COLUMNS


def test_gap_text() -> None:
    assert drill.gap_text(102.0, "人") == "102人"
    assert drill.gap_text(1234.0, "") == "1,234"
    assert drill.gap_text(0.8, "万元") == "0.80万元"
    assert drill.gap_text(None, "人") == "—"


# --- area summary ---------------------------------------------------------------------------------

# 2023年1-3月 (yoy against 2022年1-3月):
# 参保  T1 833/950 vs 2022 (620+50+110+10)/(780+140) = 790/920; T2 615/700 vs (460+36+88+5)/685.
#       Ranks among 3: T3 1.067, T2 .879, T1 .877.
# 救助  T1 1900 + 260.5 + 7500 (低保) + 5300 (特困) + 4000 (监测) = 18960.5 vs 2022 360;
#       T2 6×380 + 300 + 4500 = 7080 vs 2022 360. No direction, no time progress: no rank, no status.
# 集采  T1 (410+30)/(1200+400) = .275 ≥ .25 green, vs 2022 80/900; T2 (150+80)/(800+400) = .1917,
#       5.8 pp behind ≤ 10 pp: amber; no 2022 agreement. T3 has none: 2 ranked.
# DRG   T1 (31000+14000)/(100000+24000) = .3629, 11.3 pp over pace > 5: red, vs 2022 6800/90000;
#       T2 16000/60000 = .2667, 1.7 pp over: amber; lower is better: T2 1st, T1 2nd.
SUMMARY = {
    T1: {
        "参保扩面": (833 / 950, 950, 837.5 / 950, AMBER, 833 / 950 - 790 / 920, 3, 3),
        "医疗救助": (18960.5, None, None, None, (18960.5 - 360) / 360, None, None),
        "集中带量采购": (440 / 1600, 1600, 0.25, GREEN, 440 / 1600 - 80 / 900, 1, 2),
        "DRG付费": (45000 / 124000, 124000, 0.25, RED, 45000 / 124000 - 6800 / 90000, 2, 2),
    },
    T2: {
        "参保扩面": (615 / 700, 700, 625 / 700, AMBER, 615 / 700 - 589 / 685, 2, 3),
        "医疗救助": (7080, None, None, None, (7080 - 360) / 360, None, None),
        "集中带量采购": (230 / 1200, 1200, 0.25, AMBER, None, 2, 2),
        "DRG付费": (16000 / 60000, 60000, 0.25, AMBER, None, 1, 2),
    },
}


def _approx_or_missing(got: object, want: float | None) -> None:
    if want is None:
        assert got is None or pd.isna(got)
    else:
        assert got == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("township", [T1, T2])
def test_area_summary_by_hand(drill_engine: Engine, township: str) -> None:
    got = drill.area_summary(fetcher(drill_engine), P3, township)
    assert list(got.columns) == drill.SUMMARY_COLUMNS
    assert got["area"].tolist() == list(SUMMARY[township])
    for _, row in got.iterrows():
        value, target, expected, status, yoy, rank, of = SUMMARY[township][row["area"]]
        for column, want in (
            ("value", value),
            ("target", target),
            ("expected", expected),
            ("yoy", yoy),
            ("rank", rank),
            ("of", of),
        ):
            _approx_or_missing(row[column], want)
        assert row["status"] is status
        assert not row["suppressed"]


def test_area_summary_keeps_the_county_tables_small_cell_suppression(duckdb_drill: Engine) -> None:
    """Without the right to small cells: T3's 3 assistance records are hidden, and so is the
    smallest other township (T2, 12 records), or T3 could be recovered from the county total.
    T1's 18,960.5元 is shown rounded half up to whole 万元 (metrics/suppress.py): 20,000元."""
    fetch = fetcher(duckdb_drill, Viewer())
    assist = {
        t: drill.area_summary(fetch, P3, t).set_index("area").loc["医疗救助"] for t in (T1, T2)
    }
    assert assist[T1]["value"] == pytest.approx(20000.0) and not assist[T1]["suppressed"]
    assert math.isnan(assist[T2]["value"]) and assist[T2]["suppressed"]
