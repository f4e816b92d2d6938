"""The report paragraph in 公文 form: the seed 002 §一 sentence character for character, areas
without data left out, the scope named by the region's level, a township in whole persons."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from sqlalchemy import Engine, select, text

from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from data_sources.schema import LOAD_ORDER, township
from data_sources.writer import insert_frame, recreate_schema
from exports import wording
from exports.narrative import FUND_POOLED_NOTE, report_paragraph
from metrics.execute import execute
from metrics.model import Period, Viewer
from tests.exports.conftest import seed_frames
from tests.metrics.fixtures import T2

OCT_2023 = Period(2023, 10)
XIANGTANG = "360121101"

# Seed 002 §一 in 公文 form: full-width ，（）, amounts written with 亿元 (DOMAIN.md: "9.28亿元").
SEED_GONGWEN = (
    "2023年1-10月，全县基本医疗保险缴费参保人数94.52万人，其中城乡居民医保83.68万人，"
    "城镇职工医保10.84万人。基金收入9.28亿元（其中财政配套部分由市局统一做账），"
    "其中居民医保5.56亿元，职工医保3.72亿元。基金支出4.04亿元（仅县域内医疗机构数据，"
    "县域外医疗机构由市局统一做账），其中居民医保2.62亿元，职工医保1.42亿元，医保报销59.16万人次。"
)
# 945,200 / 1,000,175 = 94.504%; 19,429 payments = 1.9429万人次; 14,568,500.00元 = 1456.85万元.
SEED_TAIL = "参保人数完成全年任务数的94.50%。医疗救助1.94万人次，支付金额1456.85万元。"


def _warehouse(path, frames: dict[str, pd.DataFrame]) -> Engine:
    engine = create_warehouse_engine(demo_url(path))
    recreate_schema(engine)
    with engine.begin() as conn:
        for table in LOAD_ORDER:
            insert_frame(conn, table, frames[table.name])
    return engine


def _without(frames: dict[str, pd.DataFrame], *names: str) -> dict[str, pd.DataFrame]:
    out = dict(frames)
    for name in names:
        out[name] = out[name].iloc[0:0]
    return out


DRG_PROC = ("drg_budget", "drg_case", "proc_agreement", "proc_purchase", "proc_retained")


@pytest.fixture(scope="module")
def seed_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """Seed 002's figures; no DRG and no procurement data for the period."""
    engine = _warehouse(
        tmp_path_factory.mktemp("s") / "w.duckdb", _without(seed_frames(), *DRG_PROC)
    )
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def no_assistance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    frames = _without(seed_frames(), "assistance", *DRG_PROC)
    engine = _warehouse(tmp_path_factory.mktemp("a") / "w.duckdb", frames)
    yield engine
    engine.dispose()


def _fetch(engine: Engine, viewer: Viewer | None = None):
    # Exact figures: viewers without the small-cell right see them rounded (metrics/suppress.py).
    return lambda spec: execute(engine, spec, viewer or Viewer(can_see_small_cells=True))


def test_paragraph_is_the_seed_sentence_in_gongwen_form(seed_only: Engine) -> None:
    text = report_paragraph(_fetch(seed_only), OCT_2023)
    assert text == SEED_GONGWEN + SEED_TAIL


def test_no_half_width_punctuation_in_running_text(seed_engine: Engine) -> None:
    text = report_paragraph(_fetch(seed_engine), OCT_2023)
    assert text.startswith(SEED_GONGWEN)
    for ch in ",():;":
        assert ch not in text, ch


def test_an_area_without_data_is_left_out(no_assistance: Engine, seed_only: Engine) -> None:
    text = report_paragraph(_fetch(no_assistance), OCT_2023)
    assert text == SEED_GONGWEN + "参保人数完成全年任务数的94.50%。"
    assert "医疗救助" not in text and "0人次" not in text
    seed = report_paragraph(_fetch(seed_only), OCT_2023)
    assert "DRG" not in seed and "集中带量采购" not in seed


def test_a_period_without_any_data_gives_no_paragraph(seed_only: Engine) -> None:
    assert report_paragraph(_fetch(seed_only), Period(2021, 10)) == ""


@pytest.mark.parametrize(("level", "word"), [("县", "全县"), ("区", "全区"), ("市", "全市")])
def test_scope_is_named_by_the_region_level(seed_only: Engine, level: str, word: str) -> None:
    text = report_paragraph(_fetch(seed_only), OCT_2023, level=level)
    assert text == SEED_GONGWEN.replace("全县", word, 1) + SEED_TAIL


def test_township_paragraph_in_whole_persons(seed_only: Engine) -> None:
    viewer = Viewer(name="t", townships=frozenset({T2}), can_see_small_cells=True)
    text = report_paragraph(_fetch(seed_only, viewer), OCT_2023, T2)
    # 向塘镇: residents 336,800, employees 8,400; target 355,000 + 10,000 = 365,000 -> 94.58%.
    # Assistance: records with an odd 0-based index are T1's, so T2 has the 9,715 even ones:
    # 9,714 at 750.00元 and the last (index 19,428) carrying the remainder
    # 14,568,500 - 750 x 19,428 = -2,500元: 7,285,500 - 2,500 = 7,283,000元 = 728.30万元.
    assert text == (
        "2023年1-10月，向塘镇基本医疗保险缴费参保人数345200人，其中城乡居民医保336800人，"
        "城镇职工医保8400人。" + FUND_POOLED_NOTE + "参保人数完成全年任务数的94.58%。"
        "医疗救助9715人次，支付金额728.30万元。"
    )
    assert "万人" not in text


def test_township_paragraph_on_the_demo_is_not_scaled_10000_times(demo_engine: Engine) -> None:
    viewer = Viewer(name="t", townships=frozenset({XIANGTANG}))
    text = report_paragraph(_fetch(demo_engine, viewer), OCT_2023, XIANGTANG)
    head = text.split("参保人数", 1)[1].split("人", 1)[0]
    assert head.isdigit() and 5_000 < int(head) < 200_000, text
    assert "万人" not in text.split("。")[0]


def test_paragraph_on_the_demo_matches_the_seed(demo_engine: Engine) -> None:
    text = report_paragraph(_fetch(demo_engine), OCT_2023)
    assert text.startswith("2023年1-10月，全县基本医疗保险缴费参保人数94.52万人"), text
    for figure in ("83.68万人", "10.84万人", "9.28亿元", "4.04亿元", "59.16万人次", "1456.85万元"):
        assert figure in text
    # The demo has 2022 data: 同比 is said in words, 个百分点 for the DRG execution rate.
    assert "同比增长" in text or "同比下降" in text
    assert "预算执行率" in text and "个百分点" in text and "节约资金" in text


@pytest.mark.parametrize("scoped", [True, False], ids=["township-viewer", "county-viewer"])
def test_township_paragraph_on_the_demo_reads_the_sql_sum(
    demo_engine: Engine, scoped: bool
) -> None:
    """Whole persons, no separator, equal to a plain SQL sum of that township's October rows;
    同比 against the same sum for October 2022, worked out with Decimal."""
    viewer = Viewer(name="t", townships=frozenset({XIANGTANG})) if scoped else Viewer()
    paragraph = report_paragraph(_fetch(demo_engine, viewer), OCT_2023, XIANGTANG)
    sql = (
        "SELECT scheme, SUM(enrolled) FROM enrollment WHERE year = :y AND month = 10"
        " AND township_code = :t GROUP BY scheme"
    )
    with demo_engine.connect() as conn:
        now = {s: int(v) for s, v in conn.execute(text(sql), {"y": 2023, "t": XIANGTANG})}
        before = sum(int(v) for _, v in conn.execute(text(sql), {"y": 2022, "t": XIANGTANG}))
        name = conn.execute(
            select(township.c.name).where(township.c.code == XIANGTANG)
        ).scalar_one()
    total = sum(now.values())
    assert total > 10_000  # a figure that would read 万人 if it were written at county level
    growth = ((Decimal(total) - before) / before * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    word = "增长" if growth > 0 else "下降"
    assert paragraph.startswith(
        f"2023年1-10月，{name}基本医疗保险缴费参保人数{total}人，同比{word}{abs(growth)}%，"
        f"其中城乡居民医保{now['resident']}人，城镇职工医保{now['employee']}人。"
    ), paragraph


@pytest.mark.parametrize("scoped", [True, False], ids=["township-viewer", "county-viewer"])
def test_township_paragraph_names_only_that_township(demo_engine: Engine, scoped: bool) -> None:
    viewer = Viewer(name="t", townships=frozenset({XIANGTANG})) if scoped else Viewer()
    text = report_paragraph(_fetch(demo_engine, viewer), OCT_2023, XIANGTANG)
    with demo_engine.connect() as conn:
        names = dict(conn.execute(select(township.c.code, township.c.name)).fetchall())
    assert text.startswith(f"2023年1-10月，{names[XIANGTANG]}基本医疗保险缴费参保人数")
    others = [n for c, n in names.items() if c != XIANGTANG]
    assert not [n for n in others if n in text]
    # The fund is pooled at county level: no county fund figures in a township's paragraph.
    assert FUND_POOLED_NOTE in text and "基金收入" not in text.replace(FUND_POOLED_NOTE, "")
    assert "9.28亿" not in text


def test_wording_choices_can_be_changed_without_code(
    seed_only: Engine, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = tmp_path / "wording.toml"
    settings.write_text('yi_unit = "亿"\nincome_note = ""\n', encoding="utf-8")
    monkeypatch.setenv(wording.ENV_FILE, str(settings))
    text = report_paragraph(_fetch(seed_only), OCT_2023)
    assert "基金收入9.28亿，其中居民医保5.56亿，职工医保3.72亿。基金支出4.04亿（" in text
    assert all(src for _, _, src in wording.table())


def test_amounts_by_size_and_changes_in_words() -> None:
    assert wording.amount(535_602_000) == "5.36亿元"  # 53560.20万元
    assert wording.amount(99_999_999) == "10000.00万元"  # below one 亿 stays 万元
    assert wording.amount(14_568_500) == "1456.85万元"
    assert wording.change(0.0349, rate=False) == "同比增长3.49%"
    assert wording.change(-0.0002, rate=True) == "同比下降0.02个百分点"
    assert wording.change(0.00001, rate=True) == "与上年同期持平"
    assert wording.change(None, rate=True) == ""
    assert wording.persons("enrolled", 92_316, "township") == "92316人"
    assert wording.persons("enrolled", 1_092_316, "township") == "1092316人"  # no separator
    assert wording.persons("enrolled", 945_200, "county") == "94.52万人"
    assert wording.persons("enrolled", 945_249) == "94.52万人"  # two decimals, half-up
    assert wording.persons("enrolled", 945_250) == "94.53万人"
    assert wording.person_times(591_600, township=False) == "59.16万人次"
    assert wording.person_times(9_715, township=False) == "9715人次"
