"""数据导入: order of kinds, completeness grid, templates, upload, validation, plan, confirmed load.

The page only arranges widgets: reading, validation, the plan and the load are
`data_sources.load`, the same code as the command line (python -m data_sources.load FILE --kind …);
the completeness grid is `data_sources.areas`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from auth import session as auth_session
from data_sources import areas, reader, templates, writer
from data_sources.app_store import AppStoreError
from data_sources.load import load_file, problems_frame, problems_xlsx
from data_sources.load_specs import LOAD_STEPS, MAX_FILE_MB, MAX_ROWS, SPECS, spec
from metrics import service
from ui import boundary_import, grid

RESULT_KEY = "_import_result"
SHOWN_PROBLEMS = 500

st.markdown("### 数据导入")
if not auth_session.allowed("import"):
    st.warning("数据导入需要“数据管理员”角色。")
    st.stop()
fresh = service.freshness()
st.caption(f"按模板导入月度数据和台账 · {fresh.label()}")
if fresh.is_demo:
    st.info(
        "当前连接的是演示数据仓库:导入的数据会写入演示库,替换演示数据中相同期间的数据。",
        icon=":material/info:",
    )
read_only = os.environ.get("WAREHOUSE_READ_ONLY") == "1"
if read_only:
    st.warning("数据仓库以只读方式打开(WAREHOUSE_READ_ONLY=1),本页只能下载模板和校验文件。")

with st.expander("导入顺序与各月数据完整性", expanded=not fresh.latest):
    st.markdown("新建的数据仓库请按以下顺序导入(先名录,后数据;后面的数据要用到前面的名录):")
    st.markdown("\n".join(f"{i}. {SPECS[k].title}" for i, k in enumerate(LOAD_STEPS, start=1)))
    grid_year = st.number_input(
        "完整性年度",
        min_value=2000,
        max_value=2100,
        value=fresh.latest[0] if fresh.latest else dt.date.today().year,
        step=1,
        key="imp_grid_year",
    )
    try:
        with service.engine().connect() as conn, service.app_engine().connect() as app:
            cells = areas.completeness(conn, int(grid_year), app)
    except SQLAlchemyError:
        cells = None
        st.warning("读取各月数据完整性失败,请稍后刷新。")
    if cells is not None:
        st.caption("各方面各月:✓ 行数为已导入,“缺”为尚未导入(月度数据)。")
        grid.dataframe(areas.completeness_grid(cells))
        loaded = cells[cells["行数"] > 0]
        if not loaded.empty:
            grid.dataframe(loaded[["方面", "月份", "行数", "导入时间", "导入人"]], hide_index=True)

boundary_import.render(read_only)

kind = st.selectbox("数据类型", list(SPECS), format_func=lambda k: SPECS[k].title, key="imp_kind")
s = spec(kind)
st.caption(s.note)
if s.depends:
    st.caption("须先导入:" + "、".join(SPECS[k].title for k in s.depends))

st.markdown("**1. 下载模板填写**(标题行、单位行、表头和一行示例;示例行填写前请删除)")
b1, b2, _ = st.columns([1, 1, 2])
b1.download_button(
    "下载Excel模板(.xlsx)",
    templates.xlsx_bytes(kind),
    file_name=templates.file_name(kind, "xlsx"),
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    key=f"imp_tpl_xlsx_{kind}",
)
b2.download_button(
    "下载CSV模板(.csv)",
    templates.csv_bytes(kind),
    file_name=templates.file_name(kind, "csv"),
    mime="text/csv",
    icon=":material/download:",
    key=f"imp_tpl_csv_{kind}",
)
with st.expander("各列填写要求"):
    grid.dataframe(
        pd.DataFrame(
            {
                "列名": [f.header for f in s.fields],
                "必填": ["是" if f.required else "否" for f in s.fields],
                "填写要求": [templates.allowed_text(f) for f in s.fields],
            }
        ),
        hide_index=True,
    )
    st.caption(
        (f"单位行写“{s.unit}”;金额列可在单位行或表头注明“万元”,导入时换算为元。" if s.unit else "")
        + "表头可不在第一行;合计/小计行自动忽略,但须与明细之和一致。"
    )

st.markdown("**2. 上传文件**")
upload = st.file_uploader(
    f"支持 .xlsx、.xls、.csv(UTF-8 或 GBK);单个文件不超过 {MAX_FILE_MB} MB、{MAX_ROWS:,} 行",
    type=["xlsx", "xls", "csv"],
    max_upload_size=MAX_FILE_MB,
    key=f"imp_file_{kind}",
)
if upload is None:
    st.stop()

data = upload.getvalue()
file_key = (kind, upload.name, hashlib.sha256(data).hexdigest())
try:
    table = reader.read(data, s, file_name=upload.name)
except reader.ReadError as exc:
    st.error(exc.message)
    st.stop()

found = [table.headers[f.column] for f in s.fields if f.column in table.headers]
missing = [f.header for f in s.fields if f.column not in table.headers]
unit = f",单位:{table.unit}" if table.unit else ""
st.markdown(
    f"工作表“{table.sheet}”,表头在第{table.header_row}行{unit};"
    f"数据 **{len(table.frame):,}** 行"
    + (f",合计/小计 {len(table.totals)} 行(导入时核对后忽略)" if table.totals else "")
    + "。"
)
st.caption("识别到的列:" + "、".join(found) + (f";缺少:{'、'.join(missing)}" if missing else ""))
preview = table.frame.head(10).rename(columns=table.headers)
preview.index.name = "行号"
# The file's cells as read, as text; an empty cell stays empty (not "None" or "nan").
grid.dataframe(preview.map(lambda v: "" if pd.isna(v) else str(v)))

st.markdown("**3. 校验、核对导入计划并确认**")
st.caption("导入只替换文件涉及的期间和范围(乡镇、险种、类型、医院……),文件未涉及的数据保持不变。")
replace_period = (
    st.checkbox(
        "按整个期间替换(删除文件中各期间的全部原有数据,包括文件未涉及的乡镇、险种等)",
        key=f"imp_full_{kind}",
    )
    if not s.is_dimension
    else False
)


def _run(confirm: bool, accept: bool) -> None:
    try:
        result = load_file(
            service.engine(),
            data,
            kind,
            user=service.current_viewer().name,
            file_name=upload.name,
            app_engine=service.app_engine(),
            confirm=confirm,
            accept_warnings=accept,
            replace_period=replace_period,
        )
    except (writer.InsertError, AppStoreError) as exc:  # nothing written
        st.error(exc.message)
        st.stop()
    except SQLAlchemyError as exc:
        st.error(
            f"写入数据仓库失败({type(exc).__name__}),数据仓库未作修改。"
            "请稍后重试;如为 DuckDB 文件,请确认没有其他程序正在写入。"
        )
        st.stop()
    if confirm or not result.pending:
        auth_session.audit(
            "import",
            f"{s.title}:{upload.name}," + ("导入成功" if result.ok else "未写入"),
        )
    if result.ok:
        service.clear_caches()
    st.session_state[RESULT_KEY] = ((*file_key, replace_period), result)


if st.button("校验并生成导入计划", type="primary", icon=":material/fact_check:"):
    _run(confirm=False, accept=False)

stored = st.session_state.get(RESULT_KEY)
if stored and stored[0] == (*file_key, replace_period):
    result = stored[1]
    if result.note:
        st.caption(result.note)
    if result.ok and result.log_error:
        st.warning(result.message(), icon=":material/warning:")
    elif result.ok:
        st.success(
            f"{result.message()}驾驶舱各页面已刷新,{service.freshness().label()}。",
            icon=":material/check_circle:",
        )
    elif result.pending:
        plan = result.plan
        if plan is not None:
            st.markdown(plan.lines()[0])
            grid.dataframe(plan.frame(), hide_index=True)
        accept = True
        if result.warnings:
            st.warning(result.message(), icon=":material/warning:")
            grid.dataframe(problems_frame(result.warnings), hide_index=True)
            accept = st.checkbox("已核对以上提醒,确属实际情况,仍然导入", key="imp_accept")
        if st.button(
            "确认导入",
            type="primary",
            icon=":material/upload:",
            disabled=read_only or not accept,
            key="imp_confirm",
        ):
            _run(confirm=True, accept=accept)
            st.rerun()
    else:
        st.error(result.message() + "请按下表逐条修改后重新上传。", icon=":material/error:")
        shown = problems_frame(result.problems[:SHOWN_PROBLEMS])
        grid.dataframe(shown, hide_index=True)
        if len(result.problems) > SHOWN_PROBLEMS:
            st.caption(f"仅显示前 {SHOWN_PROBLEMS} 个问题,完整清单请下载问题清单。")
        st.download_button(
            "下载问题清单(.xlsx)",
            problems_xlsx(result.problems),
            file_name=f"导入问题清单_{upload.name.rsplit('.', 1)[0]}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:",
            key="imp_problems",
        )
