"""Every .xlsx/.csv the app writes keeps injected text as text (no live formula).

Each writer gets the injection strings in every place text from outside can reach (data cells,
titles, headers, names, notes) and is read back with openpyxl: the cell is text, value intact.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from data_sources import templates
from data_sources.load import problems_xlsx
from data_sources.load_specs import SPECS, Problem
from exports import excel, safe, watermark
from ui import planning_export

INJECTIONS = [
    "=1+2",
    '=HYPERLINK("http://x","y")',
    "=1+2 HYPERLINK(x)",
    "@SUM(A1)",
    "+1",
    "-1+2",
    "\u22121+2",
    "\t=1",
    "\r=1",
    "=cmd|' /C calc'!A0",
]


def _cells(data: bytes) -> dict[str, tuple[object, str]]:
    """Every non-empty cell of every sheet: 'sheet!A1' -> (value, data_type)."""
    wb = load_workbook(io.BytesIO(data))
    return {
        f"{ws.title}!{c.coordinate}": (c.value, c.data_type)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


def _assert_text(data: bytes, expected: list[str]) -> None:
    cells = _cells(data)
    assert not [k for k, (_, t) in cells.items() if t == "f"], "no formula cell at all"
    by_value = {v: t for v, t in cells.values()}
    for s in expected:
        assert s in by_value, f"{s!r} lost"
        assert by_value[s] == "s", s


def test_plain_openpyxl_would_write_formulas() -> None:
    """The hazard is real: without the guard openpyxl stores '=…' as a formula."""
    wb = Workbook()
    wb.active["A1"] = "=1+2"
    buffer = io.BytesIO()
    wb.save(buffer)
    assert _cells(buffer.getvalue())["Sheet!A1"] == ("=1+2", "f")


def test_table_export() -> None:
    frame = pd.DataFrame(
        {"乡镇(街道)": INJECTIONS, "救助金额(万元)": [1.5] * len(INJECTIONS), "=bad": ["x"] * 10}
    )
    data = excel.table_xlsx(frame, title="=1+2 标题", unit_line="@单位", cutoff="+截至")
    _assert_text(data, [*INJECTIONS, "=bad", "=1+2 标题", "@单位", "+截至"])
    assert _cells(data)["数据!B5"] == (1.5, "n")  # numbers stay numbers


def test_task_table_export() -> None:
    towns = pd.DataFrame(
        {
            "township": [f"36012110{i}" for i in range(len(INJECTIONS))],
            "township_name": INJECTIONS,
            "township_order": range(len(INJECTIONS)),
        }
    )
    targets = pd.DataFrame(
        {
            "township_code": list(towns["township"]) * 2,
            "scheme": ["resident"] * len(towns) + ["employee"] * len(towns),
            "target": [100] * (2 * len(towns)),
        }
    )
    sheet = planning_export.task_table_frame(targets, towns)
    data = planning_export.task_table_xlsx("=1+2年任务分解表", sheet, note="方案:=HYPERLINK(1)")
    _assert_text(data, [*INJECTIONS, "=1+2年任务分解表", "方案:=HYPERLINK(1)"])


def test_problem_report() -> None:
    problems = [Problem(s, 3, s, f"说明{s}") for s in INJECTIONS]
    data = problems_xlsx(problems)
    _assert_text(data, INJECTIONS)


def test_watermark_keeps_text() -> None:
    frame = pd.DataFrame({"乡镇(街道)": INJECTIONS})
    data = watermark.xlsx(excel.table_xlsx(frame, title="t", unit_line="u", cutoff="c"), "=x 1")
    _assert_text(data, INJECTIONS)


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_templates_have_no_formulas(kind: str) -> None:
    cells = _cells(templates.xlsx_bytes(kind))
    assert cells and not [k for k, (_, t) in cells.items() if t == "f"]
    rows = list(csv.reader(io.StringIO(templates.csv_bytes(kind).decode("utf-8-sig"))))
    for field in (f for row in rows for f in row):
        assert safe.csv_field(field) == field or field.startswith("'"), field


@pytest.mark.parametrize(
    "value", [v for v in INJECTIONS if v != "+1"] + ["\uff1d1+2", "\uff20A1", "-A1", "+ 1"]
)
def test_csv_field_escapes_triggers(value: str) -> None:
    assert safe.csv_field(value) == "'" + value


@pytest.mark.parametrize("value", ["-12.5", "+3", "1,234.50", "-1e3", "莲塘镇", "", "a=1", 7, None])
def test_csv_field_leaves_numbers_and_plain_text(value: object) -> None:
    assert safe.csv_field(value) == value
