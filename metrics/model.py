"""The vocabulary of the semantic layer: metrics, models, dimensions, periods, viewers, specs.

A *model* is one fact table with the joins that reach its dimensions; a *metric* is declared once
against one model (simple) or computed from other metrics on the small aggregated frame
(ratio/derived). Pages ask for a `QuerySpec`; the compiler turns each model's share of it into
one SELECT whose values are all bound parameters.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import pandas as pd
from sqlalchemy import ColumnElement, Table

Unit = Literal["persons", "person_times", "yuan", "ratio", "months", "count", "volume", "weight"]
Fmt = Literal[
    "wan_persons",
    "persons",
    "person_times",
    "wan_person_times",
    "wan_yuan",
    "yi_yuan",
    "yuan",
    "pct",
    "pp",
    "months",
    "int",
    "decimal",
]
TimeKind = Literal["flow", "stock", "yearly"]
MetricType = Literal["simple", "ratio", "difference", "cumulative", "derived"]
# The scope a figure describes. Persons are 万人 for the county and whole persons below it; a result
# carries its level, so no formatter has to guess it from the page (DOMAIN.md, 公文).
Level = Literal["county", "township", "institution"]
# How a metric's progress is judged against time (时序进度): m/12, or the resident campaign curve
# (settings.RESIDENT_CAMPAIGN_PLAN) weighted with the employee plan by each row's targets.
Progress = Literal["linear", "enrollment", "goal"]  # "goal": a fixed policy goal (`Metric.goal`)
# Comparisons a spec may ask for; each comes back as columns `<metric>_<suffix>` (see metrics.compare).
Comparison = Literal["expected", "status", "rank", "yoy", "mom"]


@dataclass(frozen=True)
class Join:
    """A table to join and how, named so several dimensions can share it."""

    table: Table
    on: ColumnElement[bool]
    after: tuple[str, ...] = ()  # joins that must come first


@dataclass(frozen=True)
class DimBinding:
    """How a dimension is read from one model: key column, label columns and joins needed."""

    key: ColumnElement
    labels: tuple[tuple[str, ColumnElement], ...] = ()
    joins: tuple[str, ...] = ()
    # Primary key of the table the labels come from. Labels are joined to the aggregated rows
    # on it (tens of rows), not to the fact rows before grouping (millions at province scale).
    label_key: ColumnElement | None = None


@dataclass(frozen=True)
class Model:
    """One fact table and its time semantics.

    flow: amounts per month, summed over the months of the period (fund, assistance, cases);
    stock: a month-end cumulative count, read at the period's last month (enrollment);
    yearly: one value a year (targets, budgets, population).
    """

    id: str
    table: Table
    time: TimeKind
    year_col: ColumnElement | None
    month_col: ColumnElement | None
    dims: Mapping[str, DimBinding]
    joins: Mapping[str, Join] = field(default_factory=dict)
    township: str | None = "township"  # dimension that carries the viewer scope; None: county only
    # For models without a year column: a condition on the period and the joins it needs.
    period_filter: Callable[[Period], ColumnElement[bool]] | None = None
    period_joins: tuple[str, ...] = ()


@dataclass(frozen=True)
class Metric:
    """One indicator, declared once.

    kind "simple": `agg` of `expr` on `model` (optionally restricted by `where`);
    kind "derived": `compute(frame, ctx)` from the metrics in `inputs`, on the aggregated frame.
    """

    id: str
    label: str
    description: str
    unit: Unit
    fmt: Fmt  # the county-level display format; below the county persons become whole persons
    kind: Literal["simple", "derived"] = "simple"  # how it runs: SQL aggregate or on the frame
    type: MetricType = "simple"  # what it is (metrics.catalog.kinds), for the 指标口径 table
    model: str | None = None
    agg: Literal["sum", "count", "count_distinct", "avg"] | None = None
    expr: ColumnElement | None = None
    where: ColumnElement[bool] | None = None
    joins: tuple[str, ...] = ()  # model joins the expression needs (e.g. product prices)
    inputs: tuple[str, ...] = ()
    compute: Callable[[pd.DataFrame, DeriveContext], pd.Series] | None = None
    higher_is_better: bool | None = True
    drill: tuple[str, ...] = ("township",)
    sensitive: bool = False  # small counts hidden from viewers without the right
    count_metric: str | None = None  # for sensitive amounts: the count that decides suppression
    # Comparison with time progress, declared once: the curve, the policy margin (amber band, a
    # ratio: 0.05 = 5个百分点) and the word for the red status (DRG: paying ahead is 超进度).
    progress: Progress | None = None
    margin: float | None = None
    red_label: str = "滞后"
    goal: float | None = None  # with progress="goal": the target ratio (参保率 ≥ 95%)


@dataclass(frozen=True)
class Period:
    """A year and a cut-off month.

    mode "ytd": months 1..month (年初至今, "2023年1-10月"); mode "month": that month only.
    """

    year: int
    month: int = 12
    mode: Literal["ytd", "month"] = "ytd"

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"月份必须在1到12之间,收到 {self.month}")

    @property
    def first_month(self) -> int:
        return 1 if self.mode == "ytd" else self.month

    @property
    def months(self) -> int:
        return self.month - self.first_month + 1

    def previous_year(self) -> Period:
        return replace(self, year=self.year - 1)

    def previous_month(self) -> Period:
        if self.month == 1:
            return Period(self.year - 1, 12, "month")
        return Period(self.year, self.month - 1, "month")

    def label(self) -> str:
        """'2023年1-10月', '2023年10月', '2023年1月', '2023年全年'."""
        if self.mode == "month" or self.month == 1:
            return f"{self.year}年{self.month}月"
        if self.month == 12:
            return f"{self.year}年全年"
        return f"{self.year}年1-{self.month}月"


def period_end_date(period: Period) -> dt.date:
    """The last day of the period's cut-off month."""
    return dt.date(period.year, period.month, calendar.monthrange(period.year, period.month)[1])


@dataclass(frozen=True)
class Viewer:
    """Who is asking. The scope is applied by the compiler to every model with a township.

    `townships=None` means the whole county.
    """

    name: str = "demo"
    townships: frozenset[str] | None = None
    can_see_small_cells: bool = False

    @property
    def is_county(self) -> bool:
        return self.townships is None


@dataclass(frozen=True)
class QuerySpec:
    """Metrics by dimensions for a period, with filters (dimension -> code or codes)."""

    metrics: tuple[str, ...]
    period: Period
    by: tuple[str, ...] = ()
    filters: tuple[tuple[str, tuple[str | int, ...]], ...] = ()
    compare: tuple[Comparison, ...] = ()

    @staticmethod
    def make(
        metrics: list[str] | tuple[str, ...],
        period: Period,
        by: list[str] | tuple[str, ...] = (),
        filters: Mapping[str, str | int | list | tuple | None] | None = None,
        compare: list[Comparison] | tuple[Comparison, ...] = (),
    ) -> QuerySpec:
        """Builds a hashable spec; filters with None are dropped. `compare` asks for comparison
        columns (expected progress, status, rank, 同比 `yoy`, 环比 `mom`).

        >>> QuerySpec.make(["enrolled"], Period(2023, 10), ["township"], {"scheme": "resident"})
        ... # doctest: +ELLIPSIS
        QuerySpec(metrics=('enrolled',), ..., filters=(('scheme', ('resident',)),), compare=())
        """
        norm = []
        for dim, value in sorted((filters or {}).items()):
            if value is None:
                continue
            values = tuple(value) if isinstance(value, list | tuple | set | frozenset) else (value,)
            norm.append((dim, values))
        return QuerySpec(tuple(metrics), period, tuple(by), tuple(norm), tuple(compare))

    def with_period(self, period: Period) -> QuerySpec:
        return replace(self, period=period)

    def plain(self) -> QuerySpec:
        """The same figures without comparisons (what one set of statements returns)."""
        return replace(self, compare=()) if self.compare else self

    @property
    def level(self) -> Level:
        """The scope of each row: per institution, per township, or the county as a whole.

        >>> QuerySpec.make(["enrolled"], Period(2023), (), {"township": "360121101"}).level
        'township'
        """
        keys = set(self.by) | {dim for dim, _ in self.filters}
        if "institution" in keys:
            return "institution"
        return "township" if "township" in keys else "county"


@dataclass(frozen=True)
class DeriveContext:
    period: Period
    by: tuple[str, ...]
