"""The warehouse as the app sees it: its engine, its freshness (the load log), the township
and year lists, and the per-run memo that reads them once per script run.

No viewer here: `metrics.service` narrows the township list to the session's scope.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from data_sources import app_store, areas
from data_sources.config import app_store_url, warehouse_url
from data_sources.demo import DEMO_SOURCE_PREFIX
from data_sources.engine import WarehouseError, check_warehouse, create_warehouse_engine
from data_sources.schema import load_log
from metrics import settings

FRESHNESS_TTL_SECONDS = 30
T = TypeVar("T")

# What one script run reads once: the load log's freshness and the township list. A page makes
# dozens of fetches and filter reads, and each st.cache_data hit hashes its arguments and
# unpickles a fresh copy. app.py starts a memo for each run, the overview's auto-refresh
# fragment for each of its runs; outside a run (tests, CLI) nothing is memoized.
_RUN_MEMO: ContextVar[dict[str, object] | None] = ContextVar("run_memo", default=None)


def begin_run() -> None:
    """A fresh per-run memo (call at the start of a script run or fragment run)."""
    _RUN_MEMO.set({})


def _once(name: str, compute: Callable[[], T]) -> T:
    memo = _RUN_MEMO.get()
    if memo is None:
        return compute()
    if name not in memo:
        memo[name] = compute()
    return memo[name]  # type: ignore[return-value]


@st.cache_resource(show_spinner=False)
def get_engine(url: str) -> Engine:
    # One dashboard process owns an embedded DuckDB file and writes to it (scenarios, imports).
    # Several processes may share one file only read-only: WAREHOUSE_READ_ONLY=1 (then writing
    # features say so); a multi-process deployment uses PostgreSQL or Doris/StarRocks instead.
    read_only = url.startswith("duckdb") and os.environ.get("WAREHOUSE_READ_ONLY") == "1"
    return create_warehouse_engine(url, read_only=read_only)


def engine() -> Engine:
    return get_engine(warehouse_url())


def app_engine() -> Engine:
    """The app store's engine (accounts, audit, load log, scenarios, cases): the warehouse's own
    engine when the app store is the warehouse (data_sources.app_store)."""
    return app_store.get_app_engine(engine())


@dataclass(frozen=True)
class Freshness:
    version: int
    period_end: dt.date | None
    loaded_at: dt.datetime | None
    is_demo: bool

    @property
    def latest(self) -> tuple[int, int] | None:
        return None if self.period_end is None else (self.period_end.year, self.period_end.month)

    def label(self, until: dt.date | None = None) -> str:
        """'数据截至:2026年10月31日'; with `until`, the earlier of the two dates."""
        if self.period_end is None:
            return "数据截至:尚无数据"
        day = min(self.period_end, until) if until is not None else self.period_end
        return f"数据截至:{day.year}年{day.month}月{day.day}日"


@st.cache_data(ttl=FRESHNESS_TTL_SECONDS, show_spinner=False)
def _freshness(url: str, app_url: str) -> Freshness:
    eng = get_engine(url)
    app = app_store.get_app_engine(eng, app_url)
    status = check_warehouse(eng, app)
    if not status.ok:
        raise WarehouseError(status.message)
    with eng.connect() as conn:
        # 数据截至 follows the monthly facts only, never an annual table (data_sources.areas).
        period_end = areas.data_cutoff(conn)
    with app.connect() as conn:
        version, _, loaded_at = conn.execute(
            select(
                func.max(load_log.c.load_id),
                func.max(load_log.c.period_end),
                func.max(load_log.c.loaded_at),
            )
        ).one()
        # A warehouse the demo generator built stays demo data after imports or adoptions.
        demo_loads = conn.execute(
            select(func.count()).where(load_log.c.source.startswith(DEMO_SOURCE_PREFIX))
        ).scalar_one()
    return Freshness(
        version=int(version or 0),
        period_end=pd.Timestamp(period_end).date() if period_end is not None else None,
        loaded_at=loaded_at,
        is_demo=demo_loads > 0,
    )


def freshness() -> Freshness:
    """The newest load (version, 数据截至, demo or not); raises WarehouseError in Chinese."""
    try:
        return _once(
            "freshness",
            lambda: _freshness(warehouse_url(), app_store_url(warehouse=warehouse_url())),
        )
    except WarehouseError:
        raise
    except app_store.AppStoreError as exc:
        raise WarehouseError(exc.message) from exc
    except SQLAlchemyError as exc:
        raise WarehouseError(
            f"读取数据加载日志失败:{type(exc).__name__}。请检查数据仓库连接。"
        ) from exc


@st.cache_data(ttl=settings.CACHE_TTL_SECONDS, show_spinner=False)
def _members(url: str, version: int) -> tuple[pd.DataFrame, tuple[int, ...]]:
    del version
    from data_sources.schema import township

    with get_engine(url).connect() as conn:
        towns = pd.DataFrame(
            conn.execute(
                select(township.c.code, township.c.name, township.c.sort_order).order_by(
                    township.c.sort_order
                )
            ).fetchall(),
            columns=["code", "name", "sort_order"],
        )
        years = areas.data_years(conn)  # any area's years, not enrollment only
    return towns, years


def all_townships() -> pd.DataFrame:
    """Every township (code, name, sort_order), in official order; viewers see a subset."""
    return _once("all_townships", lambda: _members(warehouse_url(), freshness().version)[0])


def years() -> tuple[int, ...]:
    """Years that have data in any area (this year when the warehouse is still empty)."""
    return _once("years", lambda: _members(warehouse_url(), freshness().version)[1])


@st.cache_data(ttl=settings.CACHE_TTL_SECONDS, show_spinner=False)
def _boundaries(url: str, version: int) -> pd.DataFrame:
    del version
    from data_sources import boundaries as shapes

    with get_engine(url).connect() as conn:
        return shapes.read(conn)


def township_boundaries() -> pd.DataFrame:
    """The townships' outlines for the map (township_code, geometry GeoJSON text, fictional)."""
    return _boundaries(warehouse_url(), freshness().version)


@st.cache_data(ttl=settings.CACHE_TTL_SECONDS, show_spinner=False)
def _scope_word(url: str, version: int) -> str:
    del version
    from data_sources import region

    with get_engine(url).connect() as conn:
        return region.scope_word(conn)


def scope_word() -> str:
    """How the whole area is named on screen: '全县', '全区' or '全市' (the recorded region)."""
    return _once("scope_word", lambda: _scope_word(warehouse_url(), freshness().version))
