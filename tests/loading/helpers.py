"""Builders for import files (xlsx/csv in tmp_path) and readers of the warehouse for the tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine, func, select, text

from data_sources import codes, templates
from data_sources.load_specs import ALL_FUND_ITEMS, spec
from data_sources.schema import load_log
from data_sources.writer import frame_checksum

ENROLL_HEADERS = ["年度", "月份", "乡镇", "险种", "人群类别", "参保人数"]
FUND_HEADERS = ["年度", "月份", "险种", "收支", "项目", "金额", "结算人次"]
ASSIST_HEADERS = ["支付日期", "年度", "乡镇", "救助对象类别", "救助类型", "金额", "人员标识"]


def write_xlsx(
    path: Path, rows: Sequence[Sequence[object]], *, merges: Sequence[str] = (), sheet: str = "数据"
) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    wb.save(path)
    return path


def write_csv(path: Path, rows: Sequence[Sequence[object]], *, encoding: str = "utf-8-sig") -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def standard(headers: Sequence[str], rows: Sequence[Sequence[object]], unit: str = "单位:人"):
    """Title, unit line and header (as the templates lay them out), then the rows."""
    return [["导入文件"], [unit], list(headers), *[list(r) for r in rows]]


def fill_template(kind: str, rows: list[list[object]], path: Path) -> Path:
    """The downloaded .xlsx template with its example row replaced by rows."""
    wb = load_workbook(io.BytesIO(templates.xlsx_bytes(kind)))
    ws = wb["数据"]
    ws.delete_rows(templates.EXAMPLE_ROW)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def fill_csv_template(kind: str, rows: list[list[object]], path: Path) -> Path:
    lines = templates.csv_bytes(kind).decode("utf-8-sig").splitlines()[: templates.HEADER_ROW]
    out = io.StringIO()
    out.write("\n".join(lines) + "\n")
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8-sig"))
    return path


def frame(engine: Engine, sql: str, **params) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(text(sql), params)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def demo_rows(engine: Engine, kind: str, year: int, month: int | None) -> list[list[object]]:
    """The warehouse's rows of one period as staff would type them (names and Chinese labels)."""
    towns = dict(frame(engine, "SELECT code, name FROM township").itertuples(index=False))
    m = "AND month = :m" if month is not None else ""
    if kind == "enrollment":
        f = frame(engine, f"SELECT * FROM enrollment WHERE year = :y {m}", y=year, m=month)
        return [
            [
                r.year,
                r.month,
                towns[r.township_code],
                codes.SCHEMES[r.scheme],
                codes.PERSON_GROUPS[r.person_group],
                int(r.enrolled),
            ]
            for r in f.itertuples()
        ]
    if kind == "targets":
        f = frame(engine, "SELECT * FROM enrollment_target WHERE year = :y", y=year)
        # Codes rather than labels, and township codes: both are accepted.
        return [[r.year, r.township_code, r.scheme, int(r.target)] for r in f.itertuples()]
    if kind == "population":
        f = frame(engine, "SELECT * FROM township_population WHERE year = :y", y=year)
        return [
            [r.year, towns[r.township_code], int(r.registered), int(r.resident), int(r.poverty)]
            for r in f.itertuples()
        ]
    if kind == "fund":
        f = frame(engine, f"SELECT * FROM fund_ledger WHERE year = :y {m}", y=year, m=month)
        return [
            [
                r.year,
                r.month,
                codes.SCHEMES[r.scheme],
                codes.FUND_FLOWS[r.flow],
                ALL_FUND_ITEMS[r.item],
                float(r.amount),
                None if pd.isna(r.person_times) else int(r.person_times),
            ]
            for r in f.itertuples()
        ]
    if kind == "assistance":
        f = frame(engine, f"SELECT * FROM assistance WHERE year = :y {m}", y=year, m=month)
        return [
            [
                pd.Timestamp(r.pay_date).strftime("%Y-%m-%d"),
                r.year,
                towns[r.township_code],
                codes.ASSISTANCE_CATEGORIES[r.category],
                codes.ASSISTANCE_KINDS[r.kind],
                float(r.amount),
                r.person_key,
            ]
            for r in f.itertuples()
        ]
    if kind == "procurement":
        f = frame(engine, f"SELECT * FROM proc_purchase WHERE year = :y {m}", y=year, m=month)
        return [
            [r.year, r.month, r.product_code, r.institution_code, int(r.volume)]
            for r in f.itertuples()
        ]
    if kind == "drg":
        f = frame(engine, f"SELECT * FROM drg_case WHERE year = :y {m}", y=year, m=month)
        return [
            [
                int(r.case_id),
                r.year,
                r.month,
                r.hospital_code,
                r.drg_code,
                float(r.weight),
                codes.DRG_OUTLIERS[r.outlier],
                float(r.total_cost),
                float(r.fund_paid),
            ]
            for r in f.itertuples()
        ]
    raise AssertionError(kind)


def table_state(engine: Engine, kind: str) -> tuple[str, int]:
    """(checksum of the kind's table, number of loads): what a refused file must not change."""
    tbl = spec(kind).table
    f = frame(engine, f'SELECT * FROM "{tbl.name}"')
    with engine.connect() as conn:
        loads = conn.execute(select(func.count()).select_from(load_log)).scalar_one()
    return frame_checksum(f), int(loads)
