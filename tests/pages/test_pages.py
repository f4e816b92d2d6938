"""Every page, for the county and two townships, for two periods, renders without exception,
its headline cards show the metrics layer's figures for the same spec, and no table cell reads
None/nan."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from data_sources.config import PROJECT_ROOT, demo_url
from metrics import present, service
from metrics.execute import execute
from metrics.model import Period, QuerySpec, Viewer
from tests.cards import card_label
from tests.pages.cells import missing_words_shown
from ui.nav import PAGES

ENTRY = Path(__file__).with_name("entry.py")
XIANGTANG, LIANTANG = "360121101", "360121100"
SCOPES = {"全县": None, "向塘镇": XIANGTANG, "莲塘镇": LIANTANG}
PERIODS = [(2023, 10), (2026, 10)]
# The session viewer app.py sets until accounts exist: whole county, small cells hidden.
VIEWER = Viewer(name="demo", townships=None, can_see_small_cells=False)


@pytest.fixture(scope="module")
def warehouse(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    # Its own copy: the app in this process opens the file for writing (scenarios, imports),
    # and DuckDB allows one configuration per file and process.
    own = tmp_path_factory.mktemp("pages") / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    url = demo_url(own)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", url)
        engine = service.get_engine(url)
        yield engine


def open_page(path: str, year: int, month: int, town: str | None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=90)
    at.query_params["year"] = str(year)
    at.query_params["month"] = str(month)
    if town:
        at.query_params["town"] = town
    at.run()
    if path != PAGES[0].path:
        at.switch_page(str(PROJECT_ROOT / path))
        at.run()
    return at


def card_value(at: AppTest, label: str) -> str:
    for m in at.metric:
        if card_label(m.label) == label:
            return m.value
    raise AssertionError(f"no card {label!r} among {[m.label for m in at.metric]}")


def expected(engine: Engine, metric_id: str, year: int, month: int, town: str | None) -> str:
    filters = {"township": town} if town else {}
    result = execute(engine, QuerySpec.make([metric_id], Period(year, month), (), filters), VIEWER)
    # A township's persons are whole persons, the county's 万人 (DOMAIN.md).
    return present.text(metric_id, result.value(metric_id), township=town is not None)


def county_expected(engine: Engine, metric_id: str, year: int, month: int, town: str | None) -> str:
    return expected(engine, metric_id, year, month, None)


# page -> [(card label, metric id, how the figure is scoped)]
Headline = tuple[str, str, Callable[[Engine, str, int, int, str | None], str]]
HEADLINES: dict[str, list[Headline]] = {
    "pages/overview.py": [
        ("参保任务完成率", "enroll_completion", expected),
        ("参保人数", "enrolled", expected),
        ("基金收入", "fund_income", county_expected),
        ("医疗救助金额", "assist_amount", expected),
        ("DRG预算执行率", "drg_execution", expected),
    ],
    "pages/enrollment.py": [
        ("参保人数", "enrolled", expected),
        ("任务完成率", "enroll_completion", expected),
    ],
}


@pytest.mark.parametrize("page", [p.path for p in PAGES])
@pytest.mark.parametrize("scope", list(SCOPES))
@pytest.mark.parametrize("year,month", PERIODS)
def test_page_renders_with_metrics_figures(
    warehouse: Engine, page: str, scope: str, year: int, month: int
) -> None:
    town = SCOPES[scope]
    at = open_page(page, year, month, town)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    # Empty cells read "—" or nothing, never None/nan (issue #15), in every table of every page.
    assert not missing_words_shown(at), missing_words_shown(at)
    for label, metric_id, how in HEADLINES.get(page, []):
        assert card_value(at, label) == how(warehouse, metric_id, year, month, town), label


@pytest.mark.parametrize("page", [p.path for p in PAGES])
def test_empty_period_gives_a_note_not_an_error(warehouse: Engine, page: str) -> None:
    # 2021 was never loaded: the URL falls back with a note, the page still renders.
    at = open_page(page, 2021, 5, "999999999")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_url_carries_codes_and_opens_that_view(warehouse: Engine) -> None:
    at = open_page("pages/enrollment.py", 2023, 10, XIANGTANG)
    assert at.query_params["town"] == XIANGTANG
    assert at.query_params["year"] == "2023"
    assert any("向塘镇" in c.value for c in at.caption)
    assert card_value(at, "参保人数") == expected(warehouse, "enrolled", 2023, 10, XIANGTANG)


def test_sidebar_filter_drills_into_a_township(warehouse: Engine) -> None:
    at = open_page("pages/enrollment.py", 2023, 10, None)
    at.selectbox(key="f_town").select(XIANGTANG).run()
    assert not at.exception
    assert card_value(at, "参保人数") == expected(warehouse, "enrolled", 2023, 10, XIANGTANG)
    assert at.query_params["town"] == XIANGTANG
