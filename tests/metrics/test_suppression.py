"""Small-cell suppression: pure tests of `metrics.suppress`, then end to end on DuckDB."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from sqlalchemy import Engine

from metrics import present, settings, suppress
from metrics.execute import execute
from metrics.model import Period, QuerySpec, Viewer
from tests.metrics.fixtures import T1, T2, T3

THRESHOLD = settings.SMALL_CELL_THRESHOLD
P3 = Period(2023, 3)


# --- pure ----------------------------------------------------------------------------------------


def test_threshold_is_ten() -> None:
    assert THRESHOLD == 10
    assert present.SUPPRESSED_COUNT == "<10"


def test_small_rows_are_one_to_threshold() -> None:
    frame = pd.DataFrame({"n": [0, 1, 5, THRESHOLD, THRESHOLD + 1, None]})
    assert suppress.small_rows(frame, ["n"], THRESHOLD).tolist() == [
        False,  # 0 reveals nothing: nobody
        True,
        True,
        True,  # the threshold itself is small
        False,
        False,  # missing is not a count
    ]


def test_small_rows_any_of_several_counts() -> None:
    frame = pd.DataFrame({"times": [50, 12, 3], "persons": [40, 4, 2]})
    assert suppress.small_rows(frame, ["times", "persons"], THRESHOLD).tolist() == [
        False,
        True,  # 12 times but only 4 persons
        True,
    ]


def test_apply_blanks_every_sensitive_column_of_small_rows() -> None:
    frame = pd.DataFrame({"n": [3, 0, 25], "amount": [900.0, 0.0, 7000.0], "other": [1, 2, 3]})
    out = suppress.apply(
        frame, sensitive_columns=["n", "amount"], count_columns=["n"], dims=[], threshold=10
    )
    assert out[suppress.SUPPRESSED].tolist() == [True, False, False]
    assert math.isnan(out.loc[0, "n"]) and math.isnan(out.loc[0, "amount"])
    assert out.loc[1, "n"] == 0 and out.loc[1, "amount"] == 0  # zero is not suppressed
    assert out.loc[2, "amount"] == 7000.0
    assert out["other"].tolist() == [1, 2, 3]  # not sensitive
    assert frame.loc[0, "n"] == 3  # the input is left alone


def test_apply_on_empty_frame() -> None:
    out = suppress.apply(
        pd.DataFrame({"n": []}), sensitive_columns=["n"], count_columns=["n"], dims=[], threshold=10
    )
    assert out.empty and suppress.SUPPRESSED in out.columns


def test_complementary_hides_a_second_cell_when_one_is_alone() -> None:
    frame = pd.DataFrame({"t": ["a", "a", "a"], "c": ["x", "y", "z"], "n": [3, 40, 50]})
    mask = suppress.small_rows(frame, ["n"], THRESHOLD)
    assert mask.tolist() == [True, False, False]
    widened = suppress.complementary(frame, mask, ["t", "c"], "n")
    assert widened.tolist() == [True, True, False]  # the smallest visible cell goes too


def test_derived_total_cannot_reveal_the_hidden_cell() -> None:
    """Township a: categories [3, 40, 50], and the township total (93) is shown elsewhere."""
    frame = pd.DataFrame({"t": ["a", "a", "a"], "c": ["x", "y", "z"], "n": [3, 40, 50]})
    total = int(frame["n"].sum())  # 93, e.g. on the township page
    out = suppress.apply(
        frame, sensitive_columns=["n"], count_columns=["n"], dims=["t", "c"], threshold=THRESHOLD
    )
    shown = out["n"].dropna()
    hidden = frame.loc[out[suppress.SUPPRESSED], "n"]
    assert len(hidden) >= 2
    # total − shown = 93 − 50 = 43: only the sum of the hidden cells, which is none of them
    remainder = total - shown.sum()
    assert remainder == hidden.sum() == 43
    assert all(remainder != v for v in hidden)
    # without complementary suppression the 3 would be recoverable as 93 − 40 − 50
    naive = frame["n"].where(~suppress.small_rows(frame, ["n"], THRESHOLD))
    assert total - naive.dropna().sum() == 3


def test_complementary_along_both_dimensions() -> None:
    # township × category; T1 has one small cell; then the category column has one hidden cell
    frame = pd.DataFrame(
        {
            "t": ["a", "a", "b", "b"],
            "c": ["x", "y", "x", "y"],
            "n": [2, 30, 40, 50],
        }
    )
    out = suppress.apply(
        frame, sensitive_columns=["n"], count_columns=["n"], dims=["t", "c"], threshold=THRESHOLD
    )
    mask = out[suppress.SUPPRESSED]
    # every township row and every category column has 0 or ≥ 2 hidden cells
    for dim in ("t", "c"):
        assert all(n != 1 for n in mask.groupby(frame[dim]).sum())
    assert mask.tolist() == [True, True, True, True]


def test_complementary_leaves_groups_with_two_hidden_cells() -> None:
    frame = pd.DataFrame({"t": ["a"] * 3, "c": ["x", "y", "z"], "n": [2, 1, 50]})
    mask = suppress.small_rows(frame, ["n"], THRESHOLD)
    assert suppress.complementary(frame, mask, ["t", "c"], "n").tolist() == [True, True, False]


# --- end to end on the DuckDB fixture -----------------------------------------------------------

SPEC = QuerySpec.make(["assist_times", "assist_amount"], P3, ["township", "category"])


def _cells(frame: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    return {(r.township, r.category): r for r in frame.itertuples(index=False)}


def test_viewer_without_the_right_sees_no_small_cells(duckdb_warehouse: Engine) -> None:
    result = execute(duckdb_warehouse, SPEC, Viewer(name="staff"))
    assert result.suppressed
    cells = _cells(result.frame)
    # T1 低保 11 and T2 低保 12 are shown; T1 特困 2, T1 监测 1, T3 监测 3 are hidden
    small = [(T1, "tekun"), (T1, "monitor"), (T3, "monitor")]
    for key in small:
        cell = cells[key]
        assert math.isnan(cell.assist_times), key
        assert math.isnan(cell.assist_amount), key  # the amount of those few people too
    # shown rounded (metrics/suppress.py): 11 → 10, 9660.50元 → 10000元; 12 → 10, 7080.00 → 10000
    shown = {(T1, "dibao"): (10, 10000.0), (T2, "dibao"): (10, 10000.0)}
    for key, (times, amount) in shown.items():
        assert cells[key].assist_times == times
        assert cells[key].assist_amount == pytest.approx(amount, rel=1e-9)
    assert result.frame[suppress.SUPPRESSED].tolist() == [
        (r.township, r.category) in small for r in result.frame.itertuples()
    ]


def test_viewer_with_the_right_sees_small_cells(duckdb_warehouse: Engine) -> None:
    result = execute(duckdb_warehouse, SPEC, Viewer(name="leader", can_see_small_cells=True))
    assert not result.suppressed
    cells = _cells(result.frame)
    assert cells[(T1, "tekun")].assist_times == 2
    assert cells[(T1, "tekun")].assist_amount == pytest.approx(5300.00, rel=1e-9)
    assert cells[(T1, "monitor")].assist_times == 1
    assert cells[(T3, "monitor")].assist_amount == pytest.approx(1380.00, rel=1e-9)
    assert not result.frame[["assist_times", "assist_amount"]].isna().any().any()


def test_amount_alone_is_suppressed_by_its_count(duckdb_warehouse: Engine) -> None:
    spec = QuerySpec.make(["assist_amount"], P3, ["township", "category"])
    frame = execute(duckdb_warehouse, spec, Viewer()).frame
    assert "assist_times" not in frame.columns  # used for the decision, not shown
    hidden = frame.loc[frame[suppress.SUPPRESSED], "category"].tolist()
    assert sorted(hidden) == ["monitor", "monitor", "tekun"]
    assert frame.loc[frame[suppress.SUPPRESSED], "assist_amount"].isna().all()


def test_county_total_is_not_small(duckdb_warehouse: Engine) -> None:
    result = execute(duckdb_warehouse, QuerySpec.make(["assist_times"], P3), Viewer())
    assert result.value("assist_times") == 30  # 29, rounded to base 10 (metrics/suppress.py)
    assert not result.suppressed


def test_present_table_marks_suppressed_cells(duckdb_warehouse: Engine) -> None:
    result = execute(duckdb_warehouse, SPEC, Viewer())
    table = present.table(result.frame, ["assist_times", "assist_amount"], ["township", "category"])
    times = present.header("assist_times")
    amount = present.header("assist_amount")
    assert times == "医疗救助人次(人次)" and amount == "医疗救助金额(万元)"
    rows = {(r["乡镇(街道)"], r["救助对象类别"]): r for _, r in table.iterrows()}
    for key in [
        ("莲塘镇", "特困人员"),
        ("莲塘镇", "返贫致贫人口/监测对象"),
        ("三江镇", "返贫致贫人口/监测对象"),
    ]:
        assert rows[key][times] == "<10"
        assert rows[key][amount] == "*"
    assert rows[("莲塘镇", "低保对象")][times] == "10"  # 11, rounded to base 10
    assert rows[("向塘镇", "低保对象")][amount] == "1.00"  # 7080.00 元, rounded to 1 万元
