"""督办清单: the cases as a display table and as an .xlsx workbook (openpyxl).

Text cells are always written as text: a subject name or an answer such as "=HYPERLINK(...)" or
"-3人" must never become a formula in the bureau's Excel. The workbook goes through the exports'
one rule, `exports.safe.text_only`, just before it is saved.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from exports import safe
from metrics import lifecycle as L
from metrics.breaches import RULES, SUBJECT_KINDS

COLUMNS = (
    "编号",
    "状态",
    "级别",
    "业务领域",
    "预警规则",
    "对象类型",
    "对象",
    "所属乡镇",
    "预警内容",
    "首次预警",
    "最近预警",
    "连续月数",
    "承办",
    "办理期限",
    "逾期天数",
)


def owner_label(case: L.Case, names: Mapping[str, str] | None = None) -> str:
    if not case.owner:
        return ""
    if case.owner_kind == L.SECTION:
        return case.owner
    return (names or {}).get(case.owner, case.owner)


def case_rows(
    cases: Iterable[L.Case],
    today: dt.date,
    townships: Mapping[str, str],
    users: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per case, in the given order, with Chinese headers.

    `townships` maps codes to names, `users` usernames to display names.
    """
    rows = []
    for c in cases:
        late = (today - c.due_date).days if c.overdue(today) and c.due_date else None
        rows.append(
            (
                c.case_id,
                c.status,
                c.level,
                c.area,
                RULES.get(c.rule, (c.area, c.rule))[1],
                SUBJECT_KINDS.get(c.subject_kind, c.subject_kind),
                c.subject_name,
                townships.get(c.township or "", "全县" if c.township is None else c.township),
                str(c.figures.get("text", "")),
                L.month_label(c.first_month),
                L.month_label(c.latest_month),
                c.consecutive,
                owner_label(c, users),
                c.due_date.isoformat() if c.due_date else "",
                late,
            )
        )
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["逾期天数"] = frame["逾期天数"].astype("Int64")
    return frame


def cases_xlsx(frame: pd.DataFrame, *, title: str, cutoff: str) -> bytes:
    """The list as a workbook: title, cut-off line, header, rows; text cells stay text."""
    wb = Workbook()
    ws = wb.active
    ws.title = "督办清单"
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=cutoff)
    for j, name in enumerate(frame.columns, start=1):
        cell = ws.cell(row=3, column=j, value=str(name))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for i, row in enumerate(frame.itertuples(index=False), start=4):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j)
            if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
                continue
            if isinstance(value, str):
                cell.value = value
            else:
                cell.value = int(value) if float(value).is_integer() else float(value)
    widths = {"预警内容": 48, "对象": 20, "预警规则": 26, "承办": 14}
    for j, name in enumerate(frame.columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = widths.get(str(name), 11)
    ws.freeze_panes = "A4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    out = io.BytesIO()
    safe.text_only(wb).save(out)
    return out.getvalue()
