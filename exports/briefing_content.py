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
    over_pace: bool = False  # a budget: RED means paying too fast (超进度), not 滞后

    @property
    def status_word(self) -> str:
        """'正常' / '预警' / '滞后'; a budget paid ahead of time progress reads '超进度'."""
        if self.over_pace and self.status is Status.RED:
            return "超进度"
        return self.status.label if self.status is not Status.NONE else "—"


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


def _row(result) -> pd.Series:
    return result.frame.iloc[0] if not result.frame.empty else pd.Series(dtype=float)


def _value(row: pd.Series, metric_id: str) -> float | None:
    v = row.get(metric_id)
    return None if v is None or pd.isna(v) else float(v)


def kpis(fetch: Fetch, period: Period, township: str | None) -> list[Kpi]:
    """The overview's headline cards as data (same metrics, same status rules)."""
    where = {"township": township} if township else {}
    town = township is not None

    def t(metric_id: str, value: float | None) -> str:
        return present.text(metric_id, value, township=town)

    out: list[Kpi] = []
    e = _row(
        fetch(QuerySpec.make(["enrolled", "enroll_target", "enroll_completion"], period, (), where))
    )
    targets = fetch(QuerySpec.make(["enroll_target"], period, ["scheme"], where)).frame
    expected = (
        compare.enrollment_expected(
            period, dict(zip(targets.scheme, targets.enroll_target, strict=True))
        )
        if not targets.empty
        else None
    )
    completion = _value(e, "enroll_completion")
    if _value(e, "enrolled") is not None:
        out.append(
            Kpi(
                "enrolled",
                "参保人数",
                _value(e, "enrolled"),
                t("enrolled", _value(e, "enrolled")),
                Status.NONE,
                f"任务数{t('enroll_target', _value(e, 'enroll_target'))}",
            )
        )
    if completion is not None:
        out.append(
            Kpi(
                "enroll_completion",
                "参保任务完成率",
                completion,
                t("enroll_completion", completion),
                compare.status_vs_progress(completion, expected),
                f"时序进度{t('enroll_completion', expected)}",
            )
        )
    if not town:
        f = _row(fetch(QuerySpec.make(["fund_income", "fund_spending_county"], period)))
        for mid, label in (("fund_income", "基金收入"), ("fund_spending_county", "县域内基金支出")):
            if _value(f, mid) is not None:
                out.append(Kpi(mid, label, _value(f, mid), t(mid, _value(f, mid)), Status.NONE))
        months = fetch(QuerySpec.make(["fund_months_payable"], period, ["scheme"])).frame
        by_scheme = dict(
            zip(months.get("scheme", []), months.get("fund_months_payable", []), strict=True)
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
                    t("fund_months_payable", employee),
                    status,
                    phrase,
                )
            )
    assist = fetch(QuerySpec.make(["assist_amount", "assist_times"], period, (), where))
    amount, times = _value(_row(assist), "assist_amount"), _value(_row(assist), "assist_times")
    if amount:
        # A hidden small count reads '<10' (metrics.present), never a figure.
        hidden = assist.suppressed and times is None
        times_text = present.text("assist_times", times, suppressed=hidden, township=town)
        out.append(
            Kpi(
                "assist_amount",
                "医疗救助支付金额",
                amount,
                t("assist_amount", amount),
                Status.NONE,
                f"救助{times_text}",
            )
        )
    linear = compare.linear_expected(period)
    p = _row(fetch(QuerySpec.make(["proc_progress", "proc_savings"], period, (), where)))
    if _value(p, "proc_progress") is not None:
        out.append(
            Kpi(
                "proc_progress",
                "集采约定采购量完成率",
                _value(p, "proc_progress"),
                t("proc_progress", _value(p, "proc_progress")),
                compare.status_vs_progress(
                    _value(p, "proc_progress"), linear, margin=settings.PROCUREMENT_LAG_PP
                ),
                f"时序进度{t('proc_progress', linear)};节约资金{t('proc_savings', _value(p, 'proc_savings'))}",
            )
        )
    d = _row(fetch(QuerySpec.make(["drg_execution", "drg_paid", "drg_budget"], period, (), where)))
    if _value(d, "drg_execution") is not None:
        out.append(
            Kpi(
                "drg_execution",
                "DRG预算执行率",
                _value(d, "drg_execution"),
                t("drg_execution", _value(d, "drg_execution")),
                compare.status_vs_progress(
                    _value(d, "drg_execution"),
                    linear,
                    higher_is_better=False,
                    margin=settings.DRG_OVER_PACE_PP,
                ),
                f"时序进度{t('drg_execution', linear)};预算{t('drg_budget', _value(d, 'drg_budget'))}",
                over_pace=True,
            )
        )
    return out


def warnings(fetch: Fetch, period: Period, township: str | None) -> list[Alert]:
    """预警事项 as the overview lists them: townships behind, months payable, institutions."""
    where = {"township": township} if township else {}
    items: list[Alert] = []
    if township is None:
        rank = fetch(QuerySpec.make(["enroll_completion"], period, ["township"])).frame
        split = fetch(QuerySpec.make(["enroll_target"], period, ["township", "scheme"])).frame
        if not rank.empty and not split.empty:
            rank = rank.assign(
                expected=rank["township"].map(
                    compare.enrollment_expected_by(split, period, "township")
                )
            )
            items += alerts.summarize(
                alerts.behind_progress(
                    rank,
                    name="township_name",
                    actual="enroll_completion",
                    expected="expected",
                    area="参保扩面",
                    what="参保任务完成率",
                ),
                "参保扩面",
            )
        fund = fetch(QuerySpec.make(["fund_months_payable"], period, ["scheme"])).frame
        if not fund.empty:
            items += alerts.months_payable(
                dict(zip(fund.scheme, fund.fund_months_payable, strict=True)), codes.SCHEMES
            )
    linear = compare.linear_expected(period)
    proc = fetch(QuerySpec.make(["proc_progress"], period, ["institution"], where)).frame
    if not proc.empty:
        items += alerts.summarize(
            alerts.behind_progress(
                proc.assign(expected=linear),
                name="institution_name",
                actual="proc_progress",
                expected="expected",
                area="集中带量采购",
                what="集采采购进度",
                lag_pp=settings.PROCUREMENT_LAG_PP,
            ),
            "集中带量采购",
            limit=3,
        )
    drg = fetch(QuerySpec.make(["drg_execution"], period, ["institution"], where)).frame
    if not drg.empty:
        items += alerts.summarize(
            alerts.ahead_of_pace(
                drg.assign(expected=linear),
                name="institution_name",
                actual="drg_execution",
                expected="expected",
                area="DRG预算执行",
                what="DRG预算执行率",
            ),
            "DRG预算执行",
            limit=3,
        )
    return [Alert(a.severity, a.area, W.full_width(a.text)) for a in items]


def gather(
    fetch: Fetch,
    period: Period,
    township: str | None,
    cutoff: str,
    text: TextFor,
    *,
    scope_label: str | None = None,
    level: str = "县",
) -> Content:
    """Everything the material needs, for the period and scope; charts not yet rendered."""
    # The page's county label is always '全县'; the region's level names it (全区, 全市).
    county_default = township is None and scope_label == "全县"
    scope = scope_label if scope_label and not county_default else None
    scope = scope or scope_name(fetch, period, township, level)
    return Content(
        scope=scope,
        period=period,
        township=township,
        cutoff=W.full_width(cutoff),
        organisation=W.wording().organisation,
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
