"""The catalog package: a closed set of metric types, and the generated 指标口径 table."""

from __future__ import annotations

from metrics.catalog import AREAS, METRICS, doc
from metrics.model import Metric


def test_every_metric_has_one_of_the_closed_set_of_types() -> None:
    assert {m.type for m in METRICS.values()} <= set(doc.TYPE_LABELS)
    for m in METRICS.values():
        # simple metrics run in SQL; every other type is computed from declared inputs.
        assert (m.kind == "simple") == (m.type == "simple"), m.id
        assert all(i in METRICS for i in m.inputs), m.id
    assert METRICS["enroll_completion"].type == "ratio"
    assert METRICS["enroll_completion"].inputs == ("enrolled", "enroll_target")
    assert METRICS["fund_cumulative_balance"].type == "cumulative"
    assert METRICS["enroll_gap"].type == "difference"


def test_each_area_declares_its_own_metrics_once() -> None:
    ids = [m.id for _, metrics in AREAS for m in metrics]
    assert len(ids) == len(set(ids)) == len(METRICS)
    areas = {name: {m.id for m in metrics} for name, metrics in AREAS}
    assert "drg_execution" in areas["DRG付费"] and "enrolled" in areas["参保扩面"]
    assert all(isinstance(m, Metric) for m in METRICS.values())


def test_the_indicator_table_in_the_docs_is_up_to_date() -> None:
    assert doc.DOC.exists(), "docs/指标口径.md is missing: run python -m metrics.catalog.doc"
    assert doc.DOC.read_text(encoding="utf-8") == doc.render(), (
        "docs/指标口径.md is out of date: run python -m metrics.catalog.doc"
    )


def test_the_table_reads_as_the_bureau_defines_the_indicators() -> None:
    text = doc.render()
    assert "| 任务完成率 | `enroll_completion` | 比率 | 参保人数 ÷ 参保任务数 | % |" in text
    assert "| 参保人数 | `enrolled` | 汇总 |" in text and "全县万人,乡镇人" in text
    assert "高于时序进度5个百分点以上为“超进度”" in text
    assert "`drg_case`、`drg_budget`" in text
