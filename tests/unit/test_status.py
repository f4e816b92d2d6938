"""Red/amber/green against 时序进度 and the months-payable band."""

from __future__ import annotations

import pytest

from metrics import settings
from metrics.settings import MONTHS_PAYABLE_BANDS, MonthsBand
from metrics.status import Status, months_payable_status, rag

EMPLOYEE = MONTHS_PAYABLE_BANDS["employee"]


def test_status_attributes() -> None:
    assert Status.GREEN.label == "正常"
    assert Status.AMBER.label == "预警"
    assert Status.RED.label == "滞后"
    assert Status.NONE.label == "无数据"
    assert Status.GREEN.color == "#2e7d32"
    assert Status.AMBER.color == "#f9a825"
    assert Status.RED.color == "#c62828"
    assert Status.NONE.color == "#9e9e9e"
    assert [s.emoji for s in Status] == ["🟢", "🟡", "🔴", "⚪"]
    assert Status.RED.code == "red"
    assert max(Status, key=lambda s: s.severity) is Status.RED


def test_rag_higher_is_better() -> None:
    expected = 10 / 12  # end of October: 0.8333
    assert rag(0.85, expected) is Status.GREEN
    assert rag(expected, expected) is Status.GREEN
    assert rag(0.80, expected) is Status.AMBER  # 3.33 pp behind < 5 pp
    assert rag(0.78, expected) is Status.RED  # 5.33 pp behind


def test_rag_edges_are_inclusive() -> None:
    # 0.45 is exactly 5 pp behind 0.5; 0.5 - 0.05 in floats must not turn it red.
    assert rag(0.45, 0.5) is Status.AMBER
    assert rag(0.4499, 0.5) is Status.RED
    assert rag(0.55, 0.5, higher_is_better=False) is Status.AMBER


def test_rag_lower_is_better_drg_pace() -> None:
    # DRG budget: 93.83% paid at end of October (83.33% expected) is 10.5 pp over pace.
    expected = 10 / 12
    assert rag(0.9383, expected, higher_is_better=False) is Status.RED
    assert rag(0.80, expected, higher_is_better=False) is Status.GREEN
    assert rag(0.86, expected, higher_is_better=False) is Status.AMBER  # 2.67 pp over
    assert rag(0.9383, expected, higher_is_better=False, amber_pp=0.11) is Status.AMBER
    # default band comes from settings
    assert settings.RAG_AMBER_PP == 0.05


def test_rag_custom_amber_band() -> None:
    assert rag(0.70, 0.8333, amber_pp=0.10) is Status.RED  # 13.33 pp behind > 10 pp
    assert rag(0.74, 0.8333, amber_pp=0.10) is Status.AMBER  # 9.33 pp behind
    assert rag(0.74, 0.8333, amber_pp=0.0) is Status.RED
    with pytest.raises(ValueError, match="预警区间"):
        rag(0.5, 0.5, amber_pp=-0.01)


@pytest.mark.parametrize(
    ("actual", "expected"),
    [(None, 0.5), (0.5, None), (float("nan"), 0.5), (0.5, float("nan"))],
)
def test_rag_missing(actual: float | None, expected: float | None) -> None:
    assert rag(actual, expected) is Status.NONE


@pytest.mark.parametrize(
    ("months", "status", "phrase"),
    [
        (2.0, Status.RED, "结余不足(低于3个月)"),
        (-1.0, Status.RED, "结余不足(低于3个月)"),  # negative balance
        (3.0, Status.AMBER, "结余偏少(3-6个月)"),
        (5.9, Status.AMBER, "结余偏少(3-6个月)"),
        (6.0, Status.GREEN, "合理区间(6-9个月)"),
        (8.3, Status.GREEN, "合理区间(6-9个月)"),
        (9.0, Status.GREEN, "合理区间(6-9个月)"),
        (9.04, Status.GREEN, "合理区间(6-9个月)"),  # shown as 9.0个月
        (9.05, Status.AMBER, "结余较多(9-15个月)"),  # shown as 9.1个月
        (15.0, Status.AMBER, "结余较多(9-15个月)"),
        (15.1, Status.RED, "结余偏多(超过15个月)"),
        (None, Status.NONE, "无数据"),
        (float("nan"), Status.NONE, "无数据"),
    ],
)
def test_months_payable_status(months: float | None, status: Status, phrase: str) -> None:
    assert months_payable_status(months, EMPLOYEE) == (status, phrase)


def test_months_payable_raw_and_custom_band() -> None:
    assert months_payable_status(9.04, EMPLOYEE, digits=None)[0] is Status.AMBER
    band = MonthsBand(2, 4.5, 8, 12, source="测试")
    assert months_payable_status(4, band) == (Status.AMBER, "结余偏少(2-4.5个月)")
    assert months_payable_status(13, band) == (Status.RED, "结余偏多(超过12个月)")


def test_months_band_validation() -> None:
    with pytest.raises(ValueError, match="可支付月数区间设置有误"):
        MonthsBand(6, 3, 9, 15)
    assert MONTHS_PAYABLE_BANDS["resident"].reasonable_low == 6
    assert "67号" in EMPLOYEE.source
