"""What each AREA of the dashboard has loaded: 数据截至, emptiness, the completeness grid.

- 数据截至 follows the latest month of MONTHLY facts (参保人数, 基金台账, 救助明细, 集采采购量,
  DRG病例), never an annual table or a 名录: loading the year's 参保任务数 first does not put
  "2023年12月31日" on the dashboard.
- A warehouse is empty only when no fact table holds a row: assistance or DRG data alone is
  data.
- A page whose area has nothing yet says "尚未导入…" while the other pages work.
- `completeness(conn, year)`: area × month, loaded or missing, rows, when and by whom.

Everything is read with aggregated SELECTs and bound parameters.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Table, func, select

from data_sources import schema

# Area -> (Chinese name, the monthly fact tables that carry its months).
AREAS: dict[str, tuple[str, tuple[Table, ...]]] = {
    "enrollment": ("参保扩面", (schema.enrollment,)),
    "fund": ("基金收支", (schema.fund_ledger,)),
    "assistance": ("医疗救助", (schema.assistance,)),
    "procurement": ("集中带量采购", (schema.proc_purchase,)),
    "drg": ("DRG预算执行", (schema.drg_case,)),
}
MONTHLY_TABLES: tuple[str, ...] = tuple(t.name for _, ts in AREAS.values() for t in ts)
# The import kinds that fill each area, named in the "尚未导入" message.
AREA_KINDS: dict[str, str] = {
    "enrollment": "参保人数(月度累计)",
    "fund": "基金收支台账(月度)",
    "assistance": "医疗救助支付明细",
    "procurement": "集采产品实际采购量(月度)",
    "drg": "DRG结算病例",
}
# Pages (ui.nav url paths) that show one area only.
PAGE_AREAS: dict[str, str] = {
    "enrollment": "enrollment",
    "fund": "fund",
    "assistance": "assistance",
    "procurement": "procurement",
    "drg": "drg",
}


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def latest_months(conn: Connection) -> dict[str, tuple[int, int] | None]:
    """Area -> its latest (year, month) with facts, None when the area has none."""
    out: dict[str, tuple[int, int] | None] = {}
    for area, (_, tables) in AREAS.items():
        best: tuple[int, int] | None = None
        for t in tables:
            # Two MAXes rather than MAX(year * 100 + month): no SMALLINT overflow on any engine.
            year = conn.execute(select(func.max(t.c.year))).scalar()
            if year is None:
                continue
            month = conn.execute(select(func.max(t.c.month)).where(t.c.year == year)).scalar()
            ym = (int(year), int(month))
            best = ym if best is None or ym > best else best
        out[area] = best
    return out


def data_years(conn: Connection) -> tuple[int, ...]:
    """Years that any area's monthly facts cover; this year alone when none is loaded yet, so a
    new warehouse still has a year to show (each page then says 尚未导入)."""
    years: set[int] = set()
    for _, tables in AREAS.values():
        for t in tables:
            years.update(int(y) for y in conn.execute(select(t.c.year).distinct()).scalars())
    return tuple(sorted(years)) or (dt.date.today().year,)


def data_cutoff(conn: Connection) -> dt.date | None:
    """数据截至: the last day of the latest month any monthly fact table holds (None: none)."""
    months = [m for m in latest_months(conn).values() if m is not None]
    return _month_end(*max(months)) if months else None


def has_any_facts(conn: Connection) -> bool:
    """True when any fact table holds a row (a warehouse with DRG data only is not empty)."""
    for t in schema.FACT_TABLES:
        if conn.execute(select(t.c[next(iter(t.c.keys()))]).limit(1)).first() is not None:
            return True
    return False


def initialised(conn: Connection) -> bool:
    """True when data_sources.init recorded the region (the warehouse is meant to start empty)."""
    from data_sources.region import read_region

    return read_region(conn) is not None


def not_loaded_message(area: str) -> str:
    name, _ = AREAS[area]
    return (
        f"{name}尚未导入数据。请数据管理员在“数据导入”页导入“{AREA_KINDS[area]}”"
        "(或运行 python -m data_sources.load 文件 --kind 类型 --yes);其他页面不受影响。"
    )


def missing_for_page(conn: Connection, url_path: str) -> str | None:
    """The "尚未导入" message for a one-area page whose area holds nothing, else None."""
    area = PAGE_AREAS.get(url_path)
    if area is None:
        return None
    for t in AREAS[area][1]:
        if conn.execute(select(t.c.year).limit(1)).first() is not None:
            return None
    return not_loaded_message(area)


def page_gap(engine, url_path: str) -> str | None:
    """missing_for_page on its own connection; None (let the page run) when it cannot tell."""
    from sqlalchemy.exc import SQLAlchemyError

    if url_path not in PAGE_AREAS:
        return None
    try:
        with engine.connect() as conn:
            return missing_for_page(conn, url_path)
    except SQLAlchemyError:
        return None  # the page itself reports warehouse errors


@dataclass(frozen=True)
class Cell:
    area: str
    month: int
    rows: int
    loaded_at: dt.datetime | None
    loaded_by: str


_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})(?:~(\d{4})-(\d{2}))?$")


def _months_of(period: str) -> list[tuple[int, int]]:
    """'2023-01~2023-03' -> [(2023, 1), (2023, 2), (2023, 3)]; annual or other text -> []."""
    m = _PERIOD_RE.match(period or "")
    if not m:
        return []
    y1, m1 = int(m.group(1)), int(m.group(2))
    y2, m2 = (int(m.group(3)), int(m.group(4))) if m.group(3) else (y1, m1)
    out = []
    y, mo = y1, m1
    while (y, mo) <= (y2, m2) and len(out) < 600:
        out.append((y, mo))
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    return out


def completeness(conn: Connection, year: int, log_conn: Connection | None = None) -> pd.DataFrame:
    """Area × month of a year: rows in the warehouse, the last load (when, by whom) covering it.

    `log_conn` reads the load log in the app store (default: `conn`, the same database).
    Columns: 方面, 月份, 状态 (已导入/缺), 行数, 导入时间, 导入人.
    """
    rows: dict[tuple[str, int], int] = {}
    for area, (_, tables) in AREAS.items():
        for t in tables:
            stmt = select(t.c.month, func.count()).where(t.c.year == year).group_by(t.c.month)
            for month, n in conn.execute(stmt):
                rows[(area, int(month))] = rows.get((area, int(month)), 0) + int(n)
    table_area = {t.name: a for a, (_, ts) in AREAS.items() for t in ts}
    log = schema.load_log
    last: dict[tuple[str, int], tuple[dt.datetime, str]] = {}
    stmt = (
        select(log.c.table_name, log.c.period, log.c.loaded_at, log.c.loaded_by)
        .where(log.c.table_name.in_(list(table_area)))
        .order_by(log.c.load_id)
    )
    for name, period, at, by in (log_conn or conn).execute(stmt):
        for y, m in _months_of(str(period)):
            if y == year:
                last[(table_area[name], m)] = (at, str(by))
    records = []
    for area, (label, _) in AREAS.items():
        for month in range(1, 13):
            n = rows.get((area, month), 0)
            at, by = last.get((area, month), (None, ""))
            records.append(
                {
                    "方面": label,
                    "月份": f"{month}月",
                    "状态": "已导入" if n else "缺",
                    "行数": n,
                    "导入时间": at,
                    "导入人": by,
                }
            )
    return pd.DataFrame(records)


def completeness_grid(frame: pd.DataFrame) -> pd.DataFrame:
    """The grid as the import page shows it: one row per area, one column per month."""
    cell = frame.apply(lambda r: f"✓ {r['行数']:,}" if r["行数"] else "缺", axis=1)
    grid = frame.assign(格=cell).pivot(index="方面", columns="月份", values="格")
    order = [f"{m}月" for m in range(1, 13)]
    areas = [label for label, _ in AREAS.values()]
    return grid.reindex(index=areas, columns=order)
