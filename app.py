"""医保决策驾驶舱: the router.

Page config, the session's viewer and scope, the global filters (kept in the URL), navigation,
and one place where any failure of a page becomes a Chinese message instead of a traceback.
"""

from __future__ import annotations

import logging

import streamlit as st

from auth import session as auth_session
from auth.roles import pages_for
from data_sources import areas
from data_sources.config import redact, warehouse_url
from data_sources.engine import WarehouseError
from metrics import service
from metrics.compiler import QueryError
from ui import chrome, nav, printing, state
from ui.nav import PAGES

log = logging.getLogger("yibao")

st.set_page_config(
    page_title="医保决策驾驶舱", page_icon=":material/health_and_safety:", layout="wide"
)


def main() -> None:
    service.begin_run()
    try:
        fresh = service.freshness()
    except WarehouseError as exc:
        st.title("医保决策驾驶舱")
        st.error(exc.message)
        st.caption(f"当前数据仓库:{redact(warehouse_url())}")
        st.stop()
    # Demo warehouse: no login (unless YIBAO_LOGIN=1). Real warehouse: login unless YIBAO_LOGIN=0.
    # Until someone logs in, the viewer is the anonymous one (empty scope) and no page runs.
    user = auth_session.start(fresh.is_demo)
    if user is None:
        st.stop()
    allowed = pages_for(user.roles)
    shown = [p for p in PAGES if p.url_path in allowed]
    if not shown:
        st.error("该账号没有可访问的页面,请联系数据管理员分配角色。")
        st.stop()
    notes = state.init_from_url()
    # Pages the user's roles do not grant are not in the navigation at all: their URL opens
    # the default page instead.
    pages = {
        p.url_path: st.Page(
            p.file, title=p.title, url_path=p.url_path, icon=p.icon, default=(i == 0)
        )
        for i, p in enumerate(shown)
    }
    # 机构详情 and other detail pages: reachable by link and switch_page, not listed in the menu.
    for p in nav.detail_pages(allowed):
        pages[p.url_path] = st.Page(
            p.file, title=p.title, url_path=p.url_path, icon=p.icon, visibility="hidden"
        )
    pg = st.navigation(list(pages.values()))
    with st.sidebar:
        st.markdown("#### 医保决策驾驶舱")
        auth_session.sidebar(user)
        if fresh.is_demo:
            st.caption(":orange-badge[演示数据] 以南昌县2023年公开数据校准的模拟数据")
        chrome.wall_link()
    if chrome.apply() == chrome.WALL:
        chrome.wall_bar(pages, next((k for k, v in pages.items() if v.title == pg.title), ""))
    state.render_sidebar()
    state.sync_url()
    printing.header(pg.title)  # printed on every page: page, scope, period, 数据截至
    for note in notes:
        st.toast(note)
    try:
        # A one-area page whose area has no data yet says so; the other pages still work.
        if gap := areas.page_gap(service.engine(), pg.url_path):
            st.info(gap, icon=":material/info:")
        else:
            pg.run()
    except (WarehouseError, QueryError) as exc:
        st.error(exc.message)
    except Exception:
        log.exception("page %s failed", pg.title)
        st.error(
            "页面出现意外错误,已记录日志。请刷新页面或调整查询条件;如仍出现,请联系系统管理员。"
        )


main()
