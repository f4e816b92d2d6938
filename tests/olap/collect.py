"""The query specs the pages really issue, recorded while AppTest runs each page on the demo county.

Recorded at `metrics.execute.plan`, which every metric statement goes through (comparisons,
targets and drill-downs included), so a page that starts asking for a new spec is covered without
anyone listing it here. The other Core statements the pages run (freshness, years, townships,
boundaries, region) are recorded as SQLAlchemy executes them (its `before_execute` event).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, Select, event
from streamlit.testing.v1 import AppTest

from data_sources.config import PROJECT_ROOT, demo_url
from metrics import execute as metrics_execute
from metrics import service
from metrics.model import QuerySpec
from ui.nav import PAGES

ENTRY = PROJECT_ROOT / "tests" / "pages" / "entry.py"
Issued = tuple[QuerySpec, frozenset[str] | None]  # a spec and the viewer's township scope


@dataclass
class Recorded:
    specs: set[Issued] = field(default_factory=set)  # what metrics.execute.plan compiled
    selects: dict[str, Select] = field(default_factory=dict)  # other SELECTs, by their text


@contextmanager
def recording() -> Iterator[Recorded]:
    """Every (spec, scope) that `metrics.execute.plan` compiles, and every other Core SELECT
    executed, while the block runs."""
    recorded = Recorded()
    original = metrics_execute.plan

    def record(spec, townships, dialect):
        recorded.specs.add((spec, townships))
        return original(spec, townships, dialect)

    def before_execute(conn, clause, multiparams, params, options):
        if isinstance(clause, Select):
            recorded.selects.setdefault(str(clause), clause)

    metrics_execute.plan = record
    event.listen(Engine, "before_execute", before_execute)
    try:
        yield recorded
    finally:
        metrics_execute.plan = original
        event.remove(Engine, "before_execute", before_execute)


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
) -> tuple[Recorded, list[str]]:
    """What every page issues for each (year, month, township) view; and the pages that raised
    (they would issue fewer statements than a working page)."""
    own = tmp / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)  # the app opens its warehouse for writing
    failed: list[str] = []
    with pytest.MonkeyPatch.context() as mp, recording() as recorded:
        mp.setenv("WAREHOUSE_URL", demo_url(own))
        service.clear_caches()  # a cached result would hide its spec from the recorder
        for year, month, town in views:
            for page in PAGES:
                at = run_page(page.path, year, month, town)
                if at.exception:
                    failed.append(f"{page.path} {year}-{month} {town}")
        service.clear_caches()
    return recorded, failed
