"""The Streamlit side of accounts: login form, idle expiry, and the checks pages call.

app.py decides the mode once per run (`start`); pages and ui.layout only ask `allowed(action)`,
`audit(action, detail)` and `watermark()`. In demo mode (demo warehouse, no YIBAO_LOGIN=1) there
is no login: the demo user holds DEMO_ROLES.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import time
from collections.abc import Callable

import streamlit as st

from auth import roles as R
from auth import store
from data_sources import app_store
from metrics import service, settings

log = logging.getLogger("yibao.auth")

USER_KEY = "_auth_user"  # auth.roles.User
LAST_SEEN_KEY = "_auth_last_seen"  # time.time() of the last run
DEMO_KEY = "_auth_demo"  # True in demo mode
NOTICE_KEY = "_auth_notice"  # message shown above the login form once


def login_required(is_demo: bool) -> bool:
    """Demo warehouse: off unless YIBAO_LOGIN=1. Real warehouse: on unless YIBAO_LOGIN=0."""
    flag = os.environ.get("YIBAO_LOGIN", "").strip()
    if is_demo:
        return flag == "1"
    return flag != "0"


def current_user() -> R.User | None:
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, R.User) else None


def current_roles() -> frozenset[str]:
    user = current_user()
    return user.roles if user is not None else frozenset()


def allowed(action: str) -> bool:
    """Whether the session's user may do `action` (export, plan, adopt, import, admin)."""
    return R.can(current_roles(), action)


def is_demo() -> bool:
    return bool(st.session_state.get(DEMO_KEY))


def audit(action: str, detail: str = "") -> None:
    """Logs an action of the session's user; a failing audit write is logged, never shown."""
    user = current_user()
    name = user.username if user else service.current_viewer().name
    try:
        store.audit(service.app_engine(), name, action, detail)
    except Exception:  # the app store may be unreachable: the action itself went through
        log.exception("audit write failed: %s %s %s", name, action, detail)


def watermark() -> str | None:
    """'用户 zhangsan 2026-11-23 20:15' for exports; None in demo mode."""
    if is_demo():
        return None
    user = current_user()
    who = user.username if user else service.current_viewer().name
    return f"{who} {dt.datetime.now():%Y-%m-%d %H:%M}"


def deferred_export(
    build: Callable[[str | None], bytes | str], what: str, detail: str = ""
) -> Callable[[], bytes | str]:
    """A download's deferred data: built with the watermark and logged when clicked.

    Everything the callable needs is taken now (user, engine), so it does not depend on the
    session when Streamlit calls it on the click.
    """
    user = current_user()
    name = user.username if user else service.current_viewer().name
    demo = is_demo()
    engine = service.app_engine()

    def run() -> bytes | str:
        mark = None if demo else f"{name} {dt.datetime.now():%Y-%m-%d %H:%M}"
        data = build(mark)
        try:
            store.audit(engine, name, "export", f"{what}" + (f";{detail}" if detail else ""))
        except Exception:
            log.exception("audit write failed: export %s", what)
        return data

    return run


def _set_user(user: R.User, viewer) -> None:
    st.session_state[USER_KEY] = user
    st.session_state[LAST_SEEN_KEY] = time.time()
    service.set_viewer(viewer)


def _clear(notice: str | None = None) -> None:
    for key in (USER_KEY, LAST_SEEN_KEY, service.VIEWER_KEY, "_filters_ready"):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def logout() -> None:
    user = current_user()
    if user is not None:
        audit("logout", "退出登录")
    _clear()
    if _oidc_configured() and st.user.is_logged_in:
        st.logout()


def _oidc_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section (st.login, OpenID Connect)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file
        return False


def _oidc_login() -> bool:
    """The organisation's login (st.login): its e-mail must be an app_user's username.

    Returns True when the session's user was set from it.
    """
    if not st.user.is_logged_in:
        st.button("使用单位统一身份认证登录", on_click=st.login, key="oidc_login")
        st.caption("或使用本系统账号登录:")
        return False
    email = str(st.user.get("email") or "")
    user = store.get_user(service.app_engine(), email) if email else None
    if user is None or not user.roles:
        st.error(f"单位账号 {email or '(无邮箱)'} 尚未开通驾驶舱权限,请联系数据管理员。")
        st.button("退出单位账号", on_click=st.logout, key="oidc_logout")
        return False
    store.audit(service.app_engine(), user.username, "login", "单位统一身份认证登录")
    _set_user(user, R.viewer_for(user))
    return True


def _login_form() -> None:
    st.markdown("### 医保决策驾驶舱 · 登录")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(notice)
    if _oidc_configured() and _oidc_login():
        st.session_state.pop("_filters_ready", None)
        st.rerun()
    with st.form("login_form"):
        username = st.text_input("用户名", key="login_username")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary")
    if not submitted:
        return
    try:
        user = store.authenticate(service.app_engine(), username, password)
    except store.AuthError as exc:
        st.error(_migration_hint() or exc.message)
        return
    except app_store.AppStoreError as exc:  # where the accounts should be cannot be opened
        st.error(f"暂时无法登录:{exc.message}")
        return
    except Exception:
        log.exception("login failed")
        st.error("暂时无法登录:读取用户表失败,请联系系统管理员。")
        return
    if not user.roles:
        st.error("该账号尚未分配角色,请联系数据管理员。")
        return
    _set_user(user, R.viewer_for(user))
    st.session_state.pop("_filters_ready", None)
    st.rerun()


def _migration_hint() -> str | None:
    """What to do when a new, separate app store is empty while the warehouse has accounts."""
    try:
        return app_store.migration_hint(service.engine(), service.app_engine())
    except Exception:  # only advice: the refusal message is shown instead
        log.exception("checking for accounts left in the warehouse failed")
        return None


_READY: set[str] = set()


def _ensure_tables() -> None:
    """Creates the app-store tables once per process and app store (checkfirst)."""
    try:
        engine = service.app_engine()
    except Exception:  # a mistyped APP_STORE_URL: the login then says it cannot read users
        log.exception("opening the app store failed")
        return
    url = str(engine.url)
    if url in _READY:
        return
    _READY.add(url)  # tried once per process: an unwritable store is not retried each run
    try:
        app_store.ensure_app_tables(engine)
    except Exception:  # unwritable app store: logins then fail with a clear message
        log.exception("creating the app-store tables failed")


def start(is_demo: bool) -> R.User | None:
    """Sets the session's user and viewer; shows the login form and returns None when needed."""
    _ensure_tables()
    if not login_required(is_demo):
        st.session_state[DEMO_KEY] = is_demo
        user = current_user()
        # Login switched off on a real warehouse: a named local operator from settings, whom
        # the load log, the audit log and export watermarks carry; "demo" only on the demo.
        name = R.DEMO_USER if is_demo else settings.LOCAL_USER_NAME
        if user is None or user.username != name:
            label = "演示用户" if is_demo else name
            st.session_state[USER_KEY] = R.User(name, label, R.DEMO_ROLES, frozenset())
            service.set_viewer(dataclasses.replace(R.demo_viewer(), name=name))
        return current_user()
    st.session_state[DEMO_KEY] = False
    user = current_user()
    if user is not None and user.username not in (R.DEMO_USER, settings.LOCAL_USER_NAME):
        idle = time.time() - float(st.session_state.get(LAST_SEEN_KEY, 0))
        if idle > settings.SESSION_IDLE_MINUTES * 60:
            audit("logout", "会话超时")
            _clear("登录已超时,请重新登录")
            if _oidc_configured() and st.user.is_logged_in:
                st.logout()  # the organisation's login must be done again too
        else:
            st.session_state[LAST_SEEN_KEY] = time.time()
            return user
    elif user is not None:
        _clear()
    _hold_requested_page()
    _login_form()
    return None


def _hold_requested_page() -> None:
    """Keeps the page a deep link asked for (/drg?year=…) through the login form.

    Every page is registered, hidden, while the form shows, so the page the address names stays
    the session's current page and the rerun after login opens it (app.py then builds the
    navigation of the user's roles: a page they may not see falls back to their default page).
    No page runs here; the page list itself is no secret.
    """
    from ui.nav import DETAIL_PAGES, PAGES

    st.navigation(
        [
            st.Page(p.file, title=p.title, url_path=p.url_path, default=(i == 0))
            for i, p in enumerate((*PAGES, *DETAIL_PAGES))  # 机构详情 links survive login too
        ],
        position="hidden",
    )


def person_label(name: str) -> str:
    """How a recorded user name reads on screen: the demo's 'demo' as 演示用户."""
    return "演示用户" if name == R.DEMO_USER else name


def sidebar(user: R.User) -> None:
    """Who is logged in, and 退出登录 (not in demo mode)."""
    if user.username == R.DEMO_USER:
        return
    if R.is_township_only(user.roles):
        scope = "、".join(service.townships().name) or "未分配乡镇"
    else:
        scope = service.scope_word()
    st.caption(f"当前用户:{user.display_name}({'、'.join(sorted(user.roles))};范围:{scope})")
    if st.button("退出登录", key="logout", icon=":material/logout:", type="tertiary"):
        logout()
        st.rerun()
