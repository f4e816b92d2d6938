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


# --- Comparisons asked for in a QuerySpec (`compare=`), one rule per metric ---------------------

EXPECTED, STATUS, STATUS_LABEL, RANK, GAP = "_expected", "_status", "_status_label", "_rank", "_gap"


def status_of(metric_id: str, actual: float | None, expected: float | None) -> Status:
    """THE status rule of a metric against its time progress: its direction and policy margin.

    Every surface (cards, rankings, warnings, exports) reads this, so a township or a hospital
    has one status everywhere.

    >>> status_of("drg_execution", 0.95, 10 / 12).name  # 11.7 points ahead of pace
    'RED'
    """
    m = metric(metric_id)
    margin = settings.RAG_AMBER_PP if m.margin is None else m.margin
    return status_vs_progress(actual, expected, m.higher_is_better is not False, margin)


def status_label(metric_id: str, status: Status) -> str:
    """'滞后' for most metrics, '超进度' for a budget paid ahead of time (DRG)."""
    return metric(metric_id).red_label if status is Status.RED else status.label


def status_palette(metric_id: str) -> dict[str, str]:
    """Legend of a status chart: label -> colour, in the metric's own words."""
    return {status_label(metric_id, s): s.color for s in (Status.GREEN, Status.AMBER, Status.RED)}


def expected_progress_of(metric_id: str, period: Period) -> float | None:
    """What a metric is compared with when it needs no targets: m/12 for a linear curve, its
    policy goal for progress="goal" (None for the enrollment curve, which needs targets)."""
    m = metric(metric_id)
    if m.progress == "linear":
        return linear_expected(period)
    return m.goal if m.progress == "goal" else None


def expected_by_targets(
    targets: pd.DataFrame, period: Period, by: Sequence[str]
) -> pd.DataFrame | float | None:
    """Enrollment time progress per row of `by` (weighted by each scheme's target).

    `targets` has the `by` columns, 'scheme' and 'enroll_target'. Ungrouped: one number.
    """
    if targets.empty:
        return None
    weights = targets.assign(
        _exp=[expected_progress(period.month, enrollment_plan(s)) for s in targets["scheme"]]
    )
    weights["_w"] = weights["enroll_target"].astype(float) * weights["_exp"]
    if not by:
        total = float(weights["enroll_target"].sum())
        return float(weights["_w"].sum()) / total if total else None
    grouped = weights.groupby(list(by), dropna=False)[["_w", "enroll_target"]].sum()
    grouped["expected"] = grouped["_w"] / grouped["enroll_target"].replace(0, np.nan)
    return grouped[["expected"]].reset_index()


def attach_progress(
    frame: pd.DataFrame,
    metric_id: str,
    expected: pd.DataFrame | float | None,
    by: Sequence[str],
    with_status: bool,
) -> pd.DataFrame:
    """Adds `<m>_expected`, `<m>_gap` (actual − expected) and, when asked, `<m>_status` (the
    Status code, 'red': `Status.of` reads it) and `<m>_status_label` (its word for the metric)."""
    exp_col = f"{metric_id}{EXPECTED}"
    if isinstance(expected, pd.DataFrame):
        keyed = expected.rename(columns={"expected": exp_col})
        out = frame.merge(keyed, on=list(by), how="left")
    else:
        out = frame.assign(**{exp_col: np.nan if expected is None else float(expected)})
    out[exp_col] = out[exp_col].astype(float)
    out[f"{metric_id}{GAP}"] = out[metric_id].astype(float) - out[exp_col]
    if with_status:
        found = [
            status_of(metric_id, a, None if pd.isna(e) else e)
            for a, e in zip(out[metric_id], out[exp_col], strict=True)
        ]
        out[f"{metric_id}{STATUS}"] = [s.code for s in found]
        out[f"{metric_id}{STATUS_LABEL}"] = [status_label(metric_id, s) for s in found]
    return out


def attach_rank(frame: pd.DataFrame, metric_id: str) -> pd.DataFrame:
    """`<m>_rank`: 1 for the best row in the metric's direction (larger first when neutral)."""
    better = metric(metric_id).higher_is_better
    out = frame.copy()
    out[f"{metric_id}{RANK}"] = rank(out[metric_id], higher_is_better=better is not False)
    return out
