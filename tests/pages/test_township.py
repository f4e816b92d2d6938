"""乡镇详情 through the app (AppTest) on a copy of the demo: for two townships its rank history and
lag drivers are those of metrics/drill.py for the same viewer; a township officer sees no rank."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from auth import roles as R
from auth import store
from data_sources.config import PROJECT_ROOT, demo_url
from metrics import drill, service
from metrics.execute import execute
from metrics.model import Period, Viewer

ENTRY = Path(__file__).with_name("entry.py")
PAGE = PROJECT_ROOT / "pages" / "township.py"
PW = "password-1"
XIANGTANG, LIANTANG = "360121101", "360121100"
PERIOD = Period(2026, 10)
# The staff account's viewer: the whole county, small cells hidden (neither table is sensitive).
COUNTY = Viewer(name="staff", townships=None)


@pytest.fixture(scope="module")
def warehouse(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    own = tmp_path_factory.mktemp("township") / "warehouse.duckdb"
    shutil.copy(demo_duckdb_path, own)
    url = demo_url(own)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", url)
        mp.setenv("YIBAO_LOGIN", "1")
        engine = service.get_engine(url)
        store.ensure_tables(engine)
        store.create_user(engine, "staff", PW, R.STAFF, "", display_name="张科员")
        store.create_user(engine, "xt", PW, R.TOWNSHIP, XIANGTANG, display_name="向塘所")
        yield engine


def open_township(username: str, town: str) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at.query_params.update({"year": "2026", "month": "10", "town": town})
    at.run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(PW)
    next(b for b in at.button if b.label == "登录").click()
    at.run()
    at.switch_page(str(PAGE))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


@pytest.mark.parametrize("town", [XIANGTANG, LIANTANG])
def test_township_detail_shows_drills_rank_history_and_lag_drivers(
    warehouse: Engine, town: str
) -> None:
    at = open_township("staff", town)
    fetch = lambda spec: execute(warehouse, spec, COUNTY)  # noqa: E731

    want = drill.rank_history(fetch, PERIOD.year, PERIOD.month, town)
    shown = frame_with(at, "名次")
    assert shown["月份"].tolist() == [f"{m}月" for m in range(1, 11)]
    assert shown["名次"].tolist() == want["rank"].tolist()
    assert set(shown["乡镇数"]) == set(want["of"]) and want["of"].iloc[-1] > 1
    # Completion as shown (a ratio, two decimals of percent) is drill's figure, month by month.
    assert shown["完成率(%)"].tolist() == pytest.approx(want["value"].tolist(), abs=5e-5)
    (chart,) = chart_frames(at, "参保任务完成率排名变化")
    ranked = want.dropna(subset=["rank"])
    assert chart["rank"].tolist() == ranked["rank"].tolist()
    assert chart["month"].tolist() == ranked["month"].tolist()

    drivers = drill.lag_drivers(fetch, PERIOD, town)
    assert not drivers.empty  # the demo's townships each lag somewhere in October
    listed = frame_with(at, "差距")
    got = list(zip(listed["业务领域"], listed["险种或机构"], listed["差距"], strict=True))
    assert got == [(r.area, r.subject, drill.gap_text(r.gap, r.unit)) for r in drivers.itertuples()]
    # The breadcrumb opens 总览 for the whole county, same period.
    at.button(key="township_back").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value == "### 总览" for m in at.markdown)
    assert at.session_state["f_town"] == "" and "town" not in at.query_params
    assert (at.query_params["year"], at.query_params["month"]) == ("2026", "10")


def chart_frames(at: AppTest, title_end: str) -> list[pd.DataFrame]:
    """The datasets of the page's Vega-Lite charts whose title ends with `title_end`."""
    found: list[pd.DataFrame] = []

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            if getattr(child, "type", "") == "vega_lite_chart":
                spec = json.loads(child.proto.spec)
                if str(spec.get("title", {}).get("text", "")).endswith(title_end):
                    found.extend(
                        pa.ipc.open_stream(d.data.data).read_pandas() for d in child.proto.datasets
                    )
            walk(child)

    walk(at._tree)
    return found


def test_a_township_officer_sees_no_rank(warehouse: Engine) -> None:
    at = open_township("xt", XIANGTANG)
    assert not any("名次" in d.value.columns for d in at.dataframe)
    assert any("不显示排名" in c.value for c in at.caption)
    assert not any("全县第" in c.value for c in at.caption)
    assert "← 返回全县" not in [b.label for b in at.button]
    # Lag drivers are the township's own, as for the county viewer.
    own = Viewer(name="xt", townships=frozenset({XIANGTANG}))
    drivers = drill.lag_drivers(lambda spec: execute(warehouse, spec, own), PERIOD, XIANGTANG)
    assert frame_with(at, "差距")["险种或机构"].tolist() == drivers["subject"].tolist()
