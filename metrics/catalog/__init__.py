"""Every indicator of the dashboard, declared once, with its formula: a package by area.

Identifiers in compiled SQL come only from here; values (codes in `where`, filters, periods,
scopes) are bound parameters. Ratios are computed from summed numerators and denominators on the
aggregated frame, never as averages of ratios (the one exception, the simple mean price drop of
procurement, is how seed 004 reports 平均降幅 and says so).

Models are in `models`, shared dimensions in `dims`, the metric types in `kinds`, and the
metrics of each area in `enrollment`, `fund`, `assistance`, `procurement` and `drg`;
docs/指标口径.md is generated from them (`python -m metrics.catalog.doc`).
"""

from __future__ import annotations

from metrics.catalog import assistance, drg, enrollment, fund, procurement
from metrics.catalog.models import MODELS
from metrics.model import Metric

AREAS = (
    ("参保扩面", enrollment.METRICS),
    ("基金收支", fund.METRICS),
    ("医疗救助", assistance.METRICS),
    ("集中带量采购", procurement.METRICS),
    ("DRG付费", drg.METRICS),
)
METRICS: dict[str, Metric] = {m.id: m for _, area in AREAS for m in area}

__all__ = ["AREAS", "METRICS", "MODELS", "metric"]


def metric(metric_id: str) -> Metric:
    try:
        return METRICS[metric_id]
    except KeyError:
        raise KeyError(f"未声明的指标:{metric_id}") from None
