"""Tables as formatted .xlsx (openpyxl): title, unit and cut-off lines, frozen header,
number formats from the header's unit, widths that fit Chinese, A4 landscape print set-up.

The input is a display frame from `metrics.present.table`: each numeric column's Excel format
comes from its `Column` (kept in `frame.attrs`), else from the unit in its header. Values are
written as the numbers shown: a percentage is a ratio under '0.00%' (never ×100 then ÷100), 同比
a number; suppressed cells ('<10', '*') and '—' stay text.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from exports import safe
from metrics import present

FIRST_DATA_ROW = 5  # 1 title, 2 unit line, 3 cut-off line, 4 header
HEADER_ROW = 4
# By header unit, for columns a page added without a Column: the metrics layer's formats, plus
# the counting units of headers that carry no metric (个, 例).
FORMATS = {
    **{
        present.DISPLAY_UNIT[fmt]: present.Column(
            "", "", fmt, present.DISPLAY_UNIT[fmt], digits
        ).excel_format
        for fmt, digits in present.DECIMALS.items()
        if present.DISPLAY_UNIT[fmt]
    },
    "个": "#,##0",
    "例": "#,##0",
}
_UNIT_RE = re.compile(r"[((]([^()()]+)[))]\s*$")
_NUMBER_RE = re.compile(r"^-?[\d,]+(\.\d+)?$")
_FORBIDDEN = re.compile(r'[\\/:*?"<>|\s]+')
_THIN = Side(style="thin", color="BFBFBF")


def header_unit(header: str) -> str | None:
    """'亿元' from '基金收入(亿元)'; None when the brackets hold no unit ('乡镇(街道)')."""
    m = _UNIT_RE.search(str(header))
    unit = m.group(1).strip() if m else None
    return unit if unit in FORMATS else None


def text_width(value: object) -> int:
    """Display width in Excel character units: CJK and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def file_name(scope_label: str, period_label: str, subject: str, ext: str) -> str:
    """'向塘镇_2023年1-10月_参保任务完成情况.xlsx' (characters Windows forbids removed)."""
    parts = [_FORBIDDEN.sub("", p) for p in (scope_label, period_label, subject) if p]
    return "_".join(p for p in parts if p) + "." + ext.lstrip(".")


def title_file_name(title: str, ext: str) -> str:
    """A file name from a title that already reads '向塘镇 2023年1-10月 subject'."""
    words = [_FORBIDDEN.sub("", w) for w in str(title).split()]
    return "_".join(w for w in words if w) + "." + ext.lstrip(".")


def unit_line(frame: pd.DataFrame) -> str:
    """'单位:万元、人、%(见各列标题)' from the headers' units."""
    units: list[str] = []
    for col in frame.columns:
        u = header_unit(col)
        if u and u not in units:
            units.append(u)
    return f"单位:{'、'.join(units)}(见各列标题)" if units else "单位:见各列标题"


def _cell_value(value: object) -> object:
    """A number for Excel, or the text as shown ('<10', '*', '—')."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        if not _NUMBER_RE.match(value.strip()):
            return value
        value = float(value.replace(",", ""))
    if hasattr(value, "item"):
        value = value.item()  # numpy scalars
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    return str(value)


def _number_format(unit: str | None, values: list[object]) -> str | None:
    if unit in FORMATS:
        return FORMATS[unit]
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not numbers:
        return None
    return "#,##0" if all(float(v).is_integer() for v in numbers) else "0.00"


def table_xlsx(
    frame_display: pd.DataFrame,
    *,
    title: str,
    unit_line: str,
    cutoff: str,
    sheet: str = "数据",
) -> bytes:
    """The display frame as an .xlsx workbook (bytes)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    columns = [str(c) for c in frame_display.columns]
    ncols = max(1, len(columns))
    last = get_column_letter(ncols)

    for row, text, font, align in (
        (1, title, Font(bold=True, size=14), "center"),
        (2, unit_line, Font(size=10, color="595959"), "left"),
        (3, cutoff, Font(size=10, color="595959"), "left"),
    ):
        ws.cell(row=row, column=1, value=text).font = font
        ws.cell(row=row, column=1).alignment = Alignment(horizontal=align, vertical="center")
        if ncols > 1:
            ws.merge_cells(f"A{row}:{last}{row}")
    ws.row_dimensions[1].height = 24

    fill = PatternFill("solid", fgColor="DDEBF7")
    border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
    for j, name in enumerate(columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=j, value=name)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    widths = [text_width(name) for name in columns]
    declared = frame_display.attrs.get(present.FORMATS_ATTR, {})
    for j, name in enumerate(columns, start=1):
        unit = header_unit(name)
        values = [_cell_value(v) for v in frame_display.iloc[:, j - 1].tolist()]
        fmt = declared[name].excel_format if name in declared else _number_format(unit, values)
        percent = bool(fmt) and str(fmt).endswith("%")
        for i, value in enumerate(values):
            cell = ws.cell(row=FIRST_DATA_ROW + i, column=j, value=value)
            cell.border = border
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if fmt:
                    cell.number_format = fmt
                shown = f"{value * 100:.2f}%" if percent else f"{value:,.2f}"
            else:
                cell.alignment = Alignment(horizontal="right" if value else "left")
                shown = "" if value is None else str(value)
            widths[j - 1] = max(widths[j - 1], text_width(shown))
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 50)

    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页,共 &N 页"

    safe.text_only(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
