"""Whole-page print (browser Ctrl+P or the sidebar's 导出本页PDF): A4 landscape, no sidebar or
Streamlit chrome, cards and charts never split across pages, and on every printed page a header
with the page, scope, period and 数据截至, and a page number at the foot.

The style sheet is fixed text (`PRINT_STYLE`, part of the one style sheet of ui/chrome.py: no HTML is ever
built from data). The header is an ordinary text element (`header`), hidden on screen; for print
it is fixed at the top of the page, which Chromium (Chrome, Edge) repeats on every printed page.
"""

from __future__ import annotations

import streamlit as st

# Streamlit's own containers scroll inside a 100vh box: printed as is, only the first screen
# comes out (and a blank page after it). They are let grow to their content for print.
PRINT_CSS = """
@media print {
  @page { size: A4 landscape; margin: 8mm 10mm 14mm 10mm; }
  html, body, #root, .stApp, [data-testid="stApp"], [data-testid="stAppViewContainer"],
  [data-testid="stMain"], [data-testid="stMainBlockContainer"], section.main {
    height: auto !important; min-height: 0 !important; overflow: visible !important;
    position: static !important;
  }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stSidebarCollapseButton"], [data-testid="stHeader"], header.stAppHeader,
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stBottom"], [data-testid="stElementToolbar"], [data-testid="stToast"],
  [data-testid="stDownloadButton"], [data-testid="stBaseButton-secondary"],
  [data-testid="stBaseButton-primary"], [data-testid="stExpander"], footer, iframe {
    display: none !important;
  }
  [data-testid="stMain"] { margin-left: 0 !important; padding: 0 !important; }
  [data-testid="stMainBlockContainer"], .block-container {
    max-width: 100% !important; padding-left: 0 !important; padding-right: 0 !important;
    padding-bottom: 0 !important;
  }
  /* Side-by-side columns stay side by side on paper (on screen they wrap when narrow). */
  [data-testid="stHorizontalBlock"] { display: flex !important; flex-wrap: nowrap !important; }
  [data-testid="stColumn"] { min-width: 0 !important; }
  [data-testid="stMetric"], [data-testid="stColumn"], [data-testid="stHorizontalBlock"],
  [data-testid="stVegaLiteChart"], [data-testid="stFullScreenFrame"],
  [data-testid="stElementContainer"], [data-testid="stVerticalBlockBorderWrapper"],
  [data-testid="stTable"], [data-testid="stDataFrame"], .vega-embed {
    break-inside: avoid !important; page-break-inside: avoid !important;
  }
  h1, h2, h3, h4, [data-testid="stHeading"] { break-after: avoid !important; }
  .vega-embed canvas, .vega-embed svg { max-width: 100% !important; height: auto !important; }
  * { -webkit-print-color-adjust: exact !important; print-color-adjust: exact !important; }
  @page { @bottom-center { content: "第" counter(page) "页,共" counter(pages) "页";
    font-size: 9pt; color: #666; } }
  /* The header is fixed at the top of every page; each page's part of the main block starts
     below it (box-decoration-break: clone repeats the padding on every page). */
  .st-key-yb_print_header { display: block !important; position: fixed !important;
    top: 0; left: 0; right: 0; height: 7mm; margin: 0 !important; z-index: 10;
    background: #fff; border-bottom: 0.5pt solid #999; }
  [data-testid="stMainBlockContainer"], .block-container {
    padding-top: 10mm !important; box-decoration-break: clone;
    -webkit-box-decoration-break: clone; }
  .st-key-yb_print_header * { font-size: 10pt !important; color: #333 !important;
    font-family: sans-serif !important; margin: 0 !important; padding: 0 !important; }
}
.st-key-yb_print_header { display: none; }
"""
PRINT_STYLE = f"<style>{PRINT_CSS}</style>"

# A click runs the browser's print dialog on the dashboard (the parent of the component frame);
# "另存为PDF" there saves the page as laid out above.
PRINT_BUTTON = """
<button onclick="window.parent.print()" style="width:100%;padding:0.45rem 0.75rem;
 border:1px solid rgba(49,51,63,0.2);border-radius:0.5rem;background:#fff;cursor:pointer;
 font-size:0.95rem;font-family:sans-serif;color:#31333f">导出本页PDF(打印)</button>
"""


def header_line(scope: str, period_label: str, cutoff: str, title: str = "") -> str:
    """'医保决策驾驶舱 总览 | 全县 | 2023年1-10月 | 数据截至:2023年10月31日'."""
    head = " ".join(p for p in ("医保决策驾驶舱", title) if p)
    return " | ".join([head, scope, period_label, cutoff])


def header(title: str = "") -> None:
    """The print header for the current filters and page (plain text), and the sidebar's
    print button."""
    from metrics import service
    from metrics.model import period_end_date
    from ui import state

    f = state.current()
    cutoff = service.freshness().label(period_end_date(f.period))
    with st.container(key="yb_print_header"):
        st.text(header_line(f.scope_label, f.period.label(), cutoff, title))
    with st.sidebar:
        st.iframe(PRINT_BUTTON, height=48)  # fixed text: no data goes into it
        st.caption("打印或另存为PDF时,按A4横向排版,不含侧边栏。")
