"""The 督办 case store: tables `case`, `case_event` and `push_log` in the app store.

The tables live in the app store (data_sources.app_store; every `engine` here is the app
store's, except the warehouse engine `evaluate_month` reads the warning rules from), on their
own MetaData like auth.store's accounts, so a rebuild of the data never drops the cases or
their history; `ensure_tables` creates them when missing. Every change
is one transaction: the case row (optimistic check on its `version`), its events, and a line in
the audit log. The logic of each step is in `metrics.lifecycle`; this module only stores it.

CLI (idempotent: the same month twice changes nothing)::

    .venv/bin/python -m data_sources.cases evaluate --year 2026 --month 10
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace

import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    update,
)

from auth import roles as R
from auth import store as auth_store
from metrics import lifecycle as L
from metrics.breaches import Evaluation

log = logging.getLogger("yibao.cases")

metadata = MetaData()

case_table = Table(
    "case",  # a reserved word: SQLAlchemy quotes it on every engine
    metadata,
    Column("case_id", Integer, Sequence("case_id_seq"), primary_key=True),
    Column("rule", String(32), nullable=False, comment="预警规则"),
    Column("area", String(32), nullable=False, comment="业务领域"),
    Column("subject_kind", String(16), nullable=False, comment="对象类型"),
    Column("subject_code", String(32), nullable=False, comment="对象代码"),
    Column("subject_name", String(100), nullable=False, comment="对象名称"),
    Column("township_code", String(12), nullable=True, comment="所属乡镇(全县事项为空)"),
    Column("figures", Text, nullable=False, default="{}", comment="预警数据(JSON)"),
    Column("severity", String(8), nullable=False, comment="red / amber"),
    Column("first_month", Integer, nullable=False, comment="首次预警月份(yyyymm)"),
    Column("latest_month", Integer, nullable=False, comment="最近预警月份(yyyymm)"),
    Column("consecutive", Integer, nullable=False, comment="连续预警月数"),
    Column("status", String(8), nullable=False, comment="状态"),
    Column("level", String(8), nullable=False, comment="督办 / 约谈"),
    Column("owner_kind", String(8), nullable=True, comment="user 乡镇人员 / section 股室"),
    Column("owner", String(64), nullable=True, comment="承办人或股室"),
    Column("due_date", Date, nullable=True, comment="办理期限"),
    Column("assigned_by", String(64), nullable=True, comment="派发人"),
    Column("reopened", Integer, nullable=False, default=0, comment="重新打开次数"),
    Column("version", Integer, nullable=False, comment="版本(乐观锁)"),
    Column("created_at", DateTime, nullable=False, comment="建立时间"),
    Column("updated_at", DateTime, nullable=False, comment="修改时间"),
    UniqueConstraint("rule", "subject_kind", "subject_code", name="uq_case_subject"),
    comment="预警督办事项",
)

case_event = Table(
    "case_event",
    metadata,
    Column("event_id", Integer, Sequence("case_event_id_seq"), primary_key=True),
    Column("case_id", Integer, nullable=False, index=True),
    Column("at", DateTime, nullable=False, quote=True, comment="时间"),
    Column("username", String(64), nullable=False, comment="操作人"),
    Column("action", String(16), nullable=False, comment="动作"),
    Column("from_status", String(8), nullable=True),
    Column("to_status", String(8), nullable=False),
    Column("month", Integer, nullable=True, comment="预警月份(yyyymm)"),
    Column("note", Text, nullable=False, default=""),
    Column("measures", Text, nullable=False, default="", comment="整改措施"),
    Column("progress", Text, nullable=False, default="", comment="进展"),
    Column("answer_date", Date, nullable=True, comment="答复日期"),
    Column("figures", Text, nullable=False, default="{}"),
    comment="督办事项历史",
)

push_log = Table(
    "push_log",
    metadata,
    Column("push_id", Integer, Sequence("push_log_id_seq"), primary_key=True),
    Column("month", Integer, nullable=False, comment="推送月份(yyyymm)"),
    Column("channel", String(16), nullable=False, comment="email / webhook"),
    Column("recipient", String(500), nullable=False, comment="收件人或地址(不含密钥)"),
    Column("at", DateTime, nullable=False, quote=True),
    Column("ok", Integer, nullable=False, comment="1 成功 0 失败"),
    Column("attempts", Integer, nullable=False),
    Column("detail", Text, nullable=False, default=""),
    comment="月度推送记录",
)

STALE = "该督办事项刚被其他人修改过(现为“{status}”),您的操作未保存,已有内容也未被覆盖;请查看最新情况后再提交。"
NOT_FOUND = "未找到该督办事项,或您无权查看。"


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def ensure_tables(engine: Engine) -> None:
    """Creates case, case_event and push_log (and the audit log) when missing."""
    auth_store.ensure_tables(engine)
    metadata.create_all(engine, checkfirst=True)


def _case(row) -> L.Case:
    return L.Case(
        rule=row.rule,
        subject_kind=row.subject_kind,
        subject_code=row.subject_code,
        subject_name=row.subject_name,
        area=row.area,
        township=row.township_code,
        first_month=int(row.first_month),
        latest_month=int(row.latest_month),
        consecutive=int(row.consecutive),
        status=row.status,
        level=row.level,
        severity=row.severity,
        figures=json.loads(row.figures or "{}"),
        owner_kind=row.owner_kind,
        owner=row.owner,
        due_date=pd.Timestamp(row.due_date).date() if row.due_date is not None else None,
        assigned_by=row.assigned_by,
        reopened=int(row.reopened or 0),
        case_id=int(row.case_id),
        version=int(row.version),
    )


def _values(case: L.Case) -> dict:
    return {
        "rule": case.rule,
        "area": case.area,
        "subject_kind": case.subject_kind,
        "subject_code": case.subject_code,
        "subject_name": case.subject_name,
        "township_code": case.township,
        "figures": json.dumps(case.figures, ensure_ascii=False, sort_keys=True),
        "severity": case.severity,
        "first_month": case.first_month,
        "latest_month": case.latest_month,
        "consecutive": case.consecutive,
        "status": case.status,
        "level": case.level,
        "owner_kind": case.owner_kind,
        "owner": case.owner,
        "due_date": case.due_date,
        "assigned_by": case.assigned_by,
        "reopened": case.reopened,
    }


def _event_row(case_id: int, e: L.Event, at: dt.datetime) -> dict:
    return {
        "case_id": case_id,
        "at": at,
        "username": e.username,
        "action": e.action,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "month": e.month,
        "note": e.note,
        "measures": e.measures,
        "progress": e.progress,
        "answer_date": e.answer_date,
        "figures": json.dumps(e.figures, ensure_ascii=False, sort_keys=True),
    }


def _audit_detail(case: L.Case, e: L.Event) -> str:
    detail = f"督办事项{case.case_id}:{case.subject_name}·{L.ACTIONS[e.action]}→{e.to_status}"
    extra = e.note or e.measures
    return detail + (f";{extra}" if extra else "")


def _save(conn: Connection, case: L.Case, events: Iterable[L.Event], now: dt.datetime) -> L.Case:
    """Inserts a new case or updates one at its version; raises CaseError on a stale version."""
    if case.case_id is None:
        result = conn.execute(
            insert(case_table).values(**_values(case), version=1, created_at=now, updated_at=now)
        )
        saved = replace(case, case_id=int(result.inserted_primary_key[0]), version=1)
    else:
        done = conn.execute(
            update(case_table)
            .where(case_table.c.case_id == case.case_id, case_table.c.version == case.version)
            .values(**_values(case), version=case.version + 1, updated_at=now)
        )
        if done.rowcount != 1:
            current = conn.execute(
                select(case_table.c.status).where(case_table.c.case_id == case.case_id)
            ).scalar()
            raise L.CaseError(STALE.format(status=current or "已删除"))
        saved = replace(case, version=case.version + 1)
    for e in events:
        conn.execute(insert(case_event).values(**_event_row(saved.case_id, e, now)))
        conn.execute(
            insert(auth_store.audit_log).values(
                at=now, username=e.username, action="case", detail=_audit_detail(saved, e)
            )
        )
    return saved


# --- reading -------------------------------------------------------------------------------


def all_cases(conn: Connection) -> dict[L.Key, L.Case]:
    """Every stored case by (rule, subject kind, subject code)."""
    rows = conn.execute(select(case_table)).all()
    return {(r.rule, r.subject_kind, r.subject_code): _case(r) for r in rows}


def list_cases(
    engine: Engine,
    user: R.User,
    *,
    statuses: Iterable[str] | None = None,
    areas: Iterable[str] | None = None,
    townships: Iterable[str] | None = None,
) -> list[L.Case]:
    """The cases `user` may see, filtered in SQL (bound parameters)."""
    scope = L.visible_townships(user)
    q = select(case_table)
    if scope is not None:
        if not scope:
            return []
        q = q.where(case_table.c.township_code.in_(sorted(scope)))
    if statuses:
        q = q.where(case_table.c.status.in_(list(statuses)))
    if areas:
        q = q.where(case_table.c.area.in_(list(areas)))
    if townships:
        q = q.where(case_table.c.township_code.in_(list(townships)))
    with engine.connect() as conn:
        rows = conn.execute(q.order_by(case_table.c.case_id)).all()
    return [_case(r) for r in rows]


def get_case(engine: Engine, case_id: int, user: R.User) -> L.Case:
    """One case the user may see; CaseError(NOT_FOUND) otherwise (no hint that it exists)."""
    with engine.connect() as conn:
        row = conn.execute(select(case_table).where(case_table.c.case_id == int(case_id))).first()
    if row is None or not L.can_see(_case(row), user):
        raise L.CaseError(NOT_FOUND)
    return _case(row)


def history(engine: Engine, case_id: int) -> pd.DataFrame:
    """A case's events, oldest first."""
    q = (
        select(case_event)
        .where(case_event.c.case_id == int(case_id))
        .order_by(case_event.c.event_id)
    )
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return pd.DataFrame(rows, columns=[c.name for c in case_event.columns])


def badges(engine: Engine, texts: Iterable[str]) -> dict[str, str]:
    """For 总览's warning list: warning text -> ' · 督办:已派发,第3个月' of its open case.

    The overview and the cases build the same sentence with metrics.alerts, so the text is the
    key. Cases are county-wide work items; the overview is a county page. Never fails a page:
    no case table yet (or a read-only warehouse) gives no badges.
    """
    wanted = set(texts)
    if not wanted:
        return {}
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(case_table).where(case_table.c.status.notin_(sorted(L.FINAL)))
            ).all()
    except Exception:
        return {}
    out = {}
    for row in rows:
        case = _case(row)
        text = str(case.figures.get("text", ""))
        if text in wanted:
            level = "约谈," if case.level == L.TALK else ""
            out[text] = f" · 督办:{case.status},{level}连续{case.consecutive}个月"
    return out


# --- writing -------------------------------------------------------------------------------


def _apply(engine: Engine, evaluation: Evaluation, username: str) -> dict:
    counts = dict.fromkeys(("open", "continue", "propose", "reopen", "escalate"), 0)
    now = _now()
    with engine.begin() as conn:
        for case, events in L.apply_evaluation(all_cases(conn), evaluation, username=username):
            _save(conn, case, events, now)
            for e in events:
                counts[e.action] = counts.get(e.action, 0) + 1
    return counts


def record_evaluation(engine: Engine, evaluation: Evaluation, *, username: str = "system") -> dict:
    """Applies a month's evaluation to the stored cases in one transaction; counts by action."""
    ensure_tables(engine)
    try:
        return _apply(engine, evaluation, username)
    except L.CaseError:
        # Someone saved a case while the month was being applied: nothing was written. Apply
        # the month once more, to the cases as they are now.
        return _apply(engine, evaluation, username)


def act(
    engine: Engine,
    case_id: int,
    version: int,
    actor: R.User,
    step: Callable[[L.Case], L.Change],
) -> L.Case:
    """Applies one person's step (a lifecycle function) to the case as they last saw it.

    `version` is the version the user's screen showed: if someone saved in between, the step
    is refused with a Chinese message and nothing is written.
    """
    now = _now()
    with engine.begin() as conn:
        row = conn.execute(select(case_table).where(case_table.c.case_id == int(case_id))).first()
        if row is None or not L.can_see(_case(row), actor):
            raise L.CaseError(NOT_FOUND)
        current = _case(row)
        if current.version != version:
            raise L.CaseError(STALE.format(status=current.status))
        moved, events = step(current)
        return _save(conn, moved, events, now)


def evaluate_month(
    engine: Engine,
    year: int,
    month: int,
    *,
    username: str = "system",
    only: frozenset[str] | None = None,
    app_engine: Engine | None = None,
) -> dict:
    """Evaluates the warning rules (all, or `only`) for a month into cases (idempotent).

    `engine` is the warehouse the rules read; the cases go to `app_engine` (default: the app
    store configured for that warehouse).
    """
    from data_sources.app_store import get_app_engine
    from metrics.breaches import evaluate

    app = app_engine or get_app_engine(engine)
    return record_evaluation(app, evaluate(engine, year, month, only), username=username)


def latest_month(engine: Engine) -> tuple[int, int] | None:
    """(year, month) of the newest loaded period_end (app store's load log), None before any."""
    from data_sources.schema import load_log

    with engine.connect() as conn:
        end = conn.execute(select(func.max(load_log.c.period_end))).scalar()
    if end is None:
        return None
    day = pd.Timestamp(end)
    return day.year, day.month


def after_load(engine: Engine, app_engine: Engine | None = None) -> None:
    """Hook for the import: evaluates the rules the newest load can change, for its month.

    Reads the newest load_log line (table and 数据截至) in the app store, so the hook needs no
    other argument. `engine` is the warehouse. Never fails the load.
    """
    from data_sources.app_store import get_app_engine
    from data_sources.schema import load_log
    from metrics.breaches import TABLE_RULES

    try:
        app = app_engine or get_app_engine(engine)
        with app.connect() as conn:
            row = conn.execute(
                select(load_log.c.table_name, load_log.c.period_end)
                .order_by(load_log.c.load_id.desc())
                .limit(1)
            ).first()
        if row is None:
            return
        only = TABLE_RULES.get(row.table_name)
        if only is not None and not only:
            return  # e.g. assistance: no warning rule reads it
        day = pd.Timestamp(row.period_end)
        evaluate_month(engine, day.year, day.month, only=only, app_engine=app)
    except Exception:  # the load itself is committed; the next load or the CLI evaluates again
        log.exception("evaluating warning cases after a load failed")


def summary_text(counts: dict, year: int, month: int) -> str:
    labels = {
        "open": "新发",
        "continue": "持续",
        "propose": "拟销号",
        "reopen": "重新打开",
        "escalate": "升级约谈",
    }
    parts = [f"{labels[k]}{counts.get(k, 0)}项" for k in labels]
    return f"{year}年{month}月预警评估完成:" + "、".join(parts) + "。"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_sources.cases", description="预警督办")
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="评估某月的预警规则并生成/更新督办事项")
    ev.add_argument("--year", type=int, required=True)
    ev.add_argument("--month", type=int, required=True)
    args = parser.parse_args(argv)
    from data_sources.app_store import get_app_engine
    from data_sources.config import warehouse_url
    from data_sources.engine import create_warehouse_engine

    if not 1 <= args.month <= 12:
        print(f"月份必须在1到12之间,收到 {args.month}。", file=sys.stderr)
        return 2
    try:
        engine = create_warehouse_engine(warehouse_url())
        counts = evaluate_month(
            engine, args.year, args.month, username="cli", app_engine=get_app_engine(engine)
        )
    except Exception as exc:  # a CLI shows a Chinese line, never a traceback
        log.debug("evaluate failed", exc_info=True)
        print(f"预警评估失败:{type(exc).__name__}。请检查数据仓库连接后重试。", file=sys.stderr)
        return 1
    print(summary_text(counts, args.year, args.month))
    return 0


if __name__ == "__main__":
    sys.exit(main())
