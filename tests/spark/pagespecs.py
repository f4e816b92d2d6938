"""The metric specs the data pages run, recorded from the pages themselves (AppTest on DuckDB).

Recording wraps `metrics.service.execute` (the real function still runs): whatever a page asks
for, with its viewer, is what the Spark tests and the latency note replay.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from data_sources.config import PROJECT_ROOT, demo_url
from metrics.model import QuerySpec, Viewer

ENTRY = PROJECT_ROOT / "tests" / "pages" / "entry.py"
DATA_PAGES = ("overview", "enrollment", "fund", "assistance", "procurement", "drg", "township")
YEAR, MONTH = 2023, 10
TOWN = "360121101"  # benchmarks.common.TOWN


def record(demo_duckdb_path: Path, workdir: Path) -> dict[str, list[tuple[QuerySpec, Viewer]]]:
    """Each data page's distinct (spec, viewer) pairs, in the order the page asked for them."""
    from streamlit.testing.v1 import AppTest

    from metrics import service
    from ui.nav import PAGES

    own = workdir / "pages.duckdb"
    shutil.copy(demo_duckdb_path, own)
    seen: dict[str, list[tuple[QuerySpec, Viewer]]] = {}
    current: list[tuple[QuerySpec, Viewer]] = []
    real = service.execute

    def recording(engine, spec, viewer):
        if (spec, viewer) not in current:
            current.append((spec, viewer))
        return real(engine, spec, viewer)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", demo_url(own))
        mp.setattr(service, "execute", recording)
        for page in (p for p in PAGES if p.url_path in DATA_PAGES):
            at = AppTest.from_file(str(ENTRY), default_timeout=120)
            at.query_params["year"] = str(YEAR)
            at.query_params["month"] = str(MONTH)
            if page.url_path == "township":
                at.query_params["town"] = TOWN
            if page is not PAGES[0]:
                at.run()  # the router shows the overview first
                at.switch_page(str(page.file))
            # Nothing cached: the page asks the warehouse for every figure it shows.
            service.clear_caches()
            current.clear()
            at.run()
            assert not at.exception, (page.url_path, at.exception)
            seen[page.url_path] = list(current)
        service.clear_caches()
    return seen
