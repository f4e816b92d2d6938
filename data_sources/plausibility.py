"""Plausibility of a validated file against what the warehouse already holds, before writing.

Warnings (the user confirms them: each may be real), each a `Problem` naming the rows:
- a slice's total about `settings.IMPORT_UNIT_SLIP_RATIO` times off the same slice's previous
  month, or the same month last year for January: the 元/万元 or 人/万人 slip;
- enrolled persons of a township above both its registered and its resident population of the
  year. Not an error: employees are counted where their employer is, so a township with a large
  employer may enrol more persons than live there (the demo county has one such month).

Impossible values (years out of range, negative amounts, cumulative counts that fall) are
errors in `data_sources.validate`.

Year bounds and cumulative counts that fall are checked row by row in `data_sources.validate`.
The warehouse is read with aggregated SELECTs and bound parameters only.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
from sqlalchemy import Connection, and_, func, or_, select

from data_sources import schema
from data_sources.load_specs import LoadSpec, Problem
from metrics import settings


def _rows_text(rows: list[int]) -> str:
    rows = sorted(rows)
    shown = "、".join(str(r) for r in rows[:8]) + ("等" if len(rows) > 8 else "")
    return f"第{shown}行"


def unit_slips(conn: Connection, frame: pd.DataFrame, s: LoadSpec) -> list[Problem]:
    """Warnings for slices whose total is ~10,000× off the previous month (monthly facts; for
    January the same month last year) or last year (annual facts: targets, budgets, balances)."""
    if not s.period or s.measure is None or frame.empty:
        return []
    by, col, tbl = list(s.slice), s.measure, s.table
    period_cols = list(s.period)
    groups: dict[tuple, list[int]] = defaultdict(list)
    totals: dict[tuple, float] = defaultdict(float)
    sheet_of: dict[tuple, str] = {}
    for _, rec in frame.iterrows():
        key = (*(int(rec[c]) for c in period_cols), *(rec[c] for c in by))
        groups[key].append(int(rec["_row"]))
        totals[key] += float(rec[col] or 0)
        sheet_of.setdefault(key, str(rec["_sheet"]))

    def reference(period: tuple[int, ...]) -> tuple[int, ...]:
        if len(period) == 1:
            return (period[0] - 1,)
        year, month = period
        return (year, month - 1) if month > 1 else (year - 1, month)

    n = len(period_cols)
    refs = {key: reference(key[:n]) for key in totals}
    periods = sorted(set(refs.values()))
    stored: dict[tuple, float] = {}
    for start in range(0, len(periods), 200):
        chunk = periods[start : start + 200]
        cols = [tbl.c[c] for c in period_cols + by]
        stmt = (
            select(*cols, func.sum(tbl.c[col]))
            .where(
                or_(
                    *(
                        and_(*(tbl.c[c] == v for c, v in zip(period_cols, p, strict=True)))
                        for p in chunk
                    )
                )
            )
            .group_by(*cols)
        )
        for rec in conn.execute(stmt):
            stored[tuple(rec[: n + len(by)])] = float(rec[-1] or 0)
    ratio = settings.IMPORT_UNIT_SLIP_RATIO
    out: list[Problem] = []
    for key, total in totals.items():
        prev = refs[key]
        ref_key = (*prev, *key[n:])
        # Within the file itself when the reference period is in the file too.
        before = totals.get(ref_key, stored.get(ref_key))
        if not before or not total:
            continue
        factor = total / before
        if factor >= ratio or factor <= 1 / ratio:
            rows = groups[key]
            shown = f"{factor:,.0f} 倍" if factor >= 1 else f"1/{1 / factor:,.0f}"
            out.append(
                Problem(
                    sheet_of[key],
                    None,
                    "",
                    f"{_rows_text(rows)}({_period(key[:n])})合计 {total:,.2f},是"
                    f"{_period(prev)}同一范围 {before:,.2f} 的 {shown}:疑似单位填错"
                    "(元/万元、人/万人),请核对单位行;确属实际变化的,确认后导入。",
                )
            )
    return out


def _period(p: tuple[int, ...]) -> str:
    return f"{p[0]}年{p[1]}月" if len(p) == 2 else f"{p[0]}年"


def enrolled_above_population(conn: Connection, frame: pd.DataFrame, s: LoadSpec) -> list[Problem]:
    """Warnings: a township's enrolled persons (both schemes, one month) above both its registered
    and its resident population of that year (only checked where the population is loaded)."""
    if s.kind != "enrollment" or frame.empty:
        return []
    pop = schema.township_population
    years = sorted({int(y) for y in frame["year"]})
    limits = {
        (int(y), str(t)): max(int(r), int(d))
        for y, t, r, d in conn.execute(
            select(pop.c.year, pop.c.township_code, pop.c.registered, pop.c.resident).where(
                pop.c.year.in_(years)
            )
        )
    }
    # The stored rows of the same months and townships that this file does not replace count too.
    tbl = s.table
    sums: dict[tuple, float] = defaultdict(float)
    rows_of: dict[tuple, list[int]] = defaultdict(list)
    sheet_of: dict[tuple, str] = {}
    for _, rec in frame.iterrows():
        key = (int(rec["year"]), int(rec["month"]), str(rec["township_code"]))
        sums[key] += float(rec["enrolled"])
        rows_of[key].append(int(rec["_row"]))
        sheet_of.setdefault(key, str(rec["_sheet"]))
    covered = {
        (int(r["year"]), int(r["month"]), str(r["township_code"]), str(r["scheme"]))
        for _, r in frame.iterrows()
    }
    keys = sorted(sums)
    for start in range(0, len(keys), 200):
        chunk = keys[start : start + 200]
        stmt = (
            select(
                tbl.c.year, tbl.c.month, tbl.c.township_code, tbl.c.scheme, func.sum(tbl.c.enrolled)
            )
            .where(
                or_(
                    *(
                        and_(tbl.c.year == y, tbl.c.month == m, tbl.c.township_code == t)
                        for y, m, t in chunk
                    )
                )
            )
            .group_by(tbl.c.year, tbl.c.month, tbl.c.township_code, tbl.c.scheme)
        )
        for y, m, t, scheme, total in conn.execute(stmt):
            if (int(y), int(m), str(t), str(scheme)) not in covered:
                sums[(int(y), int(m), str(t))] += float(total or 0)
    out = []
    for key, total in sums.items():
        limit = limits.get((key[0], key[2]))
        if limit is not None and total > limit:
            rows = rows_of[key]
            out.append(
                Problem(
                    sheet_of[key],
                    None,
                    "",
                    f"{_rows_text(rows)}:{key[0]}年{key[1]}月该乡镇参保人数合计 {total:,.0f} 人,"
                    f"超过其{key[0]}年户籍人口和常住人口(较大者 {limit:,} 人),请核对单位"
                    "(人/万人)或乡镇。",
                )
            )
    return out
