"""The closed set of metric types, as constructors taking keyword arguments.

simple       `agg` of `expr` on one model, optionally restricted by `where` (one SQL aggregate);
ratio        num ÷ den of two other metrics, on their sums (never an average of ratios);
difference   minuend − subtrahend of two metrics (`at_least_zero`: a shortfall such as 尚差人数);
cumulative   a running year-to-date figure from monthly flows (累计);
derived      any other formula on the aggregated frame, from the metrics in `inputs`.

Derivations are pure functions on the small aggregated frame (tens of rows).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from metrics.model import DeriveContext, Metric


def _values(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=float, na_value=np.nan)


def ratio_of(num: str, den: str):
    """A derivation num/den from summed columns; division by zero gives NaN, never inf."""

    def compute(frame: pd.DataFrame, ctx: DeriveContext) -> pd.Series:
        numerator, denominator = _values(frame, num), _values(frame, den)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = numerator / np.where(denominator == 0, np.nan, denominator)
        return pd.Series(values, index=frame.index)

    return compute


def difference_of(a: str, b: str):
    def compute(frame: pd.DataFrame, ctx: DeriveContext) -> pd.Series:
        values = np.nan_to_num(_values(frame, a)) - np.nan_to_num(_values(frame, b))
        return pd.Series(values, index=frame.index)

    return compute


def shortfall(target: str, actual: str):
    """max(target − actual, 0); missing when either side is missing."""

    def compute(frame: pd.DataFrame, ctx: DeriveContext) -> pd.Series:
        values = np.maximum(_values(frame, target) - _values(frame, actual), 0)
        return pd.Series(values, index=frame.index)

    return compute


def one_minus_ratio(num: str, den: str):
    inner = ratio_of(num, den)

    def compute(frame: pd.DataFrame, ctx: DeriveContext) -> pd.Series:
        return 1 - inner(frame, ctx)

    return compute


def running(frame: pd.DataFrame, ctx: DeriveContext, column: str) -> pd.Series:
    """The year-to-date running sum of a monthly column when grouped by month, else the column."""
    values = pd.Series(np.nan_to_num(_values(frame, column)), index=frame.index)
    if "month" not in ctx.by:
        return values
    others = [d for d in ctx.by if d != "month"]
    if not others:  # one series of months: a cumulative sum in month order
        order = np.argsort(frame["month"].to_numpy(), kind="stable")
        running = np.empty(len(frame))
        running[order] = np.cumsum(values.to_numpy()[order])
        return pd.Series(running, index=frame.index)
    ordered = frame.assign(_v=values).sort_values("month")
    running = ordered.groupby(others, sort=False)["_v"].cumsum()
    return running.reindex(frame.index)


def cumulative_balance(frame: pd.DataFrame, ctx: DeriveContext) -> pd.Series:
    # 累计结余 = 年初累计结余 + 本年累计收入 - 本年累计支出 (through the period's month).
    if ctx.period.mode != "ytd":
        return pd.Series(np.nan, index=frame.index)
    opening = frame["fund_opening_balance"].astype(float).fillna(0)
    return opening + running(frame, ctx, "fund_income") - running(frame, ctx, "fund_spending")


def months_payable(frame: pd.DataFrame, ctx: DeriveContext) -> pd.Series:
    # 累计结余可支付月数 = 累计结余 / 本年月均支出 (average over the months of the period so far).
    balance = cumulative_balance(frame, ctx)
    spent = running(frame, ctx, "fund_spending")
    months = frame["month"].astype(float) if "month" in ctx.by else float(ctx.period.months)
    monthly = (spent / months).replace(0, np.nan)
    return balance / monthly


def simple(metric_id: str, *, label: str, description: str, **kw: Any) -> Metric:
    """An aggregate of one model's column: model=, agg=, expr= (and where=, joins=)."""
    return Metric(metric_id, label, description, kind="simple", type="simple", **kw)


def ratio(metric_id: str, *, label: str, description: str, num: str, den: str, **kw: Any) -> Metric:
    """num ÷ den of two metrics; a zero denominator gives no value."""
    return Metric(
        metric_id,
        label,
        description,
        kind="derived",
        type="ratio",
        inputs=(num, den),
        compute=ratio_of(num, den),
        **kw,
    )


def difference(
    metric_id: str,
    *,
    label: str,
    description: str,
    minuend: str,
    subtrahend: str,
    at_least_zero: bool = False,
    **kw: Any,
) -> Metric:
    """minuend − subtrahend; with `at_least_zero` the shortfall max(minuend − subtrahend, 0)."""
    compute = (
        shortfall(minuend, subtrahend) if at_least_zero else difference_of(minuend, subtrahend)
    )
    return Metric(
        metric_id,
        label,
        description,
        kind="derived",
        type="difference",
        inputs=(subtrahend, minuend) if at_least_zero else (minuend, subtrahend),
        compute=compute,
        **kw,
    )


def cumulative(metric_id: str, *, label: str, description: str, **kw: Any) -> Metric:
    """A running figure through each month (inputs=, compute=)."""
    return Metric(metric_id, label, description, kind="derived", type="cumulative", **kw)


def derived(metric_id: str, *, label: str, description: str, **kw: Any) -> Metric:
    """Another formula on the aggregated frame (inputs=, compute=)."""
    return Metric(metric_id, label, description, kind="derived", type="derived", **kw)
