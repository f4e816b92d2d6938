"""Global filters (year, cut-off month, township, scheme), kept in the session and in the URL.

The URL carries administrative codes, not names: `?year=2023&month=10&town=360121101` opens
向塘镇, 2023, through October. Values that do not exist fall back to defaults with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from data_sources import codes
from metrics import service
from metrics.model import Level, Period

YEAR, MONTH, TOWN, SCHEME = "f_year", "f_month", "f_town", "f_scheme"
PENDING_TOWN = "_pending_town"
READY = "_filters_ready"  # set once the URL has been read into the filters
URL_KEYS = {YEAR: "year", MONTH: "month", TOWN: "town", SCHEME: "scheme"}
COUNTY = ""  # the 全县 option of the township filter
ALL_SCHEMES = ""


@dataclass(frozen=True)
class Filters:
    year: int
    month: int
    township: str | None
    township_name: str
    scheme: str | None

    @property
    def period(self) -> Period:
        return Period(self.year, self.month, "ytd")

    @property
    def level(self) -> Level:
        """The level of the figures the filters select (a township's, or the county's)."""
        return "township" if self.township else "county"

    @property
    def scope_label(self) -> str:
        return self.township_name

    def title(self, what: str = "") -> str:
        """'向塘镇 2023年1-10月 参保扩面'."""
        return " ".join(p for p in (self.scope_label, self.period.label(), what) if p)

    def county(self) -> Filters:
        """The same period and scheme for all townships the viewer may see (rankings among
        townships). Titled 全县 only for a county viewer: a township officer's "county" figures
        are their own townships', and an export must not call them 全县."""
        return replace(self, township=None, township_name=viewer_scope_label())

    def township_filter(self) -> dict[str, str]:
        return {"township": self.township} if self.township else {}

    def scheme_label(self) -> str:
        return codes.SCHEMES.get(self.scheme or "", "全部险种")


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _latest() -> tuple[int, int]:
    latest = service.freshness().latest
    if latest is None:
        years = service.years()
        return (years[-1], 12) if years else (2024, 12)
    return latest


def max_month(year: int) -> int:
    latest_year, latest_month = _latest()
    return latest_month if year == latest_year else 12


def init_from_url() -> list[str]:
    """Reads the URL once per session into the filter keys; returns notes on ignored values."""
    if st.session_state.get(READY):
        return []
    notes: list[str] = []
    params = st.query_params
    years = service.years()
    latest_year, _ = _latest()
    year = _int(params.get("year"))
    if year not in years:
        if "year" in params:
            notes.append(f"链接中的年度“{params.get('year')}”没有数据,已显示{latest_year}年。")
        year = latest_year
    month = _int(params.get("month"))
    limit = max_month(year)
    if month is None or not 1 <= month <= limit:
        if "month" in params:
            notes.append(f"链接中的月份“{params.get('month')}”尚未加载,已显示截至{limit}月。")
        month = limit
    towns = service.townships()
    town = str(params.get("town", COUNTY))
    allowed = set(towns.code)
    if town != COUNTY and town not in allowed:
        notes.append("链接中的乡镇代码不存在或不在本账号的查看范围内,已改为默认范围。")
        town = COUNTY
    if service.current_viewer().townships is not None and town == COUNTY and len(towns):
        town = str(towns.code.iloc[0])
    scheme = str(params.get("scheme", ALL_SCHEMES))
    if scheme not in codes.SCHEMES:
        scheme = ALL_SCHEMES
    st.session_state.update({YEAR: year, MONTH: month, TOWN: town, SCHEME: scheme})
    st.session_state[READY] = True
    return notes


def select_township(code: str | None) -> None:
    """Drill-down: asks for another township; applied before the widgets are drawn, then reruns."""
    st.session_state[PENDING_TOWN] = code or COUNTY
    st.rerun()


def switch_page(page: object, query_params: dict[str, str]) -> None:
    """Opens another page with these URL parameters. Switching pages drops the sidebar's widget
    values, so the filters are read again from the link (`init_from_url`), not reset to the
    first year and month."""
    st.session_state.pop(READY, None)
    st.switch_page(page, query_params=query_params)  # type: ignore[arg-type]


def render_sidebar() -> None:
    if PENDING_TOWN in st.session_state:
        st.session_state[TOWN] = st.session_state.pop(PENDING_TOWN)
    years = list(service.years())
    towns = service.townships()
    names = dict(zip(towns.code, towns.name, strict=True))
    with st.sidebar:
        st.markdown("**查询条件**")
        c1, c2 = st.columns(2)
        c1.selectbox("年度", years, key=YEAR, format_func=lambda y: f"{y}年")
        limit = max_month(int(st.session_state[YEAR]))
        if int(st.session_state.get(MONTH, limit)) > limit:
            st.session_state[MONTH] = limit
        c2.selectbox(
            "截至月份", list(range(1, limit + 1)), key=MONTH, format_func=lambda m: f"{m}月"
        )
        options = ([] if service.current_viewer().townships is not None else [COUNTY]) + list(
            towns.code
        )
        if st.session_state.get(TOWN) not in options and options:
            st.session_state[TOWN] = options[0]
        whole = service.scope_word()  # 全县 / 全区 / 全市, from the recorded region
        st.selectbox(
            "乡镇(街道)",
            options,
            key=TOWN,
            format_func=lambda c: whole if c == COUNTY else names.get(c, c),
        )
        st.selectbox(
            "险种",
            [ALL_SCHEMES, *codes.SCHEMES],
            key=SCHEME,
            format_func=lambda s: "全部险种" if s == ALL_SCHEMES else codes.SCHEMES[s],
            help="适用于参保扩面和基金收支",
        )


def sync_url() -> None:
    """Writes the current filters into the address bar, so the view can be shared as a link."""
    for key, name in URL_KEYS.items():
        value = st.session_state.get(key)
        if value in (None, COUNTY):
            if name in st.query_params:
                del st.query_params[name]
        else:
            st.query_params[name] = str(value)


def viewer_scope_label() -> str:
    """'全县' for a county viewer, else the names of the viewer's townships ('向塘镇')."""
    scope = service.current_viewer().townships
    if scope is None:
        return service.scope_word()
    names = list(service.townships().name)
    return "、".join(names) if names else "本辖区"


def current() -> Filters:
    town = st.session_state.get(TOWN) or None
    towns = service.townships()
    names = dict(zip(towns.code, towns.name, strict=True))
    return Filters(
        year=int(st.session_state[YEAR]),
        month=int(st.session_state[MONTH]),
        township=town,
        township_name=names.get(town, "") if town else service.scope_word(),
        scheme=st.session_state.get(SCHEME) or None,
    )
