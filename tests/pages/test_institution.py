"""机构详情 through the app (AppTest) on a copy of the demo: opened by picking a row on 乡镇详情,
DRG and 集采, for the same period; its cards and tables are metrics/drill.py's figures for the same
viewer; breadcrumbs go back with the filters; a township officer is refused another township's
institution (a Chinese message and no figure) and sees their own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from auth import roles as R
from auth import store
from data_sources.config import PROJECT_ROOT, demo_url
from data_sources.schema import institution
from metrics import drill, present, service
from metrics.execute import execute
from metrics.model import Period, Viewer
from tests.cards import card_label
from tests.pages.cells import missing_words_shown
from ui import nav

ENTRY = Path(__file__).with_name("entry.py")
PW = "password-1"
XIANGTANG, LIANTANG = "360121101", "360121100"
PERIOD = Period(2023, 10)
COUNTY = Viewer(name="staff", townships=None)
OFFICER = Viewer(name="xt", townships=frozenset({XIANGTANG}))


@pytest.fixture(scope="module")
def warehouse(demo_duckdb_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    own = tmp_path_factory.mktemp("institution") / "warehouse.duckdb"
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


def hospitals(engine: Engine, town: str) -> list[str]:
    """The codes of the township's hospitals, from the dimension table."""
    query = select(institution.c.code).where(
        institution.c.township_code == town, institution.c.kind == "hospital"
    )
    with engine.connect() as conn:
        return sorted(str(c) for (c,) in conn.execute(query))


def login(username: str, params: dict[str, str], page: str | None) -> AppTest:
    at = AppTest.from_file(str(ENTRY), default_timeout=120)
    at.query_params.update(params)
    at.run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(PW)
    next(b for b in at.button if b.label == "登录").click()
    at.run()
    if page:
        at.switch_page(str(PROJECT_ROOT / page))
        at.run()
    ok(at)
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not missing_words_shown(at), missing_words_shown(at)


def pick(at: AppTest, key: str, row: int) -> None:
    """Selects a row of the keyed table, as a click on its row would."""
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    ok(at)


def title(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("### "))


def cards(at: AppTest) -> dict[str, str]:
    return {card_label(m.label): m.value for m in at.metric}


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert found, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def assert_detail_of(at: AppTest, engine: Engine, code: str, viewer: Viewer) -> None:
    """The page shows `code`'s figures as metrics/drill.py computes them for `viewer`."""
    fetch = lambda spec: execute(engine, spec, viewer)  # noqa: E731
    with engine.connect() as conn:
        found = drill.institution_of(conn, code)
    assert found is not None
    assert title(at) == f"### 机构详情 · {found.name}"
    assert at.query_params["inst"] == code
    assert (at.query_params["year"], at.query_params["month"]) == ("2023", "10")
    shown = cards(at)
    drg = drill.institution_drg(fetch, PERIOD, code)
    if drill.has_figures(drg, drill.INSTITUTION_DRG):
        for metric_id in ("drg_budget", "drg_paid", "drg_execution", "drg_cases", "drg_cmi"):
            assert shown[present.metric(metric_id).label] == drg.text(metric_id), metric_id
        status = drg.frame.loc[0, "drg_execution_status_label"]
        assert any("预算执行率" in m.label and status in m.label for m in at.metric)
        want = drill.top_groups(drill.institution_groups(fetch, PERIOD, code).frame, "drg_paid")
        groups = frame_with(at, "DRG组编码")
        assert groups["DRG组编码"].tolist() == want["drg"].tolist()
        assert groups["出院病例数"].tolist() == want["drg_cases"].tolist()
    proc = drill.institution_procurement(fetch, PERIOD, code)
    if drill.has_figures(proc, ("proc_agreed", "proc_purchased")):
        for metric_id in ("proc_agreed", "proc_purchased", "proc_progress", "proc_savings"):
            assert shown[present.metric(metric_id).label] == proc.text(metric_id), metric_id
        want = drill.institution_products(fetch, PERIOD, code)
        products = frame_with(at, "中选产品")
        assert products["中选产品"].tolist() == want["generic_name"].tolist()
        assert products["约定采购量"].tolist() == want["proc_agreed"].tolist()
        assert products["状态"].tolist() == want["proc_progress_status_label"].tolist()


def test_from_the_drg_table_and_back(warehouse: Engine) -> None:
    at = login("staff", {"year": "2023", "month": "10"}, "pages/drg.py")
    shown = frame_with(at, "预算执行率(%)")
    first = shown["机构名称"].iloc[0]
    pick(at, "drg_budget_pick", 0)
    assert title(at) == f"### 机构详情 · {first}"
    code = at.query_params["inst"]
    assert at.query_params["from"] == "drg"
    assert_detail_of(at, warehouse, code, COUNTY)
    labels = [b.label for b in at.button]
    assert labels[:3] == ["← 返回全县", labels[1], "← 返回DRG预算执行"]
    assert labels[1].startswith("← 返回") and labels[1].endswith(("镇", "街道", "乡"))
    at.button(key="inst_back_origin").click().run()
    ok(at)
    assert title(at) == "### DRG预算执行"
    assert (at.query_params["year"], at.query_params["month"]) == ("2023", "10")


def test_from_the_townships_lag_drivers_and_institutions(warehouse: Engine) -> None:
    at = login("staff", {"year": "2023", "month": "10", "town": XIANGTANG}, "pages/township.py")
    drivers = frame_with(at, "差距")
    rows = [i for i, a in enumerate(drivers["业务领域"]) if a in (drill.PROCUREMENT, drill.DRG)]
    assert rows, drivers
    fetch = lambda spec: execute(warehouse, spec, COUNTY)  # noqa: E731
    want = drill.lag_drivers(fetch, PERIOD, XIANGTANG)
    pick(at, "township_drivers_pick", rows[0])
    assert at.query_params["inst"] == str(want["code"].iloc[rows[0]])
    assert_detail_of(at, warehouse, at.query_params["inst"], COUNTY)
    at.button(key="inst_back_town").click().run()
    ok(at)
    assert title(at) == "### 乡镇详情 · 向塘镇"
    assert at.query_params["town"] == XIANGTANG

    # A scheme row (参保) has no institution: picking it stays on 乡镇详情.
    schemes = [i for i, a in enumerate(drivers["业务领域"]) if a == drill.ENROLLMENT]
    if schemes:
        pick(at, "township_drivers_pick", schemes[0])
        assert title(at) == "### 乡镇详情 · 向塘镇"

    pick(at, "township_inst_pick", 0)
    assert title(at).startswith("### 机构详情 · ")
    with warehouse.connect() as conn:
        found = drill.institution_of(conn, at.query_params["inst"])
    assert found is not None and found.township == XIANGTANG


def test_from_the_procurement_table(warehouse: Engine) -> None:
    at = login("staff", {"year": "2023", "month": "10"}, "pages/procurement.py")
    names = frame_with(at, "状态")["机构名称"].tolist()
    pick(at, "proc_inst_pick", 1)
    assert title(at) == f"### 机构详情 · {names[1]}"
    assert_detail_of(at, warehouse, at.query_params["inst"], COUNTY)
    assert "← 返回集中带量采购" in [b.label for b in at.button]


def test_an_officer_is_refused_another_townships_institution(warehouse: Engine) -> None:
    other = hospitals(warehouse, LIANTANG)[0]
    params = {"year": "2023", "month": "10", "inst": other}
    at = login("xt", params, nav.INSTITUTION.path)
    assert [e.value for e in at.error] == [drill.REFUSED]
    assert at.metric.len == 0 and at.dataframe.len == 0
    assert not [c for c in at.caption if "机构编码" in c.value]
    assert "← 返回全县" not in [b.label for b in at.button]


def test_an_officer_sees_their_own_institution(warehouse: Engine) -> None:
    own = hospitals(warehouse, XIANGTANG)[0]
    at = login("xt", {"year": "2023", "month": "10", "inst": own}, nav.INSTITUTION.path)
    assert not at.error
    assert_detail_of(at, warehouse, own, OFFICER)
    labels = [b.label for b in at.button]
    assert "← 返回向塘镇" in labels and "← 返回全县" not in labels


def test_an_unknown_code_and_no_code(warehouse: Engine) -> None:
    at = login("staff", {"year": "2023", "month": "10", "inst": "H999"}, nav.INSTITUTION.path)
    assert [e.value for e in at.error] == [drill.UNKNOWN]
    assert at.metric.len == 0
    at = login("staff", {"year": "2023", "month": "10"}, nav.INSTITUTION.path)
    assert not at.error and at.metric.len == 0
    assert any("选中一家机构" in i.value for i in at.info)
