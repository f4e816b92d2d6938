"""The scope level, the column presentations and the comparisons travel with a query's result.

Expected figures are worked out by hand from tests/metrics/fixtures.py (2023, months 1-3):
T1 莲塘镇 enrolled 833 of 950 (resident 800, employee 150), T2 向塘镇 615 of 700 (600, 100),
T3 三江镇 320 of 300 (resident only); county 1768 of 1950. At the end of March the resident
campaign expects 100% and employees 3/12. DRG: H1 paid 31000 of a 100000 budget, H2 16000 of 60000.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import Engine

from exports.excel import table_xlsx
from metrics import alerts, compare, present, units
from metrics.execute import execute
from metrics.model import Period, QuerySpec, Viewer
from metrics.status import Status
from tests.metrics.conftest import PRIVILEGED
from tests.metrics.fixtures import H1, H2, T1, T2, T3

MARCH = Period(2023, 3)


def test_level_travels_with_the_spec_and_the_result(duckdb_warehouse: Engine) -> None:
    county = QuerySpec.make(["enrolled"], MARCH)
    one = QuerySpec.make(["enrolled"], MARCH, (), {"township": T2})
    per_town = QuerySpec.make(["enrolled"], MARCH, ["township"])
    per_inst = QuerySpec.make(["drg_paid"], MARCH, ["institution"])
    assert (county.level, one.level, per_town.level, per_inst.level) == (
        "county",
        "township",
        "township",
        "institution",
    )
    assert execute(duckdb_warehouse, county, PRIVILEGED).level == "county"
    # A township officer's ungrouped figures are a township's, never the county's.
    officer = Viewer(name="t2", townships=frozenset({T2}))
    result = execute(duckdb_warehouse, county, officer)
    assert result.level == "township"
    assert result.value("enrolled") == 615
    assert result.text("enrolled") == "615人"
    assert result.column("enrolled").header == "参保人数(人)"
    assert execute(duckdb_warehouse, county, PRIVILEGED).text("enrolled") == "0.18万人"


def test_text_at_an_explicit_level() -> None:
    # The figures of the issue: a township paragraph reads 92316人, never 92316.00万人.
    assert present.plain_text("enrolled", 92316, level="township") == "92316人"
    assert present.text("enrolled", 92316, level="township") == "92,316人"
    assert present.text("enrolled", 945200) == "94.52万人"
    assert "万人" not in present.text("enrolled", 92316, level="township")
    # Person-times: 万人次 at county level (seed 002: 59.16万人次), whole 人次 below it.
    assert present.text("fund_visits_county", 591584) == "59.16万人次"
    assert present.text("fund_visits_county", 591584, level="township") == "591,584人次"
    # Amounts carry thousands separators; rates are ratios shown as percent.
    assert present.text("assist_amount", 465740900) == "46,574.09万元"
    assert present.scaled("enroll_completion", 0.945171) == 0.9452
    assert present.column("enroll_completion").excel_format == "0.00%"
    assert present.column("enrolled", "township").excel_format == "#,##0"
    assert present.column("fund_income").number_format == "%,.2f"
    # The older keyword still works for callers not yet moved to `level`.
    assert present.text("enrolled", 92316, township=True) == "92,316人"


def test_comparisons_come_back_as_columns(duckdb_warehouse: Engine) -> None:
    spec = QuerySpec.make(
        ["enroll_completion"], MARCH, ["township"], compare=("status", "rank", "yoy")
    )
    result = execute(duckdb_warehouse, spec, PRIVILEGED)
    rows = result.frame.set_index("township")
    expected = {T1: 837.5 / 950, T2: 625 / 700, T3: 1.0}
    for town, value in expected.items():
        assert rows.loc[town, "enroll_completion_expected"] == pytest.approx(value)
    # T1 0.4737 points behind, T2 1.43 behind (within 5: 预警), T3 ahead.
    assert Status.of(rows.loc[T1, "enroll_completion_status"]) is Status.AMBER
    assert Status.of(rows.loc[T2, "enroll_completion_status"]) is Status.AMBER
    assert Status.of(rows.loc[T3, "enroll_completion_status"]) is Status.GREEN
    assert rows["enroll_completion_rank"].to_dict() == {T1: 3, T2: 2, T3: 1}
    assert rows.loc[T1, "enroll_completion_gap"] == pytest.approx(833 / 950 - 837.5 / 950)
    # Every statement that ran is on the result (查看SQL): the spec, 同比 and the targets.
    periods = {(s.period.year, s.metrics) for s in result.specs}
    assert periods == {
        (2023, ("enroll_completion",)),
        (2022, ("enroll_completion",)),
        (2023, ("enroll_target",)),
    }


def test_one_drg_status_everywhere(duckdb_warehouse: Engine) -> None:
    spec = QuerySpec.make(["drg_execution"], MARCH, ["institution"], compare=("status",))
    frame = execute(duckdb_warehouse, spec, PRIVILEGED).frame.set_index("institution")
    # H1 31000/100000 = 31%, 6 points ahead of 25%: 超进度; H2 26.67%, 1.67 ahead: 预警.
    assert Status.of(frame.loc[H1, "drg_execution_status"]) is Status.RED
    assert frame.loc[H1, "drg_execution_status_label"] == "超进度"
    assert frame.loc[H2, "drg_execution_status_label"] == "预警"
    assert compare.status_of("drg_execution", 0.31, 0.25) is Status.RED
    # The legend of every DRG chart (page, briefing, PPT) and the warnings use the same words.
    assert list(compare.status_palette("drg_execution")) == ["正常", "预警", "超进度"]
    warned = alerts.off_pace(
        frame.reset_index(), "drg_execution", name="institution_name", area="DRG预算执行"
    )
    assert [a.text for a in warned] == ["县人民医院预算执行率31.00%,超出时序进度6.00个百分点"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.floats(min_value=0, max_value=5e9, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=25,
    )
)
def test_exported_rows_add_up_to_the_total_and_the_total_is_the_card(amounts: list[float]) -> None:
    frame = pd.DataFrame(
        {
            "township": [f"t{i}" for i in range(len(amounts))],
            "township_name": [f"{i}镇" for i in range(len(amounts))],
            "assist_amount": amounts,
        }
    )
    total = pd.Series({"assist_amount": sum(amounts)})
    shown = present.table(frame, ["assist_amount"], ["township"], total=total)
    header = present.header("assist_amount")
    rows, total_row = shown[header].iloc[:-1], shown[header].iloc[-1]
    assert shown.iloc[-1, 0] == present.TOTAL_LABEL
    assert units.fmt_number(float(rows.sum()), 2) == units.fmt_number(float(total_row), 2)
    card = present.text("assist_amount", sum(amounts))
    assert card == units.fmt_number(float(total_row), 2, sep=True) + "万元"
    # The workbook holds the same numbers, with the same format.
    ws = load_workbook(io.BytesIO(table_xlsx(shown, title="t", unit_line="", cutoff=""))).active
    cells = [ws.cell(5 + i, 2).value for i in range(len(shown))]
    assert cells == [float(v) for v in shown[header]]
    assert ws.cell(5, 2).number_format == "#,##0.00"


def test_round_to_total_by_hand() -> None:
    # 各乡镇医疗救助明细: three 万元 rows that half-up rounding would sum 0.01 over the total.
    assert units.round_to_total([0.335, 0.335, 0.33], 2) == [0.34, 0.33, 0.33]
    assert units.round_to_total([None, 1.5, 1.5], 0) == [None, 2.0, 1.0]


def test_change_columns_are_numbers_in_excel(duckdb_warehouse: Engine) -> None:
    spec = QuerySpec.make(["enrolled", "enroll_completion"], MARCH, ["township"], compare=("yoy",))
    result = execute(duckdb_warehouse, spec, PRIVILEGED)
    shown = present.table(
        result.frame,
        ["enrolled", "enroll_completion"],
        ["township"],
        changes={"enrolled": "同比", "enroll_completion": "同比"},
    )
    assert "同比(%)" in shown.columns and "同比(百分点)" in shown.columns
    ws = load_workbook(io.BytesIO(table_xlsx(shown, title="t", unit_line="", cutoff=""))).active
    headers = [c.value for c in ws[4]]
    growth = ws.cell(5, headers.index("同比(%)") + 1)
    points = ws.cell(5, headers.index("同比(百分点)") + 1)
    assert isinstance(growth.value, float) and growth.number_format == "0.00%"
    assert isinstance(points.value, float) and points.number_format == "0.00"
