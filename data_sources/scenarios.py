"""Saving, listing and adopting 任务分解方案 (target-planning scenarios) in the warehouse.

The planning page's write path: SQLAlchemy Core with bound parameters only, on any engine.
Adopting a scenario replaces the year's official targets (`enrollment_target`) in ONE
transaction, marks the scenario adopted and records the change in `load_log`, so 数据截至 and the
query caches follow; any failure rolls everything back and the old targets stay.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

import pandas as pd
from sqlalchemy import Engine, delete, func, insert, select, update

from data_sources.schema import (
    enrollment_target,
    load_log,
    metadata,
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
    metadata.create_all(engine, tables=[plan_scenario, plan_scenario_target], checkfirst=True)
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
    engine: Engine, scenario_id: int, user: str, *, _fail_after_delete: bool = False
) -> None:
    """Makes a scenario the official targets of its year, in one transaction.

    Deletes the year's rows of `enrollment_target`, inserts the scenario's numbers, marks the
    scenario adopted (time, user) and writes a `load_log` row (table 'enrollment_target', source
    '规划方案:<name>'). The load's 数据截至 (period_end) is the newest one already logged, so
    adopting next year's plan does not pretend next year's data has arrived.

    ``_fail_after_delete`` is for tests: it raises after the DELETE, inside the transaction.
    """
    with engine.begin() as conn:
        head = conn.execute(
            select(plan_scenario.c.year, plan_scenario.c.name).where(
                plan_scenario.c.scenario_id == int(scenario_id)
            )
        ).one_or_none()
        if head is None:
            raise ScenarioError(f"方案(编号{scenario_id})不存在,可能已被删除。")
        year, name = int(head.year), str(head.name)
        rows = conn.execute(
            select(
                plan_scenario_target.c.township_code,
                plan_scenario_target.c.scheme,
                plan_scenario_target.c.target,
            ).where(plan_scenario_target.c.scenario_id == int(scenario_id))
        ).fetchall()
        if not rows:
            raise ScenarioError(f"方案“{name}”没有乡镇任务数,不能采用。")
        frame = pd.DataFrame(rows, columns=["township_code", "scheme", "target"])
        conn.execute(delete(enrollment_target).where(enrollment_target.c.year == year))
        if _fail_after_delete:
            raise RuntimeError("simulated failure after DELETE (test hook)")
        conn.execute(
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
        conn.execute(
            update(plan_scenario)
            .where(plan_scenario.c.scenario_id == int(scenario_id))
            .values(adopted_at=now, adopted_by=user)
        )
        period_end = conn.execute(select(func.max(load_log.c.period_end))).scalar()
        period_end = pd.Timestamp(period_end).date() if period_end is not None else now.date()
        record_load(
            conn,
            table_name="enrollment_target",
            period=str(year),
            period_end=period_end,
            rows=len(frame),
            source=f"规划方案:{name}"[: load_log.c.source.type.length],
            checksum=frame_checksum(frame),
            loaded_by=user,
        )
