"""The chart memo: equal inputs give the same chart and spec, any change gives a new one."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

import charts
from charts import memo

TEXT = charts.ChartText("各乡镇救助金额", "万元", "数据截至:2023年10月31日")


def frame(amount: float = 12.5) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "township": ["360121100", "360121101"],
            "乡镇": ["莲塘镇", "向塘镇"],
            "万元": [amount, 3.0],
        }
    )


def build(data: pd.DataFrame, text: charts.ChartText = TEXT) -> alt.TopLevelMixin:
    return charts.ranked_values(
        data,
        label="乡镇",
        value="万元",
        value_title="救助金额(万元)",
        text=text,
        key_field="township",
    )


@pytest.fixture(autouse=True)
def empty_memo():
    memo.clear()
    yield
    memo.clear()


def test_equal_inputs_give_the_same_chart_and_spec() -> None:
    first = build(frame())
    again = build(frame())  # a new frame object with the same content
    assert again is first
    spec = memo.vega_spec(first)
    assert memo.vega_spec(again) is spec
    assert spec == first.to_dict()  # what Streamlit would have converted itself


@pytest.mark.parametrize(
    "change",
    [
        lambda: build(frame(12.6)),  # one value
        lambda: build(frame().iloc[::-1]),  # row order (and index)
        lambda: build(frame().assign(extra=1)),  # a column more
        lambda: build(frame(), charts.ChartText("各乡镇救助金额", "元", TEXT.source)),  # unit
    ],
    ids=["value", "order", "column", "unit"],
)
def test_a_change_gives_a_new_chart(change) -> None:
    first = build(frame())
    other = change()
    assert other is not first
    assert memo.vega_spec(other) != memo.vega_spec(first)


def test_value_change_is_seen_in_the_spec() -> None:
    first = memo.vega_spec(build(frame(12.5)))
    second = memo.vega_spec(build(frame(99.0)))
    values = [r["万元"] for d in second["datasets"].values() for r in d]
    assert 99.0 in values
    assert first != second


def test_arguments_that_cannot_be_keyed_are_built_every_time() -> None:
    calls = []

    @memo.memoized
    def builder(data: pd.DataFrame, callback) -> alt.Chart:
        calls.append(1)
        return alt.Chart(data).mark_bar().encode(x="万元:Q")

    unpicklable = lambda: None  # noqa: E731 — a lambda cannot be pickled, so cannot be keyed
    builder(frame(), unpicklable)
    builder(frame(), unpicklable)
    assert len(calls) == 2


def test_the_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memo, "MAX_CHARTS", 3)
    first = build(frame(1.0))
    for amount in (2.0, 3.0, 4.0):
        build(frame(amount))
    assert build(frame(1.0)) is not first  # evicted, built again
    assert len(memo._entries) == 3


def test_validation_catches_a_bad_spec_when_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # Built without Altair's construction-time checks, as a careless builder could.
    bad = alt.Chart.from_dict(
        {"mark": "bar", "encoding": {"x": {"field": "a", "type": "quantitative"}}}, validate=False
    )
    bad.encoding.x.type = "not-a-type"
    monkeypatch.setattr(memo, "VALIDATE", True)
    with pytest.raises(Exception, match="not-a-type"):
        memo.vega_spec(bad)
    monkeypatch.setattr(memo, "VALIDATE", False)
    assert memo.vega_spec(bad)["encoding"]["x"]["type"] == "not-a-type"
