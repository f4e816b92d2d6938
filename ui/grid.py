"""The one way a page draws a data grid: st.dataframe / st.data_editor with missing cells shown
as "—" (Streamlit writes the word "None" for a null number or text unless told otherwise).

Pages and ui/ modules call `grid.dataframe` instead of `st.dataframe`; a test fails on any direct
call (tests/unit/test_grid.py), and the page tests check every grid's missing cells.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from metrics.units import MISSING

# What a missing cell reads on screen: the same dash as a missing figure in a card or a caption.
MISSING_CELL = MISSING


def dataframe(data: Any, **kwargs: Any):
    """st.dataframe with missing cells as '—'; on a phone, the main columns only."""
    kwargs.setdefault("placeholder", MISSING_CELL)
    columns = [str(c) for c in getattr(data, "columns", [])]
    phone = bool(columns) and "column_order" not in kwargs and is_phone()
    cut = phone and len(columns) > PHONE_COLUMNS
    if phone:
        shown = phone_columns(columns) if cut else columns
        if cut:
            kwargs["column_order"] = shown
        kwargs["column_config"] = narrow(kwargs.get("column_config") or {}, shown)
    event = st.dataframe(data, **kwargs)
    if cut:
        st.caption(PHONE_NOTE)
    return event


def data_editor(data: Any, **kwargs: Any):
    """st.data_editor with missing cells as '—'."""
    kwargs.setdefault("placeholder", MISSING_CELL)
    return st.data_editor(data, **kwargs)


# Setting. On a phone a display table keeps its first column (the township, institution or item),
# its main figure and its 状态 when it has one: three columns fit a 390 px screen without
# scrolling sideways; the whole table stays one tap away in its 导出Excel file.
PHONE_COLUMNS = 3
PHONE_NOTE = "手机上只显示主要列;完整表格请点“导出Excel”或在电脑上查看。"
_PHONE_AGENTS = ("iPhone", "Android", "Mobile", "HarmonyOS")


def is_phone() -> bool:
    """True when the browser says it is a phone (its User-Agent), for this script run."""
    try:
        agent = st.context.headers.get("User-Agent", "") or ""
    except Exception:  # no browser session (bare script runs): not a phone
        return False
    return any(word in agent for word in _PHONE_AGENTS)


def phone_columns(columns: list[str], limit: int = PHONE_COLUMNS) -> list[str]:
    """The columns a phone shows: the first, the 状态 column if any, then the next ones in order.

    >>> phone_columns(["乡镇", "参保人数(人)", "任务数(人)", "完成率", "状态"])
    ['乡镇', '参保人数(人)', '状态']
    >>> phone_columns(["乡镇", "人数"])
    ['乡镇', '人数']
    """
    if len(columns) <= limit:
        return list(columns)
    status = [c for c in columns[1:] if "状态" in c][:1]
    rest = [c for c in columns[1:] if c not in status][: limit - 1 - len(status)]
    chosen = set(columns[:1] + rest + status)
    return [c for c in columns if c in chosen]


# Setting. Pixel widths on a phone: the first column (a township or institution name, cut with
# "…" when longer) and each kept figure: 130 + 2 × 90, with a row-selection column of about 32 px,
# fits the 364 px a 390 px screen leaves.
PHONE_FIRST_WIDTH, PHONE_FIGURE_WIDTH = 130, 90


def narrow(config: dict, columns: list[str]) -> dict:
    """The column config with the kept columns at phone widths (the first wider); each column's
    own settings (number format, label) are kept, its width replaced.

    >>> narrow({"人数": {"type_config": {"type": "number"}}}, ["乡镇", "人数"])["人数"]["width"]
    90
    """
    out = dict(config)
    for i, name in enumerate(columns):
        entry = out.get(name)
        if isinstance(entry, str):  # a bare label
            entry = {"label": entry}
        entry = dict(entry) if isinstance(entry, dict) else {}
        entry["width"] = PHONE_FIRST_WIDTH if i == 0 else PHONE_FIGURE_WIDTH
        out[name] = entry
    return out
