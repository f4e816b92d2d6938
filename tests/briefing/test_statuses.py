"""The material's KPI statuses follow each metric's own rule (metrics.compare.status_of), the same
as the pages: worked out by hand here against 10/12 of the year at the end of October."""

from __future__ import annotations

import pytest

from exports.briefing_content import Content

EXPECTED = 10 / 12  # linear time progress at the end of October
EPS = 1e-9


def _by_hand(value: float, higher_is_better: bool, margin: float, red: str) -> str:
    behind = (EXPECTED - value) if higher_is_better else (value - EXPECTED)
    if behind <= EPS:
        return "正常"
    return "预警" if behind <= margin + EPS else red


@pytest.mark.parametrize("scope", ["county", "township"])
def test_procurement_and_drg_status_words_by_hand(
    scope: str, request: pytest.FixtureRequest
) -> None:
    content: Content = request.getfixturevalue(scope)
    by_id = {k.metric_id: k for k in content.kpis}
    proc, drg = by_id["proc_progress"], by_id["drg_execution"]
    # 集采: more than 10 points behind is 滞后 (seed 004); DRG: over 5 points ahead is 超进度.
    assert proc.status_word == _by_hand(proc.value, True, 0.10, "滞后")
    assert drg.status_word == _by_hand(drg.value, False, 0.05, "超进度")
    assert "时序进度83.33%" in proc.note and "时序进度83.33%" in drg.note
