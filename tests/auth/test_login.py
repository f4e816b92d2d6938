"""Login on a real (non-demo) warehouse, through the app as AppTest runs it.

For each role: which pages are in the navigation and which actions it gets. A township officer
never sees another township, whatever the URL says; wrong passwords, locked accounts, expired
sessions: clear messages and no page. The warehouse is a copy of the demo file with
YIBAO_LOGIN=1 (login forced on), and users created with auth.store.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pptx import Presentation
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from auth import roles as R
from auth import store
from data_sources.config import PROJECT_ROOT, demo_url
from metrics import service
from tests.cards import card_label
from ui.nav import PAGES

ENTRY = PROJECT_ROOT / "tests" / "pages" / "entry.py"
PW = "password-1"
XIANGTANG, LIANTANG = "360121101", "360121100"
USERS = {
    "leader": (R.LEADER, ""),
    "staff": (R.STAFF, ""),
    "planner": (R.PLANNER, ""),
    "admin": (R.ADMIN, ""),
    "xt": (R.TOWNSHIP, XIANGTANG),
    "locky": (R.STAFF, ""),
}


@pytest.fixture(scope="module")
def warehouse(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    own = tmp_path_factory.mktemp("auth") / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    url = demo_url(own)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", url)
        mp.setenv("YIBAO_LOGIN", "1")
        engine = service.get_engine(url)
        store.ensure_tables(engine)
        for name, (roles, towns) in USERS.items():
            store.create_user(engine, name, PW, roles, towns)
        yield engine


def open_app(town: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at.query_params["year"] = "2023"
    at.query_params["month"] = "10"
    if town:
        at.query_params["town"] = town
    at.run()
    return at


def submit(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    next(b for b in at.button if b.label == "登录").click()
    return at.run()


def login(username: str, town: str | None = None) -> AppTest:
    at = submit(open_app(town), username, PW)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def open_page(at: AppTest, url_path: str) -> AppTest:
    page = next(p for p in PAGES if p.url_path == url_path)
    at.switch_page(str(page.file))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def nav_pages(at: AppTest) -> set[str]:
    """The url_paths registered in st.navigation (AppTest refuses to switch to any other)."""
    found = set()
    for p in PAGES:
        try:
            at.switch_page(str(p.file))
        except ValueError:
            continue
        found.add(p.url_path)
    return found


def locked_out(at: AppTest) -> bool:
    """Asking for a page (as a tampered URL would) still shows only the login form."""
    with contextlib.suppress(ValueError):
        at.switch_page(str(PROJECT_ROOT / "pages" / "enrollment.py"))
    at.run()
    return (
        bool(at.text_input(key="login_username"))
        and not at.metric
        and not at.dataframe
        and headings(at) == ["### 医保决策驾驶舱 · 登录"]
    )


def headings(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("###")]


def rendered_bytes(at: AppTest) -> bytes:
    """Every element's message as sent to the browser (text, tables and chart data)."""
    out = bytearray()

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            out.extend(proto.SerializeToString())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return bytes(out)


def test_login_form_first_and_no_page_before(warehouse: Engine) -> None:
    at = open_app()
    assert at.text_input(key="login_username")
    assert locked_out(at)
    assert not any("参保" in h for h in headings(at))


@pytest.mark.parametrize("username", ["leader", "staff", "planner", "admin", "xt"])
def test_navigation_per_role(warehouse: Engine, username: str) -> None:
    at = login(username)
    assert nav_pages(at) == R.pages_for({USERS[username][0]})
    assert any("当前用户" in c.value for c in at.caption)


def test_actions_per_role(warehouse: Engine) -> None:
    # 科室人员 exports; 局领导 only reads.
    staff = open_page(login("staff"), "enrollment")
    assert any(b.label == "导出Excel" for b in staff.get("download_button"))
    leader = open_page(login("leader"), "enrollment")
    assert not leader.get("download_button")
    # The planning page: 局领导 reads, 规划人员 saves.
    leader = open_page(leader, "planning")
    assert next(b for b in leader.button if b.label == "保存方案").disabled
    planner = login("planner")  # planning is the planner's only, hence default, page
    assert headings(planner)[0].startswith("### 任务分解")
    assert not next(b for b in planner.button if b.label == "保存方案").disabled
    # 数据管理员: the import page (default) and the audit log, which holds the logins above.
    admin = login("admin")
    assert headings(admin)[0] == "### 数据导入"
    assert admin.get("file_uploader")
    admin = open_page(admin, "audit")
    log = admin.dataframe[0].value
    assert {"staff", "leader", "planner", "admin"} <= set(log["用户"])
    assert "登录" in set(log["操作"])


def test_township_officer_sees_only_own_township(warehouse: Engine) -> None:
    # The URL asks for 莲塘镇: ignored, the officer's own township is shown instead.
    at = login("xt", town=LIANTANG)
    assert at.query_params["town"] == XIANGTANG
    assert any("不在本账号的查看范围内" in t.value for t in at.toast)
    for page in ("enrollment", "assistance", "procurement", "drg", "township", "briefing"):
        open_page(at, page)
        data = rendered_bytes(at)
        assert "向塘镇".encode() in data, page
        assert "莲塘镇".encode() not in data, page
        assert not [c for c in at.get("selectbox") if c.key == "f_town" and len(c.options) != 1]
    # Tampered navigation: pages outside the role are not registered at all.
    with pytest.raises(ValueError):
        at.switch_page(str(PROJECT_ROOT / "pages" / "fund.py"))


def test_two_scopes_do_not_share_cached_results(warehouse: Engine) -> None:
    def enrolled(at: AppTest) -> str:
        return next(m.value for m in at.metric if card_label(m.label) == "参保人数")

    county = enrolled(open_page(login("staff"), "enrollment"))
    town = enrolled(open_page(login("xt"), "enrollment"))
    again = enrolled(open_page(login("staff"), "enrollment"))
    assert county == again
    assert town != county


def test_wrong_password_and_lock(warehouse: Engine) -> None:
    refused = [store.refused_message()]
    at = submit(open_app(), "staff", "wrong-password")
    assert [e.value for e in at.error] == refused
    assert locked_out(at)
    at = submit(open_app(), "nobody", PW)
    assert [e.value for e in at.error] == refused  # the same for an unknown user
    at = open_app()
    for _ in range(5):
        at = submit(at, "locky", "wrong-password")
    assert [e.value for e in at.error] == refused  # locked now, and still the same words
    at = submit(at, "locky", PW)  # the right password does not open a locked account
    assert [e.value for e in at.error] == refused
    assert locked_out(at)


def test_idle_session_expires_and_logout(warehouse: Engine) -> None:
    at = login("staff")
    at.session_state["_auth_last_seen"] = 0.0
    at.run()
    assert any("登录已超时,请重新登录" in w.value for w in at.warning)
    assert at.text_input(key="login_username")
    assert locked_out(at)
    at = submit(at, "staff", PW)
    assert "enrollment" in nav_pages(at)
    at.button(key="logout").click().run()
    assert at.text_input(key="login_username")
    assert locked_out(at)


def test_township_exports_hold_only_own_township(warehouse: Engine) -> None:
    """The files a township officer exports are built from the same scoped fetch as the page."""
    from exports import briefing_content, excel, fonts
    from exports.briefing import briefing_pptx
    from exports.headlines import headline_charts
    from exports.narrative import report_paragraph
    from metrics.execute import execute
    from metrics.model import Period, QuerySpec
    from ui.charts import ChartText

    viewer = R.viewer_for(store.get_user(warehouse, "xt"))

    def fetch(spec: QuerySpec):
        return execute(warehouse, spec, viewer)

    period = Period(2023, 10)
    # A tampered filter asking for 莲塘镇 gets nothing.
    spec = QuerySpec.make(["enrolled"], period, ["township"], {"township": LIANTANG})
    assert fetch(spec).empty
    table = fetch(QuerySpec.make(["enrolled"], period, ["township"])).frame
    book = load_workbook(
        io.BytesIO(excel.table_xlsx(table, title="向塘镇 参保", unit_line="单位:人", cutoff=""))
    )
    cells = [str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None]
    assert any("向塘镇" in c for c in cells)
    assert not any("莲塘镇" in c for c in cells)

    paragraph = report_paragraph(fetch, period, XIANGTANG, scope_label="向塘镇")
    charts = headline_charts(fetch, period, XIANGTANG, lambda s, u: ChartText(s, u, ""))
    assert "莲塘镇" not in paragraph
    for h in charts:
        assert "莲塘镇" not in str(h.chart.to_dict()), h.subject
    if fonts.cjk_font_family() is not None:
        content = briefing_content.gather(
            fetch, period, XIANGTANG, "", lambda s, u: ChartText(s, u, "")
        )
        deck = Presentation(io.BytesIO(briefing_pptx(briefing_content.render(content, scale=1))))
        texts = [
            s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame
        ]
        assert not any("莲塘镇" in t for t in texts)


def test_watermarks() -> None:
    import altair as alt
    import pandas as pd

    from exports import excel, fonts, images, watermark

    mark = "xt 2026-11-23 09:00"
    frame = pd.DataFrame({"乡镇": ["向塘镇"], "人数": [1]})
    xlsx = excel.table_xlsx(frame, title="t", unit_line="单位:人", cutoff="")
    book = load_workbook(io.BytesIO(watermark.xlsx(xlsx, mark)))
    assert mark in book.active.oddHeader.right.text
    assert watermark.xlsx(xlsx, None) == xlsx  # demo mode: no mark
    from exports.briefing import briefing_pptx
    from exports.briefing_content import Content
    from metrics.model import Period

    deck = Presentation(
        io.BytesIO(
            watermark.pptx(
                briefing_pptx(Content("全县", Period(2023, 10), None, "", "局", "文字", (), ())),
                mark,
            )
        )
    )
    texts = [s.text_frame.text for slide in deck.slides for s in slide.shapes if s.has_text_frame]
    assert all(
        any(mark in t for t in [s.text_frame.text for s in slide.shapes if s.has_text_frame])
        for slide in deck.slides
    )
    assert texts
    if fonts.cjk_font_family() is not None:
        chart = (
            alt.Chart(frame)
            .mark_bar()
            .encode(x="人数", y="乡镇")
            .properties(title=alt.Title("标题", subtitle=["单位:人"]))
        )
        spec = images.export_spec(chart, watermark=mark)
        assert spec["title"]["subtitle"][-1] == f"导出:{mark}"
        assert images.export_spec(chart)["title"]["subtitle"] == ["单位:人"]
        assert images.chart_png(chart, scale=1, watermark=mark)[:4] == b"\x89PNG"


def test_demo_warehouse_needs_no_login(warehouse: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YIBAO_LOGIN")
    at = open_app()
    assert not at.text_input  # no login form
    assert nav_pages(at) == {p.url_path for p in PAGES}
    assert any("演示数据" in c.value for c in at.caption)
    assert any(b.label == "导出Excel" for b in open_page(at, "enrollment").get("download_button"))
