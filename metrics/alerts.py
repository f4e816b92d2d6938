"""Warnings for the overview: which indicators, townships, institutions need a director's look.

Pure functions over aggregated frames; thresholds come from `metrics.settings`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from metrics import settings, units
from metrics.catalog import metric
from metrics.status import Status, months_payable_status


@dataclass(frozen=True)
class Alert:
    severity: Status  # RED or AMBER
    area: str
    text: str


def off_pace(
    frame: pd.DataFrame, metric_id: str, *, name: str, area: str, what: str | None = None
) -> list[Alert]:
    """Rows whose status (metrics.compare.status_of, asked with compare=("status",)) is red,
    worst first: behind time progress, or ahead of it for a budget (DRG 超进度).

    The same rule colours the page, the overview and the exports, so a warning never names a
    row the page shows as normal.

    >>> f = pd.DataFrame({"n": ["甲院", "乙院"], "drg_execution": [0.95, 0.85],
    ...                   "drg_execution_status": ["red", "amber"],
    ...                   "drg_execution_gap": [0.95 - 10 / 12, 0.85 - 10 / 12]})
    >>> [a.text for a in off_pace(f, "drg_execution", name="n", area="DRG")]
    ['甲院预算执行率95.00%,超出时序进度11.67个百分点']
    """
    status, gap = f"{metric_id}_status", f"{metric_id}_gap"
    if frame.empty or status not in frame.columns:
        return []
    better = metric(metric_id).higher_is_better is not False
    rows = frame[[Status.of(s) is Status.RED for s in frame[status]]]
    rows = rows.assign(_off=(-1.0 if better else 1.0) * rows[gap].astype(float))
    rows = rows.sort_values("_off", ascending=False)
    word = "落后" if better else "超出"
    label = what or metric(metric_id).label
    return [
        Alert(
            Status.RED,
            area,
            f"{r[name]}{label}{units.fmt_pct(r[metric_id])},{word}时序进度"
            f"{units.fmt_pp(r._off, words=False).lstrip('+')}",
        )
        for _, r in rows.iterrows()
    ]


def months_payable(
    months_by_scheme: dict[str, float | None], labels: dict[str, str]
) -> list[Alert]:
    """Schemes whose months payable fall outside the reasonable band of their setting."""
    alerts = []
    for scheme, months in months_by_scheme.items():
        band = settings.MONTHS_PAYABLE_BANDS.get(scheme)
        if band is None or months is None or pd.isna(months):
            continue
        status, phrase = months_payable_status(months, band)
        if status in (Status.RED, Status.AMBER):
            alerts.append(
                Alert(
                    status,
                    "基金收支",
                    f"{labels.get(scheme, scheme)}累计结余可支付{units.fmt_months(months)},{phrase}",
                )
            )
    return alerts


def summarize(alerts: list[Alert], area: str, limit: int = 5) -> list[Alert]:
    """At most `limit` alerts of an area plus one line counting the rest."""
    if len(alerts) <= limit:
        return alerts
    rest = len(alerts) - limit
    return [*alerts[:limit], Alert(alerts[limit].severity, area, f"……另有{rest}项,详见{area}页面")]
