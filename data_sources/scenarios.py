"""Saving, listing and adopting 任务分解方案 (target-planning scenarios) in the app store.

The planning page's write path: SQLAlchemy Core with bound parameters only, on any engine. The
scenarios live in the app store (data_sources.app_store: `engine` below is the app store's);
the official targets (`enrollment_target`) in the warehouse. Adopting a scenario replaces the
year's official targets, marks the scenario adopted and records the change in `load_log`, so
数据截至 and the query caches follow. When the app store is the warehouse this is ONE
transaction and any failure rolls everything back. When they differ, the app store's transaction
is opened first and committed right after the warehouse's: a failure before the warehouse
commits changes nothing; should the app store fail in the instant between, the targets are
replaced but the scenario is not marked, and `ScenarioError` says to adopt it again (adopting
is idempotent: the same targets, now marked and logged).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from data_sources.schema import (
    app_metadata,
    enrollment_target,
    load_log,
    plan_scenario,
    plan_scenario_target,
)
from data_sources.writer import frame_checksum, record_load

__all__ = [
    "ScenarioError",
    "adopt_scenario",
    "ensure_tables",
    "list_scenarios",
    "save_scenario",
    "scenario_parameters",
    "scenario_targets",
]

SCENARIO_COLUMNS = [
    "scenario_id",
    "year",
    "name",
    "author",
    "created_at",
    "method",
    "parameters",
    "adopted_at",
    "adopted_by",
]


class ScenarioError(ValueError):
    """A scenario cannot be saved or adopted; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_READY: set[str] = set()


def ensure_tables(engine: Engine) -> None:
    """Creates the two scenario tables in a warehouse built before they existed (idempotent).

    Only those two tables (and their sequence): a warehouse loaded by an older version keeps
    everything else as it is.
    """
    key = engine.url.render_as_string(hide_password=True)
    if key in _READY:
        return
    app_metadata.create_all(engine, tables=[plan_scenario, plan_scenario_target], checkfirst=True)
    _READY.add(key)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def save_scenario(
    engine: Engine,
    *,
    year: int,
    name: str,
    author: str,
    method: str,
    parameters: Mapping[str, object],
    targets: Mapping[tuple[str, str], int],
) -> int:
    """Stores a scenario and its targets keyed by (township code, scheme); returns its id."""
    name = (name or "").strip()
    if not name:
        raise ScenarioError("请填写方案名称。")
    if len(name) > plan_scenario.c.name.type.length:
        raise ScenarioError(f"方案名称过长(最多{plan_scenario.c.name.type.length}个字)。")
    if not targets:
        raise ScenarioError("方案没有任何乡镇任务数,无法保存。")
    rows = []
    for (code, scheme), target in targets.items():
        if target is None or int(target) < 0:
            raise ScenarioError(f"乡镇{code}的任务数无效:{target!r}。")
        rows.append({"township_code": code, "scheme": scheme, "target": int(target)})
    ensure_tables(engine)
    with engine.begin() as conn:
        result = conn.execute(
            insert(plan_scenario).values(
                year=int(year),
                name=name,
                author=(author or "未署名")[: plan_scenario.c.author.type.length],
                created_at=_now(),
                method=method,
                parameters=json.dumps(parameters, ensure_ascii=False, sort_keys=True),
            )
        )
        scenario_id = int(result.inserted_primary_key[0])
        conn.execute(
            insert(plan_scenario_target), [{"scenario_id": scenario_id, **r} for r in rows]
        )
    return scenario_id


def list_scenarios(engine: Engine, year: int | None = None) -> pd.DataFrame:
    """Scenarios (newest first), of one planning year or of all years."""
    query = select(*(plan_scenario.c[c] for c in SCENARIO_COLUMNS)).order_by(
        plan_scenario.c.created_at.desc(), plan_scenario.c.scenario_id.desc()
    )
    if year is not None:
        query = query.where(plan_scenario.c.year == int(year))
    ensure_tables(engine)
    with engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    frame = pd.DataFrame(rows, columns=SCENARIO_COLUMNS)
    frame["scenario_id"] = frame["scenario_id"].astype("int64")
    return frame


def scenario_parameters(engine: Engine, scenario_id: int) -> dict:
    with engine.connect() as conn:
        text = conn.execute(
            select(plan_scenario.c.parameters).where(
                plan_scenario.c.scenario_id == int(scenario_id)
            )
        ).scalar()
    return json.loads(text) if text else {}


def scenario_targets(engine: Engine, scenario_id: int) -> pd.DataFrame:
    """township_code, scheme, target of one scenario."""
    query = (
        select(
            plan_scenario_target.c.township_code,
            plan_scenario_target.c.scheme,
            plan_scenario_target.c.target,
        )
        .where(plan_scenario_target.c.scenario_id == int(scenario_id))
        .order_by(plan_scenario_target.c.township_code, plan_scenario_target.c.scheme)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    frame = pd.DataFrame(rows, columns=["township_code", "scheme", "target"])
    frame["target"] = frame["target"].astype("int64")
    return frame


def adopt_scenario(
    engine: Engine,
    scenario_id: int,
    user: str,
    *,
    app_engine: Engine | None = None,
    _fail_after_delete: bool = False,
) -> None:
    """Makes a scenario the official targets of its year (see the module text for transactions).

    `engine` is the warehouse, `app_engine` the app store holding the scenario (default: the one
    configured for the warehouse). Deletes the year's rows of `enrollment_target`, inserts the
    scenario's numbers, marks the scenario adopted (time, user) and writes a `load_log` row
    (table 'enrollment_target', source '规划方案:<name>'). The load's 数据截至 (period_end) is
    the newest one already logged, so adopting next year's plan does not pretend next year's
    data has arrived.

    ``_fail_after_delete`` is for tests: it raises after the DELETE, inside the transaction.
    """
    from data_sources.app_store import get_app_engine

    app = app_engine or get_app_engine(engine)
    if app is engine:
        with engine.begin() as conn:
            _adopt(conn, conn, scenario_id, user, _fail_after_delete)
        return
    committed = False
    try:
        with app.begin() as store:
            with engine.begin() as warehouse:
                _adopt(store, warehouse, scenario_id, user, _fail_after_delete)
            committed = True
    except SQLAlchemyError as exc:
        if not committed:
            raise
        raise ScenarioError(
            "正式任务已替换为该方案,但采用记录未能写入应用库(应用库暂不可用)。"
            "请在应用库恢复后再次采用该方案,以补记采用人和加载日志(任务数不会改变)。"
        ) from exc


def _adopt(
    store: Connection, warehouse: Connection, scenario_id: int, user: str, fail: bool
) -> None:
    head = store.execute(
        select(plan_scenario.c.year, plan_scenario.c.name).where(
            plan_scenario.c.scenario_id == int(scenario_id)
        )
    ).one_or_none()
    if head is None:
        raise ScenarioError(f"方案(编号{scenario_id})不存在,可能已被删除。")
    year, name = int(head.year), str(head.name)
    rows = store.execute(
        select(
            plan_scenario_target.c.township_code,
            plan_scenario_target.c.scheme,
            plan_scenario_target.c.target,
        ).where(plan_scenario_target.c.scenario_id == int(scenario_id))
    ).fetchall()
    if not rows:
        raise ScenarioError(f"方案“{name}”没有乡镇任务数,不能采用。")
    frame = pd.DataFrame(rows, columns=["township_code", "scheme", "target"])
    warehouse.execute(delete(enrollment_target).where(enrollment_target.c.year == year))
    if fail:
        raise RuntimeError("simulated failure after DELETE (test hook)")
    warehouse.execute(
        insert(enrollment_target),
        [
            {
                "year": year,
                "township_code": r.township_code,
                "scheme": r.scheme,
                "target": int(r.target),
            }
            for r in rows
        ],
    )
    now = _now()
    store.execute(
        update(plan_scenario)
        .where(plan_scenario.c.scenario_id == int(scenario_id))
        .values(adopted_at=now, adopted_by=user)
    )
    period_end = store.execute(select(func.max(load_log.c.period_end))).scalar()
    period_end = pd.Timestamp(period_end).date() if period_end is not None else now.date()
    record_load(
        store,
        table_name="enrollment_target",
        period=str(year),
        period_end=period_end,
        rows=len(frame),
        source=f"规划方案:{name}"[: load_log.c.source.type.length],
        checksum=frame_checksum(frame),
        loaded_by=user,
    )
