"""Tolerant reading of the files staff send: .xlsx, .xls and .csv, as they are.

- the header row need not be the first (titles, unit lines above it): the row holding most of the
  expected headers is the header; a header split over two rows (merged cells) is combined;
- cells are NFKC-normalised (full-width digits, letters, colons and spaces) and stripped;
- 合计/小计/总计 rows are set aside (validation checks them against the sum of the rows they total);
- the unit line ("单位:万元") or a header suffix ("金额(万元)") gives the scale of money columns;
- CSV in UTF-8 (with or without BOM) or GBK/GB18030;
- a file over `MAX_FILE_BYTES` or `MAX_ROWS` is refused before its cells are read.

The result keeps each row's number in the source so every problem can name it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data_sources import load_specs
from data_sources.load_specs import HEADER_SEARCH_ROWS, Field, LoadSpec, Problem

Source = str | os.PathLike | bytes

TOTAL_RE = re.compile(r"^(合计|小计|总计|总合计)")
FOOTER_RE = re.compile(
    r"^(注[::]|注释|说明[::]|备注[::]|填表人|制表人|制表|审核人|负责人|填报人|填报日期)"
)
UNIT_RE = re.compile(r"单位[::]?\s*(万元|元|万人|人)")
HEADER_UNIT_RE = re.compile(r"^(.*?)[\((](万元|元|万人|人|次|人次)[\))]$")
SCALES = {"万元": 10_000.0, "元": 1.0, "万人": 10_000.0, "人": 1.0}


class ReadError(Exception):
    """The file cannot be read at all (too large, not a spreadsheet, no header): one message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Total:
    row: int
    label: str  # 合计 / 小计 / 总计
    values: dict[str, object]


@dataclass
class Table:
    """One sheet as read: raw (normalised) cells by warehouse column, indexed by source row."""

    sheet: str
    header_row: int
    frame: pd.DataFrame  # index: source row numbers; columns: field.column; values: raw cells
    headers: dict[str, str]  # field.column -> header as written in the file
    scale: dict[str, float]  # money column -> multiplier to 元
    unit: str | None
    totals: list[Total] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def norm(value: object) -> object:
    """NFKC-normalised, stripped text; other values unchanged; empty text becomes None.

    >>> norm("  １２，３４５　")
    '12,345'
    >>> norm("") is None
    True
    """
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        return text or None
    return value


def header_key(value: object) -> tuple[str, str | None]:
    """A header cell as (name without spaces and unit suffix, unit or None).

    >>> header_key(" 金 额（万元）")
    ('金额', '万元')
    """
    text = norm(value)
    if not isinstance(text, str):
        return ("" if text is None else str(text), None)
    text = re.sub(r"\s+", "", text)
    m = HEADER_UNIT_RE.match(text)
    if m:
        return m.group(1), m.group(2)
    return text, None


def _names(s: LoadSpec) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for f in s.fields:
        for name in f.names():
            out[header_key(name)[0]] = f
    return out


# --- Opening files -------------------------------------------------------------------------------


def _source_bytes(source: Source) -> bytes:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
        if len(data) > load_specs.MAX_FILE_BYTES:
            raise ReadError(_too_large(len(data)))
        return data
    path = Path(source)
    size = path.stat().st_size  # checked before anything is read into memory
    if size > load_specs.MAX_FILE_BYTES:
        raise ReadError(_too_large(size))
    return path.read_bytes()


def _too_large(size: int) -> str:
    return (
        f"文件过大({size / 1024 / 1024:.1f} MB),超过上限 {load_specs.MAX_FILE_BYTES / 1024 / 1024:.0f} MB,"
        "未读取。请按月份或乡镇拆分后分别导入。"
    )


def _too_many_rows(rows: int) -> str:
    return f"文件行数({rows:,} 行)超过上限 {load_specs.MAX_ROWS:,} 行,未读取。请拆分后分别导入。"


def _xlsx_sheets(data: bytes) -> Iterator[tuple[str, Iterable[tuple]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError("无法打开该 Excel 文件(.xlsx),文件可能已损坏或不是 Excel 格式。") from exc
    for ws in wb.worksheets:
        if ws.max_row is not None and ws.max_row > load_specs.MAX_ROWS:
            raise ReadError(_too_many_rows(ws.max_row))
        yield ws.title, ws.iter_rows(values_only=True)


def _xls_sheets(data: bytes) -> Iterator[tuple[str, Iterable[tuple]]]:
    try:
        import xlrd
    except ImportError as exc:  # pragma: no cover - xlrd is in requirements.txt
        raise ReadError("读取 .xls 需要 xlrd 组件,请另存为 .xlsx 后导入。") from exc
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except xlrd.XLRDError as exc:
        raise ReadError("无法打开该 Excel 文件(.xls),文件可能已损坏或不是 Excel 格式。") from exc

    def rows(sheet) -> Iterator[tuple]:
        for r in range(sheet.nrows):
            out = []
            for cell in sheet.row(r):
                if cell.ctype == xlrd.XL_CELL_DATE:
                    out.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    out.append(None)
                else:
                    out.append(cell.value)
            yield tuple(out)

    for i in range(book.nsheets):
        sheet = book.sheet_by_index(i)
        if sheet.nrows > load_specs.MAX_ROWS:
            raise ReadError(_too_many_rows(sheet.nrows))
        yield sheet.name, rows(sheet)


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError("无法识别 CSV 文件的编码,请另存为“CSV UTF-8”或 Excel 格式后导入。")


def _csv_sheets(data: bytes, name: str) -> Iterator[tuple[str, Iterable[tuple]]]:
    lines = data.count(b"\n")
    if lines > load_specs.MAX_ROWS:
        raise ReadError(_too_many_rows(lines))
    text = decode_csv(data)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    yield name, (tuple(r) for r in csv.reader(io.StringIO(text), dialect))


def _sheets(data: bytes, file_name: str) -> Iterator[tuple[str, Iterable[tuple]]]:
    ext = Path(file_name).suffix.lower()
    if ext in (".xlsx", ".xlsm"):
        return _xlsx_sheets(data)
    if ext == ".xls":
        return _xls_sheets(data)
    if ext in (".csv", ".txt"):
        return _csv_sheets(data, Path(file_name).stem or "CSV")
    raise ReadError(f"不支持的文件类型“{ext or '(无扩展名)'}”:请上传 .xlsx、.xls 或 .csv 文件。")


# --- Finding the header ------------------------------------------------------------------------------


def _matches(row: tuple, names: dict[str, Field]) -> dict[int, Field]:
    found: dict[int, Field] = {}
    seen: set[str] = set()
    for j, cell in enumerate(row):
        f = names.get(header_key(cell)[0])
        if f is not None and f.column not in seen:
            found[j] = f
            seen.add(f.column)
    return found


def _locate_header(head: list[tuple], names: dict[str, Field]) -> tuple[int, int, dict[int, Field]]:
    """(header row index, last header row index, column index -> field) within the first rows."""
    scores = [len(_matches(r, names)) for r in head]
    if not scores or max(scores) == 0:
        return -1, -1, {}
    h = scores.index(max(scores))
    found = _matches(head[h], names)
    first, last = h, h
    # A header over two rows (cells merged vertically, or a group header above sub-headers):
    # the neighbouring row completes the columns the best row lacks.
    for other in (h - 1, h + 1):
        if not 0 <= other < len(head):
            continue
        extra = {
            j: f
            for j, f in _matches(head[other], names).items()
            if j not in found and f.column not in {g.column for g in found.values()}
        }
        if extra:
            found.update(extra)
            first, last = min(first, other), max(last, other)
    return first, last, dict(sorted(found.items()))


def _unit(rows: Iterable[tuple]) -> str | None:
    for row in rows:
        for cell in row:
            text = norm(cell)
            if isinstance(text, str):
                m = UNIT_RE.search(re.sub(r"\s+", "", text))
                if m:
                    return m.group(1)
    return None


def _is_total(row: tuple) -> str | None:
    for cell in row:
        text = norm(cell)
        if isinstance(text, str):
            m = TOTAL_RE.match(re.sub(r"\s+", "", text))
            if m:
                return m.group(1)
    return None


def _is_footer(row: tuple) -> bool:
    filled = [c for c in (norm(x) for x in row) if c is not None]
    return len(filled) == 1 and isinstance(filled[0], str) and bool(FOOTER_RE.match(filled[0]))


# --- Reading ---------------------------------------------------------------------------------------


def read(source: Source, s: LoadSpec, *, file_name: str) -> Table:
    """Reads the sheet of the file that holds the spec's headers; raises ReadError (Chinese)."""
    data = _source_bytes(source)
    names = _names(s)
    best: tuple[int, str, list[tuple], Iterable[tuple], int, int, dict[int, Field]] | None = None
    for sheet, rows in _sheets(data, file_name):
        it = iter(rows)
        head = [tuple(r) for _, r in zip(range(HEADER_SEARCH_ROWS), it, strict=False)]
        first, last, cols = _locate_header(head, names)
        if best is None or len(cols) > best[0]:
            best = (len(cols), sheet, head, it, first, last, cols)
        if len(cols) == len(s.fields):
            break
    required = [f for f in s.fields if f.required]
    # More than half of the required headers must be there, else this is another kind of file.
    if best is None or 2 * sum(f.required for f in best[6].values()) <= len(required):
        raise ReadError(
            f"文件中找不到“{s.title}”的表头(应包含:{'、'.join(s.headers)})。"
            "请确认选择的数据类型与文件一致,或使用下载的模板填写。"
        )
    _, sheet, head, rest, first, last, cols = best

    unit = _unit(head[:first])
    headers: dict[str, str] = {}
    scale: dict[str, float] = {}
    header_rows = head[first : last + 1]
    for j, f in cols.items():
        written = next(
            (str(norm(r[j])) for r in header_rows if j < len(r) and norm(r[j]) is not None),
            f.header,
        )
        headers[f.column] = written
        if f.type == "money":
            col_unit = header_key(written)[1]
            scale[f.column] = SCALES.get(col_unit or unit or "元", 1.0)
    problems = [
        Problem(sheet, last + 1, f.header, f"缺少必填列“{f.header}”。")
        for f in s.fields
        if f.required and f.column not in headers
    ]

    records: list[dict[str, object]] = []
    index: list[int] = []
    totals: list[Total] = []
    row_no = last + 1
    for row in _chain(head[last + 1 :], rest):
        row_no += 1
        if row_no > load_specs.MAX_ROWS + last + 1:
            raise ReadError(_too_many_rows(row_no))
        cells = {f.column: norm(row[j]) if j < len(row) else None for j, f in cols.items()}
        label = _is_total(row)
        if label is None and all(v is None for v in cells.values()):
            continue  # blank, or only notes outside the expected columns
        if label is not None:
            totals.append(Total(row_no, label, cells))
            continue
        if _is_footer(row):
            continue
        records.append(cells)
        index.append(row_no)
    frame = pd.DataFrame(
        records, index=pd.Index(index, name="row"), columns=list(headers), dtype=object
    )
    return Table(sheet, last + 1, frame, headers, scale, unit, totals, problems)


def _chain(first: list[tuple], rest: Iterable[tuple]) -> Iterator[tuple]:
    yield from first
    for r in rest:
        yield tuple(r)


def as_date(value: object) -> dt.date | None:
    """A cell as a date: datetime/date cells, '2023-10-08', '2023/10/8', '2023年10月8日', '20231008'.

    >>> as_date("2023年10月8日")
    datetime.date(2023, 10, 8)
    >>> as_date("2023-02-30") is None
    True
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = str(int(value)) if float(value).is_integer() else ""
    else:
        text = str(norm(value) or "")
    m = re.fullmatch(
        r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?", text
    )
    if not m:
        m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
