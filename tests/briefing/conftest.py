"""Briefing material built once per module on the demo warehouse (county and 向塘镇)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from charts import ChartText, stacked
from exports import briefing_content
from exports.briefing_content import Content
from metrics.execute import execute
from metrics.model import Period, Viewer
from tests.exports.conftest import demo_engine  # noqa: F401  (the fixture, re-exported)

OCT_2023 = Period(2023, 10)
XIANGTANG = "360121101"
CUTOFF = "数据截至:2023年10月31日"


def build(engine: Engine, township: str | None, *, charts: bool = True) -> Content:
    viewer = Viewer(name="t", townships=frozenset({township})) if township else Viewer()

    def fetch(spec):
        return execute(engine, spec, viewer)

    def text(subject: str, unit: str) -> ChartText:
        return stacked(ChartText(subject, unit, CUTOFF))

    content = briefing_content.gather(fetch, OCT_2023, township, CUTOFF, text)
    # Scale 1 keeps the tests quick; the pages export at 2.
    return briefing_content.render(content, scale=1) if charts else content


@pytest.fixture(scope="module")
def county(demo_engine: Engine) -> Content:  # noqa: F811
    return build(demo_engine, None)


@pytest.fixture(scope="module")
def township(demo_engine: Engine) -> Content:  # noqa: F811
    return build(demo_engine, XIANGTANG)
