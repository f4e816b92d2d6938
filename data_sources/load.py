"""Loading one Excel/CSV file of one fact kind into the warehouse: validate, then replace its periods.

    python -m data_sources.load 参保人数2023年10月.xlsx --kind enrollment [--url URL] [--user 张三]

The import page and the command line both call `load_file`:

1. read the file tolerantly (`data_sources.reader`; size and row limits first);
2. validate every row (`data_sources.validate`); any problem → nothing is written, the problems
   are returned (and `problems_xlsx` makes an error report to fix and resend);
3. in ONE transaction: delete the warehouse rows of the periods present in the file (the (year,
   month) pairs, or the years for annual facts), insert the rows (`writer.insert_frame`) and write
   the load log (`writer.record_load`: file name, sha256 of the file, rows, user, period). Loading
   the same period again therefore replaces it, and a failure half way leaves the warehouse as it
   was. The new load id changes the dashboard's cache key and its "数据截至".
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import getpass
import hashlib
import io
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy import Engine, and_, delete, func, or_, select

from data_sources import reader, writer
from data_sources.load_specs import SPECS, LoadSpec, Problem, spec
from data_sources.schema import load_log
from data_sources.validate import validate
from exports.safe import text_only

log = logging.getLogger("yibao.load")


class SimulatedFailure(RuntimeError):
    """Raised by the test hook after the delete, to prove the load rolls back."""


@dataclass(frozen=True)
class LoadResult:
    ok: bool
    rows: int
    problems: list[Problem] = field(default_factory=list)
    replaced: int = 0  # rows of the same periods that the load replaced
    period: str = ""
    table: str = ""

    def message(self) -> str:
        if self.ok:
            again = f",替换了原有 {self.replaced:,} 行" if self.replaced else ""
            return f"导入成功:{self.table} {self.period} 共 {self.rows:,} 行{again}。"
        return f"未导入:发现 {len(self.problems)} 个问题,数据仓库未作任何修改。"


def _periods(frame: pd.DataFrame, s: LoadSpec) -> list[tuple[int, ...]]:
    cols = list(s.period)
    return sorted({tuple(int(v) for v in row) for row in frame[cols].itertuples(index=False)})


def _period_text(periods: list[tuple[int, ...]]) -> str:
    def one(p: tuple[int, ...]) -> str:
        return f"{p[0]}-{p[1]:02d}" if len(p) == 2 else str(p[0])

    return one(periods[0]) if len(periods) == 1 else f"{one(periods[0])}~{one(periods[-1])}"


def _period_end(conn, periods: list[tuple[int, ...]]) -> dt.date:
    last = periods[-1]
    if len(last) == 2:
        return dt.date(last[0], last[1], calendar.monthrange(last[0], last[1])[1])
    # Annual facts (targets, population) do not move "数据截至" beyond the monthly data loaded.
    year_end = dt.date(last[0], 12, 31)
    current = conn.execute(select(func.max(load_log.c.period_end))).scalar()
    if current is None:
        return year_end
    return min(year_end, pd.Timestamp(current).date())


def _insert_frame(typed: pd.DataFrame, s: LoadSpec) -> pd.DataFrame:
    out = pd.DataFrame(index=range(len(typed)))
    for f in s.fields:
        values = list(typed[f.column])
        if f.type in ("year", "month", "int"):
            out[f.column] = pd.array(values, dtype="Int64")
        elif f.type in ("money", "decimal"):
            out[f.column] = pd.array(values, dtype="Float64").astype("float64")
        else:
            out[f.column] = pd.Series(values, dtype=object)
    for c in ("year", "month"):
        if c in typed.columns and c not in out.columns:
            out[c] = pd.array(list(typed[c]), dtype="Int64")
    return out


def load_file(
    engine: Engine,
    source: reader.Source,
    kind: str,
    *,
    user: str,
    file_name: str | None = None,
    fail_after_delete: bool = False,
) -> LoadResult:
    """Reads, validates and (when there is no problem) loads one file; see the module docstring.

    `fail_after_delete` is a test hook: raise after the delete, inside the transaction.
    """
    s = spec(kind)
    name = file_name or (Path(source).name if not isinstance(source, bytes) else "上传文件")
    try:
        data = reader._source_bytes(source)
        table = reader.read(data, s, file_name=name)
    except reader.ReadError as exc:
        return LoadResult(False, 0, [Problem("", None, "", exc.message)], table=s.title)
    checksum = hashlib.sha256(data).hexdigest()
    with engine.begin() as conn:
        typed, problems = validate(conn, table, s)
        if not problems and typed.empty:
            problems = [Problem(table.sheet, None, "", "文件中没有数据行(表头下方为空)。")]
        if problems:
            return LoadResult(False, 0, problems, table=s.title)
        frame = _insert_frame(typed, s)
        periods = _periods(frame, s)
        tbl = s.table
        match = or_(
            *(and_(*(tbl.c[c] == v for c, v in zip(s.period, p, strict=True))) for p in periods)
        )
        replaced = conn.execute(delete(tbl).where(match)).rowcount or 0
        if fail_after_delete:
            raise SimulatedFailure("模拟导入中途失败(测试用)")
        if "record_id" in tbl.c and "record_id" not in frame.columns:
            start = conn.execute(select(func.coalesce(func.max(tbl.c.record_id), 0))).scalar_one()
            frame.insert(0, "record_id", range(int(start) + 1, int(start) + 1 + len(frame)))
        rows = writer.insert_frame(conn, tbl, frame)
        period = _period_text(periods)
        writer.record_load(
            conn,
            table_name=tbl.name,
            period=period,
            period_end=_period_end(conn, periods),
            rows=rows,
            source=name[:255],
            checksum=checksum,
            loaded_by=(user or "unknown")[:64],
        )
    log.info("loaded %s rows of %s (%s) from %s by %s", rows, tbl.name, period, name, user)
    return LoadResult(True, rows, [], replaced=max(int(replaced), 0), period=period, table=s.title)


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "工作表": [p.sheet for p in problems],
            "行号": [p.row if p.row is not None else "" for p in problems],
            "列": [p.column for p in problems],
            "问题说明": [p.message for p in problems],
        }
    )


def problems_xlsx(problems: list[Problem]) -> bytes:
    """An error report: one line per problem (sheet, row, column, message), to fix and resend."""
    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    ws.append(["导入校验问题清单:请逐条修改原文件后重新导入(文件有任何问题时不会导入任何数据)"])
    ws.append(["工作表", "行号", "列", "问题说明"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FCE4D6")
    for p in problems:
        ws.append([p.sheet, p.row, p.column, p.message])
    ws.freeze_panes = "A3"
    text_only(wb)  # a file or sheet name like '=HYPERLINK(..)' stays text
    for col, width in zip("ABCD", (14, 8, 24, 90), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    from data_sources.config import redact, warehouse_url
    from data_sources.engine import WarehouseError, create_warehouse_engine

    kinds = "、".join(f"{k}={s.title}" for k, s in SPECS.items())
    parser = argparse.ArgumentParser(description="导入 Excel/CSV 数据文件(先校验,无误后按期间替换)")
    parser.add_argument("file", help="数据文件(.xlsx、.xls 或 .csv)")
    parser.add_argument("--kind", required=True, choices=sorted(SPECS), help=f"数据类型:{kinds}")
    parser.add_argument("--url", default=None, help="数据仓库地址(默认 WAREHOUSE_URL 或演示库)")
    parser.add_argument("--user", default=None, help="导入人(默认当前系统用户)")
    parser.add_argument("--report", default=None, help="有问题时把问题清单写入此 .xlsx 文件")
    args = parser.parse_args(argv)
    path = Path(args.file)
    if not path.is_file():
        print(f"找不到文件:{path}", file=sys.stderr)
        return 1
    url = args.url or warehouse_url()
    try:
        engine = create_warehouse_engine(url)
    except WarehouseError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    try:
        result = load_file(engine, path, args.kind, user=args.user or getpass.getuser())
    finally:
        engine.dispose()
    if result.ok:
        print(f"{result.message()}数据仓库:{redact(url)}")
        return 0
    print(result.message(), file=sys.stderr)
    for p in result.problems:
        print("  " + p.text(), file=sys.stderr)
    if args.report:
        Path(args.report).write_bytes(problems_xlsx(result.problems))
        print(f"问题清单已写入 {args.report}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
