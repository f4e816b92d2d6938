"""Runs a spec on a connection: compiled statements -> one small frame with derived metrics.

No Streamlit here (benchmarks and tests call it directly); `metrics.service` adds caching and the
viewer of the session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Select
from sqlalchemy.engine import Dialect

from metrics import compare, present, settings, suppress
from metrics.catalog import METRICS, MODELS, metric
from metrics.compiler import ModelQuery, combine, compile_spec, expand
from metrics.model import DeriveContext, Level, QuerySpec, Viewer
from metrics.status import Status


@dataclass(frozen=True)
class Result:
    """The rows of a spec, with its scope level and every spec that ran for it (查看SQL).

    `level` is the scope of each row: the spec's (rows per township, a township filter), narrowed
    to township for a viewer who sees only part of the county.
    """

    spec: QuerySpec
    frame: pd.DataFrame
    suppressed: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    level: Level = "county"
    ran: tuple[QuerySpec, ...] = ()

    @property
    def specs(self) -> tuple[QuerySpec, ...]:
        """The plain specs whose statements ran: the spec and its 同比/环比/target companions."""
        return self.ran or (self.spec.plain(),)

    def column(self, metric_id: str) -> present.Column:
        """How the metric is shown at this result's level (header, unit, formats)."""
        return present.column(metric_id, self.level)

    def text(self, metric_id: str, row: int = 0) -> str:
        """The figure of one row as the bureau writes it, at the result's level.

        Comparison columns read as their metric: `<m>_expected` like the metric itself.
        """
        base = metric_id.removesuffix("_expected")
        hidden = self.value(metric_id, row) is None and self.suppressed
        return present.text(base, self.value(metric_id, row), level=self.level, suppressed=hidden)

    def status(self, metric_id: str, row: int = 0) -> Status:
        """The row's status against time progress (asked for with compare=('status',))."""
        col = f"{metric_id}_status"
        if self.frame.empty or col not in self.frame.columns:
            return Status.NONE
        return Status.of(self.frame[col].iloc[row])

    @property
    def empty(self) -> bool:
        """True when the warehouse had no fact rows for the spec (all metrics missing or zero)."""
        if self.frame.empty:
            return True
        columns = [m for m in self.spec.metrics if m in self.frame.columns]
        return all(self.frame[m].isna().all() for m in columns)

    def value(self, metric_id: str, row: int = 0) -> float | None:
        """The value of a column in one row (the single row of an ungrouped result)."""
        if self.frame.empty or metric_id not in self.frame.columns:
            return None
        v = self.frame[metric_id].iloc[row]
        return None if pd.isna(v) else float(v)


def _compiled(statement: Select, dialect: Dialect) -> tuple[str, dict[str, Any], tuple | None]:
    """SQL text, its parameters by name, and their order when the driver takes them by position."""
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = dict(compiled.params)
    order = tuple(compiled.positiontup or ()) if compiled.positional else None
    return str(compiled), params, order


@dataclass(frozen=True)
class Statement:
    """One compiled statement of a plan, ready for the driver."""

    sql: str
    params: dict[str, Any]
    order: tuple | None  # parameter names in order, for positional drivers (DuckDB, MySQL)
    metrics: tuple[str, ...]  # the simple metrics it returns
    query: ModelQuery | None  # the model it reads, when the spec's models run apart

    def driver_params(self) -> tuple | dict[str, Any]:
        if self.order is None:
            return self.params
        return tuple(self.params[name] for name in self.order)


@lru_cache(maxsize=settings.PLAN_CACHE_SIZE)
def plan(
    spec: QuerySpec, townships: frozenset[str] | None, dialect: Dialect
) -> tuple[Statement, ...]:
    """The statements a spec runs for a scope, compiled once per dialect.

    Compiling is pure (same spec, scope and dialect give the same SQL and parameters), and the
    DuckDB driver opts out of SQLAlchemy's statement cache, so without this every rerun of every
    page would rebuild and recompile each statement: a few ms each, more than many queries take.
    """
    queries = compile_spec(spec, Viewer(townships=townships))
    # MariaDB and MySQL (and Doris/StarRocks through their protocol) lack FULL OUTER JOIN.
    combined = combine(queries, spec, full_outer_join=dialect.name not in ("mysql", "mariadb"))
    if combined is not None:
        simple = tuple(m.id for q in queries for m in q.metrics)
        return (Statement(*_compiled(combined, dialect), simple, None),)
    return tuple(
        Statement(*_compiled(q.statement, dialect), tuple(m.id for m in q.metrics), q)
        for q in queries
    )


def render_sql(query: ModelQuery, engine_or_conn: Engine | Connection) -> tuple[str, dict]:
    """The statement as the warehouse receives it, with its parameters shown apart (查看SQL)."""
    sql, params, _ = _compiled(query.statement, engine_or_conn.dialect)
    return sql, params


def explain(
    spec: QuerySpec, viewer: Viewer, engine_or_conn: Engine | Connection
) -> list[tuple[str, dict]]:
    """The statements a spec runs for a viewer, rendered only when someone asks to see them."""
    return [(s.sql, dict(s.params)) for s in plan(spec, viewer.townships, engine_or_conn.dialect)]


def _frame(rows: Sequence[Sequence[Any]], names: list[str], numeric: Sequence[str]) -> pd.DataFrame:
    """The driver's rows as a frame; metric columns as float (Decimal and None become float, NaN).

    Built column by column: result sets are small (tens to hundreds of rows), and this costs a
    fraction of the generic constructor followed by numeric conversion.
    """
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    wanted = set(numeric)
    data: dict[str, Any] = {}
    for name, values in zip(names, columns, strict=True):
        if name in wanted:
            data[name] = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
        else:
            data[name] = pd.Series(values, dtype=None if values else object)
    return pd.DataFrame(data, columns=names)


def _run(conn: Connection, statement: Statement) -> pd.DataFrame:
    if conn.dialect.name == "duckdb":
        # Straight to DuckDB, which hands the result over column-wise (DECIMAL sums as float64)
        # instead of a Python tuple and Decimal per value: at province scale those, and the
        # execution context around them, were most of a statement's time outside the warehouse.
        duck = conn.connection.dbapi_connection
        assert duck is not None
        frame = duck.execute(statement.sql, statement.driver_params()).df()
        for name in statement.metrics:
            if name in frame.columns and frame[name].dtype != "float64":
                frame[name] = frame[name].astype("float64")
        return frame
    result = conn.exec_driver_sql(statement.sql, statement.driver_params())
    return _frame(result.fetchall(), list(result.keys()), statement.metrics)


def _fill_labels(
    merged: pd.DataFrame, source: pd.DataFrame, q: ModelQuery, on: list[str]
) -> pd.DataFrame:
    """Labels (names, sort order) of the rows only `source` has: the outer merge left them empty."""
    for dim in on:
        names = [n for n, _ in q.model.dims[dim].labels if n in merged and n in source]
        if names:
            lookup = source.drop_duplicates(dim).set_index(dim)
            for name in names:
                merged[name] = merged[name].fillna(merged[dim].map(lookup[name]))
    return merged


def _merge(frames: list[tuple[ModelQuery, pd.DataFrame]], by: tuple[str, ...]) -> pd.DataFrame:
    """Joins per-model frames on their common dimensions; a model without a dimension broadcasts.

    The frame with the most dimensions is the base and keeps its label columns; labels of a
    dimension only another frame has are taken from that frame.
    """
    if not frames:
        return pd.DataFrame()
    ordered = sorted(frames, key=lambda qf: -len(qf[0].dims))
    base_query, merged = ordered[0]
    labelled = set(base_query.dims)
    for q, frame in ordered[1:]:
        on = [d for d in q.dims if d in merged.columns]
        keep = list(on) + [m.id for m in q.metrics]
        for dim in q.dims:
            if dim not in labelled and dim not in on:
                keep += [dim] + [n for n, _ in q.model.dims[dim].labels]
                labelled.add(dim)
        source = frame
        frame = frame[[c for c in dict.fromkeys(keep) if c in frame.columns]]
        if on:
            merged = merged.merge(frame, on=on, how="outer")
            merged = _fill_labels(merged, source, q, on)
        else:
            merged = merged.merge(frame, how="cross")
    sort_cols = [
        "township_order" if d == "township" and "township_order" in merged.columns else d
        for d in by
    ]
    sort_cols = [c for c in sort_cols if c in merged.columns]
    if sort_cols and len(ordered) > 1:
        merged = merged.sort_values(sort_cols, kind="stable")
    return merged.reset_index(drop=True)


def derive(frame: pd.DataFrame, spec: QuerySpec) -> pd.DataFrame:
    """Adds the derived metrics, in dependency order; an infinite value (x/0) becomes NaN."""
    ctx = DeriveContext(spec.period, spec.by)
    for m in expand(spec.metrics):
        if m.kind != "derived" or m.compute is None:
            continue
        if frame.empty:
            frame[m.id] = pd.Series(dtype=float)
            continue
        values = m.compute(frame, ctx)
        if isinstance(values, pd.Series):
            values = values.reindex(frame.index).to_numpy(dtype=float, na_value=np.nan)
        array = np.broadcast_to(np.asarray(values, dtype=float), (len(frame),))
        frame[m.id] = np.where(np.isinf(array), np.nan, array)
    return frame


def _sensitive(spec: QuerySpec) -> tuple[list[str], list[str]]:
    """Columns to hide in small rows (sensitive metrics and what derives from them) and counts."""
    involved = expand(spec.metrics)
    sensitive = {m.id for m in involved if m.sensitive}
    for m in involved:
        if m.kind == "derived" and any(i in sensitive for i in m.inputs):
            sensitive.add(m.id)
    counts = [
        m.id
        for m in involved
        if m.sensitive and (m.count_metric is None) and m.agg in ("count", "count_distinct")
    ]
    return sorted(sensitive), counts


def result_level(spec: QuerySpec, viewer: Viewer) -> Level:
    """The spec's level; a viewer limited to some townships never sees county figures."""
    if spec.level == "county" and not viewer.is_county:
        return "township"
    return spec.level


def _targets_spec(spec: QuerySpec) -> QuerySpec | None:
    """Targets by scheme for the rows of `spec` (the weights of the enrollment time progress)."""
    dims = set(MODELS["enrollment_target"].dims)
    by = tuple(d for d in spec.by if d != "month")
    if not set(by) <= dims or any(d not in dims for d, _ in spec.filters):
        return None
    split = by if "scheme" in by else (*by, "scheme")
    return QuerySpec(("enroll_target",), spec.period, split, spec.filters)


def _compared(conn: Connection, spec: QuerySpec, viewer: Viewer) -> Result:
    """The plain result with the comparison columns the spec asks for, each computed once:
    `<m>_prev`/`<m>_chg` (同比), `<m>_prev_mom`/`<m>_chg_mom` (环比), `<m>_expected`,
    `<m>_gap`, `<m>_status`/`<m>_status_label` (metrics.compare.status_of) and `<m>_rank`."""
    plain = spec.plain()
    base = execute(conn, plain, viewer)
    frame, ran, suppressed = base.frame, [plain], base.suppressed
    for ask, period, suffix in (
        ("yoy", spec.period.previous_year(), ""),
        ("mom", spec.period.previous_month(), "_mom"),
    ):
        if ask in spec.compare:
            other = plain.with_period(period)
            previous = execute(conn, other, viewer)
            ran.append(other)
            suppressed = suppressed or previous.suppressed
            frame = compare.attach_changes(frame, previous.frame, spec.by, spec.metrics, suffix)
    if {"expected", "status"} & set(spec.compare) and not frame.empty:
        for mid in spec.metrics:
            curve = metric(mid).progress
            if curve is None:
                continue
            keys: tuple[str, ...] = ()
            if curve == "enrollment":
                target_spec = _targets_spec(plain)
                if target_spec is None:
                    continue
                targets = execute(conn, target_spec, viewer).frame
                ran.append(target_spec)
                keys = tuple(d for d in spec.by if d != "month")
                expected = compare.expected_by_targets(targets, spec.period, keys)
            else:
                expected = compare.expected_progress_of(mid, spec.period)
            frame = compare.attach_progress(frame, mid, expected, keys, "status" in spec.compare)
    if "rank" in spec.compare and spec.by and not frame.empty:
        for mid in spec.metrics:
            frame = compare.attach_rank(frame, mid)
    return Result(
        spec=spec,
        frame=frame,
        suppressed=suppressed,
        level=base.level,
        ran=tuple(dict.fromkeys(ran)),
    )


def execute(conn: Connection | Engine, spec: QuerySpec, viewer: Viewer) -> Result:
    """Runs the spec (compiled once) for the viewer; returns the merged frame with derivations
    and the comparison columns it asks for."""
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return execute(c, spec, viewer)
    if spec.compare:
        return _compared(conn, spec, viewer)
    statements = plan(spec, viewer.townships, conn.dialect)
    if statements[0].query is None:  # one combined statement
        merged = derive(_run(conn, statements[0]), spec)
    else:
        frames = [(s.query, _run(conn, s)) for s in statements if s.query is not None]
        merged = derive(_merge(frames, spec.by), spec)
    suppressed, notes = False, ()
    sensitive, counts = _sensitive(spec)
    if sensitive and counts and not viewer.can_see_small_cells:
        merged = suppress.apply(
            merged,
            sensitive_columns=sensitive,
            count_columns=counts,
            dims=spec.by,
            threshold=settings.SMALL_CELL_THRESHOLD,
            units={
                m.id: m.unit for m in expand(spec.metrics) if m.sensitive and m.kind == "simple"
            },
        )
        merged = derive(merged, spec)  # rates from the rounded figures (metrics/suppress.py)
        notes = (suppress.ROUNDED_NOTE,)
        suppressed = bool(merged[suppress.SUPPRESSED].any())
    keep = [c for c in merged.columns if c not in METRICS or c in spec.metrics]
    return Result(
        spec=spec,
        frame=merged if len(keep) == len(merged.columns) else merged[keep],
        suppressed=suppressed,
        notes=notes,
        level=result_level(spec, viewer),
    )
