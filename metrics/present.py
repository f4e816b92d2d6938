"""Presenting metric values as the bureau writes them, driven by each metric's declared format.

Pages never convert units themselves: a `Column` (per metric and scope level) gives the header
with its unit, the display value, the text ("94.52万人" for the county, "92,316人" for a township)
and the number formats of the screen and of Excel. `text`, `scaled` and `header` are its
shortcuts; `table` builds a display table whose columns keep their `Column` in `frame.attrs`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

import pandas as pd

from data_sources import codes
from metrics import settings, units
from metrics.catalog import metric
from metrics.compare import status_label as status_label  # a status in the metric's words
from metrics.compare import status_palette as status_palette  # the legend of its charts
from metrics.model import Level
from metrics.suppress import SMALL, SUPPRESSED

DISPLAY_UNIT = {
    "wan_yuan": "万元",
    "yi_yuan": "亿元",
    "yuan": "元",
    "wan_persons": "万人",
    "persons": "人",
    "wan_person_times": "万人次",
    "person_times": "人次",
    "pct": "%",
    "pp": "百分点",
    "months": "个月",
    "int": "",
    "decimal": "",
}
# Decimals of each display format as printed (DOMAIN.md: 万元/亿元/万人 two decimals, rates one or
# two, whole persons); display values are rounded to them and tables format with them. A
# percentage is kept as a ratio (0.9452) with two decimals of percent.
DECIMALS = {
    "wan_yuan": 2,
    "yi_yuan": 2,
    "yuan": 2,
    "wan_persons": 2,
    "persons": 0,
    "wan_person_times": 2,
    "person_times": 0,
    "pct": 2,
    "pp": 2,
    "months": 1,
    "int": 0,
    "decimal": 2,
}
_TO_DISPLAY_UNIT = {
    "wan_yuan": units.yuan_to_wan,
    "yi_yuan": units.yuan_to_yi,
    "wan_persons": units.persons_to_wan,
    "wan_person_times": units.persons_to_wan,
    "pp": lambda ratio_points: ratio_points * 100,  # a difference of ratios, in 百分点
}
# Number formats of the display values: Streamlit's printf-style (or preset) and Excel's. One
# table for both, so the screen and the workbook cannot drift apart.
_ST_FORMAT = {
    "pct": "percent",
    "months": "%.1f",
    "pp": "%.2f",
    "decimal": "%,.2f",
}
_XL_FORMAT = {
    "pct": "0.00%",
    "months": "0.0",
    "pp": "0.00",
}
# Below the county persons are whole persons, person-times whole 人次 (DOMAIN.md).
_BELOW_COUNTY = {"wan_persons": "persons", "wan_person_times": "person_times"}
SUPPRESSED_COUNT = f"<{settings.SMALL_CELL_THRESHOLD}"
SUPPRESSED_VALUE = "*"

DIM_VALUE_LABELS: dict[str, dict[str, str]] = {
    "scheme": codes.SCHEMES,
    "person_group": codes.PERSON_GROUPS,
    "flow": codes.FUND_FLOWS,
    "item": {**codes.FUND_ITEMS["income"], **codes.FUND_ITEMS["spending"]},
    "category": codes.ASSISTANCE_CATEGORIES,
    "kind": codes.ASSISTANCE_KINDS,
    "population_type": codes.POVERTY_ALERT_TYPES,
    "level": codes.PROCUREMENT_LEVELS,
    "batch_level": codes.PROCUREMENT_LEVELS,
    "outlier": codes.DRG_OUTLIERS,
    "institution_kind": codes.INSTITUTION_KINDS,
}
# Label columns shown instead of codes, with their headers.
DIM_DISPLAY: dict[str, tuple[str, str]] = {
    "township": ("township_name", "乡镇(街道)"),
    "institution": ("institution_name", "机构名称"),
    "batch": ("batch_name", "集采批次"),
    "product": ("generic_name", "中选产品"),
    "drg": ("drg_name", "DRG组名称"),
    "scheme": ("scheme", "险种"),
    "person_group": ("person_group", "人群"),
    "flow": ("flow", "收支"),
    "item": ("item", "项目"),
    "category": ("category", "救助对象类别"),
    "kind": ("kind", "救助类型"),
    "population_type": ("population_type", "人员类型"),
    "level": ("level", "集采层级"),
    "outlier": ("outlier", "病例类型"),
    "month": ("month", "月份"),
}
# Scheme names as a report writes them in a split ("其中居民医保5.56亿,职工医保3.72亿").
SCHEME_SHORT = {"resident": "居民医保", "employee": "职工医保"}
TOTAL_LABEL = "合计"
FORMATS_ATTR = "column_formats"  # DataFrame.attrs key: header -> Column, read by every writer


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _level(level: Level | None, township: bool | None) -> Level:
    """The explicit level; `township=True/False` is the older spelling of the same choice."""
    if level is not None:
        return level
    return "township" if township else "county"


@dataclass(frozen=True)
class Column:
    """How one column is shown: header with unit, display value, text, screen and Excel formats.

    >>> c = column("enrolled", "township")
    >>> c.header, c.value(92316.0), c.text(92316.0)
    ('参保人数(人)', 92316.0, '92,316人')
    """

    key: str
    label: str
    fmt: str
    unit: str
    decimals: int

    @property
    def header(self) -> str:
        return f"{self.label}({self.unit})" if self.unit else self.label

    @property
    def number_format(self) -> str:
        """Streamlit's column format: thousands separated, the decimals as printed."""
        if self.fmt in _ST_FORMAT:
            return _ST_FORMAT[self.fmt]
        return f"%,.{self.decimals}f" if self.decimals else "%,d"

    @property
    def excel_format(self) -> str:
        if self.fmt in _XL_FORMAT:
            return _XL_FORMAT[self.fmt]
        return "#,##0." + "0" * self.decimals if self.decimals else "#,##0"

    @property
    def whole(self) -> bool:
        return self.decimals == 0 and self.fmt != "pct"

    def exact(self, value: object) -> float | None:
        """The value in the display unit, unrounded (for sums and largest-remainder rounding)."""
        if _missing(value):
            return None
        v = float(value)  # type: ignore[arg-type]
        scale = _TO_DISPLAY_UNIT.get(self.fmt)
        return scale(v) if scale else v

    def value(self, value: object) -> float | None:
        """The value in the display unit, rounded half-up as printed (a ratio for percentages)."""
        v = self.exact(value)
        if v is None:
            return None
        return units.round_half_up(v, self.decimals + (2 if self.fmt == "pct" else 0))

    def text(self, value: object) -> str:
        """The figure as the bureau writes it, unit included."""
        if _missing(value):
            return units.MISSING
        v = float(value)  # type: ignore[arg-type]
        if self.fmt == "pct":
            return units.fmt_pct(v, self.decimals)
        if self.fmt == "pp":
            return units.fmt_pp(v, self.decimals, words=False)
        shown = units.fmt_number(self.exact(v), digits=self.decimals, sep=self.fmt != "months")
        return shown + self.unit


def display_fmt(metric_id: str, level: Level | None = None, *, township: bool | None = None) -> str:
    """The metric's display format at a level; persons are whole persons below the county
    (DOMAIN.md: 万人 with two decimals for the county, whole persons for a township)."""
    fmt = metric(metric_id).fmt
    if _level(level, township) != "county":
        return _BELOW_COUNTY.get(fmt, fmt)
    return fmt


@lru_cache(maxsize=1024)
def column(metric_id: str, level: Level = "county") -> Column:
    """The presentation of a metric's column at a level (county, township, institution)."""
    fmt = display_fmt(metric_id, level)
    return Column(metric_id, metric(metric_id).label, fmt, DISPLAY_UNIT[fmt], DECIMALS[fmt])


def change_column(metric_id: str, label: str = "同比") -> Column:
    """同比/环比 as a number: percentage points for a rate, a growth rate (percent) otherwise."""
    fmt = "pp" if metric(metric_id).unit == "ratio" else "pct"
    return Column(f"{metric_id}_chg", label, fmt, DISPLAY_UNIT[fmt], DECIMALS[fmt])


def gap_column(label: str = "较时序进度") -> Column:
    """A rate minus its time progress, in percentage points."""
    return Column("gap", label, "pp", DISPLAY_UNIT["pp"], DECIMALS["pp"])


def column_as(metric_id: str, label: str, level: Level = "county") -> Column:
    """The metric's presentation under another label, e.g. its 上年同期 column."""
    return replace(column(metric_id, level), label=label)


def margin_points(metric_id: str) -> str:
    """The metric's policy margin in whole 百分点 as a caption writes it: DRG 0.05 -> '5'."""
    margin = metric(metric_id).margin
    points = gap_column().exact(settings.RAG_AMBER_PP if margin is None else margin)
    return units.fmt_number(points, digits=0)


def header(metric_id: str, level: Level | None = None, *, township: bool | None = None) -> str:
    """'基金收入(亿元)'; no unit for plain counts."""
    return column(metric_id, _level(level, township)).header


def scaled(
    metric_id: str,
    value: float | None,
    level: Level | None = None,
    *,
    township: bool | None = None,
) -> float | None:
    """The value in its display unit, rounded half-up as printed (万元/亿元/万人: 2 decimals;
    a percentage stays a ratio, 0.9452)."""
    return column(metric_id, _level(level, township)).value(value)


def text(
    metric_id: str,
    value: float | None,
    *,
    level: Level | None = None,
    suppressed: bool = False,
    small: bool = True,
    township: bool | None = None,
) -> str:
    """'94.52万人', '9.28亿元', '94.50%', '8.3个月'; at `level="township"` '92,316人'.

    A suppressed count reads '<10' when its own count is small and '*' when it was hidden only
    to protect a small neighbour (its true count may be large); a suppressed amount reads '*'.
    """
    m = metric(metric_id)
    if suppressed:
        is_count = m.unit in ("persons", "person_times", "count")
        return SUPPRESSED_COUNT if is_count and small else SUPPRESSED_VALUE
    return column(metric_id, _level(level, township)).text(value)


def plain_text(metric_id: str, value: float | None, *, level: Level | None = None) -> str:
    """The figure as a 公文 writes it: no thousands separators ('92316人', '94.52万人')."""
    return text(metric_id, value, level=level).replace(",", "")


def change_text(metric_id: str, change: float | None) -> str:
    """同比/环比 wording: pp for rates, growth for amounts."""
    if metric(metric_id).unit == "ratio":
        return units.fmt_pp(change)
    return units.fmt_change(change)


def dim_value(dim: str, code: object) -> str:
    if _missing(code):
        return "—"
    if dim == "month":
        return f"{int(code)}月"  # type: ignore[call-overload]
    return DIM_VALUE_LABELS.get(dim, {}).get(str(code), str(code))


def _default_level(dims: list[str] | tuple[str, ...]) -> Level:
    if "institution" in dims:
        return "institution"
    return "township" if "township" in dims else "county"


def _additive(metric_id: str) -> bool:
    m = metric(metric_id)
    return m.kind == "simple" and m.agg in ("sum", "count")


def _rounded(col: Column, values: list[object], total: object) -> tuple[list, object]:
    """Display values of a column and of its total. Additive columns whose rows add up to the
    total are rounded by largest remainder (units.round_to_total), so the printed rows add up to
    the printed total; other columns (rates, distinct counts) are rounded one by one."""
    shown_total = col.value(total)
    exact = [col.exact(v) for v in values]
    known = [v for v in exact if v is not None]
    total_exact = col.exact(total)
    adds_up = (
        total_exact is not None
        and known
        and abs(sum(known) - total_exact) <= 1e-6 * max(1.0, abs(total_exact))
    )
    if adds_up and col.fmt != "pct":
        return units.round_to_total(exact, col.decimals), shown_total
    return [col.value(v) for v in values], shown_total


def table(
    frame: pd.DataFrame,
    metric_ids: list[str],
    dims: list[str] | tuple[str, ...] = (),
    extra: dict[str, str | Column] | None = None,
    township: bool | None = None,
    *,
    level: Level | None = None,
    total: Mapping[str, object] | pd.Series | None = None,
    changes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A display table: dimension labels, metrics in display units with unit headers.

    `level` is the scope of each row (rows per township or institution: whole persons; by
    default read off `dims`). `changes` maps metric ids to a header ('同比') for their `<m>_chg`
    column, shown as a number right after the metric. `extra` maps other columns of the frame to
    a header (values as they are) or to a `Column` (formatted like a metric). With `total` (the
    unrounded figures of the whole table, e.g. the same spec without `by`) a 合计 row is added,
    and the rows of additive columns are rounded so they add up to it (largest remainder).
    Columns with suppressed cells become text ('<10', '*', numbers as printed). Every numeric
    column's `Column` is kept in `out.attrs[FORMATS_ATTR]`, for the screen and the Excel writer.
    """
    at = _level(level, township) if (level or township is not None) else _default_level(dims)
    out = pd.DataFrame(index=frame.index)
    formats: dict[str, Column] = {}
    for dim in dims:
        col, title = DIM_DISPLAY.get(dim, (dim, dim))
        source = frame[col] if col in frame.columns else frame.get(dim)
        if source is None:
            continue
        out[title] = [dim_value(col if col in DIM_VALUE_LABELS else dim, v) for v in source]
    none = pd.Series(False, index=frame.index)
    mask = frame[SUPPRESSED] if SUPPRESSED in frame.columns else none
    small = frame[SMALL] if SMALL in frame.columns else none
    totals: dict[str, object] = {}
    for mid in metric_ids:
        if mid not in frame.columns:
            continue
        col = column(mid, at)
        hidden = mask & frame[mid].isna()
        if hidden.any():
            values = [col.value(v) for v in frame[mid]]
            out[col.header] = [
                text(mid, None, suppressed=True, small=bool(sm))
                if h
                else ("—" if v is None else units.fmt_number(v, digits=col.decimals))
                for v, h, sm in zip(values, hidden, small, strict=True)
            ]
            if total is not None:
                totals[col.header] = col.value(total.get(mid))
        else:
            if total is not None and _additive(mid):
                values, totals[col.header] = _rounded(col, list(frame[mid]), total.get(mid))
            else:
                values = [col.value(v) for v in frame[mid]]
                if total is not None:
                    totals[col.header] = col.value(total.get(mid))
            out[col.header] = pd.array(values, dtype="Float64")
            formats[col.header] = col
        if changes and mid in changes and f"{mid}_chg" in frame.columns:
            chg = change_column(mid, changes[mid])
            out[chg.header] = pd.array([chg.value(v) for v in frame[f"{mid}_chg"]], dtype="Float64")
            formats[chg.header] = chg
            if total is not None:
                totals[chg.header] = chg.value(total.get(f"{mid}_chg"))
    for source_col, title in (extra or {}).items():
        if source_col not in frame.columns:
            continue
        if isinstance(title, Column):
            out[title.header] = pd.array(
                [title.value(v) for v in frame[source_col]], dtype="Float64"
            )
            formats[title.header] = title
        else:
            out[title] = frame[source_col].to_numpy()
    out = out.reset_index(drop=True)
    if total is not None and len(out.columns):
        row = {c: totals.get(c) for c in out.columns}
        row[out.columns[0]] = TOTAL_LABEL
        out = pd.concat([out, pd.DataFrame([row])], ignore_index=True)
        for header_ in formats:
            out[header_] = pd.array(out[header_], dtype="Float64")
    out.attrs[FORMATS_ATTR] = formats
    return out
