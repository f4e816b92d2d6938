"""Persons and cases are whole numbers on every chart; 万元/万人 keep two decimals (charts/)."""

from __future__ import annotations

import pandas as pd
import pytest

import charts
from charts import ChartText, memo


def _formats(spec: dict) -> set[str]:
    """Every d3 format in a Vega-Lite spec (axes, tooltips, text marks)."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("format"), str):
                found.add(node["format"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    return found


@pytest.mark.parametrize(
    "level,unit,shown",
    [("township", "人", {",.0f"}), ("county", "万人", {",.2f"})],
)
def test_enrollment_plan_axis_in_the_unit_of_its_level(level: str, unit: str, shown: set) -> None:
    monthly = pd.DataFrame({"month": [1, 2], "enrolled": [100_000.0, 101_000.0]})
    chart = charts.enrollment_vs_plan(
        monthly, {"resident": 120_000.0}, 2, ChartText("向塘镇 参保人数与计划进度", unit), level
    )
    spec = memo.vega_spec(chart)
    assert _formats(spec) == shown
    # The axis itself, where "100,000.00" was drawn.
    layer = spec.get("layer", [spec])[0] if "encoding" not in spec else spec
    assert layer["encoding"]["y"]["axis"]["format"] == next(iter(shown))


@pytest.mark.parametrize(
    "unit,fmt", [("人次", ",.0f"), ("例", ",.0f"), ("家", ",.0f"), ("万元", ",.2f"), ("", ",.2f")]
)
def test_monthly_bars_and_donuts_follow_the_unit(unit: str, fmt: str) -> None:
    frame = pd.DataFrame({"month": [1, 1], "类": ["甲", "乙"], "v": [3.0, 1.0]})
    bars = memo.vega_spec(
        charts.monthly_bars(
            frame, stack="类", value="v", value_title="v", text=ChartText("t", unit)
        )
    )
    assert _formats(bars) == {fmt}
    donut = charts.share_donut(frame, category="类", value="v", text=ChartText("t", unit))
    legend = sorted(memo.vega_spec(donut)["datasets"].values(), key=len)[-1]
    labels = {row["legend"] for row in legend if "legend" in row}
    whole = fmt == ",.0f"
    assert labels == (
        {"甲 3(75.0%)", "乙 1(25.0%)"} if whole else {"甲 3.00(75.0%)", "乙 1.00(25.0%)"}
    )
