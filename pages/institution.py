"""机构详情: one institution for the period and filters it was opened with (URL `inst=CODE`): a
hospital's DRG budget against paid with 时序进度 and status, its cases, CMI and groups; an
institution's procurement agreements by product against 时序进度. Figures through metrics/drill.py;
a township officer sees only the institutions of their own township."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

import charts
from auth import session as auth_session
from auth.roles import pages_for
from data_sources import codes
from metrics import drill, present, service
from metrics.execute import Result
from metrics.model import QuerySpec
from ui import chrome, institution_link, layout, state
from ui.nav import PAGES

TOP_GROUPS = 10
f = state.current()
period = f.period
code = str(st.query_params.get(institution_link.INST, "")).strip()
user = auth_session.current_user()
allowed = pages_for(user.roles) if user is not None else set()
viewer = service.current_viewer()
BY_PATH = {p.url_path: p for p in PAGES}


def _go(url_path: str, town: str | None) -> None:
    """Back to a page with the same year, month and scheme, for `town` (None: the whole county)."""
    keep = {state.YEAR: f.year, state.MONTH: f.month, state.TOWN: town, state.SCHEME: f.scheme}
    params = {state.URL_KEYS[k]: str(v) for k, v in keep.items() if v}
    state.switch_page(BY_PATH[url_path].file, params)


def breadcrumb(found: drill.Institution | None) -> None:
    """← 返回全县 / ← 返回乡镇 / ← 返回 the page it came from, where the viewer may open them."""
    origin = str(st.query_params.get(institution_link.ORIGIN, ""))
    with st.container(horizontal=True, gap="small"):
        county = viewer.is_county and "overview" in allowed
        if county and st.button(
            f"← 返回{service.scope_word()}", key="inst_back_county", type="tertiary"
        ):
            _go("overview", None)
        town = found.township if found is not None else f.township
        town_name = found.township_name if found is not None else f.township_name
        to_town = bool(town) and "township" in allowed
        if to_town and st.button(f"← 返回{town_name}", key="inst_back_town", type="tertiary"):
            _go("township", town)
        if origin in ("drg", "procurement") and origin in allowed:
            page = BY_PATH[origin]
            if st.button(f"← 返回{page.title}", key="inst_back_origin", type="tertiary"):
                _go(origin, f.township)


if not code:
    breadcrumb(None)
    layout.header("机构详情", f)
    st.info("请在乡镇详情、DRG预算执行或集中带量采购页面的机构表中选中一家机构,查看其机构详情。")
    st.stop()

with service.engine().connect() as conn:
    found = drill.institution_of(conn, code)
refusal = drill.institution_refusal(found, viewer.townships)
if refusal or found is None:
    breadcrumb(None)
    layout.header("机构详情", f)
    st.error(refusal or drill.UNKNOWN)
    st.stop()

breadcrumb(found)
# Titles and exports name the institution's own township, whatever the sidebar's scope.
here = replace(f, township=found.township, township_name=found.township_name)
layout.header(f"机构详情 · {found.name}", here)
kind = codes.INSTITUTION_KINDS.get(found.kind, found.kind)
st.caption(f"{kind} · {found.level} · 所在乡镇:{found.township_name} · 机构编码 {found.code}")
ran: list[Result] = []


def fetch(spec: QuerySpec) -> Result:
    result = service.fetch(spec)
    ran.append(result)
    return result


def subject(what: str) -> str:
    return f"{found.name}{what}"


# --- DRG付费 ----------------------------------------------------------------------------------
drg = drill.institution_drg(fetch, period, code)
has_drg = drill.has_figures(drg, drill.INSTITUTION_DRG)
if has_drg:
    st.markdown("#### DRG付费预算执行")
    budget, expected = drg.value("drg_budget"), drg.value("drg_execution_expected")
    planned = None if budget is None or expected is None else budget * expected
    cols = chrome.card_row("inst1").columns(3)
    layout.result_card(
        cols[0], drg, "drg_budget", note=f"按时序进度应付{present.text('drg_budget', planned)}"
    )
    layout.result_card(cols[1], drg, "drg_paid", note=f"{period.label()}累计")
    layout.result_card(
        cols[2], drg, "drg_execution", note=layout.progress_note(drg, "drg_execution"), bullet=True
    )
    cols = chrome.card_row("inst2").columns(4)
    layout.result_card(
        cols[0],
        drg,
        "drg_cases",
        note=f"其中高倍率 {present.text('drg_high_outliers', drg.value('drg_high_outliers'))}例",
    )
    layout.result_card(cols[1], drg, "drg_cmi", note="总权重 ÷ 病例数")
    layout.result_card(cols[2], drg, "drg_avg_cost", label="次均住院费用(元)")
    layout.result_card(cols[3], drg, "drg_cost_per_weight", label="每权重费用(元)")
    over_pp = present.margin_points("drg_execution")
    st.caption(
        f"预算执行率 = DRG基金支付 ÷ 全年DRG付费预算;高于时序进度{over_pp}个百分点以上为“超进度”"
        "(支付快于时间,年底可能超预算),高于时序进度但在此以内为“预警”。"
    )
    # The groups' table takes the page's width: six columns do not fit half of a 1366 px screen.
    monthly = fetch(
        QuerySpec.make(
            ["drg_paid", "drg_paid_cumulative"], period, ["month"], {"institution": code}
        )
    )
    if not monthly.empty:
        layout.chart(
            charts.budget_vs_plan(
                monthly.frame,
                budget,
                period.month,
                layout.half_chart_text(
                    here, subject("DRG累计支付与时序进度"), present.column("drg_paid").unit
                ),
            ),
            key="inst_drg_pace",
        )
    groups = drill.institution_groups(fetch, period, code)
    st.markdown(f"#### {found.name} 主要DRG组")
    if groups.empty:
        st.info("本期该医院没有DRG结算病例。")
    else:
        by_paid, by_cases = st.tabs(["按基金支付", "按病例数"])
        for tab, by, what in (
            (by_paid, "drg_paid", f"基金支付前{TOP_GROUPS}位DRG组"),
            (by_cases, "drg_cases", f"病例数前{TOP_GROUPS}位DRG组"),
        ):
            with tab:
                top = drill.top_groups(groups.frame, by, TOP_GROUPS)
                shown = present.table(top, list(drill.GROUP_METRICS), ["drg"])
                shown.insert(0, "DRG组编码", top["drg"].to_numpy())
                layout.table(
                    shown.rename(
                        columns={
                            present.header("drg_cmi"): "平均权重",
                            present.header("drg_avg_cost"): "次均费用(元)",
                        }
                    ),
                    title=here.title(subject(what)),
                    key=f"inst_groups_{by}",
                )
        st.caption("平均权重 = 该组总权重 ÷ 病例数(该组的CMI);次均费用 = 该组住院总费用 ÷ 病例数。")

# --- 集中带量采购 -----------------------------------------------------------------------------
proc = drill.institution_procurement(fetch, period, code)
has_proc = drill.has_figures(proc, ("proc_agreed", "proc_purchased"))
if has_proc:
    st.markdown("#### 集中带量采购协议执行")
    cols = chrome.card_row("inst3").columns(3)
    layout.result_card(cols[0], proc, "proc_agreed", note="全年约定采购量")
    layout.result_card(cols[1], proc, "proc_purchased", note=f"{period.label()}累计")
    layout.result_card(
        cols[2],
        proc,
        "proc_progress",
        note=layout.progress_note(proc, "proc_progress"),
        bullet=True,
    )
    cols = chrome.card_row("inst4").columns(3)
    layout.result_card(cols[0], proc, "proc_savings")
    layout.result_card(cols[1], proc, "proc_retained", note=f"{f.year}年度核定")
    products = drill.institution_products(fetch, period, code)
    if not products.empty:
        shown = present.table(
            products,
            ["proc_agreed", "proc_purchased", "proc_progress"],
            ["product", "batch"],
            extra={
                "proc_progress_gap": present.gap_column(),
                "proc_progress_status_label": "状态",
                "proc_savings": present.column("proc_savings"),
            },
        )
        layout.table(
            shown,
            height=min(38 + 35 * len(shown), 420),
            title=here.title(subject("中选产品协议执行情况")),
            key="inst_products",
        )
    lag_pp = present.margin_points("proc_progress")
    st.caption(
        "采购进度 = 期内实际采购量 ÷ 全年约定采购量,时序进度按月均进度;"
        f"低于时序进度{lag_pp}个百分点以上为“滞后”,低于但在此以内为“预警”。滞后的产品在前。"
    )

if not has_drg and not has_proc:
    st.info(f"该机构在{period.label()}没有DRG付费或集采协议数据。")
layout.show_sql(ran)
