"""大屏 rotation through the app (AppTest): with ?screen=wall&rotate=N the overview schedules its
fragment, says which page comes next, and once its N seconds are up the fragment's run moves to
参保扩面 with the same period and screen parameters. No sleeping: the page's recorded arrival
time is moved back, then the app runs again, as Streamlit's timer would run it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_sources.config import demo_url
from metrics import service
from ui import chrome

ENTRY = Path(__file__).with_name("entry.py")


@pytest.fixture(scope="module")
def warehouse(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    own = tmp_path_factory.mktemp("rotation") / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    url = demo_url(own)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", url)
        service.get_engine(url)
        yield url


def _wall(rotate: str | None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=90)
    at.query_params.update({"year": "2023", "month": "10", "screen": "wall"})
    if rotate is not None:
        at.query_params["rotate"] = rotate
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _title(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("### "))


def _age(at: AppTest, seconds: float) -> None:
    """As if the page had been on screen `seconds` longer."""
    page, since = at.session_state[chrome.ROTATION_KEY]
    at.session_state[chrome.ROTATION_KEY] = (page, since - seconds)


def test_rotation_announces_and_moves_to_the_next_page(warehouse: str) -> None:
    at = _wall("30")
    assert _title(at) == "### 总览"
    assert "轮播:每30秒切换,下一页“参保扩面”" in [c.value for c in at.caption]
    assert at.session_state[chrome.ROTATION_KEY][0] == "overview"

    at.run()  # a rerun before the time is up stays
    assert _title(at) == "### 总览"

    _age(at, 30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _title(at).startswith("### 参保扩面")
    params = {k: at.query_params[k] for k in ("year", "month", "screen", "rotate")}
    assert params == {"year": "2023", "month": "10", "screen": "wall", "rotate": "30"}
    assert "2023年1-10月" in " ".join(c.value for c in at.caption)  # the filters, not reset
    assert "轮播:每30秒切换,下一页“基金收支”" in [c.value for c in at.caption]
    # The new page's clock starts on arrival: not due at once.
    assert at.session_state[chrome.ROTATION_KEY][0] == "enrollment"
    at.run()
    assert _title(at).startswith("### 参保扩面")


def test_without_rotate_the_wall_stays(warehouse: str) -> None:
    at = _wall(None)
    assert chrome.ROTATION_KEY not in at.session_state
    assert not [c for c in at.caption if c.value.startswith("轮播")]
    at.run()
    assert _title(at) == "### 总览"


def test_a_short_rotate_is_raised_to_the_minimum(warehouse: str) -> None:
    at = _wall("2")
    minimum = chrome.MIN_ROTATE_SECONDS
    assert f"轮播:每{minimum}秒切换,下一页“参保扩面”" in [c.value for c in at.caption]
    _age(at, 2)
    at.run()
    assert _title(at) == "### 总览"  # 2 s is not yet the minimum
    _age(at, minimum)
    at.run()
    assert _title(at).startswith("### 参保扩面")
