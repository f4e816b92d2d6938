"""The server as deployed: listens on 127.0.0.1 unless configured, deep links survive login, and
an export's download address stops working promptly (a real server, headless Chromium)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from auth import store
from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from tests.browser.test_browser import CHROMIUM_ARGS, _settle
from ui.launch import APP, free_port, running_server

PW = "password-17b"
SWEEP = 3  # seconds between sweeps of generated downloads (ui.launch, 15 s by default)


def _warehouse(demo_duckdb_path: Path, folder: Path) -> str:
    own = folder / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    url = demo_url(own)
    engine = create_warehouse_engine(url)
    try:
        store.ensure_tables(engine)
        store.create_user(engine, "staff17", PW, "科室人员")
    finally:
        engine.dispose()
    return url


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Started as `manage.py run` starts it: no address flag, login on."""
    folder = tmp_path_factory.mktemp("server17")
    url = _warehouse(demo_duckdb_path, folder)
    env = {"YIBAO_LOGIN": "1", "YIBAO_EXPORT_SWEEP_SECONDS": str(SWEEP)}
    with running_server(url, folder / "streamlit.log", env=env, address=None) as (base, _pid):
        yield base


@pytest.fixture(scope="module")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_listens_on_loopback_only_by_default(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    assert _answers("127.0.0.1", port)
    assert not _answers("127.0.0.2", port), "bound to every interface"


def test_address_is_configurable(demo_duckdb_path: Path, tmp_path: Path) -> None:
    """STREAMLIT_SERVER_ADDRESS (or --server.address) chooses the interface."""
    shutil.copy(demo_duckdb_path, tmp_path / "w.duckdb")
    port = free_port()
    env = {
        **os.environ,
        "WAREHOUSE_URL": demo_url(tmp_path / "w.duckdb"),
        "STREAMLIT_SERVER_ADDRESS": "127.0.0.2",
    }
    args = ["--server.port", str(port), "--server.headless", "true"]
    with (tmp_path / "log").open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ui.launch", *args],
            cwd=APP.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while not _answers("127.0.0.2", port):
            assert proc.poll() is None and time.monotonic() < deadline, (
                tmp_path / "log"
            ).read_text()
            time.sleep(0.5)
        assert not _answers("127.0.0.1", port)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _login(page, username: str = "staff17") -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PW)
    page.get_by_role("button", name="登录").click()


@pytest.mark.browser
def test_deep_link_survives_login(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(f"{server}/drg?year=2023&month=10")
        page.wait_for_selector("text=医保决策驾驶舱 · 登录", timeout=60_000)
        assert page.locator('[data-testid="stMetric"]').count() == 0  # nothing before login
        _login(page)
        _settle(page)
        assert "DRG预算执行" in page.locator("h3").first.inner_text()
        assert "/drg" in page.url and "year=2023" in page.url and "month=10" in page.url
    finally:
        page.close()


@pytest.mark.browser
def test_deep_link_to_a_detail_page_survives_login(server: str, browser) -> None:
    """机构详情 is not in the menu (a detail page): its link survives the login form too."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(f"{server}/institution?inst=H360121900&year=2023&month=10")
        page.wait_for_selector("text=医保决策驾驶舱 · 登录", timeout=60_000)
        _login(page)
        _settle(page)
        assert "机构详情 · " in page.locator("h3").first.inner_text()
        assert "/institution" in page.url and "inst=H360121900" in page.url
    finally:
        page.close()


def _status(url: str) -> int:
    """HTTP status of a plain request: no cookie, no session."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.browser
def test_export_address_expires_promptly(server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    try:
        page.goto(f"{server}/drg?year=2023&month=10")
        page.wait_for_selector("text=医保决策驾驶舱 · 登录", timeout=60_000)
        _login(page)
        _settle(page)
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="导出Excel").first.click()
        address = info.value.url
        assert "/media/" in address and address.endswith(".xlsx")
        # The address alone fetches the file for a moment (Streamlit checks no session)...
        made = time.monotonic()
        first = _status(address)
        # ...and then not: within two sweeps, with no other script run on the server.
        while _status(address) == 200:
            assert time.monotonic() - made < 2 * SWEEP + 10, "the export is still served"
            time.sleep(0.5)
        assert _status(address) == 404
        print(f"first fetch {first}, gone after {time.monotonic() - made:.1f}s")
    finally:
        page.close()
