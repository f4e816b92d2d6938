"""The app's chrome: Chinese in place of Streamlit's English, the phone layout and 大屏 mode.

One fixed style sheet, never built from data. Streamlit offers no translation of its own
widgets, so the file uploader's English button and limit line are replaced by Chinese through CSS
(the English text is set to zero size, the Chinese drawn as generated content), and the element
toolbars (the charts' "Show data / Download as PNG / Copy Vega-Lite spec / Fullscreen", whose
"Show data" lists raw field names and codes, and the tables' English search/download) and the app
menu ("Print / Record screen") are hidden: every chart and table has its own Chinese export
buttons, and browser printing has its own print style.

大屏 (wall screen) mode, `?screen=wall`: no sidebar or header, a dark ground, type sized by the
viewport so a 1920×1080 or 3840×2160 screen reads from the back of the room.
"""

from __future__ import annotations

import time

import streamlit as st

from ui import printing, state

WALL = "wall"
SCREEN_PARAM = "screen"
# The card row's container key: on a phone its columns wrap two to a row instead of stacking.
# Other card rows use keys that start with it (`card_row`).
CARDS_KEY = "cards"

BASE_CSS = """
<style>
[data-testid="stMainMenu"], [data-testid="stStatusWidget"], [data-testid="stElementToolbar"],
[data-testid="stToolbarActions"] { display: none !important; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "选择文件"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzoneInstructions"] span { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] span::after {
  content: "可将文件拖到此处;单个文件不超过 20 MB,格式 .xlsx、.xls、.csv"; font-size: 0.8rem; }
[data-testid="stMetricValue"] { font-size: clamp(1.25rem, 1.9vw, 2.25rem); }
/* A card's label wraps rather than cutting its status word off with "…". */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
@media (max-width: 640px) {
  [class*="st-key-cards"] [data-testid="stHorizontalBlock"] { flex-wrap: wrap; gap: 0.5rem; }
  [class*="st-key-cards"] [data-testid="stColumn"] {
    flex: 1 1 calc(50% - 0.5rem) !important; min-width: calc(50% - 0.5rem) !important;
    width: calc(50% - 0.5rem) !important; }
  [data-testid="stMetricValue"] { font-size: 1.2rem; }
  [data-testid="stMainBlockContainer"] { padding-left: 0.75rem; padding-right: 0.75rem; }
  [data-testid="stVegaLiteChart"], [data-testid="stDataFrame"] { max-width: 100%; }
}
</style>
"""

WALL_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stExpandSidebarButton"] { display: none !important; }
.stApp, [data-testid="stMain"] { background: #0b1a2b; color: #e6edf5; }
[data-testid="stMainBlockContainer"] { padding: 1.2vh 1.6vw; max-width: 100%; }
.stApp h1, .stApp h2, .stApp h3, .stApp h4, [data-testid="stMarkdownContainer"] p,
[data-testid="stCaptionContainer"], [data-testid="stMetricLabel"] p { color: #e6edf5; }
.stApp h1 { font-size: 2.2vw; margin: 0; padding: 0; }
.stApp h4 { font-size: 1.25vw; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {
  font-size: max(0.95rem, 0.85vw); }
.stApp [data-testid="stMetricValue"], .stApp [data-testid="stMetricValue"] * {
  font-size: 1.3vw !important; color: #ffffff !important; line-height: 1.25; }
.stApp [data-testid="stMetricLabel"], .stApp [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
.stApp [data-testid="stMetricDelta"] {
  background-color: rgba(255, 255, 255, 0.06) !important; filter: brightness(2.2) saturate(1.3); }
.stApp [data-testid="stMetricDelta"] p { color: inherit !important; font-size: max(0.85rem, 0.7vw); }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0.45rem; }
.stApp h3 { font-size: 1.5vw; }
[data-testid="stVerticalBlockBorderWrapper"], [data-testid="stMetric"] {
  background: #11263d; border-color: #27425f; }
[data-testid="stDownloadButton"], [data-testid="stElementContainer"]:has(hr),
[data-testid="stSidebarCollapsedControl"] { display: none !important; }
[data-testid="stMetric"] { padding: 0.6vh 0.8vw; }
[data-testid="stMetricLabel"] p { font-size: max(0.95rem, 0.95vw) !important; }
.stApp [data-testid="stCaptionContainer"] p { font-size: max(0.8rem, 0.7vw); color: #b8c7d9; }
</style>
"""


# Vega-Lite config of a chart on the dark wall screen: light text on the panel colour, larger type
# (read from the back of a meeting room). Applied to a copy of the memoized spec.
WALL_CHART_CONFIG = {
    "background": "#11263d",
    "title": {"color": "#ffffff", "subtitleColor": "#b8c7d9", "fontSize": 20},
    "axis": {
        "labelColor": "#e6edf5",
        "titleColor": "#e6edf5",
        "gridColor": "#27425f",
        "domainColor": "#5b7797",
        "tickColor": "#5b7797",
        "labelFontSize": 15,
        "titleFontSize": 15,
    },
    "legend": {"labelColor": "#e6edf5", "titleColor": "#e6edf5", "labelFontSize": 15},
    "text": {"color": "#ffffff", "fontSize": 14},
    "view": {"stroke": None},
}


def for_screen(spec: dict) -> dict:
    """The chart spec as this screen shows it: unchanged, or dark for 大屏 mode."""
    if screen_mode() != WALL:
        return spec
    config = {**spec.get("config", {})}
    for key, value in WALL_CHART_CONFIG.items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    return {**spec, "config": config}


def vega_theme() -> None:
    """No Streamlit chart theme: the spec's own colours and fonts, so a series has the same
    colour on screen as in its PNG/SVG/PPT export (Streamlit's theme recolours on screen only)."""
    return None


def card_row(name: str):
    """A container for a row of cards that wraps two to a row on a phone (key 'cards_<name>')."""
    return st.container(key=f"{CARDS_KEY}_{name}")


def screen_mode() -> str:
    """'wall' for 大屏 mode (URL ?screen=wall), else ''."""
    return WALL if st.query_params.get(SCREEN_PARAM) == WALL else ""


def apply() -> str:
    """Injects the style sheets (screen, print, 大屏) for this run; returns the screen mode."""
    mode = screen_mode()
    sheets = BASE_CSS + printing.PRINT_STYLE + (WALL_CSS if mode == WALL else "")
    st.markdown(sheets, unsafe_allow_html=True)
    return mode


# Setting. Pages a wall screen rotates through with ?screen=wall&rotate=SECONDS (URL paths of
# ui.nav; the overview first). Seconds below the minimum are raised to it.
ROTATION = ("overview", "enrollment", "fund", "assistance", "procurement", "drg")
MIN_ROTATE_SECONDS = 20


def _params(**changes: str | None) -> dict[str, str]:
    params = {k: v for k, v in st.query_params.to_dict().items() if k not in changes}
    params.update({k: v for k, v in changes.items() if v is not None})
    return params


def wall_link() -> None:
    """The sidebar's button into 大屏 mode for the same page, period and township."""
    query = "&".join(f"{k}={v}" for k, v in _params(screen=WALL).items())
    st.link_button(
        "大屏模式", f"?{query}", icon=":material/tv:", help="全屏深色显示,适合会议室大屏"
    )


def wall_exit() -> None:
    """In 大屏 mode, the only way back (the sidebar is hidden): a small link at the top."""
    query = "&".join(f"{k}={v}" for k, v in _params(screen=None, rotate=None).items())
    st.link_button("退出大屏", f"?{query}", type="tertiary", icon=":material/close_fullscreen:")


ROTATION_KEY = "_rotation"  # session key: (url_path shown, time.monotonic() when shown)
# The timer fires `seconds` after the fragment was drawn, a moment after the page was recorded
# as shown: a page counts as due slightly early rather than waiting a whole second round.
ROTATE_TOLERANCE_SECONDS = 1.0


def rotate_seconds(raw: str | None) -> int | None:
    """Seconds per page from ?rotate=N: None when absent or not a whole number, else at least
    MIN_ROTATE_SECONDS.

    >>> rotate_seconds("60"), rotate_seconds("2"), rotate_seconds("x"), rotate_seconds(None)
    (60, 20, None, None)
    """
    if not raw or not (raw.isascii() and raw.isdigit()):  # "²".isdigit(), int("²") fails
        return None
    return max(int(raw), MIN_ROTATE_SECONDS)


def next_page(order: list[str], current: str) -> str | None:
    """The page after `current` in the rotation, the first after the last; None when `current`
    is not rotated (a page such as 任务分解 keeps the screen where it is).

    >>> next_page(["overview", "fund", "drg"], "drg"), next_page(["overview"], "planning")
    ('overview', None)
    """
    if current not in order:
        return None
    return order[(order.index(current) + 1) % len(order)]


def rotation_due(shown: tuple[str, float] | None, current: str, now: float, seconds: float) -> bool:
    """True when `current` has been on screen for `seconds` (less the timer's tolerance).

    `shown` is the (page, monotonic time) recorded when a page first ran; a full rerun of the
    same page keeps it, so the wall still moves on time; another page's record is not due.

    >>> rotation_due(("fund", 100.0), "fund", 119.5, 20), rotation_due(("fund", 100.0), "fund", 110.0, 20)
    (True, False)
    >>> rotation_due(("overview", 100.0), "fund", 500.0, 20), rotation_due(None, "fund", 500.0, 20)
    (False, False)
    """
    if shown is None or shown[0] != current:
        return False
    return now - shown[1] >= seconds - ROTATE_TOLERANCE_SECONDS


def rotation(pages: dict[str, object], current: str) -> None:
    """With ?rotate=N in 大屏 mode, moves to the next area page every N seconds (a fragment run
    by Streamlit's timer), keeping the URL's period, township and screen parameters. A caption
    says which page comes next and when."""
    seconds = rotate_seconds(st.query_params.get("rotate"))
    if screen_mode() != WALL or seconds is None:
        return
    following = next_page([p for p in ROTATION if p in pages], current)
    if following is None:
        return

    @st.fragment(run_every=seconds)
    def tick() -> None:
        now = time.monotonic()
        shown = st.session_state.get(ROTATION_KEY)
        if rotation_due(shown, current, now, seconds):
            st.session_state.pop(ROTATION_KEY, None)
            state.switch_page(pages[following], _params())
        if shown is None or shown[0] != current:
            st.session_state[ROTATION_KEY] = (current, now)
        title = getattr(pages[following], "title", following)
        st.caption(f"轮播:每{seconds}秒切换,下一页“{title}”")

    tick()


def wall_bar(pages: dict[str, object], current: str) -> None:
    """大屏 mode's one line at the top: 退出大屏 and, with ?rotate=N, the rotation's next page
    (one line, so the overview still fits a 1920×1080 screen)."""
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        wall_exit()
        rotation(pages, current)
