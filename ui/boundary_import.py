"""The import page's 乡镇边界 section: a county's own GeoJSON of townships for the map.

Checked by `data_sources.boundaries.check` (every problem in Chinese), shown as a plan (which
townships get a new outline), written only after 确认导入, replacing the outlines of exactly the
townships the file carries.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import streamlit as st
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from auth import session as auth_session
from data_sources import boundaries
from data_sources.schema import township
from metrics import service
from ui import grid

KEY = "imp_geo"
DONE_KEY = "_imp_geo_done"


def _townships() -> dict[str, str]:
    with service.engine().connect() as conn:
        rows = conn.execute(select(township.c.code, township.c.name)).all()
    return {code: name for code, name in rows}


def render(read_only: bool) -> None:
    """The expander with uploader, check, plan and confirmation."""
    with st.expander("乡镇边界(地图用,GeoJSON 文件)"):
        st.caption(
            "上传本县乡镇(街道)边界的 GeoJSON 文件(FeatureCollection,面要素;属性中写乡镇代码 code "
            "或名称 name)。只替换文件中各乡镇的边界,其余乡镇保持不变;演示库自带虚构边界。"
        )
        done = st.session_state.pop(DONE_KEY, None)
        if done:
            st.success(done, icon=":material/check_circle:")
        upload = st.file_uploader(
            "GeoJSON 文件(.geojson、.json),不超过 20 MB",
            type=["geojson", "json"],
            max_upload_size=20,
            key=KEY,
        )
        if upload is None:
            return
        try:
            known = _townships()
        except SQLAlchemyError:
            st.error("读取乡镇名录失败,请稍后重试。")
            return
        data = upload.getvalue()
        checked = boundaries.check(data, known)
        if checked.problems:
            st.error(f"边界文件有 {len(checked.problems)} 个问题,未导入:")
            grid.dataframe(pd.DataFrame({"问题说明": checked.problems}), hide_index=True)
            return
        for note in checked.notes:
            st.caption(note)
        st.markdown(
            f"将替换 **{len(checked.shapes)}** 个乡镇的边界:"
            + "、".join(known[c] for c in checked.shapes)
        )
        if st.button(
            "确认导入边界",
            type="primary",
            disabled=read_only,
            key=f"imp_geo_go_{hashlib.sha256(data).hexdigest()[:12]}",
        ):
            fresh = service.freshness()
            end = fresh.period_end or dt.date.today()
            try:
                rows = boundaries.save(
                    service.engine(),
                    checked,
                    source=upload.name[:255],
                    loaded_by=service.current_viewer().name,
                    period_end=end,
                )
            except SQLAlchemyError:
                st.error("写入数据仓库失败,数据仓库未作修改。请稍后重试。")
                return
            auth_session.audit("import", f"乡镇边界:{upload.name},导入成功")
            service.clear_caches()
            st.session_state[DONE_KEY] = f"已导入 {rows} 个乡镇的边界,地图已更新。"
            st.rerun()
