"""Comparisons in one place: against target, time progress, 同比/环比, rank, RAG status.

Changes of amounts are growth rates; changes of rates are differences in percentage points
(DOMAIN.md: 同比/环比 in percentage points where the indicator is a rate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from metrics import settings
from metrics.catalog import metric
from metrics.model import Period
from metrics.status import Status, rag
from metrics.timeprogress import expected_progress

PREV = "_prev"
CHANGE = "_chg"


def is_rate(metric_id: str) -> bool:
    return metric(metric_id).unit == "ratio"


def change(current: float | None, previous: float | None, rate: bool) -> float | None:
    """Growth (amounts) or difference in ratio points (rates); None when not comparable.

    >>> change(110, 100, rate=False)
    0.1
    >>> round(change(0.95, 0.93, rate=True), 4)
    0.02
    """
    if current is None or previous is None or pd.isna(current) or pd.isna(previous):
        return None
    if rate:
        return float(current) - float(previous)
    if previous == 0:
        return None
    return (float(current) - float(previous)) / abs(float(previous))


def attach_changes(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    by: Sequence[str],
    metric_ids: Sequence[str],
    suffix: str = "",
) -> pd.DataFrame:
    """Adds `<m>_prev<suffix>` and `<m>_chg<suffix>` columns for each metric, matched on `by`."""
    cols = [m for m in metric_ids if m in previous.columns]
    prev = previous[[*by, *cols]].rename(columns={m: f"{m}{PREV}{suffix}" for m in cols})
    out = (
        current.merge(prev, on=list(by), how="left")
        if by
        else current.assign(
            **{
                f"{m}{PREV}{suffix}": (prev[f"{m}{PREV}{suffix}"].iloc[0] if len(prev) else np.nan)
                for m in cols
            }
        )
    )
    for m in cols:
        prev_col = f"{m}{PREV}{suffix}"
        out[f"{m}{CHANGE}{suffix}"] = [
            change(c, p, is_rate(m)) for c, p in zip(out[m], out[prev_col], strict=True)
        ]
        out[f"{m}{CHANGE}{suffix}"] = out[f"{m}{CHANGE}{suffix}"].astype(float)
    return out


def rank(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """1 for the best; ties share the better rank (排名 as bureaus print it); missing last."""
    ranked = values.rank(ascending=not higher_is_better, method="min", na_option="bottom")
    return ranked.astype(int)


def enrollment_plan(scheme: str) -> str | Mapping[int, float]:
    """Time progress of a scheme: residents follow the campaign curve, employees m/12."""
    return settings.RESIDENT_CAMPAIGN_PLAN if scheme == "resident" else settings.EMPLOYEE_PLAN


def enrollment_expected(period: Period, targets: Mapping[str, float]) -> float | None:
    """Expected completion for several schemes together, weighted by their targets.

    >>> round(enrollment_expected(Period(2023, 6), {"employee": 100.0}), 4)
    0.5
    """
    total = sum(v for v in targets.values() if v and not pd.isna(v))
    if not total:
        return None
    return (
        sum(
            (v or 0) * expected_progress(period.month, enrollment_plan(s))
            for s, v in targets.items()
            if v and not pd.isna(v)
        )
        / total
    )


def linear_expected(period: Period) -> float:
    """m/12: the time progress of budgets and yearly agreed volumes."""
    return expected_progress(period.month, "linear")


def status_vs_progress(
    actual: float | None,
    expected: float | None,
    higher_is_better: bool = True,
    margin: float = settings.RAG_AMBER_PP,
) -> Status:
    """RAG against time progress; `margin` is the amber band (a policy margin where one applies:
    procurement institutions more than PROCUREMENT_LAG_PP behind are 滞后 — warning and
    interview, seed 004; DRG hospitals more than DRG_OVER_PACE_PP ahead are over pace)."""
    if actual is None or expected is None or pd.isna(actual):
        return Status.NONE
    return rag(float(actual), float(expected), higher_is_better=higher_is_better, amber_pp=margin)


def statuses(
    actual: pd.Series,
    expected: float | pd.Series,
    higher_is_better: bool = True,
    margin: float = settings.RAG_AMBER_PP,
) -> pd.Series:
    exp = expected if isinstance(expected, pd.Series) else pd.Series(expected, index=actual.index)
    return pd.Series(
        [
            status_vs_progress(a, e, higher_is_better, margin)
            for a, e in zip(actual, exp, strict=True)
        ],
        index=actual.index,
    )


def enrollment_expected_by(targets: pd.DataFrame, period: Period, by: str) -> pd.Series:
    """Expected completion per `by` value from targets by (by, scheme), weighted by target.

    `targets` has columns [by, "scheme", "enroll_target"]; returns a Series indexed by `by`.
    """
    if targets.empty:
        return pd.Series(dtype=float)
    weights = targets.assign(
        _exp=[expected_progress(period.month, enrollment_plan(s)) for s in targets["scheme"]]
    )
    weights["_w"] = weights["enroll_target"].astype(float) * weights["_exp"]
    grouped = weights.groupby(by)[["_w", "enroll_target"]].sum()
    return grouped["_w"] / grouped["enroll_target"].replace(0, np.nan)


def enrollment_plan_curve(targets: Mapping[str, float], last_month: int) -> pd.DataFrame:
    """Planned cumulative enrolled persons by month: Σ_scheme target × time progress(m)."""
    rows = []
    for m in range(1, last_month + 1):
        planned = sum(
            float(t) * expected_progress(m, enrollment_plan(s))
            for s, t in targets.items()
            if t and not pd.isna(t)
        )
        rows.append({"month": m, "planned": planned})
    return pd.DataFrame(rows)


def budget_pace_curve(budget: float | None, last_month: int) -> pd.DataFrame:
    """Planned cumulative spending of a yearly budget by month: budget × m/12 (columns month, planned).

    >>> budget_pace_curve(1200.0, 3)["planned"].tolist()
    [100.0, 200.0, 300.0]
    """
    rows = [
        {
            "month": m,
            "planned": (float(budget) * expected_progress(m, "linear"))
            if budget is not None and not pd.isna(budget)
            else np.nan,
        }
        for m in range(1, last_month + 1)
    ]
    return pd.DataFrame(rows, columns=["month", "planned"])
