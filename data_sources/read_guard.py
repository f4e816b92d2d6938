"""Bounds on reading an untrusted file: checked before the parser starts and while it runs.

A 2 MB .xlsx is a zip that may unpack to gigabytes (a shared-strings "bomb"), a sheet may claim a
cell in column XFD on every row, a CSV may hold one endless field. Reading is therefore bounded:

- before openpyxl opens an .xlsx (`check_xlsx_package`): the number of parts, the sum of their
  uncompressed sizes, each part's compression ratio, the size of the parts openpyxl reads whole
  (shared strings, styles, workbook), no DTD in any XML part (entity expansion), and, in one
  streaming pass over each sheet's XML, its cells and the cells of its longest row, and over the
  shared strings and the styles, their number;
- while rows stream (`Budget`): cells, columns and wall-clock time.

What this bounds: openpyxl keeps the shared strings and styles in memory (at most
``MAX_WHOLE_PART_BYTES`` of XML each, a few times that as Python objects) and streams the sheets
row by row; the reader keeps only the import's own columns. A refused bomb or too-wide sheet costs
well under 300 MB and a few seconds (measured in tests/loading/test_corpus.py).
"""

from __future__ import annotations

import io
import re
import time
import zipfile
import zlib
from collections.abc import Iterable
from typing import IO

# --- Limits (settings) ----------------------------------------------------------------------------
# The import templates have at most 9 columns; Excel 2003 stopped at 256 (column IV). A cell with a
# value beyond this column refuses the file (padding every row out to column XFD is what hung).
MAX_COLUMNS = 256
# Cells present in the sheet (empty styled cells included): 500,000 rows of 20 columns.
MAX_CELLS = 10_000_000
# A legitimate 20 MB workbook unpacks to some 150-250 MB of sheet XML; sheets are streamed.
MAX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024
# Parts that openpyxl reads whole into memory (sharedStrings.xml, styles.xml, workbook.xml):
# 500,000 distinct 16-character person keys take about 15 MB of shared strings.
MAX_WHOLE_PART_BYTES = 32 * 1024 * 1024
# Distinct texts of the workbook, which openpyxl keeps as Python strings (~160 bytes each with
# its overhead, measured): 750,000 cost about 120 MB; 500,000 distinct person keys fit.
MAX_SHARED_STRINGS = 750_000
# Formats in styles.xml (cell formats, fonts, fills, borders, number formats), which openpyxl
# turns into objects of ~2 KB each (measured: 300,000 took 725 MB): 32,000 cost about 65 MB.
MAX_STYLES = 32_000
# Deflate reaches ~10-30x on real sheets; bombs reach ~1000x. Parts under 1 MB are not checked.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
# Cell elements in one row of the sheet XML: Excel's own column count. openpyxl holds a row's
# elements in memory at once, so this bounds what one row can cost (a few MB).
MAX_ROW_CELLS = 16_384
# Parts of the package: a workbook has tens (sheets, relations, styles, images); Python builds an
# object per part before anything can be checked, so the count is read from the zip's end record.
MAX_PARTS = 2_000
# Wall-clock time for reading one file (validation not included): a backstop for what passes the
# checks above. 30,000 rows of 6 columns took about 20 s on this busy 2-core host, so a legitimate
# 500,000-row workbook may need five minutes; bombs and too-wide sheets never get near the limit.
MAX_READ_SECONDS = 600.0

CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CFB_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # OLE compound file: .xls, or an encrypted .xlsx
DTD_RE = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


class ReadError(Exception):
    """The file cannot be read at all (too large, not a spreadsheet, no header): one message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def visible(text: str) -> str:
    r"""Text with control characters written out, so a message shows them and any file takes it.

    >>> visible("莲塘\x00镇")
    '莲塘\\x00镇'
    """
    return CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def column_letter(n: int) -> str:
    """Excel's letter for a 1-based column number.

    >>> column_letter(16384)
    'XFD'
    """
    letters = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def too_wide(column: int, sheet: str = "") -> str:
    where = f"工作表“{visible(sheet)}”" if sheet else "文件"
    return (
        f"{where}的数据一直延伸到第 {column:,} 列({column_letter(column)} 列),"
        f"超过上限 {MAX_COLUMNS} 列,未读取。请删除表格右侧多余的内容后重新导入。"
    )


def too_many_cells() -> str:
    return f"文件的单元格数超过上限 {MAX_CELLS:,} 个,未读取。请按月份或乡镇拆分后分别导入。"


def _mb(n: float) -> str:
    return f"{n / 1024 / 1024:,.0f} MB"


def _is_whole_part(name: str) -> bool:
    # Worksheets stream; everything else openpyxl touches (strings, styles, workbook) is read whole.
    return not name.startswith("xl/worksheets/")


def check_xlsx_package(data: bytes) -> None:
    """Refuses (ReadError) an .xlsx whose zip would unpack beyond the limits, before parsing it.

    The sizes are the zip's declared ones: Python's zipfile stops at the declared size and fails on
    the checksum, so a part cannot unpack to more than it declares.
    """
    parts = _declared_parts(data)
    if parts is not None and parts > MAX_PARTS:
        raise ReadError(
            f"该 Excel 文件含有 {parts:,} 个内部文件,超过上限 {MAX_PARTS:,} 个,未读取"
            "(文件可能经过特殊构造)。请在 Excel 中打开并另存后再导入。"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise ReadError(
                    f"该 Excel 文件解压后达 {_mb(total)},超过上限 {_mb(MAX_UNCOMPRESSED_BYTES)},"
                    "未读取(文件可能经过特殊构造)。请另存为普通 .xlsx 或拆分后导入。"
                )
            for info in infos:
                ratio = info.file_size / max(info.compress_size, 1)
                if info.file_size >= RATIO_CHECKED_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
                    raise ReadError(
                        f"该 Excel 文件的压缩比异常(内部文件 {visible(info.filename)} 压缩了"
                        f" {ratio:,.0f} 倍),未读取:文件可能经过特殊构造。"
                        "请在 Excel 中打开并另存后再导入。"
                    )
                if _is_whole_part(info.filename) and info.file_size > MAX_WHOLE_PART_BYTES:
                    raise ReadError(
                        f"该 Excel 文件的内部文件 {visible(info.filename)} 解压后达"
                        f" {_mb(info.file_size)},超过上限 {_mb(MAX_WHOLE_PART_BYTES)},未读取。"
                        "请删除多余的工作表和格式后另存,或拆分后导入。"
                    )
            cells = 0
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    with zf.open(info) as part:
                        cells += _scan_part(part, cells)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        # RuntimeError: an encrypted part; NotImplementedError: an unknown compression method.
        raise ReadError(damaged(".xlsx")) from exc


def _scan_part(part: IO[bytes], cells: int) -> int:
    """Checks one XML part as it streams (see `check_xlsx_package`); returns its cells."""
    head = part.read(4096)
    if DTD_RE.search(head):
        raise ReadError(
            "该 Excel 文件含有文档类型定义(DTD),不是 Excel 保存的文件,未读取。"
            "请在 Excel 中打开并另存后再导入。"
        )
    if b"worksheet" in head:
        return _scan_cells(head, part, cells)
    if b"sst" in head and _count_tags(head, part, STRING_TAG_RE, MAX_SHARED_STRINGS) is None:
        raise ReadError(
            f"该 Excel 文件的共享文本超过 {MAX_SHARED_STRINGS:,} 条,未读取"
            "(文件可能经过特殊构造)。请删除多余的工作表后另存,或拆分后导入。"
        )
    if b"styleSheet" in head and _count_tags(head, part, STYLE_TAG_RE, MAX_STYLES) is None:
        raise ReadError(
            f"该 Excel 文件的单元格格式超过 {MAX_STYLES:,} 种,未读取。"
            "请把数据复制到新工作簿(只粘贴数值)后另存,再导入。"
        )
    return 0


ENCRYPTED = "无法读取该 Excel 文件:文件设有打开密码(已加密),或已损坏。请在 Excel 中取消密码后另存为 .xlsx,再重新导入。"
HTML_XLS = (
    "该 .xls 文件实际是网页(HTML)格式(常见于业务系统导出),无法直接导入。"
    "请用 Excel 打开后“另存为”Excel 工作簿(.xlsx)再导入。"
)


ROW_TAG_RE = re.compile(rb"<(?:\w+:)?row[\s/>]")
CELL_TAG_RE = re.compile(rb"<(?:\w+:)?c[\s/>]")


def _scan_cells(head: bytes, part: IO[bytes], before: int) -> int:
    """Counts a sheet's cell elements, streaming, before openpyxl parses it; returns the count.

    openpyxl builds a whole row in memory before it hands it over: one row of millions of empty
    cells (a 6 MB file) took 1.5 GB. Excel itself never writes more than 16,384 cells in a row.
    """
    total, in_row, tail = 0, 0, head
    while True:
        chunk = part.read(1 << 20)
        buf = tail + chunk
        # Cut before the last "<" so that no tag is split between two rounds.
        cut = buf.rfind(b"<") if chunk else len(buf)
        cut = len(buf) if cut <= 0 else cut
        pieces = ROW_TAG_RE.split(buf[:cut])
        for k, piece in enumerate(pieces):
            if k:
                in_row = 0  # a new row starts
            n = len(CELL_TAG_RE.findall(piece))
            in_row += n
            total += n
            if in_row > MAX_ROW_CELLS:
                raise ReadError(
                    f"该 Excel 文件的一行中单元格超过 {MAX_ROW_CELLS:,} 个(Excel 本身的上限),"
                    "未读取(文件可能经过特殊构造)。请在 Excel 中打开并另存后再导入。"
                )
            if before + total > MAX_CELLS:
                raise ReadError(too_many_cells())
        tail = buf[cut:]
        if not chunk:
            return total


STRING_TAG_RE = re.compile(rb"<(?:\w+:)?si[\s/>]")
STYLE_TAG_RE = re.compile(rb"<(?:\w+:)?(?:xf|font|fill|border|dxf|numFmt)[\s/>]")


def _count_tags(head: bytes, part: IO[bytes], tag: re.Pattern[bytes], limit: int) -> int | None:
    """The number of `tag` elements in a part, streaming; None as soon as it passes `limit`."""
    count, tail = 0, head
    while True:
        chunk = part.read(1 << 20)
        buf = tail + chunk
        # Cut before the last "<" so that no tag is split between two rounds.
        cut = buf.rfind(b"<") if chunk else len(buf)
        cut = len(buf) if cut <= 0 else cut
        count += len(tag.findall(buf, 0, cut))
        if count > limit:
            return None
        tail = buf[cut:]
        if not chunk:
            return count


def _declared_parts(data: bytes) -> int | None:
    """The number of entries the zip's end-of-central-directory record declares (None: no record).

    A count of 0xFFFF means "see the zip64 record": more than any workbook has, so it is returned
    as is and refused.
    """
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        return None
    return int.from_bytes(data[at + 10 : at + 12], "little")


def damaged(ext: str) -> str:
    kind = {".xls": "Excel 文件(.xls)", ".csv": "CSV 文件", ".txt": "CSV 文件"}.get(
        ext, "Excel 文件(.xlsx)"
    )
    return (
        f"无法打开该 {kind}:文件可能已损坏、不完整(如下载或拷贝中断),或不是该格式。"
        "请在 Excel 中打开确认后另存,再重新导入。"
    )


class Budget:
    """Cells, columns and seconds left for reading one file; raises ReadError when spent."""

    def __init__(self) -> None:
        self.cells = 0
        self.deadline = time.monotonic() + MAX_READ_SECONDS

    def row(self, cells: int, width: int, sheet: str) -> None:
        """Counts one row of `cells` cells whose last value is in column `width`."""
        self.cells += cells
        if width > MAX_COLUMNS:
            raise ReadError(too_wide(width, sheet))
        if self.cells > MAX_CELLS:
            raise ReadError(too_many_cells())
        if time.monotonic() > self.deadline:
            raise ReadError(
                f"读取文件超过 {MAX_READ_SECONDS:.0f} 秒仍未完成,已停止,未作修改。"
                "请拆分后分别导入,或删除多余的工作表和格式后再试。"
            )

    def rows(self, rows: Iterable[tuple], sheet: str) -> Iterable[tuple]:
        """Rows of a reader that builds whole rows itself (CSV, .xls), counted as they pass."""
        for row in rows:
            width = len(row)
            while width and row[width - 1] in (None, ""):
                width -= 1
            self.row(len(row), width, sheet)
            yield row[:width] if width < len(row) else row
