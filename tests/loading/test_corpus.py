"""A corpus of hostile and careless files, built here: each is refused with its Chinese message
(sheet, row and column where it applies), by `load_file` and by the command line (exit code 1, no
traceback), and the warehouse is unchanged. Then: the awkward files that must load, the memory and
time bound of a zip bomb and a too-wide sheet (measured in a child process), and the import page
given hostile uploads.

Row numbers: `standard()` writes a title, a unit line and the header, so the first data row is 4.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine, Integer, Numeric, func, select

from data_sources import load, load_specs, read_guard, reader
from data_sources.config import PROJECT_ROOT
from data_sources.load import load_file, problems_xlsx
from data_sources.load_specs import spec
from data_sources.schema import FACT_TABLES, load_log
from data_sources.validate import validate

from .conftest import Ctx
from .helpers import (
    ASSIST_HEADERS,
    ENROLL_HEADERS,
    FUND_HEADERS,
    frame,
    standard,
    write_csv,
    write_xlsx,
)

TOWN = "莲塘镇"
KEY = ["城乡居民医保", "学生儿童"]
FUND_OK = [2023, 10, "城乡居民医保", "基金支出", "住院费用", 1000.5, 12]
ASSIST_OK = ["2023-10-08", 2023, TOWN, "低保对象", "住院救助", 3600, "k1"]
PROC_OK = [2023, 10, "JC01-01", "H36012110001", 10]
DRG_OK = [990000001, 2023, 10, "H360121900", "BR21", 1.2, "正常病例", 12000, 8000]
DRG_HEADERS = list(spec("drg").headers)
PROC_HEADERS = list(spec("procurement").headers)
TARGET_HEADERS = list(spec("targets").headers)
POP_HEADERS = list(spec("population").headers)
SST_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def warehouse_state(engine: Engine) -> list[tuple]:
    """Row count and the sum of every numeric column of every fact table, and the loads: computed
    in the warehouse (a refused file must leave all of it as it was)."""
    out = []
    with engine.connect() as conn:
        for tbl in FACT_TABLES:
            sums = [func.sum(c) for c in tbl.c if isinstance(c.type, Integer | Numeric)]
            out.append(
                (tbl.name, *conn.execute(select(func.count(), *sums).select_from(tbl)).one())
            )
        out.append(("load_log", conn.execute(select(func.count()).select_from(load_log)).scalar()))
    return out


# --- Builders ----------------------------------------------------------------------------------

Build = Callable[[Path, Ctx], Path]


def enroll(c: Ctx, *rows: list[object]) -> list[list[object]]:
    return standard(ENROLL_HEADERS, rows or [[2023, 10, TOWN, *KEY, c.oct]])


def good_enroll(c: Ctx, month: int = 10, town: object = TOWN) -> list[object]:
    return [2023, month, town, *KEY, {9: c.sep, 10: c.oct, 11: c.nov}[month]]


def money(headers: list[str], *rows: list[object], unit: str = "单位:元") -> list[list[object]]:
    return standard(headers, rows, unit)


def x(rows: Callable[[Ctx], list[list[object]]], name: str = "bad.xlsx") -> Build:
    return lambda tmp, c: write_xlsx(tmp / name, rows(c))


def csv_(rows: Callable[[Ctx], list[list[object]]]) -> Build:
    return lambda tmp, c: write_csv(tmp / "bad.csv", rows(c))


def raw(name: str, data: Callable[[Ctx], bytes]) -> Build:
    def build(tmp: Path, c: Ctx) -> Path:
        path = tmp / name
        path.write_bytes(data(c))
        return path

    return build


def xls(rows: Callable[[Ctx], list[list[object]]]) -> Build:
    def build(tmp: Path, c: Ctx) -> Path:
        xlwt = pytest.importorskip("xlwt")
        book = xlwt.Workbook()
        ws = book.add_sheet("数据")
        for r, row in enumerate(rows(c)):
            for j, value in enumerate(row):
                if value is not None:
                    ws.write(r, j, value)
        path = tmp / "bad.xls"
        book.save(str(path))
        return path

    return build


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rezip(data: bytes, edit: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """The package with some parts rewritten (name -> function of the part's bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for name in zin.namelist():
            part = zin.read(name)
            if name in edit:
                part = edit[name](part)
            zout.writestr(name, part, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def wide_sheet(rows: int = 30_000, lying_dimension: bool = False) -> bytes:
    """The issue's hang: the header, then `rows` rows each with a cell in column XFD (~1 MB)."""
    header = "".join(
        f'<c r="{read_guard.column_letter(j + 1)}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for j, h in enumerate(ENROLL_HEADERS)
    )
    body = "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(2, rows + 2))
    dim = "A1:F5" if lying_dimension else f"A1:XFD{rows + 1}"
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{SST_NS}">'
        f'<dimension ref="{dim}"/><sheetData><row r="1">{header}</row>{body}</sheetData>'
        "</worksheet>"
    ).encode()
    return rezip(xlsx_bytes([ENROLL_HEADERS]), {SHEET: lambda _: xml})


def giant_row(repeats: int) -> bytes:
    """One row of 16,384 × `repeats` empty cells (openpyxl holds a row whole: 1.5 GB for 150)."""
    cells = "".join(f'<c r="{read_guard.column_letter(j)}4"/>' for j in range(1, 16_385))
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{SST_NS}"><sheetData>'
        f'<row r="4">{cells * repeats}</row></sheetData></worksheet>'
    ).encode()
    return rezip(xlsx_bytes([ENROLL_HEADERS]), {SHEET: lambda _: xml})


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def with_shared_strings(data: bytes) -> bytes:
    """The package declaring xl/sharedStrings.xml, so that openpyxl would load it (openpyxl writes
    inline strings and no shared-string table)."""
    override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
    return rezip(
        data,
        {"[Content_Types].xml": lambda b: b.replace(b"</Types>", override.encode() + b"</Types>")},
    )


def many_strings(count: int) -> bytes:
    """A shared-string table of `count` distinct short texts (compresses ~8x: no ratio alarm)."""
    texts = "".join(f"<si><t>{i:x}</t></si>" for i in range(count))
    sst = f'<?xml version="1.0"?><sst xmlns="{SST_NS}">{texts}</sst>'.encode()
    package = with_shared_strings(xlsx_bytes([ENROLL_HEADERS]))
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["xl/sharedStrings.xml"] = sst
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, part in parts.items():
            zout.writestr(name, part)
    return out.getvalue()


def many_styles(count: int) -> bytes:
    """styles.xml with `count` distinct cell formats (varied: no compression-ratio alarm)."""
    rng = random.Random(1)
    xfs = "".join(
        f'<xf numFmtId="{rng.randrange(50)}" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        for _ in range(count)
    ).encode()
    return rezip(
        xlsx_bytes([ENROLL_HEADERS]),
        {"xl/styles.xml": lambda b: re.sub(rb"<cellXfs count=\"\d+\">", b"<cellXfs>" + xfs, b)},
    )


def bomb(strings_mb: int = 200) -> bytes:
    """A small .xlsx whose sharedStrings.xml unpacks to `strings_mb` MB (the issue's memory bomb)."""
    base = with_shared_strings(xlsx_bytes([ENROLL_HEADERS, [2023, 10, TOWN, *KEY, 1]]))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as zin, zipfile.ZipFile(out, "w") as zout:
        for name in zin.namelist():
            zout.writestr(name, zin.read(name), compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("xl/sharedStrings.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zout.open(info, "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0"?><sst xmlns="{SST_NS}">'.encode())
            chunk = b"<si><t>" + b"A" * (1 << 20) + b"</t></si>"
            for _ in range(strings_mb):
                part.write(chunk)
            part.write(b"</sst>")
    return out.getvalue()


def truncated_sheet(c: Ctx) -> bytes:
    return rezip(xlsx_bytes(enroll(c)), {SHEET: lambda b: b[: len(b) // 2]})


def with_dtd(c: Ctx) -> bytes:
    laughs = b'<!DOCTYPE lolz [<!ENTITY lol "lol">]>'

    def add(xml: bytes) -> bytes:
        at = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
        return xml[:at] + laughs + xml[at:]

    return rezip(xlsx_bytes(enroll(c)), {SHEET: add})


def formulas(c: Ctx, in_total: bool = False) -> bytes:
    if in_total:
        rows = enroll(c, good_enroll(c), ["合计", None, None, None, None, "=SUM(F4:F4)"])
    else:
        rows = enroll(c, [2023, 10, TOWN, *KEY, "=1+2"], [2023, 11, TOWN, *KEY, "=F4"])
    return xlsx_bytes(rows)  # openpyxl writes formulas without a cached value


def date_serial_beyond_calendar(c: Ctx) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    for row in money(ASSIST_HEADERS, ASSIST_OK):
        ws.append(row)
    ws["A4"] = (
        1e10  # a date-formatted serial far beyond year 9999: openpyxl warns and gives #VALUE!
    )
    ws["A4"].number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


CFB = read_guard.CFB_MAGIC

# --- The corpus --------------------------------------------------------------------------------

# (row, column, message fragment); row None: the whole file.
Expect = list[tuple[int | None, str, str]]


@dataclass(frozen=True)
class Bad:
    kind: str
    build: Build
    expect: Expect
    sheet: str = ""  # "" for whole-file refusals
    limits: tuple[tuple[object, str, object], ...] = ()  # (module, setting, value) for the case


def whole(fragment: str) -> Expect:
    return [(None, "", fragment)]


XLSX_DAMAGED = whole("无法打开该 Excel 文件(.xlsx)")
XLS_DAMAGED = whole("无法打开该 Excel 文件(.xls)")
OUT_OF_RANGE = "数值超出允许范围"

READING: dict[str, Bad] = {
    # Bounded reading (issue: a hang and a memory bomb).
    "bomb_shared_strings": Bad(
        "enrollment", raw("bomb.xlsx", lambda c: bomb(40)), whole("压缩比异常")
    ),
    "unpacked_total_too_large": Bad(
        "enrollment",
        x(lambda c: enroll(c)),
        whole("解压后达"),
        limits=((read_guard, "MAX_UNCOMPRESSED_BYTES", 10_000),),
    ),
    "whole_part_too_large": Bad(
        "enrollment",
        x(lambda c: enroll(c)),
        whole("内部文件 xl/theme/theme1.xml 解压后达"),
        limits=((read_guard, "MAX_WHOLE_PART_BYTES", 5_000),),
    ),
    "too_many_parts": Bad(
        "enrollment",
        raw("bad.xlsx", lambda c: _zip({f"xl/media/p{i}.xml": b"<a/>" for i in range(2_001)})),
        whole("含有 2,001 个内部文件,超过上限 2,000 个"),
    ),
    "dtd_entities": Bad("enrollment", raw("bad.xlsx", with_dtd), whole("文档类型定义(DTD)")),
    "wide_sheet_xfd": Bad(
        "enrollment", raw("wide.xlsx", lambda c: wide_sheet()), whole("第 16,384 列(XFD 列)")
    ),
    "wide_sheet_lying_dimension": Bad(
        "enrollment",
        raw("wide.xlsx", lambda c: wide_sheet(3_000, lying_dimension=True)),
        whole("(XFD 列),超过上限 256 列"),
    ),
    "too_many_shared_strings": Bad(
        "enrollment",
        raw("bad.xlsx", lambda c: many_strings(1_001)),
        whole("共享文本超过 1,000 条"),
        limits=((read_guard, "MAX_SHARED_STRINGS", 1_000),),
    ),
    "too_many_styles": Bad(
        "enrollment",
        raw("bad.xlsx", lambda c: many_styles(40_000)),
        whole("单元格格式超过 32,000 种"),
    ),
    "giant_row": Bad(
        "enrollment",
        raw("bad.xlsx", lambda c: giant_row(2)),
        whole("一行中单元格超过 16,384 个(Excel 本身的上限)"),
    ),
    "too_many_cells": Bad(
        "enrollment",
        x(lambda c: enroll(c, *[good_enroll(c)] * 5)),
        whole("单元格数超过上限 20 个"),
        limits=((read_guard, "MAX_CELLS", 20),),
    ),
    "read_time_limit": Bad(
        "enrollment",
        x(lambda c: enroll(c)),
        whole("读取文件超过 0 秒仍未完成"),
        limits=((read_guard, "MAX_READ_SECONDS", 0.0),),
    ),
    "xlsx_rows_beyond_limit_without_dimension": Bad(
        "enrollment",
        raw(
            "bad.xlsx",
            lambda c: rezip(
                xlsx_bytes(enroll(c)),
                {
                    SHEET: lambda b: re.sub(rb"<dimension[^>]*/>", b"", b).replace(
                        b'r="4"', b'r="90"'
                    )
                },
            ),
        ),
        whole("超过上限 50 行"),
        limits=((load_specs, "MAX_ROWS", 50),),
    ),
    "file_too_large": Bad(
        "enrollment",
        x(lambda c: enroll(c)),
        whole("文件过大"),
        limits=((load_specs, "MAX_FILE_BYTES", 1000),),
    ),
    "csv_rows_cr_only_beyond_limit": Bad(
        "enrollment",
        raw(
            "bad.csv",
            lambda c: "\r".join(
                ",".join(map(str, r)) for r in enroll(c, *[good_enroll(c)] * 9)
            ).encode(),
        ),
        whole("超过上限 5 行"),
        limits=((load_specs, "MAX_ROWS", 5),),
    ),
    # Damaged packages (issue: ParseError, CompDocError tracebacks).
    "truncated_sheet_xml": Bad("enrollment", raw("bad.xlsx", truncated_sheet), XLSX_DAMAGED),
    "truncated_zip": Bad(
        "enrollment", raw("bad.xlsx", lambda c: xlsx_bytes(enroll(c))[:3000]), XLSX_DAMAGED
    ),
    "not_a_zip": Bad(
        "enrollment", raw("bad.xlsx", lambda c: b"not a zip at all" * 50), XLSX_DAMAGED
    ),
    "empty_xlsx": Bad("enrollment", raw("bad.xlsx", lambda c: b""), XLSX_DAMAGED),
    "zip_without_workbook": Bad(
        "enrollment",
        raw("bad.xlsx", lambda c: _zip({"a.txt": b"hello"})),
        XLSX_DAMAGED,
    ),
    "workbook_xml_garbage": Bad(
        "enrollment",
        raw(
            "bad.xlsx",
            lambda c: rezip(xlsx_bytes(enroll(c)), {"xl/workbook.xml": lambda b: b"<<<"}),
        ),
        XLSX_DAMAGED,
    ),
    "shared_string_index_out_of_range": Bad(
        "enrollment",
        raw(
            "bad.xlsx",
            lambda c: rezip(
                xlsx_bytes(enroll(c)),
                {
                    SHEET: lambda b: b.replace(b"<v>2023</v>", b"<v>99999</v>").replace(
                        b'r="A4"', b'r="A4" t="s"'
                    )
                },
            ),
        ),
        XLSX_DAMAGED,
    ),
    "encrypted_or_cfb_as_xlsx": Bad(
        "enrollment", raw("bad.xlsx", lambda c: CFB + b"\x00" * 1000), whole("设有打开密码")
    ),
    "junk_xls_compdoc": Bad(
        "enrollment", raw("bad.xls", lambda c: CFB + b"\xff" * 2000), XLS_DAMAGED
    ),
    "text_as_xls": Bad(
        "enrollment", raw("bad.xls", lambda c: "年度,月份\n".encode() * 40), XLS_DAMAGED
    ),
    "empty_xls": Bad("enrollment", raw("bad.xls", lambda c: b""), XLS_DAMAGED),
    "html_as_xls": Bad(
        "enrollment",
        raw(
            "bad.xls",
            lambda c: "<html><body><table><tr><td>年度</td></tr></table></body></html>".encode(),
        ),
        whole("网页(HTML)格式"),
    ),
    "xls_too_wide": Bad(
        "enrollment",
        xls(lambda c: enroll(c)),
        whole("超过上限 3 列"),
        limits=((read_guard, "MAX_COLUMNS", 3),),
    ),
    "unsupported_type": Bad(
        "enrollment", raw("bad.pdf", lambda c: b"%PDF-1.4"), whole("不支持的文件类型“.pdf”")
    ),
    "no_extension": Bad("enrollment", raw("bad", lambda c: b"abc"), whole("(无扩展名)")),
    # Formulas written by a program and never calculated (issue: "必填项为空" on every row).
    "formulas_without_values": Bad(
        "enrollment",
        raw("bad.xlsx", formulas),
        whole("第4行“参保人数”列等 2 个单元格:公式没有计算结果,请在 Excel 中打开并保存后再上传"),
    ),
    "formula_total_without_value": Bad(
        "enrollment",
        raw("bad.xlsx", lambda c: formulas(c, in_total=True)),
        whole("公式没有计算结果"),
    ),
    # CSV.
    "csv_unknown_encoding": Bad(
        "enrollment",
        raw("bad.csv", lambda c: b"\xff\xfe\xff" * 30),
        whole("无法识别 CSV 文件的编码"),
    ),
    "csv_endless_field": Bad(
        "enrollment",
        raw("bad.csv", lambda c: ('年度,月份\n"' + "x" * 300_000 + "\n").encode()),
        whole("CSV 文件第2行格式不正确"),
    ),
    "csv_too_wide": Bad(
        "enrollment",
        csv_(lambda c: enroll(c, [*good_enroll(c), *(["备注"] * 300)])),
        whole("第 306 列(KT 列),超过上限 256 列"),
    ),
    # Control characters (issue: the problem report crashed with IllegalCharacterError).
    "nul_in_csv_cell": Bad(
        "enrollment",
        csv_(lambda c: enroll(c, good_enroll(c, town="莲塘\x00镇"))),
        [(4, "乡镇", "“莲塘\\x00镇”含有不可见的控制字符")],
        sheet="bad",
    ),
    "control_chars_in_xls_cell": Bad(
        "fund",
        xls(lambda c: money(FUND_HEADERS, [*FUND_OK[:4], "住院\x01费用\x1b", *FUND_OK[5:]])),
        [(4, "项目", "“住院\\x01费用\\x1b”含有不可见的控制字符")],
        sheet="数据",
    ),
    "control_char_in_header_named_visibly": Bad(
        "enrollment",
        csv_(
            lambda c: [
                ["年度", "月份", "乡镇", "险种", "人群类别", "参保\x1f人数"],
                [2023, 10, TOWN, *KEY, "两万"],
            ]
        ),
        [(2, "参保\\x1f人数", "“两万”不是数字")],
        sheet="bad",
    ),
}


RANGES: dict[str, Bad] = {
    # Values beyond their column (issue: a database error masked as "意外错误").
    "case_id_1e20": Bad(
        "drg",
        x(lambda c: money(DRG_HEADERS, [1e20, *DRG_OK[1:]])),
        [(4, "病例号", OUT_OF_RANGE)],
        sheet="数据",
    ),
    "case_id_beyond_bigint_in_csv": Bad(
        "drg",
        csv_(lambda c: money(DRG_HEADERS, [str(2**63), *DRG_OK[1:]])),
        [(4, "病例号", OUT_OF_RANGE)],
        sheet="bad",
    ),
    "drg_weight_beyond_precision": Bad(
        "drg",
        x(lambda c: money(DRG_HEADERS, [*DRG_OK[:5], 12_345.6, *DRG_OK[6:]])),
        [(4, "权重", "绝对值应小于 10,000")],
        sheet="数据",
    ),
    "drg_cost_beyond_decimal_12_2": Bad(
        "drg",
        x(lambda c: money(DRG_HEADERS, [*DRG_OK[:7], 1e10, 8000])),
        [(4, "住院总费用", "绝对值应小于 10,000,000,000 元")],
        sheet="数据",
    ),
    "assistance_amount_rounds_beyond_decimal": Bad(
        "assistance",
        x(lambda c: money(ASSIST_HEADERS, [*ASSIST_OK[:5], 9_999_999_999.999, "k1"])),
        [(4, "金额", OUT_OF_RANGE)],
        sheet="数据",
    ),
    "fund_amount_beyond_decimal_16_2": Bad(
        "fund",
        x(lambda c: money(FUND_HEADERS, [*FUND_OK[:5], 1e14, 12])),
        [(4, "金额", "绝对值应小于 100,000,000,000,000 元")],
        sheet="数据",
    ),
    "fund_amount_in_wan_yuan_beyond_after_scaling": Bad(
        "fund",
        x(lambda c: money(FUND_HEADERS, [*FUND_OK[:5], 20_000_000_000, 12], unit="单位:万元")),
        [(4, "金额", "填写的是 200,000,000,000,000.00元")],
        sheet="数据",
    ),
    "fund_person_times_beyond_integer": Bad(
        "fund",
        x(lambda c: money(FUND_HEADERS, [*FUND_OK[:6], 2**31])),
        [(4, "结算人次", "应在 -2,147,483,648 至 2,147,483,647 之间")],
        sheet="数据",
    ),
    "enrolled_beyond_integer": Bad(
        "enrollment",
        x(lambda c: enroll(c, [2023, 10, TOWN, *KEY, 3_000_000_000])),
        [(4, "参保人数", OUT_OF_RANGE)],
        sheet="数据",
    ),
    "target_beyond_integer": Bad(
        "targets",
        x(lambda c: standard(TARGET_HEADERS, [[2023, TOWN, "城乡居民医保", 5e9]])),
        [(4, "参保任务数", OUT_OF_RANGE)],
        sheet="数据",
    ),
    "population_beyond_integer": Bad(
        "population",
        x(lambda c: standard(POP_HEADERS, [[2023, TOWN, 2**31, 1, 1]])),
        [(4, "户籍人口", OUT_OF_RANGE)],
        sheet="数据",
    ),
    "procurement_volume_beyond_bigint": Bad(
        "procurement",
        x(lambda c: standard(PROC_HEADERS, [[*PROC_OK[:4], 1e19]], "单位:盒")),
        [(4, "采购量", OUT_OF_RANGE)],
        sheet="数据",
    ),
    "date_serial_beyond_calendar": Bad(
        "assistance",
        raw("bad.xlsx", date_serial_beyond_calendar),
        [(4, "支付日期", "“#VALUE!”不是有效日期")],
        sheet="数据",
    ),
    "error_cell_in_number": Bad(
        "enrollment",
        raw(
            "bad.xlsx",
            lambda c: rezip(
                xlsx_bytes(enroll(c, [2023, 10, TOWN, *KEY, 1])),
                {
                    SHEET: lambda b: b.replace(
                        b'<c r="F4" t="n"><v>1</v>', b'<c r="F4" t="e"><v>#DIV/0!</v>'
                    )
                },
            ),
        ),
        [(4, "参保人数", "“#DIV/0!”不是数字")],
        sheet="数据",
    ),
    "person_key_too_long": Bad(
        "assistance",
        x(lambda c: money(ASSIST_HEADERS, [*ASSIST_OK[:6], "k" * 17])),
        [(4, "人员标识", "内容过长(最多 16 个字符)")],
        sheet="数据",
    ),
}

VALIDATOR: dict[str, Bad] = {
    # One file per rule of data_sources.validate, in .xlsx unless the name says otherwise.
    "unknown_township": Bad(
        "enrollment",
        x(lambda c: enroll(c, good_enroll(c, town="不存在镇"))),
        [(4, "乡镇", "未知乡镇“不存在镇”")],
        "数据",
    ),
    "text_in_number_xls": Bad(
        "enrollment",
        xls(lambda c: enroll(c, [2023, 10, TOWN, *KEY, "两万"])),
        [(4, "参保人数", "“两万”不是数字")],
        "数据",
    ),
    "not_integer_csv": Bad(
        "enrollment",
        csv_(lambda c: enroll(c, [2023, 10, TOWN, *KEY, 12.5])),
        [(4, "参保人数", "应为整数")],
        "bad",
    ),
    "negative_amount": Bad(
        "fund",
        x(lambda c: money(FUND_HEADERS, [*FUND_OK[:5], -100, 3])),
        [(4, "金额", "不能为负数")],
        "数据",
    ),
    "month_13": Bad(
        "enrollment",
        x(lambda c: enroll(c, [2023, 13, TOWN, *KEY, c.oct])),
        [(4, "月份", "应在1到12之间")],
        "数据",
    ),
    "bad_year": Bad(
        "fund",
        x(lambda c: money(FUND_HEADERS, [23, *FUND_OK[1:]])),
        [(4, "年度", "应为四位年份")],
        "数据",
    ),
    "date_outside_year": Bad(
        "assistance",
        x(lambda c: money(ASSIST_HEADERS, ["2022-12-31", *ASSIST_OK[1:]])),
        [(4, "支付日期", "不在2023年度内")],
        "数据",
    ),
    "invalid_date_csv": Bad(
        "assistance",
        csv_(lambda c: money(ASSIST_HEADERS, ["2023-02-30", *ASSIST_OK[1:]])),
        [(4, "支付日期", "不是有效日期")],
        "bad",
    ),
    "future_date": Bad(
        "assistance",
        x(lambda c: money(ASSIST_HEADERS, ["2099-01-05", 2099, *ASSIST_OK[2:]])),
        # The year itself is also outside the data's sensible range (settings.YEAR_RANGE).
        [(4, "年度", "超出合理范围"), (4, "支付日期", "晚于今天")],
        "数据",
    ),
    "duplicate_key": Bad(
        "enrollment",
        x(lambda c: enroll(c, good_enroll(c), good_enroll(c))),
        [(5, "年度、月份、乡镇、险种、人群类别", "与第4行重复")],
        "数据",
    ),
    "cumulative_falls_in_file": Bad(
        "enrollment",
        x(lambda c: enroll(c, good_enroll(c, 10), [2023, 11, TOWN, *KEY, c.oct - 5])),
        [(5, "参保人数", "累计数不应下降:2023年11月")],
        "数据",
    ),
    "cumulative_falls_vs_warehouse": Bad(
        "enrollment",
        x(lambda c: enroll(c, [2023, 10, TOWN, *KEY, c.sep - 1])),
        [(4, "参保人数", "低于数据仓库中2023年9月")],
        "数据",
    ),
    "cumulative_above_next_month": Bad(
        "enrollment",
        x(lambda c: enroll(c, [2023, 10, TOWN, *KEY, c.nov + 1])),
        [(4, "参保人数", "高于数据仓库中2023年11月")],
        "数据",
    ),
    "total_mismatch": Bad(
        "enrollment",
        x(lambda c: enroll(c, good_enroll(c), ["合计", None, None, None, None, c.oct + 1])),
        [(5, "参保人数", "与第4至4行明细之和")],
        "数据",
    ),
    "total_under_header_mismatch": Bad(
        "enrollment",
        x(
            lambda c: enroll(
                c, ["合计", None, None, None, None, c.oct + 1], good_enroll(c), good_enroll(c, 11)
            )
        ),
        [(4, "参保人数", "与第5至6行明细之和")],
        "数据",
    ),
    "subtotal_mismatch": Bad(
        "fund",
        x(lambda c: money(FUND_HEADERS, FUND_OK, ["小计", None, None, None, None, 999, 12])),
        [(5, "金额", "与第4至4行明细之和 1,000.5 不一致")],
        "数据",
    ),
    "total_not_a_number": Bad(
        "enrollment",
        x(lambda c: enroll(c, good_enroll(c), ["合计", None, None, None, None, "很多"])),
        [(5, "参保人数", "合计行的“很多”不是数字")],
        "数据",
    ),
    "unknown_code": Bad(
        "enrollment",
        x(lambda c: enroll(c, [2023, 10, TOWN, "新农合", "学生儿童", c.oct])),
        [(4, "险种", "“新农合”不是有效的险种")],
        "数据",
    ),
    "item_of_other_flow": Bad(
        "fund",
        x(lambda c: money(FUND_HEADERS, [*FUND_OK[:3], "基金收入", *FUND_OK[4:]])),
        [(4, "项目", "不属于基金收入")],
        "数据",
    ),
    "empty_required": Bad(
        "enrollment",
        x(lambda c: enroll(c, [2023, 10, None, *KEY, c.oct])),
        [(4, "乡镇", "必填项为空")],
        "数据",
    ),
    "missing_column": Bad(
        "enrollment",
        x(lambda c: standard(ENROLL_HEADERS[:5], [[2023, 10, TOWN, *KEY]])),
        [(3, "参保人数", "缺少必填列")],
        "数据",
    ),
    "wrong_kind": Bad(
        "enrollment",
        x(lambda c: money(FUND_HEADERS, FUND_OK)),
        whole("找不到“参保人数(月度累计)”的表头"),
    ),
    "unknown_institution": Bad(
        "procurement",
        x(lambda c: standard(PROC_HEADERS, [[*PROC_OK[:3], "H999", 10]], "单位:盒")),
        [(4, "机构编码", "未在系统中登记")],
        "数据",
    ),
    "unknown_product": Bad(
        "procurement",
        x(lambda c: standard(PROC_HEADERS, [[2023, 10, "XX-01", *PROC_OK[3:]]], "单位:盒")),
        [(4, "产品编码", "不是已登记的集采中选产品")],
        "数据",
    ),
    "drg_case_in_other_month": Bad(
        "drg",
        x(lambda c: money(DRG_HEADERS, [1, *DRG_OK[1:]])),
        [(4, "病例号", "已作为2022年1月的病例导入过")],
        "数据",
    ),
    "drg_unknown_group": Bad(
        "drg",
        x(lambda c: money(DRG_HEADERS, [*DRG_OK[:4], "ZZ99", *DRG_OK[5:]])),
        [(4, "DRG组", "不是已登记的DRG分组")],
        "数据",
    ),
    "no_data_rows": Bad(
        "enrollment", x(lambda c: standard(ENROLL_HEADERS, [])), whole("没有数据行"), "数据"
    ),
    "every_problem_at_once_csv": Bad(
        "enrollment",
        csv_(
            lambda c: enroll(
                c,
                [2023, 10, "不存在镇", *KEY, 1],
                [2023, 0, TOWN, *KEY, 1],
                [2023, 10, TOWN, "城镇职工医保", "外星人", -3],
            )
        ),
        [
            (4, "乡镇", "未知乡镇"),
            (5, "月份", "应在1到12之间"),
            (6, "人群类别", "不是有效的人群类别"),
            (6, "参保人数", "不能为负数"),
        ],
        "bad",
    ),
}

CORPUS: dict[str, Bad] = {**READING, **RANGES, **VALIDATOR}


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 60, len(CORPUS)


def _apply(case: Bad, monkeypatch: pytest.MonkeyPatch) -> None:
    for module, setting, value in case.limits:
        monkeypatch.setattr(module, setting, value)


@pytest.mark.parametrize("name", list(CORPUS))
def test_bad_file_is_refused_by_load_and_cli(
    shared_warehouse: Engine,
    ctx: Ctx,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    case = CORPUS[name]
    path = case.build(tmp_path, ctx)
    _apply(case, monkeypatch)
    before = warehouse_state(shared_warehouse)

    result = load_file(shared_warehouse, path, case.kind, user="tester")

    assert not result.ok and result.rows == 0
    got = [(p.row, p.column, p.message) for p in result.problems]
    for row, column, fragment in case.expect:
        assert any(r == row and c == column and fragment in m for r, c, m in got), (
            f"expected ({row}, {column}, …{fragment}…) among {got}"
        )
    assert len(got) == len(case.expect), got
    assert all(p.sheet == case.sheet for p in result.problems), result.problems
    for p in result.problems:
        assert re.search(r"[\u4e00-\u9fff]", p.message), p.message
        assert not read_guard.CONTROL_RE.search(p.text()), p.text()
    # The problem report opens and says the same (no IllegalCharacterError on any input).
    report = load_workbook(io.BytesIO(problems_xlsx(result.problems))).active
    assert [r[3] for r in report.iter_rows(min_row=3, values_only=True)] == [
        p.message for p in result.problems
    ]

    # The command line: exit code 1, the same messages, the report written, no traceback.
    url = shared_warehouse.url.render_as_string(hide_password=False)
    report_path = tmp_path / "问题清单.xlsx"
    code = load.main([str(path), "--kind", case.kind, "--url", url, "--report", str(report_path)])
    out = capsys.readouterr()
    assert code != 0, out
    assert not ENGLISH_TRACE.search(out.err + out.out), out
    assert f"发现 {len(got)} 个问题" in out.err
    assert all(fragment in out.err for _, _, fragment in case.expect), out.err
    assert report_path.read_bytes()[:2] == b"PK"

    assert warehouse_state(shared_warehouse) == before


ENGLISH_TRACE = re.compile(r"Traceback|\w+Warning\b|\w+Error\b|Exception")

CLI_CASES = [
    "bomb_shared_strings",
    "truncated_sheet_xml",
    "junk_xls_compdoc",
    "case_id_1e20",
    "date_serial_beyond_calendar",  # openpyxl warns: no English on stderr
]


def test_real_command_line_prints_no_traceback(
    demo_duckdb_path: Path, ctx: Ctx, tmp_path: Path
) -> None:
    """`python -m data_sources.load` as staff run it, on a few of the hostile files."""
    import shutil

    from data_sources.config import demo_url

    own = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    for name in CLI_CASES:
        case = CORPUS[name]
        path = case.build(tmp_path, ctx)
        argv = [str(path), "--kind", case.kind, "--url", demo_url(own)]
        run = subprocess.run(
            [sys.executable, "-m", "data_sources.load", *argv],
            capture_output=True,
            text=True,
            cwd=PROJECT_ROOT,
            timeout=120,
        )
        assert run.returncode != 0, (name, run.stdout, run.stderr)
        assert not ENGLISH_TRACE.search(run.stdout + run.stderr), (name, run.stderr)
        assert case.expect[0][2] in run.stderr, (name, run.stderr)


# --- Awkward files that must load --------------------------------------------------------------


def check(engine: Engine, path: Path, kind: str) -> tuple[reader.Table, object]:
    s = spec(kind)
    table = reader.read(path, s, file_name=path.name)
    with engine.connect() as conn:
        typed, problems = validate(conn, table, s)
    assert problems == [], [p.text() for p in problems]
    return table, typed


def other_value(c: Ctx) -> int:
    """A 2023-10 value that keeps the cumulative count between September and November but differs
    from the demo's, so that a load which did not happen cannot pass."""
    value = c.sep if c.sep != c.oct else c.nov
    assert value != c.oct and c.sep <= value <= c.nov
    return value


def stored_enrolled(engine: Engine) -> list[int]:
    f = frame(
        engine,
        "SELECT enrolled FROM enrollment WHERE year = 2023 AND month = 10 "
        "AND township_code = '360121100' AND scheme = 'resident' AND person_group = 'student'",
    )
    return [int(v) for v in f.enrolled]


@pytest.mark.parametrize("ends", [("\r", "\r", "\r"), ("\r\n", "\r", "\n")], ids=["cr", "mixed"])
def test_csv_with_old_mac_or_mixed_line_endings_loads(
    warehouse: Engine, ctx: Ctx, tmp_path: Path, ends: tuple[str, str, str]
) -> None:
    value = other_value(ctx)
    lines = ["参保人数导入", ",".join(ENROLL_HEADERS), f"2023,10,{TOWN},{','.join(KEY)},{value}"]
    text = "".join(line + end for line, end in zip(lines, ends, strict=True))
    path = tmp_path / "mac.csv"
    path.write_bytes(text.encode("gbk"))

    result = load_file(warehouse, path, "enrollment", user="tester")

    assert result.ok, [p.text() for p in result.problems]
    assert result.rows == 1
    assert stored_enrolled(warehouse) == [value]


def test_total_directly_under_header_is_checked_against_rows_below_then_dropped(
    warehouse: Engine, ctx: Ctx, tmp_path: Path
) -> None:
    rows = enroll(
        ctx,
        ["合计", None, None, None, None, ctx.oct + ctx.nov],
        good_enroll(ctx, 10),
        good_enroll(ctx, 11),
    )
    path = write_xlsx(tmp_path / "top_total.xlsx", rows)
    table, typed = check(warehouse, path, "enrollment")
    assert [t.row for t in table.totals] == [4]
    assert list(typed.index) == [5, 6]
    assert list(typed["enrolled"]) == [ctx.oct, ctx.nov]

    result = load_file(warehouse, path, "enrollment", user="tester")
    assert result.ok, [p.text() for p in result.problems]
    assert result.rows == 2  # the 合计 row is not loaded


def test_workbook_renamed_to_xls_and_stray_formula_outside_the_columns(
    shared_warehouse: Engine, ctx: Ctx, tmp_path: Path
) -> None:
    renamed = tmp_path / "renamed.xls"
    renamed.write_bytes(xlsx_bytes(enroll(ctx, good_enroll(ctx))))
    _, typed = check(shared_warehouse, renamed, "enrollment")
    assert list(typed["enrolled"]) == [ctx.oct]

    # A formula without a value in a notes column, and an empty formatted cell far to the right.
    wb = Workbook()
    ws = wb.active
    for row in enroll(ctx, [*good_enroll(ctx), None, "=A4&B4"]):
        ws.append(row)
    ws.cell(row=4, column=400).number_format = "0.00"
    path = tmp_path / "notes.xlsx"
    wb.save(path)
    _, typed = check(shared_warehouse, path, "enrollment")
    assert list(typed["enrolled"]) == [ctx.oct]

    # Saved by Excel: a number formula with its value, and one whose result is empty text.
    cached = rezip(
        xlsx_bytes(enroll(ctx, [*good_enroll(ctx)[:5], 1, "x"])),
        {
            SHEET: lambda b: b.replace(
                b'<c r="F4" t="n"><v>1</v></c>',
                f'<c r="F4"><f>1+2</f><v>{ctx.oct}</v></c>'.encode(),
            ).replace(
                b'<c r="G4" t="inlineStr"><is><t>x</t></is></c>',
                b'<c r="G4" t="str"><f>""</f><v></v></c>',
            )
        },
    )
    xml = zipfile.ZipFile(io.BytesIO(cached)).read(SHEET)
    assert b"<f>1+2</f>" in xml and b'<f>""</f>' in xml  # the edit took
    path = tmp_path / "cached.xlsx"
    path.write_bytes(cached)
    _, typed = check(shared_warehouse, path, "enrollment")
    assert list(typed["enrolled"]) == [ctx.oct]


def test_control_characters_are_visible_in_messages_and_the_report(
    shared_warehouse: Engine, ctx: Ctx, tmp_path: Path
) -> None:
    digits = str(ctx.oct)
    cell = f"{digits[:2]}\x00{digits[2:]}"  # the count itself is right once the NUL is removed
    path = write_csv(tmp_path / "nul.csv", enroll(ctx, [2023, 10, TOWN, *KEY, cell]))
    result = load_file(shared_warehouse, path, "enrollment", user="tester")
    shown = f"{digits[:2]}\\x00{digits[2:]}"
    assert [p.text() for p in result.problems] == [
        f"nul 第4行 “参保人数”列:“{shown}”含有不可见的控制字符(如 \\x00),请删除后重新导入。"
    ]
    ws = load_workbook(io.BytesIO(problems_xlsx(result.problems))).active
    assert ws.cell(row=3, column=4).value == result.problems[0].message


# --- Memory and time bound ----------------------------------------------------------------------

BOUND_SCRIPT = """
import json, sys, time
from data_sources import reader
from data_sources.load_specs import spec
start = time.monotonic()
try:
    reader.read(sys.argv[1], spec("enrollment"), file_name=sys.argv[1])
    message = None
except reader.ReadError as exc:
    message = exc.message
# The peak of this process image: ru_maxrss would keep the forking parent's (pytest's) peak.
with open("/proc/self/status") as status:
    hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"message": message, "seconds": time.monotonic() - start, "rss_mb": hwm / 1024}))
"""

MAX_RSS_MB = 300  # the whole child process (Python, pandas, SQLAlchemy, openpyxl) included
# (peak memory is read from /proc: Linux, as the deployment)
MAX_SECONDS = 10


@pytest.mark.parametrize(
    ("name", "build", "fragment"),
    [
        ("bomb.xlsx", lambda: bomb(300), "压缩比异常"),
        ("wide.xlsx", lambda: wide_sheet(30_000), "XFD 列"),
        ("wide_lying.xlsx", lambda: wide_sheet(30_000, lying_dimension=True), "XFD 列"),
        ("giant_row.xlsx", lambda: giant_row(40), "Excel 本身的上限"),
        ("strings.xlsx", lambda: many_strings(1_500_000), "共享文本超过 750,000 条"),
        ("styles.xlsx", lambda: many_styles(300_000), "单元格格式超过 32,000 种"),
    ],
    ids=[
        "bomb_300MB_shared_strings",
        "wide_30000_rows_xfd",
        "wide_lying_dimension",
        "giant_row",
        "1500000_distinct_strings",
        "300000_styles",
    ],
)
def test_bomb_and_wide_sheet_are_refused_in_bounded_memory_and_time(
    tmp_path: Path, name: str, build: Callable[[], bytes], fragment: str
) -> None:
    path = tmp_path / name
    path.write_bytes(build())
    run = subprocess.run(
        [sys.executable, "-c", BOUND_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["message"] and fragment in got["message"], got
    assert got["rss_mb"] < MAX_RSS_MB, got
    assert got["seconds"] < MAX_SECONDS, got


# --- The import page, given hostile uploads -----------------------------------------------------


@pytest.fixture(scope="module")
def page_warehouse(
    demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    import shutil

    from data_sources.config import demo_url
    from metrics import service

    own = tmp_path_factory.mktemp("corpus_page") / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    url = demo_url(own)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", url)
        yield url
    service.get_engine(url).dispose()


def _upload(at, kind: str, name: str, data: bytes):
    at.selectbox(key="imp_kind").select(kind).run()
    at.file_uploader(key=f"imp_file_{kind}").set_value((name, data, "application/octet-stream"))
    return at.run()


def test_import_page_shows_chinese_errors_for_hostile_uploads(
    page_warehouse: str, ctx: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .test_import_page import open_import_page

    at = open_import_page()
    for name, data, fragment in [
        ("bomb.xlsx", bomb(40), "压缩比异常"),
        ("truncated.xlsx", truncated_sheet(ctx), "无法打开该 Excel 文件(.xlsx)"),
        ("junk.xls", CFB + b"\xff" * 2000, "无法打开该 Excel 文件(.xls)"),
        ("wide.xlsx", wide_sheet(3_000), "XFD 列"),
        ("formulas.xlsx", formulas(ctx), "公式没有计算结果"),
    ]:
        at = _upload(at, "enrollment", name, data)
        assert not at.exception, (name, [e.value for e in at.exception])
        assert any(fragment in e.value for e in at.error), (name, [e.value for e in at.error])

    # Problems found in validation (a NUL byte; a case id beyond BIGINT): listed, with a report.
    nul = io.StringIO()
    csv_rows = enroll(ctx, good_enroll(ctx, town="莲塘\x00镇"))
    nul.write("\n".join(",".join("" if v is None else str(v) for v in r) for r in csv_rows))
    at = _upload(at, "enrollment", "nul.csv", nul.getvalue().encode("utf-8"))
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("发现 1 个问题" in e.value for e in at.error), [e.value for e in at.error]
    shown = at.dataframe[-1].value
    assert "“莲塘\\x00镇”含有不可见的控制字符" in shown["问题说明"].iloc[0]
    assert "下载问题清单(.xlsx)" in [b.proto.label for b in at.get("download_button")]

    drg = xlsx_bytes(money(DRG_HEADERS, [1e20, *DRG_OK[1:]]))
    at = _upload(at, "drg", "drg.xlsx", drg)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = at.dataframe[-1].value
    assert list(shown["列"]) == ["病例号"]
    assert OUT_OF_RANGE in shown["问题说明"].iloc[0]

    # The warehouse's own refusal (range check off): its message, not "意外错误" or a traceback.
    from data_sources import ranges

    monkeypatch.setattr(ranges, "out_of_range", lambda *args: [])
    fund = xlsx_bytes(money(FUND_HEADERS, [*FUND_OK[:6], 3_000_000_000]))
    at = _upload(at, "fund", "fund.xlsx", fund)
    at.button[0].click().run()  # the plan: nothing is written yet
    assert not at.exception and not at.error, [e.value for e in at.error]
    # 3,000,000,000元 is far above the slice's last month: a plausibility reminder to confirm.
    at.checkbox(key="imp_accept").check().run()
    at.button(key="imp_confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [
        "写入“基金收支台账(月度)”时数据仓库拒绝了数据(有数值超出允许范围),未作修改。"
        "请核对文件中的数值后重新导入。"
    ]


# --- The database's own refusal: the safety net behind the range check --------------------------


def test_column_ranges_follow_the_schema() -> None:
    from data_sources import ranges
    from data_sources.schema import assistance, drg_case, enrollment, fund_ledger

    assert ranges.column_range(fund_ledger.c.amount) == ranges.Range(bound=10**14, decimals=2)
    assert ranges.column_range(drg_case.c.weight) == ranges.Range(bound=10**4, decimals=4)
    assert ranges.column_range(enrollment.c.enrolled) == ranges.Range(bound=2**31)
    assert ranges.column_range(enrollment.c.year) == ranges.Range(bound=2**15)
    assert ranges.column_range(drg_case.c.case_id) == ranges.Range(bound=2**63)
    assert ranges.column_range(assistance.c.person_key) == ranges.Range(length=16)
    assert ranges.column_range(assistance.c.pay_date) is None
    money12 = ranges.column_range(assistance.c.amount)
    assert ranges._fits(9_999_999_999.99, money12)
    assert not ranges._fits(9_999_999_999.995, money12)  # rounds to 10^10 cents-wise
    # 16 significant digits: PostgreSQL would receive 10^14 (DuckDB and MariaDB 99,999,999,999,999.98).
    assert not ranges._fits(99_999_999_999_999.98, ranges.column_range(fund_ledger.c.amount))
    assert not ranges._fits(-1e10, money12)
    assert not ranges._fits(float("inf"), money12) and not ranges._fits(float("nan"), money12)
    count = ranges.column_range(enrollment.c.enrolled)
    assert ranges._fits(2_147_483_647, count) and ranges._fits(-2_147_483_648, count)
    assert not ranges._fits(2_147_483_648, count)


# For each checked kind of column: the largest value the range check lets through and the smallest
# it refuses. Every engine must store the first and refuse the second, so the check and the
# engines agree.
EDGES = [
    # Numeric(16, 2): the largest float with 15 significant digits (see ranges._fits).
    ("amount", 99_999_999_999_999.9, 1e14),
    ("person_times", 2**31 - 1, 2**31),  # Integer
]


@pytest.mark.parametrize("engine_url", ["duckdb", "pg_url", "mariadb_url"])
def test_insert_error_is_one_chinese_message_and_rolls_back(
    request: pytest.FixtureRequest, tmp_path: Path, engine_url: str
) -> None:
    from sqlalchemy import MetaData, delete

    from data_sources import ranges
    from data_sources.engine import create_warehouse_engine
    from data_sources.schema import fund_ledger
    from data_sources.writer import InsertError, insert_frame

    url = f"duckdb:///{tmp_path / 'w.duckdb'}" if engine_url == "duckdb" else None
    engine = create_warehouse_engine(url or request.getfixturevalue(engine_url))
    md = MetaData()
    tbl = fund_ledger.to_metadata(md, name="corpus_fund_ledger")
    md.drop_all(engine)
    md.create_all(engine)
    kept = {"year": 2023, "month": 10, "scheme": "resident", "flow": "spending", "item": "x"}
    kept |= {"amount": 1.5, "person_times": 1}
    try:
        with engine.begin() as conn:
            insert_frame(conn, tbl, pd.DataFrame([kept]))
        rows = [("x", 1)]
        for n, (column, largest, refused) in enumerate(EDGES):
            r = ranges.column_range(tbl.c[column])
            assert ranges._fits(largest, r) and not ranges._fits(refused, r)
            bad = pd.DataFrame([{**kept, "item": "y", column: refused}])
            with pytest.raises(InsertError) as caught, engine.begin() as conn:
                conn.execute(delete(tbl))  # half way: the earlier rows are gone in here
                insert_frame(conn, tbl, bad)
            assert "数据仓库拒绝了数据(有数值超出允许范围),未作修改" in caught.value.message
            # The driver's own error, not DuckDB's "transaction is aborted" of the cleanup.
            assert "aborted" not in str(caught.value.__cause__).lower()
            with engine.connect() as conn:
                got = conn.execute(select(tbl.c.item, tbl.c.person_times).order_by(tbl.c.item))
                assert got.all() == rows
            with engine.begin() as conn:
                insert_frame(conn, tbl, pd.DataFrame([{**kept, "item": f"z{n}", column: largest}]))
                stored = conn.execute(select(tbl.c[column]).where(tbl.c.item == f"z{n}")).scalar()
            assert float(stored) == pytest.approx(largest, abs=0.011)
            rows.append((f"z{n}", largest if column == "person_times" else 1))
        # A key already stored (outside what a load replaced): its own message, nothing written.
        with pytest.raises(InsertError) as caught, engine.begin() as conn:
            insert_frame(conn, tbl, pd.DataFrame([kept]))
        assert "数据仓库拒绝了数据(有重复的记录),未作修改" in caught.value.message
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(tbl)).scalar() == len(rows)
    finally:
        md.drop_all(engine)
        engine.dispose()


def test_database_refusal_through_the_command_line(
    shared_warehouse: Engine,
    ctx: Ctx,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With the range check switched off, the warehouse itself refuses 3,000,000,000 结算人次 in
    an INTEGER column after the load deleted the month: one message, exit 1, nothing changed."""
    from data_sources import ranges

    monkeypatch.setattr(ranges, "out_of_range", lambda *args: [])
    rows = money(FUND_HEADERS, [*FUND_OK[:6], 3_000_000_000])
    path = write_xlsx(tmp_path / "big.xlsx", rows)
    before = warehouse_state(shared_warehouse)
    url = shared_warehouse.url.render_as_string(hide_password=False)

    # Where the command line asks for a confirmation before writing, give it: the insert must run.
    # 3,000,000,000元 is far off the slice's last month: a reminder the clerk confirms.
    confirm = ["--yes", "--accept-warnings"]
    code = load.main([str(path), "--kind", "fund", "--url", url, *confirm])

    out = capsys.readouterr()
    assert code != 0
    assert out.err.strip() == (
        "未导入:写入“基金收支台账(月度)”时数据仓库拒绝了数据(有数值超出允许范围),未作修改。"
        "请核对文件中的数值后重新导入。"
    )
    assert warehouse_state(shared_warehouse) == before


# --- Any input: mutated files and odd cell values end in a result, never in an exception ----------


def _mutate(rng: random.Random, data: bytes, edits: int) -> bytes:
    out = bytearray(data)
    for _ in range(edits):
        at = rng.randrange(len(out)) if out else 0
        op = rng.random()
        if op < 0.5 and out:
            out[at] = rng.randrange(256)
        elif op < 0.75:
            out[at:at] = bytes([rng.randrange(256)])
        elif out:
            del out[at]
    return bytes(out)


def test_mutated_files_are_read_or_refused_with_a_message(
    warehouse: Engine, ctx: Ctx, tmp_path: Path
) -> None:
    rng = random.Random(17)  # fixed: a failure here is reproducible
    rows = enroll(ctx, good_enroll(ctx), ["合计", None, None, None, None, ctx.oct])
    good = xlsx_bytes(rows)
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    legacy = xls(lambda c: rows)(tmp_path, ctx).read_bytes()
    text = "\n".join(",".join("" if v is None else str(v) for v in r) for r in rows).encode("gbk")
    outcomes = {"read": 0, "refused": 0}
    for n in range(45):
        if n % 3 == 0:
            name = rng.choice([p for p in parts if p.endswith(".xml")])
            data = _zip({**parts, name: _mutate(rng, parts[name], rng.randint(1, 5))})
            file_name = "m.xlsx"
        elif n % 3 == 1:
            data, file_name = _mutate(rng, legacy, rng.randint(1, 10)), "m.xls"
        else:
            data, file_name = _mutate(rng, text, rng.randint(1, 10)), "m.csv"
        result = load_file(warehouse, data, "enrollment", user="fuzz", file_name=file_name)
        outcomes["read" if result.ok else "refused"] += 1
        for p in result.problems:
            assert re.search(r"[\u4e00-\u9fff]", p.message), p.message
        problems_xlsx(result.problems)
    assert outcomes["refused"] > 0, outcomes


ODD_VALUES: list[object] = [
    None,
    "",
    TOWN,
    "城乡居民医保",
    "学生儿童",
    "基金支出",
    "住院费用",
    "正常病例",
    "BR21",
    0,
    -0.0,
    13,
    2023,
    1e20,
    -1e20,
    1e308,
    2**70,
    True,
    1.5,
    "1,234",
    "1e400",
    "nan",
    "-inf",
    "2023-02-30",
    dt.datetime(2023, 10, 8),
    dt.date(1900, 1, 1),
    dt.time(10, 0),
    "x" * 300,
    "\u202e",
    "😀",
    "#VALUE!",
]


def test_odd_cell_values_in_every_kind_give_problems_not_exceptions(warehouse: Engine) -> None:
    rng = random.Random(5)
    for n in range(28):
        kind = list(load_specs.SPECS)[n % len(load_specs.SPECS)]
        s = spec(kind)
        rows = [[rng.choice(ODD_VALUES) for _ in s.headers] for _ in range(rng.randint(1, 5))]
        data = xlsx_bytes(standard(list(s.headers), rows, rng.choice(["单位:元", "单位:万元"])))
        result = load_file(warehouse, data, kind, user="fuzz", file_name="odd.xlsx")
        problems_xlsx(result.problems)
        assert all(re.search(r"[\u4e00-\u9fff]", p.message) for p in result.problems)


def test_sheet_names_and_one_sheet_are_read_within_the_same_checks(ctx: Ctx) -> None:
    s = spec("enrollment")
    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["本文件每月一个工作表"])
    for month in (10, 11):
        ws = wb.create_sheet(f"{month}月")
        for row in enroll(ctx, good_enroll(ctx, month)):
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()

    assert reader.sheet_names(data, file_name="months.xlsx") == ["说明", "10月", "11月"]
    november = reader.read(data, s, file_name="months.xlsx", sheet="11月")
    assert november.sheet == "11月"
    assert list(november.frame["enrolled"]) == [ctx.nov]
    assert reader.sheet_names(b"a,b\n", file_name="a.csv") == []
    with pytest.raises(reader.ReadError, match="压缩比异常"):
        reader.sheet_names(bomb(40), file_name="bomb.xlsx")
    with pytest.raises(reader.ReadError, match=r"无法打开该 Excel 文件\(.xlsx\)"):
        reader.sheet_names(truncated_sheet(ctx)[:2000], file_name="bad.xlsx")
