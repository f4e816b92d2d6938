"""Roles: which pages and actions each role gets, and the metrics viewer of a user (pure)."""

from __future__ import annotations

import pytest

from auth import roles as R
from auth.roles import User, can, pages_for, viewer_for
from ui.nav import PAGES

ALL_PAGES = {p.url_path for p in PAGES}


def user(*roles: str, towns: tuple[str, ...] = ()) -> User:
    return User("u", "u", frozenset(roles), frozenset(towns))


def test_every_role_page_exists_in_the_navigation() -> None:
    for role in R.ROLES:
        assert pages_for([role]) <= ALL_PAGES, role


def test_pages_per_role() -> None:
    assert pages_for([R.LEADER]) == ALL_PAGES - {"import", "audit"}
    assert "planning" not in pages_for([R.STAFF])
    assert pages_for([R.PLANNER]) == {"planning"}
    assert pages_for([R.ADMIN]) == {"import", "audit"}
    assert pages_for([R.TOWNSHIP]) & {"fund", "overview", "planning", "import", "audit"} == set()
    assert "enrollment" in pages_for([R.TOWNSHIP])
    # Several roles: the union.
    assert pages_for([R.STAFF, R.ADMIN]) == pages_for([R.STAFF]) | {"import", "audit"}
    assert pages_for([]) == set()


@pytest.mark.parametrize(
    "role,actions",
    [
        (R.LEADER, set()),
        (R.STAFF, {"export"}),
        (R.PLANNER, {"plan", "adopt"}),
        (R.ADMIN, {"import", "admin"}),
        (R.TOWNSHIP, {"export"}),
    ],
)
def test_actions_per_role(role: str, actions: set[str]) -> None:
    assert {a for a in R.ACTIONS if can([role], a)} == actions


def test_unknown_action_and_role() -> None:
    with pytest.raises(ValueError):
        can([R.STAFF], "delete")
    with pytest.raises(ValueError, match="未知角色"):
        R.parse_roles("科室人员,局长")
    assert R.parse_roles("科室人员,乡镇医保所") == {R.STAFF, R.TOWNSHIP}


def test_viewer_scope_and_small_cells() -> None:
    town = viewer_for(user(R.TOWNSHIP, towns=("360121101",)))
    assert town.townships == {"360121101"} and not town.can_see_small_cells
    assert viewer_for(user(R.TOWNSHIP)).townships == frozenset()  # no township: sees nothing
    assert viewer_for(user(R.STAFF)).townships is None
    assert not viewer_for(user(R.STAFF)).can_see_small_cells
    assert viewer_for(user(R.LEADER)).can_see_small_cells
    assert viewer_for(user(R.ADMIN)).can_see_small_cells
    # A county reading role widens a township officer to the county.
    assert viewer_for(user(R.STAFF, R.TOWNSHIP, towns=("360121101",))).townships is None
    assert not R.demo_viewer().can_see_small_cells
