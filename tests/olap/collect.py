"""The query specs the pages really issue, recorded while AppTest runs each page on the demo county.

Recorded at `metrics.execute.plan`, which every metric statement goes through (comparisons,
targets and drill-downs included), so a page that starts asking for a new spec is covered without
anyone listing it here.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_sources.config import PROJECT_ROOT, demo_url
from metrics import execute as metrics_execute
from metrics import service
from metrics.model import QuerySpec
from ui.nav import PAGES

ENTRY = PROJECT_ROOT / "tests" / "pages" / "entry.py"
Issued = tuple[QuerySpec, frozenset[str] | None]  # a spec and the viewer's township scope


@contextmanager
def recording() -> Iterator[set[Issued]]:
    """Every (spec, scope) that `metrics.execute.plan` compiles while the block runs."""
    issued: set[Issued] = set()
    original = metrics_execute.plan

    def record(spec, townships, dialect):
        issued.add((spec, townships))
        return original(spec, townships, dialect)

    metrics_execute.plan = record
    try:
        yield issued
    finally:
        metrics_execute.plan = original


def run_page(path: str, year: int, month: int, town: str | None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=90)
    at.query_params.update({"year": str(year), "month": str(month)})
    if town:
        at.query_params["town"] = town
    at.run()
    if path != PAGES[0].path:
        at.switch_page(str(PROJECT_ROOT / path))
        at.run()
    return at


def page_specs(
    demo_duckdb_path: Path,
    tmp: Path,
    views: list[tuple[int, int, str | None]],
) -> tuple[set[Issued], list[str]]:
    """The specs every page issues for each (year, month, township) view; and the pages that
    raised (they would issue fewer specs than a working page)."""
    own = tmp / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)  # the app opens its warehouse for writing
    failed: list[str] = []
    with pytest.MonkeyPatch.context() as mp, recording() as issued:
        mp.setenv("WAREHOUSE_URL", demo_url(own))
        service.clear_caches()  # a cached result would hide its spec from the recorder
        for year, month, town in views:
            for page in PAGES:
                at = run_page(page.path, year, month, town)
                if at.exception:
                    failed.append(f"{page.path} {year}-{month} {town}")
        service.clear_caches()
    return issued, failed
