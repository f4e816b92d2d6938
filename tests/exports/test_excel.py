"""Tables exported as .xlsx, read back with openpyxl: layout, formats and the metrics' values."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import Engine, select

from data_sources.schema import township
from exports.excel import file_name, table_xlsx, text_width, title_file_name, unit_line
from metrics import present
from metrics.execute import execute
from metrics.model import Period, QuerySpec, Viewer

OCT_2023 = Period(2023, 10)
XIANGTANG = "360121101"
IDS = ["enroll_target", "enrolled", "enroll_completion", "enroll_gap"]
TITLE = "全县 2023年1-10月 各乡镇参保任务完成情况"
CUTOFF = "数据来源:县医疗保障局医保决策驾驶舱  数据截至:2023年10月31日"


def _read(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def test_excel_layout_formats_and_values(demo_engine: Engine) -> None:
    result = execute(demo_engine, QuerySpec.make(IDS, OCT_2023, ["township"]), Viewer())
    display = present.table(result.frame, IDS, ["township"])
    ws = _read(table_xlsx(display, title=TITLE, unit_line=unit_line(display), cutoff=CUTOFF))

    assert ws.title == "数据"
    assert ws["A1"].value == TITLE and ws["A1"].font.b
    # Rows per township: persons are whole persons there (DOMAIN.md), rates in %.
    assert ws["A2"].value == "单位:人、%(见各列标题)"
    assert ws["A3"].value == CUTOFF
    merged = {str(r) for r in ws.merged_cells.ranges}
    last = get_column_letter(len(display.columns))
    assert {f"A1:{last}1", f"A2:{last}2", f"A3:{last}3"} <= merged
    headers = [c.value for c in ws[4]]
    assert headers == list(display.columns)
    assert ws.freeze_panes == "A5"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1

    col = {h: i + 1 for i, h in enumerate(headers)}
    frame = result.frame.reset_index(drop=True)
    assert ws.max_row == 4 + len(frame)
    for i, row in frame.iterrows():
        r = 5 + i
        assert ws.cell(r, col["乡镇(街道)"]).value == row["township_name"]
        enrolled = ws.cell(r, col[present.header("enrolled", township=True)])
        assert enrolled.value == row["enrolled"]  # whole persons, as loaded
        assert enrolled.number_format == "#,##0"
        rate = ws.cell(r, col[present.header("enroll_completion")])
        # A ratio under a percent format: 0.9168 shows as 91.68% (no ×100, no ÷100).
        expected = round(row["enroll_completion"], 4)
        assert rate.value == pytest.approx(expected)
        assert rate.value == present.scaled("enroll_completion", row["enroll_completion"])
        assert rate.number_format == "0.00%"
        gap = ws.cell(r, col[present.header("enroll_gap", township=True)])
        assert gap.value == present.scaled("enroll_gap", row["enroll_gap"])
        assert gap.number_format == "#,##0"
    # Widths fit Chinese: the township column is at least as wide as its longest name (CJK = 2).
    longest = max(text_width(n) for n in frame["township_name"])
    assert ws.column_dimensions["A"].width >= longest


def test_suppressed_cells_stay_text(demo_engine: Engine) -> None:
    spec = QuerySpec.make(["assist_times", "assist_amount"], OCT_2023, ["township", "category"])
    result = execute(demo_engine, spec, Viewer(can_see_small_cells=False))
    display = present.table(
        result.frame, ["assist_times", "assist_amount"], ["township", "category"]
    )
    header = present.header("assist_times")
    hidden = [i for i, v in enumerate(display[header]) if v == present.SUPPRESSED_COUNT]
    assert hidden, "the demo should have small cells"
    ws = _read(table_xlsx(display, title="t", unit_line=unit_line(display), cutoff=CUTOFF))
    c = list(display.columns).index(header) + 1
    for i in hidden:
        assert ws.cell(5 + i, c).value == present.SUPPRESSED_COUNT
    shown = [i for i in range(len(display)) if i not in hidden]
    assert isinstance(ws.cell(5 + shown[0], c).value, (int, float))


def test_township_viewer_excel_holds_only_its_township(demo_engine: Engine) -> None:
    viewer = Viewer(name="t", townships=frozenset({XIANGTANG}))
    result = execute(demo_engine, QuerySpec.make(IDS, OCT_2023, ["township"]), viewer)
    display = present.table(result.frame, IDS, ["township"])
    ws = _read(table_xlsx(display, title="向塘镇 2023年1-10月 参保", unit_line="", cutoff=CUTOFF))
    with demo_engine.connect() as conn:
        names = dict(conn.execute(select(township.c.code, township.c.name)).fetchall())
    cells = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert names[XIANGTANG] in cells
    assert not [n for code, n in names.items() if code != XIANGTANG and n in cells]


def test_file_names() -> None:
    assert (
        file_name("向塘镇", "2023年1-10月", "参保任务完成情况", "xlsx")
        == "向塘镇_2023年1-10月_参保任务完成情况.xlsx"
    )
    assert (
        title_file_name("全县 2023年1-10月 基金收支/明细", "png")
        == "全县_2023年1-10月_基金收支明细.png"
    )
