"""The 任务分解表 workbook prints on A4 at one page width and says who issued it, when, and
whether the split is a draft or the adopted one."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from openpyxl import load_workbook

from ui import planning_export

TARGETS = pd.DataFrame(
    {
        "township_code": ["1", "1", "2"],
        "scheme": ["resident", "employee", "resident"],
        "target": [800, 150, 600],
    }
)
TOWNS = pd.DataFrame(
    {"township": ["1", "2"], "township_name": ["莲塘镇", "向塘镇"], "township_order": [1, 2]}
)


def _sheet(frame: pd.DataFrame, **kwargs):
    data = planning_export.task_table_xlsx("2027年参保任务分解表", frame, **kwargs)
    return load_workbook(io.BytesIO(data)).active


def test_page_setup_a4_one_page_wide() -> None:
    frame = planning_export.task_table_frame(TARGETS, TOWNS)
    ws = _sheet(frame)
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4) == 9  # A4
    assert ws.page_setup.orientation == "portrait"  # five columns
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows.replace("$", "") == "3:3"  # the header repeats on every page
    wide = frame.assign(**{f"备注{i}": "" for i in range(3)})
    assert _sheet(wide).page_setup.orientation == "landscape"  # eight columns


def test_issuing_unit_date_and_status() -> None:
    frame = planning_export.task_table_frame(TARGETS, TOWNS)
    day = dt.date(2026, 12, 1)
    draft = _sheet(frame, issuer="南昌县医疗保障局", issued=day)
    assert draft["A1"].value == "2027年参保任务分解表"
    assert draft["A2"].value == "单位:人"
    assert draft["B2"].value == "填报单位:南昌县医疗保障局  日期:2026年12月1日  状态:草案"
    status = planning_export.adoption_status(pd.Timestamp("2026-11-30 09:00"), "按人口分解")
    assert status == "已采用(方案:按人口分解)"
    adopted = _sheet(frame, issuer="南昌县医疗保障局", issued=day, status=status)
    assert adopted["B2"].value.endswith("状态:已采用(方案:按人口分解)")
    assert planning_export.adoption_status(float("nan"), "甲") == "草案(方案:甲)"
    assert [c.value for c in adopted[3]] == [
        "序号",
        "乡镇(街道)",
        "城乡居民医保",
        "职工医保",
        "合计",
    ]
    assert adopted["E6"].value == 1550  # 全县合计: 800 + 150 + 600
