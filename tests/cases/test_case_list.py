"""督办清单 workbook: text a user typed stays text (the exports' one rule, exports/safe.py)."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import load_workbook

from exports import case_list


def test_typed_text_is_never_a_formula() -> None:
    row = dict.fromkeys(case_list.COLUMNS, "")
    row |= {"编号": 7, "对象": '=HYPERLINK("http://x","点击")', "预警内容": "-3人", "连续月数": 2}
    frame = pd.DataFrame([row], columns=list(case_list.COLUMNS))
    book = case_list.cases_xlsx(frame, title="=1+2", cutoff="推送日期:2026年11月03日")
    ws = load_workbook(io.BytesIO(book)).active
    assert (ws["A1"].value, ws["A1"].data_type) == ("=1+2", "s")
    subject, content = ws.cell(4, 7), ws.cell(4, 9)
    assert (subject.value, subject.data_type) == ('=HYPERLINK("http://x","点击")', "s")
    assert (content.value, content.data_type) == ("-3人", "s")
    assert (ws.cell(4, 1).value, ws.cell(4, 12).value) == (7, 2)  # numbers stay numbers
