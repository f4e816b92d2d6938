"""Presenting metric values as the bureau writes them, driven by each metric's declared format.

Pages never convert units themselves: `text` gives "94.52万人", `scaled` gives the number in the
display unit (for tables and charts), `header` the column title with its unit.
"""

from __future__ import annotations

import math

import pandas as pd

from data_sources import codes
from metrics import settings, units
from metrics.catalog import metric
from metrics.suppress import SUPPRESSED

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


def header(metric_id: str) -> str:
    """'基金收入(亿元)'; no unit for plain counts."""
    m = metric(metric_id)
    unit = DISPLAY_UNIT[m.fmt]
    return f"{m.label}({unit})" if unit else m.label


def scaled(metric_id: str, value: float | None) -> float | None:
    """The value in its display unit, rounded half-up as printed (万元/亿元/万人: 2 decimals)."""
    if _missing(value):
        return None
    fmt = metric(metric_id).fmt
    v = float(value)  # type: ignore[arg-type]
    if fmt == "wan_yuan":
        return units.round_half_up(units.yuan_to_wan(v), 2)
    if fmt == "yi_yuan":
        return units.round_half_up(units.yuan_to_yi(v), 2)
    if fmt == "wan_persons":
        return units.round_half_up(units.persons_to_wan(v), 2)
    if fmt == "pct":
        return units.round_half_up(v * 100, 2)
    if fmt == "months":
        return units.round_half_up(v, 1)
    if fmt in ("persons", "person_times", "int"):
        return units.round_half_up(v, 0)
    return units.round_half_up(v, 2)


def text(metric_id: str, value: float | None, *, suppressed: bool = False) -> str:
    """'94.52万人', '9.28亿元', '94.50%', '8.3个月'; '<10' or '*' when suppressed."""
    m = metric(metric_id)
    if suppressed:
        return (
            SUPPRESSED_COUNT if m.unit in ("persons", "person_times", "count") else SUPPRESSED_VALUE
        )
    fmt = m.fmt
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
) -> pd.DataFrame:
    """A display table: dimension labels, metrics in display units with unit headers.

    Columns with suppressed cells become text ('<10', '*'); `extra` maps other columns of the
    frame (already display-ready) to headers.
    """
    out = pd.DataFrame(index=frame.index)
    for dim in dims:
        col, title = DIM_DISPLAY.get(dim, (dim, dim))
        source = frame[col] if col in frame.columns else frame.get(dim)
        if source is None:
            continue
        out[title] = [dim_value(col if col in DIM_VALUE_LABELS else dim, v) for v in source]
    mask = frame[SUPPRESSED] if SUPPRESSED in frame.columns else pd.Series(False, index=frame.index)
    for mid in metric_ids:
        if mid not in frame.columns:
            continue
        values = [scaled(mid, v) for v in frame[mid]]
        hidden = mask & frame[mid].isna()
        if hidden.any():
            out[header(mid)] = [
                text(mid, None, suppressed=True)
                if h
                else ("—" if v is None else f"{v:,.2f}".rstrip("0").rstrip("."))
                for v, h in zip(values, hidden, strict=True)
            ]
        else:
            out[header(mid)] = pd.array(values, dtype="Float64")
    for col, title in (extra or {}).items():
        if col in frame.columns:
            out[title] = frame[col].to_numpy()
    return out.reset_index(drop=True)
