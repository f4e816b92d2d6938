"""Validation of a read file before anything is written: every problem at once, in Chinese.

`validate(conn, table, spec)` turns the raw cells of `data_sources.reader.Table` into typed
warehouse columns and returns them with the list of `Problem`s (sheet, row, column, message):
missing values, unknown townships and codes, text in numbers, negative amounts, months outside
1..12, dates outside the year or invalid, duplicate keys, 合计/小计 rows that do not match the
rows they total, cumulative enrollment that falls month over month (also against the months
already in the warehouse), DRG case ids already loaded for another month.

The warehouse is read with SQLAlchemy Core and bound parameters only.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd
from sqlalchemy import Connection, and_, literal, not_, or_, select
from sqlalchemy import Table as SaTable

from data_sources import ranges, schema, synonyms, upgrade
from data_sources.load_specs import Field, LoadSpec, Problem
from data_sources.reader import Table, as_date, norm
from metrics import settings

__all__ = ["Problem", "validate"]

KIND_NAMES = {
    "scheme": "险种",
    "person_group": "人群类别",
    "flow": "收支",
    "item": "项目",
    "category": "救助对象类别",
    "kind": "救助类型",
    "outlier": "病例类型",
}


def _number(value: object) -> float | None:
    """A cell as a float, None when it is not a number ('1,234' and '１２' are numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return None if math.isnan(float(value)) else float(value)
    text = norm(value)
    if not isinstance(text, str):
        return None
    text = text.replace(",", "").replace(" ", "")
    if not text.endswith("万元"):
        text = text.removesuffix("人次").removesuffix("元").removesuffix("人")
    try:
        number = float(text)
    except ValueError:
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _shown(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _fmt(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".") if not float(x).is_integer() else f"{int(x):,}"


# Reference types -> (what to load first, the kind to load) when the warehouse's list is empty.
EMPTY_REFERENCE: dict[str, tuple[str, str]] = {
    "township": ("乡镇名单为空,请先导入乡镇", "townships"),
    "institution": ("定点医药机构名单为空,请先导入定点医药机构", "institutions"),
    "product": ("集采中选产品名单为空,请先导入集采中选产品", "proc_products"),
    "drg": ("DRG分组为空,请先导入DRG分组", "drg_groups"),
    "batch": ("集采批次为空,请先导入集采批次", "proc_batches"),
}


class _Refs:
    """Reference lists read from the warehouse once per validation."""

    def __init__(self, conn: Connection, s: LoadSpec) -> None:
        types = {f.type for f in s.fields}
        self.town_by_code: dict[str, str] = {}
        self.town_by_name: dict[str, str] = {}
        if "township" in types:
            t = schema.township
            # A warehouse built before the aliases column (DuckDB cannot add it in place).
            aliases = (
                t.c.aliases
                if upgrade.has_column(conn.engine, "township", "aliases")
                else literal(None).label("aliases")
            )
            rows = [
                (str(code), str(name), alias)
                for code, name, alias in conn.execute(
                    select(t.c.code, t.c.name, aliases).order_by(t.c.sort_order)
                )
            ]
            self.town_by_code = {code: name for code, name, _ in rows}
            self.town_by_name = synonyms.township_lookup(rows)
        self.institutions: set[str] = set()
        if "institution" in types:
            self.institutions = {str(c) for (c,) in conn.execute(select(schema.institution.c.code))}
        self.products: set[str] = set()
        if "product" in types:
            self.products = {
                str(c) for (c,) in conn.execute(select(schema.proc_product.c.product_code))
            }
        self.drgs: set[str] = set()
        if "drg" in types:
            self.drgs = {str(c) for (c,) in conn.execute(select(schema.drg_group.c.drg_code))}
        self.batches: set[str] = set()
        if "batch" in types:
            self.batches = {str(c) for (c,) in conn.execute(select(schema.proc_batch.c.batch_code))}

    def empty(self, t: str) -> bool:
        """True when the warehouse has no entry at all of a reference type."""
        return {
            "township": not self.town_by_code,
            "institution": not self.institutions,
            "product": not self.products,
            "drg": not self.drgs,
            "batch": not self.batches,
        }.get(t, False)

    def town_forms(self) -> str:
        names = list(self.town_by_code.values())
        shown = "、".join(names[:30]) + ("等" if len(names) > 30 else "")
        return f"可填:{shown}(或其9位代码、乡镇名录中登记的别名)"


def _is_row(value: object) -> bool:
    return value is not None and not pd.isna(value)


def year_problem(year: int, value: object) -> str | None:
    """A year outside the sensible range (settings.IMPORT_FIRST_YEAR .. this year + ahead)."""
    last = dt.date.today().year + settings.IMPORT_YEARS_AHEAD
    if settings.IMPORT_FIRST_YEAR <= year <= last:
        return None
    return (
        f"年度“{_shown(value)}”超出合理范围({settings.IMPORT_FIRST_YEAR}年至{last}年),"
        "请检查是否填错。"
    )


def _convert(
    f: Field, value: object, refs: _Refs, scale: float, table: SaTable
) -> tuple[object, str | None]:
    """(typed value, None) or (None, Chinese problem)."""
    if (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and not value.strip())
    ):
        return None, ("必填项为空。" if f.required else None)
    t = f.type
    if t == "month":
        parsed = synonyms.parse_month(value)
        if parsed is None or not 1 <= parsed[1] <= 12:
            return None, (
                f"月份“{_shown(value)}”不正确,应在1到12之间,可写作:{synonyms.MONTH_FORMS}。"
            )
        if parsed[0] is not None:
            problem = year_problem(parsed[0], value)
            if problem:
                return None, problem
            return parsed, None  # (year, month): the caller checks the year column agrees
        return parsed[1], None
    if t in ("int", "money", "decimal", "year"):
        text = value
        if t == "year" and isinstance(value, str):
            text = value.removesuffix("年")
        number = _number(text)
        if number is None:
            return None, f"“{_shown(value)}”不是数字,请填写数值。"
        if t == "year":
            if not number.is_integer() or not 1000 <= number <= 9999:
                return None, f"年度“{_shown(value)}”不正确,应为四位年份(如 2023)。"
            problem = year_problem(int(number), value)
            if problem:
                return None, problem
            return int(number), None
        if number < 0:
            return None, f"不能为负数(填写的是 {_shown(value)})。"
        if t == "int":
            if not number.is_integer():
                return None, f"应为整数(填写的是 {_shown(value)})。"
            return int(number), None
        if t == "money":
            return round(number * scale, 2), None
        return number, None
    if t in ("date", "any_date"):
        date = as_date(value)
        if date is None:
            return None, f"“{_shown(value)}”不是有效日期,请按 2023-10-08 的格式填写。"
        if t == "date" and date > dt.date.today():
            return None, f"日期 {date.isoformat()} 晚于今天,请检查。"
        problem = year_problem(date.year, value)
        if problem:
            return None, problem
        return date, None
    text = str(norm(_shown(value)))
    if t == "township":
        code = (
            text if text in refs.town_by_code else refs.town_by_name.get(re.sub(r"\s+", "", text))
        )
        if code is None:
            return (
                None,
                f"未知乡镇“{text}”:不是本地乡镇(街道)的名称、代码或别名;{refs.town_forms()}。",
            )
        return code, None
    if t == "code":
        assert f.codes is not None
        if text in f.codes:
            return text, None
        by_label = {label: code for code, label in f.codes.items()}
        if text in by_label:
            return by_label[text], None
        extra = synonyms.FIELD_SYNONYMS.get(f.column)
        if extra and set(extra) != set(f.codes):
            extra = None  # another code list under the same column name (institution kinds)
        if extra:
            code = synonyms.code_for(text, extra)
            if code is not None and code in f.codes:
                return code, None
        what = KIND_NAMES.get(f.column, f.header)
        forms = synonyms.accepted(extra) if extra else "、".join(f.codes.values())
        return None, f"“{text}”不是有效的{what},可填:{forms}。"
    if t == "batch":
        if text not in refs.batches:
            return None, f"批次编码“{text}”不是已登记的集采批次。"
        return text, None
    if t == "institution":
        if text not in refs.institutions:
            return None, f"机构编码“{text}”未在系统中登记(定点医药机构)。"
        return text, None
    if t == "product":
        if text not in refs.products:
            return None, f"产品编码“{text}”不是已登记的集采中选产品。"
        return text, None
    if t == "drg":
        if text not in refs.drgs:
            return None, f"DRG组“{text}”不是已登记的DRG分组。"
        return text, None
    # text
    column = table.c.get(f.column)
    length = getattr(getattr(column, "type", None), "length", None)
    if length and len(text) > length:
        return None, f"内容过长(最多 {length} 个字符)。"
    return text, None


def validate(conn: Connection, table: Table, s: LoadSpec) -> tuple[pd.DataFrame, list[Problem]]:
    """Typed frame (index: source rows) and every problem found; write only when none."""
    problems: list[Problem] = list(table.problems)
    sheet = table.sheet
    refs = _Refs(conn, s)
    raw = table.frame
    typed = pd.DataFrame(index=raw.index)
    bad_rows: set[int] = set()
    for f in s.fields:
        if f.column not in raw.columns:
            # A missing 年度 may be carried by the months ('2023年10月'): see _months_with_years.
            if f.required and not (f.column == "year" and "month" in raw.columns):
                bad_rows.update(raw.index)
            typed[f.column] = None
            continue
        header = table.headers[f.column]
        scale = table.scale.get(f.column, 1.0)
        if f.type in EMPTY_REFERENCE and refs.empty(f.type) and not raw.empty:
            # One message instead of one per row: nothing can match an empty list.
            message, first = EMPTY_REFERENCE[f.type]
            problems.append(
                Problem(
                    sheet,
                    None,
                    header,
                    f"{message}(数据类型“{_kind_title(first)}”),再导入本文件。",
                )
            )
            bad_rows.update(int(r) for r in raw.index)
            typed[f.column] = pd.Series([None] * len(raw), index=raw.index, dtype=object)
            continue
        values = []
        for row, value in raw[f.column].items():
            converted, problem = _convert(f, value, refs, scale, s.table)
            if problem:
                problems.append(Problem(sheet, int(row), header, problem))
                bad_rows.add(int(row))
            values.append(converted)
        typed[f.column] = pd.Series(values, index=raw.index, dtype=object)

    header_of = {f.column: table.headers.get(f.column, f.header) for f in s.fields}
    problems = _months_with_years(typed, raw, problems, bad_rows, sheet, header_of)

    # Dates carry the period of row-level facts (assistance): the year must match when given.
    if "pay_date" in typed.columns:
        for row, date in typed["pay_date"].items():
            if date is None:
                continue
            year = typed.at[row, "year"] if "year" in typed.columns else None
            if year is not None and date.year != year:
                problems.append(
                    Problem(
                        sheet,
                        int(row),
                        header_of["pay_date"],
                        f"支付日期 {date.isoformat()} 不在{year}年度内。",
                    )
                )
                bad_rows.add(int(row))
        typed["year"] = [d.year if d is not None else None for d in typed["pay_date"]]
        typed["month"] = [d.month if d is not None else None for d in typed["pay_date"]]

    # Fund items belong to one flow.
    if s.kind == "fund":
        from data_sources.codes import FUND_FLOWS, FUND_ITEMS

        for row in typed.index:
            flow, item = typed.at[row, "flow"], typed.at[row, "item"]
            if flow and item and item not in FUND_ITEMS[flow]:
                problems.append(
                    Problem(
                        sheet,
                        int(row),
                        header_of["item"],
                        f"项目“{raw.at[row, 'item']}”不属于{FUND_FLOWS[flow]},"
                        f"可填:{'、'.join(FUND_ITEMS[flow].values())}。",
                    )
                )
                bad_rows.add(int(row))

    problems += ranges.out_of_range(typed, s, sheet, header_of, bad_rows)  # adds to bad_rows
    good = typed.loc[[r for r in typed.index if r not in bad_rows]]
    problems += _duplicates(good, s, sheet, header_of)
    problems += _totals(table, typed, bad_rows, s, header_of)
    if s.cumulative:
        problems += _cumulative(conn, good, s, sheet, header_of)
    if s.kind == "drg":
        problems += _case_ids_elsewhere(conn, good, sheet, header_of["case_id"])
    problems.sort(key=lambda p: (p.sheet, p.row or 0, p.column))
    return typed, problems


def _kind_title(kind: str) -> str:
    from data_sources.load_specs import SPECS

    return SPECS[kind].title


def _months_with_years(
    typed: pd.DataFrame,
    raw: pd.DataFrame,
    problems: list[Problem],
    bad_rows: set[int],
    sheet: str,
    header_of: dict[str, str],
) -> list[Problem]:
    """Months written with their year ('2023年10月', '202310'): the year fills a missing 年度
    column, and must agree with a 年度 given in the same row."""
    if "month" not in typed.columns or "year" not in typed.columns:
        return problems
    year_missing = "year" not in raw.columns
    carried = {int(r): isinstance(v, tuple) for r, v in typed["month"].items()}
    if year_missing:
        # Rows whose month does not name its year have no year at all (the reader reported the
        # missing column); when every month names it, the column is not needed.
        bad_rows.update(r for r, has in carried.items() if not has)
        if all(carried.values()):
            problems = [p for p in problems if p.message != "缺少必填列“年度”。"]
    if not any(carried.values()):
        return problems
    years, months = [], []
    for row, value in typed["month"].items():
        year = typed.at[row, "year"]
        if isinstance(value, tuple):
            if year is not None and year != value[0]:
                problems.append(
                    Problem(
                        sheet,
                        int(row),
                        header_of["month"],
                        f"月份“{value[0]}年{value[1]}月”与年度“{year}”不一致,请核对。",
                    )
                )
                bad_rows.add(int(row))
            year, value = value[0], value[1]
        years.append(year)
        months.append(value)
    typed["year"] = pd.Series(years, index=typed.index, dtype=object)
    typed["month"] = pd.Series(months, index=typed.index, dtype=object)
    return problems


def _duplicates(
    good: pd.DataFrame, s: LoadSpec, sheet: str, header_of: dict[str, str]
) -> list[Problem]:
    if good.empty:
        return []
    keys = list(s.keys)
    out = []
    key_text = "、".join(header_of[k] for k in keys)
    first_row: dict[tuple, int] = {}
    for row, key in zip(good.index, good[keys].itertuples(index=False, name=None), strict=True):
        if key in first_row:
            out.append(
                Problem(
                    sheet,
                    int(row),
                    key_text,
                    f"与第{first_row[key]}行重复({key_text}相同),请删除重复行。",
                )
            )
        else:
            first_row[key] = int(row)
    return out


def _totals(
    table: Table, typed: pd.DataFrame, bad_rows: set[int], s: LoadSpec, header_of: dict[str, str]
) -> list[Problem]:
    out = []
    summable = [f for f in s.fields if f.summable and f.column in typed.columns]
    start_sub, start_total = 0, 0
    for total in table.totals:
        is_sub = total.label == "小计"
        start = start_sub if is_sub else start_total
        rows = [r for r in typed.index if start < r < total.row]
        if not rows:
            # A total directly under the header (a common layout) totals the rows below it.
            end = next((t.row for t in table.totals if t.row > total.row), math.inf)
            rows = [r for r in typed.index if total.row < r < end]
        for f in summable:
            value = total.values.get(f.column)
            if value is None:
                continue
            number = _number(value)
            header = header_of[f.column]
            if number is None:
                out.append(
                    Problem(
                        table.sheet,
                        total.row,
                        header,
                        f"{total.label}行的“{_shown(value)}”不是数字。",
                    )
                )
                continue
            scale = table.scale.get(f.column, 1.0)
            stated = number * scale
            detail = sum(float(v) for r, v in typed.loc[rows, f.column].items() if v is not None)
            # Money: a cent, or half a cent per row when the details were rounded one by one.
            tolerance = scale * max(0.011, 0.005 * len(rows)) if f.type == "money" else 0.5
            if any(r in bad_rows for r in rows):
                continue  # the rows' own problems come first
            if abs(stated - detail) > tolerance:
                out.append(
                    Problem(
                        table.sheet,
                        total.row,
                        header,
                        f"{total.label}为 {_fmt(number)},与第{rows[0] if rows else '-'}至"
                        f"{rows[-1] if rows else '-'}行明细之和 {_fmt(detail / scale)} 不一致,请核对。",
                    )
                )
        start_sub = total.row
        if not is_sub:
            start_total = total.row
    return out


def _cumulative(
    conn: Connection, good: pd.DataFrame, s: LoadSpec, sheet: str, header_of: dict[str, str]
) -> list[Problem]:
    """A month-end cumulative count (enrollment) must not fall within a year."""
    assert s.cumulative is not None
    if good.empty:
        return []
    col, by = s.cumulative, list(s.cumulative_by)
    tbl = s.table
    years = sorted({int(y) for y in good["year"]})
    months = sorted({(int(y), int(m)) for y, m in zip(good["year"], good["month"], strict=True)})
    stmt = select(*(tbl.c[c] for c in ("year", "month", *by, col))).where(
        tbl.c.year.in_(years),
        not_(or_(*(and_(tbl.c.year == y, tbl.c.month == m) for y, m in months))),
    )
    stored = pd.DataFrame(conn.execute(stmt).fetchall(), columns=["year", "month", *by, col])
    stored["row"] = pd.Series([None] * len(stored), dtype=object)
    mine = good[["year", "month", *by, col]].copy()
    mine["row"] = pd.Series([int(r) for r in good.index], index=mine.index, dtype=object)
    both = pd.concat([stored, mine], ignore_index=True)
    both["year"] = both["year"].astype(int)
    both["month"] = both["month"].astype(int)
    out = []
    header = header_of[col]
    for _, group in both.groupby(["year", *by], sort=False):
        group = group.sort_values("month")
        prev = None
        for rec in group.itertuples(index=False):
            if prev is not None and (_is_row(rec.row) or _is_row(prev.row)):
                value, before = float(getattr(rec, col)), float(getattr(prev, col))
                if value < before:
                    where_prev = (
                        f"第{prev.row}行({prev.year}年{prev.month}月)"
                        if _is_row(prev.row)
                        else f"数据仓库中{prev.year}年{prev.month}月"
                    )
                    if _is_row(rec.row):
                        out.append(
                            Problem(
                                sheet,
                                int(rec.row),
                                header,
                                f"累计数不应下降:{rec.year}年{rec.month}月为 {_fmt(value)},"
                                f"低于{where_prev}的 {_fmt(before)}。",
                            )
                        )
                    else:
                        out.append(
                            Problem(
                                sheet,
                                int(prev.row),
                                header,
                                f"累计数不应下降:{prev.year}年{prev.month}月为 {_fmt(before)},"
                                f"高于数据仓库中{rec.year}年{rec.month}月的 {_fmt(value)}。",
                            )
                        )
            prev = rec
    return out


def _case_ids_elsewhere(
    conn: Connection, good: pd.DataFrame, sheet: str, header: str
) -> list[Problem]:
    """DRG case ids of the file already loaded for a month the file does not replace."""
    if good.empty:
        return []
    tbl = schema.drg_case
    months = sorted({(int(y), int(m)) for y, m in zip(good["year"], good["month"], strict=True)})
    row_of = {int(c): int(r) for r, c in good["case_id"].items()}
    ids = sorted(row_of)
    out = []
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        stmt = select(tbl.c.case_id, tbl.c.year, tbl.c.month).where(
            tbl.c.case_id.in_(chunk),
            not_(or_(*(and_(tbl.c.year == y, tbl.c.month == m) for y, m in months))),
        )
        for case_id, year, month in conn.execute(stmt):
            out.append(
                Problem(
                    sheet,
                    row_of[int(case_id)],
                    header,
                    f"病例号 {case_id} 已作为{year}年{month}月的病例导入过,请核对病例号或月份。",
                )
            )
    return out
