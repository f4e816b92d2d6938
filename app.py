"""医保决策驾驶舱: the router.

Page config, the session's viewer and scope, the global filters (kept in the URL), navigation,
and one place where any failure of a page becomes a Chinese message instead of a traceback.
"""

from __future__ import annotations

import logging

import streamlit as st

from data_sources.config import redact, warehouse_url
from data_sources.engine import WarehouseError
from metrics import service
from metrics.compiler import QueryError
from metrics.model import Viewer
from ui import state
from ui.nav import PAGES

log = logging.getLogger("yibao")

st.set_page_config(
    page_title="医保决策驾驶舱", page_icon=":material/health_and_safety:", layout="wide"
)

# Card values such as "46574.09万元" must fit a quarter-width card on a 1366 px laptop and still
# read large on a wall screen: the value font scales with the window. A fixed style sheet, never
# built from data.
CARD_CSS = """
<style>
[data-testid="stMetricValue"] { font-size: clamp(1.25rem, 1.9vw, 2.25rem); }
</style>
"""


def _viewer() -> Viewer:
    # Until accounts exist (login and roles are a later step), every session sees the whole
    # county; small counts of assistance stay hidden, as for a viewer without that right.
    return Viewer(name="demo", townships=None, can_see_small_cells=False)


def main() -> None:
    if not isinstance(st.session_state.get(service.VIEWER_KEY), Viewer):
        service.set_viewer(_viewer())
    try:
        fresh = service.freshness()
    except WarehouseError as exc:
        st.title("医保决策驾驶舱")
        st.error(exc.message)
        st.caption(f"当前数据仓库:{redact(warehouse_url())}")
        st.stop()
    notes = state.init_from_url()
    pages = [
        st.Page(p.file, title=p.title, url_path=p.url_path, icon=p.icon, default=(i == 0))
        for i, p in enumerate(PAGES)
    ]
    pg = st.navigation(pages)
    with st.sidebar:
        st.markdown("#### 医保决策驾驶舱")
        if fresh.is_demo:
            st.caption(":orange-badge[演示数据] 以南昌县2023年公开数据校准的模拟数据")
    st.markdown(CARD_CSS, unsafe_allow_html=True)
    state.render_sidebar()
    state.sync_url()
    for note in notes:
        st.toast(note)
    try:
        pg.run()
    except (WarehouseError, QueryError) as exc:
        st.error(exc.message)
    except Exception:
        log.exception("page %s failed", pg.title)
        st.error(
            "页面出现意外错误,已记录日志。请刷新页面或调整查询条件;如仍出现,请联系系统管理员。"
        )


main()
