"""Workbooks with several data sheets (one sheet per month is common): read them all.

`data_sources.reader.read` reads the one sheet that best matches the kind's headers. Here every
sheet of an .xlsx is read on its own (`reader.read(..., sheet=name)`, with the reader's bounds
and package checks), so the reader's rules apply unchanged to each; sheets without the kind's headers (说明, 汇总 by
another layout) are skipped and named. For .xls and .csv the reader's single sheet is used and
the caller tells the user which sheet was read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from data_sources import reader
from data_sources.load_specs import LoadSpec


@dataclass
class Sheets:
    tables: list[reader.Table]
    skipped: list[str] = field(default_factory=list)  # sheets without the kind's headers
    note: str = ""  # what was read, for the user


def read_sheets(data: bytes, s: LoadSpec, *, file_name: str) -> Sheets:
    """Every data sheet of the file as reader Tables; raises reader.ReadError as read() does."""
    ext = Path(file_name).suffix.lower()
    # The reader's own sheet list: it checks the package (size, ratio, parts) first.
    names = reader.sheet_names(data, file_name=file_name) if ext in (".xlsx", ".xlsm") else []
    if len(names) <= 1:
        table = reader.read(data, s, file_name=file_name)
        note = ""
        if ext == ".xls":
            note = f"读取了工作表“{table.sheet}”(.xls 文件只读取表头最完整的一个工作表)。"
        return Sheets([table], note=note)
    tables: list[reader.Table] = []
    skipped: list[str] = []
    for name in names:
        try:
            tables.append(reader.read(data, s, file_name=file_name, sheet=name))
        except reader.ReadError:
            skipped.append(name)
    if not tables:
        raise reader.ReadError(
            f"文件的 {len(names)} 个工作表中都找不到“{s.title}”的表头"
            f"(应包含:{'、'.join(s.headers)})。请确认选择的数据类型与文件一致,或使用下载的模板填写。"
        )
    read = "、".join(f"“{t.sheet}”" for t in tables)
    note = f"读取了 {len(tables)} 个工作表:{read}"
    if skipped:
        note += f";未读取(没有本类数据的表头):{'、'.join(f'“{n}”' for n in skipped)}"
    return Sheets(tables, skipped, note + "。")
