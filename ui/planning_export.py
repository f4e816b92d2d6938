"""任务分解表 as an .xlsx workbook (openpyxl): merged title, unit line, frozen header, '#,##0'."""

from __future__ import annotations

import io
import numbers

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from exports import safe
from metrics.planning import SCHEME_LABELS, SCHEMES

__all__ = ["task_table_filename", "task_table_frame", "task_table_xlsx"]

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


def task_table_xlsx(title: str, frame: pd.DataFrame, note: str = "") -> bytes:
    """A one-sheet workbook: title merged over the table, '单位:人', header frozen, '#,##0'."""
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
    ws.merge_cells(f"A2:{last}2")
    ws["A2"] = "单位:人"
    ws["A2"].alignment = Alignment(horizontal="right")
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
    safe.text_only(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
