"""What a 汇报材料 holds, gathered once for Word, PDF, PPT and the monthly pack.

`gather(fetch, period, township, ...)` asks the metrics layer (through `fetch`, so a township
viewer sees only its scope) for the paragraph, the headline KPIs with their status against time
progress, the warnings (预警事项) and the headline charts. The writers (exports.docx_report,
exports.pdf_report, exports.briefing) only lay these out; no figure is computed twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from data_sources import codes
from exports import wording as W
from exports.headlines import Headline, TextFor, headline_charts
from exports.narrative import Fetch, report_paragraph, scope_name
from metrics import alerts, compare, present, settings
from metrics.alerts import Alert
from metrics.execute import Result
from metrics.model import Period, QuerySpec
from metrics.status import Status, months_payable_status


@dataclass(frozen=True)
class Kpi:
    """One headline figure: its metric, value as the metrics layer writes it, status and note."""

    metric_id: str
    label: str
    value: float | None
    text: str
    status: Status
    note: str = ""

    @property
    def status_word(self) -> str:
        """'正常' / '预警' / '滞后' in the metric's own words: a budget paid ahead of time
        progress reads '超进度' (metrics.compare.status_label, as on the pages)."""
        if self.status is Status.NONE:
            return "—"
        return compare.status_label(self.metric_id, self.status)


@dataclass(frozen=True)
class Chart:
    """A headline chart with its rendered image (PNG bytes) and caption."""

    subject: str
    png: bytes
    note: str


@dataclass(frozen=True)
class Content:
    scope: str
    period: Period
    township: str | None
    cutoff: str
    organisation: str
    paragraph: str
    kpis: tuple[Kpi, ...]
    alerts: tuple[Alert, ...]
    headlines: tuple[Headline, ...] = ()
    charts: tuple[Chart, ...] = field(default=())

    @property
    def title(self) -> str:
        """'全县2023年1-10月医保工作运行情况汇报' / '向塘镇2023年1-10月医保工作运行情况汇报'."""
        return f"{self.scope}{self.period.label()}医保工作运行情况汇报"

    @property
    def township_level(self) -> bool:
        return self.township is not None


def kpis(fetch: Fetch, period: Period, township: str | None) -> list[Kpi]:
    """The overview's headline cards as data: the same specs (statuses from their comparisons,
    metrics.compare.status_of), each figure written at its result's level."""
    where = {"township": township} if township else {}
    out: list[Kpi] = []
    enroll = fetch(
        QuerySpec.make(
            ["enrolled", "enroll_target", "enroll_completion"],
            period,
            (),
            where,
            compare=("yoy", "status"),
        )
    )
    if enroll.value("enrolled") is not None:
        out.append(
            Kpi(
                "enrolled",
                "参保人数",
                enroll.value("enrolled"),
                enroll.text("enrolled"),
                Status.NONE,
                f"任务数{enroll.text('enroll_target')}",
            )
        )
    if enroll.value("enroll_completion") is not None:
        out.append(
            Kpi(
                "enroll_completion",
                "参保任务完成率",
                enroll.value("enroll_completion"),
                enroll.text("enroll_completion"),
                enroll.status("enroll_completion"),
                f"时序进度{enroll.text('enroll_completion_expected')}",
            )
        )
    if township is None:
        f = fetch(QuerySpec.make(["fund_income", "fund_spending_county"], period))
        for mid, label in (("fund_income", "基金收入"), ("fund_spending_county", "县域内基金支出")):
            if f.value(mid) is not None:
                out.append(Kpi(mid, label, f.value(mid), f.text(mid), Status.NONE))
        months = fetch(QuerySpec.make(["fund_months_payable"], period, ["scheme"]))
        frame = months.frame
        by_scheme = dict(
            zip(frame.get("scheme", []), frame.get("fund_months_payable", []), strict=True)
        )
        employee = by_scheme.get("employee")
        if employee is not None and not pd.isna(employee):
            status, phrase = months_payable_status(
                employee, settings.MONTHS_PAYABLE_BANDS["employee"]
            )
            out.append(
                Kpi(
                    "fund_months_payable",
                    "职工医保可支付月数",
                    float(employee),
                    present.text("fund_months_payable", employee, level=months.level),
                    status,
                    phrase,
                )
            )
    assist = fetch(QuerySpec.make(["assist_amount", "assist_times"], period, (), where))
    amount = assist.value("assist_amount")
    if amount:
        # A hidden small count reads '<10' (Result.text, metrics.present), never a figure.
        out.append(
            Kpi(
                "assist_amount",
                "医疗救助支付金额",
                amount,
                assist.text("assist_amount"),
                Status.NONE,
                f"救助{assist.text('assist_times')}",
            )
        )
    proc = fetch(
        QuerySpec.make(
            ["proc_savings", "proc_progress"], period, (), where, compare=("yoy", "status")
        )
    )
    if proc.value("proc_progress") is not None:
        out.append(
            Kpi(
                "proc_progress",
                "集采约定采购量完成率",
                proc.value("proc_progress"),
                proc.text("proc_progress"),
                proc.status("proc_progress"),
                f"时序进度{proc.text('proc_progress_expected')};"
                f"节约资金{proc.text('proc_savings')}",
            )
        )
    drg = fetch(
        QuerySpec.make(
            ["drg_paid", "drg_budget", "drg_execution"],
            period,
            (),
            where,
            compare=("yoy", "status"),
        )
    )
    if drg.value("drg_execution") is not None:
        out.append(
            Kpi(
                "drg_execution",
                "DRG预算执行率",
                drg.value("drg_execution"),
                drg.text("drg_execution"),
                drg.status("drg_execution"),
                f"时序进度{drg.text('drg_execution_expected')};预算{drg.text('drg_budget')}",
            )
        )
    return out


@dataclass(frozen=True)
class Warnings:
    """预警事项 and the results they were read from (for 查看SQL on the overview)."""

    items: tuple[Alert, ...]
    results: tuple[Result, ...]


def ranking_spec(period: Period) -> QuerySpec:
    """The townships' enrollment ranking of the overview (all townships the viewer may see)."""
    return QuerySpec.make(
        ["enroll_completion", "enrolled", "enroll_target"],
        period,
        ["township"],
        compare=("status", "rank"),
    )


def warning_items(
    fetch: Fetch, period: Period, township: str | None, *, own_scope: bool = False
) -> Warnings:
    """预警事项 as the overview lists them, from the same specs and the metrics' own status rule
    (alerts.off_pace): townships behind time progress, months payable, procurement behind,
    DRG hospitals ahead of pace (超进度).

    The overview ranks every township the viewer may see and always shows the pooled fund;
    with `own_scope` (a township's material) only that township's row is read and the fund,
    pooled at county level, is left out.
    """
    where = {"township": township} if township else {}
    items: list[Alert] = []
    results: list[Result] = []
    ranking = fetch(ranking_spec(period))
    results.append(ranking)
    rank = ranking.frame
    if own_scope and township is not None and not rank.empty:
        rank = rank[rank["township"] == township]
    if not rank.empty:
        items += alerts.summarize(
            alerts.off_pace(rank, "enroll_completion", name="township_name", area="参保扩面"),
            "参保扩面",
        )
    if not (own_scope and township is not None):
        fund_result = fetch(QuerySpec.make(["fund_months_payable"], period, ["scheme"]))
        results.append(fund_result)
        fund = fund_result.frame
        if not fund.empty:
            items += alerts.months_payable(
                dict(zip(fund.scheme, fund.fund_months_payable, strict=True)), codes.SCHEMES
            )
    for metric_id, area, what in (
        ("proc_progress", "集中带量采购", "集采采购进度"),
        ("drg_execution", "DRG预算执行", "DRG预算执行率"),
    ):
        result = fetch(
            QuerySpec.make([metric_id], period, ["institution"], where, compare=("status",))
        )
        results.append(result)
        if not result.frame.empty:
            items += alerts.summarize(
                alerts.off_pace(
                    result.frame, metric_id, name="institution_name", area=area, what=what
                ),
                area,
                limit=3,
            )
    return Warnings(tuple(items), tuple(results))


def warnings(fetch: Fetch, period: Period, township: str | None) -> list[Alert]:
    """The material's 预警事项: the overview's, limited to a township's own scope, in 公文
    punctuation."""
    found = warning_items(fetch, period, township, own_scope=True)
    return [Alert(a.severity, a.area, W.full_width(a.text)) for a in found.items]


def gather(
    fetch: Fetch,
    period: Period,
    township: str | None,
    cutoff: str,
    text: TextFor,
    *,
    scope_label: str | None = None,
    level: str = "县",
    organisation: str | None = None,
) -> Content:
    """Everything the material needs, for the period and scope; charts not yet rendered.

    `level` is the region's level (县/区/市: 全县/全区/全市) and `organisation` the issuing unit
    (exports.wording.organisation of the region's name); both default to a county's wording.
    """
    # The page's county label is always '全县'; the region's level names it (全区, 全市).
    county_default = township is None and scope_label == "全县"
    scope = scope_label if scope_label and not county_default else None
    scope = scope or scope_name(fetch, period, township, level)
    return Content(
        scope=scope,
        period=period,
        township=township,
        cutoff=W.full_width(cutoff),
        organisation=organisation or W.wording().organisation,
        paragraph=report_paragraph(fetch, period, township, scope_label=scope, level=level),
        kpis=tuple(kpis(fetch, period, township)),
        alerts=tuple(warnings(fetch, period, township)),
        headlines=tuple(headline_charts(fetch, period, township, text)),
    )


def with_charts(content: Content, images: Sequence[bytes]) -> Content:
    """The content with its headline charts rendered (one PNG per headline, same order)."""
    from dataclasses import replace

    charts = tuple(
        Chart(h.subject, png, W.full_width(h.note))
        for h, png in zip(content.headlines, images, strict=True)
    )
    return replace(content, charts=charts)


# Charts for slides and documents: drawn 720 px wide and at most 340 px high (the pages' bars are
# 440 px high, which a 16:9 slide would shrink to a narrow strip), with labels of 15 px instead
# of 12: once the image fills a slide or the Word 版心 they read from the back of a room.
CHART_WIDTH = 720
CHART_MAX_HEIGHT = 340
LARGE_TEXT = {
    "axis": {"labelFontSize": 15, "titleFontSize": 15},
    "legend": {"labelFontSize": 15, "titleFontSize": 15, "symbolSize": 160},
    "title": {"fontSize": 20, "subtitleFontSize": 14},
}
MARK_TEXT_SIZE = 14


def large_spec(spec: dict) -> dict:
    """The exported Vega-Lite spec with briefing-sized text and a landscape height (in place)."""
    config = spec.setdefault("config", {})
    for part, values in LARGE_TEXT.items():
        config.setdefault(part, {}).update(values)
    if isinstance(spec.get("title"), dict):
        spec["title"].pop("fontSize", None)
        spec["title"].pop("subtitleFontSize", None)
    if isinstance(spec.get("height"), (int, float)):
        spec["height"] = min(spec["height"], CHART_MAX_HEIGHT)
    for layer in spec.get("layer", []):
        mark = layer.get("mark")
        if isinstance(mark, dict) and mark.get("type") == "text":
            mark["fontSize"] = MARK_TEXT_SIZE
    return spec


def briefing_png(chart, watermark: str | None = None, scale: float = 2) -> bytes:
    """A headline chart as PNG for slides and documents (same chart, briefing-sized text)."""
    import json

    import vl_convert

    from exports import ExportError
    from exports.images import _version, export_spec

    spec = large_spec(export_spec(chart, CHART_WIDTH, watermark))
    try:
        return vl_convert.vegalite_to_png(json.dumps(spec), vl_version=_version(spec), scale=scale)
    except ValueError as exc:
        raise ExportError(f"图表导出失败:{exc}") from exc


def render(content: Content, watermark: str | None = None, scale: float = 2) -> Content:
    """Renders the headline charts to PNG (vl-convert, CJK font) with an optional watermark."""
    images = [briefing_png(h.chart, watermark, scale) for h in content.headlines]
    return with_charts(content, images)
