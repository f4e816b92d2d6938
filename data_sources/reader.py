"""Tolerant reading of the files staff send: .xlsx, .xls and .csv, as they are.

- the header row need not be the first (titles, unit lines above it): the row holding most of the
  expected headers is the header; a header split over two rows (merged cells) is combined;
- cells are NFKC-normalised (full-width digits, letters, colons and spaces) and stripped;
- 合计/小计/总计 rows are set aside (validation checks them against the sum of the rows they total);
- the unit line ("单位:万元") or a header suffix ("金额(万元)") gives the scale of money columns;
- CSV in UTF-8 (with or without BOM) or GBK/GB18030, lines ended by LF, CRLF or CR (old Mac
  Excel) or a mix; a workbook is read by its content whatever its extension (.xlsx or .xls);
- a file over `MAX_FILE_BYTES` or `MAX_ROWS` is refused before its cells are read; an .xlsx is
  checked as a zip before openpyxl opens it, and rows stream within a budget of columns, cells and
  time (`data_sources.read_guard`);
- control characters (NUL…) are removed from the cells and reported, written out visibly (\\x00);
  formulas without a cached value refuse the file with one message.

Any input ends in a `Table` or a `ReadError` with a Chinese message, never another exception.

The result keeps each row's number in the source so every problem can name it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import os
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data_sources import load_specs, read_guard
from data_sources.load_specs import HEADER_SEARCH_ROWS, Field, LoadSpec, Problem
from data_sources.read_guard import ReadError

Source = str | os.PathLike | bytes

log = logging.getLogger("yibao.reader")
# openpyxl warns in English on stderr about what it skips or repairs (unsupported extensions, a
# date serial out of range, no default style): staff see the reader's own messages instead.
warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\.|$)")

TOTAL_RE = re.compile(r"^(合计|小计|总计|总合计)")
FOOTER_RE = re.compile(
    r"^(注[::]|注释|说明[::]|备注[::]|填表人|制表人|制表|审核人|负责人|填报人|填报日期)"
)
UNIT_RE = re.compile(r"单位[::]?\s*(万元|元|万人|人)")
HEADER_UNIT_RE = re.compile(r"^(.*?)[\((](万元|元|万人|人|次|人次)[\))]$")
SCALES = {"万元": 10_000.0, "元": 1.0, "万人": 10_000.0, "人": 1.0}


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
    try:
        size = path.stat().st_size  # checked before anything is read into memory
        if size > load_specs.MAX_FILE_BYTES:
            raise ReadError(_too_large(size))
        return path.read_bytes()
    except OSError as exc:
        raise ReadError(
            f"无法读取文件“{read_guard.visible(path.name)}”(文件不存在或没有读取权限)。"
        ) from exc


def _too_large(size: int) -> str:
    return (
        f"文件过大({size / 1024 / 1024:.1f} MB),超过上限 {load_specs.MAX_FILE_BYTES / 1024 / 1024:.0f} MB,"
        "未读取。请按月份或乡镇拆分后分别导入。"
    )


def _too_many_rows(rows: int) -> str:
    return f"文件行数({rows:,} 行)超过上限 {load_specs.MAX_ROWS:,} 行,未读取。请拆分后分别导入。"


class _Uncalculated:
    """A formula cell without a cached value (a file written by a program, never saved by Excel)."""

    def __str__(self) -> str:
        return ""

    def __repr__(self) -> str:
        return "<公式无计算结果>"


UNCALCULATED = _Uncalculated()


def _xlsx_sheets(data: bytes, budget: read_guard.Budget) -> Iterator[tuple[str, Iterable[tuple]]]:
    from openpyxl import load_workbook

    read_guard.check_xlsx_package(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ReadError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged package
        raise ReadError(read_guard.damaged(".xlsx")) from exc
    for ws in wb.worksheets:
        # The declared dimension is not trusted for columns: an empty formatted cell far right
        # widens it harmlessly; the rows themselves are checked for values beyond MAX_COLUMNS.
        if ws.max_row is not None and ws.max_row > load_specs.MAX_ROWS:
            raise ReadError(_too_many_rows(ws.max_row))
        yield ws.title, _xlsx_rows(ws, budget)


def _xlsx_rows(ws, budget: read_guard.Budget) -> Iterator[tuple]:
    """The sheet's rows as value tuples, streamed, each only as wide as its last value.

    openpyxl's own iter_rows pads every row to the sheet's widest column: one cell in column XFD
    makes each row 16,384 values, which is what hung. Rows missing from the XML come back empty.
    This drives openpyxl's sheet parser (an internal of openpyxl, pinned in requirements.txt).
    """
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            # Excel stores an empty text result as t="str" with an empty value: that is computed.
            if (
                cell["value"] is None
                and cell["data_type"] != "str"
                and element.find(FORMULA_TAG) is not None
            ):
                cell["value"] = UNCALCULATED
            return cell

    wb = ws.parent
    expected = 1
    with ws._get_source() as src:
        parser = Parser(
            src,
            ws._shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        for idx, cells in parser.parse():
            if idx > load_specs.MAX_ROWS:
                raise ReadError(_too_many_rows(idx))
            width = max((c["column"] for c in cells if c["value"] is not None), default=0)
            budget.row(len(cells), width, ws.title)
            if idx < expected:
                continue  # rows out of order or repeated: openpyxl keeps the first
            for _ in range(expected, idx):
                yield ()
            values: list[object] = [None] * width
            for c in cells:
                if c["column"] <= width:
                    values[c["column"] - 1] = c["value"]
            expected = idx + 1
            yield tuple(values)


def _xls_sheets(
    data: bytes, budget: read_guard.Budget, failed: str
) -> Iterator[tuple[str, Iterable[tuple]]]:
    try:
        import xlrd
    except ImportError as exc:  # pragma: no cover - xlrd is in requirements.txt
        raise ReadError("读取 .xls 需要 xlrd 组件,请另存为 .xlsx 后导入。") from exc
    try:
        # xlrd writes its own English warnings to stdout unless given another log file.
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    except Exception as exc:  # xlrd raises CompDocError, struct.error, AssertionError…
        raise ReadError(failed) from exc

    def value(cell) -> object:
        if cell.ctype == xlrd.XL_CELL_DATE:
            try:
                return xlrd.xldate_as_datetime(cell.value, book.datemode)
            except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                return cell.value  # a serial outside the calendar: validation names it
        if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return None
        return cell.value

    def rows(sheet) -> Iterator[tuple]:
        for r in range(sheet.nrows):
            yield tuple(value(cell) for cell in sheet.row(r))

    for i in range(book.nsheets):
        try:
            sheet = book.sheet_by_index(i)
        except Exception as exc:  # the sheet's records are parsed here
            raise ReadError(failed) from exc
        if sheet.nrows > load_specs.MAX_ROWS:
            raise ReadError(_too_many_rows(sheet.nrows))
        if sheet.ncols > read_guard.MAX_COLUMNS:
            raise ReadError(read_guard.too_wide(sheet.ncols, sheet.name))
        if sheet.nrows * sheet.ncols > read_guard.MAX_CELLS:
            raise ReadError(read_guard.too_many_cells())
        yield sheet.name, budget.rows(rows(sheet), sheet.name)


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReadError("无法识别 CSV 文件的编码,请另存为“CSV UTF-8”或 Excel 格式后导入。")


def _csv_sheets(
    data: bytes, name: str, budget: read_guard.Budget
) -> Iterator[tuple[str, Iterable[tuple]]]:
    # Old Mac Excel ends lines with CR alone: count those too.
    lines = max(data.count(b"\n"), data.count(b"\r"))
    if lines > load_specs.MAX_ROWS:
        raise ReadError(_too_many_rows(lines))
    text = decode_csv(data)
    sample = text[:4096].replace("\r\n", "\n").replace("\r", "\n")
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    # newline="": the csv module itself splits CR, LF and CRLF lines (and keeps quoted line breaks).
    rows = csv.reader(io.StringIO(text, newline=""), dialect)

    def checked() -> Iterator[tuple]:
        try:
            yield from budget.rows((tuple(r) for r in rows), name)
        except csv.Error as exc:
            raise ReadError(
                f"CSV 文件第{rows.line_num}行格式不正确(引号不成对,或一个单元格过长),未读取。"
                "请用 Excel 打开后另存为 CSV 再导入。"
            ) from exc

    yield name, checked()


def _sheets(
    data: bytes, file_name: str, budget: read_guard.Budget
) -> Iterator[tuple[str, Iterable[tuple]]]:
    ext = Path(file_name).suffix.lower()
    if ext in (".xlsx", ".xlsm", ".xls"):
        # By content, not by name: a workbook renamed from .xlsx to .xls (or back) still reads.
        if data[:4] == b"PK\x03\x04":
            return _xlsx_sheets(data, budget)
        if data[:8] == read_guard.CFB_MAGIC and ext != ".xls":
            return _xls_sheets(data, budget, read_guard.ENCRYPTED)
        if ext == ".xls":
            if re.match(rb"\s*<", data[:1024].lstrip(b"\xef\xbb\xbf")):
                raise ReadError(read_guard.HTML_XLS)
            return _xls_sheets(data, budget, read_guard.damaged(".xls"))
        return _xlsx_sheets(data, budget)
    if ext in (".csv", ".txt"):
        return _csv_sheets(data, Path(file_name).stem or "CSV", budget)
    raise ReadError(
        f"不支持的文件类型“{read_guard.visible(ext) or '(无扩展名)'}”:请上传 .xlsx、.xls 或 .csv 文件。"
    )


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


def sheet_names(source: Source, *, file_name: str) -> list[str]:
    """The worksheet names of an .xlsx (by content), checked as `read` checks it; [] for .xls/.csv.

    For callers that read each sheet on its own (`read(..., sheet=name)`): opening the workbook
    with openpyxl directly would skip the package checks (a bomb takes gigabytes right there).
    """
    data = _source_bytes(source)
    if data[:4] != b"PK\x03\x04":
        return []
    read_guard.check_xlsx_package(data)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged package
        raise ReadError(read_guard.damaged(".xlsx")) from exc
    try:
        return [ws.title for ws in wb.worksheets]
    finally:
        wb.close()


def read(source: Source, s: LoadSpec, *, file_name: str, sheet: str | None = None) -> Table:
    """Reads the sheet of the file that holds the spec's headers; raises ReadError (Chinese).

    `sheet` reads that worksheet only (an .xlsx with one sheet per month, see `sheet_names`).
    Any input ends in a Table or a ReadError: an error a parser raises on a damaged file that the
    checks above did not foresee is reported as a damaged file, never as a traceback.
    """
    try:
        return _read(source, s, file_name=file_name, only=sheet)
    except ReadError:
        raise
    except MemoryError as exc:
        raise ReadError(
            "读取该文件时内存不足,未读取,未作修改。请按月份或乡镇拆分后分别导入。"
        ) from exc
    except Exception as exc:  # see the docstring: the last guard of untrusted input
        log.info("unreadable file %r: %s: %s", file_name, type(exc).__name__, exc)
        raise ReadError(read_guard.damaged(Path(file_name).suffix.lower())) from exc


def _clean(value: object, where: list[str]) -> object:
    """A normalised cell, control characters removed; each removed one is noted in `where`."""
    text = norm(value)
    if isinstance(text, str) and read_guard.CONTROL_RE.search(text):
        where.append(read_guard.visible(text))
        return norm(read_guard.CONTROL_RE.sub("", text))
    return text


def _read(source: Source, s: LoadSpec, *, file_name: str, only: str | None = None) -> Table:
    data = _source_bytes(source)
    budget = read_guard.Budget()
    names = _names(s)
    best: tuple[int, str, list[tuple], Iterable[tuple], int, int, dict[int, Field]] | None = None
    for sheet, rows in _sheets(data, file_name, budget):
        if only is not None and sheet != only:
            continue  # not parsed: the rows are a generator
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
    sheet = read_guard.visible(sheet)

    unit = _unit(head[:first])
    headers: dict[str, str] = {}
    scale: dict[str, float] = {}
    header_rows = head[first : last + 1]
    for j, f in cols.items():
        written = next(
            (str(norm(r[j])) for r in header_rows if j < len(r) and norm(r[j]) is not None),
            f.header,
        )
        headers[f.column] = read_guard.visible(written)
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
    uncalculated: list[tuple[int, str]] = []
    row_no = last + 1
    for row in _chain(head[last + 1 :], rest):
        row_no += 1
        if row_no > load_specs.MAX_ROWS + last + 1:
            raise ReadError(_too_many_rows(row_no))
        cells: dict[str, object] = {}
        for j, f in cols.items():
            controls: list[str] = []
            cells[f.column] = _clean(row[j], controls) if j < len(row) else None
            if cells[f.column] is UNCALCULATED:
                uncalculated.append((row_no, headers[f.column]))
            for shown in controls:
                problems.append(
                    Problem(
                        sheet,
                        row_no,
                        headers[f.column],
                        f"“{shown}”含有不可见的控制字符(如 \\x00),请删除后重新导入。",
                    )
                )
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
    if uncalculated:
        at, column = uncalculated[0]
        raise ReadError(
            f"工作表“{sheet}”第{at}行“{column}”列等 {len(uncalculated):,} 个单元格:"
            "公式没有计算结果,请在 Excel 中打开并保存后再上传(由程序生成、未经 Excel 保存的文件"
            "只有公式、没有数值)。"
        )
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
