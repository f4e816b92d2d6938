"""Each template round-trips: filled with the demo's data of one period and loaded into a copy
from which that period was deleted, the metrics equal the demo's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from data_sources.load import load_file
from data_sources.load_specs import spec
from metrics.execute import execute
from metrics.model import Period, QuerySpec, Viewer

from .helpers import demo_rows, fill_csv_template, fill_template, frame

VIEWER = Viewer(name="test", townships=None, can_see_small_cells=True)
PERIOD = Period(2023, 10)

CASES = {
    "enrollment": (["enrolled", "enroll_completion", "coverage_rate"], ["township"]),
    "targets": (["enroll_target", "enroll_completion"], ["township"]),
    "population": (
        ["registered_pop", "resident_pop", "poverty_pop", "coverage_rate"],
        ["township"],
    ),
    "fund": (["fund_income", "fund_spending", "fund_visits", "fund_months_payable"], ["scheme"]),
    "assistance": (["assist_amount", "assist_times", "assist_persons"], ["township"]),
    "procurement": (["proc_purchased", "proc_progress", "proc_savings"], []),
    "drg": (["drg_paid", "drg_cases", "drg_cmi", "drg_execution"], []),
}
DATA_COLUMNS = {
    "assistance": [c.name for c in spec("assistance").table.columns if c.name != "record_id"]
}


def _metrics(engine: Engine, kind: str) -> pd.DataFrame:
    metric_ids, by = CASES[kind]
    result = execute(engine, QuerySpec.make(metric_ids, PERIOD, by), VIEWER)
    return result.frame.sort_values(by).reset_index(drop=True) if by else result.frame


def _rows(engine: Engine, kind: str, where: str) -> pd.DataFrame:
    tbl = spec(kind).table
    cols = DATA_COLUMNS.get(kind, [c.name for c in tbl.columns])
    f = frame(engine, f'SELECT {", ".join(cols)} FROM "{tbl.name}" WHERE {where}')
    return f.astype(str).sort_values(cols).reset_index(drop=True)


@pytest.mark.parametrize(
    "kind,fmt",
    [(k, "xlsx") for k in CASES] + [("enrollment", "csv"), ("assistance", "csv")],
)
def test_template_round_trips(warehouse: Engine, tmp_path: Path, kind: str, fmt: str) -> None:
    s = spec(kind)
    month = 10 if s.monthly else None
    where = "year = 2023" + (" AND month = 10" if month else "")
    rows = demo_rows(warehouse, kind, 2023, month)
    assert rows, kind
    before = _metrics(warehouse, kind)
    stored = _rows(warehouse, kind, where)
    with warehouse.begin() as conn:
        conn.execute(text(f'DELETE FROM "{s.table.name}" WHERE {where}'))
    assert _metrics(warehouse, kind).to_dict() != before.to_dict()

    fill = fill_template if fmt == "xlsx" else fill_csv_template
    path = fill(kind, rows, tmp_path / f"{kind}.{fmt}")
    # The demo county has a township enrolling more persons than live there in 2023-10 (a
    # warning the user confirms, see data_sources.plausibility).
    result = load_file(warehouse, path, kind, user="tester", accept_warnings=True)

    assert result.ok, [p.text() for p in result.problems[:5]]
    assert result.rows == len(rows)
    pd.testing.assert_frame_equal(_metrics(warehouse, kind), before, check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(_rows(warehouse, kind, where), stored)
    last = frame(warehouse, "SELECT * FROM load_log ORDER BY load_id DESC LIMIT 1").iloc[0]
    assert last.table_name == s.table.name
    assert last.row_count == len(rows)
    assert last.source == path.name
    assert last.loaded_by == "tester"
    assert last.period == ("2023-10" if month else "2023")
