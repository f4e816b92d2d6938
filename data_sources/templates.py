"""Downloadable import templates, one per fact kind: .xlsx (formatted) and .csv (UTF-8 with BOM).

Layout of both: a title row, a unit line ("单位:元"), the Chinese header row and one example row
(delete it before filling in). The .xlsx freezes the header and carries a 填写说明 sheet listing
each column, whether it is required and its allowed values.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from data_sources.load_specs import Field, LoadSpec, spec
from exports.safe import csv_row, text_only

TITLE_ROW, UNIT_ROW, HEADER_ROW, EXAMPLE_ROW = 1, 2, 3, 4
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def title(s: LoadSpec) -> str:
    return f"{s.title}导入模板"


def file_name(kind: str, ext: str) -> str:
    return f"{spec(kind).title}导入模板.{ext}"


def allowed_text(f: Field) -> str:
    if f.type == "code" and f.codes:
        return "、".join(f"{label}({code})" for code, label in f.codes.items())
    return {
        "year": "四位年份,如 2023",
        "month": "1-12",
        "date": "日期,如 2023-10-08",
        "township": "乡镇名称或9位行政区划代码",
        "int": "非负整数",
        "money": "非负金额,单位见单位行(元或万元)",
        "decimal": "非负数",
        "institution": "系统中已登记的定点医药机构编码",
        "product": "系统中已登记的中选产品编码",
        "drg": "系统中已登记的DRG分组编码",
        "text": "文本",
    }.get(f.type, "")


def xlsx_bytes(kind: str) -> bytes:
    s = spec(kind)
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    n = len(s.fields)
    ws.cell(TITLE_ROW, 1, title(s)).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=n)
    ws.cell(UNIT_ROW, 1, s.unit)
    for i, f in enumerate(s.fields, start=1):
        cell = ws.cell(HEADER_ROW, i, f.header)
        cell.font = Font(bold=True, color="C00000" if f.required else "000000")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        ws.cell(EXAMPLE_ROW, i, f.example)
        ws.column_dimensions[get_column_letter(i)].width = max(12, 2 * len(f.header) + 4)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)

    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "填写要求"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for f in s.fields:
        notes.append([f.header, "必填" if f.required else "选填", allowed_text(f)])
    notes.append([])
    for line in (
        "第4行为示例,填写前请删除。表头须保留在一行内;表头前可有标题行和单位行。",
        f"单位行写“{s.unit}”;金额如以万元填写,请把单位行改为“单位:万元”。",
        "合计/小计行会被自动忽略,但其数值须与明细之和一致。",
        s.note,
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 80

    text_only(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(kind: str) -> bytes:
    s = spec(kind)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_row([title(s)]))
    writer.writerow(csv_row([s.unit]))
    writer.writerow(csv_row(s.headers))
    writer.writerow(csv_row("" if f.example is None else f.example for f in s.fields))
    # Excel on Chinese Windows opens UTF-8 CSV correctly only with a BOM.
    return out.getvalue().encode("utf-8-sig")
