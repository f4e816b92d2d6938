"""Headless Chromium against a real server on the demo warehouse: every page opens, shows its
title in Chinese and no error element. Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from data_sources.config import PROJECT_ROOT, demo_url
from tests.pages.cells import MISSING_WORDS
from ui.launch import running_server
from ui.nav import DETAIL_PAGES, PAGES

pytestmark = pytest.mark.browser
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
# Words a bureau itself writes in Latin letters (file types, DRG/CMI, units); anything else in
# Latin letters on screen is Streamlit's or a developer's English.
ALLOWED_LATIN = {
    "GB",  # GB/T 9704, the national standard a 公文 follows
    "UTF",  # UTF-8 and GBK: the encodings a CSV may be saved in
    "GBK",
    "txt",
    "DRG",
    "CMI",
    "PNG",
    "SVG",
    "PDF",
    "PPT",
    "Excel",
    "Word",
    "CSV",
    "GeoJSON",
    "SQL",
    "xlsx",
    "xls",
    "csv",
    "docx",
    "pptx",
    "zip",
    "json",
    "geojson",
    "MB",
}
# Visible text only: icons (ligature names), hidden and zero-size text are not what a user reads.
VISIBLE_TEXT_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || el.closest('[data-testid="stIconMaterial"], [translate="no"], script, style, noscript, svg')) continue;
    const closed = el.closest('details:not([open])');
    if (closed && !el.closest('summary')) continue;  // inside a collapsed expander
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || parseFloat(cs.fontSize) === 0) continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || el.getClientRects().length === 0) continue;
    out.push(node.textContent);
  }
  return out.join(' | ');
}"""
# The grid's cells as its accessible table holds them (the canvas draws the same text; a missing
# number is drawn as the grid's placeholder, which tests/pages/cells.py checks).
GRID_CELLS_JS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"] [role="gridcell"]')]
  .map(c => c.textContent.trim())"""
# The demo county's first hospital (本县人民医院): data_sources/demo.py numbers them H{county}9NN.
DEMO_HOSPITAL = "H360121900"
# A phone's browser, as the server sees it (ui/grid.is_phone reads the User-Agent).
PHONE_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
ERROR_SELECTOR = '[data-testid="stException"], [data-testid="stAlertContentError"]'
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("server")
    log = folder / "streamlit.log"
    # The server writes (scenarios, imports), so it gets its own copy: a DuckDB file takes one
    # writing process at a time.
    own = folder / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    with running_server(demo_url(own), log) as (base, _pid):
        yield base


@pytest.fixture(scope="module")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _settle(page) -> None:
    """Waits until the app stopped running (the status widget disappears) and charts drew."""
    page.wait_for_selector('[data-testid="stSidebar"]', timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(1500)


@pytest.mark.parametrize("viewport", [(1366, 768), (1920, 1080)], ids=["laptop", "wall"])
@pytest.mark.parametrize(
    "page_def", [*PAGES, *DETAIL_PAGES], ids=[p.url_path for p in [*PAGES, *DETAIL_PAGES]]
)
def test_page_opens_without_error(server: str, browser, page_def, viewport) -> None:
    width, height = viewport
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        query = "?year=2023&month=10" + {
            "township": "&town=360121101",
            "institution": f"&inst={DEMO_HOSPITAL}&from=drg",
        }.get(page_def.url_path, "")
        # The default page lives at the root; its url_path is not routed.
        path = "" if page_def is PAGES[0] else page_def.url_path
        page.goto(f"{server}/{path}{query}")
        _settle(page)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{page_def.url_path}-{width}.png"), full_page=True)
        errors = page.locator(ERROR_SELECTOR)
        assert errors.count() == 0, errors.all_inner_texts()
        assert page.get_by_text("Page not found").count() == 0
        assert page_def.title in page.locator("h3").first.inner_text()
        # Nothing may be wider than the window (horizontal overflow of the main area).
        overflow = page.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"]').scrollWidth"
            " - document.querySelector('[data-testid=\"stMain\"]').clientWidth"
        )
        assert overflow <= 1, f"页面横向溢出 {overflow}px"
        _assert_chinese_only(page)
    finally:
        page.close()


def _assert_chinese_only(page) -> None:
    text = page.evaluate(VISIBLE_TEXT_JS)
    latin = set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_LATIN
    assert not latin, f"页面上有英文或开发者文字:{sorted(latin)}"
    assert "None" not in text
    if page.locator('[data-testid="stDataFrame"]').count():
        # The grids fill their cells a moment after the page settled; an empty grid has none.
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(f"() => ({GRID_CELLS_JS})().length > 0", timeout=5_000)
    cells = set(page.evaluate(GRID_CELLS_JS))
    assert not cells & MISSING_WORDS, f"表格中有空值文字:{sorted(cells & MISSING_WORDS)}"


def _main_size(page) -> dict:
    return page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
        return {scrollH: m.scrollHeight, clientH: m.clientHeight,
                scrollW: document.documentElement.scrollWidth,
                clientW: document.documentElement.clientWidth}; }"""
    )


def test_wall_screen_shows_the_whole_overview_without_sidebar(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    try:
        # With a rotation too slow to fire during the test: its line must not cost the fit.
        page.goto(f"{server}/?year=2023&month=10&screen=wall&rotate=600")
        page.wait_for_selector('[data-testid="stMain"]', timeout=60_000)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
            " && document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0",
            timeout=60_000,
        )
        page.wait_for_timeout(1500)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "overview-wall-1920.png"))
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        size = _main_size(page)
        assert size["scrollH"] <= size["clientH"] + 1, f"大屏需要上下滚动:{size}"
        assert size["scrollW"] <= size["clientW"] + 1, size
        # Dark ground, the eight cards in one row, and the way back.
        ground = page.evaluate(
            "() => getComputedStyle(document.querySelector('.stApp')).backgroundColor"
        )
        assert ground == "rgb(11, 26, 43)", ground
        tops = page.evaluate(
            "() => [...document.querySelectorAll('.st-key-cards [data-testid=\"stMetric\"]')]"
            ".map(e => Math.round(e.getBoundingClientRect().top))"
        )
        assert len(tops) == 8 and len(set(tops)) == 1, tops
        assert page.get_by_text("退出大屏").count() == 1
        assert page.get_by_text("轮播:每600秒切换,下一页“参保扩面”").count() == 1
        _assert_chinese_only(page)
    finally:
        page.close()


@pytest.mark.parametrize("path", ["", "enrollment", "assistance", "township", "institution"])
def test_phone_two_cards_a_row_and_no_sideways_scrolling(server: str, browser, path: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, user_agent=PHONE_AGENT)
    try:
        query = "?year=2023&month=10" + {
            "township": "&town=360121101",
            "institution": f"&inst={DEMO_HOSPITAL}",
        }.get(path, "")
        page.goto(f"{server}/{path}{query}")
        page.wait_for_selector('[data-testid="stMain"]', timeout=60_000)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
        )
        page.wait_for_timeout(1500)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{path or 'overview'}-390.png"), full_page=True)
        size = _main_size(page)
        assert size["scrollW"] <= size["clientW"] + 1, f"手机上横向溢出:{size}"
        tops = page.evaluate(
            "() => [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
            ".map(e => Math.round(e.getBoundingClientRect().top))"
        )
        per_row = max((tops.count(t) for t in set(tops)), default=0)
        assert per_row <= 2, tops
        # Tables keep their main columns on a phone (ui/grid.py): none scrolls sideways inside.
        grids = page.evaluate(
            "() => [...document.querySelectorAll('[data-testid=\"stDataFrame\"] .dvn-scroller')]"
            ".map(e => [e.scrollWidth, e.clientWidth])"
        )
        wide = [g for g in grids if g[0] > g[1] + 1]
        assert not wide, f"手机上表格横向滚动:{wide}"
        if path == "":
            assert per_row == 2, tops  # the overview's cards: two to a row, not one per row
        _assert_chinese_only(page)
    finally:
        page.close()


def test_clicking_the_map_opens_that_township(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        page.goto(f"{server}/?year=2023&month=10")
        _settle(page)
        chart = page.locator('[data-testid="stVegaLiteChart"]').last
        chart.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        box = chart.bounding_box()
        assert box is not None
        # The county's middle is some township's polygon.
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.45)
        page.wait_for_function("() => location.search.includes('town=')", timeout=30_000)
        _settle(page)
        assert "town=3601" in page.url
        caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first
        assert "全县" not in caption.inner_text()
    finally:
        page.close()


def test_deep_link_opens_that_township(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(f"{server}/enrollment?year=2023&month=10&town=360121101")
        _settle(page)
        main_caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]')
        assert "向塘镇" in main_caption.first.inner_text()
        assert "town=360121101" in page.url
    finally:
        page.close()


def test_picking_an_institution_opens_its_detail_and_back(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        page.goto(f"{server}/procurement?year=2023&month=10")
        _settle(page)
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        page.wait_for_function(f"() => ({GRID_CELLS_JS})().length > 0", timeout=30_000)
        first = page.evaluate(GRID_CELLS_JS)[0]  # the lagging-first table's top institution
        box = grid.bounding_box()
        assert box is not None
        # The row picker's box of the first row (under the 35 px header).
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
        page.wait_for_url("**/institution?*inst=*", timeout=30_000)
        _settle(page)
        assert page.locator("h3").first.inner_text() == f"机构详情 · {first}"
        assert "year=2023" in page.url and "month=10" in page.url and "from=procurement" in page.url
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "institution-picked-1366.png"), full_page=True)
        assert page.locator(ERROR_SELECTOR).count() == 0
        _assert_chinese_only(page)
        page.get_by_role("button", name="← 返回集中带量采购").click()
        page.wait_for_url(lambda url: "/procurement" in url and "inst=" not in url, timeout=30_000)
        _settle(page)
        assert page.locator("h3").first.inner_text() == "集中带量采购"  # not reopened
        assert "year=2023" in page.url and "month=10" in page.url
    finally:
        page.close()
