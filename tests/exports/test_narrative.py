"""The report paragraph reproduces seed 002 §一 from a warehouse holding its figures, and a
township's paragraph holds only that township."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from data_sources.schema import township
from exports.narrative import FUND_POOLED_NOTE, report_paragraph
from metrics.execute import execute
from metrics.model import Period, Viewer

OCT_2023 = Period(2023, 10)
XIANGTANG = "360121101"


def test_paragraph_reproduces_seed_002(seed_engine: Engine) -> None:
    viewer = Viewer(can_see_small_cells=True)  # exact; others see them rounded (suppress.py)
    text = report_paragraph(lambda spec: execute(seed_engine, spec, viewer), OCT_2023)
    assert text.startswith(
        "2023年1-10月,全县基本医疗保险缴费参保人数94.52万人,其中城乡居民医保83.68万人,"
        "城镇职工医保10.84万人,完成任务数的94.50%。"
    ), text
    assert "基金收入9.28亿,其中居民医保5.56亿,职工医保3.72亿。" in text
    assert (
        "基金支出4.04亿元(仅县域内医疗机构数据,县域外医疗机构由市局统一做账),"
        "其中居民医保2.62亿,职工医保1.42亿,医保报销59.16万人次。"
    ) in text
    assert "医疗救助19429人次,支付金额1456.85万元。" in text
    for figure in ("94.52万人", "83.68万人", "10.84万人", "9.28亿", "5.56亿", "3.72亿", "4.04亿"):
        assert figure in text


def test_paragraph_on_the_demo_matches_the_seed(demo_engine: Engine) -> None:
    viewer = Viewer(can_see_small_cells=True)  # exact; others see them rounded (suppress.py)
    text = report_paragraph(lambda spec: execute(demo_engine, spec, viewer), OCT_2023)
    for figure in ("94.52万人", "83.68万人", "10.84万人", "9.28亿", "4.04亿", "59.16万人次"):
        assert figure in text
    assert "19429人次" in text and "1456.85万元" in text
    assert "预算执行率" in text and "节约资金" in text


@pytest.mark.parametrize("scoped", [True, False], ids=["township-viewer", "county-viewer"])
def test_township_paragraph_names_only_that_township(demo_engine: Engine, scoped: bool) -> None:
    viewer = Viewer(name="t", townships=frozenset({XIANGTANG})) if scoped else Viewer()
    text = report_paragraph(lambda spec: execute(demo_engine, spec, viewer), OCT_2023, XIANGTANG)
    with demo_engine.connect() as conn:
        names = dict(conn.execute(select(township.c.code, township.c.name)).fetchall())
    assert text.startswith(f"2023年1-10月,{names[XIANGTANG]}基本医疗保险缴费参保人数")
    others = [n for c, n in names.items() if c != XIANGTANG]
    assert not [n for n in others if n in text]
    # The fund is pooled at county level: no county fund figures in a township's paragraph.
    assert FUND_POOLED_NOTE in text and "基金收入" not in text.replace(FUND_POOLED_NOTE, "")
    assert "9.28亿" not in text
