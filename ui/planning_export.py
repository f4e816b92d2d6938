"""任务分解表 as an .xlsx workbook (openpyxl): merged title, a line with the unit, issuing unit,
date and status (草案 / 已采用, with the scenario's name), frozen header, '#,##0', and an A4 page
set-up that prints the table on one page width (portrait up to six columns, else landscape).
"""

from __future__ import annotations

import datetime as dt
import io
import numbers

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from exports import safe
from metrics.planning import SCHEME_LABELS, SCHEMES

__all__ = [
    "adoption_status",
    "task_table_filename",
    "task_table_frame",
    "task_table_xlsx",
]
DRAFT, ADOPTED = "草案", "已采用"
PORTRAIT_MAX_COLUMNS = 6

_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def task_table_frame(targets: pd.DataFrame, towns: pd.DataFrame) -> pd.DataFrame:
    """序号, 乡镇(街道), one column per scheme, 合计; a 全县合计 row last.

    ``targets``: township_code, scheme, target; ``towns``: township, township_name,
    township_order (the official order).
    """
    wide = targets.pivot_table(
        index="township_code", columns="scheme", values="target", aggfunc="sum"
    )
    out = towns.sort_values("township_order")[["township", "township_name"]].copy()
    out = out[out["township"].isin(wide.index)]
    cols = []
    for s in SCHEMES:
        label = SCHEME_LABELS[s]
        series = wide[s] if s in wide.columns else pd.Series(dtype=float)
        out[label] = out["township"].map(series).fillna(0).astype("int64")
        cols.append(label)
    out["合计"] = out[cols].sum(axis=1)
    out.insert(0, "序号", range(1, len(out) + 1))
    out = out.drop(columns="township").rename(columns={"township_name": "乡镇(街道)"})
    total = {
        "序号": "",
        "乡镇(街道)": "全县合计",
        **{c: int(out[c].sum()) for c in [*cols, "合计"]},
    }
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def task_table_filename(year: int, name: str) -> str:
    safe = "".join(ch for ch in name if ch not in '\\/:*?"<>|').strip() or "方案"
    return f"{year}年参保任务分解表_{safe}.xlsx"


def adoption_status(adopted_at: object, scenario: str) -> str:
    """'已采用(方案:初稿)' when the scenario was adopted, else '草案(方案:初稿)'.

    >>> adoption_status(None, "按人口分解")
    '草案(方案:按人口分解)'
    """
    adopted = adopted_at is not None and not pd.isna(adopted_at)
    return f"{ADOPTED if adopted else DRAFT}(方案:{scenario})"


def issue_line(issuer: str, issued: dt.date, status: str) -> str:
    """'填报单位:南昌县医疗保障局  日期:2026年12月1日  状态:草案(方案:初稿)'."""
    day = f"{issued.year}年{issued.month}月{issued.day}日"
    return f"填报单位:{issuer}  日期:{day}  状态:{status}"


def _page_setup(ws, columns: int, header_row: int) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait" if columns <= PORTRAIT_MAX_COLUMNS else "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed, never shrunk to one
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top, ws.page_margins.bottom = 0.8, 0.8
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.oddFooter.center.text = "第 &P 页,共 &N 页"


def task_table_xlsx(
    title: str,
    frame: pd.DataFrame,
    note: str = "",
    *,
    issuer: str | None = None,
    issued: dt.date | None = None,
    status: str | None = None,
) -> bytes:
    """A one-sheet workbook: title merged over the table, '单位:人' and the issue line (issuing
    unit, date, status: a draft unless `status` says otherwise), header frozen, '#,##0', A4."""
    from exports.wording import wording

    wb = Workbook()
    ws = wb.active
    ws.title = "任务分解表"
    width = len(frame.columns)
    last = get_column_letter(width)
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = title
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws["A2"] = "单位:人"
    ws["A2"].alignment = Alignment(horizontal="left")
    if width >= 2:
        ws.merge_cells(f"B2:{last}2")
        ws["B2"] = issue_line(
            issuer or wording().organisation, issued or dt.date.today(), status or DRAFT
        )
        ws["B2"].alignment = Alignment(horizontal="right")
    for j, col in enumerate(frame.columns, start=1):
        cell = ws.cell(row=3, column=j, value=str(col))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BOX
    for i, row in enumerate(frame.itertuples(index=False), start=4):
        for j, value in enumerate(row, start=1):
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                value = int(value)
            cell = ws.cell(row=i, column=j, value=value)
            cell.border = _BOX
            if isinstance(value, int) and frame.columns[j - 1] != "序号":
                cell.number_format = "#,##0"
    if note:
        ws.cell(row=4 + len(frame) + 1, column=1, value=note)
    ws.freeze_panes = "A4"
    for j, col in enumerate(frame.columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = 8 if col == "序号" else 16
    _page_setup(ws, width, 3)
    safe.text_only(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
