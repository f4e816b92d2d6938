"""Small-cell suppression for sensitive counts (named poor households, DOMAIN.md §3).

A row whose count lies in 1..threshold hides every sensitive figure it carries (the count, the
amount paid to those few people, rates computed from them). Then complementary suppression: where
a dimension's cells would add up to a total that is shown elsewhere, a single hidden cell could be
recovered by subtraction, so a second cell of the same group is hidden too.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

SUPPRESSED = "_suppressed"
SMALL = "_suppressed_small"  # hidden because its own count is small (the rest: complementary)


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
) -> pd.DataFrame:
    """Blanks sensitive columns in small rows and marks them.

    `_suppressed` marks every hidden row; `_suppressed_small` those whose own count is small
    (shown as "<10"); the others were hidden only so a small one cannot be derived (shown "*").
    """
    if frame.empty or not sensitive_columns:
        return frame.assign(**{SUPPRESSED: False, SMALL: False})
    small = small_rows(frame, count_columns, threshold)
    mask = complementary(frame, small, [d for d in dims if d in frame.columns], count_columns[0])
    out = frame.copy()
    for col in sensitive_columns:
        out[col] = out[col].astype(float).where(~mask)
    out[SUPPRESSED] = mask
    out[SMALL] = small
    return out
