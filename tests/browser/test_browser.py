"""Headless Chromium against a real server on the demo warehouse: every page opens, shows its
title in Chinese and no error element. Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from data_sources.config import PROJECT_ROOT, demo_url
from ui.launch import running_server
from ui.nav import PAGES

pytestmark = pytest.mark.browser
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
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
@pytest.mark.parametrize("page_def", PAGES, ids=[p.url_path for p in PAGES])
def test_page_opens_without_error(server: str, browser, page_def, viewport) -> None:
    width, height = viewport
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        query = "?year=2023&month=10" + (
            "&town=360121101" if page_def.url_path == "township" else ""
        )
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
