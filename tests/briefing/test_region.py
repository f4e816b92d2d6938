"""The region recorded in the warehouse names the material's scope and its issuing unit; a
warehouse without a region reads as a county with the wording's default unit."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from charts import ChartText
from data_sources import region
from data_sources.config import demo_url
from data_sources.engine import create_warehouse_engine
from data_sources.writer import recreate_schema
from exports import briefing_content, wording
from metrics.execute import execute
from metrics.model import Viewer
from tests.briefing.conftest import CUTOFF, OCT_2023


def test_issuing_unit_from_the_demo_region(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        name = region.region_name(conn)
    assert name == "南昌县"  # data_sources/demo.py records the county it is calibrated on
    assert wording.organisation(name) == "南昌县医疗保障局"


def test_no_region_falls_back_to_the_default(tmp_path: Path) -> None:
    engine = create_warehouse_engine(demo_url(tmp_path / "empty.duckdb"))
    try:
        recreate_schema(engine)
        with engine.connect() as conn:
            assert region.region_name(conn) is None
            assert region.scope_word(conn) == "全县"
        assert wording.organisation(None) == wording.Wording().organisation == "县医疗保障局"
    finally:
        engine.dispose()


def test_a_city_region_names_scope_and_unit(demo_engine: Engine) -> None:
    def fetch(spec):
        return execute(demo_engine, spec, Viewer())

    content = briefing_content.gather(
        fetch,
        OCT_2023,
        None,
        CUTOFF,
        lambda subject, unit: ChartText(subject, unit, CUTOFF),
        scope_label="全县",
        level="市",
        organisation=wording.organisation("石嘴山市"),
    )
    assert content.scope == "全市" and content.title.startswith("全市2023年1-10月")
    assert content.paragraph.startswith("2023年1-10月，全市基本医疗保险缴费参保人数")
    assert content.organisation == "石嘴山市医疗保障局"
