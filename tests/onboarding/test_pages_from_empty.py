"""The pages on a warehouse that started empty: right after init (each area says 尚未导入, the
import page works), with only DRG data (not "empty"; the other areas say 尚未导入), and after the
made-up county's full year (every page renders, no card "—", headline cards equal hand totals).

A real warehouse needs a login: the init command creates the 数据管理员, who imports; a 局领导
(who may see small assistance counts) looks at the pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from auth import store
from data_sources import init
from data_sources.config import PROJECT_ROOT, demo_url
from data_sources.engine import create_warehouse_engine
from data_sources.load import load_file
from metrics import service
from tests.cards import card_label
from ui.nav import PAGES

from . import county as C
from .test_full_year import ASSIST, DRG_PAID, ENROLLED_DEC, INCOME, _files

ENTRY = PROJECT_ROOT / "tests" / "pages" / "entry.py"
AREA_PAGES = ["enrollment", "fund", "assistance", "procurement", "drg"]


PW = "青溪县2023密码"


def open_page(url_path: str, user: str = "leader", year: int = 2023, month: int = 12) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at.query_params["year"] = str(year)
    at.query_params["month"] = str(month)
    at.run()
    at.text_input(key="login_username").input(user)
    at.text_input(key="login_password").input(PW)
    next(b for b in at.button if b.label == "登录").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    page = next(p for p in PAGES if p.url_path == url_path)
    if page != PAGES[0]:
        at.switch_page(str(PROJECT_ROOT / page.path))
        at.run()
    return at


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An initialised, empty DuckDB warehouse the app in this process opens, with its first
    administrator made by the init command and a 局领导 account."""
    url = demo_url(tmp_path_factory.mktemp("pages_empty") / "青溪县.duckdb")
    code = init.run(url, *C.REGION, admin="admin", password=lambda: PW, out=lambda _: None)
    assert code == init.EXIT_OK
    engine = create_warehouse_engine(url)
    store.create_user(engine, "leader", PW, "局领导")
    engine.dispose()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", url)
        mp.delenv("YIBAO_LOGIN", raising=False)
        yield url
    service.get_engine(url).dispose()


def _load(kinds: set[str], files: dict) -> None:
    engine = service.engine()
    for group in ("dims", "annual", "months"):
        for kind, path in files[group]:
            if kind in kinds:
                result = load_file(engine, path, kind, user="李干事")
                assert result.ok, (kind, path.name, [p.text() for p in result.problems])
    service.clear_caches()


def texts(at: AppTest) -> list[str]:
    return [e.value for e in at.info] + [e.value for e in at.warning]


def test_stages(warehouse: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    files = _files(tmp_path_factory.mktemp("county_pages"))

    # 1. Empty: the import page works, an area page says 尚未导入 and points to the import page.
    at = open_page("import", user="admin")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not any("演示" in t for t in texts(at))
    at = open_page("enrollment")
    assert not at.exception and not at.error
    assert any("参保扩面尚未导入数据" in t and "数据导入" in t for t in texts(at)), texts(at)

    # 2. DRG data only: not empty; DRG shows its figures, enrollment still says 尚未导入.
    _load({"townships", "institutions", "drg_groups", "drg_budget", "drg"}, files)
    at = open_page("drg")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert not any("尚未导入" in t for t in texts(at))
    at = open_page("enrollment")
    assert any("参保扩面尚未导入数据" in t for t in texts(at)), texts(at)

    # 3. The full year: every page renders, cards carry figures, headline cards are the totals.
    _load(
        {k for g in files.values() for k, _ in g}
        - {"townships", "institutions", "drg_groups"}
        - {"drg_budget", "drg"},
        files,
    )
    for page in PAGES:
        if page.url_path in ("import", "audit", "planning"):
            continue  # the administrator's and the planner's pages: see below
        at = open_page(page.url_path)
        assert not at.exception, (page.path, [e.value for e in at.exception])
        assert not at.error, (page.path, [e.value for e in at.error])
        assert not any("尚未导入" in t for t in texts(at)), page.path
        assert not any("演示" in c.value for c in at.caption), page.path
        if page.url_path in AREA_PAGES or page.url_path == "overview":
            dashes = [(m.label, m.value) for m in at.metric if m.value in ("—", "-", "")]
            assert not dashes, (page.path, dashes)
    at = open_page("import", user="admin")
    assert not at.exception and not at.error
    at = open_page("overview")
    cards = {card_label(m.label): m.value for m in at.metric}
    # 33,190 persons → 3.32万人; 19,278,000元 → 1,927.80万元 or 0.19亿元; 70,560元 → 7.06万元.
    assert cards["参保人数"] == "3.32万人", cards
    assert cards["医疗救助金额"] == "7.06万元", cards
    assert cards["DRG预算执行率"] == "2.24%", cards
    assert ENROLLED_DEC == 33190 and ASSIST == 70_560 and DRG_PAID == 336_000 and INCOME


def test_login_off_names_the_local_user(warehouse: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """YIBAO_LOGIN=0 on a real warehouse: the session's user is settings.LOCAL_USER_NAME, never
    "demo", and no 演示数据 badge."""
    from metrics import settings

    monkeypatch.setenv("YIBAO_LOGIN", "0")
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["_viewer"].name == settings.LOCAL_USER_NAME
    captions = [c.value for c in at.caption]
    assert any(settings.LOCAL_USER_NAME in c for c in captions), captions
    assert not any("演示数据" in c for c in captions), captions
