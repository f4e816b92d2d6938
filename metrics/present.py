"""Presenting metric values as the bureau writes them, driven by each metric's declared format.

Pages never convert units themselves: `text` gives "94.52万人", `scaled` gives the number in the
display unit (for tables and charts), `header` the column title with its unit.
"""

from __future__ import annotations

import math
from contextvars import ContextVar

import pandas as pd

from data_sources import codes
from metrics import settings, units
from metrics.catalog import metric
from metrics.suppress import SMALL, SUPPRESSED

DISPLAY_UNIT = {
    "wan_yuan": "万元",
    "yi_yuan": "亿元",
    "wan_persons": "万人",
    "persons": "人",
    "person_times": "人次",
    "pct": "%",
    "months": "个月",
    "int": "",
    "decimal": "",
}
# Decimals of each display format as printed (DOMAIN.md: 万元/亿元/万人 two decimals, rates one or
# two, whole persons); `scaled` rounds to them and display tables format with them.
DECIMALS = {
    "wan_yuan": 2,
    "yi_yuan": 2,
    "wan_persons": 2,
    "persons": 0,
    "person_times": 0,
    "pct": 2,
    "months": 1,
    "int": 0,
    "decimal": 2,
}
_TO_DISPLAY_UNIT = {
    "wan_yuan": units.yuan_to_wan,
    "yi_yuan": units.yuan_to_yi,
    "wan_persons": units.persons_to_wan,
    "pct": lambda ratio: ratio * 100,
}
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


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


# Whether the figures being shown are one township's: set for each script run by the page's
# filters (ui.state.current), so cards and notes follow the scope without every call passing it.
TOWNSHIP_LEVEL: ContextVar[bool] = ContextVar("township_level", default=False)


def display_fmt(metric_id: str, township: bool | None = None) -> str:
    """The metric's display format; persons are whole persons at township level (DOMAIN.md:
    万人 with two decimals for the county, whole persons for a township)."""
    fmt = metric(metric_id).fmt
    at_township = TOWNSHIP_LEVEL.get() if township is None else township
    return "persons" if at_township and fmt == "wan_persons" else fmt


def header(metric_id: str, township: bool | None = None) -> str:
    """'基金收入(亿元)'; no unit for plain counts."""
    unit = DISPLAY_UNIT[display_fmt(metric_id, township)]
    label = metric(metric_id).label
    return f"{label}({unit})" if unit else label


def scaled(metric_id: str, value: float | None, township: bool | None = None) -> float | None:
    """The value in its display unit, rounded half-up as printed (万元/亿元/万人: 2 decimals)."""
    if _missing(value):
        return None
    fmt = display_fmt(metric_id, township)
    v = float(value)  # type: ignore[arg-type]
    scale = _TO_DISPLAY_UNIT.get(fmt)
    return units.round_half_up(scale(v) if scale else v, DECIMALS[fmt])


def text(
    metric_id: str,
    value: float | None,
    *,
    suppressed: bool = False,
    small: bool = True,
    township: bool | None = None,
) -> str:
    """'94.52万人', '9.28亿元', '94.50%', '8.3个月'; at township level '89,145人'.

    A suppressed count reads '<10' when its own count is small and '*' when it was hidden only
    to protect a small neighbour (its true count may be large); a suppressed amount reads '*'.
    """
    m = metric(metric_id)
    if suppressed:
        is_count = m.unit in ("persons", "person_times", "count")
        return SUPPRESSED_COUNT if is_count and small else SUPPRESSED_VALUE
    fmt = display_fmt(metric_id, township)
    if fmt == "wan_yuan":
        return units.fmt_wan_yuan(value)
    if fmt == "yi_yuan":
        return units.fmt_yi_yuan(value)
    if fmt == "wan_persons":
        return units.fmt_wan_persons(value)
    if fmt == "persons":
        return units.fmt_persons(value, sep=True)
    if fmt == "person_times":
        return units.fmt_person_times(value, sep=True)
    if fmt == "pct":
        return units.fmt_pct(value)
    if fmt == "months":
        return units.fmt_months(value)
    if fmt == "int":
        return units.fmt_number(value, digits=0, sep=True)
    return units.fmt_number(value, digits=2, sep=True)


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


def table(
    frame: pd.DataFrame,
    metric_ids: list[str],
    dims: list[str] | tuple[str, ...] = (),
    extra: dict[str, str] | None = None,
    township: bool | None = None,
) -> pd.DataFrame:
    """A display table: dimension labels, metrics in display units with unit headers.

    Rows per township (or `township=True` for one township's figures) show whole persons.
    Columns with suppressed cells become text ('<10', '*', numbers as printed); `extra` maps
    other columns of the frame (already display-ready) to headers.
    """
    at_township = ("township" in dims or TOWNSHIP_LEVEL.get()) if township is None else township
    out = pd.DataFrame(index=frame.index)
    for dim in dims:
        col, title = DIM_DISPLAY.get(dim, (dim, dim))
        source = frame[col] if col in frame.columns else frame.get(dim)
        if source is None:
            continue
        out[title] = [dim_value(col if col in DIM_VALUE_LABELS else dim, v) for v in source]
    none = pd.Series(False, index=frame.index)
    mask = frame[SUPPRESSED] if SUPPRESSED in frame.columns else none
    small = frame[SMALL] if SMALL in frame.columns else none
    for mid in metric_ids:
        if mid not in frame.columns:
            continue
        values = [scaled(mid, v, at_township) for v in frame[mid]]
        hidden = mask & frame[mid].isna()
        if hidden.any():
            whole = display_fmt(mid, at_township) in ("persons", "person_times", "int")
            out[header(mid, at_township)] = [
                text(mid, None, suppressed=True, small=bool(sm))
                if h
                else ("—" if v is None else units.fmt_number(v, digits=0 if whole else 2))
                for v, h, sm in zip(values, hidden, small, strict=True)
            ]
        else:
            out[header(mid, at_township)] = pd.array(values, dtype="Float64")
    for col, title in (extra or {}).items():
        if col in frame.columns:
            out[title] = frame[col].to_numpy()
    return out.reset_index(drop=True)
