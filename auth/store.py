"""Users and the audit log, kept in the app store (data_sources.app_store).

Every `engine` here is the app store's: the warehouse itself by default, or its own database
(APP_STORE_URL; a SQLite file beside a read-only DuckDB warehouse), so that login works whatever
the warehouse allows. The two tables live on their own MetaData: a rebuild of the data
(`recreate_schema`, the demo generator) drops and recreates the data tables but must never drop
the accounts or the audit trail. `ensure_tables` creates them when missing (the app creates all
app-store tables at start, `app_store.ensure_app_tables`).
"""

from __future__ import annotations

import datetime as dt

import bcrypt
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

from auth.roles import ROLES, User, parse_roles
from metrics import settings

metadata = MetaData()

app_user = Table(
    "app_user",
    metadata,
    Column("username", String(64), primary_key=True, comment="登录名"),
    Column("display_name", String(64), nullable=False, comment="姓名"),
    Column("password_hash", String(100), nullable=False, comment="bcrypt 密码散列"),
    Column("roles", String(200), nullable=False, comment="角色(逗号分隔)"),
    Column("townships", String(500), nullable=False, default="", comment="乡镇代码(逗号分隔)"),
    Column("locked_until", DateTime, nullable=True, comment="锁定至"),
    Column("failed_count", Integer, nullable=False, default=0, comment="连续登录失败次数"),
    Column("created_at", DateTime, nullable=False, comment="创建时间"),
    Column("updated_at", DateTime, nullable=False, comment="修改时间"),
    comment="驾驶舱用户",
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", Integer, Sequence("audit_log_id_seq"), primary_key=True),
    # "at" is a keyword in DuckDB: always quoted.
    Column("at", DateTime, nullable=False, quote=True, comment="时间"),
    Column("username", String(64), nullable=False, comment="用户"),
    Column("action", String(32), nullable=False, comment="操作"),
    Column("detail", Text, nullable=False, default="", comment="内容(对象、范围、期间)"),
    comment="操作日志",
)

# Audit actions, with their Chinese labels for the audit page.
ACTION_LABELS: dict[str, str] = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "export": "导出",
    "import": "导入",
    "adopt": "采用方案",
    "user": "用户变更",
    "case": "督办",  # 预警督办 steps (data_sources.cases)
}


def refused_message() -> str:
    """The one answer to every refused login: unknown user, wrong password or locked account.

    One text for all three, so the form does not tell who has an account (a lock message for
    real accounts only would); it names the lock rule, so a locked user knows to wait.
    """
    return (
        f"用户名或密码错误。连续输错{settings.LOGIN_MAX_FAILURES}次账号将锁定"
        f"{settings.LOGIN_LOCK_MINUTES}分钟,锁定期间无法登录,请稍后再试或联系管理员重置密码。"
    )


WRONG_PASSWORD = refused_message()

# A bcrypt hash of no one's password, at the cost `hash_password` uses (bcrypt.gensalt()'s
# default, 12): an unknown user's password is checked against it, so refusing an unknown user
# takes as long as refusing a wrong password (tests/security/test_login_timing.py).
_DUMMY_HASH = b"$2b$12$M0ncbE0kpjYVfAe4.SQNLOkrdG9Z7FLXpOscKwuw5U.ZBWhtazVnm"


class AuthError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def ensure_tables(engine: Engine) -> None:
    """Creates app_user and audit_log when missing (never touches the data tables)."""
    metadata.create_all(engine, checkfirst=True)


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise AuthError("密码至少需要8位。")
    if len(password.encode()) > 72:
        raise AuthError("密码过长(不超过72字节)。")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def _codes(text: str | None) -> frozenset[str]:
    return frozenset(c.strip() for c in (text or "").split(",") if c.strip())


def _user(row) -> User:
    return User(
        username=row.username,
        display_name=row.display_name,
        roles=frozenset(r for r in _codes(row.roles) if r in ROLES),
        townships=_codes(row.townships),
    )


def get_user(engine: Engine, username: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(select(app_user).where(app_user.c.username == username)).first()
    return None if row is None else _user(row)


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        rows = conn.execute(select(app_user).order_by(app_user.c.username)).all()
    return [_user(r) for r in rows]


def create_user(
    engine: Engine,
    username: str,
    password: str,
    roles: str | frozenset[str],
    townships: str | frozenset[str] = "",
    display_name: str | None = None,
    *,
    by: str = "cli",
) -> User:
    """A new account; AuthError when the name exists or a role is unknown."""
    username = username.strip()
    if not username:
        raise AuthError("用户名不能为空。")
    try:
        role_set = parse_roles(roles)
    except ValueError as exc:
        raise AuthError(str(exc)) from exc
    if not role_set:
        raise AuthError("至少需要一个角色。")
    towns = _codes(townships) if isinstance(townships, str) else frozenset(townships)
    ensure_tables(engine)
    if get_user(engine, username) is not None:
        raise AuthError(f"用户“{username}”已存在。")
    now = _now()
    with engine.begin() as conn:
        conn.execute(
            insert(app_user).values(
                username=username,
                display_name=display_name or username,
                password_hash=hash_password(password),
                roles=",".join(sorted(role_set)),
                townships=",".join(sorted(towns)),
                locked_until=None,
                failed_count=0,
                created_at=now,
                updated_at=now,
            )
        )
    audit(
        engine,
        by,
        "user",
        f"创建用户 {username},角色:{'、'.join(sorted(role_set))}"
        + (f",乡镇:{'、'.join(sorted(towns))}" if towns else ""),
    )
    return get_user(engine, username)  # type: ignore[return-value]


def set_password(engine: Engine, username: str, password: str, *, by: str = "cli") -> None:
    """New password; also unlocks the account."""
    if get_user(engine, username) is None:
        raise AuthError(f"用户“{username}”不存在。")
    with engine.begin() as conn:
        conn.execute(
            update(app_user)
            .where(app_user.c.username == username)
            .values(
                password_hash=hash_password(password),
                failed_count=0,
                locked_until=None,
                updated_at=_now(),
            )
        )
    audit(engine, by, "user", f"重置用户 {username} 的密码")


def authenticate(
    engine: Engine, username: str, password: str, *, now: dt.datetime | None = None
) -> User:
    """The user when the password is right; AuthError otherwise (logged in the audit log).

    After LOGIN_MAX_FAILURES wrong passwords in a row the account is locked for
    LOGIN_LOCK_MINUTES; while locked even the right password is refused. An unknown user, a
    wrong password and a locked account get the same message in the same time (one bcrypt
    check each); the audit log records which it was.
    """
    now = now or _now()
    username = (username or "").strip()
    secret = (password or "").encode()[:72]
    with engine.connect() as conn:
        row = conn.execute(select(app_user).where(app_user.c.username == username)).first()
    # bcrypt runs on every path (unknown, locked, wrong, right): the time does not tell them apart.
    ok = bcrypt.checkpw(secret, row.password_hash.encode() if row is not None else _DUMMY_HASH)
    if row is None:
        audit(engine, username or "(空)", "login_failed", "用户不存在")
        raise AuthError(refused_message())
    if row.locked_until is not None and row.locked_until > now:
        audit(engine, username, "login_failed", "账号锁定中")
        raise AuthError(refused_message())
    if ok:
        with engine.begin() as conn:
            conn.execute(
                update(app_user)
                .where(app_user.c.username == username)
                .values(failed_count=0, locked_until=None)
            )
        audit(engine, username, "login", "登录成功")
        return _user(row)
    failures = (0 if row.locked_until is not None else int(row.failed_count or 0)) + 1
    lock = failures >= settings.LOGIN_MAX_FAILURES
    detail = f"密码错误(连续第{failures}次)" + (",账号锁定" if lock else "")
    # One transaction, as for an unknown user (its audit line): the same time again.
    with engine.begin() as conn:
        conn.execute(
            update(app_user)
            .where(app_user.c.username == username)
            .values(
                failed_count=0 if lock else failures,
                locked_until=now + dt.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
                if lock
                else None,
            )
        )
        conn.execute(_audit_line(username, "login_failed", detail))
    raise AuthError(refused_message())


def _audit_line(username: str, action: str, detail: str = ""):
    return insert(audit_log).values(at=_now(), username=username, action=action, detail=detail)


def audit(engine: Engine, username: str, action: str, detail: str = "") -> None:
    """One line in the audit log."""
    with engine.begin() as conn:
        conn.execute(_audit_line(username, action, detail))


def read_audit(
    engine: Engine,
    *,
    username: str | None = None,
    action: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    limit: int = 1000,
):
    """The newest audit lines first, filtered; a DataFrame."""
    import pandas as pd

    q = select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.audit_id.desc())
    if username:
        q = q.where(audit_log.c.username == username)
    if action:
        q = q.where(audit_log.c.action == action)
    if since:
        q = q.where(audit_log.c.at >= dt.datetime.combine(since, dt.time()))
    if until:
        q = q.where(audit_log.c.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    with engine.connect() as conn:
        rows = conn.execute(q.limit(limit)).all()
    return pd.DataFrame(rows, columns=[c.name for c in audit_log.columns])
