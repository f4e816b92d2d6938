"""Roles and what they allow: pure functions, no Streamlit, no database.

A user holds one or more roles; pages and actions are the union of what each role grants.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from metrics import settings
from metrics.model import Viewer

LEADER, STAFF, PLANNER, ADMIN, TOWNSHIP = (
    "局领导",
    "科室人员",
    "规划人员",
    "数据管理员",
    "乡镇医保所",
)
ROLES: tuple[str, ...] = (LEADER, STAFF, PLANNER, ADMIN, TOWNSHIP)
ACTIONS: tuple[str, ...] = ("export", "plan", "adopt", "import", "admin")

# The read-only dashboard pages (url_path of ui.nav.PAGES).
DASHBOARD = frozenset(
    {"overview", "enrollment", "fund", "assistance", "procurement", "drg", "township", "briefing"}
    | {"cases"}  # 预警督办: the township officer sees only their own township's cases
)

ROLE_PAGES: dict[str, frozenset[str]] = {
    # 局领导 reads everything; the planning page shows the scenarios, saving and adopting need
    # 规划人员. Imports and the audit log are the data administrator's.
    LEADER: DASHBOARD | {"planning"},
    STAFF: DASHBOARD,
    PLANNER: frozenset({"planning"}),
    ADMIN: frozenset({"import", "audit"}),
    # The fund is pooled at county level and has no township figures, and the overview is
    # built around the county fund: the compiler refuses both for a township scope, so a
    # township officer starts on 参保扩面 and has 乡镇详情 as their own overview.
    TOWNSHIP: DASHBOARD - {"fund", "overview"},
}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    LEADER: frozenset(),
    STAFF: frozenset({"export"}),
    PLANNER: frozenset({"plan", "adopt"}),
    ADMIN: frozenset({"import", "admin"}),
    TOWNSHIP: frozenset({"export"}),
}

# The demo warehouse needs no login: its user sees every page and may export and plan (and try
# the import on the demo file); small cells stay hidden as for any ordinary viewer.
DEMO_ROLES: frozenset[str] = frozenset({LEADER, STAFF, PLANNER, ADMIN})
DEMO_USER = "demo"


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    roles: frozenset[str]
    townships: frozenset[str]


def parse_roles(text: str | Iterable[str]) -> frozenset[str]:
    """'科室人员,乡镇医保所' -> roles; ValueError in Chinese for an unknown role."""
    items = text.replace(",", ",").split(",") if isinstance(text, str) else list(text)
    roles = frozenset(r.strip() for r in items if r.strip())
    unknown = sorted(roles - set(ROLES))
    if unknown:
        raise ValueError(f"未知角色:{'、'.join(unknown)}。可用角色:{'、'.join(ROLES)}。")
    return roles


def pages_for(roles: Iterable[str]) -> set[str]:
    """The url_paths of the pages the roles may open."""
    out: set[str] = set()
    for role in roles:
        out |= ROLE_PAGES.get(role, frozenset())
    return out


def can(roles: Iterable[str], action: str) -> bool:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return any(action in ROLE_ACTIONS.get(role, frozenset()) for role in roles)


def is_township_only(roles: Iterable[str]) -> bool:
    """True when the township role is the only one that grants pages: scope is own township."""
    roles = set(roles)
    return TOWNSHIP in roles and not (roles & {LEADER, STAFF})


def viewer_for(user: User) -> Viewer:
    """The metrics viewer of a user: the township scope and the small-cell right.

    A 乡镇医保所 officer (without a county reading role) sees their own townships only; an
    officer with no township assigned sees nothing (empty scope), never the county.
    """
    townships = frozenset(user.townships) if is_township_only(user.roles) else None
    return Viewer(
        name=user.username,
        townships=townships,
        can_see_small_cells=bool(set(user.roles) & settings.SMALL_CELL_ROLES) and townships is None,
    )


def demo_viewer() -> Viewer:
    return Viewer(name=DEMO_USER, townships=None, can_see_small_cells=False)
