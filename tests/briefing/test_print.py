"""Whole-page print in headless Chromium (print to PDF through the DevTools protocol, as Ctrl+P
with "另存为PDF" does): A4 landscape, no sidebar, a header with scope, period and 数据截至 on
every page, the expected number of pages, and no card split across two pages."""

from __future__ import annotations

import io
import re
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest

from data_sources.config import PROJECT_ROOT, demo_url
from tests.browser.test_browser import CHROMIUM_ARGS
from ui.launch import running_server

pytestmark = pytest.mark.browser
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "print"
A4_LANDSCAPE = (842, 595)  # points
# Text that only the sidebar shows (its title line is repeated in the print header on purpose).
SIDEBAR_ONLY = ("查询条件", "以南昌县2023年公开数据校准的模拟数据", "打印或另存为PDF时", "数据导入")


@pytest.fixture(scope="module")
def server(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("print-server")
    own = folder / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    with running_server(demo_url(own), folder / "streamlit.log") as (base, _pid):
        yield base


@pytest.fixture(scope="module")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.add_init_script("window.print = () => { window.__printed = (window.__printed || 0) + 1; }")
    page.goto(url)
    page.wait_for_selector('[data-testid="stSidebar"]', timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(1500)
    return page


def _print(page, name: str) -> tuple[list[str], list[tuple[float, float]]]:
    """Prints the page as Chromium prints it; the text and size of every PDF page."""
    data = page.pdf(prefer_css_page_size=True, print_background=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(data)
    reader = pypdf.PdfReader(io.BytesIO(data))
    texts = [_normal(p.extract_text()) for p in reader.pages]
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    return texts, sizes


def _normal(text: str) -> str:
    """Whitespace dropped; Kangxi radicals (which Chromium's font subsets map some ideographs
    to in the PDF's text layer, e.g. 月 as U+2F49) folded back by NFKC."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _has(text: str, wanted: str) -> bool:
    """`wanted` in `text`, where a CJK radical-supplement character (no NFKC form, e.g. 页 as
    U+2EDA) stands for the ideograph it draws."""
    pattern = "".join(
        f"(?:{re.escape(c)}|[\u2e80-\u2eff])" if "\u4e00" <= c <= "\u9fff" else re.escape(c)
        for c in wanted
    )
    return re.search(pattern, text) is not None


def _cards(page) -> list[list[str]]:
    """The lines of every KPI card (label, value, 同比) as the browser shows them."""
    return [
        [re.sub(r"\s+", "", line) for line in text.splitlines() if line.strip()]
        for text in page.locator('[data-testid="stMetric"]').all_inner_texts()
    ]


@pytest.mark.parametrize(
    ("path", "title", "pages"),
    # 总览 has its township map after the ranking and warnings: one or two pages more.
    [("", "总览", (3, 5)), ("enrollment", "参保扩面", (2, 3))],
    ids=["overview", "enrollment"],
)
def test_page_prints_on_a4_landscape(server: str, browser, path, title, pages) -> None:
    page = _open(browser, f"{server}/{path}?year=2023&month=10")
    try:
        cards = _cards(page)
        texts, sizes = _print(page, path or "overview")
    finally:
        page.close()
    low, high = pages
    assert low <= len(texts) <= high, len(texts)
    assert all(abs(w - A4_LANDSCAPE[0]) < 2 and abs(h - A4_LANDSCAPE[1]) < 2 for w, h in sizes)
    for n, text in enumerate(texts, start=1):
        # The header on every page: the page, scope, period and cut-off; a page number below.
        assert _has(text, f"{title}|全县|2023年1-10月|数据截至:2023年10月31日"), (n, text[:80])
        assert _has(text, f"第{n}页,共{len(texts)}页"), (n, text[:80])
        assert not [s for s in SIDEBAR_ONLY if _has(text, s)], n
    last = texts[-1]
    for furniture in (f"{title}|全县|2023年1-10月|数据截至:2023年10月31日", "医保决策驾驶舱"):
        last = last.replace(furniture, "")
    assert len(re.sub(r"第\d+.,共\d+.", "", last)) > 40, "blank last page"
    # No card split: a card's label, value and 同比 are all on one page.
    assert len(cards) >= 6
    for lines in cards:
        label = lines[0].lstrip("●")
        where = [n for n, t in enumerate(texts) if _has(t, label)]
        assert where, label
        assert all(_has(texts[where[0]], line) for line in lines[1:]), (label, lines)


def test_print_button_opens_the_print_dialog(server: str, browser) -> None:
    page = _open(browser, f"{server}/?year=2023&month=10")
    try:
        frame = page.frame_locator('[data-testid="stSidebar"] iframe').first
        frame.get_by_text("导出本页PDF").click()
        page.wait_for_function("() => window.__printed === 1", timeout=10_000)
    finally:
        page.close()
