"""Small-cell protection of sensitive figures (named poor households, DOMAIN.md §3).

For viewers without the right (settings.SMALL_CELL_ROLES), three rules, applied by
`metrics.execute` to every result, so cards, tables, charts, the paragraph and every export of
any period and breakdown get them alike:

1. Small cells: a row whose count lies in 1..threshold hides every sensitive figure it carries
   (the count, the amount paid to those few people, rates computed from them), shown "<10".
2. Complementary suppression: where a dimension's cells add up to a total shown elsewhere, a lone
   hidden cell of a group also hides the smallest visible cell of that group ("*").
3. Rounding (`rounded`): every other sensitive figure is rounded half up to a base, counts to 10
   (settings.SENSITIVE_COUNT_BASE), amounts to 10 000 元 (SENSITIVE_AMOUNT_BASE_YUAN, whole
   万元); a positive amount below half the base is hidden rather than shown as 0. Rates are
   then derived from the rounded figures.

Why rounding rather than secondary suppression across periods: a restricted viewer can choose any
of 24 periods a year (1-m月 and m月), every breakdown and its total, and 同比 against last year;
1-4月 minus 1-3月 is the April cell, 1-5月 minus 5月 is 1-4月 again, so hiding cascades and
covering every pair of every table is a large cell-suppression problem. Rounding protects each
figure by itself, whatever else is shown, as statistical offices publish counts.

Why no hidden cell is recovered by subtracting two visible figures: with R(x) = b·⌊x/b + ½⌋, two
visible figures differ by a multiple of b. If A = B + h for a hidden cell h (a count 1..10, with
b = 10), then R(A) − R(B) is 0 or 10, and all the viewer learns is A ∈ [R(A) − 5, R(A) + 5) and
B ∈ [R(B) − 5, R(B) + 5): h ∈ 1..9 when the difference is 0, h ∈ 1..10 when it is 10, never one
value. For amounts the interval is 2 万元 wide, against a display precision of 0.01万元.
tests/security/test_small_cells.py runs this attack on the demo county for two roles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from metrics import settings

SUPPRESSED = "_suppressed"
SMALL = "_suppressed_small"  # hidden because its own count is small (the rest: complementary)
COUNT_UNITS = ("persons", "person_times", "count")
ROUNDED_NOTE = (
    "注:为保护困难群众个人信息,救助人次、人数按四舍五入取整到十位,金额取整到万元"
    "(不足0.5万元的显示为“*”),合计与分项之和可能略有差异。"
)


def base_for(unit: str) -> float | None:
    """The rounding base of a sensitive figure by its unit (None: not rounded, e.g. rates)."""
    if unit in COUNT_UNITS:
        return float(settings.SENSITIVE_COUNT_BASE)
    if unit == "yuan":
        return float(settings.SENSITIVE_AMOUNT_BASE_YUAN)
    return None


def rounded(values: pd.Series, base: float) -> pd.Series:
    """Rounds half up to a multiple of `base`; missing stays missing.

    >>> rounded(pd.Series([0, 4, 5, 14, 15, 1449, None]), 10).tolist()
    [0.0, 0.0, 10.0, 10.0, 20.0, 1450.0, nan]
    """
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    return pd.Series(np.floor(numbers / base + 0.5) * base, index=values.index)


def small_rows(frame: pd.DataFrame, count_columns: Sequence[str], threshold: int) -> pd.Series:
    """True where any count is between 1 and threshold (0 reveals nothing: nobody)."""
    mask = pd.Series(False, index=frame.index)
    for col in count_columns:
        values = pd.to_numeric(frame[col], errors="coerce")
        mask |= values.between(1, threshold)
    return mask


def complementary(
    frame: pd.DataFrame, mask: pd.Series, dims: Sequence[str], size_column: str
) -> pd.Series:
    """Widens the mask so no group along any dimension has exactly one hidden cell.

    For each dimension d, rows sharing all other dimensions form a group whose sum is a margin
    a reader may know; a lone hidden cell in such a group also hides the smallest visible
    non-empty cell of the group. Repeats until nothing changes.

    >>> f = pd.DataFrame({"t": ["a", "a", "a"], "c": ["x", "y", "z"], "n": [3, 40, 50]})
    >>> complementary(f, pd.Series([True, False, False]), ["t", "c"], "n").tolist()
    [True, True, False]
    """
    mask = mask.copy()
    if not dims or frame.empty:
        return mask
    sizes = pd.to_numeric(frame[size_column], errors="coerce").fillna(0)
    # Group numbers per dimension, computed once: only groups holding exactly one hidden cell
    # are visited, so a township × category table of a province stays fast.
    group_ids = []
    for dim in dims:
        others = [d for d in dims if d != dim]
        if others:
            ids = frame.groupby(others, dropna=False, sort=False).ngroup()
        else:
            ids = pd.Series(0, index=frame.index)
        group_ids.append(ids)
    changed = True
    while changed:
        changed = False
        for ids in group_ids:
            hidden_per_group = mask.groupby(ids).transform("sum")
            size_per_group = ids.map(ids.value_counts())
            lone = mask & (hidden_per_group == 1) & (size_per_group >= 2)
            for group in ids[lone].unique():
                members = ids.index[ids == group]
                visible = sizes.loc[members][~mask.loc[members] & (sizes.loc[members] > 0)]
                if visible.empty:
                    continue
                mask.loc[visible.idxmin()] = True
                changed = True
    return mask


def apply(
    frame: pd.DataFrame,
    *,
    sensitive_columns: Sequence[str],
    count_columns: Sequence[str],
    dims: Sequence[str],
    threshold: int,
    units: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Blanks sensitive columns in small rows, rounds the rest, and marks them.

    `_suppressed` marks every row with a hidden figure; `_suppressed_small` those whose own count
    is small (shown as "<10"); the others were hidden only so a small one cannot be derived, or
    hold a positive amount too small to round (shown "*"). `units` maps the sensitive simple
    metrics to their unit: those are rounded (`base_for`); derived columns are left for the
    caller to derive again from the rounded figures.
    """
    if frame.empty or not sensitive_columns:
        return frame.assign(**{SUPPRESSED: False, SMALL: False})
    small = small_rows(frame, count_columns, threshold)
    mask = complementary(frame, small, [d for d in dims if d in frame.columns], count_columns[0])
    out = frame.copy()
    for col in sensitive_columns:
        out[col] = out[col].astype(float).where(~mask)
    for col, unit in (units or {}).items():
        base = base_for(unit)
        if base is None or col not in out.columns:
            continue
        true = out[col]
        out[col] = rounded(true, base)
        tiny = (true > 0) & (out[col] == 0)  # would read as "none": hide instead
        out.loc[tiny, col] = np.nan
        mask = mask | tiny
    out[SUPPRESSED] = mask
    out[SMALL] = small
    return out
