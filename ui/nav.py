"""The pages of the dashboard, in menu order (app.py builds st.navigation from this list), and
the detail pages opened from them (not in the menu)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageDef:
    path: str
    title: str
    url_path: str
    icon: str
    # A detail page is granted with this page (its url_path) and left out of the menu: it shows
    # one item picked elsewhere, so it opens from a table row, not from the menu.
    parent: str | None = None

    @property
    def file(self) -> Path:
        """Absolute path, so the router works whichever script Streamlit started with."""
        return ROOT / self.path


PAGES: tuple[PageDef, ...] = (
    PageDef("pages/overview.py", "总览", "overview", ":material/dashboard:"),
    PageDef("pages/enrollment.py", "参保扩面", "enrollment", ":material/groups:"),
    PageDef("pages/fund.py", "基金收支", "fund", ":material/account_balance:"),
    PageDef("pages/assistance.py", "医疗救助", "assistance", ":material/volunteer_activism:"),
    PageDef("pages/procurement.py", "集中带量采购", "procurement", ":material/medication:"),
    PageDef("pages/drg.py", "DRG预算执行", "drg", ":material/local_hospital:"),
    PageDef("pages/planning.py", "任务分解", "planning", ":material/calculate:"),
    PageDef("pages/briefing.py", "汇报材料", "briefing", ":material/description:"),
    PageDef("pages/cases.py", "预警督办", "cases", ":material/assignment_late:"),
    PageDef("pages/import.py", "数据导入", "import", ":material/upload:"),
    PageDef("pages/township.py", "乡镇详情", "township", ":material/location_city:"),
    PageDef("pages/audit.py", "操作日志", "audit", ":material/history:"),
)

# 机构详情: opened from the institution tables of 乡镇详情, DRG and 集采 (URL `inst=CODE`); whoever
# may open 乡镇详情 may open it, for the institutions of the townships in their scope.
INSTITUTION = PageDef(
    "pages/institution.py", "机构详情", "institution", ":material/domain:", parent="township"
)
DETAIL_PAGES: tuple[PageDef, ...] = (INSTITUTION,)


def detail_pages(allowed: set[str]) -> list[PageDef]:
    """The detail pages whose parent page is among the `allowed` url_paths.

    >>> [p.url_path for p in detail_pages({"township"})], detail_pages({"overview"})
    (['institution'], [])
    """
    return [p for p in DETAIL_PAGES if p.parent in allowed]
