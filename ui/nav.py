"""The pages of the dashboard, in menu order (app.py builds st.navigation from this list)."""

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
