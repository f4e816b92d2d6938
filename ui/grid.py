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
    """st.dataframe with missing cells as '—'."""
    kwargs.setdefault("placeholder", MISSING_CELL)
    return st.dataframe(data, **kwargs)


def data_editor(data: Any, **kwargs: Any):
    """st.data_editor with missing cells as '—'."""
    kwargs.setdefault("placeholder", MISSING_CELL)
    return st.data_editor(data, **kwargs)
