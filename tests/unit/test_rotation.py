"""大屏 rotation (ui/chrome.py): which page comes next, how long a page stays, when it is due."""

from __future__ import annotations

import pytest

from ui import chrome
from ui.nav import PAGES


def test_every_rotated_page_exists_and_the_overview_comes_first() -> None:
    paths = [p.url_path for p in PAGES]
    assert chrome.ROTATION[0] == "overview"
    assert set(chrome.ROTATION) <= set(paths)


def test_the_next_page_follows_the_order_and_wraps_round() -> None:
    order = list(chrome.ROTATION)
    seen = ["overview"]
    for _ in range(len(order)):
        seen.append(chrome.next_page(order, seen[-1]))
    assert seen == [*order, "overview"]


def test_pages_the_viewer_lacks_are_skipped_and_other_pages_stay() -> None:
    # A township officer has no 总览 or 基金收支: 参保扩面 → 医疗救助 → … → DRG → 参保扩面.
    order = ["enrollment", "assistance", "procurement", "drg"]
    assert chrome.next_page(order, "drg") == "enrollment"
    assert chrome.next_page(order, "enrollment") == "assistance"
    assert chrome.next_page(order, "planning") is None


@pytest.mark.parametrize(
    "raw,seconds",
    [
        ("60", 60),
        ("20", 20),
        ("2", chrome.MIN_ROTATE_SECONDS),
        ("0", 20),
        ("", None),
        (None, None),
        ("-5", None),
        ("1.5", None),
        ("六十", None),
        ("²", None),
        ("٣٠", None),
    ],
)
def test_seconds_from_the_url(raw: str | None, seconds: int | None) -> None:
    assert chrome.rotate_seconds(raw) == seconds


def test_a_page_is_due_after_its_seconds_and_not_before() -> None:
    shown = ("fund", 1000.0)
    assert not chrome.rotation_due(shown, "fund", 1000.0, 30)
    assert not chrome.rotation_due(shown, "fund", 1028.9, 30)
    assert chrome.rotation_due(shown, "fund", 1029.0, 30)  # the timer's tolerance
    assert chrome.rotation_due(shown, "fund", 1400.0, 30)
    # Just arrived on another page: its own clock starts, the old record is not due.
    assert not chrome.rotation_due(shown, "drg", 1400.0, 30)
    assert not chrome.rotation_due(None, "fund", 1400.0, 30)
