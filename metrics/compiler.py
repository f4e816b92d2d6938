"""Query spec -> one aggregated SELECT per model, with GROUP BY and WHERE in the warehouse.

Identifiers come from the declarations in `metrics.catalog`; every value (period, filter codes,
the viewer's townships, the codes inside metric conditions) is a bound parameter.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, and_, case, distinct, func, literal_column, select, true, union
from sqlalchemy.exc import SAWarning
from sqlalchemy.sql import ColumnElement, FromClause

from metrics.catalog import METRICS, MODELS, metric
from metrics.model import DimBinding, Metric, Model, QuerySpec, Viewer

# Combined statements join one-row aggregates, or a yearly aggregate with no dimension of its
# own, ON true on purpose; the linter's warning is silenced for those subqueries (m0, m1, …) only,
# so an accidental cartesian product between real tables still warns.
warnings.filterwarnings(
    "ignore",
    message=r"SELECT statement has a cartesian product between FROM element\(s\) \"m\d+\"",
    category=SAWarning,
)


class QueryError(ValueError):
    """A spec that cannot be answered, with a Chinese message for the page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ScopeDenied(QueryError):
    """The viewer's scope does not cover what the spec asks for."""


@dataclass(frozen=True)
class ModelQuery:
    model: Model
    metrics: tuple[Metric, ...]
    dims: tuple[str, ...]
    grouped: Select  # codes and aggregates only
    statement: Select  # with labels and order, as the page reads it


def expand(metric_ids: Iterable[str]) -> list[Metric]:
    """The metrics asked for plus every input they need, inputs first, without repeats."""
    seen: dict[str, Metric] = {}

    def visit(mid: str) -> None:
        if mid in seen:
            return
        m = metric(mid)
        for dep in m.inputs:
            visit(dep)
        if m.count_metric:
            visit(m.count_metric)
        seen[mid] = m

    for mid in metric_ids:
        visit(mid)
    return list(seen.values())


def simple_by_model(metric_ids: Iterable[str]) -> dict[str, list[Metric]]:
    grouped: dict[str, list[Metric]] = {}
    for m in expand(metric_ids):
        if m.kind == "simple":
            assert m.model is not None
            grouped.setdefault(m.model, []).append(m)
    return grouped


def _aggregate(m: Metric) -> ColumnElement:
    expr = m.expr
    if m.where is not None:
        # A conditional sum over rows none of which match is 0, not NULL ("no data"): a township
        # with enrollment rows but no poverty-group row has 0 poverty enrolled (0% coverage, red),
        # not a missing value. count/count_distinct/avg need NULL for the rows left out.
        otherwise = literal_column("0") if m.agg == "sum" else None
        expr = case((m.where, expr), else_=otherwise)
    if m.agg == "sum":
        return func.sum(expr)
    if m.agg == "count":
        return func.count(expr)
    if m.agg == "count_distinct":
        return func.count(distinct(expr))
    if m.agg == "avg":
        return func.avg(expr)
    raise QueryError(f"指标 {m.id} 的聚合方式未声明")


def _from_clause(model: Model, join_names: Iterable[str]) -> FromClause:
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered:
            return
        for dep in model.joins[name].after:
            visit(dep)
        ordered.append(name)

    for name in join_names:
        visit(name)
    clause: FromClause = model.table
    for name in ordered:
        join = model.joins[name]
        clause = clause.join(join.table, join.on)
    return clause


def _dims_for(model: Model, spec: QuerySpec) -> tuple[str, ...]:
    dims = []
    for dim in spec.by:
        if dim in model.dims:
            dims.append(dim)
        elif dim == "month" and model.time == "yearly":
            continue  # a yearly value applies to every month of the year
        else:
            names = "、".join(m.label for m in simple_metrics_of(model, spec))
            raise QueryError(f"指标({names})不能按“{dim_label(dim)}”分组。")
    return tuple(dims)


def simple_metrics_of(model: Model, spec: QuerySpec) -> list[Metric]:
    return simple_by_model(spec.metrics).get(model.id, [])


def _period_condition(model: Model, spec: QuerySpec) -> list[ColumnElement[bool]]:
    p = spec.period
    conds: list[ColumnElement[bool]] = []
    if model.year_col is not None:
        conds.append(model.year_col == p.year)
    elif model.period_filter is not None:
        conds.append(model.period_filter(p))
    if model.month_col is None:
        return conds
    by_month = "month" in spec.by
    if model.time == "flow":
        conds.append(model.month_col.between(p.first_month, p.month))
    elif by_month and p.mode == "ytd":  # stock, monthly series
        conds.append(model.month_col <= p.month)
    else:  # stock at the period's end
        conds.append(model.month_col == p.month)
    return conds


def _key_joins(model: Model, binding: DimBinding) -> tuple[str, ...]:
    """The joins a dimension's key needs; the table of its labels is joined after grouping."""
    if binding.label_key is None:
        return binding.joins
    label_table = binding.label_key.table
    return tuple(j for j in binding.joins if model.joins[j].table is not label_table)


def with_labels(
    rows: FromClause, dims: Iterable[tuple[str, DimBinding]], values: Iterable[str]
) -> Select:
    """The aggregated `rows` with each dimension's labels, in the official order.

    Labels are looked up on the grouped rows (LEFT JOIN: a code missing from the dimension table
    keeps its figures, with an empty name), so the warehouse groups by the codes alone.
    """
    columns: list[ColumnElement] = []
    order: list[ColumnElement] = []
    clause = rows
    for dim, binding in dims:
        key = rows.c[dim]
        columns.append(key.label(dim))
        if binding.labels and binding.label_key is not None:
            lookup = binding.label_key.table.alias(f"l_{dim}")
            clause = clause.outerjoin(lookup, lookup.c[binding.label_key.name] == key)
            for name, col in binding.labels:
                columns.append(lookup.c[col.name].label(name))
                if name == "township_order":
                    # Townships in their official order (sort_order), not in code order.
                    order.append(lookup.c[col.name])
        order.append(key)
    columns.extend(rows.c[v] for v in values)
    return select(*columns).select_from(clause).order_by(*order)


def compile_model(
    model: Model, metrics: list[Metric], spec: QuerySpec, viewer: Viewer
) -> ModelQuery:
    dims = _dims_for(model, spec)
    columns: list[ColumnElement] = [model.dims[d].key.label(d) for d in dims]
    group_by: list[ColumnElement] = [model.dims[d].key for d in dims]
    joins: list[str] = list(model.period_joins)
    for dim in dims:
        joins.extend(_key_joins(model, model.dims[dim]))
    columns.extend(_aggregate(m).label(m.id) for m in metrics)
    for m in metrics:
        joins.extend(m.joins)

    conds = _period_condition(model, spec)
    for dim, values in spec.filters:
        if dim in model.dims:  # filters on dimensions a model lacks do not apply to it
            binding = model.dims[dim]
            conds.append(binding.key.in_(list(values)))
            joins.extend(_key_joins(model, binding))
    if viewer.townships is not None:
        if model.township is None:
            names = "、".join(m.label for m in metrics)
            raise ScopeDenied(f"{names}为县级统筹数据,不在本账号的乡镇查看范围内。")
        binding = model.dims[model.township]
        conds.append(binding.key.in_(sorted(viewer.townships)))
        joins.extend(_key_joins(model, binding))

    grouped = select(*columns).select_from(_from_clause(model, joins)).where(and_(*conds))
    if not dims:
        return ModelQuery(model, tuple(metrics), dims, grouped, grouped)
    grouped = grouped.group_by(*group_by)
    statement = with_labels(
        grouped.subquery("a"), [(d, model.dims[d]) for d in dims], [m.id for m in metrics]
    )
    return ModelQuery(model, tuple(metrics), dims, grouped, statement)


def compile_spec(spec: QuerySpec, viewer: Viewer) -> list[ModelQuery]:
    """One statement per model the spec's metrics live in."""
    unknown = [m for m in spec.metrics if m not in METRICS]
    if unknown:
        raise QueryError(f"未声明的指标:{'、'.join(unknown)}")
    known_dims = {d for model in MODELS.values() for d in model.dims}
    for dim in (*spec.by, *(d for d, _ in spec.filters)):
        if dim not in known_dims:
            raise QueryError(f"未声明的维度:{dim}")
    return [
        compile_model(MODELS[model_id], metrics, spec, viewer)
        for model_id, metrics in simple_by_model(spec.metrics).items()
    ]


def combine(
    queries: list[ModelQuery], spec: QuerySpec, full_outer_join: bool = True
) -> Select | None:
    """One statement for a spec whose metrics live in several models, or None to run them apart.

    Each model's grouped aggregate (codes only) becomes a CTE. Grouped: the models that have all
    of the spec's dimensions are FULL OUTER JOINed on them, so a row present in only one of them
    survives; where the warehouse lacks FULL OUTER JOIN (MariaDB/MySQL, `full_outer_join=False`)
    a spine of their keys (UNION) is left-joined to each instead. A model without some dimension
    (a yearly target against months) is then left-joined on the dimensions it has and applies to
    every row, and the labels are joined once, at the end. Ungrouped: the one-row aggregates
    side by side.
    """
    if len(queries) < 2:
        return None
    dims = [d for d in spec.by if any(d in q.dims for q in queries)]
    subs = [q.grouped.cte(f"m{i}") for i, q in enumerate(queries)]
    full = [sq for q, sq in zip(queries, subs, strict=True) if set(q.dims) == set(dims)]
    if dims and not full:
        return None  # no model has every dimension: nothing to build the rows from
    metric_cols = [sq.c[m.id] for q, sq in zip(queries, subs, strict=True) for m in q.metrics]
    if not dims:
        clause = subs[0]
        for sq in subs[1:]:
            clause = clause.join(sq, true())
        return select(*metric_cols).select_from(clause)
    if full_outer_join:
        clause = full[0]
        keys = {d: full[0].c[d] for d in dims}
        for sq in full[1:]:
            clause = clause.outerjoin(sq, and_(*[sq.c[d] == keys[d] for d in dims]), full=True)
            keys = {d: func.coalesce(keys[d], sq.c[d]) for d in dims}
        rest = [(q, sq) for q, sq in zip(queries, subs, strict=True) if sq not in full]
    else:
        # A UNION spine: each model's CTE is referenced twice (spine and join); PostgreSQL and
        # DuckDB would compute such a CTE once, MariaDB may compute it twice.
        spine = union(*[select(*[sq.c[d] for d in dims]) for sq in full]).subquery("k")
        clause = spine
        keys = {d: spine.c[d] for d in dims}
        rest = list(zip(queries, subs, strict=True))
    for q, sq in rest:
        clause = clause.outerjoin(sq, and_(true(), *[sq.c[d] == keys[d] for d in q.dims]))
    rows = select(*[keys[d].label(d) for d in dims], *metric_cols).select_from(clause)
    bindings = [(d, next(q.model.dims[d] for q in queries if d in q.dims)) for d in dims]
    return with_labels(rows.subquery("r"), bindings, [c.name for c in metric_cols])


DIM_LABELS = {
    "township": "乡镇",
    "scheme": "险种",
    "person_group": "人群",
    "month": "月份",
    "flow": "收支",
    "item": "项目",
    "category": "救助对象类别",
    "kind": "救助类型",
    "population_type": "人员类型",
    "institution": "机构",
    "batch": "集采批次",
    "level": "集采层级",
    "product": "中选产品",
    "drg": "DRG组",
    "outlier": "病例类型",
}


def dim_label(dim: str) -> str:
    return DIM_LABELS.get(dim, dim)
