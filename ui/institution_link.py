"""Into 机构详情 and back: the URL of an institution's detail for the same period and filters, and
the table rows and buttons that open it (乡镇详情, DRG预算执行, 集中带量采购)."""

from __future__ import annotations

import streamlit as st

from ui import nav, state

INST = "inst"  # URL parameter: the institution's code
ORIGIN = "from"  # URL parameter: the url_path of the page the detail was opened from


def params_for(filters: state.Filters, code: str, origin: str) -> dict[str, str]:
    """The detail's URL parameters: the filters as ui/state.py writes them, the code and the
    page to return to.

    >>> f = state.Filters(2023, 10, "360121101", "向塘镇", None)
    >>> params_for(f, "H1", "drg")
    {'year': '2023', 'month': '10', 'town': '360121101', 'inst': 'H1', 'from': 'drg'}
    """
    kept = {
        state.YEAR: filters.year,
        state.MONTH: filters.month,
        state.TOWN: filters.township,
        state.SCHEME: filters.scheme,
    }
    params = {state.URL_KEYS[k]: str(v) for k, v in kept.items() if v}
    return {**params, INST: str(code), ORIGIN: origin}


def open_institution(code: str, origin: str, *, clear: str | None = None) -> None:
    """Opens the institution's detail; `clear` is the key of the table whose row was picked (its
    selection must not reopen the detail when the user comes back)."""
    if clear:
        st.session_state.pop(clear, None)
    state.switch_page(nav.INSTITUTION.file, params_for(state.current(), code, origin))


def picker(codes: list[str], origin: str, key: str):
    """The `pick` callback of a layout.table whose row i shows institution codes[i]."""

    def pick(row: int) -> None:
        if 0 <= row < len(codes) and codes[row]:
            open_institution(codes[row], origin, clear=key)

    return pick


PICK_NOTE = "点击表格左侧选中一家机构,可打开其机构详情(同一期间)。"
