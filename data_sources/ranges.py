"""Every value checked against its warehouse column's type before anything is written.

The ranges come from the declared schema (`data_sources.schema`), so they follow any change there:

- ``Numeric(p, s)``: after rounding to 15 significant digits (as PostgreSQL casts a float) and to
  s decimals, the absolute value must stay below 10^(p-s) (``Numeric(12, 2)``: below
  10,000,000,000 元; ``Numeric(8, 4)``: below 10,000);
- ``SmallInteger`` ±32,767, ``Integer`` ±2,147,483,647, ``BigInteger`` ±9,223,372,036,854,775,807;
- ``String(n)``: at most n characters.

A value beyond its column is a problem of its row ("数值超出允许范围,未作修改") instead of a
database error half way through the insert.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import BigInteger, Column, Float, Integer, Numeric, SmallInteger, String

from data_sources.load_specs import LoadSpec, Problem


@dataclass(frozen=True)
class Range:
    """What a column holds: numbers below `bound` in absolute value (`decimals` kept), or text of
    at most `length` characters."""

    bound: int | None = None
    decimals: int = 0
    length: int | None = None


def column_range(column: Column) -> Range | None:
    """The range of a declared column, None when its type has none to check.

    >>> from sqlalchemy import Column, Numeric
    >>> column_range(Column("amount", Numeric(12, 2)))
    Range(bound=10000000000, decimals=2, length=None)
    """
    t = column.type
    if isinstance(t, Numeric) and not isinstance(t, Float):
        if t.precision is None:
            return None
        scale = t.scale or 0
        return Range(bound=10 ** (t.precision - scale), decimals=scale)
    # Subclasses first: BigInteger and SmallInteger are Integers.
    if isinstance(t, BigInteger):
        return Range(bound=2**63)
    if isinstance(t, SmallInteger):
        return Range(bound=2**15)
    if isinstance(t, Integer):
        return Range(bound=2**31)
    if isinstance(t, String) and t.length:
        return Range(length=t.length)
    return None


def _fits(value: object, r: Range) -> bool:
    if r.length is not None:
        return not isinstance(value, str) or len(value) <= r.length
    if isinstance(value, bool) or not isinstance(value, int | float):
        return True  # not a number: the type check of the validation speaks for it
    assert r.bound is not None
    if isinstance(value, float):
        # Floats reach the warehouse as such: PostgreSQL casts float8 to numeric through its 15
        # significant digits, so 99,999,999,999,999.98 arrives as 10^14. Check what arrives.
        rounded = round(float(f"{value:.15g}"), r.decimals)
        return rounded == rounded and abs(rounded) < r.bound
    return -r.bound <= value < r.bound


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1e15 else f"{value:.6g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _limit(r: Range, money: bool) -> str:
    assert r.bound is not None
    if r.decimals:
        return f"绝对值应小于 {r.bound:,}{' 元' if money else ''}"
    return f"应在 {-r.bound:,} 至 {r.bound - 1:,} 之间"


def out_of_range(
    typed: pd.DataFrame, s: LoadSpec, sheet: str, header_of: dict[str, str], bad_rows: set[int]
) -> list[Problem]:
    """Problems of the values that their warehouse column cannot hold; their rows join bad_rows.

    `typed` is the validation's frame (index: source rows, values converted: money in 元).
    """
    table = s.table
    money = {f.column for f in s.fields if f.type == "money"}
    out: list[Problem] = []
    for name in typed.columns:
        if name not in table.c:
            continue
        r = column_range(table.c[name])
        if r is None:
            continue
        for row, value in typed[name].items():
            if value is None or _fits(value, r):
                continue
            if r.length is not None:
                message = f"内容过长(最多 {r.length} 个字符),未作修改。"
            else:
                unit = "元" if name in money else ""
                message = (
                    f"数值超出允许范围(填写的是 {_shown(value)}{unit},"
                    f"{_limit(r, name in money)}),未作修改。"
                )
            out.append(Problem(sheet, int(row), header_of.get(name, name), message))
            bad_rows.add(int(row))
    return out
