"""The metrics layer as pages see it: cached, scoped to the session's viewer, freshness-aware.

Pages call `fetch(spec)`; they never pass a viewer. The viewer is put into the session by app.py
(login/scope) and read here, so a page cannot widen its own scope; the viewer is part of the cache
key, so two viewers never share a cached result. The load log's newest load id is part of the key
too, so a new load invalidates every cached result at once.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from data_sources.config import warehouse_url
from data_sources.engine import WarehouseError
from metrics import settings
from metrics.execute import Result, execute
from metrics.model import Comparison, QuerySpec, Viewer

# The warehouse's engine, freshness, township and year lists live in metrics.warehouse; pages
# keep reading them through this module.
from metrics.warehouse import (
    Freshness,
    _once,
    all_townships,
    app_engine,
    begin_run,
    engine,
    freshness,
    get_engine,
    scope_word,
    township_boundaries,
    years,
)

__all__ = [
    "Freshness",
    "Result",
    "WarehouseError",
    "app_engine",
    "begin_run",
    "clear_caches",
    "current_viewer",
    "engine",
    "explain",
    "fetch",
    "fetch_with_mom",
    "fetch_with_yoy",
    "freshness",
    "get_engine",
    "scope_word",
    "set_viewer",
    "township_boundaries",
    "townships",
    "years",
]
VIEWER_KEY = "_viewer"


def clear_caches() -> None:
    """After a load or an adoption: cached results and this run's memo are stale."""
    st.cache_data.clear()
    begin_run()


def current_viewer() -> Viewer:
    """The session's viewer as app.py set it; the narrowest scope when nothing was set."""
    viewer = st.session_state.get(VIEWER_KEY)
    if isinstance(viewer, Viewer):
        return viewer
    return Viewer(name="anonymous", townships=frozenset())


def set_viewer(viewer: Viewer) -> None:
    """Only app.py calls this, after login (or in demo mode)."""
    st.session_state[VIEWER_KEY] = viewer


@st.cache_data(
    ttl=settings.CACHE_TTL_SECONDS, max_entries=settings.CACHE_MAX_ENTRIES, show_spinner=False
)
def _cached_execute(url: str, spec: QuerySpec, viewer: Viewer, version: int) -> Result:
    del version  # part of the cache key only: a new load changes it
    return execute(get_engine(url), spec, viewer)


def fetch(spec: QuerySpec) -> Result:
    """Runs a spec for the session's viewer, cached per (warehouse, spec, viewer, load)."""
    version = freshness().version
    try:
        return _cached_execute(warehouse_url(), spec, current_viewer(), version)
    except SQLAlchemyError as exc:
        raise WarehouseError(
            f"查询数据仓库失败({type(exc).__name__}),请稍后重试或联系系统管理员。"
        ) from exc


def explain(spec: QuerySpec) -> list[tuple[str, dict]]:
    """The SQL and parameters a plain spec runs for the session's viewer (查看SQL); a result's
    comparisons ran more specs, listed in `Result.specs`."""
    return _explain(spec.plain(), current_viewer())


def _explain(spec: QuerySpec, viewer: Viewer) -> list[tuple[str, dict]]:
    from metrics.execute import explain as render

    return render(spec, viewer, engine())


def _asking(spec: QuerySpec, comparison: Comparison) -> QuerySpec:
    if comparison in spec.compare:
        return spec
    return replace(spec, compare=(*spec.compare, comparison))


def fetch_with_yoy(spec: QuerySpec) -> Result:
    """The spec with `<m>_prev` and `<m>_chg` columns (同比): `compare=("yoy",)` in the spec."""
    return fetch(_asking(spec, "yoy"))


def fetch_with_mom(spec: QuerySpec) -> Result:
    """The spec with 环比 columns `<m>_prev_mom`/`<m>_chg_mom`: `compare=("mom",)` in the spec."""
    return fetch(_asking(spec, "mom"))


def townships() -> pd.DataFrame:
    """Townships the session's viewer may see (code, name, sort_order), in official order."""
    scope = current_viewer().townships
    key = "townships" if scope is None else f"townships:{','.join(sorted(scope))}"

    def read() -> pd.DataFrame:
        towns = all_townships()
        return towns if scope is None else towns[towns.code.isin(scope)].reset_index(drop=True)

    return _once(key, read)
