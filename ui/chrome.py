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

import streamlit as st

from ui import printing

WALL = "wall"
SCREEN_PARAM = "screen"
# The card row's container key: on a phone its columns wrap two to a row instead of stacking.
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
@media (max-width: 640px) {
  .st-key-cards [data-testid="stHorizontalBlock"] { flex-wrap: wrap; gap: 0.5rem; }
  .st-key-cards [data-testid="stColumn"] {
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
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: 2.3vw; color: #ffffff; }
[data-testid="stMetricDelta"] * { font-size: max(0.9rem, 0.8vw); }
[data-testid="stVerticalBlockBorderWrapper"] { background: #11263d; border-color: #27425f; }
</style>
"""


def screen_mode() -> str:
    """'wall' for 大屏 mode (URL ?screen=wall), else ''."""
    return WALL if st.query_params.get(SCREEN_PARAM) == WALL else ""


def apply() -> str:
    """Injects the style sheets (screen, print, 大屏) for this run; returns the screen mode."""
    mode = screen_mode()
    sheets = BASE_CSS + printing.PRINT_STYLE + (WALL_CSS if mode == WALL else "")
    st.markdown(sheets, unsafe_allow_html=True)
    return mode
